"""Tests of module 2: stable sigmoid and log-softmax, cross-entropy and its gradient, derivatives.

Each test calls the learner's code through ``learner`` (it runs in another process and sends
back plain data) and judges the answer here. References: the textbook formulas where they
are safe (small inputs), the library's Tensor autograd for gradients, and properties
(probabilities sum to 1, a shift of the logits changes nothing, tanh' peaks at 1). Tests of
"no warning" run the learner's function through the ``quiet`` probe, where warnings raise.
"""

from __future__ import annotations

import numpy as np
import pytest

from microgradrnn import Tensor
from microgradrnn.grading.learner import LearnerError, as_array, as_float


def _array(result, what: str, shape: tuple[int, ...]) -> np.ndarray:
    got = as_array(result, what, "ndarray")
    assert got.shape == shape, f"expected {what} of shape {shape}, got {got.shape}"
    return got


def _quietly(learner, function: str, *args, **kwargs):
    """The learner's ``function(*args)`` run where any numpy warning raises."""
    try:
        return learner.probe("quiet", function, *args, **kwargs)
    except LearnerError as err:
        if err.is_a("FloatingPointError", "Warning"):
            pytest.fail(f"expected no overflow or warning, got {err.type}: {err.message}")
        raise


def _batch(seed: int, n: int = 5, c: int = 4, scale: float = 2.0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, c)) * scale, rng.integers(0, c, size=n)


def _library_ce(logits: np.ndarray, targets: np.ndarray) -> tuple[float, np.ndarray]:
    z = Tensor(logits, requires_grad=True)
    loss = -z.log_softmax(axis=1)[np.arange(len(targets)), targets].mean()
    loss.backward()
    return loss.item(), np.array(z.grad)


# -- 2.1 sigmoid ------------------------------------------------------------------------------------


def test_sigmoid_matches_the_formula_for_moderate_inputs(learner):
    x = np.linspace(-30, 30, 121).reshape(11, 11)
    got = _array(learner.stable_sigmoid(x), "sigmoid", (11, 11))
    expected = 1.0 / (1.0 + np.exp(-x))
    assert np.allclose(got, expected, rtol=1e-12, atol=1e-15), "expected 1 / (1 + exp(-x)) for |x| <= 30"


def test_sigmoid_at_plus_minus_1000_without_warnings(learner):
    x = np.array([-1000.0, -745.0, -700.0, 0.0, 700.0, 1000.0])
    got = _array(_quietly(learner, "stable_sigmoid", x), "sigmoid", (6,))
    assert np.all(np.isfinite(got)) and np.all((got >= 0) & (got <= 1)), (
        f"expected values in [0, 1], got {got}"
    )
    assert got[0] < 1e-300, f"expected sigmoid(-1000) ~ 0, got {got[0]}"
    assert np.isclose(got[2], np.exp(-700.0), rtol=1e-9, atol=0), (
        f"expected sigmoid(-700) = {np.exp(-700.0):.4g}, got {got[2]:.4g}"
    )
    assert got[3] == 0.5 and got[4] == 1.0 and got[-1] == 1.0, (
        f"expected sigmoid(0) = 0.5, sigmoid(700) = sigmoid(1000) = 1, got {got[3]}, {got[4]}, {got[-1]}"
    )


def test_sigmoid_is_symmetric(learner):
    x = np.random.default_rng(0).standard_normal(50) * 20
    s = _array(learner.stable_sigmoid(x), "sigmoid", (50,))
    s_neg = _array(learner.stable_sigmoid(-x), "sigmoid", (50,))
    assert np.allclose(s, 1.0 / (1.0 + np.exp(-x)), atol=1e-12), "expected sigmoid(x) = 1 / (1 + exp(-x))"
    assert np.allclose(s + s_neg, 1.0, atol=1e-12), "expected sigmoid(x) + sigmoid(-x) = 1"


# -- 2.2 log-softmax --------------------------------------------------------------------------------


