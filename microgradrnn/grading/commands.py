"""The ``check`` and ``grade`` sub-commands of ``microgradrnn``."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
import unicodedata
from pathlib import Path
from typing import TextIO

from .manifest import Manifest, ManifestError, default_course_root, load_manifest

DEFAULT_TIMEOUT = 60.0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``check`` and ``grade`` to the ``microgradrnn`` command."""
    check = subparsers.add_parser(
        "check",
        help="run the tests on your exercises/ and show your score",
        description="Run the course's tests against your exercises/ folder and print a scoreboard.",
    )
    check.add_argument("module", nargs="?", help="a module number (8) or name (m08_lstm); default: all")
    check.add_argument(
        "--exercises", metavar="DIR", help="the folder of exercise files (default: found from here)"
    )
    check.add_argument("--course", metavar="DIR", help=argparse.SUPPRESS)
    check.add_argument(
        "--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds per module (default 60)"
    )
    check.set_defaults(func=run_check)

    grade = subparsers.add_parser(
        "grade",
        help="grade a folder of learner files into Gradescope's results.json",
        description="Grade a submission folder (treated as untrusted) and write Gradescope's results.json.",
    )
    grade.add_argument("submission", metavar="SUBMISSION_DIR", help="the folder of submitted files")
    grade.add_argument("--json", required=True, metavar="RESULTS_JSON", help="where to write results.json")
    grade.add_argument("--tests", metavar="DIR", help="instructor tests test_<module>*.py, reported hidden")
    grade.add_argument(
        "--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds per module (default 60)"
    )
    grade.add_argument("--course", metavar="DIR", help="another course folder (manifest.toml + tests)")
    grade.add_argument(
        "--hidden-visibility",
        default="hidden",
        choices=("hidden", "after_due_date", "after_published"),
        help="Gradescope visibility of instructor tests (default hidden)",
    )
    grade.add_argument("--workers", type=int, default=2, help=argparse.SUPPRESS)
    grade.set_defaults(func=run_grade)


# --------------------------------------------------------------------------- grade


def run_grade(args: argparse.Namespace) -> int:
    """``microgradrnn grade``: always writes results.json; 0 when graded, 1 grader failure, 2 bad usage."""
    from . import grade
    from .results import error_results, write_json

    started = time.monotonic()
    status = 0
    submission = Path(args.submission)
    if not submission.is_dir():
        data = error_results(NotADirectoryError(f"no submission folder {submission}"))
        status = 2
    elif args.timeout <= 0:
        data = error_results(ValueError(f"--timeout must be positive, got {args.timeout:g}"))
        status = 2
    else:
        try:
            data = grade(
                submission,
                tests_dir=args.tests,
                course_root=args.course,
                timeout=args.timeout,
                workers=max(1, args.workers),
                hidden_visibility=args.hidden_visibility,
            )
        except BaseException as err:  # even Ctrl-C leaves a valid results.json behind
            data = error_results(err, time.monotonic() - started)
            status = 1
    if not data.get("tests") and status == 0 and "grader failed" in data.get("output", ""):
        status = 1
    path = write_json(data, args.json)
    print(data["output"])
    print(f"results written to {path}")
    return status


# --------------------------------------------------------------------------- check


def find_exercises(start: Path, manifest: Manifest) -> Path | None:
    """The nearest ``exercises/`` folder holding a course file, from ``start`` upward."""
    names = {m.filename for m in manifest}
    for folder in (start, *start.parents):
        candidate = folder / "exercises"
        if folder.name == "exercises" and any((folder / n).is_file() for n in names):
            return folder
        if candidate.is_dir() and any((candidate / n).is_file() for n in names):
            return candidate
    checkout = default_course_root().parents[1] / "exercises"
    return checkout if checkout.is_dir() else None


