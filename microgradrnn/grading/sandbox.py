"""Run one grading child: its own session, resource limits, a wall clock, a private report pipe.

The child is ``python -I -B bootstrap.py CONFIG`` (see :mod:`.bootstrap`). The parent

- starts it in a new session (its own process group) with ``RLIMIT_CPU``, ``RLIMIT_AS``,
  ``RLIMIT_FSIZE``, ``RLIMIT_NPROC``, ``RLIMIT_NOFILE`` and ``RLIMIT_CORE=0``;
- when running as root, drops it to a fresh unprivileged uid through ``setpriv`` (keeping
  only the capability to *read* files, so the interpreter under a private home still
  loads): the process limit then counts only this child's processes, and the
  submission cannot write outside its own work folder;
- hands it a random nonce on a pipe that is closed before submitted code runs, and reads
  outcome records framed with that nonce from a second pipe;
- kills the whole group (and, as root, every process of that uid) when the wall clock
  runs out or the child ends, so nothing it started survives.
"""

from __future__ import annotations

import functools
import json
import os
import resource
import secrets
import select
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

BOOTSTRAP = Path(__file__).resolve().with_name("bootstrap.py")
REPORT_CAP = 8 << 20  # bytes of records read per child; more is a flood, not a report
OUTPUT_CAP = 64 << 10  # bytes of the child's own stdout+stderr kept
GIB = 1 << 30


@dataclass(frozen=True)
class Limits:
    """Resource limits of one child process."""

    timeout: float = 60.0  # wall-clock seconds
    memory: int = 2 * GIB  # RLIMIT_AS, bytes
    file_size: int = 16 << 20  # RLIMIT_FSIZE, bytes (a bigger write fails with EFBIG)
    processes: int = 16  # RLIMIT_NPROC over what the user already runs
    open_files: int = 256  # RLIMIT_NOFILE

    @property
    def cpu_seconds(self) -> int:
        return int(self.timeout) + 2


@dataclass
class ChildRun:
    """What one child did, as seen by the parent."""

    records: list[dict] = field(default_factory=list)
    returncode: int | None = None
    timed_out: bool = False
    elapsed: float = 0.0
    output: str = ""
    error: str = ""  # the child could not even be started


@functools.lru_cache(maxsize=1)
def drop_command() -> tuple[str, ...] | None:
    """``setpriv`` options that drop root to an unprivileged uid, or None if that is not possible.

    Checked once per process by starting the interpreter that way and importing numpy;
    the uid in the returned options is a placeholder filled per child.
    """
    if os.geteuid() != 0 or sys.platform != "linux":
        return None
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    options = (
        setpriv,
        "--reuid={uid}",
        "--regid={uid}",
        "--clear-groups",
        "--inh-caps=-all,+dac_read_search",
        "--ambient-caps=+dac_read_search",
        "--no-new-privs",
        "--",
    )
    uid = _fresh_uid()
    probe = [a.format(uid=uid) for a in options] + [sys.executable, "-I", "-c", "import numpy"]
    try:
        done = subprocess.run(probe, capture_output=True, timeout=60, cwd="/", env=_base_env("/tmp"))
    except (OSError, subprocess.SubprocessError):
        return None
    return options if done.returncode == 0 else None


def _fresh_uid() -> int:
    # Far above any real account, so the process limit and the final sweep see only this child.
    return 1_900_000_000 + secrets.randbelow(100_000_000)


def _user_process_count(uid: int) -> int:
    count = 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    count += 1
            except OSError:
                pass
    return count


def _base_env(home: str) -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": home,
        "TMPDIR": home,
        "USER": "grader",
        "LOGNAME": "grader",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PY_COLORS": "0",
        # only pytest's own plugins: third-party ones are slow to import and not ours to trust
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
        "NO_COLOR": "1",
        # one thread per child: two children share two cores
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "NUMEXPR_NUM_THREADS": "1",
    }


def _preexec(limits: Limits, nproc: int):
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # oversized writes fail instead of killing
        for res, value in (
            (resource.RLIMIT_CPU, limits.cpu_seconds),
            (resource.RLIMIT_AS, limits.memory),
            (resource.RLIMIT_FSIZE, limits.file_size),
            (resource.RLIMIT_NPROC, nproc),
            (resource.RLIMIT_NOFILE, limits.open_files),
            (resource.RLIMIT_CORE, 0),
        ):
            resource.setrlimit(res, (value, value))

    return apply


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _sweep(uid: int | None, marker: str) -> None:
    """Kill every process of the child's private uid, or carrying this run's marker."""
    needle = marker.encode()
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        pid = int(entry.name)
        try:
            if uid is not None:
                hit = entry.stat().st_uid == uid
            else:
                with open(f"/proc/{pid}/environ", "rb") as env:
                    hit = needle in env.read()
        except OSError:
            continue
        if hit:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


def prepare_workdir(path: Path) -> int | None:
    """Create the child's writable folder and return the uid the child will run as (None: ours)."""
    path.mkdir(parents=True, exist_ok=True)
    if drop_command() is None:
        return None
    uid = _fresh_uid()
    os.chown(path, uid, uid)
    path.chmod(0o700)
    return uid


