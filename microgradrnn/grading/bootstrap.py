"""The first code a grading child process runs: fence the process in, then run pytest.

Run as ``python -I -B bootstrap.py CONFIG_JSON`` by :mod:`microgradrnn.grading.sandbox`
(never imported by the library). Before any submitted code is imported it

1. reads the per-run nonce from an inherited pipe and closes it, so only this process's
   reporter can frame records the parent will accept;
2. makes ``microgradrnn`` importable from the grader's own checkout and nothing else
   from it (``solutions`` never becomes importable);
3. installs an audit hook that refuses new processes, foreign calls through ``ctypes``,
   reading the solutions or the instructor tests, and writing outside the work folder;
4. runs pytest with a small plugin that reports each test's outcome on the report pipe.

Scores are decided by the parent from those records; nothing printed counts.
"""

from __future__ import annotations

import json
import os
import sys

# Outcomes travel as one JSON line per record; keep records well below a pipe's buffer.
_REASON_CAP = 600
_DETAIL_CAP = 6000
_OUTPUT_CAP = 4000
_MAX_THREADS = 16

_DENIED_EVENTS = frozenset(
    {
        "os.system",
        "os.exec",
        "os.posix_spawn",
        "os.spawn",
        "os.fork",
        "os.forkpty",
        "os.startfile",
        "subprocess.Popen",
        "pty.spawn",
        "ctypes.dlopen",
        "ctypes.dlsym",
        "ctypes.dlsym/handle",
        "ctypes.call_function",
        "gc.get_objects",
        "gc.get_referrers",
        "gc.get_referents",
        "sys.settrace",
        "sys.setprofile",
        "resource.setrlimit",
        "resource.prlimit",
        "socket.bind",
        "socket.connect",
        "socket.sendto",
        "socket.sendmsg",
        "socket.getaddrinfo",
        "sqlite3.connect",
        "os.chroot",
        "os.setuid",
        "os.setgid",
    }
)
# Events whose first arguments are paths the submission wants to change.
_MUTATING_EVENTS = frozenset(
    {
        "os.rename",
        "os.remove",
        "os.rmdir",
        "os.mkdir",
        "os.symlink",
        "os.link",
        "os.truncate",
        "os.chmod",
        "os.chown",
        "os.utime",
        "os.chflags",
        "os.lchflags",
        "os.mkfifo",
        "os.mknod",
        "os.setxattr",
        "os.removexattr",
        "shutil.rmtree",
        "shutil.copyfile",
        "shutil.copytree",
        "shutil.move",
        "shutil.chown",
    }
)
_LISTING_EVENTS = frozenset({"os.listdir", "os.scandir", "os.chdir", "glob.glob", "glob.glob/2"})
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


def _real(path: object) -> str | None:
    """An absolute, symlink-free path for a path-like audit argument (None for fds and None)."""
    if path is None or isinstance(path, int):
        return None
    try:
        path = os.fsdecode(os.fspath(path))  # type: ignore[arg-type]
    except TypeError:
        return None
    return os.path.realpath(path)


def _under(path: str, roots: list[str]) -> bool:
    return any(path == root or path.startswith(root + os.sep) for root in roots)


