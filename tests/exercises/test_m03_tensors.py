"""Tests of module 3: matmul backward, un-broadcasting, the perceptron layer's backward.

Each test calls the learner's code through ``learner`` (it runs in another process and sends
back plain data) and judges the answer here, against central differences
(microgradrnn.gradcheck.numerical_grad) and the gradients the library's Tensor computes for
the same expression.
"""

from __future__ import annotations

import numpy as np

from microgradrnn import Tensor
from microgradrnn.gradcheck import numerical_grad, rel_error
from microgradrnn.grading.learner import as_array, as_float


def _array(result, what: str, shape: tuple[int, ...]) -> np.ndarray:
    # A sum over every axis gives a numpy scalar, which comes back as a number: fine for shape ().
    got = (
        np.asarray(as_float(result, what))
        if shape == () and not isinstance(result, np.ndarray)
        else (as_array(result, what, "ndarray"))
    )
    assert got.shape == shape, f"expected {what} of shape {shape}, got {got.shape}"
    return got


def _arrays(result, what: str, shapes) -> list[np.ndarray]:
    names = what.split(", ")
    assert isinstance(result, tuple) and len(result) == len(shapes), (
        f"expected a tuple ({what}), got {result!r}"[:300]
    )
    return [_array(r, n, s) for r, n, s in zip(result, names, shapes)]


def _close(got, expected, what: str) -> None:
    err = rel_error(got, expected)
    assert err < 1e-6, (
        f"{what}: expected {np.round(expected.ravel()[:3], 5)} ..., got {np.round(got.ravel()[:3], 5)} ..."
    )


