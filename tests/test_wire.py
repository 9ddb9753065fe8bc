"""The runner-to-judge format: plain data in, the same plain data out; nothing else gets through."""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest

from microgradrnn import Tensor, Value
from microgradrnn.grading import wire


def roundtrip(value):
    return wire.decode(wire.encode(value))


@pytest.mark.parametrize(
    "array",
    [np.array(2.5), np.arange(6.0).reshape(2, 3), np.arange(6).reshape(3, 2).T, np.zeros((0, 3)),
     np.array([True, False]), np.arange(4, dtype=np.int32), np.array([1 + 2j])],
    ids=["0-d", "2-d", "transposed", "empty", "bool", "int32", "complex"],
)
def test_arrays_keep_shape_dtype_and_values(array):
    got = roundtrip(array)
    assert got.shape == array.shape and got.dtype == array.dtype and np.array_equal(got, array)


def test_containers_numbers_and_strings_survive():
    value = {"a": [1, 2.5, None, True, "x"], 3: (float("nan"), float("inf"), -float("inf"))}
    got = roundtrip(value)
    assert got["a"] == [1, 2.5, None, True, "x"] and isinstance(got[3], tuple)
    assert np.isnan(got[3][0]) and got[3][1:] == (float("inf"), -float("inf"))


def test_library_objects_arrive_as_records():
    t = Tensor(np.ones((2, 2)), requires_grad=True)
    (t * 3).sum().backward()
    got = roundtrip([t, Value(2.0)])
    assert isinstance(got[0], wire.RemoteTensor) and np.array_equal(got[0].grad, np.full((2, 2), 3.0))
    assert isinstance(got[1], wire.RemoteValue) and got[1].data == 2.0


def test_other_objects_become_a_name_and_a_repr_that_equal_nothing():
    class Liar:
        def __eq__(self, other):
            return True

        def __repr__(self):
            return "\ud800 liar"

    got = roundtrip(Liar())
    assert isinstance(got, wire.RemoteObject) and got.type == "Liar"
    assert got != got.repr and got != 1 and "liar" in got.repr
    got.repr.encode("utf-8")  # the lone surrogate is gone


def test_object_arrays_and_huge_results_are_refused():
    assert isinstance(roundtrip(np.array([object()])), wire.RemoteObject)
    with pytest.raises(wire.WireError):
        wire.encode(np.zeros(wire.FRAME_CAP // 8 + 1))


def test_forged_frames_are_refused():
    header = json.dumps({"v": {"$": "nd", "i": 0, "dtype": "|O", "shape": [1]}, "blobs": [8]}).encode()
    frame = wire.MAGIC + struct.pack("<I", len(header)) + header + b"\0" * 8
    with pytest.raises(wire.WireError):
        wire.decode(frame)
    with pytest.raises(wire.WireError):
        wire.decode(b"PKL1" + frame[4:])
    bad_shape = json.dumps({"v": {"$": "nd", "i": 0, "dtype": "<f8", "shape": [3]}, "blobs": [8]}).encode()
    with pytest.raises(wire.WireError):
        wire.decode(wire.MAGIC + struct.pack("<I", len(bad_shape)) + bad_shape + b"\0" * 8)
