"""Where submitted code runs: the runner's sandbox, chosen per grading run, built per module.

Three levels, strongest first:

- ``bwrap``: bubblewrap. The runner gets its own pid, network, IPC and UTS namespaces (no
  network at all), a private ``/tmp``, a new session, and a read-only view holding only the
  Python runtime, its site-packages, the ``microgradrnn`` package, the submission copy and the
  probe files. The course's judging tests, hidden tests, ``solutions/`` and the rest of the host
  are not in it. As root, bubblewrap builds the view and the runner then drops to a fresh
  unprivileged uid inside it (``setpriv``, no capabilities, no new privileges); as an ordinary
  user, bubblewrap runs in a user namespace of that user. When the runner's parent (the judge)
  dies, the whole namespace dies with it.
- ``uid``: no namespaces, only the drop to a fresh unprivileged uid (root only). File
  permissions are the only wall: the grader's private copies are unreadable, but anything
  world-readable on the host (a checkout's ``solutions/``) is readable, and world-writable
  folders are writable.
- ``none``: the runner runs as the grading user; for a learner's own code (``check``).

Each level keeps the resource limits (:class:`Limits`, applied by the runner before it imports
the submission) and the split: the submission runs only in the runner, the score is decided by
the judge. ``auto`` takes the strongest level this machine allows. POSIX-only modules are
imported only inside the functions that need them, so ``check`` runs on Windows and macOS.
"""

from __future__ import annotations

import functools
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

LEVELS = ("bwrap", "uid", "none")
CHOICES = ("auto", *LEVELS)
GIB = 1 << 30
FRESH_UID_BASE = 1_900_000_000  # far above any real account: a process of such a uid is a runner's
FRESH_UID_SPAN = 100_000_000
MARKER = "MICROGRADRNN_GRADER_RUN"  # in every judge's and runner's environment, to find leftovers

DESCRIPTIONS = {
    "bwrap": "bubblewrap sandbox (no network, private /tmp, own pid namespace, read-only view of the "
    "Python runtime and the submission only{uid})",
    "uid": "unprivileged uid only (bubblewrap unavailable: {why}); the submission can read what any "
    "user of this machine can read",
    "none": "no sandbox: the code runs as the grading user",
}


class IsolationError(RuntimeError):
    """The isolation level asked for is not available on this machine."""


@dataclass(frozen=True)
class Limits:
    """Resource limits of one module's grading."""

    timeout: float = 60.0  # wall-clock seconds for the whole module (the backstop)
    test_seconds: float = 10.0  # each test's own limit (a test's time_limit marker may change it)
    memory: int = 2 * GIB  # RLIMIT_AS of the runner, bytes
    file_size: int = 16 << 20  # RLIMIT_FSIZE, bytes (a bigger write fails with EFBIG)
    processes: int = 32  # RLIMIT_NPROC of the runner's uid (over what the user already runs)
    open_files: int = 256  # RLIMIT_NOFILE

    @property
    def cpu_seconds(self) -> int:
        return int(self.timeout) + 2


def _linux() -> bool:
    return sys.platform.startswith("linux")


def _has_resource() -> bool:
    try:
        import resource  # noqa: F401 - POSIX only
    except ImportError:
        return False
    return True