def make_audit_hook(config: dict, locked: list[str]):  # noqa: C901 - one table of rules
    """The hook enforcing the rules above; ``locked`` grows when collection has finished."""
    denied = [os.path.realpath(p) for p in config["deny_read"]]
    writable = [os.path.realpath(p) for p in config["write_ok"]] + ["/dev/null"]
    own_pid = os.getpid()
    threads = [0]

    def refuse(event: str, detail: str = "") -> None:
        raise PermissionError(f"refused by the grader: {event}{' ' + detail if detail else ''}")

    def other_process(path: str) -> bool:
        # /proc/<pid>/ of another process: its environment or memory is none of the submission's business
        parts = path.split(os.sep)
        return len(parts) > 2 and parts[1] == "proc" and parts[2].isdigit() and int(parts[2]) != own_pid

    def hook(event: str, args: tuple) -> None:
        if event in _DENIED_EVENTS:
            refuse(event)
        if event == "open":
            path = _real(args[0])
            if path is None:
                return
            mode, flags = args[1], args[2] if len(args) > 2 else 0
            if _under(path, denied) or _under(path, locked) or other_process(path):
                refuse("open", path)
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                isinstance(flags, int) and flags & _WRITE_FLAGS
            )
            if writing and not _under(path, writable):
                refuse("writing", path)
        elif event in _LISTING_EVENTS:
            path = _real(args[0]) if args else None
            if path is not None and (_under(path, denied) or _under(path, locked)):
                refuse(event, path)
        elif event in _MUTATING_EVENTS:
            for arg in args[:2]:
                path = _real(arg) if isinstance(arg, (str, bytes, os.PathLike)) else None
                if path is not None and not _under(path, writable):
                    refuse(event, path)
        elif event == "import":
            name = args[0] or ""
            if name == "solutions" or name.startswith("solutions.") or name == "_posixsubprocess":
                refuse("import", name)
        elif event in ("os.kill", "os.killpg", "signal.pthread_kill"):
            if event != "signal.pthread_kill" and args[0] not in (own_pid, 0):
                refuse(event, str(args[0]))
        elif event == "_thread.start_new_thread":
            threads[0] += 1
            if threads[0] > _MAX_THREADS:
                refuse(event, f"more than {_MAX_THREADS} threads")

    return hook


class _Finder:
    """Find ``microgradrnn`` in the grader's checkout without putting that checkout on sys.path."""

    def __init__(self, package_parent: str) -> None:
        self.parent = package_parent

    def find_spec(self, fullname, path=None, target=None):  # noqa: ANN001 - importlib protocol
        if fullname != "microgradrnn":
            return None
        from importlib.machinery import PathFinder

        return PathFinder.find_spec(fullname, [self.parent])


def _cap(text: str, cap: int, keep_end: bool = False) -> str:
    if len(text) <= cap:
        return text
    cut = len(text) - cap
    if keep_end:
        return f"[... {cut} characters cut ...]\n" + text[-cap:]
    return text[:cap] + f"\n[... {cut} characters cut ...]"


def _safe_str(obj: object) -> str:
    try:
        return str(obj)
    except BaseException as err:  # a submitted object's __str__ may do anything
        return f"<unprintable {type(obj).__name__}: {type(err).__name__}>"


def describe_exception(excinfo, target: str) -> tuple[str, bool]:  # noqa: ANN001 - pytest ExceptionInfo
    """A one- or two-line reason for a failure, and whether it happened importing the submission."""
    exc = excinfo.value
    etype = type(exc)
    name = etype.__name__
    message = _safe_str(exc).strip()
    at_import = False
    where = ""
    tb = excinfo.tb
    while tb is not None:
        code = tb.tb_frame.f_code
        filename = os.path.realpath(code.co_filename) if code.co_filename else ""
        if code.co_name == "load_module" and filename.endswith("conftest.py"):
            at_import = True
        if filename.startswith(target + os.sep):
            where = f" ({os.path.basename(filename)}, line {tb.tb_lineno})"
        tb = tb.tb_next
    if isinstance(exc, SyntaxError) and getattr(exc, "filename", None):
        where = f" ({os.path.basename(str(exc.filename))}, line {exc.lineno})"
        message = _safe_str(exc.msg)
    if name == "Skipped":
        reason = f"skipped: {message}" if message else "skipped"
    elif name == "XFailed":
        reason = f"marked as expected to fail: {message}"
    elif isinstance(exc, NotImplementedError):
        reason = "not implemented yet" + (f" ({message})" if message else "")
        where = ""
    elif isinstance(exc, AssertionError):
        # pytest appends its rewritten `assert ...` explanation after the test's own message
        head = message.split("\nassert ", 1)[0].strip() if message else ""
        reason = head or ("assertion failed: " + message.splitlines()[0] if message else "assertion failed")
        lines = reason.splitlines()
        reason = "\n".join(lines[:2])
    elif isinstance(exc, SystemExit):
        reason = f"sys.exit({message}) was called"
    else:
        first = message.splitlines()[0] if message else ""
        reason = f"{name}: {first}" if first else name
    return _cap(reason + where, _REASON_CAP), at_import


