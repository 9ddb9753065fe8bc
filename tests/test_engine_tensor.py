"""The tensor engine at the places its code branches: operand shapes and orders, edges, ownership.

test_engine_ops checks every op against central differences at smooth points; these add
every operand shape a backward pass branches on (a vector meeting a batch, on either
side of ``@``), a plain number on either side of every operator, a gradient wanted on
one side only, and the exact numbers at the edges (a base of 0, an exponent of 1).
"""

from __future__ import annotations

import operator

import numpy as np
import pytest

from microgradrnn import Tensor, gradcheck, keep_grads, no_grad
from microgradrnn.graph import detect_anomaly
from microgradrnn.joining import concat, split, stack
from microgradrnn.optim import clip_grad_value_
from microgradrnn.shapes import AxisError, check_axis, unbroadcast
from microgradrnn.tensor import IndexGrad

OPERATORS = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "**": operator.pow,
}


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


# -- @: every pair of operand shapes its backward branches on ------------------------------

MATMUL_SHAPES = [
    ((3,), (3,)),  # vector . vector
    ((3,), (3, 4)),  # row vector @ matrix
    ((2, 3), (3,)),  # matrix @ column vector
    ((2, 3), (3, 4)),
    ((3,), (5, 3, 4)),  # vector @ a batch of matrices: the vector's gradient sums the batch
    ((3,), (2, 5, 3, 4)),
    ((5, 2, 3), (3,)),  # a batch of matrices @ vector
    ((2, 5, 2, 3), (3,)),
    ((5, 2, 3), (3, 4)),  # batch @ shared matrix
    ((2, 3), (5, 3, 4)),  # shared matrix @ batch
    ((5, 2, 3), (5, 3, 4)),
    ((1, 2, 3), (5, 3, 4)),  # broadcast batch dimensions
    ((5, 1, 2, 3), (4, 3, 2)),
]


@pytest.mark.parametrize("shape_a, shape_b", MATMUL_SHAPES)
@pytest.mark.parametrize("wants", ["both", "left", "right"])
def test_matmul_gradients_for_every_operand_shape_and_either_side_alone(shape_a, shape_b, wants):
    rng = _rng(sum(shape_a) + 7 * sum(shape_b))
    a = Tensor(rng.normal(size=shape_a), requires_grad=wants in ("both", "left"))
    b = Tensor(rng.normal(size=shape_b), requires_grad=wants in ("both", "right"))
    out_shape = np.matmul(a.data, b.data).shape
    w = Tensor(rng.normal(size=out_shape))
    out = a @ b
    np.testing.assert_allclose(out.data, a.data @ b.data, rtol=1e-12)
    inputs = [t for t in (a, b) if t.requires_grad]

    def f(*xs):
        return ((a @ b) * w).sum()

    assert gradcheck(f, inputs, tol=1e-6)
    assert (a.grad is None) == (wants == "right") and (b.grad is None) == (wants == "left")
    for t in inputs:
        assert t.grad.shape == t.shape


@pytest.mark.parametrize("shape_a, shape_b", [((3,), (5, 3, 4)), ((5, 2, 3), (3,))])
def test_a_vector_meeting_a_batch_gets_the_gradient_summed_over_the_batch(shape_a, shape_b):
    # each batch entry uses the same vector, so its gradient is the sum of the per-entry ones
    rng = _rng(11)
    a = Tensor(rng.normal(size=shape_a), requires_grad=True)
    b = Tensor(rng.normal(size=shape_b), requires_grad=True)
    (a @ b).sum().backward()
    if a.ndim == 1:
        expected = sum(b.data[i].sum(axis=1) for i in range(5))  # d(v @ M).sum()/dv = M 1
        np.testing.assert_allclose(a.grad, expected, rtol=1e-12)
        np.testing.assert_allclose(b.grad, np.broadcast_to(a.data[None, :, None], shape_b), rtol=1e-12)
    else:
        expected = sum(a.data[i].sum(axis=0) for i in range(5))  # d(M @ v).sum()/dv = 1 M
        np.testing.assert_allclose(b.grad, expected, rtol=1e-12)
        np.testing.assert_allclose(a.grad, np.broadcast_to(b.data[None, None, :], shape_a), rtol=1e-12)


def test_matmul_with_an_array_or_list_on_either_side():
    W = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    x = np.array([1.0, -1.0])
    left = x @ W  # numpy defers to __rmatmul__
    assert isinstance(left, Tensor)
    np.testing.assert_allclose(left.data, x @ W.data)
    left.sum().backward()
    np.testing.assert_allclose(W.grad, np.outer(x, np.ones(3)))
    right = W @ [1.0, 0.0, 2.0]
    np.testing.assert_allclose(right.data, W.data @ [1.0, 0.0, 2.0])