def base_env(home: str) -> dict[str, str]:
    """A small, predictable environment for judge and runner processes."""
    env = {
        # the judge and the runner import the very microgradrnn the grader runs, installed or not
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
        "PATH": "/usr/bin:/bin" if os.name == "posix" else os.environ.get("PATH", ""),
        "HOME": home,
        "TMPDIR": home,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONIOENCODING": "utf-8",
        "NO_COLOR": "1",
        "PY_COLORS": "0",
        # only pytest's own plugins in the judge: third-party ones are slow to import
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
        # one BLAS thread per process: two modules share two cores
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    if os.name != "posix":  # Windows needs these to start Python at all
        for key in ("SYSTEMROOT", "SYSTEMDRIVE", "WINDIR", "COMSPEC", "PATHEXT", "TEMP", "TMP"):
            if key in os.environ:
                env[key] = os.environ[key]
    return env


# --------------------------------------------------------------------------- the read-only view


def runtime_paths() -> list[Path]:
    """What the runner needs to start Python and import numpy and microgradrnn, nothing more."""
    import sysconfig

    import numpy

    import microgradrnn

    paths = {Path(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix)}
    paths.add(Path(os.path.realpath(sys.executable)).parent.parent)
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        value = sysconfig.get_paths().get(key)
        if value:
            paths.add(Path(value))
    paths.add(Path(numpy.__file__).resolve().parent.parent)
    paths.add(Path(microgradrnn.__file__).resolve().parent)
    for root in ("/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin", "/etc/ld.so.cache"):
        paths.add(Path(root))
    return _outermost(p for p in paths if p.exists())


def _outermost(paths: Iterable[Path]) -> list[Path]:
    """Paths with every one inside another dropped, shortest first (parents bind before children)."""
    out: list[Path] = []
    for path in sorted({Path(os.path.abspath(p)) for p in paths}, key=lambda p: (len(p.parts), str(p))):
        if not any(path == o or o in path.parents for o in out):
            out.append(path)
    return out


def bwrap_view(visible: Iterable[Path], hidden: Iterable[Path]) -> list[str]:
    """bubblewrap options for a read-only view of ``runtime_paths() + visible``.

    ``hidden`` paths (solutions, the course's tests, instructor tests, the grader's run folder)
    are covered by an empty tmpfs wherever they fall inside the view.
    """
    args = ["--perms", "1777", "--tmpfs", "/tmp", "--proc", "/proc", "--dev", "/dev"]
    made: set[Path] = {Path("/"), Path("/tmp"), Path("/proc"), Path("/dev")}
    roots = runtime_paths()
    for path in [*roots, *[Path(p) for p in visible]]:
        if os.path.islink(path) and str(path).count(os.sep) == 1:  # /lib -> usr/lib on merged-/usr systems
            args += ["--symlink", os.readlink(path), str(path)]
            continue
        for parent in reversed(path.parents):
            if parent not in made and not any(parent == r or r in parent.parents for r in roots if r != path):
                # bubblewrap would copy the host folder's mode (/root is 0700): make it traversable
                args += ["--perms", "0755", "--dir", str(parent)]
                made.add(parent)
        args += ["--ro-bind", str(path), str(path)]
    for secret in hidden:
        secret = Path(os.path.abspath(secret))
        if any(secret == r or r in secret.parents for r in roots):
            args += ["--tmpfs", str(secret)]
    return args


# --------------------------------------------------------------------------- which level works here


def _fresh_uid() -> int:
    return FRESH_UID_BASE + secrets.randbelow(FRESH_UID_SPAN)


def _setpriv(uid: int) -> list[str]:
    setpriv = shutil.which("setpriv") or "/usr/bin/setpriv"
    return [setpriv, f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--inh-caps=-all",
            "--bounding-set=-all", "--no-new-privs", "--"]


def bwrap_path() -> str | None:
    """The bubblewrap program (``$MICROGRADRNN_BWRAP`` overrides the search, e.g. to hide it)."""
    override = os.environ.get("MICROGRADRNN_BWRAP")
    if override is not None:
        return override if override and os.access(override, os.X_OK) else None
    return shutil.which("bwrap")


_NAMESPACES = ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
               "--die-with-parent", "--new-session"]


def bwrap_prefix(bwrap: str, uid: int | None, visible: Iterable[Path], hidden: Iterable[Path]) -> list[str]:
    """The argv prefix that starts a command in the sandbox (as ``uid`` when running as root)."""
    if uid is None:  # an ordinary user: bubblewrap in a user namespace of that user
        head = [bwrap, "--unshare-user", "--disable-userns", *_NAMESPACES]
        tail: list[str] = []
    else:  # root builds the view, then the command drops to the fresh uid inside it
        head = [bwrap, *_NAMESPACES]
        tail = _setpriv(uid)
    return [*head, *bwrap_view(visible, hidden), "--chdir", "/tmp", "--", *tail]


