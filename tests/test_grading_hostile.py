"""The grader against hostile submissions (files in tests/hostile/).

One tiny course is built in a temporary folder: module ``hNN_<case>`` has exercise N.1
``bad()`` (misbehaves) and N.2 ``add(a, b)`` (correct). The whole submission is graded
once through the ``microgradrnn grade`` command with a 5 s wall-clock limit; each test
then checks one case: the grader finished, ``bad`` scored 0 with a clear status, ``add``
was still graded, and results.json is valid.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from microgradrnn import cli
from microgradrnn.grading import grade
from microgradrnn.grading.sandbox import drop_command

HERE = Path(__file__).resolve().parent
HOSTILE = HERE / "hostile"
REPO = HERE.parent
TIMEOUT = 5.0

# case -> a phrase the status of bad() must contain ("" when any failure will do)
CASES: dict[str, str] = {
    "h01_loop": "killed after 5 s wall-clock limit",
    "h02_exit_import": "sys.exit(3) was called",
    "h03_exit_func": "sys.exit(0) was called",
    "h04_osexit_import": "process exited with code 0",
    "h05_osexit_func": "process exited with code 0",
    "h06_segfault": "segmentation fault (signal 11)",
    "h07_ctypes": "refused by the grader: ctypes",
    "h08_memory": "MemoryError",
    "h09_forkbomb": "refused by the grader: os.fork",
    "h10_print": "",
    "h11_fake_results": "expected 1.0, got 0.0",
    "h12_conftest": "expected 1.0, got 0.0",
    "h13_skip": "skipped: nothing to see here",
    "h14_always_equal": "TypeError",
    "h15_solutions": "expected 1.0, got 0.0",
    "h16_syntax": "SyntaxError",
    "h17_missing": "h17_missing.py is missing from the submission",
    "h18_patch_numpy": "the submission replaced numpy.allclose, which the tests rely on",
    "h19_forge_report": "the submission replaced _pytest.reports.TestReport.from_item_and_call",
    "h20_forge_and_restore": "expected 1.0, got 0.0",
    "h21_patch_test_module": "the submission replaced test_h21_patch_test_module.np",
}
# cases that cost the whole module: it cannot be imported, or it tampers with the tests' tools
UNGRADABLE = {
    "h02_exit_import",
    "h04_osexit_import",
    "h16_syntax",
    "h17_missing",
    "h18_patch_numpy",
    "h19_forge_report",
    "h21_patch_test_module",
}

TEST_FILE = """
import numpy as np

NAME = "{name}"


def test_bad(load_exercise):
    got = np.asarray(load_exercise(NAME).bad(), dtype=np.float64)
    assert got.shape == () and float(got) == 1.0, f"expected 1.0, got {{got}}"


def test_add(load_exercise):
    got = np.asarray(load_exercise(NAME).add(2.0, 3.0), dtype=np.float64)
    assert got.shape == () and float(got) == 5.0, f"expected 5.0, got {{got}}"
"""

HIDDEN_TEST = """
def test_hidden_add(load_exercise):
    assert float(load_exercise("h15_solutions").add(1.0, 1.0)) == 2.0
"""


def build_course(root: Path, names: list[str]) -> Path:
    """A course folder: manifest, the real conftest, one test file per module."""
    course = root / "course"
    course.mkdir()
    shutil.copyfile(REPO / "tests" / "exercises" / "conftest.py", course / "conftest.py")
    entries = []
    for number, name in enumerate(names, start=1):
        entries.append(
            f'[[module]]\nnumber = {number}\nname = "{name}"\ntitle = "{name}"\n'
            f'page = "modules/{name}.md"\n\n'
            f'[[module.exercise]]\nid = "{number}.1"\nfunction = "bad"\ntitle = "Misbehave"\n'
            f'hints = ["behave"]\ntests = {{ test_bad = 1 }}\n\n'
            f'[[module.exercise]]\nid = "{number}.2"\nfunction = "add"\ntitle = "Add"\n'
            f'hints = ["use +"]\ntests = {{ test_add = 2 }}\n'
        )
        (course / f"test_{name}.py").write_text(TEST_FILE.format(name=name), encoding="utf-8")
    (course / "manifest.toml").write_text("\n".join(entries), encoding="utf-8")
    return course


def build_submission(root: Path, out: Path, hidden: Path) -> Path:
    sub = root / "submission"
    sub.mkdir()
    for source in sorted(HOSTILE.glob("h*.py")):
        text = source.read_text(encoding="utf-8")
        for key, value in (("{{REPO}}", REPO), ("{{OUT}}", out), ("{{HIDDEN}}", hidden)):
            text = text.replace(key, str(value))
        (sub / source.name).write_text(text, encoding="utf-8")
    (sub / "h16_syntax.py").write_text("def add(a, b)\n    return a + b\n", encoding="utf-8")
    for extra in (HOSTILE / "submission_extras").glob("*.txt"):
        shutil.copyfile(extra, sub / extra.name[: -len(".txt")])
    (sub / "notes").mkdir()
    os.symlink(REPO / "README.md", sub / "notes" / "h03_exit_func.py")  # never followed
    return sub


def grader_processes() -> list[int]:
    """Processes still carrying a grading run's marker (there must be none afterwards)."""
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/environ", "rb") as env:
                    if b"MICROGRADRNN_GRADER_RUN=" in env.read():
                        found.append(int(entry.name))
            except OSError:
                pass
    return found


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    out = root / "out" / "results.json"
    hidden = root / "instructor"
    hidden.mkdir()
    (hidden / "test_h15_solutions_hidden.py").write_text(HIDDEN_TEST, encoding="utf-8")
    course = build_course(root, list(CASES))
    sub = build_submission(root, out, hidden)
    status = cli.main(
        ["grade", str(sub), "--json", str(out), "--course", str(course), "--tests", str(hidden)]
        + ["--timeout", str(TIMEOUT)]
    )
    data = json.loads(out.read_text(encoding="utf-8"))
    return {"status": status, "data": data, "root": root, "sub": sub, "course": course, "out": out}


