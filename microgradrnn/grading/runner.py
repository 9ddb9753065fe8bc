"""Grade a folder of exercise files against the course: intake, one sandboxed run per module, scores.

:func:`run_course` is shared by ``microgradrnn check`` (the learner's own ``exercises/``)
and ``microgradrnn grade`` (an untrusted submission); both get the same isolation.
"""

from __future__ import annotations

import itertools
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from .manifest import Exercise, Manifest, Module, load_manifest
from .sandbox import Limits, describe_death, prepare_workdir, run_child

FILE_CAP = 1 << 20  # bytes of one submitted exercise file
COURSE_COPY_CAP = 64 << 20  # bytes copied from the course folder into a run
SEARCH_DEPTH = 3  # how deep to look for exercise files inside a submission folder
LISTING_CAP = 200  # ignored files named in the report
SCAN_CAP = 10_000  # directory entries looked at in a submission
MODULE_BUDGET_FACTOR = 3  # a module's reruns after a crash share this many wall-clock limits
WORKERS = 2
REASON_CAP = 1000  # characters of a failure reason taken from a child
DETAIL_CAP = 12_000  # characters of a report or captured output taken from a child

_PASSED, _FAILED = "passed", "failed"


@dataclass
class TestResult:
    """The outcome of one manifest test (all its parametrized cases)."""

    __test__ = False

    name: str
    points: float
    max_points: float
    status: str  # "passed" or "failed"
    reason: str = ""  # one or two lines; empty when passed
    detail: str = ""  # capped pytest report for the instructor
    output: str = ""  # capped captured stdout/stderr


@dataclass
class ExerciseResult:
    """One exercise: the sum of its passing tests' points."""

    exercise: Exercise
    tests: list[TestResult]

    @property
    def score(self) -> float:
        return float(sum(t.points for t in self.tests))

    @property
    def max_score(self) -> float:
        return self.exercise.points

    @property
    def first_failure(self) -> TestResult | None:
        return next((t for t in self.tests if t.status != _PASSED), None)


@dataclass
class ModuleResult:
    """Everything graded for one module."""

    module: Module
    exercises: list[ExerciseResult]
    hidden: list[TestResult] = field(default_factory=list)
    error: str = ""  # set when the module could not be graded at all (missing file, import error)
    elapsed: float = 0.0
    runs: int = 0
    log: str = ""  # the child's own capped output, for the instructor

    @property
    def score(self) -> float:
        return float(sum(e.score for e in self.exercises) + sum(t.points for t in self.hidden))

    @property
    def max_score(self) -> float:
        return float(sum(e.max_score for e in self.exercises) + sum(t.max_points for t in self.hidden))


@dataclass
class CourseResult:
    """A whole grading run."""

    modules: list[ModuleResult]
    ignored: list[str]
    elapsed: float
    submission: Path

    @property
    def score(self) -> float:
        return float(sum(m.score for m in self.modules))

    @property
    def max_score(self) -> float:
        return float(sum(m.max_score for m in self.modules))


# --------------------------------------------------------------------------- intake