_PROBE = "import sys, numpy, microgradrnn; print(*sys.version_info[:2])"


def _probe(argv: list[str], cwd: str) -> str:
    """'' if ``argv + python`` starts the same Python with numpy and microgradrnn, else why not."""
    try:
        done = subprocess.run([*argv, sys.executable, "-c", _PROBE], capture_output=True, timeout=60,
                              cwd=cwd, env=base_env("/tmp"), stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError) as err:
        return f"{type(err).__name__}: {err}"
    if done.returncode != 0:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        last = lines[-1:] or [f"status {done.returncode}"]
        return last[0][:300]
    if done.stdout.decode("utf-8", "replace").split() != [str(v) for v in sys.version_info[:2]]:
        return "the sandboxed process started another Python version (it cannot read this one's runtime)"
    return ""


@functools.cache
def why_not(level: str) -> str:
    """'' if ``level`` works on this machine, else the reason (checked once per process)."""
    if level == "none":
        return ""
    if not _linux():
        return f"sandboxed grading needs Linux (this is {sys.platform})"
    root = os.geteuid() == 0
    if level == "uid":
        if not root:
            return "dropping to another uid needs root"
        if shutil.which("setpriv") is None:
            return "setpriv (util-linux) is not installed"
        return _probe(_setpriv(_fresh_uid()), "/")
    bwrap = bwrap_path()
    if bwrap is None:
        return "bubblewrap (bwrap) is not installed"
    if root and shutil.which("setpriv") is None:
        return "setpriv (util-linux) is not installed"
    return _probe(bwrap_prefix(bwrap, _fresh_uid() if root else None, [], []), "/")


def choose(requested: str) -> tuple[str, str]:
    """The level to use for ``requested`` (auto or a level) and its description for reports.

    ``auto`` falls back from bubblewrap to the uid drop to none, and the description says so;
    raises :class:`IsolationError` when a named level is not available here, and for ``auto``
    off Linux (the sandboxed grade is Linux-only).
    """
    if requested not in CHOICES:
        raise IsolationError(f"unknown isolation {requested!r}; choose one of {', '.join(CHOICES)}")
    if requested != "auto":
        reason = why_not(requested)
        if reason:
            raise IsolationError(f"isolation {requested!r} was required but is not available: {reason}")
        return requested, describe(requested)
    if not _linux():
        raise IsolationError(
            f"grading untrusted code needs Linux (bubblewrap or a uid drop); this is {sys.platform}."
            " Pass --isolation none to grade trusted files without a sandbox."
        )
    if not why_not("bwrap"):
        return "bwrap", describe("bwrap")
    if not why_not("uid"):
        return "uid", describe("uid")
    return "none", (
        "none: NO SANDBOX was available, the submission ran as the grading user (bubblewrap: "
        + why_not("bwrap") + "; uid drop: " + why_not("uid")
        + "); pass --isolation bwrap or uid to refuse this"
    )


def describe(level: str) -> str:
    if level == "bwrap":
        root = _linux() and os.geteuid() == 0
        return "bwrap: " + DESCRIPTIONS["bwrap"].format(uid=", as a fresh unprivileged uid" if root else "")
    if level == "uid":
        return "uid: " + DESCRIPTIONS["uid"].format(why=why_not("bwrap") or "not chosen")
    return "none: " + DESCRIPTIONS["none"]


# --------------------------------------------------------------------------- one module's sandbox