def test_matmul_refuses_zero_d_operands_and_names_mismatched_inner_dimensions():
    with pytest.raises(ValueError, match=r"at least 1-d.*\(\) @ \(3,\)"):
        Tensor(2.0) @ Tensor(np.ones(3))
    with pytest.raises(ValueError, match=r"at least 1-d.*\(3,\) @ \(\)"):
        Tensor(np.ones(3)) @ Tensor(2.0)
    with pytest.raises(ValueError, match="inner dimensions 3 and 4 differ"):
        Tensor(np.ones((2, 3))) @ Tensor(np.ones((4, 5)))
    with pytest.raises(ValueError, match="inner dimensions 3 and 4 differ"):
        Tensor(np.ones((2, 3))) @ Tensor(np.ones(4))
    # the inner dimension is the last axis of the left operand, whatever its rank
    with pytest.raises(ValueError, match=r"\(3,\) @ \(4,\) \(inner dimensions 3 and 4 differ"):
        Tensor(np.ones(3)) @ Tensor(np.ones(4))
    with pytest.raises(ValueError, match=r"inner dimensions 3 and 4 differ"):
        Tensor(np.ones((2, 5, 3))) @ Tensor(np.ones((4, 2)))
    # and the second-to-last axis of the right one
    with pytest.raises(ValueError, match=r"inner dimensions 3 and 4 differ"):
        Tensor(np.ones((2, 3))) @ Tensor(np.ones((5, 4, 2)))


# -- elementwise operators: both operand orders, every broadcast ---------------------------


@pytest.mark.parametrize("op", list(OPERATORS))
@pytest.mark.parametrize("number", [2.5, 2], ids=["float", "int"])
def test_a_number_on_either_side_of_every_operator(op, number):
    f = OPERATORS[op]
    data = np.array([0.5, 1.5, 3.0])
    x = Tensor(data, requires_grad=True)
    right = f(x, number)
    np.testing.assert_allclose(right.data, f(data, number), rtol=1e-12)
    assert gradcheck(lambda x: (f(x, number) * Tensor([1.0, -2.0, 0.5])).sum(), [x])
    y = Tensor(data, requires_grad=True)
    left = f(number, y)
    assert isinstance(left, Tensor) and left._parents[1] is y._node and left._parents[0].data == number
    np.testing.assert_allclose(left.data, f(number, data), rtol=1e-12)
    assert gradcheck(lambda y: (f(number, y) * Tensor([1.0, -2.0, 0.5])).sum(), [y])
    z = Tensor(data, requires_grad=True)
    np_left = f(np.float64(number), z)  # a numpy scalar defers to the reflected operator
    assert isinstance(np_left, Tensor)
    np.testing.assert_allclose(np_left.data, f(number, data), rtol=1e-12)


@pytest.mark.parametrize("op", list(OPERATORS))
@pytest.mark.parametrize("wants", ["left", "right"])
@pytest.mark.parametrize("shape_a, shape_b", [((2, 3), (3,)), ((3,), (2, 3)), ((2, 1), (1, 3)), ((), (2, 3))])
def test_each_operand_alone_gets_its_gradient_summed_to_its_own_shape(op, wants, shape_a, shape_b):
    rng = _rng(3)
    a = Tensor(rng.uniform(0.5, 2.0, size=shape_a), requires_grad=wants == "left")
    b = Tensor(rng.uniform(0.5, 2.0, size=shape_b), requires_grad=wants == "right")
    w = Tensor(rng.normal(size=np.broadcast_shapes(shape_a, shape_b)))
    target = a if wants == "left" else b
    assert gradcheck(lambda t: (OPERATORS[op](a, b) * w).sum(), [target], tol=1e-6)
    assert target.grad.shape == target.shape
    assert (b if wants == "left" else a).grad is None


@pytest.mark.parametrize(
    "base, exponent, value, d_base",
    [
        (0.0, 2.0, 0.0, 0.0),
        (0.0, 1.0, 0.0, 1.0),
        (0.0, 3.0, 0.0, 0.0),
        (0.0, 0.5, 0.0, np.inf),  # exponent below 1: an infinite slope, reported as inf
        (-2.0, 3.0, -8.0, 12.0),
        (-2.0, -1.0, -0.5, -0.25),
        (4.0, -0.5, 0.5, -0.0625),
        (2.0, 0.0, 1.0, 0.0),
    ],
)
def test_tensor_pow_at_the_edges(base, exponent, value, d_base):
    a = Tensor([base], requires_grad=True)
    out = a**exponent
    out.sum().backward()
    np.testing.assert_allclose(out.data, [value], rtol=1e-12)
    np.testing.assert_allclose(a.grad, [d_base], rtol=1e-12)


