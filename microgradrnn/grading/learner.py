"""The judge's handle on the learner's code: calls it in another process, gets plain data back.

An exercise test holds a :class:`Learner` and reads like a call of the learner's module::

    h, c = learner.lstm_step(Tensor(x), Tensor(h0), Tensor(c0), W_ih, W_hh, b_ih, b_hh)

The call runs in the runner (:mod:`.serve`), a process that imported the exercise file; the
arguments travel there and the result comes back through :mod:`.wire`, so ``h`` and ``c`` are
:class:`~.wire.RemoteTensor` records and the judge, which never imported submitted code,
compares them with what it computes itself. ``learner.probe("name", ...)`` runs a function of
the course's ``probes/<module>.py`` instead, for tests that must drive the learner's code
(build a graph, run backward, train) before anything can be sent back.

Each test has its own time limit: a call past it kills the runner (a fresh one serves the next
test) and fails with :class:`LearnerTimeout`.
"""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from . import wire

DEFAULT_TEST_SECONDS = 10.0
START_SECONDS = 30.0  # importing numpy and the exercise file, on a busy machine
STDERR_CAP = 64_000


class LearnerError(Exception):
    """The learner's code raised; ``type`` and ``mro`` are class names, ``message`` its text."""

    at_import = False  # raised because the exercise file could not be imported

    def __init__(self, what: str, info: dict, output: str = "") -> None:
        self.type = str(info.get("type", "Exception"))
        self.mro = [str(n) for n in info.get("mro", [self.type])]
        self.message = str(info.get("message", ""))
        self.where = str(info.get("where", ""))
        self.off_limits = bool(info.get("off_limits"))
        self.output = output
        where = f" (at {self.where})" if self.where else ""
        if self.type == "NotImplementedError":
            text = f"not implemented yet: {self.message or what}"
        elif self.off_limits:
            text = self.message
        else:
            text = f"{what} raised {self.type}: {self.message}{where}"
        super().__init__(text)

    def is_a(self, *names: str) -> bool:
        """Whether the learner's exception is (a subclass of) one of the named classes."""
        return any(n in self.mro for n in names)


class LearnerTimeout(Exception):
    """A call did not finish within the test's time limit."""

    at_import = False


class LearnerCrash(Exception):
    """The runner died during a call (a crash, a resource limit, os._exit)."""

    at_import = False


