"""The only thing that crosses from the runner (submitted code) to the judge: plain data.

A frame is ``MGR1``, a 4-byte header length, a JSON header, then the raw bytes of the arrays
the header points to. JSON cannot carry code and this module never unpickles, so whatever a
submission does to its own process, the judge receives numbers, strings, shapes and arrays.

Encoded kinds: None, bool, int, float (nan and inf too), str, list, tuple, dict with str or
int keys, numpy arrays of numeric dtype, the library's ``Tensor`` and ``Value`` (their data,
grad and requires_grad), and anything else as its type name and a capped repr. Decoding turns
``Tensor``/``Value``/other objects into :class:`RemoteTensor`, :class:`RemoteValue` and
:class:`RemoteObject`, which compare equal to nothing but themselves.
"""

from __future__ import annotations

import json
import math
import struct
from dataclasses import dataclass
from typing import Any, BinaryIO

import numpy as np

MAGIC = b"MGR1"
FRAME_CAP = 64 << 20  # bytes of one frame: header plus arrays
STR_CAP = 20_000  # characters of one string
DEPTH_CAP = 40  # nesting of lists, tuples and dicts
ITEMS_CAP = 100_000  # items of one container
_DTYPES = frozenset("biufc")  # bool, int, uint, float, complex: never object or void


class WireError(ValueError):
    """A frame that is malformed, too big, or holds something plain data cannot hold."""


@dataclass(frozen=True, eq=False)
class RemoteTensor:
    """A ``Tensor`` that came back from the runner: its data, its gradient (or None)."""

    data: np.ndarray
    grad: np.ndarray | None
    requires_grad: bool


@dataclass(frozen=True, eq=False)
class RemoteValue:
    """A scalar ``Value`` that came back from the runner."""

    data: float
    grad: float


@dataclass(frozen=True, eq=False)
class RemoteObject:
    """Anything else the runner returned: only its type name and a capped repr survive."""

    type: str
    repr: str


def clean_text(text: object, cap: int = STR_CAP) -> str:
    """``text`` as a str that any UTF-8 writer accepts: lone surrogates replaced, capped."""
    if not isinstance(text, str):
        try:
            text = str(text)
        except Exception as err:  # noqa: BLE001 - a submitted object's __str__ may do anything
            text = f"<unprintable {type(text).__name__}: {type(err).__name__}>"
    text = text.encode("utf-8", "replace").decode("utf-8", "replace")
    return text if len(text) <= cap else text[:cap] + f"... [{len(text) - cap} more characters]"


# --------------------------------------------------------------------------- encoding (runner side)


def _is_library(obj: object, name: str) -> bool:
    return type(obj).__name__ == name and type(obj).__module__.startswith("microgradrnn")


class _Encoder:
    def __init__(self) -> None:
        self.blobs: list[bytes] = []
        self.size = 0

    def array(self, value: object) -> dict:
        arr = np.asarray(value)
        if arr.dtype.kind not in _DTYPES:
            return self.object(value)
        raw = arr.tobytes()
        self.size += len(raw)
        if self.size > FRAME_CAP:
            raise WireError(f"the result is larger than {FRAME_CAP >> 20} MiB")
        self.blobs.append(raw)
        return {"$": "nd", "i": len(self.blobs) - 1, "dtype": arr.dtype.str, "shape": list(arr.shape)}

    def object(self, value: object) -> dict:
        try:
            text = repr(value)
        except Exception:  # noqa: BLE001 - a submitted __repr__ may raise anything
            text = "<unrepresentable>"
        return {"$": "obj", "type": clean_text(type(value).__name__, 200), "repr": clean_text(text, 500)}

    def __call__(self, value: Any, depth: int = 0) -> Any:  # noqa: C901 - one branch per kind
        if depth > DEPTH_CAP:
            raise WireError(f"the result is nested more than {DEPTH_CAP} levels deep")
        if value is None or type(value) in (bool, int):
            return value
        if type(value) is float:
            return value if math.isfinite(value) else {"$": "f", "v": repr(value)}
        if type(value) is str:
            return clean_text(value)
        if isinstance(value, np.generic) and value.dtype.kind in _DTYPES:
            return self(value.item(), depth)
        if type(value) is np.ndarray:
            return self.array(value)
        if type(value) in (list, tuple):
            if len(value) > ITEMS_CAP:
                raise WireError(f"a result holds more than {ITEMS_CAP} items")
            items = [self(v, depth + 1) for v in value]
            return items if type(value) is list else {"$": "tuple", "items": items}
        if type(value) is dict:
            if len(value) > ITEMS_CAP:
                raise WireError(f"a result holds more than {ITEMS_CAP} items")
            pairs = []
            for k, v in value.items():
                if type(k) not in (str, int):
                    return self.object(value)
                pairs.append([self(k), self(v, depth + 1)])
            return {"$": "dict", "items": pairs}
        if _is_library(value, "Tensor") or _is_library(value, "Parameter"):
            grad = getattr(value, "grad", None)
            return {
                "$": "Tensor",
                "data": self.array(value.data),
                "grad": None if grad is None else self.array(grad),
                "requires_grad": bool(getattr(value, "requires_grad", False)),
            }
        if _is_library(value, "Value"):
            return {"$": "Value", "data": self(float(value.data)), "grad": self(float(value.grad))}
        return self.object(value)


