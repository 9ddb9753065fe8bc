"""Grade a folder of exercise files against the course: intake, one judge per module, scores.

:func:`run_course` is shared by ``microgradrnn check`` (the learner's own ``exercises/``) and
``microgradrnn grade`` (an untrusted submission). Per module:

- the **judge** is a pytest process running the module's test files (and the instructor's
  hidden ones) as the grading user. It never imports submitted code: each test calls the
  learner's code through the ``learner`` fixture, which talks plain data to a runner process.
  A small plugin (:mod:`.report`) writes each test's outcome, reason and the learner's output
  to a report file that only the grader reads;
- the **runner** (:mod:`.serve`) is the only process that imports the submission. It starts
  inside the sandbox chosen for the run (:mod:`.isolation`: bubblewrap, a uid drop, or none
  for ``check``), with resource limits, through ``$MICROGRADRNN_RUNNER``;
- the grader gives the module a wall-clock backstop: when it runs out, or when the judge
  ends, the judge's process group is killed and every process of the module's runners (its
  fresh uid, its pid namespace, its marker) goes with it.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from . import isolation
from .hintstate import STATE_NAME
from .isolation import Limits
from .manifest import Exercise, Manifest, Module, load_manifest

__all__ = ["CourseResult", "ExerciseResult", "Limits", "ModuleResult", "TestResult", "run_course"]

FILE_CAP = 1 << 20  # bytes of one submitted exercise file
COURSE_COPY_CAP = 64 << 20  # bytes copied from the course folder into a run
SEARCH_DEPTH = 3  # how deep to look for exercise files inside a submission folder
LISTING_CAP = 200  # ignored files named in the report
SCAN_CAP = 10_000  # directory entries looked at in a submission
WORKERS = 2
REASON_CAP = 1000  # characters of a failure reason
DETAIL_CAP = 12_000  # characters of a report or captured output
LOG_CAP = 64 << 10  # bytes of the judge's own output kept for the instructor
REPORT_CAP = 16 << 20  # bytes of report file read

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
    output: str = ""  # capped output of the learner's code


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
    log: str = ""  # the judge's own capped output, for the instructor
    could_not_run: bool = False  # the tests themselves could not run (not the submission's fault)

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
    isolation: str = ""  # which sandbox the submitted code ran in, in words

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
            elif entry.name == STATE_NAME and depth == 0:
                continue  # what `check` remembers of its hints, not a submitted file
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


def _copy_file(source: Path, dest: Path, mode: int) -> None:
    shutil.copyfile(source, dest)
    dest.chmod(mode)


def _copy_course(course_root: Path, dest: Path) -> None:
    """Copy the course (tests, conftest, probes, data) into the run.

    Folders are 0711 and files 0600 (readable by the judge alone), except probe files
    (``probes/*.py``), which the runner loads: a runner that merely drops its uid can reach
    those by name and nothing else of the course.
    """
    total = 0
    for folder, dirs, files in os.walk(course_root):
        dirs[:] = sorted(d for d in dirs if d not in ("__pycache__", ".pytest_cache"))
        rel = Path(folder).relative_to(course_root)
        (dest / rel).mkdir(parents=True, exist_ok=True)
        (dest / rel).chmod(0o711)
        for name in files:
            source = Path(folder) / name
            if source.is_symlink() or not source.is_file() or name.endswith(".pyc"):
                continue
            total += source.stat().st_size
            if total > COURSE_COPY_CAP:
                raise RuntimeError(
                    f"the course folder {course_root} holds more than {COURSE_COPY_CAP >> 20} MiB")
            _copy_file(source, dest / rel / name, 0o644 if rel.name == "probes" else 0o600)


def _copy_hidden(tests_dir: Path, dest: Path, modules: Iterable[Module]) -> dict[str, list[str]]:
    """Copy instructor tests ``test_<module>*.py`` (judge only) and ``probes/<module>.py`` (runner).

    Returns module name -> the copied test files' names (relative to ``dest``'s parent).
    """
    dest.mkdir(parents=True, exist_ok=True)
    dest.chmod(0o711)
    copied: dict[str, list[str]] = {}
    for module in modules:
        for k, source in enumerate(sorted(tests_dir.glob(f"test_{module.name}*.py"))):
            if source.is_symlink() or not source.is_file():
                continue
            # Named after the module, so the course's conftest finds its module; never the public name.
            name = f"test_{module.name}_hidden_{k}.py"
            _copy_file(source, dest / name, 0o600)
            copied.setdefault(module.name, []).append(f"{dest.name}/{name}")
        probe = tests_dir / "probes" / f"{module.name}.py"
        if module.name in copied and probe.is_file() and not probe.is_symlink():
            (dest / "probes").mkdir(exist_ok=True)
            (dest / "probes").chmod(0o711)
            _copy_file(probe, dest / "probes" / probe.name, 0o644)
    return copied


# --------------------------------------------------------------------------- one module


@dataclass
class _Outcome:
    status: str
    reason: str = ""
    detail: str = ""
    output: str = ""
    import_error: bool = False


def _function_of(nodeid: str) -> str:
    return nodeid.rsplit("::", 1)[-1].split("[", 1)[0]


def _file_of(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


@dataclass
class _Context:
    manifest: Manifest
    run_dir: Path
    course: Path
    target: Path
    level: str
    hidden_paths: list[Path]  # never in the runner's view
    limits: Limits


PYTEST_INI = """[pytest]
markers =
    slow: long test
    torch: needs torch
    time_limit(seconds): this test's own time limit
"""


def _judge_argv(ctx: _Context, test_files: list[str]) -> list[str]:
    return [
        sys.executable, "-B", "-m", "pytest",
        "-p", "microgradrnn.grading.report",
        "-c", str(ctx.run_dir / "judge" / "pytest.ini"),
        "--rootdir", str(ctx.course),
        "--confcutdir", str(ctx.course),
        "-p", "no:cacheprovider",
        "-q", "--tb=short", "--show-capture=no", "-W", "ignore::DeprecationWarning",
        *test_files,
    ]


def _grade_module(ctx: _Context, module: Module, present: bool, hidden_files: list[str]) -> ModuleResult:
    started = time.monotonic()
    if not present:
        return _finish(module, {}, [], f"{module.filename} is missing from the submission", started, "")
    if not (ctx.course / module.test_filename).is_file():
        return _finish(module, {}, [], f"no test file {module.test_filename} in the course", started, "",
                       could_not_run=True)
    test_files = [str(ctx.course / module.test_filename), *[str(ctx.course / h) for h in hidden_files]]
    probes = [ctx.course / "probes" / module.filename, ctx.course / "_hidden" / "probes" / module.filename]
    probes = [p for p in probes if p.is_file()]
    sandbox = isolation.make_sandbox(
        ctx.level, ctx.run_dir / f"work_{module.name}", ctx.limits,
        visible=[ctx.target, *probes], hidden=ctx.hidden_paths,
    )
    judge_dir = ctx.run_dir / "judge"
    report = judge_dir / f"{module.name}.jsonl"
    log_path = judge_dir / f"{module.name}.log"
    env = dict(isolation.base_env(str(judge_dir)))
    env.update({
        "MICROGRADRNN_TARGET": str(ctx.target),
        "MICROGRADRNN_RUNNER": json.dumps(sandbox.runner_config()),
        "MICROGRADRNN_REPORT": str(report),
        isolation.MARKER: sandbox.marker,
    })
    env["MICROGRADRNN_TEST_SECONDS"] = f"{min(ctx.limits.test_seconds, ctx.limits.timeout):g}"
    if os.name != "posix":
        env["PATH"] = os.environ.get("PATH", "")
    timed_out = False
    proc = None
    try:
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(
                _judge_argv(ctx, test_files), stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                cwd=judge_dir, env=env, start_new_session=os.name == "posix",
            )
            try:
                proc.wait(timeout=max(1.0, ctx.limits.timeout - (time.monotonic() - started)))
            except subprocess.TimeoutExpired:
                timed_out = True
    except OSError as err:
        return _finish(module, {}, [], f"the tests could not run: cannot start pytest ({err})", started, "",
                       could_not_run=True)
    finally:
        if proc is not None:
            isolation.kill_group(proc)
            proc.wait()
        sandbox.cleanup()
    log_text = _read_capped(log_path, LOG_CAP)
    records = _read_records(report)

    collected: list[str] | None = None
    outcomes: dict[str, _Outcome] = {}
    hidden_errors: list[str] = []
    error = ""
    could_not_run = False
    for record in records:
        kind = record.get("kind")
        if kind == "collected" and collected is None and isinstance(record.get("nodeids"), list):
            collected = [_rel(str(n), ctx.course) for n in record["nodeids"]]
        elif kind == "collect_error":
            where = _rel(str(record.get("nodeid", "")), ctx.course)
            if where.startswith("_hidden/"):  # the instructor's file: its text stays out of visible output
                outcomes[f"{where}::collecting"] = _Outcome(
                    _FAILED, _first_lines(f"collecting {where} failed: {record.get('detail', '')}", 6))
                hidden_errors.append(f"{where}::collecting")
            else:
                error = error or _first_lines(f"collecting the tests failed: {record.get('detail', '')}", 4)
                could_not_run = True
        elif kind == "result":
            nodeid = _rel(str(record.get("nodeid")), ctx.course)
            outcomes[nodeid] = _Outcome(
                status=_PASSED if record.get("outcome") == _PASSED else _FAILED,
                reason=_capped(record.get("reason"), REASON_CAP) or "failed",
                detail=_capped(record.get("detail"), DETAIL_CAP),
                output=_capped(record.get("output"), DETAIL_CAP),
                import_error=bool(record.get("import_error")),
            )
    if collected is None:
        why = (f"killed after its {ctx.limits.timeout:g} s limit" if timed_out
               else f"pytest exited with {proc.returncode}")
        error = error or _with_log_tail(f"the tests could not run ({why})", log_text)
        could_not_run = True
    elif timed_out:
        used_up = f"not run: the module used up its {ctx.limits.timeout:g} s"
        for nodeid in collected:
            outcomes.setdefault(nodeid, _Outcome(_FAILED, used_up))
    return _finish(module, outcomes, [*(collected or []), *hidden_errors], error, started, log_text,
                   could_not_run)


def _rel(nodeid: str, course: Path) -> str:
    """Node ids relative to the course copy, whatever pytest took as its root."""
    prefix = str(course) + os.sep
    return nodeid[len(prefix):] if nodeid.startswith(prefix) else nodeid


def _read_records(path: Path) -> list[dict]:
    try:
        with open(path, "rb") as handle:
            data = handle.read(REPORT_CAP)
    except OSError:
        return []
    records = []
    for line in data.splitlines():
        try:
            record = json.loads(line)
        except (ValueError, RecursionError):
            continue
        if isinstance(record, dict):
            records.append(record)
    return records


def _read_capped(path: Path, cap: int) -> str:
    try:
        with open(path, "rb") as handle:
            data = handle.read(cap + 1)
    except OSError:
        return ""
    text = data[:cap].decode("utf-8", "replace")
    return text + ("\n[... output cut ...]" if len(data) > cap else "")


def _finish(
    module: Module,
    outcomes: dict[str, _Outcome],
    collected: list[str],
    error: str,
    started: float,
    log: str,
    could_not_run: bool = False,
) -> ModuleResult:
    by_function: dict[str, list[_Outcome]] = {}
    hidden_functions: dict[str, list[_Outcome]] = {}
    for nodeid in collected:
        outcome = outcomes.get(nodeid, _Outcome(_FAILED, "not run"))
        if _file_of(nodeid) == module.test_filename:
            by_function.setdefault(_function_of(nodeid), []).append(outcome)
        else:
            hidden_functions.setdefault(_function_of(nodeid), []).append(outcome)
    visible = [o for group in by_function.values() for o in group]
    if not error and visible and all(o.import_error for o in visible):
        error = f"not gradable: {visible[0].reason}"

    exercises = []
    for exercise in module.exercises:
        tests = []
        for spec in exercise.tests:
            group = by_function.get(spec.name)
            if error:
                tests.append(TestResult(spec.name, 0.0, spec.points, _FAILED, error))
            elif not group:
                tests.append(TestResult(spec.name, 0.0, spec.points, _FAILED,
                                        "test not found in the test file"))
            else:
                bad = next((o for o in group if o.status != _PASSED), None)
                if bad is None:
                    tests.append(TestResult(spec.name, spec.points, spec.points, _PASSED, "", "",
                                            _join(group)))
                else:
                    tests.append(TestResult(spec.name, 0.0, spec.points, _FAILED, bad.reason, bad.detail,
                                            bad.output))
        exercises.append(ExerciseResult(exercise, tests))
    hidden = []
    for name, group in hidden_functions.items():
        bad = next((o for o in group if o.status != _PASSED), None)
        if bad is None and not error:
            hidden.append(TestResult(name, 1.0, 1.0, _PASSED, "", "", _join(group)))
        else:
            hidden.append(TestResult(name, 0.0, 1.0, _FAILED, error or bad.reason,
                                     "" if error else bad.detail, "" if error else bad.output))
    return ModuleResult(module, exercises, hidden, error, time.monotonic() - started, 1, log, could_not_run)


def _capped(value: object, cap: int) -> str:
    text = value if isinstance(value, str) else ""
    return text if len(text) <= cap else text[:cap] + " [...]"


def _join(group: list[_Outcome]) -> str:
    return "".join(o.output for o in group)


def _first_lines(text: str, n: int) -> str:
    return "\n".join(line for line in text.strip().splitlines()[:n])


def _with_log_tail(reason: str, log: str) -> str:
    # never a line about the instructor's hidden files: this text is visible
    tail = [line for line in log.strip().splitlines() if line.strip() and "_hidden" not in line][-3:]
    return reason + (":\n" + "\n".join(tail) if tail else "")


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
    on_wait: Callable[[list[Module]], None] | None = None,
    skip_empty: bool = True,
    isolation_level: str = "auto",
) -> CourseResult:
    """Grade ``submission`` module by module; the result lists them in manifest order.

    ``on_module(result)`` is called as each module is graded, in the order they finish (so a
    learner sees progress), and ``on_wait(modules)`` before each wait, with the modules being
    graded at that moment in manifest order; both from the calling thread.

    ``modules`` selects modules by number or name (default: all that have exercises
    when ``skip_empty``). At most ``workers`` modules run at once. ``isolation_level`` is
    ``auto`` (the strongest sandbox this machine has), ``bwrap``, ``uid`` or ``none``;
    a named level that is not available raises :class:`~.isolation.IsolationError`.
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
    level, described = isolation.choose(isolation_level)
    package_parent = Path(__file__).resolve().parents[2]

    with tempfile.TemporaryDirectory(prefix="microgradrnn-grade-") as tmp:
        run_dir = Path(tmp)
        run_dir.chmod(0o711)  # a dropped uid may reach its own files by name, list nothing
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
        judge = run_dir / "judge"
        judge.mkdir(mode=0o700)
        (judge / "pytest.ini").write_text(PYTEST_INI, encoding="utf-8")
        hidden: dict[str, list[str]] = {}
        secrets = [package_parent / "solutions", manifest.root, course]
        if tests_dir is not None:
            tests_dir = Path(tests_dir).resolve()
            hidden = _copy_hidden(tests_dir, course / "_hidden", chosen)
            secrets.append(tests_dir)
        ctx = _Context(manifest, run_dir, course, target, level, secrets, limits)

        results: dict[str, ModuleResult] = {}
        pool = ThreadPoolExecutor(max_workers=max(1, min(workers, len(chosen) or 1)))
        try:
            pending = {
                pool.submit(_grade_module, ctx, m, present[m.name], hidden.get(m.name, [])): m for m in chosen
            }
            order = {m.name: k for k, m in enumerate(chosen)}
            while pending:
                finished = [f for f in pending if f.done()]
                if not finished:
                    if on_wait is not None:
                        on_wait(sorted((m for f, m in pending.items() if f.running()),
                                       key=lambda m: order[m.name]))
                    finished = list(wait(pending, return_when=FIRST_COMPLETED).done)
                # modules that finish together are reported in course order
                for future in sorted(finished, key=lambda f: order[pending[f].name]):
                    module = pending.pop(future)
                    results[module.name] = future.result()
                    if on_module is not None:
                        on_module(results[module.name])
        finally:
            # A caller that stops listening (a closed pipe, Ctrl-C) does not wait for modules not started.
            pool.shutdown(wait=True, cancel_futures=True)
    ignored = ignored[:LISTING_CAP] + (
        [f"... and {len(ignored) - LISTING_CAP} more"] if len(ignored) > LISTING_CAP else []
    )
    return CourseResult([results[m.name] for m in chosen], ignored, time.monotonic() - started, submission,
                        described)