def test_tensor_pow_exponent_gradient_is_zero_where_the_base_is_not_positive():
    a = Tensor([2.0, 0.0, -2.0, 0.5])
    b = Tensor([3.0, 2.0, 2.0, -1.0], requires_grad=True)
    out = a**b
    out.sum().backward()
    np.testing.assert_allclose(b.grad, [8 * np.log(2.0), 0.0, 0.0, 2 * np.log(0.5)], rtol=1e-12)
    c = Tensor(3.0)
    e = Tensor([0.5, -1.0], requires_grad=True)
    (c**e).sum().backward()  # a constant base: only the exponent's gradient
    np.testing.assert_allclose(e.grad, 3.0 ** np.array([0.5, -1.0]) * np.log(3.0), rtol=1e-12)


def test_division_by_a_tensor_needing_grad_alone():
    a = Tensor([3.0, -1.0])
    b = Tensor([2.0, 4.0], requires_grad=True)
    (a / b).sum().backward()
    np.testing.assert_allclose(b.grad, -a.data / b.data**2, rtol=1e-12)


def test_negation_exp_log_tanh_sigmoid_relu_exact_numbers():
    x = Tensor([-1.0, 0.0, 2.0], requires_grad=True)
    (-x).sum().backward()
    np.testing.assert_array_equal(x.grad, [-1.0, -1.0, -1.0])
    x = Tensor([-1.0, 0.0, 2.0], requires_grad=True)
    out = x.relu()
    out.sum().backward()
    np.testing.assert_array_equal(out.data, [0.0, 0.0, 2.0])
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 1.0])  # slope 0 at 0, as PyTorch
    x = Tensor([0.0, 1.0], requires_grad=True)
    out = x.sigmoid()
    out.sum().backward()
    s = 1 / (1 + np.exp(-x.data))
    np.testing.assert_allclose(out.data, s, rtol=1e-15)
    np.testing.assert_allclose(x.grad, s * (1 - s), rtol=1e-12)
    x = Tensor([1.0, 4.0], requires_grad=True)
    out = x.log()
    out.sum().backward()
    np.testing.assert_allclose(out.data, np.log([1.0, 4.0]))
    np.testing.assert_allclose(x.grad, [1.0, 0.25])


# -- unbroadcast, axes, reductions ---------------------------------------------------------


@pytest.mark.parametrize(
    "grad_shape, shape, axes",
    [
        ((4, 3), (3,), (0,)),
        ((4, 3), (4, 1), (1,)),
        ((2, 4, 3), (1, 3), (0, 1)),
        ((2, 4, 3), (4, 1), (0, 2)),
        ((2, 1, 3), (1, 1, 3), (0,)),  # an axis of size 1 in both is not summed
        ((4, 3), (), (0, 1)),
        ((4, 3), (4, 3), ()),
    ],
)
def test_unbroadcast_sums_exactly_the_broadcast_axes(grad_shape, shape, axes):
    g = np.arange(float(np.prod(grad_shape))).reshape(grad_shape) + 1.0
    got = unbroadcast(g, shape)
    assert got.shape == shape
    np.testing.assert_allclose(got, g.sum(axis=axes).reshape(shape) if axes else g)


@pytest.mark.parametrize("ndim", [1, 2, 3])
def test_check_axis_accepts_exactly_minus_ndim_to_ndim_minus_one(ndim):
    shape = (2,) * ndim
    assert check_axis(-ndim, shape) == 0
    assert check_axis(ndim - 1, shape) == ndim - 1
    assert check_axis(-1, shape) == ndim - 1
    assert check_axis(np.int64(0), shape) == 0 and type(check_axis(np.int64(0), shape)) is int
    for bad in (ndim, -ndim - 1):
        with pytest.raises(AxisError, match=f"axes {-ndim} to {ndim - 1}"):
            check_axis(bad, shape)
    # an axis to insert may also come after the last
    assert check_axis(ndim, shape, new=True) == ndim
    assert check_axis(-ndim - 1, shape, new=True) == 0
    with pytest.raises(AxisError, match=f"axes {-ndim - 1} to {ndim}"):
        check_axis(ndim + 1, shape, new=True)


