"""The runner: the only process that imports submitted code.

Started by the judge (``python -m microgradrnn.grading.serve``), it imports one exercise file
and the probe files the judge names, then answers requests until its input ends. A request
names a learner function (or a probe, a function of the course's ``probes/`` folder that
drives the learner's code) and plain-data arguments; the answer is the result as plain data
(:mod:`.wire`), or the exception's type and message. The judge decides every point from these
answers; nothing here knows what the right answer is.

The protocol runs on private copies of fds 0 and 1; the learner's own prints go to stderr,
which the judge keeps as captured output.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import os
import sys
import traceback
from os import _exit  # taken before the submission is imported: it may replace os._exit
from pathlib import Path
from types import ModuleType
from typing import Any

from . import wire
from .integrity import OffLimits, Tripwires

OUTPUT_CAP = 4000  # characters of a call's captured prints sent back


def _load(path: str, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _as_library(value: Any) -> Any:
    """Judge-side Tensors and Values arrive as Remote records; the learner gets real ones."""
    from microgradrnn import Tensor, Value

    if isinstance(value, wire.RemoteTensor):
        t = Tensor(value.data, requires_grad=value.requires_grad)
        return t
    if isinstance(value, wire.RemoteValue):
        return Value(value.data)
    if isinstance(value, list):
        return [_as_library(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_as_library(v) for v in value)
    if isinstance(value, dict):
        return {k: _as_library(v) for k, v in value.items()}
    return value


def _backward(result: Any, upstream: list, args: list) -> list:
    """Back-propagate sum_k (out_k * upstream_k).sum() from the learner's outputs; the args' grads."""
    from microgradrnn import Tensor

    outs = list(result) if isinstance(result, (tuple, list)) else [result]
    if len(outs) != len(upstream) or not all(isinstance(o, Tensor) for o in outs):
        raise TypeError(f"expected {len(upstream)} Tensor result(s) to back-propagate from, got "
                        + ", ".join(type(o).__name__ for o in outs))
    loss = sum(((o * u).sum() for o, u in zip(outs, upstream)), Tensor(0.0))
    loss.backward()
    return [a.grad if isinstance(a, Tensor) else None for a in args]


def _error(err: BaseException) -> dict:
    frames = traceback.extract_tb(err.__traceback__)
    where = next(
        (f"{Path(f.filename).name}:{f.lineno}" for f in reversed(frames) if "/probes/" not in f.filename
         and "microgradrnn" not in f.filename), "",
    )
    return {
        "$error": {
            "type": wire.clean_text(type(err).__name__, 200),
            "mro": [wire.clean_text(c.__name__, 200) for c in type(err).__mro__],
            "message": wire.clean_text(err, 2000),
            "where": wire.clean_text(where, 300),
            "off_limits": isinstance(err, OffLimits),
        }
    }


class Runner:
    """Answers the judge's requests about one exercise file."""

    def __init__(self, target: str, module: str, probes: list[str]) -> None:
        self.module_name = module
        self.target = Path(target) / f"{module}.py"
        self.probes: dict[str, ModuleType] = {}
        self.probe_paths = probes
        self.learner: ModuleType | None = None
        self.tripwires = Tripwires()

    def start(self) -> dict:
        for i, path in enumerate(self.probe_paths):
            self.probes[path] = _load(path, f"_probes_{i}_{self.module_name}")
        try:
            self.learner = _load(str(self.target), self.module_name)
        except BaseException as err:  # noqa: BLE001 - any failure to import is the learner's
            return _error(err)
        return {"ready": True}

    def call(self, request: dict) -> Any:
        args = _as_library(request.get("args", []))
        kwargs = _as_library(request.get("kwargs", {}))
        if request.get("probe"):
            fn = getattr(self.probes[request["probe_file"]], request["probe"])
            args = [self.learner, *args]
        else:
            fn = getattr(self.learner, request["function"])
        with self.tripwires.armed(
            request.get("off_limits", []), request.get("exercise", ""), str(self.target)
        ):
            result = fn(*args, **kwargs)
        if request.get("upstream") is not None:
            return {"result": result, "grads": _backward(result, _as_library(request["upstream"]), args)}
        if request.get("return_args"):
            return {"result": result, "args": list(args), "kwargs": kwargs}
        return result


def serve(runner: Runner, inp: io.BufferedReader, out: io.BufferedWriter) -> None:
    def send(value: Any) -> None:
        try:
            frame = wire.encode(value)
        except (wire.WireError, RecursionError) as err:
            frame = wire.encode(_error(wire.WireError(str(err))))
        out.write(frame)
        out.flush()

    send(runner.start())
    while True:
        try:
            request = wire.decode(wire.read_frame(inp))
        except EOFError:
            return
        captured = io.StringIO()
        sys.stdout = sys.stderr = captured
        try:
            answer: Any = {"ok": runner.call(request)}
        except BaseException as err:  # noqa: BLE001 - SystemExit and KeyboardInterrupt included
            answer = _error(err)
        finally:
            sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
        if isinstance(answer, dict):
            answer["output"] = wire.clean_text(captured.getvalue(), OUTPUT_CAP)
        send(answer)


def _apply_limits(spec: str) -> None:
    """``cpu=N,as=BYTES,fsize=BYTES,nproc=N,nofile=N,core=0``: rlimits set before submitted code runs."""
    if not spec:
        return
    try:
        import resource  # POSIX only: where it is missing, the judge's time limits still hold
    except ImportError:
        return
    import signal

    if hasattr(signal, "SIGXFSZ"):
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an oversized write fails instead of killing
    names = {"cpu": resource.RLIMIT_CPU, "as": resource.RLIMIT_AS, "fsize": resource.RLIMIT_FSIZE,
             "nproc": resource.RLIMIT_NPROC, "nofile": resource.RLIMIT_NOFILE, "core": resource.RLIMIT_CORE}
    for item in spec.split(","):
        key, _, value = item.partition("=")
        resource.setrlimit(names[key], (int(value), int(value)))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m microgradrnn.grading.serve")
    parser.add_argument("--target", required=True, help="folder holding the exercise file")
    parser.add_argument("--module", required=True, help="exercise file name without .py")
    parser.add_argument("--probe", action="append", default=[], help="a probe file to load")
    parser.add_argument("--limits", default="", help="rlimits, e.g. cpu=60,as=2147483648")
    args = parser.parse_args(argv)
    _apply_limits(args.limits)
    # The protocol keeps private copies of stdin/stdout; fd 0 reads nothing and fd 1 joins stderr.
    inp = os.fdopen(os.dup(0), "rb", buffering=0)
    out = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(2, 1)
    sys.stdin = open(os.devnull)  # noqa: SIM115 - lives as long as the process
    sys.dont_write_bytecode = True
    runner = Runner(args.target, args.module, args.probe)
    serve(runner, io.BufferedReader(inp), out)  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
    _exit(0)  # lingering threads and atexit handlers of the submission do not keep the runner alive