def _find_files(submission: Path, wanted: set[str]) -> tuple[dict[str, Path], list[str]]:
    """Map wanted file names to regular files in the submission; list everything else."""
    found: dict[str, Path] = {}
    ignored: list[str] = []
    queue: list[tuple[Path, int]] = [(submission, 0)]
    seen = 0
    while queue and seen < SCAN_CAP:
        folder, depth = queue.pop(0)
        try:
            with os.scandir(folder) as scan:
                entries = sorted(itertools.islice(scan, SCAN_CAP - seen), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            seen += 1
            rel = os.path.relpath(entry.path, submission)
            if entry.is_symlink():
                ignored.append(f"{rel} (symbolic link)")
            elif entry.is_dir(follow_symlinks=False):
                if depth + 1 <= SEARCH_DEPTH and entry.name not in ("__pycache__", ".git"):
                    queue.append((Path(entry.path), depth + 1))
            elif entry.name in wanted and entry.name not in found and entry.is_file(follow_symlinks=False):
                found[entry.name] = Path(entry.path)
            else:
                ignored.append(rel)
    return found, ignored


def _copy_exercise(source: Path, dest: Path) -> str:
    """Copy one submitted file without following links; '' or why it was refused."""
    try:
        fd = os.open(source, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    except OSError as err:
        return f"cannot read {source.name}: {err.strerror}"
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            return f"{source.name} is not a regular file"
        data = handle.read(FILE_CAP + 1)
    if len(data) > FILE_CAP:
        return f"{source.name} is larger than {FILE_CAP >> 10} KiB"
    dest.write_bytes(data)
    dest.chmod(0o644)
    return ""


def _copy_course(course_root: Path, dest: Path) -> None:
    """Copy the public course (tests, conftest, data) so the run reads nothing else."""
    total = 0
    for folder, dirs, files in os.walk(course_root):
        dirs[:] = sorted(d for d in dirs if d not in ("__pycache__", ".pytest_cache"))
        rel = Path(folder).relative_to(course_root)
        (dest / rel).mkdir(parents=True, exist_ok=True)
        (dest / rel).chmod(0o755)
        for name in files:
            source = Path(folder) / name
            if source.is_symlink() or not source.is_file() or name.endswith(".pyc"):
                continue
            total += source.stat().st_size
            if total > COURSE_COPY_CAP:
                raise RuntimeError(
                    f"the course folder {course_root} holds more than {COURSE_COPY_CAP >> 20} MiB"
                )
            shutil.copyfile(source, dest / rel / name)
            (dest / rel / name).chmod(0o644)
    (dest / "pytest.ini").write_text(
        "[pytest]\nmarkers =\n    slow: long test\n    torch: needs torch\n", encoding="utf-8"
    )


def _copy_hidden(tests_dir: Path, dest: Path, modules: Iterable[Module]) -> dict[str, list[str]]:
    """Copy instructor test files ``test_<module>*.py``; return module name -> copied file names."""
    dest.mkdir(parents=True, exist_ok=True)
    dest.chmod(0o755)
    copied: dict[str, list[str]] = {}
    for module in modules:
        for source in sorted(tests_dir.glob(f"test_{module.name}*.py")):
            if source.is_symlink() or not source.is_file():
                continue
            # A distinct module name, so pytest never confuses it with the public test file.
            name = f"test_hidden_{len(sum(copied.values(), []))}_{source.name[5:]}"
            shutil.copyfile(source, dest / name)
            (dest / name).chmod(0o644)
            copied.setdefault(module.name, []).append(name)
    return copied


# --------------------------------------------------------------------------- one module


@dataclass
class _Outcome:
    status: str
    reason: str = ""
    detail: str = ""
    output: str = ""
    import_error: bool = False
    died: bool = False  # the grading process ended during this test


def _function_of(nodeid: str) -> str:
    return nodeid.rsplit("::", 1)[-1].split("[", 1)[0]


def _file_of(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


@dataclass
class _Context:
    manifest: Manifest
    run_dir: Path
    course: Path
    hidden_dir: Path | None
    target: Path
    package_parent: Path
    deny_read: list[str]
    limits: Limits


def _grade_module(ctx: _Context, module: Module, present: bool, hidden_files: list[str]) -> ModuleResult:
    started = time.monotonic()
    if not present:
        return _finish(
            module, {}, {}, f"{module.filename} is missing from the submission", started, 0, "", hidden_files
        )
    test_files = [str(ctx.course / module.test_filename)]
    test_files += [str(ctx.hidden_dir / name) for name in hidden_files] if ctx.hidden_dir else []
    if not Path(test_files[0]).is_file():
        return _finish(
            module, {}, {}, f"no test file {module.test_filename} in the course", started, 0, "", hidden_files
        )

    outcomes: dict[str, _Outcome] = {}
    collected: list[str] | None = None
    selection: list[str] = test_files
    logs: list[str] = []
    runs = 0
    error = ""
    budget = ctx.limits.timeout * MODULE_BUDGET_FACTOR
    while True:
        runs += 1
        workdir = ctx.run_dir / f"work_{module.name}_{runs}"
        uid = prepare_workdir(workdir)
        left = budget - (time.monotonic() - started)
        limits = ctx.limits if left >= ctx.limits.timeout else replace(ctx.limits, timeout=left)
        config = {
            "package_parent": str(ctx.package_parent),
            "target": str(ctx.target),
            "course": str(ctx.course),
            "hidden": str(ctx.hidden_dir) if ctx.hidden_dir else "",
            "deny_read": ctx.deny_read,
            "write_ok": [str(workdir)],
            "pytest_args": [
                "-c",
                str(ctx.course / "pytest.ini"),
                "--rootdir",
                str(ctx.course),
                "--confcutdir",
                str(ctx.course),
                "-p",
                "no:cacheprovider",
                "-p",
                "no:randomly",
                "-q",
                "--tb=short",
                "--show-capture=no",
                "-W",
                "ignore::DeprecationWarning",
                *selection,
            ],
        }
        env = {"MICROGRADRNN_TARGET": str(ctx.target)}
        before_run = len(outcomes)
        child = run_child(config, workdir, env, limits, uid)
        shutil.rmtree(workdir, ignore_errors=True)
        logs.append(child.output)

        current: str | None = None
        for record in child.records:
            kind = record.get("kind")
            if kind == "collected" and collected is None and isinstance(record.get("nodeids"), list):
                collected = [str(n) for n in record["nodeids"]]
            elif kind == "collect_error":
                error = error or _first_lines(f"collecting the tests failed: {record.get('detail', '')}", 3)
            elif kind == "start":
                current = str(record.get("nodeid"))
            elif kind == "result" and record.get("nodeid") == current and current not in outcomes:
                outcomes[current] = _Outcome(
                    status=_PASSED if record.get("outcome") == _PASSED else _FAILED,
                    reason=_capped(record.get("reason"), REASON_CAP) or "failed",
                    detail=_capped(record.get("detail"), DETAIL_CAP),
                    output=_capped(record.get("output"), DETAIL_CAP),
                    import_error=bool(record.get("import_error")),
                )
                current = None
        if collected is None:
            error = error or f"the tests could not run: {describe_death(child, limits.timeout)}"
            error = _with_log_tail(error, child.output)
            break
        death = describe_death(child, limits.timeout)
        if current is not None and current not in outcomes:
            outcomes[current] = _Outcome(_FAILED, death, died=True)  # running when the child died
        remaining = [n for n in collected if n not in outcomes]
        if not remaining:
            break
        progressed = len(outcomes) > before_run
        if not progressed or time.monotonic() - started >= budget - 1:
            why = death if not progressed else f"the module used up its {budget:g} s"
            for nodeid in remaining:
                outcomes[nodeid] = _Outcome(_FAILED, f"not run: {why}")
            break
        selection = [str(ctx.course / n) for n in remaining]
    return _finish(module, outcomes, collected or [], error, started, runs, "\n".join(logs), hidden_files)


def _finish(
    module: Module,
    outcomes: dict[str, _Outcome],
    collected: list[str] | dict,
    error: str,
    started: float,
    runs: int,
    log: str,
    hidden_files: list[str],
) -> ModuleResult:
    by_function: dict[str, list[_Outcome]] = {}
    hidden_functions: dict[str, list[_Outcome]] = {}
    for nodeid in collected:
        outcome = outcomes.get(nodeid, _Outcome(_FAILED, "not run"))
        if _file_of(nodeid) == module.test_filename:
            by_function.setdefault(_function_of(nodeid), []).append(outcome)
        else:
            hidden_functions.setdefault(_function_of(nodeid), []).append(outcome)
    all_outcomes = [o for group in by_function.values() for o in group]
    if not error and all_outcomes and all(o.import_error for o in all_outcomes):
        error = f"not gradable: {all_outcomes[0].reason}"
    deaths = {o.reason for o in all_outcomes if o.died}
    if not error and len(all_outcomes) > 1 and all(o.died for o in all_outcomes) and len(deaths) == 1:
        error = f"no test could finish: {deaths.pop()}"  # e.g. os._exit at import

    exercises = []
    for exercise in module.exercises:
        tests = []
        for spec in exercise.tests:
            group = by_function.get(spec.name)
            if error:
                tests.append(TestResult(spec.name, 0.0, spec.points, _FAILED, error))
            elif not group:
                tests.append(
                    TestResult(spec.name, 0.0, spec.points, _FAILED, "test not found in the test file")
                )
            else:
                bad = next((o for o in group if o.status != _PASSED), None)
                if bad is None:
                    tests.append(
                        TestResult(spec.name, spec.points, spec.points, _PASSED, "", "", _join(group))
                    )
                else:
                    tests.append(
                        TestResult(spec.name, 0.0, spec.points, _FAILED, bad.reason, bad.detail, bad.output)
                    )
        exercises.append(ExerciseResult(exercise, tests))
    hidden = []
    for name, group in hidden_functions.items():
        bad = next((o for o in group if o.status != _PASSED), None)
        if bad is None and not error:
            hidden.append(TestResult(name, 1.0, 1.0, _PASSED, "", "", _join(group)))
        else:
            hidden.append(
                TestResult(name, 0.0, 1.0, _FAILED, error or bad.reason, "" if error else bad.detail)
            )
    return ModuleResult(module, exercises, hidden, error, time.monotonic() - started, runs, log)


def _capped(value: object, cap: int) -> str:
    text = value if isinstance(value, str) else ""
    return text if len(text) <= cap else text[:cap] + " [...]"


def _join(group: list[_Outcome]) -> str:
    return "".join(o.output for o in group)


def _first_lines(text: str, n: int) -> str:
    return "\n".join(line for line in text.strip().splitlines()[:n])


def _with_log_tail(reason: str, log: str) -> str:
    tail = [line for line in log.strip().splitlines() if line.strip()][-2:]
    return reason + ("\n" + "\n".join(tail) if tail else "")


# --------------------------------------------------------------------------- the course


def run_course(
    submission: str | Path,
    *,
    course_root: str | Path | None = None,
    tests_dir: str | Path | None = None,
    modules: Iterable[int | str] | None = None,
    limits: Limits | None = None,
    workers: int = WORKERS,
    on_module: Callable[[ModuleResult], None] | None = None,
    on_wait: Callable[[Module], None] | None = None,
    skip_empty: bool = True,
) -> CourseResult:
    """Grade ``submission`` module by module, in manifest order.

    ``on_wait(module)`` is called before waiting for a module and ``on_module(result)``
    once it is graded, both from the calling thread and in manifest order.

    ``modules`` selects modules by number or name (default: all that have exercises
    when ``skip_empty``). At most ``workers`` modules run at once.
    """
    started = time.monotonic()
    manifest = load_manifest(course_root)
    chosen = [manifest.module(key) for key in modules] if modules is not None else list(manifest)
    if skip_empty:
        chosen = [m for m in chosen if m.exercises]
    limits = limits or Limits()
    submission = Path(submission).resolve()
    if not submission.is_dir():
        raise NotADirectoryError(f"submission folder not found: {submission}")
    package_parent = Path(__file__).resolve().parents[2]

    with tempfile.TemporaryDirectory(prefix="microgradrnn-grade-") as tmp:
        run_dir = Path(tmp)
        run_dir.chmod(0o755)
        target = run_dir / "submission"
        target.mkdir()
        found, ignored = _find_files(submission, {m.filename for m in manifest})
        present: dict[str, bool] = {}
        for module in chosen:
            source = found.get(module.filename)
            problem = _copy_exercise(source, target / module.filename) if source else "missing"
            present[module.name] = not problem
            if problem and problem != "missing":
                ignored.append(problem)
        target.chmod(0o755)
        course = run_dir / "course"
        _copy_course(manifest.root, course)
        hidden_dir = None
        hidden: dict[str, list[str]] = {}
        deny = [str(package_parent / "solutions"), str(manifest.root)]
        if tests_dir is not None:
            tests_dir = Path(tests_dir).resolve()
            hidden_dir = course / "_hidden"
            hidden = _copy_hidden(tests_dir, hidden_dir, chosen)
            deny.append(str(tests_dir))
        ctx = _Context(manifest, run_dir, course, hidden_dir, target, package_parent, deny, limits)

        results: dict[str, ModuleResult] = {}
        with ThreadPoolExecutor(max_workers=max(1, min(workers, len(chosen) or 1))) as pool:
            futures = [
                (m, pool.submit(_grade_module, ctx, m, present[m.name], hidden.get(m.name, [])))
                for m in chosen
            ]
            for module, future in futures:
                if on_wait is not None and not future.done():
                    on_wait(module)
                results[module.name] = future.result()
                if on_module is not None:
                    on_module(results[module.name])
    ignored = ignored[:LISTING_CAP] + (
        [f"... and {len(ignored) - LISTING_CAP} more"] if len(ignored) > LISTING_CAP else []
    )
    return CourseResult([results[m.name] for m in chosen], ignored, time.monotonic() - started, submission)