@pytest.mark.parametrize("reduce", ["sum", "mean", "max"])
@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 2), (-1, 0), [1, 2]])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions_match_numpy_and_spread_the_gradient_back(reduce, axis, keepdims):
    rng = _rng(4)
    x = Tensor(rng.normal(size=(2, 3, 4)), requires_grad=True)
    np_axis = tuple(axis) if isinstance(axis, list) else axis
    want = getattr(x.data, reduce)(axis=np_axis, keepdims=keepdims)
    out = getattr(x, reduce)(axis=axis, keepdims=keepdims)
    assert out.shape == np.shape(want)
    np.testing.assert_allclose(out.data, want, rtol=1e-12)
    w = Tensor(rng.normal(size=np.shape(want)))
    assert gradcheck(lambda x: (getattr(x, reduce)(axis=axis, keepdims=keepdims) * w).sum(), [x])


def test_mean_gradient_is_one_over_the_count_reduced():
    x = Tensor(np.ones((2, 3, 4)), requires_grad=True)
    x.mean(axis=(0, 2)).sum().backward()
    np.testing.assert_allclose(x.grad, np.full((2, 3, 4), 1 / 8))
    y = Tensor(np.ones((2, 3)), requires_grad=True)
    y.mean().backward()
    np.testing.assert_allclose(y.grad, np.full((2, 3), 1 / 6))
    z = Tensor(np.ones((2, 3)), requires_grad=True)
    z.mean(dim=1, keepdim=True).sum().backward()
    np.testing.assert_allclose(z.grad, np.full((2, 3), 1 / 3))


def test_mean_over_an_axis_of_an_empty_tensor_is_empty_and_so_is_its_gradient():
    x = Tensor(np.zeros((0, 3)), requires_grad=True)
    out = x.mean(axis=1)
    assert out.shape == (0,)
    out.sum().backward()
    assert x.grad.shape == (0, 3)


def test_max_shares_the_gradient_among_ties_along_an_axis():
    x = Tensor([[1.0, 5.0, 5.0], [2.0, 2.0, 2.0]], requires_grad=True)
    out = x.max(axis=1)
    np.testing.assert_array_equal(out.data, [5.0, 2.0])
    (out * Tensor([3.0, 6.0])).sum().backward()
    np.testing.assert_allclose(x.grad, [[0.0, 1.5, 1.5], [2.0, 2.0, 2.0]])
    y = Tensor([[1.0, 5.0], [7.0, 0.0]], requires_grad=True)
    kept = y.max(axis=0, keepdims=True)
    assert kept.shape == (1, 2)
    kept.sum().backward()
    np.testing.assert_array_equal(y.grad, [[0.0, 1.0], [1.0, 0.0]])


def test_reductions_take_pytorch_names_but_not_both_names():
    x = Tensor(np.arange(6.0).reshape(2, 3))
    assert x.sum(dim=0).shape == (3,) and x.sum(dim=0, keepdim=True).shape == (1, 3)
    assert x.sum(axis=0, keepdims=True, keepdim=False).shape == (3,)  # keepdim wins
    with pytest.raises(TypeError, match="not both"):
        x.mean(axis=0, dim=0)
    with pytest.raises(TypeError, match="not both"):
        x.max(axis=0, dim=0)


# -- shapes, indexing, joining -------------------------------------------------------------


def test_reshape_accepts_a_tuple_a_list_or_separate_sizes():
    x = Tensor(np.arange(6.0), requires_grad=True)
    assert x.reshape(2, 3).shape == (2, 3) and x.reshape((3, 2)).shape == (3, 2)
    assert x.reshape([1, -1]).shape == (1, 6) and x.reshape(6).shape == (6,)
    # no sizes at all is the empty shape, as reshape(()): one number, no axes
    assert Tensor([[5.0]]).reshape().shape == () and Tensor([[5.0]]).reshape(()).shape == ()
    with pytest.raises(TypeError):  # a tuple is the only argument, or else every argument is a size
        x.reshape((3, 2), 1)
    with pytest.raises(ValueError, match=r"shape \(6,\) into \(4, 2\)"):
        x.reshape(4, 2)
    (x.reshape(2, 3) * Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])).sum().backward()
    np.testing.assert_array_equal(x.grad, np.arange(1.0, 7.0))