def run_child(config: dict, workdir: Path, env: dict[str, str], limits: Limits, uid: int | None) -> ChildRun:
    """Run the bootstrap with ``config`` (report/nonce fds are added here) and collect its records."""
    run = ChildRun()
    nonce = secrets.token_hex(16).encode()
    marker = f"MICROGRADRNN_GRADER_RUN={secrets.token_hex(8)}"
    report_r, report_w = os.pipe()
    nonce_r, nonce_w = os.pipe()
    out_path = workdir.parent / f".{workdir.name}.out"
    config = dict(config, report_fd=report_w, nonce_fd=nonce_r)
    command = [sys.executable, "-I", "-B", str(BOOTSTRAP), json.dumps(config)]
    drop = drop_command() if uid is not None else None
    if drop is not None:
        command = [a.format(uid=uid) for a in drop] + command
        nproc = limits.processes
    else:
        nproc = _user_process_count(os.getuid()) + limits.processes
    full_env = dict(_base_env(str(workdir)), **env)
    full_env[marker.split("=")[0]] = marker.split("=")[1]
    start = time.monotonic()
    proc = None
    try:
        with open(out_path, "wb") as out:
            try:
                proc = subprocess.Popen(
                    command,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    cwd=workdir,
                    env=full_env,
                    pass_fds=(report_w, nonce_r),
                    start_new_session=True,
                    preexec_fn=_preexec(limits, nproc),  # noqa: PLW1509 - limits must be set in the child
                )
            except OSError as err:
                run.error = f"could not start the grading process: {err}"
                return run
            finally:
                os.close(report_w)
                os.close(nonce_r)
            os.write(nonce_w, nonce + b"\n")
            os.close(nonce_w)
            nonce_w = -1
            data, run.timed_out = _read_reports(report_r, proc, start + limits.timeout)
            if run.timed_out:
                _kill_group(proc.pid)
            try:
                proc.wait(timeout=max(0.0, start + limits.timeout - time.monotonic()))
            except subprocess.TimeoutExpired:
                run.timed_out = True
                _kill_group(proc.pid)
                proc.wait()
        run.returncode = proc.returncode
    finally:
        if nonce_w >= 0:
            os.close(nonce_w)
        os.close(report_r)
        if proc is not None:
            _kill_group(proc.pid)
            _sweep(uid if drop is not None else None, marker)
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    run.elapsed = time.monotonic() - start
    run.records = parse_records(data, nonce)
    run.output = _read_capped(out_path)
    out_path.unlink(missing_ok=True)
    return run


def _read_reports(fd: int, proc: subprocess.Popen, deadline: float) -> tuple[bytes, bool]:
    """Read the report pipe until EOF, the child's exit, or the deadline (then True)."""
    data = bytearray()
    os.set_blocking(fd, False)
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return bytes(data), True
        ready, _, _ = select.select([fd], [], [], min(remaining, 0.2))
        if ready:
            try:
                chunk = os.read(fd, 1 << 16)
            except BlockingIOError:
                continue
            if not chunk:
                return bytes(data), False
            if len(data) < REPORT_CAP:
                data += chunk[: REPORT_CAP - len(data)]
        elif proc.poll() is not None:
            # The child is gone; a descendant it left may still hold the pipe open.
            return bytes(data), False


def parse_records(data: bytes, nonce: bytes) -> list[dict]:
    """The records framed with this run's nonce; anything else on the pipe is ignored."""
    records = []
    prefix = nonce + b" "
    for line in data.split(b"\n"):
        if not line.startswith(prefix):
            continue
        try:
            record = json.loads(line[len(prefix) :])
        except (ValueError, RecursionError):
            continue
        if isinstance(record, dict) and isinstance(record.get("kind"), str):
            records.append(record)
    return records


def _read_capped(path: Path) -> str:
    try:
        with open(path, "rb") as handle:
            data = handle.read(OUTPUT_CAP + 1)
    except OSError:
        return ""
    text = data[:OUTPUT_CAP].decode("utf-8", "replace")
    if len(data) > OUTPUT_CAP:
        text += "\n[... output cut ...]"
    return text


def describe_death(run: ChildRun, timeout: float) -> str:
    """Why a child stopped before reporting every test, in words."""
    if run.error:
        return run.error
    if run.timed_out:
        return f"killed after {timeout:g} s wall-clock limit"
    code = run.returncode
    if code is None:
        return "the grading process vanished"
    if code < 0:
        sig = -code
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = f"signal {sig}"
        if sig == signal.SIGSEGV:
            return f"segmentation fault (signal {sig})"
        if sig == signal.SIGXCPU:
            return f"CPU time limit exceeded (signal {sig}, {name})"
        if sig == signal.SIGKILL:
            return f"killed (signal {sig}, {name})"
        return f"killed by signal {sig} ({name})"
    return f"process exited with code {code} during test"
