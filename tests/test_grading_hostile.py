"""The grader against hostile module-8 submissions (attack code in tests/hostile/).

Each case is one submission: the untouched stub of ``exercises/m08_lstm.py`` followed by the
case's code (see tests/hostile/README.md). All cases are graded through ``microgradrnn grade``
with the real course, two at a time; then each test checks one case: the stubbed exercises
stayed at 0 (and a correct exercise beside them was still graded), results.json is valid UTF-8
JSON in Gradescope's shape, nothing outside was read or written, and no process of the run's
sandboxes is left. Cases about reading or writing host files need bubblewrap: behind a bare uid
drop, world-readable files are readable by design (the report says so).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from microgradrnn import cli
from microgradrnn.grading import isolation

HERE = Path(__file__).resolve().parent
HOSTILE = HERE / "hostile"
REPO = HERE.parent
STUB = (REPO / "exercises" / "m08_lstm.py").read_text(encoding="utf-8")
GATE_SLICE = (HOSTILE / "_gate_slice.py.txt").read_text(encoding="utf-8")
SECRET_NAME, SECRET_VALUE = "test_secret_name_zebra", "271828.1828"
HOST_WRITES = ["/tmp/microgradrnn-hostile-write", "/dev/shm/microgradrnn-hostile-write",
               "/tmp/microgradrnn-hostile-dirfd", str(REPO / "HACKED_BY_SUBMISSION")]


@dataclass
class Case:
    scores: dict[str, float] = field(default_factory=dict)  # exercise -> expected score (default 0)
    phrases: dict[str, str] = field(default_factory=dict)  # exercise -> text its output must hold
    gate_slice: bool = False  # append a correct gate_slice (8.2 then scores 3)
    timeout: float = 30.0
    test_timeout: float = 10.0
    needs_bwrap: bool = False
    module_error: str = ""
    max_seconds: float = 0.0  # the module must end within this (0: not checked)


CASES: dict[str, Case] = {
    "frames": Case(),
    "forge": Case(),
    "pytest_hooks": Case(),
    "code_swap": Case(),
    "sys_modules": Case(),
    "numpy_patch": Case(),
    "threads": Case(max_seconds=25),
    "read_host": Case(needs_bwrap=True),
    "write_out": Case(needs_bwrap=True),
    "dir_fd": Case(needs_bwrap=True),
    "os_path": Case(needs_bwrap=True),
    "surrogates": Case(phrases={"8.1": "raised ValueError"}),
    "print_hidden": Case(needs_bwrap=True),
    "osexit_thread": Case(gate_slice=True, scores={"8.2": 3}, max_seconds=25),
    "hold_limit": Case(gate_slice=True, scores={"8.2": 3}, test_timeout=1.0, max_seconds=25,
                       phrases={"8.1": "did not finish within the test's time limit of 1 s"}),
    "hold_module": Case(timeout=6.0, max_seconds=9, phrases={"8.1": "not run: the module used up its 6 s"}),
    "forkbomb": Case(gate_slice=True, scores={"8.2": 3}, max_seconds=25),
    "crashes": Case(gate_slice=True, scores={"8.2": 3},
                    phrases={"8.1": "process died (exited with status 0)", "8.3": "SIGSEGV",
                             "8.4": "raised SystemExit"}),
    "exit_at_import": Case(module_error="not gradable: importing m08_lstm.py raised SystemExit: 3"),
    "always_equal": Case(phrases={"8.4": "expected an int"}),
    "off_limits": Case(phrases={"8.1": "calls microgradrnn.nn.LSTMCell, which is what the exercise teaches",
                                "8.4": "which is what the exercise teaches: write it yourself"}),
}

HIDDEN_TEST = f"""
import numpy as np

from microgradrnn.grading.learner import as_array

SECRET = {SECRET_VALUE}


def {SECRET_NAME}(learner):
    assert learner.probe("hidden_probe") == 7, "the hidden probe did not reach the runner"
    got = as_array(learner.gate_slice(np.full((8, 2), SECRET), "i"), "the slice", "ndarray")
    assert np.allclose(got, SECRET), f"expected {{SECRET}}"
