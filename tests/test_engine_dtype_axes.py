"""Integer tensors promote as numpy does, axes are checked, and non-numbers are refused."""

from __future__ import annotations

import numpy as np
import pytest

from microgradrnn import Tensor
from microgradrnn.joining import concat, split, stack
from microgradrnn.shapes import AxisError, unbroadcast


@pytest.mark.parametrize(
    "expr",
    [
        lambda t: t * 0.5,
        lambda t: 0.5 * t,
        lambda t: t / 2,
        lambda t: 1.5 - t,
        lambda t: t + np.array([0.25, 0.25]),
    ],
)
def test_an_integer_tensor_promotes_with_floats_as_numpy_does(expr):
    data = np.array([1, 3])
    got = expr(Tensor(data, dtype=np.int64))
    want = expr(data)
    assert got.dtype == want.dtype == np.float64
    np.testing.assert_array_equal(got.data, want)


def test_integers_stay_integers_and_float32_stays_float32():
    assert (Tensor([1, 2], dtype=np.int64) * 3).dtype == np.int64
    assert (Tensor([1.0], dtype=np.float32) * 0.5).dtype == np.float32
    assert (2.0 * Tensor([1.0], dtype=np.float32)).dtype == np.float32


@pytest.mark.parametrize("bad", [None, "1.5", b"2", [1.0, None], ["a", "b"]])
def test_non_numbers_are_refused(bad):
    with pytest.raises(TypeError, match="holds numbers"):
        Tensor(bad)


@pytest.mark.parametrize(
    "bad, named", [(None, "NoneType None"), ("1.5", "str '1.5'"), (b"2", "bytes b'2'")]
)
def test_none_and_text_are_refused_by_their_own_type_before_numpy_sees_them(bad, named):
    # numpy would make None an object array and keep text as strings: the message names the value
    with pytest.raises(TypeError, match=f"holds numbers, got {named}$"):
        Tensor(bad)


def test_none_mixed_into_an_operation_is_refused():
    with pytest.raises(TypeError, match="holds numbers"):
        Tensor([1.0, 2.0]) * None


@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.transpose(0, 3),
        lambda t: t.transpose(-4, 1),
        lambda t: t.permute(0, 1, 3),
        lambda t: t.sum(axis=3),
        lambda t: t.mean(dim=(0, 5)),
        lambda t: t.max(axis=-4),
        lambda t: t.softmax(axis=3),
        lambda t: t.log_softmax(dim=-4),
        lambda t: concat([t, t], axis=3),
        lambda t: stack([t, t], axis=5),
        lambda t: split(t, 2, axis=3),
    ],
)
def test_an_out_of_range_axis_names_the_axis_and_the_shape(call):
    t = Tensor(np.ones((2, 3, 4)))
    with pytest.raises(AxisError, match=r"axis -?\d is out of range for a tensor of shape \(2, 3, 4\)"):
        call(t)


@pytest.mark.parametrize("axis", ["0", None, 1.0, True])
def test_an_axis_that_is_not_an_integer_is_refused(axis):
    with pytest.raises(TypeError, match="axis is an integer"):
        Tensor(np.ones((2, 3))).transpose(axis, 1)


def test_the_last_axis_of_stack_and_negative_axes_still_work():
    t = Tensor(np.arange(6.0).reshape(2, 3))
    assert stack([t, t], axis=2).shape == (2, 3, 2)
    assert stack([t, t], axis=-1).shape == (2, 3, 2)
    np.testing.assert_array_equal(t.transpose(-1, -2).data, t.data.T)
    np.testing.assert_array_equal(t.sum(axis=-1).data, t.data.sum(axis=-1))


@pytest.mark.parametrize(
    "shape, other",
    [((3,), (0, 3)), ((1, 3), (0, 3)), ((0, 1), (0, 3)), ((1, 1), (0, 3)), ((0, 3), (0, 3))],
)
def test_a_gradient_through_an_empty_batch_has_the_input_shape(shape, other):
    # The last batch of a loader can be empty: a bias broadcast over 0 rows gets zeros of its
    # own shape, a size-1 axis stretched to 0 is summed back to 1, and a 0-axis stays 0.
    a = Tensor(np.ones(shape), requires_grad=True)
    b = Tensor(np.ones(other), requires_grad=True)
    (a * b).sum().backward()
    assert a.grad.shape == shape and not a.grad.any()
    assert b.grad.shape == other
    assert unbroadcast(np.zeros(other), shape).shape == shape


def test_joining_defaults_to_the_first_axis():
    a, b = Tensor(np.zeros((3, 4))), Tensor(np.ones((3, 4)))
    assert stack([a, b]).shape == (2, 3, 4)
    assert concat([a, b]).shape == (6, 4)
    assert [p.shape for p in split(Tensor(np.zeros((4, 6))), 2)] == [(2, 6), (2, 6)]


def test_joining_one_tensor():
    t = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    assert np.array_equal(concat([t], axis=1).data, t.data)
    (stack([t], axis=0) * 2.0).sum().backward()
    assert np.array_equal(stack([t]).data, t.data[None]) and np.array_equal(t.grad, np.full((2, 3), 2.0))


def test_concat_of_three_gives_each_its_own_gradient():
    parts = [Tensor(np.full((2, n), float(n)), requires_grad=True) for n in (1, 3, 2)]
    weights = np.arange(12.0).reshape(2, 6)
    (concat(parts, axis=1) * weights).sum().backward()
    assert [p.grad.tolist() for p in parts] == [
        weights[:, :1].tolist(), weights[:, 1:4].tolist(), weights[:, 4:].tolist()]


def test_joining_checks_the_axis_against_the_first_tensor():
    # The axis is the first tensor's: out of range for it is an axis error, whatever the others.
    with pytest.raises(AxisError, match=r"axis 2 is out of range for a tensor of shape \(2, 3\)"):
        concat([Tensor(np.zeros((2, 3))), Tensor(np.zeros((2, 3, 1)))], axis=2)
    # A new axis 2 is in range for (2, 3); the second tensor's shape is then the fault.
    with pytest.raises(ValueError, match="shape mismatch in 'stack'"):
        stack([Tensor(np.zeros((2, 3))), Tensor(np.zeros(3))], axis=2)


@pytest.mark.parametrize("sizes", [[2, 2], [2, 4], [5, 1]])
def test_split_refuses_sizes_that_do_not_add_up(sizes):
    with pytest.raises(ValueError, match=f"add up to {sum(sizes)}, not to axis 0 size 5"):
        split(Tensor(np.zeros(5)), sizes)