def entry(data: dict, number: str) -> dict:
    (found,) = [t for t in data["tests"] if t["number"] == number]
    return found


def test_results_json_is_complete(graded):
    data = graded["data"]
    assert graded["status"] == 0
    assert isinstance(data["score"], (int, float)) and isinstance(data["execution_time"], (int, float))
    for test in data["tests"]:
        assert set(test) >= {"name", "number", "score", "max_score", "status", "output", "visibility"}
        assert test["status"] in ("passed", "failed")
        assert len(test["output"]) <= 17 << 10
    assert len(data["tests"]) == 2 * len(CASES) + 1
    expected = sum(2 for name in CASES if name not in UNGRADABLE) + 1  # add() everywhere it imports + hidden
    assert data["score"] == expected


@pytest.mark.parametrize("number,name", list(enumerate(CASES, start=1)), ids=list(CASES))
def test_hostile_case_scores_zero_and_others_are_graded(graded, number, name):
    data = graded["data"]
    bad, add = entry(data, f"{number}.1"), entry(data, f"{number}.2")
    assert bad["score"] == 0 and bad["status"] == "failed", bad
    assert CASES[name] in bad["output"], bad["output"][:500]
    if name in UNGRADABLE:
        assert add["score"] == 0 and add["status"] == "failed"
    else:
        assert add["score"] == 2 and add["status"] == "passed", add["output"][:500]


def test_import_failures_are_reported_in_a_few_lines(graded):
    data = graded["data"]
    syntax = entry(data, f"{list(CASES).index('h16_syntax') + 1}.2")["output"]
    assert "not gradable: SyntaxError" in syntax and "h16_syntax.py, line 1" in syntax
    summary_line = next(line for line in data["output"].splitlines() if "h02_exit_import" in line)
    assert "not gradable: sys.exit(3) was called (h02_exit_import.py, line 3)" in summary_line


def test_files_that_are_not_exercises_are_ignored_and_listed(graded):
    output = graded["data"]["output"]
    for name in ("conftest.py", "pytest.ini", "sitecustomize.py", "evil.pth", "numpy.py", "pytest.py"):
        assert name in output
    assert "symbolic link" in output


def test_fake_results_json_changes_nothing(graded):
    out = graded["out"]
    assert json.loads(out.read_text(encoding="utf-8"))["score"] == graded["data"]["score"] < 1000
    assert not (out.parent.parent / "results.json").exists()
    assert not (REPO / "HACKED_BY_SUBMISSION").exists()
    assert not list(out.parent.glob("*.tmp"))


def test_instructor_tests_are_hidden_and_graded(graded):
    hidden = [t for t in graded["data"]["tests"] if t["visibility"] != "visible"]
    assert [t["visibility"] for t in hidden] == ["hidden"]
    assert hidden[0]["score"] == 1 and hidden[0]["max_score"] == 1


def test_printing_megabytes_is_capped(graded):
    number = list(CASES).index("h10_print") + 1
    assert len(entry(graded["data"], f"{number}.1")["output"]) <= 17 << 10
    assert "characters cut" in entry(graded["data"], f"{number}.1")["output"]


def test_nothing_survives_the_grading_run(graded):
    assert grader_processes() == []
    assert not Path("/tmp/microgradrnn-hostile-ctypes").exists()


def test_grading_twice_gives_the_same_scores(graded):
    quick = ["h03_exit_func", "h05_osexit_func", "h12_conftest", "h16_syntax"]
    again = grade(graded["sub"], course_root=graded["course"], timeout=TIMEOUT, modules=quick, tests_dir=None)
    first = {t["number"]: (t["score"], t["status"]) for t in graded["data"]["tests"]}
    for test in again["tests"]:
        assert first[test["number"]] == (test["score"], test["status"]), test["output"][:300]


@pytest.mark.skipif(drop_command() is None, reason="runs as an ordinary user: no uid to drop")
def test_children_run_as_an_unprivileged_uid(tmp_path):
    course = build_course(tmp_path, ["h01_identity"])
    sub = tmp_path / "sub"
    sub.mkdir()
    source = "import os\n\ndef bad():\n    return 1.0 if os.getuid() == 0 else 0.0\n"
    (sub / "h01_identity.py").write_text(source + "\ndef add(a, b):\n    return a + b\n", encoding="utf-8")
    data = grade(sub, course_root=course, timeout=TIMEOUT)
    assert data["score"] == 2, data["output"]
