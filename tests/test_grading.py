"""The grading machinery on a small self-made course: manifest, check scoreboard, grade command."""

from __future__ import annotations

import argparse
import io
import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from microgradrnn import cli
from microgradrnn.grading import ManifestError, grade, isolation, load_manifest
from microgradrnn.grading.commands import find_exercises, run_check
from microgradrnn.grading.results import write_json

REPO = Path(__file__).resolve().parents[1]

MANIFEST = """
[[module]]
number = 1
name = "t01_arith"
title = "Arithmetic"
korean = "산수"
page = "modules/01-arith.md"

[[module.exercise]]
id = "1.1"
function = "add"
title = "Adding"
hints = ["Use the + operator, which adds its left operand to its right one and returns the sum \
of the two numbers it was given, for any two numbers at all.", "Really."]
tests = { test_add_small = 2, test_add_large = 1 }

[[module.exercise]]
id = "1.2"
function = "double"
title = "Doubling"
hints = ["Multiply by two."]
tests = { test_double = 3 }

[[module]]
number = 2
name = "t02_empty"
title = "Nothing yet"
page = "modules/02-empty.md"
"""

TESTS = """
from microgradrnn.grading.learner import as_float


def test_add_small(learner):
    got = as_float(learner.add(1.0, 2.0), "add(1, 2)")
    assert got == 3.0, f"add(1, 2): expected 3.0, got {got}"


def test_add_large(learner):
    got = as_float(learner.add(1e6, 2e6), "add(1e6, 2e6)")
    assert got == 3e6, f"add(1e6, 2e6): expected 3e6, got {got}"


def test_double(learner):
    got = as_float(learner.double(4.0), "double(4)")
    assert got == 8.0, f"double(4): expected 8.0, got {got}"
"""

STUB = """
def add(a, b):
    raise NotImplementedError("exercise 1.1: add")


def double(x):
    raise NotImplementedError("exercise 1.2: double")
"""

HALF = """
def add(a, b):
    return a + b


def double(x):
    return x * 3
"""

FULL = HALF.replace("x * 3", "x * 2")


@pytest.fixture(autouse=True)
def english_locale(monkeypatch):
    """The messages these tests read are the English ones, whatever the machine's locale."""
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")


@pytest.fixture
def course(tmp_path: Path) -> Path:
    root = tmp_path / "repo" / "tests" / "exercises"
    root.mkdir(parents=True)
    (root / "manifest.toml").write_text(MANIFEST, encoding="utf-8")
    (root / "test_t01_arith.py").write_text(TESTS, encoding="utf-8")
    shutil.copyfile(REPO / "tests" / "exercises" / "conftest.py", root / "conftest.py")
    return root


def learner(course: Path, source: str) -> Path:
    folder = course.parents[1] / "exercises"
    folder.mkdir(exist_ok=True)
    (folder / "t01_arith.py").write_text(source, encoding="utf-8")
    return folder


def check(*argv: str) -> tuple[int, str]:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers()
    from microgradrnn.grading.commands import register

    register(sub)
    args = parser.parse_args(["check", *argv])
    out = io.StringIO()
    status = run_check(args, out)
    return status, out.getvalue()


# --------------------------------------------------------------------------- manifest


def test_manifest_of_the_course_lists_its_modules_in_order():
    manifest = load_manifest()
    # The core track is modules 0 to 13; the challenge track follows from 14, in order.
    numbers = [m.number for m in manifest]
    assert numbers[:14] == list(range(14)) and numbers == sorted(set(numbers))
    assert manifest.module(8).name == "m08_lstm"
    assert manifest.module("m08_lstm") is manifest.module("08") is manifest.module("m08")
    assert all(m.page.startswith("modules/") for m in manifest)
    with pytest.raises(KeyError, match="no module 99 in the course"):
        manifest.module(99)


def test_manifest_points_add_up(course):
    manifest = load_manifest(course)
    arith = manifest.module(1)
    assert [e.points for e in arith.exercises] == [3.0, 3.0]
    assert arith.points == manifest.points == 6.0
    assert arith.exercise_of("test_double").id == "1.2" and arith.exercise_of("test_nope") is None
    hints = arith.exercises[0].hints
    assert hints[0].startswith("Use the + operator, which") and hints[1] == "Really."