class _Style:
    def __init__(self, stream: TextIO) -> None:
        self.colour = stream.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"

    def __call__(self, text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.colour else text


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _fit(text: str, width: int) -> str:
    while _width(text) > width and text:
        text = text[:-2] + "…"
    return text + " " * max(0, width - _width(text))


def _pts(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def render_module(result, width: int, style: _Style) -> list[str]:  # noqa: ANN001 - runner.ModuleResult
    """The scoreboard lines of one module."""
    module = result.module
    score = f"{_pts(result.score)} / {_pts(result.max_score)}"
    full = result.score >= result.max_score
    head = f"{module.number:>2}  {module.title}" + (f"  {module.korean}" if module.korean else "")
    lines = [style(_fit(head, width - len(score) - 1), "1") + " " + style(score, "32;1" if full else "1")]
    if result.error:
        for text in result.error.splitlines()[:3]:
            lines.append("    " + style(_fit(text, width - 4).rstrip(), "31"))
    for ex in result.exercises:
        mark = style("✓", "32") if ex.score >= ex.max_score else style("✗", "31")
        right = f"{_pts(ex.score)} / {_pts(ex.max_score)}"
        left = f"{ex.exercise.id:<5} {ex.exercise.title} ({ex.exercise.function})"
        lines.append(f"    {mark} {_fit(left, width - 7 - len(right))} {right}")
        failure = ex.first_failure
        if failure is None or result.error:
            continue
        reason = failure.reason.splitlines() or ["failed"]
        lines.append("          " + style(_fit(f"{failure.name}: {reason[0]}", width - 10).rstrip(), "33"))
        for extra in reason[1:2]:
            lines.append("          " + style(_fit(extra, width - 10).rstrip(), "33"))
        where = [f"read docs/{module.page}"] if module.page else []
        if ex.exercise.hints:
            where.append(f"hint: {ex.exercise.hints[0]}")
        if where:
            lines.append("          " + style(_fit(" · ".join(where), width - 10).rstrip(), "2"))
    return lines


def run_check(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """``microgradrnn check``: 0 whenever the tests ran, whatever the score; 2 on bad usage."""
    from .runner import run_course
    from .sandbox import Limits

    out = out or sys.stdout
    err = sys.stderr
    try:
        manifest = load_manifest(args.course)
    except ManifestError as error:
        print(f"microgradrnn check: {error}", file=err)
        return 2
    if args.module is not None:
        try:
            wanted = [manifest.module(args.module)]
        except KeyError as error:
            print(f"microgradrnn check: {error.args[0]}", file=err)
            return 2
    else:
        wanted = list(manifest)
    exercises = Path(args.exercises) if args.exercises else find_exercises(Path.cwd(), manifest)
    if exercises is None or not exercises.is_dir():
        print("microgradrnn check: no exercises/ folder found here or above; pass --exercises DIR", file=err)
        return 2
    if args.timeout <= 0:
        print(f"microgradrnn check: --timeout must be positive, got {args.timeout:g}", file=err)
        return 2
    graded = [m for m in wanted if m.exercises]
    style = _Style(out)
    width = max(60, min(100, shutil.get_terminal_size((88, 24)).columns))
    print(style(f"Checking {exercises}", "1"), file=out)
    if not graded:
        print(f"No exercises listed yet for {', '.join(m.name for m in wanted)}.", file=out)
        return 0
    skipped = len(wanted) - len(graded)
    print(
        f"{len(graded)} module(s) with exercises"
        + (f" ({skipped} without exercises yet)" if skipped else "")
        + "; each runs in its own process.\n",
        file=out,
    )
    ephemeral = style.colour

    def waiting(module) -> None:  # noqa: ANN001
        if ephemeral:
            out.write(f"\r  checking {module.name} …\033[K")
            out.flush()

    def done(result) -> None:  # noqa: ANN001
        if ephemeral:
            out.write("\r\033[K")
        print("\n".join(render_module(result, width, style)) + "\n", file=out, flush=True)

    try:
        course = run_course(
            exercises,
            course_root=args.course,
            modules=[m.name for m in graded],
            limits=Limits(timeout=args.timeout),
            on_module=done,
            on_wait=waiting,
        )
    except KeyboardInterrupt:
        print("\ninterrupted", file=err)
        return 130
    total = f"{_pts(course.score)} / {_pts(course.max_score)} points"
    print(
        style(f"Total  {total}", "1") + f"   ({len(course.modules)} modules, {course.elapsed:.1f} s)",
        file=out,
    )
    nxt = next((e for m in course.modules for e in m.exercises if e.score < e.max_score), None)
    if nxt is not None:
        module = next(m.module for m in course.modules if nxt in m.exercises)
        print(
            f"Next up: exercise {nxt.exercise.id} {nxt.exercise.function} in exercises/{module.filename}",
            file=out,
        )
    else:
        print(style("Everything passes. Well done!", "32;1"), file=out)
    return 0