class _Process:
    """One runner process and the threads that read its two output streams."""

    def __init__(self, argv: Sequence[str], env: dict[str, str] | None, cwd: str | None = None,
                 uid: int | None = None) -> None:
        posix = os.name == "posix"
        self.uid = uid
        self.proc = subprocess.Popen(
            list(argv),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=cwd,
            start_new_session=posix,
        )
        self.frames: queue.Queue[bytes | BaseException] = queue.Queue()
        self.stderr = bytearray()
        threading.Thread(target=self._read_frames, daemon=True).start()
        self.stderr_reader = threading.Thread(target=self._read_stderr, daemon=True)
        self.stderr_reader.start()

    def _read_frames(self) -> None:
        try:
            while True:
                self.frames.put(wire.read_frame(self.proc.stdout))  # type: ignore[arg-type]
        except BaseException as err:  # noqa: BLE001 - EOF or garbage both end the stream
            self.frames.put(err)

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        for chunk in iter(lambda: self.proc.stderr.read(4096), b""):  # type: ignore[union-attr]
            if len(self.stderr) < STDERR_CAP:
                self.stderr += chunk[: STDERR_CAP - len(self.stderr)]

    def send(self, frame: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(frame)
        self.proc.stdin.flush()

    def receive(self, timeout: float) -> Any:
        item = self.frames.get(timeout=max(timeout, 0.0))
        if isinstance(item, BaseException):
            raise item
        return wire.decode(item)

    def kill(self) -> None:
        from .isolation import kill_group, kill_leftovers

        kill_group(self.proc)
        if self.uid is not None and self.uid != getattr(os, "getuid", lambda: None)():
            kill_leftovers(self.uid, None)  # what escaped the group (setsid) still has the runner's uid
        with contextlib.suppress(Exception):
            self.proc.wait(timeout=5)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            with contextlib.suppress(Exception):
                stream.close()

    def status(self) -> str:
        code = self.proc.poll()
        if code is None:
            return "still running"
        if code < 0:
            try:
                return f"killed by signal {signal.Signals(-code).name}"
            except ValueError:
                return f"killed by signal {-code}"
        if code > 128:  # a sandbox (bubblewrap) reports its command's death by signal as 128 + signal
            try:
                return f"exited with status {code}, as after signal {signal.Signals(code - 128).name}"
            except ValueError:
                pass
        return f"exited with status {code}"


class Learner:
    """Calls into one exercise file of the folder under test, through a runner process.

    ``launch`` is what starts the runner: an argv prefix (a sandbox such as bubblewrap, or a
    uid drop) put before ``python -m microgradrnn.grading.serve``.
    """

    def __init__(
        self,
        module: str,
        target: str | Path,
        probes: Sequence[str | Path] = (),
        *,
        launch: Sequence[str] = (),
        python: str = sys.executable,
        env: dict[str, str] | None = None,
        limits: str = "",
        cwd: str | None = None,
        uid: int | None = None,
    ) -> None:
        self.module = module
        self.target = Path(target)
        self.probe_files = [str(p) for p in probes]
        self.argv = [*launch, python, "-m", "microgradrnn.grading.serve", "--target", str(self.target),
                     "--module", module, *[a for p in self.probe_files for a in ("--probe", p)]]
        if limits:
            self.argv += ["--limits", limits]
        self.env = env
        self.cwd = cwd
        self.uid = uid
        self.start_error: Exception | None = None  # the runner could not start: every test says why
        self.exercise = ""  # the exercise of the current test, for the integrity watch
        self.off_limits: list[str] = []
        self.deadline = time.monotonic() + DEFAULT_TEST_SECONDS
        self.time_limit = DEFAULT_TEST_SECONDS
        self.output: list[str] = []  # what the learner's code printed during the current test
        self.import_error: LearnerError | None = None
        self._proc: _Process | None = None

    # -- the calls a test makes ------------------------------------------------------------

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda *args, **kwargs: self.call(name, *args, **kwargs)

    def call(self, function: str, *args: Any, return_args: bool = False, **kwargs: Any) -> Any:
        """``function(*args, **kwargs)`` of the learner's module, its result as plain data.

        With ``return_args=True`` the answer is ``{"result": ..., "args": [...], "kwargs": {...}}``,
        the arguments as they were after the call (to see what it changed in place).
        """
        return self._request({"function": function, "args": list(args), "kwargs": kwargs,
                              "return_args": return_args}, f"{function}()")

    def backward(self, function: str, args: Sequence[Any], upstream: Sequence[Any]) -> dict:
        """Call ``function(*args)``, back-propagate ``sum_k (out_k * upstream_k).sum()`` in the runner.

        The answer is ``{"result": ..., "grads": [grad of each Tensor argument, or None]}``;
        the judge compares the grads with gradients it computes itself.
        """
        return self._request({"function": function, "args": list(args), "kwargs": {},
                              "upstream": list(upstream)}, f"{function}() and its backward pass")

    def probe(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Run ``probes/<module>.py::name(learner_module, *args, **kwargs)`` in the runner."""
        for path in reversed(self.probe_files):
            if name in _probe_names(path):
                return self._request({"probe": name, "probe_file": path, "args": list(args),
                                      "kwargs": kwargs}, f"probe {name}")
        raise KeyError(f"no probe {name!r} in {self.probe_files}")

    @contextlib.contextmanager
    def raises(self, *names: str | type[BaseException]) -> Iterator[list[LearnerError]]:
        """Expect the learner's code to raise one of ``names`` (classes or class names)."""
        wanted = [n if isinstance(n, str) else n.__name__ for n in names]
        caught: list[LearnerError] = []
        try:
            yield caught
        except LearnerError as err:
            if err.type == "NotImplementedError" or err.off_limits or not err.is_a(*wanted):
                raise
            caught.append(err)
            return
        raise AssertionError(f"expected {' or '.join(wanted)} to be raised, but the call returned")

    # -- the runner process ----------------------------------------------------------------

    def _ensure(self) -> _Process:
        if self.start_error is not None:
            again = type(self.start_error)(str(self.start_error))
            again.at_import = True  # type: ignore[attr-defined]
            raise again
        if self._proc is None or self._proc.proc.poll() is not None:
            if self._proc is not None:
                self._proc.kill()
            self._proc = _Process(self.argv, self.env, self.cwd, self.uid)
            began = time.monotonic()
            try:
                ready = self._proc.receive(START_SECONDS)
            except queue.Empty:
                self._proc.kill()
                self._start_failed(
                    LearnerTimeout(f"importing {self.module}.py took more than {START_SECONDS:g} s"))
            except (EOFError, wire.WireError):
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self._proc.proc.wait(timeout=5)
                self._proc.stderr_reader.join(timeout=1)
                detail = bytes(self._proc.stderr).decode("utf-8", "replace").strip().splitlines()[-3:]
                self._start_failed(LearnerCrash(
                    f"importing {self.module}.py: the runner could not start ({self._proc.status()})"
                    + (": " + " | ".join(detail) if detail else "")))
            self.deadline += time.monotonic() - began  # starting the runner is not the test's time
            if isinstance(ready, dict) and "$error" in ready:
                self.import_error = LearnerError(f"importing {self.module}.py", ready["$error"])
        if self.import_error is not None:
            err = LearnerError(f"importing {self.module}.py", {
                "type": self.import_error.type, "mro": self.import_error.mro,
                "message": self.import_error.message, "where": self.import_error.where,
            })
            err.at_import = True
            raise err
        return self._proc

    def _start_failed(self, err: Exception) -> None:
        err.at_import = True  # type: ignore[attr-defined]
        self.start_error = err
        raise err from None

    def _request(self, request: dict, what: str) -> Any:
        proc = self._ensure()
        request["exercise"] = self.exercise
        request["off_limits"] = self.off_limits
        proc.send(wire.encode(request))
        try:
            answer = proc.receive(self.deadline - time.monotonic())
        except queue.Empty:
            self.close()
            raise LearnerTimeout(
                f"{what} did not finish within the test's time limit of {self.time_limit:g} s"
                " (an endless loop?)"
            ) from None
        except (EOFError, wire.WireError) as err:
            if not isinstance(err, wire.WireError):
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.proc.wait(timeout=2)  # its output ended: let it finish dying, to say how
            status = proc.status() if not isinstance(err, wire.WireError) else f"sent garbage ({err})"
            self.close()
            raise LearnerCrash(f"{what}: the learner's process died ({status})") from None
        if not isinstance(answer, dict):
            raise LearnerCrash(f"{what}: the runner answered something that is not an answer")
        output = answer.get("output", "")
        if output:
            self.output.append(str(output))
        if "$error" in answer:
            raise LearnerError(what, answer["$error"], str(output))
        return answer.get("ok")

    def start_test(self, exercise: str, off_limits: list[str], seconds: float) -> None:
        """Called before each test: its exercise, what is off limits, its time limit."""
        self.exercise, self.off_limits = exercise, list(off_limits)
        self.time_limit = seconds
        self.deadline = time.monotonic() + seconds
        self.output = []

    def close(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc = None


_PROBE_CACHE: dict[str, set[str]] = {}


def _probe_names(path: str) -> set[str]:
    """Top-level function names of a probe file, read with ast (the judge never imports probes)."""
    if path not in _PROBE_CACHE:
        import ast

        tree = ast.parse(Path(path).read_text(encoding="utf-8"))
        _PROBE_CACHE[path] = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    return _PROBE_CACHE[path]


# --------------------------------------------------------------------------- helpers for tests


def as_array(value: Any, what: str, kind: str = "array") -> np.ndarray:
    """``value`` (a returned Tensor or numpy array) as a float64 array, or a clear failure.

    ``kind`` is ``"Tensor"``, ``"ndarray"`` or ``"array"`` (either).
    """
    if isinstance(value, wire.RemoteTensor) and kind in ("Tensor", "array"):
        data = value.data
    elif isinstance(value, np.ndarray) and kind in ("ndarray", "array"):
        data = value
    else:
        raise AssertionError(f"expected {what} as a {'Tensor or numpy array' if kind == 'array' else kind},"
                             f" got {_describe(value)}")
    if data.dtype.kind not in "biuf":
        raise AssertionError(f"expected {what} to hold real numbers, got dtype {data.dtype}")
    return np.asarray(data, dtype=np.float64)


def as_float(value: Any, what: str) -> float:
    """A returned Python/numpy number as a float, or a clear failure (never a bool or an object)."""
    if type(value) in (int, float):
        return float(value)
    raise AssertionError(f"expected {what} as a number, got {_describe(value)}")


def _describe(value: Any) -> str:
    if isinstance(value, wire.RemoteObject):
        return f"a {value.type} ({value.repr[:80]})"
    if isinstance(value, wire.RemoteTensor):
        return f"a Tensor of shape {value.data.shape}"
    if isinstance(value, np.ndarray):
        return f"a numpy array of shape {value.shape}"
    return f"{type(value).__name__} {value!r}"[:120]
