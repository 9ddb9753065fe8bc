"""Roster benchmark: ``microgradrnn grade-all`` over a class of learners, with the time per learner.

Run: ``python benchmarks/bench_roster.py [--learners 30] [--workers 2]``

Builds a roster of N learners (a third hand in the solutions, a third the untouched stubs, a
third a mix of both, module by module), grades it the way ``grade-all`` does (each learner's
modules in a sandboxed runner, scores decided by a judge that never runs the code), then
grades it again to show that learners whose files did not change are skipped.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from microgradrnn.grading.instructor import grade_roster

REPO = Path(__file__).resolve().parents[1]


def make_roster(root: Path, learners: int) -> None:
    """``learners`` folders: solutions, stubs, and mixes, so scores spread."""
    files = sorted((REPO / "solutions").glob("m[0-9][0-9]_*.py"))
    for k in range(learners):
        folder = root / f"learner{k:03d}"
        folder.mkdir(parents=True)
        for i, path in enumerate(files):
            source = "solutions" if k % 3 == 0 or (k % 3 == 2 and (i + k) % 2) else "exercises"
            shutil.copy(REPO / source / path.name, folder / path.name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        roster, out = Path(tmp) / "roster", Path(tmp) / "out"
        make_roster(roster, args.learners)
        started = time.perf_counter()
        rows = grade_roster(roster, out, workers=args.workers)
        first = time.perf_counter() - started
        started = time.perf_counter()
        again = grade_roster(roster, out, workers=args.workers)
        second = time.perf_counter() - started
    graded = sum(r.status == "graded" for r in rows)
    failed = [r.learner for r in rows if r.status.startswith("failed")]
    print(f"{args.learners} learners, {args.workers} workers: {first:.1f} s "
          f"({first / args.learners:.2f} s per learner, {graded} graded, {len(failed)} failed)")
    print(f"scores: min {min(r.total for r in rows):g}, max {max(r.total for r in rows):g}")
    print(f"re-run with nothing changed: {second:.1f} s "
          f"({sum(r.status == 'unchanged' for r in again)} unchanged)")


if __name__ == "__main__":
    main()