def test_log_softmax_matches_the_formula_for_small_logits(learner):
    z = np.random.default_rng(1).standard_normal((4, 6))
    for axis in (-1, 0):
        got = _array(learner.log_softmax(z, axis=axis), f"log_softmax(axis={axis})", (4, 6))
        expected = np.log(np.exp(z) / np.exp(z).sum(axis=axis, keepdims=True))
        assert np.allclose(got, expected, atol=1e-12), (
            f"axis={axis}: expected {expected[0, :3]}, got {got[0, :3]}"
        )
    z = np.random.default_rng(3).standard_normal((2, 3, 4))
    got = _array(learner.log_softmax(z), "log_softmax with the default axis", (2, 3, 4))
    expected = np.log(np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True))
    assert np.allclose(got, expected, atol=1e-12), "expected the default axis to be the last one"


def test_log_softmax_survives_huge_logits(learner):
    z = np.array([[1000.0, 1001.0, 1002.0], [-1000.0, 0.0, 5.0]])
    got = _array(_quietly(learner, "log_softmax", z), "log_softmax", (2, 3))
    small = np.array([0.0, 1.0, 2.0])
    expected = small - np.log(np.exp(small).sum())
    assert np.allclose(got[0], expected, atol=1e-12), f"expected {expected} (shift invariance), got {got[0]}"
    assert np.isclose(got[1, 0], -1005.0, atol=1e-6), (
        f"expected about -1005 for the -1000 logit, got {got[1, 0]}"
    )


def test_log_softmax_probabilities_sum_to_one_along_the_axis(learner):
    z = np.random.default_rng(2).standard_normal((3, 5, 4)) * 50
    got = _array(learner.log_softmax(z, axis=1), "log_softmax(axis=1)", (3, 5, 4))
    sums = np.exp(got).sum(axis=1)
    assert np.allclose(sums, 1.0, atol=1e-12), f"expected sums of 1 along axis 1, got {sums[0]}"
    expected = Tensor(z).log_softmax(axis=1).data
    assert np.allclose(got, expected, atol=1e-9), (
        "expected the log-probabilities along axis 1, not another axis"
    )


# -- 2.3 cross-entropy ------------------------------------------------------------------------------


def test_cross_entropy_of_equal_logits_is_log_of_the_class_count(learner):
    for c in (2, 27):
        loss = as_float(learner.cross_entropy(np.zeros((3, c)), np.array([0, 1, c - 1])), "the loss")
        assert np.isclose(loss, np.log(c)), f"expected log({c}) = {np.log(c):.4f}, got {loss:.4f}"


def test_cross_entropy_matches_the_library(learner):
    for seed in range(3):
        logits, targets = _batch(seed)
        expected, _ = _library_ce(logits, targets)
        loss = as_float(learner.cross_entropy(logits, targets), "the loss")
        assert np.isclose(loss, expected, atol=1e-12), f"expected {expected:.6f}, got {loss:.6f}"


def test_cross_entropy_of_huge_logits_is_finite(learner):
    loss = as_float(
        _quietly(learner, "cross_entropy", np.array([[1000.0, 0.0], [0.0, 1000.0]]), np.array([1, 1])),
        "the loss",
    )
    assert np.isclose(loss, 500.0), f"expected (1000 + 0) / 2 = 500, got {loss}"


# -- 2.4 cross-entropy backward ---------------------------------------------------------------------


def test_cross_entropy_backward_matches_autograd(learner):
    for seed, (n, c) in enumerate([(5, 4), (1, 3), (8, 10)]):
        logits, targets = _batch(seed, n, c)
        got = _array(learner.cross_entropy_backward(logits, targets), "dlogits", (n, c))
        _, expected = _library_ce(logits, targets)
        assert np.allclose(got, expected, atol=1e-12), f"N={n}, C={c}: expected {expected[0]}, got {got[0]}"


