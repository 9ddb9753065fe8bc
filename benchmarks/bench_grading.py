"""Grading benchmark: wall-clock seconds to grade the full ``solutions/`` folder.

Run: ``python benchmarks/bench_grading.py [--workers 2] [--repeat 1] [--isolation auto]``

Grades every module that has exercises the way ``microgradrnn grade`` does: per module a judge
pytest process, and the learner's code in a runner inside the sandbox (bubblewrap where the
machine allows it), at most 2 modules at a time. Prints the total, each module's time, and the
cost of a near-empty module (a judge's start plus a sandboxed runner's start), which bounds how
fast any module can be graded. Target: under 30 s for all 14 modules on 2 cores.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from microgradrnn.grading import load_manifest
from microgradrnn.grading.runner import Limits, run_course

REPO = Path(__file__).resolve().parents[1]
COURSE = REPO / "tests" / "exercises"  # this checkout's course, whichever package is installed

_EMPTY_COURSE = {
    "manifest.toml": '[[module]]\nnumber = 0\nname = "b00_empty"\n\n'
    '[[module.exercise]]\nid = "0.1"\nfunction = "f"\ntests = { test_f = 1 }\n',
    "test_b00_empty.py": "def test_f(learner):\n    assert learner.f() == 1\n",
}


def module_startup_seconds(isolation: str, repeat: int = 3) -> float:
    """Best seconds to grade a one-line module: the fixed cost of a judge and a sandboxed runner."""
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
            result = run_course(sub, course_root=course, workers=1, isolation_level=isolation)
            best = min(best, time.perf_counter() - start)
            assert result.score == 1, "the benchmark's own module did not pass"
    return best


def run(workers: int = 2, repeat: int = 1, isolation: str = "auto") -> dict[str, float | str]:
    """Seconds to grade all of solutions/ (best of ``repeat``), per module, and per module start."""
    module_startup_seconds(isolation, repeat=1)  # the one-off sandbox probe is not a grading run's cost
    manifest = load_manifest(COURSE)
    modules = [m.name for m in manifest if m.exercises and (REPO / "solutions" / m.filename).is_file()]
    best: dict[str, float | str] = {}
    for _ in range(repeat):
        start = time.perf_counter()
        result = run_course(REPO / "solutions", course_root=COURSE, modules=modules, workers=workers,
                            limits=Limits(), isolation_level=isolation)
        total = time.perf_counter() - start
        if not best or total < float(best["grade_solutions_s"]):
            best = {"grade_solutions_s": total, "modules": float(len(result.modules)),
                    "isolation": result.isolation.split(":")[0]}
            best["score_fraction"] = result.score / result.max_score if result.max_score else 0.0
            best["full_marks_modules"] = float(sum(m.score == m.max_score for m in result.modules))
            best.update({f"module_{m.module.name}_s": m.elapsed for m in result.modules})
    best["module_startup_s"] = module_startup_seconds(isolation)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--isolation", default="auto", choices=("auto", "bwrap", "uid", "none"))
    args = parser.parse_args()
    r = run(args.workers, args.repeat, args.isolation)
    print(f"graded {int(r['modules'])} modules of solutions/ in {r['grade_solutions_s']:.1f} s"
          f" (isolation {r['isolation']}, {args.workers} workers)")
    full = int(r["full_marks_modules"])
    print(f"  {full} module{'' if full == 1 else 's'} at full marks;"
          f" score {100 * float(r['score_fraction']):.0f}% of full marks (want 100%)")
    print(f"  a near-empty module (judge + sandboxed runner) costs {r['module_startup_s']:.2f} s at least")
    for key, value in r.items():
        if key.startswith("module_") and key != "module_startup_s":
            print(f"  {key[len('module_') : -2]:28} {value:6.2f} s")
    print("target: under 30 s on 2 cores")


if __name__ == "__main__":
    main()
