"""Grading at scale: a Gradescope autograder bundle, and a whole roster on one machine.

- :func:`write_bundle` writes Gradescope's autograder zip: ``setup.sh`` (installs bubblewrap
  and this package from the wheel inside the zip), ``run_autograder`` (grades
  ``$AUTOGRADER_ROOT/submission`` into ``$AUTOGRADER_ROOT/results/results.json``), the wheel,
  and the instructor's hidden tests and course folder when given.
- :func:`grade_roster` grades every learner folder of a roster into ``OUT/<learner>/results.json``
  and ``OUT/gradebook.csv``; a learner whose files have not changed since the last run is
  not graded again.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from .manifest import load_manifest

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
set -euo pipefail
cd "$(dirname "$0")"
apt-get update
apt-get install -y --no-install-recommends python3 python3-pip python3-venv bubblewrap graphviz
python3 -m venv /opt/microgradrnn
/opt/microgradrnn/bin/pip install --upgrade pip
/opt/microgradrnn/bin/pip install ./{wheel}
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission. AUTOGRADER_ROOT lets it run anywhere for a test.
set -uo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
HERE="$(cd "$(dirname "$0")" && pwd)"
MGR="${{MICROGRADRNN:-/opt/microgradrnn/bin/microgradrnn}}"
[ -x "$MGR" ] || MGR="microgradrnn"
mkdir -p "$ROOT/results"
args=("$ROOT/submission" --json "$ROOT/results/results.json" --hidden-visibility {visibility})
[ -d "$HERE/hidden" ] && args+=(--tests "$HERE/hidden")
[ -d "$HERE/course" ] && args+=(--course "$HERE/course")
"$MGR" grade "${{args[@]}}"
status=$?
# grade always writes results.json; a non-zero status is the grader's own failure, reported there.
exit 0
"""


def build_wheel(dest: Path) -> Path:
    """Build this package's wheel (it carries the course's stubs and tests, not the solutions)."""
    source = Path(__file__).resolve().parents[2]
    if not (source / "pyproject.toml").is_file():
        raise FileNotFoundError(
            "building the bundle needs a clone of microgradrnn (the wheel is built from its source)"
        )
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dest),
         str(source)],
        check=True, capture_output=True, timeout=600,
    )
    return max(dest.glob("microgradrnn-*.whl"), key=lambda p: p.stat().st_mtime)


def write_bundle(
    out: str | Path,
    *,
    tests_dir: str | Path | None = None,
    course_root: str | Path | None = None,
    hidden_visibility: str = "hidden",
) -> Path:
    """Write the autograder zip to ``out``; return its path.

    ``tests_dir`` holds hidden instructor tests (``test_<module>*.py``, with a ``probes/``
    folder if they need one); ``course_root`` another course folder (manifest + tests).
    """
    out = Path(out)
    if course_root is not None:
        load_manifest(course_root)  # a broken course fails here, not on Gradescope
    with tempfile.TemporaryDirectory() as tmp:
        wheel = build_wheel(Path(tmp))
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
            _add_script(zf, "setup.sh", SETUP_SH.format(wheel=wheel.name))
            _add_script(zf, "run_autograder", RUN_AUTOGRADER.format(visibility=hidden_visibility))
            zf.write(wheel, wheel.name)
            for prefix, folder in (("hidden", tests_dir), ("course", course_root)):
                if folder is None:
                    continue
                folder = Path(folder)
                for path in sorted(folder.rglob("*")):
                    if path.is_file() and "__pycache__" not in path.parts:
                        zf.write(path, f"{prefix}/{path.relative_to(folder).as_posix()}")
    return out


def _add_script(zf: zipfile.ZipFile, name: str, text: str) -> None:
    info = zipfile.ZipInfo(name)
    info.external_attr = 0o755 << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, text)


# --------------------------------------------------------------------------- a roster


@dataclass
class RosterRow:
    """One learner's line of the gradebook."""

    learner: str
    scores: dict[str, float]
    total: float
    status: str  # "graded", "unchanged" or "failed: ..."


def content_hash(folder: Path) -> str:
    """A hash of every file's relative path and bytes under ``folder`` (symlinks not followed)."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            digest.update(os.fsencode(path.relative_to(folder).as_posix()) + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _module_scores(results: dict, modules: dict[str, str]) -> dict[str, float]:
    """Points per module name; ``modules`` maps a module's number (as text) to its name."""
    scores = dict.fromkeys(modules.values(), 0.0)
    for test in results.get("tests", []):
        name = modules.get(str(test.get("number", "")).split(".")[0])
        if name is not None:
            scores[name] += float(test.get("score", 0))
    return scores