def _library_grads(A: np.ndarray, B: np.ndarray, G: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ta, tb = Tensor(A, requires_grad=True), Tensor(B, requires_grad=True)
    (ta @ tb).backward(G)
    return ta.grad, tb.grad


# -- 3.1 matmul backward ----------------------------------------------------------------------------


def test_matmul_backward_matches_central_differences(learner):
    rng = np.random.default_rng(0)
    A, B, G = rng.standard_normal((3, 4)), rng.standard_normal((4, 2)), rng.standard_normal((3, 2))
    dA, dB = _arrays(learner.matmul_backward(A, B, G), "dA, dB", [(3, 4), (4, 2)])
    ta, tb = Tensor(A.copy(), requires_grad=True), Tensor(B.copy(), requires_grad=True)
    nA, nB = numerical_grad(lambda a, b: (a @ b * Tensor(G)).sum(), [ta, tb])
    _close(dA, nA, "dA for (3, 4) @ (4, 2)")
    _close(dB, nB, "dB for (3, 4) @ (4, 2)")


def test_matmul_backward_of_square_matrices_uses_the_right_transposes(learner):
    rng = np.random.default_rng(1)
    for _ in range(3):
        A, B, G = (rng.standard_normal((4, 4)) for _ in range(3))
        dA, dB = _arrays(learner.matmul_backward(A, B, G), "dA, dB", [(4, 4), (4, 4)])
        eA, eB = _library_grads(A, B, G)
        _close(dA, eA, "dA for square matrices")
        _close(dB, eB, "dB for square matrices")


def test_matmul_backward_returns_the_input_shapes(learner):
    rng = np.random.default_rng(2)
    for n, k, mm in [(1, 5, 3), (6, 1, 2), (2, 3, 1), (7, 4, 5)]:
        A, B, G = rng.standard_normal((n, k)), rng.standard_normal((k, mm)), rng.standard_normal((n, mm))
        dA, dB = _arrays(learner.matmul_backward(A, B, G), "dA, dB", [(n, k), (k, mm)])
        eA, eB = _library_grads(A, B, G)
        _close(dA, eA, f"dA for ({n}, {k}) @ ({k}, {mm})")
        _close(dB, eB, f"dB for ({n}, {k}) @ ({k}, {mm})")


# -- 3.2 unbroadcast --------------------------------------------------------------------------------


def _broadcast_pairs(count: int, seed: int):
    """Output shapes and input shapes that broadcast to them (axes dropped in front or set to 1)."""
    rng = np.random.default_rng(seed)
    for _ in range(count):
        out = tuple(int(n) for n in rng.integers(1, 5, size=rng.integers(1, 5)))
        drop = int(rng.integers(0, len(out) + 1))
        shape = tuple(1 if rng.random() < 0.5 else n for n in out[drop:])
        yield out, shape


def test_unbroadcast_matches_library_gradients_for_random_shapes(learner):
    rng = np.random.default_rng(0)
    for out_shape, shape in _broadcast_pairs(40, seed=5):
        a = Tensor(rng.standard_normal(shape), requires_grad=True)
        b = Tensor(rng.standard_normal(out_shape), requires_grad=True)
        G = rng.standard_normal(out_shape)
        (a + b).backward(G)
        got = _array(learner.unbroadcast(G, shape), f"unbroadcast from {out_shape} to {shape}", shape)
        assert np.allclose(got, a.grad, atol=1e-12), f"{out_shape} -> {shape}: expected {a.grad}, got {got}"


def test_unbroadcast_sums_a_bias_gradient_over_the_batch(learner):
    G = np.arange(12.0).reshape(4, 3)
    got = _array(learner.unbroadcast(G, (3,)), "unbroadcast to (3,)", (3,))
    assert np.array_equal(got, [18.0, 22.0, 26.0]), f"expected the column sums [18, 22, 26], got {got}"
    got = _array(learner.unbroadcast(G, ()), "unbroadcast to ()", ())
    assert got == 66.0, f"expected the sum of everything, 66, got {got}"


def test_unbroadcast_keeps_axes_of_size_one(learner):
    G = np.arange(24.0).reshape(2, 4, 3)
    got = _array(learner.unbroadcast(G, (4, 1)), "unbroadcast to (4, 1)", (4, 1))
    expected = G.sum(axis=(0, 2))[:, None]
    assert np.array_equal(got, expected), f"expected {expected.ravel()} as a column, got {got.ravel()}"
    got = _array(learner.unbroadcast(G, (2, 1, 3)), "unbroadcast to (2, 1, 3)", (2, 1, 3))
    assert np.array_equal(got, G.sum(axis=1, keepdims=True)), "expected the sum over the middle axis, kept"
    # Nothing to sum when nothing was broadcast; a no-op passes this part only with the rest.
    got = _array(learner.unbroadcast(G, (2, 4, 3)), "unbroadcast to its own shape", (2, 4, 3))
    assert np.array_equal(got, G), "expected the gradient unchanged when nothing was broadcast"


def test_unbroadcast_of_an_empty_batch(learner):
    # A batch of 0 rows (the last, empty batch of a loader): the bias still gets a gradient of
    # its own shape (zeros), a size-1 axis stretched to 0 is summed back to 1, and an axis that
    # is 0 in both shapes stays 0.
    G = np.zeros((0, 3))
    for shape in ((3,), (1, 3), (0, 3), (0, 1)):
        got = _array(learner.unbroadcast(G, shape), f"unbroadcast from (0, 3) to {shape}", shape)
        assert np.array_equal(got, np.zeros(shape)), f"expected zeros of shape {shape}, got {got}"


def test_unbroadcast_does_not_call_the_library(learner):
    # The manifest puts the library's unbroadcast off limits for this exercise: a call into it
    # fails here (and in every test of 3.2) however it was reached.
    G = np.ones((5, 2, 3))
    got = _array(learner.unbroadcast(G, (1, 3)), "unbroadcast to (1, 3)", (1, 3))
    assert np.array_equal(got, np.full((1, 3), 10.0)), f"expected 10 everywhere, got {got}"


# -- 3.3 linear backward ----------------------------------------------------------------------------


def test_linear_backward_matches_autograd(learner):
    rng = np.random.default_rng(3)
    for N, I, O in [(5, 3, 2), (1, 4, 4), (8, 2, 6)]:
        x, W, b, G = (rng.standard_normal(s) for s in [(N, I), (I, O), (O,), (N, O)])
        got = _arrays(learner.linear_backward(x, W, b, G), "dx, dW, db", [(N, I), (I, O), (O,)])
        tx, tW, tb = (Tensor(a, requires_grad=True) for a in (x, W, b))
        (tx @ tW + tb).backward(G)
        for name, g, t in zip(("dx", "dW", "db"), got, (tx, tW, tb)):
            _close(g, t.grad, f"{name} for N={N}, I={I}, O={O}")


def test_linear_bias_gradient_is_the_sum_over_the_batch(learner):
    rng = np.random.default_rng(4)
    x, W, G = rng.standard_normal((6, 3)), rng.standard_normal((3, 2)), rng.standard_normal((6, 2))
    _, _, db = _arrays(learner.linear_backward(x, W, np.zeros(2), G), "dx, dW, db", [(6, 3), (3, 2), (2,)])
    assert np.allclose(db, G.sum(axis=0)), f"expected db = {G.sum(axis=0)}, got {db}"