"""


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _build(root: Path, name: str, case: Case, hidden: Path, canary: Path) -> Path:
    sub = root / name / "submission"
    sub.mkdir(parents=True)
    attack = (HOSTILE / f"{name}.py").read_text(encoding="utf-8")
    fills = {"{{REPO}}": REPO, "{{OUT}}": canary.parent / "results.json", "{{CANARY}}": canary,
             "{{CANARY_DIR}}": canary.parent, "{{HIDDEN}}": hidden}
    for key, value in fills.items():
        attack = attack.replace(key, str(value))
    source = STUB + "\n\n# ---- the attack\n" + attack + (GATE_SLICE if case.gate_slice else "")
    (sub / "m08_lstm.py").write_text(source, encoding="utf-8")
    if name == "surrogates":  # names no file system encoding can show
        (sub / os.fsdecode(b"\xff\xfe-undecodable.py")).write_text("x = 1\n", encoding="utf-8")
        (sub / "\x1b[31mred\x07.py").write_text("x = 1\n", encoding="utf-8")
    if name == "frames":
        for extra in (HOSTILE / "submission_extras").glob("*.txt"):
            shutil.copyfile(extra, sub / extra.name[: -len(".txt")])
        os.symlink(REPO / "solutions" / "m08_lstm.py", sub / "notes_link.py")
    return sub


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    canary_dir = root / "canary"
    canary_dir.mkdir()
    canary = canary_dir / "private.txt"
    canary.write_text("CANARY-8d1f host file nobody may read\n", encoding="utf-8")
    canary.chmod(0o644)
    (canary_dir / "results.json").write_text('{"score": 0}', encoding="utf-8")
    hidden = root / "instructor"
    (hidden / "probes").mkdir(parents=True)
    (hidden / "test_m08_lstm_secret.py").write_text(HIDDEN_TEST, encoding="utf-8")
    (hidden / "probes" / "m08_lstm.py").write_text("def hidden_probe(m):\n    return 7\n", encoding="utf-8")
    for path in HOST_WRITES:  # left by an earlier run behind a bare uid drop, where /tmp is shared
        Path(path).unlink(missing_ok=True)
    before = {"solution": _digest(REPO / "solutions" / "m08_lstm.py"), "canary": _digest(canary)}
    first_sandbox = len(isolation.HISTORY)

    def run(name: str) -> dict:
        case = CASES[name]
        sub = _build(root, name, case, hidden, canary)
        out = root / name / "results.json"
        argv = ["grade", str(sub), "--json", str(out), "--module", "8", "--timeout", str(case.timeout),
                "--test-timeout", str(case.test_timeout)]
        if name == "print_hidden":
            argv += ["--tests", str(hidden)]
        started = time.monotonic()
        status = cli.main(argv)
        seconds = time.monotonic() - started
        print(f"{name}: {seconds:.1f} s")
        return {"status": status, "raw": out.read_bytes(), "seconds": seconds}

    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = dict(zip(CASES, pool.map(run, CASES)))
    sandboxes = isolation.HISTORY[first_sandbox:]
    return {"runs": runs, "root": root, "canary": canary, "before": before, "sandboxes": sandboxes}


def _level(data: dict) -> str:
    line = next(line for line in data["output"].splitlines() if line.startswith("Isolation: "))
    return line.split()[1].rstrip(":")


def _by_number(data: dict) -> dict[str, dict]:
    return {t["number"]: t for t in data["tests"]}


def test_every_case_ran_in_the_strongest_sandbox_available(graded):
    levels = {_level(json.loads(r["raw"])) for r in graded["runs"].values()}
    expected = next((level for level in ("bwrap", "uid") if not isolation.why_not(level)), "none")
    assert levels == {expected}


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_case_scores_what_the_stub_scores(graded, name):
    case, run = CASES[name], graded["runs"][name]
    text = run["raw"].decode("utf-8")  # strict: valid UTF-8
    data = json.loads(text)
    if case.needs_bwrap and _level(data) != "bwrap":
        pytest.skip("reading and writing host files is only walled off by bubblewrap")
    assert run["status"] == 0, data["output"]
    assert set(data) >= {"score", "execution_time", "output", "tests"}
    for test in data["tests"]:
        assert set(test) >= {"name", "number", "score", "max_score", "status", "output", "visibility"}
        assert test["status"] in ("passed", "failed") and len(test["output"]) <= 17 << 10
        assert not any(ord(c) < 32 and c not in "\t\n" for c in test["output"]), test["output"][:200]
    tests = _by_number(data)
    assert [n for n in tests if not n.startswith("8.h")] == ["8.1", "8.2", "8.3", "8.4"]
    for number in ("8.1", "8.2", "8.3", "8.4"):
        want = case.scores.get(number, 0)
        assert tests[number]["score"] == want, f"{number}: {tests[number]['output'][:600]}"
    for number, phrase in case.phrases.items():
        assert phrase in tests[number]["output"], tests[number]["output"][:600]
    if case.module_error:
        assert case.module_error in data["output"], data["output"]
    if case.max_seconds:
        assert run["seconds"] < case.max_seconds, f"took {run['seconds']:.1f} s"
    assert "CANARY-8d1f" not in text  # a host file nobody may read


def test_nothing_outside_was_written(graded):
    if _level(json.loads(graded["runs"]["write_out"]["raw"])) == "bwrap":  # else /tmp is everyone's
        for path in HOST_WRITES:
            assert not os.path.exists(path), path
    canary = graded["canary"]
    assert sorted(p.name for p in canary.parent.iterdir()) == ["private.txt", "results.json"]
    assert (canary.parent / "results.json").read_text(encoding="utf-8") == '{"score": 0}'
    assert _digest(canary) == graded["before"]["canary"]
    assert _digest(REPO / "solutions" / "m08_lstm.py") == graded["before"]["solution"]


def test_no_process_of_the_runs_is_left(graded):
    assert graded["sandboxes"], "no sandbox was recorded"
    left = {(uid, marker): isolation.leftover_pids(uid, marker) for uid, marker in graded["sandboxes"]}
    assert not any(left.values()), {k: v for k, v in left.items() if v}


def test_hidden_tests_stay_out_of_visible_feedback(graded):
    data = json.loads(graded["runs"]["print_hidden"]["raw"])
    if _level(data) != "bwrap":
        pytest.skip("the hunt reads host folders, which only bubblewrap hides")
    hidden = [t for t in data["tests"] if t["visibility"] != "visible"]
    assert len(hidden) == 1 and hidden[0]["visibility"] == "hidden" and hidden[0]["score"] == 0
    assert SECRET_NAME in hidden[0]["name"]
    assert "not implemented yet: gate_slice" in hidden[0]["output"]  # past the hidden probe, in the runner
    shown = [t["name"] + t["output"] for t in data["tests"] if t["visibility"] == "visible"]
    visible = data["output"] + "".join(shown)
    for secret in (SECRET_NAME, "zebra", SECRET_VALUE, "271828", "test_m08_lstm_secret", "_hidden/"):
        assert secret not in visible, secret
    # the hunt did run and print what it found: its output reached the learner's feedback
    assert "seen" in _by_number(data)["8.2"]["output"]


def test_files_that_are_not_exercises_are_ignored_and_listed(graded):
    output = json.loads(graded["runs"]["frames"]["raw"])["output"]
    for name in ("conftest.py", "pytest.ini", "sitecustomize.py", "evil.pth", "numpy.py", "pytest.py"):
        assert name in output
    assert "notes_link.py (symbolic link)" in output


def test_undecodable_names_are_listed_readably(graded):
    data = json.loads(graded["runs"]["surrogates"]["raw"].decode("utf-8"))
    ignored = next(line for line in data["output"].splitlines() if line.startswith("Ignored files"))
    assert "-undecodable.py" in ignored and "red" in ignored and "\x1b" not in ignored
