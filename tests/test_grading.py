"""The grading machinery on a small self-made course: manifest, check scoreboard, grade command."""

from __future__ import annotations

import argparse
import io
import json
import shutil
from pathlib import Path

import pytest

from microgradrnn import cli
from microgradrnn.grading import ManifestError, grade, load_manifest
from microgradrnn.grading.commands import find_exercises, run_check
from microgradrnn.grading.results import write_json
from microgradrnn.grading.sandbox import parse_records

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
hints = ["Use the + operator.", "Really."]
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
import numpy as np


def test_add_small(load_exercise):
    got = float(np.asarray(load_exercise("t01_arith").add(1.0, 2.0), dtype=np.float64))
    assert got == 3.0, f"add(1, 2): expected 3.0, got {got}"


def test_add_large(load_exercise):
    got = float(np.asarray(load_exercise("t01_arith").add(1e6, 2e6), dtype=np.float64))
    assert got == 3e6, f"add(1e6, 2e6): expected 3e6, got {got}"


def test_double(load_exercise):
    got = float(np.asarray(load_exercise("t01_arith").double(4.0), dtype=np.float64))
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


def test_manifest_of_the_course_lists_fourteen_modules_in_order():
    manifest = load_manifest()
    assert [m.number for m in manifest] == list(range(14))
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
    assert arith.exercises[0].hints == ("Use the + operator.", "Really.")


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
    status, out = check()
    assert status == 0
    assert "0 / 6" in out and "Total  0 / 6 points" in out
    assert "not implemented yet: write add in exercises/t01_arith.py" in out
    assert "read docs/modules/01-arith.md" in out and "hint: Use the + operator." in out
    assert "Traceback" not in out and "\033[" not in out  # no wall of traceback, no colour off a tty
    assert "1 without exercises yet" in out


def test_check_shows_expected_and_got_for_a_wrong_answer(course):
    exercises = learner(course, HALF)
    status, out = check("1", "--exercises", str(exercises), "--course", str(course))
    assert status == 0
    assert "✓ 1.1" in out and "✗ 1.2" in out and "3 / 6" in out
    assert "test_double: double(4): expected 8.0, got 12.0" in out
    assert "Next up: exercise 1.2 double" in out


def test_check_usage_errors_exit_2(course, tmp_path, monkeypatch, capsys):
    assert check("99", "--course", str(course))[0] == 2
    assert "no module '99' in the course" in capsys.readouterr().err
    monkeypatch.chdir(tmp_path)
    assert check("--exercises", str(tmp_path / "nowhere"), "--course", str(course))[0] == 2


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


def test_only_records_framed_with_the_nonce_count():
    nonce = b"abc123"
    data = b"".join(
        [
            b'abc123 {"kind": "start", "nodeid": "t::a"}\n',
            b'forged {"kind": "result", "nodeid": "t::a", "outcome": "passed"}\n',
            b"abc123 {not json\n",
            b"abc123 " + b"[" * 100_000 + b"\n",
            b'abc123 ["not", "a", "record"]\n',
            b'abc123 {"kind": "result", "nodeid": "t::a", "outcome": "failed"}',
        ]
    )
    records = parse_records(data, nonce)
    assert [r["kind"] for r in records] == ["start", "result"]
    assert records[1]["outcome"] == "failed"