def test_transpose_swaps_two_axes_reverses_all_or_permutes():
    m = Tensor(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(m.transpose(0, 1).data, m.data.T)
    np.testing.assert_array_equal(m.transpose(1, 0).data, m.data.T)
    np.testing.assert_array_equal(m.transpose((1, 0)).data, m.data.T)
    assert Tensor(2.0).T.shape == () and Tensor(2.0).permute().shape == ()
    np.testing.assert_array_equal(m.T.data, m.data.T)
    v = Tensor(np.arange(3.0))
    np.testing.assert_array_equal(v.T.data, v.data)
    x = Tensor(np.arange(24.0).reshape(2, 3, 4))
    assert x.transpose(0, 1).shape == (3, 2, 4) and x.transpose(-1, 0).shape == (4, 3, 2)
    assert x.permute([1, 2, 0]).shape == (3, 4, 2) and x.T.shape == (4, 3, 2)
    np.testing.assert_array_equal(x.transpose((0, 2)).data, x.data.swapaxes(0, 2))  # a tuple of two swaps too
    np.testing.assert_array_equal(x.transpose(2, 0, 1).data, x.data.transpose(2, 0, 1))
    np.testing.assert_array_equal(v.permute(0).data, v.data)
    with pytest.raises(ValueError, match="do not permute"):
        x.permute(0, 0, 1)
    with pytest.raises(ValueError, match="do not permute"):
        x.permute(0, 1)
    with pytest.raises(ValueError, match=r"transpose axes \(1, 1, 2\) do not permute"):
        x.permute(1, 1, 2)
    with pytest.raises(ValueError, match=r"transpose axes \(2, 1\) do not permute"):
        x.permute(2, 1)
    # two axes of a vector are no swap: a vector has one axis to permute
    with pytest.raises(ValueError, match=r"axes \(0, 0\) do not permute the axes of shape \(3,\)"):
        v.transpose(0, 0)
    # a tuple of axes is the only argument, or else every argument is one axis
    with pytest.raises(TypeError, match="axis is an integer"):
        m.transpose((1, 0), 0)
    with pytest.raises(TypeError, match="axis is an integer"):
        m.permute((1, 0), 0)


def test_getitem_copies_from_leaves_views_results_and_names_bad_indices():
    leaf = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    row = leaf[1]
    leaf.data[1, 0] = 100.0
    assert row.data[0] == 3.0  # taken before the update
    plain = Tensor(np.arange(6.0).reshape(2, 3))
    assert not np.shares_memory(plain[0].data, plain.data)
    result = leaf * 1.0
    assert np.shares_memory(result[0].data, result.data)
    with pytest.raises(IndexError, match=r"shape \(2, 3\)"):
        leaf[5]


@pytest.mark.parametrize(
    "index",
    [
        [0, 0, 1],
        (slice(None), [2, 2]),
        (np.array([1, 1]), slice(0, 2)),
        (Tensor(np.array([0, 1, 1])), 0),
        np.array([[1], [1]]),
    ],
)
def test_array_indices_scatter_add_their_gradient_and_basic_ones_add_in_place(index):
    x = Tensor(np.arange(6.0).reshape(2, 3) + 1.0, requires_grad=True)
    plain = (
        tuple(p.data.astype(int) if isinstance(p, Tensor) else p for p in index)
        if isinstance(index, tuple)
        else index
    )
    np.testing.assert_array_equal(x[index].data, x.data[plain])
    w = Tensor(_rng(5).normal(size=np.shape(x.data[plain])))
    (x[index] * w).sum().backward()
    expected = np.zeros((2, 3))
    np.add.at(expected, plain, w.data)
    np.testing.assert_allclose(x.grad, expected)


def test_gradients_of_two_slices_add_up_on_the_leaf():
    x = Tensor(np.ones(4), requires_grad=True)
    (x[1:3] * 2.0 + x[2:] * 3.0 + x[0] * 5.0).sum().backward()
    np.testing.assert_array_equal(x.grad, [10.0, 2.0, 5.0, 3.0])  # x[0] broadcast to 2
    y = Tensor(np.ones(3), requires_grad=True)
    (y * 1.0 + y[1:].sum()).sum().backward()  # a whole-array gradient, then a slice into it
    np.testing.assert_array_equal(y.grad, [1.0, 4.0, 4.0])


def test_concat_stack_split_numbers_gradients_and_errors():
    a = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    b = Tensor(np.arange(4.0).reshape(2, 2), requires_grad=True)
    c = concat([a, b], axis=-1)
    np.testing.assert_array_equal(c.data, np.concatenate([a.data, b.data], axis=1))
    (c * Tensor(np.arange(10.0).reshape(2, 5))).sum().backward()
    np.testing.assert_array_equal(a.grad, [[0, 1, 2], [5, 6, 7]])
    np.testing.assert_array_equal(b.grad, [[3, 4], [8, 9]])
    three = concat([a, a, a], axis=0)
    assert three.shape == (6, 3)
    with pytest.raises(ValueError, match=r"'concat' along axis 0: \(2, 3\), \(2, 2\)"):
        concat([a, b], axis=0)
    with pytest.raises(ValueError, match="at least one"):
        concat([])
    s = stack([a, a * 2.0], axis=-1)
    assert s.shape == (2, 3, 2)
    np.testing.assert_array_equal(s.data[..., 1], 2 * a.data)
    with pytest.raises(ValueError, match=r"one shape, got \(2, 3\), \(2, 2\)"):
        stack([a, b])
    with pytest.raises(ValueError, match="at least one"):
        stack([])
    assert concat([np.ones((1, 2)), [[2.0, 3.0]]]).shape == (2, 2)  # arrays become tensors
    parts = split(a, 3, axis=1)
    assert [p.shape for p in parts] == [(2, 1)] * 3
    np.testing.assert_array_equal(parts[2].data, a.data[:, 2:])
    parts = split(a, [2, 1], axis=-1)
    np.testing.assert_array_equal(parts[0].data, a.data[:, :2])
    np.testing.assert_array_equal(parts[1].data, a.data[:, 2:])
    assert [p.shape for p in split(a, 1, axis=0)] == [(2, 3)]
    for bad in (0, -1, 2):
        with pytest.raises(ValueError, match="equal parts"):
            split(a, bad, axis=1)
    with pytest.raises(ValueError, match=r"add up to 4, not to axis 1 size 3"):
        split(a, [2, 2], axis=1)


def test_softmax_and_log_softmax_along_dim_and_their_gradients():
    x = Tensor(_rng(6).normal(size=(2, 3)), requires_grad=True)
    e = np.exp(x.data)
    np.testing.assert_allclose(x.softmax(dim=0).data, e / e.sum(axis=0), rtol=1e-12)
    np.testing.assert_allclose(x.log_softmax(dim=0).data, np.log(e / e.sum(axis=0)), rtol=1e-12)
    np.testing.assert_allclose(x.softmax().data, e / e.sum(axis=1, keepdims=True), rtol=1e-12)
    w = Tensor(_rng(7).normal(size=(2, 3)))
    assert gradcheck(lambda x: (x.softmax(dim=0) * w).sum(), [x])
    assert gradcheck(lambda x: (x.log_softmax(axis=1) * w).sum(), [x])


def test_softmax_and_log_softmax_default_to_the_last_axis():
    # three axes, so that the last axis is neither the first, the second nor axis 1
    x = Tensor(_rng(8).normal(size=(2, 3, 4)), requires_grad=True)
    e = np.exp(x.data)
    want = e / e.sum(axis=-1, keepdims=True)
    np.testing.assert_allclose(x.softmax().data, want, rtol=1e-12)
    np.testing.assert_allclose(x.log_softmax().data, np.log(want), rtol=1e-12)
    w = Tensor(_rng(9).normal(size=(2, 3, 4)))
    assert gradcheck(lambda x: (x.softmax() * w).sum(), [x])
    assert gradcheck(lambda x: (x.log_softmax() * w).sum(), [x])


# -- the node: construction, properties, gradient ownership --------------------------------


def test_construction_dtype_and_requires_grad_rules():
    assert Tensor([1, 2]).dtype == np.float64
    assert Tensor([1, 2], dtype=np.int64).dtype == np.int64
    assert Tensor(3).dtype == np.float64 and Tensor(3.5).shape == ()
    # a Python int beyond int64 is still a number: it becomes a float, alone or beside a tensor
    assert Tensor(2**64).item() == 2.0**64
    assert (Tensor([1.0]) * 2**64).item() == 2.0**64
    t = Tensor([1.0, 2.0], label="t")
    assert Tensor(t).data is t.data
    with pytest.raises(TypeError, match="floating-point"):
        Tensor([1, 2], dtype=np.int64, requires_grad=True)
    assert not Tensor([1.0]).requires_grad and Tensor([1.0], requires_grad=1).requires_grad is True


def test_properties_len_item_numpy_detach():
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True, label="x")
    assert (x.shape, x.ndim, x.size, x.dtype) == ((2, 3), 2, 6, np.float64)
    assert len(x) == 2 and x.numpy() is x.data
    with pytest.raises(TypeError, match="0-d"):
        len(Tensor(1.0))
    assert Tensor([[2.5]]).item() == 2.5
    with pytest.raises(ValueError, match=r"one element, got shape \(2, 3\)"):
        x.item()
    with pytest.raises(ValueError, match=r"one element, got shape \(0,\)"):
        Tensor(np.zeros(0)).item()
    d = x.detach()
    assert d.data is x.data and not d.requires_grad and d.label == "x" and d.is_leaf