def grade_roster(
    roster: str | Path,
    out: str | Path,
    *,
    tests_dir: str | Path | None = None,
    course_root: str | Path | None = None,
    workers: int = 2,
    timeout: float = 60.0,
    on_done: Callable[[RosterRow], None] | None = None,
) -> list[RosterRow]:
    """Grade each subfolder of ``roster`` (one learner each); write results and ``gradebook.csv``."""
    from . import grade

    roster, out = Path(roster), Path(out)
    if not roster.is_dir():
        raise NotADirectoryError(f"no roster folder {roster}")
    out.mkdir(parents=True, exist_ok=True)
    numbers = {str(m.number): m.name for m in load_manifest(course_root) if m.exercises}
    modules = list(numbers.values())
    learners = sorted(p for p in roster.iterdir() if p.is_dir() and not p.name.startswith("."))

    def one(folder: Path) -> RosterRow:
        dest = out / folder.name
        stamp = dest / "content.sha256"
        results_path = dest / "results.json"
        try:
            digest = content_hash(folder)
            if stamp.is_file() and results_path.is_file() and stamp.read_text().strip() == digest:
                results = json.loads(results_path.read_text(encoding="utf-8"))
                status = "unchanged"
            else:
                from .results import write_json

                results = grade(folder, tests_dir=tests_dir, course_root=course_root, timeout=timeout,
                                workers=1)
                dest.mkdir(parents=True, exist_ok=True)
                write_json(results, results_path)
                stamp.write_text(digest + "\n")
                status = "graded"
                if not results.get("tests"):
                    status = "failed: " + str(results.get("output", "no tests graded")).splitlines()[0][:200]
            scores = _module_scores(results, numbers)
            return RosterRow(folder.name, scores, float(results.get("score", sum(scores.values()))), status)
        except Exception as err:  # noqa: BLE001 - one learner's failure must not stop the roster
            why = f"failed: {type(err).__name__}: {err}"
            return RosterRow(folder.name, dict.fromkeys(modules, 0.0), 0.0, why)

    rows: dict[str, RosterRow] = {}
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = [pool.submit(one, folder) for folder in learners]
        for future in as_completed(futures):
            row = future.result()
            rows[row.learner] = row
            if on_done is not None:
                on_done(row)
    ordered = [rows[p.name] for p in learners]
    _write_gradebook(out / "gradebook.csv", ordered, modules)
    return ordered


def _write_gradebook(path: Path, rows: list[RosterRow], modules: list[str]) -> None:
    tmp = path.with_suffix(".csv.tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["learner", *modules, "total", "status"])
        for row in rows:
            points = [_fmt(row.scores[m]) for m in modules]
            writer.writerow([row.learner, *points, _fmt(row.total), row.status])
    os.replace(tmp, path)


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}"



# --------------------------------------------------------------------------- the commands


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``gradescope`` and ``grade-all`` to the ``microgradrnn`` command."""
    bundle = subparsers.add_parser(
        "gradescope",
        help="write Gradescope's autograder zip (setup.sh, run_autograder, this package's wheel)",
        description="Write Gradescope's autograder zip. Upload it as the assignment's autograder.",
    )
    bundle.add_argument("out", metavar="OUT.zip")
    bundle.add_argument("--tests", metavar="DIR", help="hidden instructor tests to include")
    bundle.add_argument("--course", metavar="DIR", help="another course folder (manifest.toml + tests)")
    bundle.add_argument("--hidden-visibility", default="hidden",
                        choices=("hidden", "after_due_date", "after_published"))
    bundle.set_defaults(func=_run_bundle)

    roster = subparsers.add_parser(
        "grade-all",
        help="grade a roster (one subfolder per learner) into results and a gradebook.csv",
        description=(
            "Grade every subfolder of ROSTER_DIR (one learner each) into OUT_DIR/<learner>/results.json "
            "and OUT_DIR/gradebook.csv. Learners whose files did not change since the last run are skipped."
        ),
    )
    roster.add_argument("roster", metavar="ROSTER_DIR")
    roster.add_argument("--out", required=True, metavar="OUT_DIR")
    roster.add_argument("--workers", type=int, default=2, help="learners graded at once (default 2)")
    roster.add_argument("--tests", metavar="DIR", help="hidden instructor tests")
    roster.add_argument("--course", metavar="DIR", help="another course folder")
    roster.add_argument("--timeout", type=float, default=60.0, help="seconds per module (default 60)")
    roster.set_defaults(func=_run_roster)


def _run_bundle(args: argparse.Namespace) -> int:
    try:
        path = write_bundle(args.out, tests_dir=args.tests, course_root=args.course,
                            hidden_visibility=args.hidden_visibility)
    except (OSError, ValueError, subprocess.CalledProcessError) as err:
        print(f"microgradrnn gradescope: {err}", file=sys.stderr)
        return 2
    print(f"wrote {path} ({path.stat().st_size // 1024} KiB): upload it as the autograder")
    return 0


def _run_roster(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    roster = Path(args.roster)
    if not roster.is_dir():
        print(f"microgradrnn grade-all: no roster folder {roster}", file=sys.stderr)
        return 2
    count = sum(1 for p in roster.iterdir() if p.is_dir() and not p.name.startswith("."))
    with tqdm(total=count, unit="learner", desc="grading") as bar:
        def done(row: RosterRow) -> None:
            bar.set_postfix_str(f"{row.learner}: {_fmt(row.total)} ({row.status[:30]})")
            bar.update(1)

        rows = grade_roster(roster, args.out, tests_dir=args.tests, course_root=args.course,
                            workers=args.workers, timeout=args.timeout, on_done=done)
    failed = [r for r in rows if r.status.startswith("failed")]
    print(f"{len(rows)} learners graded into {Path(args.out) / 'gradebook.csv'}"
          + (f"; {len(failed)} failed: {', '.join(r.learner for r in failed)}" if failed else ""))
    return 1 if failed else 0