def test_cross_entropy_backward_is_softmax_minus_onehot_over_n(learner):
    logits = np.array([[1000.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    targets = np.array([1, 2])
    got = _array(_quietly(learner, "cross_entropy_backward", logits, targets), "dlogits", (2, 3))
    expected = np.array([[1.0, -1.0, 0.0], [1 / 3, 1 / 3, -2 / 3]]) / 2
    assert np.allclose(got, expected, atol=1e-12), f"expected {expected.round(4)}, got {got.round(4)}"
    assert np.allclose(got.sum(axis=1), 0.0, atol=1e-12), f"expected rows summing to 0, got {got.sum(axis=1)}"


def test_cross_entropy_backward_leaves_the_logits_unchanged(learner):
    logits, targets = _batch(4)
    answer = learner.call("cross_entropy_backward", logits, targets, return_args=True)
    # A correct result first: a function that does nothing also leaves its inputs unchanged.
    got = _array(answer["result"], "dlogits", logits.shape)
    _, expected = _library_ce(logits, targets)
    assert np.allclose(got, expected, atol=1e-12), f"expected {expected[0]}, got {got[0]}"
    after = as_array(answer["args"][0], "the logits after the call", "ndarray")
    assert np.array_equal(after, logits), "expected the logits argument unchanged, got it modified in place"


# -- 2.5 derivatives --------------------------------------------------------------------------------


def test_activation_derivatives_match_autograd(learner):
    x = np.random.default_rng(5).standard_normal((4, 5)) * 3
    x[0, 0] = 0.5  # keep away from relu's kink at 0
    for name in ("sigmoid", "tanh", "relu"):
        t = Tensor(x.copy(), requires_grad=True)
        getattr(t, name)().sum().backward()
        got = _array(learner.activation_derivative(name, x), f"{name}'", (4, 5))
        assert np.allclose(got, t.grad, atol=1e-12), f"{name}': expected {t.grad[0, :3]}, got {got[0, :3]}"


def test_activation_derivatives_at_zero_and_far_out(learner):
    x = np.array([-1000.0, 0.0, 1000.0])
    for name, expected in [("sigmoid", [0, 0.25, 0]), ("tanh", [0, 1, 0]), ("relu", [0, 0, 1])]:
        got = _array(_quietly(learner, "activation_derivative", name, x), f"{name}'", (3,))
        assert np.allclose(got, expected), f"{name}' at -1000, 0, 1000: expected {expected}, got {got}"
    # Names before, between and after the three in alphabetical order, and a capitalised one:
    # only an exact match is an activation.
    for wrong in ("gelu", "softplus", "tanhshrink", "Tanh", ""):
        with learner.raises(ValueError):
            learner.activation_derivative(wrong, x)


# -- 2.6 largest derivative -------------------------------------------------------------------------


def _largest(learner, *args) -> tuple[float, float]:
    result = learner.largest_derivative(*args)
    assert isinstance(result, tuple) and len(result) == 2, f"expected (x_max, d_max), got {result!r}"[:300]
    return as_float(result[0], "x_max"), as_float(result[1], "d_max")


def test_sigmoid_passes_at_most_a_quarter_and_tanh_all(learner):
    x, d = _largest(learner, "sigmoid")
    assert abs(x) < 1e-9 and np.isclose(d, 0.25), f"expected sigmoid' largest at 0 with 0.25, got {d} at {x}"
    x, d = _largest(learner, "tanh")
    assert abs(x) < 1e-9 and np.isclose(d, 1.0), f"expected tanh' largest at 0 with 1, got {d} at {x}"
    x, d = _largest(learner, "relu")
    assert np.isclose(x, 0.001) and d == 1.0, f"expected relu' = 1 first at x = 0.001, got {d} at {x}"


def test_largest_derivative_searches_the_given_grid(learner):
    s = 1.0 / (1.0 + np.exp(-2.0))
    x, d = _largest(learner, "sigmoid", 2.0, 5.0, 31)
    assert x == 2.0 and np.isclose(d, s * (1 - s)), (
        f"expected sigmoid' largest at 2 on [2, 5], got {d} at {x}"
    )
    x, d = _largest(learner, "tanh", -3.0, -1.0, 5)
    assert x == -1.0 and np.isclose(d, 1 - np.tanh(1.0) ** 2), (
        f"expected tanh' largest at -1 on [-3, -1], got {x}"
    )
    x, d = _largest(learner, "relu", -2.0, 2.0, 5)
    assert x == 1.0 and d == 1.0, (
        f"expected relu' = 1 first at x = 1 on five points of [-2, 2], got {d} at {x}"
    )