@dataclass
class Sandbox:
    """How one module's runner processes are started, and how to clean up after them."""

    level: str
    workdir: Path
    launch: list[str] = field(default_factory=list)
    uid: int | None = None  # the fresh uid of the runner, if there is one
    marker: str = field(default_factory=lambda: secrets.token_hex(8))
    limits: str = ""  # serve.py --limits

    def runner_config(self, python: str = sys.executable) -> dict:
        """The ``$MICROGRADRNN_RUNNER`` object read by the course's conftest."""
        home = "/tmp" if self.level == "bwrap" else str(self.workdir)
        env = dict(base_env(home), **{MARKER: self.marker})
        return {"launch": self.launch, "env": env, "python": python, "limits": self.limits,
                "cwd": str(self.workdir), "uid": self.uid}

    def cleanup(self) -> None:
        """Kill every process this module's runners left, then remove the work folder."""
        kill_leftovers(self.uid, self.marker)
        shutil.rmtree(self.workdir, ignore_errors=True)


def limits_spec(limits: Limits, fresh_uid: bool) -> str:
    """``serve.py --limits`` for ``limits``; '' where the resource module does not exist."""
    if not _has_resource():
        return ""
    nproc = limits.processes if fresh_uid else user_process_count(os.getuid()) + limits.processes
    return (f"cpu={limits.cpu_seconds},as={limits.memory},fsize={limits.file_size},nproc={nproc},"
            f"nofile={limits.open_files},core=0")


def make_sandbox(level: str, workdir: Path, limits: Limits, visible: Iterable[Path],
                 hidden: Iterable[Path]) -> Sandbox:
    """A sandbox of ``level`` for one module: a fresh uid (as root), its work folder, its launch prefix."""
    workdir.mkdir(parents=True, exist_ok=True)
    uid = _fresh_uid() if level in ("bwrap", "uid") and _linux() and os.geteuid() == 0 else None
    if uid is not None and level == "uid":
        os.chown(workdir, uid, uid)
        workdir.chmod(0o700)
    launch: list[str] = []
    if level == "bwrap":
        bwrap = bwrap_path()
        if bwrap is None:
            raise IsolationError("bubblewrap disappeared during grading")
        launch = bwrap_prefix(bwrap, uid, visible, hidden)
    elif level == "uid" and uid is not None:
        launch = _setpriv(uid)
    sandbox = Sandbox(level, workdir, launch, uid, limits=limits_spec(limits, uid is not None))
    HISTORY.append((sandbox.uid, sandbox.marker))
    return sandbox


HISTORY: list[tuple[int | None, str]] = []  # (uid, marker) of every sandbox made in this process


# --------------------------------------------------------------------------- processes


def user_process_count(uid: int) -> int:
    if not os.path.isdir("/proc"):
        return 0
    count = 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                count += entry.stat().st_uid == uid
            except OSError:
                pass
    return count


def leftover_pids(uid: int | None, marker: str | None) -> list[int]:
    """Processes of ``uid`` (a fresh runner uid), or carrying ``marker`` in their environment."""
    if not os.path.isdir("/proc"):
        return []
    found = []
    needle = f"{MARKER}={marker}".encode() if marker else None
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if uid is not None and entry.stat().st_uid == uid:
                found.append(int(entry.name))
                continue
            if needle is not None:
                with open(f"/proc/{entry.name}/environ", "rb") as handle:
                    if needle in handle.read():
                        found.append(int(entry.name))
        except OSError:
            continue
    return found


def kill_leftovers(uid: int | None, marker: str | None) -> None:
    """SIGKILL everything ``leftover_pids`` finds, again until nothing is left (forks race us)."""
    kill = getattr(signal, "SIGKILL", signal.SIGTERM)
    for _ in range(50):
        pids = leftover_pids(uid, marker)
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, kill)
            except OSError:
                pass
        time.sleep(0.02)


def kill_group(proc: subprocess.Popen) -> None:
    """Kill ``proc`` and its process group (POSIX), or just ``proc`` where there are no groups."""
    killpg = getattr(os, "killpg", None)
    if killpg is not None and os.name == "posix":
        try:
            killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    if proc.poll() is None:
        try:
            proc.kill()
        except OSError:
            pass