def encode(value: Any) -> bytes:
    """One frame holding ``value``; raises :class:`WireError` if it is too big or too deep."""
    enc = _Encoder()
    body = enc(value)
    header = json.dumps({"v": body, "blobs": [len(b) for b in enc.blobs]}, ensure_ascii=True).encode()
    if len(header) + enc.size > FRAME_CAP:
        raise WireError(f"the result is larger than {FRAME_CAP >> 20} MiB")
    return MAGIC + struct.pack("<I", len(header)) + header + b"".join(enc.blobs)


# --------------------------------------------------------------------------- decoding (judge side)


def _decode(node: Any, blobs: list[bytes], depth: int = 0) -> Any:  # noqa: C901 - one branch per tag
    if depth > DEPTH_CAP + 2:
        raise WireError("nested too deep")
    if node is None or type(node) in (bool, int, str):
        return node
    if type(node) is float:
        return node
    if type(node) is list:
        return [_decode(v, blobs, depth + 1) for v in node]
    if type(node) is not dict:
        raise WireError(f"unexpected JSON value of type {type(node).__name__}")
    tag = node.get("$")
    if tag == "f":
        if node.get("v") not in ("nan", "inf", "-inf"):
            raise WireError("bad float")
        return float(node["v"])
    if tag == "tuple":
        return tuple(_decode(v, blobs, depth + 1) for v in node["items"])
    if tag == "dict":
        out = {}
        for k, v in node["items"]:
            if type(k) not in (str, int):
                raise WireError("bad dict key")
            out[k] = _decode(v, blobs, depth + 1)
        return out
    if tag == "nd":
        dtype = np.dtype(str(node["dtype"]))
        if dtype.kind not in _DTYPES:
            raise WireError(f"refused dtype {dtype}")
        shape = tuple(int(s) for s in node["shape"])
        raw = blobs[int(node["i"])]
        if any(s < 0 for s in shape) or math.prod(shape) * dtype.itemsize != len(raw):
            raise WireError("array bytes do not match its shape")
        return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
    if tag == "Tensor":
        grad = node.get("grad")
        return RemoteTensor(
            _decode(node["data"], blobs, depth + 1),
            None if grad is None else _decode(grad, blobs, depth + 1),
            bool(node.get("requires_grad")),
        )
    if tag == "Value":
        return RemoteValue(float(_decode(node["data"], blobs)), float(_decode(node["grad"], blobs)))
    if tag == "obj":
        return RemoteObject(clean_text(node.get("type", "?"), 200), clean_text(node.get("repr", ""), 500))
    raise WireError(f"unknown tag {tag!r}")


def read_frame(stream: BinaryIO) -> bytes:
    """The bytes of the next frame on ``stream`` (blocking); raises EOFError at the end."""
    head = _read_exact(stream, 8)
    if head[:4] != MAGIC:
        raise WireError("not a frame")
    (length,) = struct.unpack("<I", head[4:])
    if length > FRAME_CAP:
        raise WireError("header too big")
    header = _read_exact(stream, length)
    sizes = json.loads(header).get("blobs", [])
    if not isinstance(sizes, list) or sum(int(s) for s in sizes) + length > FRAME_CAP:
        raise WireError(f"frame larger than {FRAME_CAP >> 20} MiB")
    return head + header + _read_exact(stream, sum(int(s) for s in sizes))


def _read_exact(stream: BinaryIO, n: int) -> bytes:
    chunks, left = [], n
    while left:
        chunk = stream.read(left)
        if not chunk:
            raise EOFError("the stream ended inside a frame")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def decode(frame: bytes) -> Any:
    """The value held by ``frame``; raises :class:`WireError` for anything but plain data."""
    try:
        if frame[:4] != MAGIC:
            raise WireError("not a frame")
        (length,) = struct.unpack("<I", frame[4:8])
        header = json.loads(frame[8 : 8 + length].decode("utf-8"))
        blobs, offset = [], 8 + length
        for size in header["blobs"]:
            blobs.append(frame[offset : offset + int(size)])
            offset += int(size)
        if offset != len(frame):
            raise WireError("trailing bytes after the arrays")
        return _decode(header["v"], blobs)
    except WireError:
        raise
    except (KeyError, TypeError, ValueError, IndexError, struct.error, UnicodeDecodeError,
            RecursionError) as err:
        raise WireError(f"malformed frame: {type(err).__name__}") from None
