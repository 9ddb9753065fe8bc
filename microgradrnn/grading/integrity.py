"""Course integrity: an exercise must not be answered by the library's own version of it.

The manifest lists, per exercise, what is off limits (``off_limits = ["microgradrnn.nn.LSTMCell.forward"]``).
While the runner calls the learner's code for that exercise, a profile hook watches every
Python call; a call into the code of an off-limits function (however it was reached: an
alias, an earlier import, a reloaded module) makes the call fail with :class:`OffLimits`.
The rest of the library stays usable.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
import threading
from collections.abc import Iterator


class OffLimits(Exception):
    """The learner's code called what its exercise teaches."""


def resolve(dotted: str) -> object:
    """The object named ``package.module.attr[.attr...]``."""
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for attr in parts[i:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(f"cannot resolve {dotted!r}")


def _code_keys(obj: object) -> set[tuple[str, str, int]]:
    """Where the code of a function, method or class (all its own methods) lives."""
    funcs = []
    if isinstance(obj, type):
        funcs = [v for v in vars(obj).values() if hasattr(v, "__code__")]
        funcs += [v.__func__ for v in vars(obj).values() if isinstance(v, (classmethod, staticmethod))]
    else:
        funcs = [getattr(obj, "__func__", obj)]
    keys = set()
    for f in funcs:
        code = getattr(f, "__code__", None)
        if code is not None:
            keys.add((os.path.realpath(code.co_filename), code.co_name, code.co_firstlineno))
    return keys


def _called_from(frame, path: str) -> bool:  # noqa: ANN001 - a frame object
    while frame is not None:
        if os.path.realpath(frame.f_code.co_filename) == path:
            return True
        frame = frame.f_back
    return False


class Tripwires:
    """Arms a profile hook for one call of the learner's code."""

    def __init__(self) -> None:
        self._cache: dict[str, set[tuple[str, str, int]]] = {}

    def _keys(self, names: list[str]) -> dict[tuple[str, str, int], str]:
        out = {}
        for name in names:
            if name not in self._cache:
                try:
                    self._cache[name] = _code_keys(resolve(name))
                except (ImportError, AttributeError) as err:  # the course's mistake, not the learner's
                    raise RuntimeError(
                        f"the manifest's off_limits entry {name!r} names nothing: {err}") from None
            out.update(dict.fromkeys(self._cache[name], name))
        return out

    @contextlib.contextmanager
    def armed(self, names: list[str], exercise: str, learner_file: str) -> Iterator[None]:
        """Watch calls made, directly or not, by code of ``learner_file`` while the block runs."""
        if not names:
            yield
            return
        keys = self._keys(list(names))
        learner = os.path.realpath(learner_file)
        hits: list[str] = []
        paths: dict[str, str] = {}

        def profile(frame, event, arg):  # noqa: ANN001 - sys.setprofile protocol
            if event == "call":
                code = frame.f_code
                path = paths.get(code.co_filename)
                if path is None:
                    path = paths[code.co_filename] = os.path.realpath(code.co_filename)
                name = keys.get((path, code.co_name, code.co_firstlineno))
                if name is not None and not hits and _called_from(frame.f_back, learner):
                    hits.append(name)

        sys.setprofile(profile)
        threading.setprofile(profile)
        try:
            yield
        finally:
            removed = sys.getprofile() is not profile
            sys.setprofile(None)
            threading.setprofile(None)  # type: ignore[arg-type]
        if hits or removed:
            what = f"calls {hits[0]}" if hits else "removed the course's call watch"
            raise OffLimits(
                f"exercise {exercise} {what}, which is what the exercise teaches: write it yourself"
            )
