"""Grading at scale: the Gradescope bundle graded as Gradescope would, and a roster of three."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from microgradrnn.grading import load_manifest
from microgradrnn.grading.instructor import grade_roster, write_bundle

REPO = Path(__file__).resolve().parents[1]
MODULE = "m08_lstm.py"  # one module keeps these tests quick; the grader is the same for all


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    hidden = tmp_path_factory.mktemp("hidden")
    return write_bundle(tmp_path_factory.mktemp("out") / "autograder.zip", tests_dir=hidden)


def _autograder_root(tmp: Path, bundle: Path, submission: Path) -> Path:
    root = tmp / "autograder"
    (root / "source").mkdir(parents=True)
    zipfile.ZipFile(bundle).extractall(root / "source")
    shutil.copytree(submission, root / "submission")
    return root


def _run_autograder(root: Path) -> dict:
    script = root / "source" / "run_autograder"
    os.chmod(script, 0o755)
    env = {**os.environ, "AUTOGRADER_ROOT": str(root),
           "MICROGRADRNN": str(Path(sys.executable).parent / "microgradrnn")}
    subprocess.run(["bash", str(script)], env=env, check=True, capture_output=True, timeout=600)
    return json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))


def _submission(tmp: Path, folder: str, name: str) -> Path:
    dest = tmp / name
    dest.mkdir()
    shutil.copy(REPO / folder / MODULE, dest / MODULE)
    return dest


def test_bundle_has_gradescope_layout(bundle):
    names = zipfile.ZipFile(bundle).namelist()
    assert {"setup.sh", "run_autograder"} <= set(names)
    assert [n for n in names if n.endswith(".whl")], names
    setup = zipfile.ZipFile(bundle).read("setup.sh").decode()
    assert "bubblewrap" in setup and ".whl" in setup


def test_bundle_grades_solutions_full_and_stubs_zero(bundle, tmp_path):
    lstm = next(m for m in load_manifest() if m.filename == MODULE)
    full = _run_autograder(_autograder_root(tmp_path / "a", bundle, _submission(tmp_path, "solutions", "s")))
    zero = _run_autograder(_autograder_root(tmp_path / "b", bundle, _submission(tmp_path, "exercises", "e")))
    assert full["score"] == lstm.points, full.get("output")
    assert zero["score"] == 0 and zero["tests"], zero.get("output")


def test_roster_gradebook(tmp_path):
    roster = tmp_path / "roster"
    roster.mkdir()
    _submission(roster, "solutions", "ada")
    _submission(roster, "exercises", "bo")
    hostile = roster / "cy"
    hostile.mkdir()
    (hostile / MODULE).write_text("import os\nos._exit(3)\n", encoding="utf-8")
    (roster / "dee").mkdir()
    (roster / "dee" / MODULE).write_bytes(b"\xff\xfe not python")
    out = tmp_path / "out"
    rows = grade_roster(roster, out, workers=2)
    by = {r.learner: r for r in rows}
    with open(out / "gradebook.csv", encoding="utf-8") as f:
        table = {row["learner"]: row for row in csv.DictReader(f)}
    assert list(table) == ["ada", "bo", "cy", "dee"]
    assert float(table["ada"]["m08_lstm"]) == by["ada"].total > 0
    assert float(table["bo"]["total"]) == 0 and float(table["cy"]["total"]) == 0
    assert float(table["dee"]["total"]) == 0
    assert (out / "ada" / "results.json").is_file()

    again = {r.learner: r.status for r in grade_roster(roster, out, workers=2)}
    assert again["ada"] == "unchanged" and again["bo"] == "unchanged"
    (roster / "bo" / MODULE).write_text((REPO / "solutions" / MODULE).read_text(encoding="utf-8"))
    third = {r.learner: r for r in grade_roster(roster, out, workers=2)}
    assert third["bo"].status == "graded" and third["bo"].total == by["ada"].total