@pytest.mark.parametrize(
    "bad,message",
    [
        (
            '[[module]]\nnumber = 1\nname = "a"\n[[module]]\nnumber = 2\nname = "a"\n',
            "duplicate module name 'a'",
        ),
        (
            '[[module]]\nnumber = 1\nname = "a"\n[[module.exercise]]\nid = "1.1"\ntests = { test_x = 0 }\n',
            "> 0",
        ),
        (
            '[[module]]\nnumber = 1\nname = "a"\n[[module.exercise]]\nid = "1.1"\ntests = { x = 1 }\n',
            "not a test",
        ),
        ('[[module]]\nnumber = "one"\nname = "a"\n', "integer `number`"),
        ("[[module]\n", "manifest.toml"),
    ],
)
def test_bad_manifests_are_refused_with_the_entry_at_fault(tmp_path, bad, message):
    (tmp_path / "manifest.toml").write_text(bad, encoding="utf-8")
    with pytest.raises(ManifestError, match=message.replace("(", r"\(")):
        load_manifest(tmp_path)


def test_missing_manifest_is_a_clear_error(tmp_path):
    with pytest.raises(ManifestError, match="no manifest.toml"):
        load_manifest(tmp_path)


# --------------------------------------------------------------------------- check


def test_check_on_stubs_says_not_implemented_and_where_to_read(course, monkeypatch):
    exercises = learner(course, STUB)
    monkeypatch.chdir(exercises)
    monkeypatch.setenv("COLUMNS", "70")
    status, out = check()
    assert status == 1  # some exercise fails
    assert "0 / 6" in out and "Total  0 / 6 points" in out and "(1 module," in out
    assert "1 module with exercises (1 without exercises yet)" in out
    assert "not implemented yet: write add in exercises/t01_arith.py" in out
    # no docs/ beside exercises/ (a `microgradrnn start` folder): the notebook, never a raw page
    assert "open the notebook t01_arith.ipynb (`microgradrnn notebooks DIR`" in out
    assert "docs/modules" not in out
    assert "hint" not in out  # an untouched stub has not been tried: no hint unlocked
    assert "Traceback" not in out and "\033[" not in out  # no wall of traceback, no colour off a tty
    assert max(len(line) for line in out.splitlines()[1:]) <= 70


def test_check_wraps_a_long_hint_whole(course, monkeypatch):
    exercises = learner(course, HALF.replace("a + b", "a - b"))
    monkeypatch.setenv("COLUMNS", "70")
    status, out = check("--exercises", str(exercises), "--course", str(course))
    assert status == 1
    # the long hint wraps over several lines, whole, instead of being cut at the terminal's edge
    hint = [line.strip() for line in out.splitlines() if line.strip().startswith("hint 1: Use the +")]
    assert hint and "…" not in out
    assert "for any two numbers at all." in out
    assert max(len(line) for line in out.splitlines()[1:]) <= 70


def test_check_shows_expected_and_got_for_a_wrong_answer(course):
    exercises = learner(course, HALF)
    status, out = check("1", "--exercises", str(exercises), "--course", str(course))
    assert status == 1
    assert "✓ 1.1" in out and "✗ 1.2" in out and "3 / 6" in out
    assert "test_double: double(4): expected 8.0, got 12.0" in out
    assert "Next up: exercise 1.2 double" in out


def test_check_exits_0_when_everything_passes(course):
    exercises = learner(course, FULL)
    status, out = check("--exercises", str(exercises), "--course", str(course))
    assert status == 0 and "Total  6 / 6 points" in out and "Everything passes" in out


def test_check_exits_2_when_the_tests_cannot_run(course):
    exercises = learner(course, FULL)
    (course / "test_t01_arith.py").write_text("def test_add_small(learner)\n", encoding="utf-8")
    status, out = check("--exercises", str(exercises), "--course", str(course))
    assert status == 2
    assert "collecting the tests failed" in out and "could not run" in out


