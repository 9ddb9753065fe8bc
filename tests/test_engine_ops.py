"""Every op of both engines against central differences, and the two engines against each other.

One table of unary and binary ops serves the scalar and the tensor engine (as in
minitorch): each entry is a function that works on Values and on Tensors alike.
Inputs are drawn away from kinks (relu at 0) and outside domains (log of <= 0).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microgradrnn import Tensor, Value, gradcheck, rel_error
from microgradrnn.gradcheck import numerical_grad

UNARY = {
    "neg": lambda a: -a,
    "exp": lambda a: a.exp(),
    "tanh": lambda a: a.tanh(),
    "sigmoid": lambda a: a.sigmoid(),
    "relu": lambda a: a.relu(),
    "log": lambda a: a.log(),
    "square": lambda a: a**2,
    "sqrt_by_pow": lambda a: a**0.5,
    "add_const": lambda a: a + 2.5,
    "radd_const": lambda a: 2.5 + a,
    "rsub_const": lambda a: 1.5 - a,
    "mul_const": lambda a: a * -3.0,
    "rdiv_const": lambda a: 2.0 / a,
    "rpow_const": lambda a: 2.0**a,
    # its derivative is > 0 everywhere, so no point has a gradient made of round-off alone
    "composite": lambda a: (a.sigmoid() * 2 + a).tanh() * 3 + a.exp(),
}
POSITIVE_ONLY = {"log", "sqrt_by_pow", "rdiv_const"}

BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a**b,
    "reused": lambda a, b: a * b + a * a + b * b * b / a,  # a > 0: d/db = a + 3b²/a > 0
}

away_from_kinks = st.floats(-3.0, 3.0).filter(lambda x: abs(x) > 0.05)
positive = st.floats(0.2, 3.0)


def _input(name: str, x: float, ops_positive: set[str]) -> float:
    return abs(x) + 0.2 if name in ops_positive else x


@pytest.mark.parametrize("name", sorted(UNARY))
@settings(max_examples=25, deadline=None)
@given(x=away_from_kinks)
def test_value_unary_matches_central_differences(name, x):
    x = _input(name, x, POSITIVE_ONLY)
    assert gradcheck(UNARY[name], [Value(x)], tol=1e-6)


@pytest.mark.parametrize("name", sorted(UNARY))
@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_tensor_unary_matches_central_differences(name, seed):
    rng = np.random.default_rng(seed)
    data = rng.uniform(-3, 3, size=(3, 4))
    data = np.where(np.abs(data) < 0.05, 0.5, data)
    if name in POSITIVE_ONLY:
        data = np.abs(data) + 0.2
    x = Tensor(data, requires_grad=True)
    # a non-uniform upstream gradient, away from 0 so no gradient is round-off alone
    weights = Tensor(rng.uniform(0.5, 1.5, size=(3, 4)) * rng.choice([-1.0, 1.0], size=(3, 4)))
    assert gradcheck(lambda t: (UNARY[name](t) * weights).sum(), [x], tol=1e-6)


@pytest.mark.parametrize("name", sorted(BINARY))
@settings(max_examples=25, deadline=None)
@given(a=positive, b=st.floats(-2.0, 2.0))
def test_value_binary_matches_central_differences(name, a, b):
    b = b if abs(b) > 0.2 else 1.0  # tiny gradients are all round-off, relative to themselves
    assert gradcheck(BINARY[name], [Value(a), Value(b)], tol=1e-6)


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize(
    "shape_a, shape_b",
    [((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 1), (1, 4)), ((2, 3, 4), (3, 1)), ((), (2, 2))],
)
def test_tensor_binary_broadcasts_gradients_back_to_each_shape(name, shape_a, shape_b):
    rng = np.random.default_rng(0)
    a = Tensor(rng.uniform(0.5, 2.0, size=shape_a), requires_grad=True)
    b = Tensor(rng.uniform(0.5, 2.0, size=shape_b), requires_grad=True)
    out_shape = np.broadcast_shapes(shape_a, shape_b)
    weights = Tensor(rng.normal(size=out_shape))
    assert gradcheck(lambda a, b: (BINARY[name](a, b) * weights).sum(), [a, b], tol=1e-6)
    assert a.grad.shape == shape_a and b.grad.shape == shape_b


@pytest.mark.parametrize("name", sorted(UNARY))
def test_scalar_and_tensor_engines_give_the_same_numbers(name):
    xs = [0.3, 1.7, 2.2] if name in POSITIVE_ONLY else [-1.3, 0.4, 2.2]
    t = Tensor(xs, requires_grad=True)
    UNARY[name](t).sum().backward()
    for i, x in enumerate(xs):
        v = Value(x)
        out = UNARY[name](v)
        out.backward()
        assert out.data == pytest.approx(UNARY[name](Tensor(x)).item(), rel=1e-12)
        assert v.grad == pytest.approx(t.grad[i], rel=1e-12)


def test_value_pow_value_gradient_of_both_base_and_exponent():
    a, b = Value(1.7), Value(-0.6)
    out = a**b
    out.backward()
    assert a.grad == pytest.approx(-0.6 * 1.7**-1.6)
    assert b.grad == pytest.approx(1.7**-0.6 * math.log(1.7))


@settings(max_examples=20, deadline=None)
@given(
    m=st.integers(1, 4), k=st.integers(1, 4), n=st.integers(1, 4), seed=st.integers(0, 1000)
)
def test_matmul_gradients_for_matrices_and_vectors(m, k, n, seed):
    rng = np.random.default_rng(seed)
    A = Tensor(rng.normal(size=(m, k)), requires_grad=True)
    B = Tensor(rng.normal(size=(k, n)), requires_grad=True)
    v = Tensor(rng.normal(size=(k,)), requires_grad=True)
    u = Tensor(rng.normal(size=(m,)), requires_grad=True)
    assert gradcheck(lambda A, B: ((A @ B) ** 2).sum(), [A, B])
    assert gradcheck(lambda A, v: ((A @ v) ** 2).sum(), [A, v])
    assert gradcheck(lambda u, A: ((u @ A) ** 2).sum(), [u, A])
    assert gradcheck(lambda v: v @ v, [v])


def test_batched_matmul_sums_the_gradient_of_a_shared_matrix():
    rng = np.random.default_rng(1)
    X = Tensor(rng.normal(size=(5, 2, 3)), requires_grad=True)
    W = Tensor(rng.normal(size=(3, 4)), requires_grad=True)
    assert gradcheck(lambda X, W: (X @ W).tanh().sum(), [X, W])


@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 2)])
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("reduce", ["sum", "mean", "max"])
def test_reductions_over_axes(reduce, axis, keepdims):
    rng = np.random.default_rng(2)
    x = Tensor(rng.normal(size=(2, 3, 4)), requires_grad=True)
    expected = getattr(np, reduce if reduce != "max" else "amax")(x.data, axis=axis, keepdims=keepdims)
    out = getattr(x, reduce)(axis=axis, keepdims=keepdims)
    np.testing.assert_allclose(out.data, expected)
    w = Tensor(rng.normal(size=np.shape(expected)))
    assert gradcheck(lambda x: (getattr(x, reduce)(axis=axis, keepdims=keepdims) * w).sum(), [x])


def test_max_shares_the_gradient_among_ties():
    x = Tensor([1.0, 3.0, 3.0], requires_grad=True)
    x.max().backward()
    np.testing.assert_allclose(x.grad, [0.0, 0.5, 0.5])


def test_shape_ops_route_gradients_back():
    rng = np.random.default_rng(3)
    x = Tensor(rng.normal(size=(2, 3, 4)), requires_grad=True)
    w = Tensor(rng.normal(size=(4, 3, 2)))
    assert gradcheck(lambda x: (x.transpose() * w).sum(), [x])
    assert gradcheck(lambda x: (x.transpose(1, 0, 2).reshape(3, 8) ** 2).sum(), [x])
    assert gradcheck(lambda x: (x.reshape(-1)[3:17:2] ** 3).sum(), [x])
    assert gradcheck(lambda x: (x[1, :, ::-1].T ** 2).sum(), [x])


def test_integer_array_indexing_scatter_adds_repeated_rows():
    table = Tensor(np.arange(12.0).reshape(4, 3), requires_grad=True)
    idx = np.array([[0, 2], [2, 2]])
    rows = table[idx]
    assert rows.shape == (2, 2, 3)
    rows.sum().backward()
    np.testing.assert_allclose(table.grad[:, 0], [1.0, 0.0, 3.0, 0.0])
    assert gradcheck(lambda t: (t[Tensor(idx)] ** 2).sum(), [table])


def test_concat_stack_split_gradients():
    rng = np.random.default_rng(4)
    from microgradrnn import concat, split, stack

    a = Tensor(rng.normal(size=(2, 3)), requires_grad=True)
    b = Tensor(rng.normal(size=(2, 5)), requires_grad=True)
    w = Tensor(rng.normal(size=(2, 8)))
    assert gradcheck(lambda a, b: (concat([a, b], axis=1) * w).sum(), [a, b])
    c = Tensor(rng.normal(size=(2, 3)), requires_grad=True)
    w3 = Tensor(rng.normal(size=(2, 2, 3)))
    assert gradcheck(lambda a, c: (stack([a, c], axis=1) * w3).sum(), [a, c])
    parts = split(b, [1, 4], axis=1)
    assert [p.shape for p in parts] == [(2, 1), (2, 4)]
    assert gradcheck(lambda b: sum((p**2).sum() * (i + 1) for i, p in enumerate(split(b, [1, 4], 1))), [b])
    assert [p.shape for p in split(b[:, :4], 2, axis=1)] == [(2, 2), (2, 2)]


def test_softmax_and_log_softmax_are_stable_and_correct():
    logits = Tensor([[1000.0, 0.0, -1000.0], [1.0, 2.0, 3.0]], requires_grad=True)
    s = logits.softmax(axis=1)
    ls = logits.log_softmax(axis=1)
    assert np.all(np.isfinite(s.data)) and np.all(np.isfinite(ls.data))
    np.testing.assert_allclose(s.data.sum(axis=1), [1.0, 1.0])
    np.testing.assert_allclose(ls.data[1], np.log(np.exp([1, 2, 3]) / np.exp([1, 2, 3]).sum()))
    assert ls.data[0, 2] == pytest.approx(-2000.0)
    rng = np.random.default_rng(5)
    x = Tensor(rng.normal(size=(3, 4)), requires_grad=True)
    w = Tensor(rng.normal(size=(3, 4)))
    assert gradcheck(lambda x: (x.softmax(axis=1) * w).sum(), [x])
    assert gradcheck(lambda x: (x.log_softmax(axis=0) * w).sum(), [x])


def test_sigmoid_is_stable_at_plus_minus_1000():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s = Tensor([-1000.0, 0.0, 1000.0], requires_grad=True)
        out = s.sigmoid()
        out.sum().backward()
    np.testing.assert_allclose(out.data, [0.0, 0.5, 1.0])
    np.testing.assert_allclose(s.grad, [0.0, 0.25, 0.0])
    assert Value(-1000).sigmoid().data == 0.0 and Value(1000).sigmoid().data == 1.0


def test_numerical_grad_matches_known_derivative():
    x = Tensor([0.5, -1.0], requires_grad=True)
    (g,) = numerical_grad(lambda x: (x**3).sum(), [x])
    np.testing.assert_allclose(g, 3 * x.data**2, rtol=1e-8)


def test_rel_error_is_the_cs231n_formula():
    assert rel_error([1.0, 2.0], [1.0, 2.2]) == pytest.approx(0.2 / 4.2)
    assert rel_error([0.0], [1e-12]) == pytest.approx(1e-4)
    with pytest.raises(ValueError, match="shapes differ"):
        rel_error([1.0], [1.0, 2.0])


def test_gradcheck_catches_a_wrong_backward():
    x = Tensor([0.3, 0.7], requires_grad=True)

    def wrong(x):  # .data arithmetic: forward right, graph broken
        return (x * Tensor(x.data)).sum()

    with pytest.raises(AssertionError, match="relative error"):
        gradcheck(wrong, [x])
    assert gradcheck(wrong, [x], raise_on_failure=False) is False
