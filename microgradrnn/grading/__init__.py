"""The course's grading machinery: the manifest of points, judged test runs, sandboxed runners, reports.

- :func:`load_manifest` reads the course (modules, exercises, tests, points, hints);
  importing it has no side effects, so documentation tools can use it.
- :func:`grade` grades a folder of learner files and returns Gradescope's results.json
  as a dictionary; ``microgradrnn grade`` and ``microgradrnn check`` are built on it.
"""

from __future__ import annotations

import time
from pathlib import Path

from .manifest import (
    Exercise,
    Manifest,
    ManifestError,
    Module,
    TestSpec,
    default_course_root,
    load_manifest,
)

__all__ = [
    "Exercise",
    "Manifest",
    "ManifestError",
    "Module",
    "TestSpec",
    "default_course_root",
    "check",
    "grade",
    "load_manifest",
]

DEFAULT_TIMEOUT = 60.0


def grade(
    submission_dir: str | Path,
    tests_dir: str | Path | None = None,
    course_root: str | Path | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    modules: list[int | str] | None = None,
    workers: int = 2,
    hidden_visibility: str = "hidden",
    isolation: str = "auto",
    test_timeout: float | None = None,
) -> dict:
    """Grade the exercise files in ``submission_dir``; return the results.json dictionary.

    ``tests_dir`` adds instructor tests (``test_<module name>*.py``, 1 point each, marked
    ``hidden_visibility``); ``course_root`` points at another manifest + tests folder
    (default: this checkout's ``tests/exercises``); ``timeout`` is the wall-clock limit in
    seconds of each module's grading and ``test_timeout`` (default 10) that of each test.
    ``isolation`` is the runner's sandbox: ``auto`` (the
    strongest this machine allows), ``bwrap``, ``uid`` or ``none``; the report's output says
    which one ran. Never raises for a bad submission; if the grader itself fails (a required
    isolation level missing included), the result is a zero score that says so.
    """
    from .results import error_results, to_gradescope
    from .runner import Limits, run_course

    started = time.monotonic()
    try:
        result = run_course(
            submission_dir,
            course_root=course_root,
            tests_dir=tests_dir,
            modules=modules,
            limits=Limits(timeout=float(timeout), test_seconds=float(test_timeout or Limits.test_seconds)),
            workers=workers,
            isolation_level=isolation,
        )
    except Exception as err:  # the grader's own failure still yields a valid results.json
        return error_results(err, time.monotonic() - started)
    return to_gradescope(result, hidden_visibility)


def check(module: int | str | None = None, exercises: str | Path | None = None) -> int:
    """Check your exercises from Python (a notebook cell): prints ``microgradrnn check``'s scoreboard.

    ``module`` is a number (8) or name (``"m08_lstm"``), default every module; ``exercises``
    the folder of your exercise files (default: found from the current folder upward).
    Returns the command's exit status (0 all pass, 1 some fail, 2 could not run).
    """
    from ..cli import main

    argv = ["check"] + ([str(module)] if module is not None else [])
    argv += ["--exercises", str(exercises)] if exercises is not None else []
    return main(argv)