def test_requires_grad_underscore_changes_leaves_only():
    x = Tensor([1.0])
    assert x.requires_grad_() is x and x.requires_grad
    x.requires_grad_(False)
    assert not x.requires_grad
    y = Tensor([1.0], requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad_(False)


def test_grad_reads_zeros_until_reached_and_the_setter_checks_the_shape():
    x = Tensor([1.0, 2.0], requires_grad=True)
    np.testing.assert_array_equal(x.grad, [0.0, 0.0])
    x.grad = [3.0, 4.0]
    np.testing.assert_array_equal(x.grad, [3.0, 4.0])
    with pytest.raises(ValueError, match=r"grad of shape \(3,\) for a tensor of shape \(2,\)"):
        x.grad = np.ones(3)
    for smaller in (np.ones(1), 5.0):  # not broadcast: a gradient has the tensor's own shape
        with pytest.raises(ValueError, match=r"grad of shape \((1,)?\) for a tensor of shape \(2,\)"):
            x.grad = smaller
    x.grad = None
    np.testing.assert_array_equal(x.grad, [0.0, 0.0])
    assert Tensor([1.0]).grad is None


def test_a_set_gradient_is_added_to_by_backward_without_writing_the_callers_array():
    x = Tensor([1.0, 2.0], requires_grad=True)
    mine = np.array([10.0, 20.0])
    x.grad = mine
    (x * 3.0).sum().backward()
    np.testing.assert_array_equal(x.grad, [13.0, 23.0])
    np.testing.assert_array_equal(mine, [10.0, 20.0])
    x.grad = mine
    x[0].backward()  # an index gradient into a gradient the tensor does not own
    np.testing.assert_array_equal(x.grad, [11.0, 20.0])
    np.testing.assert_array_equal(mine, [10.0, 20.0])


def test_backward_seeds_with_the_given_gradient_and_leaves_it_alone():
    x = Tensor([1.0, 2.0], requires_grad=True)
    seed = np.array([1.0, -1.0])
    y = x * 1.0
    y.backward(seed)
    np.testing.assert_array_equal(x.grad, [1.0, -1.0])
    x.grad += 5.0  # the leaf's gradient is its own array
    np.testing.assert_array_equal(seed, [1.0, -1.0])
    z = Tensor([1.0, 2.0], requires_grad=True)
    z.backward(Tensor([2.0, 3.0]))
    np.testing.assert_array_equal(z.grad, [2.0, 3.0])
    one = Tensor([[4.0]], requires_grad=True)
    one.backward()
    np.testing.assert_array_equal(one.grad, [[1.0]])
    for smaller in (np.ones(1), 2.0):  # an upstream gradient is not broadcast either
        with pytest.raises(ValueError, match=r"gradient of shape \((1,)?\) for a tensor of shape \(2,\)"):
            (x * 1.0).backward(smaller)


def test_one_gradient_handed_to_two_parents_is_not_shared_between_them():
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()
    a.grad *= 0.0
    np.testing.assert_array_equal(b.grad, [1.0, 1.0])
    c = Tensor([1.0, 2.0], requires_grad=True)
    (c + c).sum().backward()
    np.testing.assert_array_equal(c.grad, [2.0, 2.0])


def test_a_leaf_seeded_twice_adds_into_its_own_array_not_the_callers():
    z = Tensor([1.0, 2.0], requires_grad=True)
    seed = np.array([2.0, 3.0])
    z.backward(seed)
    z.backward(seed)
    np.testing.assert_array_equal(z.grad, [4.0, 6.0])
    np.testing.assert_array_equal(seed, [2.0, 3.0])
    as_tensor = Tensor([1.0, -1.0])
    z.backward(as_tensor)
    z.grad *= 10.0
    np.testing.assert_array_equal(as_tensor.data, [1.0, -1.0])


def test_clipping_one_parents_gradient_leaves_the_upstream_one_and_the_sibling_alone():
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([3.0, 4.0], requires_grad=True)
    seed = np.array([5.0, -5.0])
    z = a + b  # both parents are handed the root's gradient, the caller's array itself
    z.backward(seed)
    clip_grad_value_([a], 1.0)  # writes a.grad in place
    np.testing.assert_array_equal(a.grad, [1.0, -1.0])
    np.testing.assert_array_equal(b.grad, [5.0, -5.0])
    np.testing.assert_array_equal(seed, [5.0, -5.0])
    np.testing.assert_array_equal(z.grad, [5.0, -5.0])


@pytest.mark.parametrize("upstream", ["sum", "seed"])
def test_an_intermediate_used_twice_adds_its_gradients_without_writing_upstream(upstream):
    x = Tensor([1.0, 2.0], requires_grad=True)
    seed = np.array([1.0, 3.0])
    with keep_grads():
        y = x * 2.0
        z = y + y
        if upstream == "sum":
            z.sum().backward()  # z's gradient is a read-only broadcast of one number
        else:
            z.backward(seed)
    g = [1.0, 1.0] if upstream == "sum" else [1.0, 3.0]
    np.testing.assert_array_equal(z.grad, g)
    np.testing.assert_array_equal(y.grad, 2 * np.array(g))
    np.testing.assert_array_equal(x.grad, 4 * np.array(g))
    np.testing.assert_array_equal(seed, [1.0, 3.0])


def test_a_view_of_one_gradient_handed_on_is_not_written_by_the_next_contribution():
    # y's first gradient is a transposed view of t's; the second must not be added into it
    x = Tensor(_rng(12).normal(size=(2, 3)), requires_grad=True)
    w = Tensor(_rng(13).normal(size=(3, 2)))
    v = Tensor(_rng(14).normal(size=(2, 3)))
    with keep_grads():
        y = x * 1.0
        t = y.T
        ((y * v).sum() + (t * w).sum()).backward()  # the later term is propagated first
    np.testing.assert_array_equal(t.grad, w.data)
    np.testing.assert_allclose(y.grad, w.data.T + v.data, rtol=1e-15)
    np.testing.assert_allclose(x.grad, w.data.T + v.data, rtol=1e-15)


def test_an_infinite_index_gradient_is_kept_unless_anomalies_are_detected():
    x = Tensor([1.0, 2.0], requires_grad=True)
    x[0].backward(np.inf)
    np.testing.assert_array_equal(x.grad, [np.inf, 0.0])
    with detect_anomaly(), pytest.raises(FloatingPointError):
        x[1].backward(np.inf)
    x.grad = None
    with detect_anomaly():  # finite gradients pass, through an index or not
        x[1].backward(2.0)
        (x * 3.0).sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 5.0])