_WATCHED_MODULES = ("builtins", "math", "operator", "numpy", "numpy.testing", "numpy.linalg", "__main__")
# Whole packages: pytest's internals build the reports (a submission that patches
# TestReport.from_item_and_call could otherwise turn every failure into a pass).
_WATCHED_PACKAGES = ("pytest", "_pytest", "pluggy", "microgradrnn")


def _watched_callables(course: str = "") -> dict[tuple[str, str, str], int]:
    """Identity of every function and class the tests lean on (numpy, pytest, the library).

    Taken before any submitted code runs and compared after each test, so a submission
    that swaps ``numpy.allclose`` or ``Tensor.__eq__`` for a liar is caught. Only callables
    are watched (and module references, e.g. a test file's ``np``): modules legitimately
    change their plain data while tests run. The test files and conftest under ``course``
    are watched too. Keys are (module, class or "", attribute).
    """
    course_root = [os.path.realpath(course)] if course else []
    snapshot: dict[tuple[str, str, str], int] = {}
    for name, module in list(sys.modules.items()):
        if module is None:
            continue
        in_course = _under(os.path.realpath(getattr(module, "__file__", None) or "/"), course_root)
        if not (in_course or name in _WATCHED_MODULES or name.split(".")[0] in _WATCHED_PACKAGES):
            continue
        for key, value in list(vars(module).items()):
            if callable(value) or isinstance(value, type(sys)):
                snapshot[(name, "", key)] = id(value)
            if isinstance(value, type) and getattr(value, "__module__", "") == name:
                for attr, member in list(vars(value).items()):
                    if callable(member) or isinstance(member, (property, classmethod, staticmethod)):
                        snapshot[(name, key, attr)] = id(member)
    return snapshot


def _tampered(snapshot: dict[tuple[str, str, str], int]) -> str:
    """The first watched callable that is no longer the original, as ``module.name``, or ''."""
    for (module_name, cls, key), ident in snapshot.items():
        holder = sys.modules.get(module_name)
        if cls and holder is not None:
            holder = vars(holder).get(cls)
        found = vars(holder).get(key) if holder is not None else None
        if id(found) != ident:
            return ".".join(p for p in (module_name, cls, key) if p)
    return ""


