"""Gradescope's ``results.json``: build it from a grading run and write it so it is always valid.

Format: https://gradescope-autograders.readthedocs.io/en/latest/specs/ - a top-level
``score``, ``execution_time`` (seconds), ``output`` and ``tests``, each test with ``name``,
``number``, ``score``, ``max_score``, ``status``, ``output`` and ``visibility``.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import traceback
from pathlib import Path

from .runner import CourseResult, ExerciseResult, ModuleResult

TEST_OUTPUT_CAP = 16 << 10  # characters of one test entry's output
TOP_OUTPUT_CAP = 32 << 10


def _cap(text: str, cap: int) -> str:
    return text if len(text) <= cap else text[:cap] + f"\n[... {len(text) - cap} characters cut ...]"


def _points(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(value, 4)


def _exercise_output(result: ExerciseResult, module: ModuleResult) -> str:
    lines = []
    for test in result.tests:
        mark = "✓" if test.status == "passed" else "✗"
        line = f"{mark} {test.name} ({_points(test.points)}/{_points(test.max_points)})"
        if test.reason:
            line += ": " + test.reason.replace("\n", "\n    ")
        lines.append(line)
    failure = result.first_failure
    if failure is not None:
        if module.module.page:
            lines.append(f"Read: docs/{module.module.page}")
        if result.exercise.hints:
            lines.append(f"Hint: {result.exercise.hints[0]}")
        if failure.detail:
            lines += ["", f"Details of {failure.name}:", failure.detail.strip()]
        if failure.output:
            lines += ["", failure.output.strip()]
    return _cap("\n".join(lines), TEST_OUTPUT_CAP)


def to_gradescope(result: CourseResult, hidden_visibility: str = "hidden") -> dict:
    """The results.json dictionary for a grading run."""
    tests = []
    for module in result.modules:
        for ex in module.exercises:
            tests.append(
                {
                    "name": f"{ex.exercise.id} {ex.exercise.title} ({ex.exercise.function})",
                    "number": ex.exercise.id,
                    "score": _points(ex.score),
                    "max_score": _points(ex.max_score),
                    "status": "passed" if ex.score >= ex.max_score else "failed",
                    "output": _exercise_output(ex, module),
                    "visibility": "visible",
                }
            )
        for k, test in enumerate(module.hidden, start=1):
            output = test.reason + ("\n\n" + test.detail.strip() if test.detail else "")
            tests.append(
                {
                    "name": f"{module.module.number}.h{k} instructor test {test.name}",
                    "number": f"{module.module.number}.h{k}",
                    "score": _points(test.points),
                    "max_score": _points(test.max_points),
                    "status": test.status,
                    "output": _cap(output or "passed", TEST_OUTPUT_CAP),
                    "visibility": hidden_visibility,
                }
            )
    summary = [f"Score: {_points(result.score)}/{_points(result.max_score)} in {result.elapsed:.1f} s"]
    if result.isolation:
        summary.append(f"Isolation: {result.isolation}")
    for module in result.modules:
        scored = f"{_points(module.score)}/{_points(module.max_score)}"
        line = f"{module.module.number:>2} {module.module.name}: {scored}"
        if module.error:
            line += " - " + module.error.splitlines()[0]
        summary.append(line)
    if result.ignored:
        summary.append("Ignored files (only the exercise files are graded): " + ", ".join(result.ignored))
    return {
        "score": _points(result.score),
        "execution_time": round(result.elapsed, 3),
        "output": _cap("\n".join(summary), TOP_OUTPUT_CAP),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def error_results(err: BaseException, elapsed: float = 0.0) -> dict:
    """A zero-score result that says the grader itself failed (never blamed on the learner)."""
    detail = "".join(traceback.format_exception_only(type(err), err)).strip()
    return {
        "score": 0,
        "execution_time": round(elapsed, 3),
        "output": _cap(f"The grader failed before it could score this submission: {detail}", TOP_OUTPUT_CAP),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": [],
    }


_CONTROL = dict.fromkeys(c for c in range(32) if c not in (9, 10))  # keep tabs and newlines
_CONTROL[127] = None


def clean(value: object) -> object:
    """``value`` with every string valid UTF-8 (lone surrogates replaced), no control characters
    but tab and newline, and every number finite: what any JSON reader accepts."""
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8", "replace").translate(_CONTROL)
    if isinstance(value, dict):
        return {str(clean(k)): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return 0.0
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return clean(str(value))


def write_json(data: dict, path: str | Path) -> Path:
    """Write ``data`` to ``path`` atomically: a temporary file in the same folder, then a rename.

    Whatever text a submission produced, the file is valid JSON in valid UTF-8 (:func:`clean`).
    """
    path = Path(path).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(clean(data), indent=2, ensure_ascii=False, allow_nan=False)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