def test_check_usage_errors_exit_2(course, tmp_path, monkeypatch, capsys):
    assert check("99", "--course", str(course))[0] == 2
    assert "no module '99' in the course" in capsys.readouterr().err
    monkeypatch.chdir(tmp_path)
    assert check("--exercises", str(tmp_path / "nowhere"), "--course", str(course))[0] == 2
    err = capsys.readouterr().err
    assert "--exercises" in err and "nowhere does not exist" in err and "here or above" not in err


def test_check_help_documents_the_exit_status(capsys):
    with pytest.raises(SystemExit):
        cli.main(["check", "--help"])
    text = capsys.readouterr().out
    assert "exit status:" in text and "0  every exercise checked passes" in text
    assert "2  the tests could not run" in text


def test_check_piped_into_head_stops_quietly(course):
    exercises = learner(course, STUB)
    command = (f"{shlex.quote(sys.executable)} -m microgradrnn.cli check"
               f" --exercises {shlex.quote(str(exercises))} --course {shlex.quote(str(course))} | head -n 1")
    done = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=120)
    assert done.stdout.startswith("Checking ")
    assert "Traceback" not in done.stderr and "BrokenPipeError" not in done.stderr, done.stderr


def test_check_works_without_posix_only_modules(course, monkeypatch):
    # What Windows lacks: the learner's path must not need it (the sandboxed grade may).
    monkeypatch.setitem(sys.modules, "resource", None)
    monkeypatch.setitem(sys.modules, "fcntl", None)
    monkeypatch.delattr(os, "killpg")
    exercises = learner(course, HALF)
    status, out = check("--exercises", str(exercises), "--course", str(course))
    assert status == 1 and "✓ 1.1" in out and "3 / 6" in out
    with pytest.raises(ImportError):
        import resource  # noqa: F401 - the patch holds


def test_find_exercises_walks_up_from_a_subfolder(course):
    exercises = learner(course, STUB)
    deep = course.parents[1] / "notes" / "week1"
    deep.mkdir(parents=True)
    assert find_exercises(deep, load_manifest(course)) == exercises
    assert find_exercises(exercises, load_manifest(course)) == exercises


# --------------------------------------------------------------------------- grade


def test_grade_writes_gradescope_results(course, tmp_path):
    exercises = learner(course, HALF)
    out = tmp_path / "out" / "results.json"
    status = cli.main(
        ["grade", str(exercises), "--json", str(out), "--course", str(course), "--timeout", "20"]
    )
    data = json.loads(out.read_text(encoding="utf-8"))
    assert status == 0
    assert data["score"] == 3 and isinstance(data["execution_time"], float)
    by_number = {t["number"]: t for t in data["tests"]}
    assert by_number["1.1"] | {"output": ""} == {
        "name": "1.1 Adding (add)",
        "number": "1.1",
        "score": 3,
        "max_score": 3,
        "status": "passed",
        "output": "",
        "visibility": "visible",
    }
    assert by_number["1.2"]["score"] == 0 and by_number["1.2"]["status"] == "failed"
    assert "expected 8.0, got 12.0" in by_number["1.2"]["output"]
    assert "Hint: Multiply by two." in by_number["1.2"]["output"]


def test_grade_missing_folder_still_writes_valid_results(tmp_path):
    out = tmp_path / "results.json"
    status = cli.main(["grade", str(tmp_path / "nope"), "--json", str(out)])
    data = json.loads(out.read_text(encoding="utf-8"))
    assert status == 2 and data["score"] == 0 and data["tests"] == []
    assert "no submission folder" in data["output"]


def test_grader_failure_is_a_zero_score_that_says_so(tmp_path):
    (tmp_path / "sub").mkdir()
    data = grade(tmp_path / "sub", course_root=tmp_path / "no-course")
    assert data["score"] == 0 and data["tests"] == []
    assert "grader failed" in data["output"] and "no manifest.toml" in data["output"]
    json.dumps(data, allow_nan=False)


def test_write_json_replaces_atomically(tmp_path):
    path = tmp_path / "results.json"
    path.write_text("not json", encoding="utf-8")
    write_json({"score": 1, "tests": []}, path)
    assert json.loads(path.read_text(encoding="utf-8")) == {"score": 1, "tests": []}
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]