class ReportPlugin:
    """Send one record per test to the parent: started, then its final outcome."""

    def __init__(self, send, target: str, course: str, hidden: str, locked: list[str]) -> None:  # noqa: ANN001
        self._send = send
        self._target = target
        self._course = course
        self._hidden = hidden
        self._locked = locked
        self._phases: dict[str, dict] = {}
        self._snapshot: dict[tuple[str, str, str], int] = {}
        self._tamper = ""

    def pytest_collectreport(self, report) -> None:  # noqa: ANN001
        if report.failed:
            text = _safe_str(report.longreprtext)
            self._send({"kind": "collect_error", "nodeid": report.nodeid, "detail": _cap(text, _DETAIL_CAP)})

    def pytest_collection_finish(self, session) -> None:  # noqa: ANN001
        import linecache

        # Failure reports read test sources later: cache them before the hidden tests are locked.
        for folder, _dirs, files in os.walk(self._course):
            for name in files:
                if name.endswith(".py"):
                    linecache.getlines(os.path.join(folder, name))
        if self._hidden:
            self._locked.append(os.path.realpath(self._hidden))
        self._snapshot = _watched_callables(self._course)
        self._tamper = ""
        self._send({"kind": "collected", "nodeids": [item.nodeid for item in session.items]})

    def pytest_runtest_logstart(self, nodeid, location) -> None:  # noqa: ANN001
        self._phases[nodeid] = {"outcome": "passed", "reason": "", "detail": "", "import": False}
        self._send({"kind": "start", "nodeid": nodeid})

    def pytest_runtest_makereport(self, item, call):  # noqa: ANN001
        state = self._phases.get(item.nodeid)
        if state is None or call.excinfo is None or state["outcome"] != "passed":
            return None
        # Judged from the raw call, not from the report pytest builds next: a phase that
        # raised never passes, whatever the report says.
        reason, at_import = describe_exception(call.excinfo, self._target)
        state["pending"] = (call.when, reason, at_import)
        return None

    def pytest_runtest_logreport(self, report) -> None:  # noqa: ANN001
        state = self._phases.get(report.nodeid)
        if state is None:
            return
        pending = state.pop("pending", None)
        xfail = hasattr(report, "wasxfail")  # expected failures and unexpected passes earn nothing
        if state["outcome"] == "passed" and (not report.passed or xfail or pending is not None):
            state["outcome"] = "failed" if report.failed and not xfail else "skipped"
            if pending is not None and pending[0] == report.when:
                state["reason"], state["import"] = pending[1], pending[2]
            else:
                state["reason"] = "marked as expected to fail" if xfail else report.outcome
            if report.when != "call" and not state["import"]:
                state["reason"] = f"in test {report.when}: {state['reason']}"
            state["detail"] = _cap(_safe_str(report.longreprtext), _DETAIL_CAP, keep_end=True)
        if report.when == "teardown":
            if not self._tamper and self._snapshot:
                changed = _tampered(self._snapshot)
                if changed:
                    self._tamper = f"the submission replaced {changed}, which the tests rely on"
            if self._tamper:  # every test from here on could be lied to
                state.update(outcome="failed", reason=self._tamper, detail="")
                state["import"] = False
            output = "".join(
                f"--- captured {name} ---\n{_cap(text, _OUTPUT_CAP)}\n"
                for name, text in (("stdout", report.capstdout), ("stderr", report.capstderr))
                if text
            )
            self._send(
                {
                    "kind": "result",
                    "nodeid": report.nodeid,
                    "outcome": state["outcome"],
                    "reason": state["reason"],
                    "detail": state["detail"],
                    "import_error": state["import"],
                    "output": output,
                }
            )
            self._phases.pop(report.nodeid, None)

    def pytest_sessionfinish(self, session, exitstatus) -> None:  # noqa: ANN001
        self._send({"kind": "finish", "exitstatus": int(exitstatus)})


def _make_sender(fd: int, nonce: bytes):
    def send(record: dict) -> None:
        data = nonce + b" " + json.dumps(record, ensure_ascii=True).encode() + b"\n"
        try:
            while data:
                data = data[os.write(fd, data) :]
        except OSError:
            pass  # the submission closed our pipe: its tests simply report nothing

    return send


def main(argv: list[str]) -> None:
    config = json.loads(argv[1])
    here = os.path.dirname(os.path.realpath(__file__))
    sys.path[:] = [p for p in sys.path if p and os.path.realpath(p) != here]

    with os.fdopen(config["nonce_fd"], "rb") as pipe:
        nonce = pipe.read(256).strip()
    send = _make_sender(config["report_fd"], nonce)
    del nonce

    sys.meta_path.insert(0, _Finder(config["package_parent"]))
    # Import what tests need while nothing is refused yet, and take the process-making
    # function out of the module subprocess would use.
    import _posixsubprocess
    import ctypes  # noqa: F401 - loaded now so later dlopen refusals cannot break it
    import linecache  # noqa: F401
    import subprocess  # noqa: F401

    import numpy  # noqa: F401
    import pytest

    for name in ("fork_exec",):
        if hasattr(_posixsubprocess, name):
            delattr(_posixsubprocess, name)

    locked: list[str] = []
    sys.addaudithook(make_audit_hook(config, locked))
    plugin = ReportPlugin(
        send,
        target=os.path.realpath(config["target"]),
        course=config["course"],
        hidden=config.get("hidden") or "",
        locked=locked,
    )
    status = int(pytest.main(config["pytest_args"], plugins=[plugin]))
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    # Leave at once: threads and atexit handlers the submission left behind never run on.
    os._exit(status)


if __name__ == "__main__":
    main(sys.argv)
