"""Grading benchmark: wall-clock seconds to grade the full ``solutions/`` folder.

Run: ``python benchmarks/bench_grading.py [--workers 2] [--repeat 1]``

Grades every module that has exercises, through the same sandboxed runner as
``microgradrnn grade`` (one child process per module, at most 2 at a time), and prints
the total and each module's time. Target: well under two minutes on 2 cores. Also
prints the cost of one near-empty child (start-up of the interpreter, numpy and pytest
inside the sandbox), which bounds how fast any module can be graded.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from microgradrnn.grading import load_manifest
from microgradrnn.grading.runner import run_course
from microgradrnn.grading.sandbox import Limits, drop_command

REPO = Path(__file__).resolve().parents[1]

_EMPTY_COURSE = {
    "manifest.toml": '[[module]]\nnumber = 0\nname = "b00_empty"\n\n'
    '[[module.exercise]]\nid = "0.1"\nfunction = "f"\ntests = { test_f = 1 }\n',
    "test_b00_empty.py": 'def test_f(load_exercise):\n    assert load_exercise("b00_empty").f() == 1\n',
}


def child_startup_seconds(repeat: int = 3) -> float:
    """Best seconds to grade a one-line module: the fixed cost of one sandboxed child."""
    best = float("inf")
    with tempfile.TemporaryDirectory() as tmp:
        course, sub = Path(tmp) / "course", Path(tmp) / "sub"
        course.mkdir()
        sub.mkdir()
        for name, text in _EMPTY_COURSE.items():
            (course / name).write_text(text, encoding="utf-8")
        (course / "conftest.py").write_text(
            (REPO / "tests" / "exercises" / "conftest.py").read_text(encoding="utf-8"), encoding="utf-8"
        )
        (sub / "b00_empty.py").write_text("def f():\n    return 1\n", encoding="utf-8")
        for _ in range(repeat):
            start = time.perf_counter()
            result = run_course(sub, course_root=course, workers=1)
            best = min(best, time.perf_counter() - start)
            assert result.score == 1, "the benchmark's own module did not pass"
    return best


def run(workers: int = 2, repeat: int = 1) -> dict[str, float]:
    """Seconds to grade all of solutions/ (best of ``repeat``), per module, and per child start."""
    drop_command()  # one-off probe, not part of a grading run's cost
    manifest = load_manifest()
    modules = [m.name for m in manifest if m.exercises and (REPO / "solutions" / m.filename).is_file()]
    best: dict[str, float] = {}
    for _ in range(repeat):
        start = time.perf_counter()
        result = run_course(REPO / "solutions", modules=modules, workers=workers, limits=Limits())
        total = time.perf_counter() - start
        if not best or total < best["grade_solutions_s"]:
            best = {"grade_solutions_s": total, "modules": float(len(result.modules))}
            best["score_fraction"] = result.score / result.max_score if result.max_score else 0.0
            best.update({f"module_{m.module.name}_s": m.elapsed for m in result.modules})
    best["child_startup_s"] = child_startup_seconds()
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    r = run(args.workers, args.repeat)
    print(f"graded {int(r['modules'])} modules of solutions/ in {r['grade_solutions_s']:.1f} s")
    print(f"  with {args.workers} workers; score {100 * r['score_fraction']:.0f}% of full marks (want 100%)")
    print(f"  one sandboxed child costs {r['child_startup_s']:.2f} s at least")
    for key, value in r.items():
        if key.startswith("module_"):
            print(f"  {key[len('module_') : -2]:28} {value:6.2f} s")
    print("target: well under 120 s on 2 cores")


if __name__ == "__main__":
    main()