def test_write_json_survives_any_text(tmp_path):
    nasty = "lone \udcff\ud800 surrogates, \x00\x1b[31m control \x07 characters"
    path = write_json({"score": float("nan"), "output": nasty, "tests": [{"output": nasty * 1000}]},
                      tmp_path / "results.json")
    data = json.loads(path.read_bytes().decode("utf-8"))  # strict UTF-8
    assert data["score"] == 0.0 and "surrogates" in data["output"] and "\x1b" not in data["output"]


def test_off_limits_message_reaches_the_learner(tmp_path):
    source = (REPO / "exercises" / "m08_lstm.py").read_text(encoding="utf-8") + (
        "\n\ndef lstm_param_count(input_size, hidden_size, num_layers=1, bidirectional=False):\n"
        "    from microgradrnn import nn\n\n"
        "    return nn.LSTMCell(input_size, hidden_size, seed=0).num_parameters() * num_layers\n"
    )
    (tmp_path / "m08_lstm.py").write_text(source, encoding="utf-8")
    out = io.StringIO()
    args = argparse.Namespace(module="8", exercises=str(tmp_path), course=None, timeout=60.0,
                              test_timeout=10.0, isolation="none")
    assert run_check(args, out) == 1
    text = out.getvalue()
    assert "8.4" in text and "which is what the exercise teaches" in text, text
    assert "microgradrnn.nn.Module.num_parameters" in text


# --------------------------------------------------------------------------- isolation


@pytest.fixture
def no_bwrap(monkeypatch):
    """This machine as one without bubblewrap."""
    monkeypatch.setenv("MICROGRADRNN_BWRAP", "")
    isolation.why_not.cache_clear()
    yield
    isolation.why_not.cache_clear()


def test_without_bubblewrap_grading_falls_back_and_says_so(course, no_bwrap, tmp_path):
    exercises = learner(course, HALF)
    out = tmp_path / "results.json"
    status = cli.main(["grade", str(exercises), "--json", str(out), "--course", str(course)])
    data = json.loads(out.read_text(encoding="utf-8"))
    assert status == 0 and data["score"] == 3
    fallback = "uid" if not isolation.why_not("uid") else "none"
    line = next(line for line in data["output"].splitlines() if line.startswith("Isolation: "))
    assert line.startswith(f"Isolation: {fallback}: ") and "bubblewrap (bwrap) is not installed" in line


def test_a_required_isolation_level_fails_loudly(course, no_bwrap, tmp_path, capsys):
    exercises = learner(course, FULL)
    out = tmp_path / "results.json"
    status = cli.main(["grade", str(exercises), "--json", str(out), "--course", str(course),
                       "--isolation", "bwrap"])
    data = json.loads(out.read_text(encoding="utf-8"))
    assert status == 1 and data["score"] == 0 and data["tests"] == []
    assert "isolation 'bwrap' was required but is not available" in data["output"]
    assert "bubblewrap (bwrap) is not installed" in capsys.readouterr().err


@pytest.mark.skipif(bool(isolation.why_not("bwrap")), reason="bubblewrap is not usable here")
def test_the_sandbox_hides_the_host_and_the_network(course, tmp_path):
    hidden = ["/etc/passwd", REPO / "solutions", REPO / "tests", REPO / "README.md", course, "/home"]
    probe = (
        "import os, socket\n\n"
        "def add(a, b):\n"
        f"    leaks = [p for p in {[str(p) for p in hidden]!r} if os.path.exists(p) and (not os.path.isdir(p)"
        " or os.listdir(p))]\n"
        "    try:\n"
        "        socket.create_connection(('127.0.0.1', 22), timeout=1)\n"
        "        leaks.append('network')\n"
        "    except OSError:\n"
        "        pass\n"
        "    open('/tmp/scratch', 'w').write('a private /tmp is writable')\n"
        "    if os.getuid() == 0:\n"
        "        leaks.append('root')\n"
        "    print('leaks:', leaks)\n"
        "    return a + b if not leaks else -1.0\n\n"
        "def double(x):\n"
        "    return 2 * x\n"
    )
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "t01_arith.py").write_text(probe, encoding="utf-8")
    data = grade(sub, course_root=course, isolation="bwrap")
    assert data["score"] == 6, data["tests"][0]["output"]