def test_backward_without_a_gradient_needs_exactly_one_element():
    with pytest.raises(RuntimeError, match=r"shape \(0,\) needs an upstream gradient"):
        Tensor(np.zeros(0), requires_grad=True).backward()
    with pytest.raises(RuntimeError, match=r"shape \(2,\) needs an upstream gradient"):
        Tensor(np.zeros(2), requires_grad=True).backward()


def test_intermediate_gradients_start_afresh_and_released_nodes_refuse_more():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with keep_grads():
        y = x * 2.0
        z = (y * y).sum()
        z.backward()
        z.backward()
    np.testing.assert_allclose(y.grad, 2 * y.data)  # the last pass only
    np.testing.assert_allclose(x.grad, 2 * 8 * x.data)  # both passes
    w = (x * 2.0).sum()
    w.backward()
    assert w.released and not x.released
    with pytest.raises(RuntimeError, match="released"):
        w._node._accumulate(np.ones(()), shared=False)
    with pytest.raises(RuntimeError, match="released"):
        w._node._accumulate_at(IndexGrad((), np.ones(()), True))


def test_no_grad_results_record_nothing():
    x = Tensor([1.0], requires_grad=True)
    with no_grad():
        y = x * 2
        z = x[0]
    assert not y.requires_grad and y._parents == () and y.is_leaf and z.is_leaf
    assert (x * 2).requires_grad


def test_repr_shows_data_requires_grad_and_label():
    assert repr(Tensor([1.0, 2.5])) == "Tensor([1. , 2.5])"
    assert repr(Tensor([1.23456789])) == "Tensor([1.2346])"  # four decimals
    # up to 20 numbers are all shown; more are summarised
    assert repr(Tensor(np.arange(20.0))).count(",") == 19 and "..." not in repr(Tensor(np.arange(20.0)))
    assert "..." in repr(Tensor(np.arange(21.0)))
    assert repr(Tensor([1.0], requires_grad=True, label="w")) == "Tensor([1.], requires_grad=True, label='w')"
