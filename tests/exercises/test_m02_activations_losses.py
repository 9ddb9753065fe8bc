"""Tests of module 2: stable sigmoid and log-softmax, cross-entropy and its gradient, derivatives.

References: the textbook formulas where they are safe (small inputs), the library's Tensor
autograd for gradients, and properties (probabilities sum to 1, a shift of the logits
changes nothing, tanh' peaks at 1).
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager

import numpy as np
import pytest

from microgradrnn import Tensor


@pytest.fixture(scope="module")
def m(load_exercise):
    return load_exercise("m02_activations_losses")


@contextmanager
def _no_warnings():
    """Overflow, division by zero and invalid values raise; so does any warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
            yield


def _array(result, what: str, shape: tuple[int, ...]) -> np.ndarray:
    assert isinstance(result, np.ndarray), f"expected {what} as a numpy array, got {type(result).__name__}"
    got = np.asarray(result, dtype=np.float64)
    assert got.shape == shape, f"expected {what} of shape {shape}, got {got.shape}"
    return got


def _float(result, what: str) -> float:
    assert isinstance(result, (float, np.floating)), (
        f"expected {what} as a float, got {type(result).__name__}"
    )
    return float(result)


def _batch(seed: int, n: int = 5, c: int = 4, scale: float = 2.0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, c)) * scale, rng.integers(0, c, size=n)


def _library_ce_grad(logits: np.ndarray, targets: np.ndarray) -> np.ndarray:
    z = Tensor(logits, requires_grad=True)
    loss = -z.log_softmax(axis=1)[np.arange(len(targets)), targets].mean()
    loss.backward()
    return np.array(z.grad)


# -- 2.1 sigmoid ------------------------------------------------------------------------------------


def test_sigmoid_matches_the_formula_for_moderate_inputs(m):
    x = np.linspace(-30, 30, 121).reshape(11, 11)
    got = _array(m.stable_sigmoid(x), "sigmoid", (11, 11))
    expected = 1.0 / (1.0 + np.exp(-x))
    assert np.allclose(got, expected, rtol=1e-12, atol=1e-15), "expected 1 / (1 + exp(-x)) for |x| <= 30"


def test_sigmoid_at_plus_minus_1000_without_warnings(m):
    x = np.array([-1000.0, -745.0, -700.0, 0.0, 700.0, 1000.0])
    try:
        with _no_warnings():
            got = _array(m.stable_sigmoid(x), "sigmoid", (6,))
    except (FloatingPointError, RuntimeWarning) as err:
        pytest.fail(f"expected no overflow, got {type(err).__name__}: {err}")
    assert np.all(np.isfinite(got)) and np.all((got >= 0) & (got <= 1)), (
        f"expected values in [0, 1], got {got}"
    )
    assert got[0] == 0.0 or got[0] < 1e-300, f"expected sigmoid(-1000) ~ 0, got {got[0]}"
    assert np.isclose(got[2], np.exp(-700.0), rtol=1e-9, atol=0), (
        f"expected sigmoid(-700) = {np.exp(-700.0):.4g}, got {got[2]:.4g}"
    )
    assert got[3] == 0.5 and got[-1] == 1.0, (
        f"expected sigmoid(0) = 0.5, sigmoid(1000) = 1, got {got[3]}, {got[-1]}"
    )


def test_sigmoid_is_symmetric(m):
    x = np.random.default_rng(0).standard_normal(50) * 20
    s, s_neg = _array(m.stable_sigmoid(x), "sigmoid", (50,)), _array(m.stable_sigmoid(-x), "sigmoid", (50,))
    assert np.allclose(s + s_neg, 1.0, atol=1e-12), "expected sigmoid(x) + sigmoid(-x) = 1"


# -- 2.2 log-softmax --------------------------------------------------------------------------------


def test_log_softmax_matches_the_formula_for_small_logits(m):
    z = np.random.default_rng(1).standard_normal((4, 6))
    for axis in (-1, 0):
        got = _array(m.log_softmax(z, axis=axis), f"log_softmax(axis={axis})", (4, 6))
        expected = np.log(np.exp(z) / np.exp(z).sum(axis=axis, keepdims=True))
        assert np.allclose(got, expected, atol=1e-12), (
            f"axis={axis}: expected {expected[0, :3]}, got {got[0, :3]}"
        )


def test_log_softmax_survives_huge_logits(m):
    z = np.array([[1000.0, 1001.0, 1002.0], [-1000.0, 0.0, 5.0]])
    try:
        with _no_warnings():
            got = _array(m.log_softmax(z), "log_softmax", (2, 3))
    except (FloatingPointError, RuntimeWarning) as err:
        pytest.fail(f"expected no overflow, got {type(err).__name__}: {err}")
    small = np.array([0.0, 1.0, 2.0])
    expected = small - np.log(np.exp(small).sum())
    assert np.allclose(got[0], expected, atol=1e-12), f"expected {expected} (shift invariance), got {got[0]}"
    assert np.isclose(got[1, 0], -1005.0, atol=1e-6), (
        f"expected about -1005 for the -1000 logit, got {got[1, 0]}"
    )


def test_log_softmax_probabilities_sum_to_one_along_the_axis(m):
    z = np.random.default_rng(2).standard_normal((3, 5, 4)) * 50
    got = _array(m.log_softmax(z, axis=1), "log_softmax(axis=1)", (3, 5, 4))
    sums = np.exp(got).sum(axis=1)
    assert np.allclose(sums, 1.0, atol=1e-12), f"expected sums of 1 along axis 1, got {sums[0]}"


# -- 2.3 cross-entropy ------------------------------------------------------------------------------


def test_cross_entropy_of_equal_logits_is_log_of_the_class_count(m):
    for c in (2, 27):
        loss = _float(m.cross_entropy(np.zeros((3, c)), np.array([0, 1, c - 1])), "the loss")
        assert np.isclose(loss, np.log(c)), f"expected log({c}) = {np.log(c):.4f}, got {loss:.4f}"


def test_cross_entropy_matches_the_library(m):
    for seed in range(3):
        logits, targets = _batch(seed)
        expected = -Tensor(logits).log_softmax(axis=1)[np.arange(len(targets)), targets].mean().item()
        loss = _float(m.cross_entropy(logits, targets), "the loss")
        assert np.isclose(loss, expected, atol=1e-12), f"expected {expected:.6f}, got {loss:.6f}"


def test_cross_entropy_of_huge_logits_is_finite(m):
    loss = _float(m.cross_entropy(np.array([[1000.0, 0.0], [0.0, 1000.0]]), np.array([1, 1])), "the loss")
    assert np.isclose(loss, 500.0), f"expected (1000 + 0) / 2 = 500, got {loss}"


# -- 2.4 cross-entropy backward ---------------------------------------------------------------------


def test_cross_entropy_backward_matches_autograd(m):
    for seed, (n, c) in enumerate([(5, 4), (1, 3), (8, 10)]):
        logits, targets = _batch(seed, n, c)
        got = _array(m.cross_entropy_backward(logits, targets), "dlogits", (n, c))
        expected = _library_ce_grad(logits, targets)
        assert np.allclose(got, expected, atol=1e-12), f"N={n}, C={c}: expected {expected[0]}, got {got[0]}"


def test_cross_entropy_backward_is_softmax_minus_onehot_over_n(m):
    logits = np.array([[1000.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    targets = np.array([1, 2])
    with _no_warnings():
        got = _array(m.cross_entropy_backward(logits, targets), "dlogits", (2, 3))
    expected = np.array([[1.0, -1.0, 0.0], [1 / 3, 1 / 3, -2 / 3]]) / 2
    assert np.allclose(got, expected, atol=1e-12), f"expected {expected.round(4)}, got {got.round(4)}"
    assert np.allclose(got.sum(axis=1), 0.0, atol=1e-12), f"expected rows summing to 0, got {got.sum(axis=1)}"


def test_cross_entropy_backward_leaves_the_logits_unchanged(m):
    logits, targets = _batch(4)
    saved = logits.copy()
    m.cross_entropy_backward(logits, targets)
    assert np.array_equal(logits, saved), "expected the logits argument unchanged, got it modified in place"


# -- 2.5 derivatives --------------------------------------------------------------------------------


def test_activation_derivatives_match_autograd(m):
    x = np.random.default_rng(5).standard_normal((4, 5)) * 3
    x[0, 0] = 0.5  # keep away from relu's kink at 0
    for name in ("sigmoid", "tanh", "relu"):
        t = Tensor(x.copy(), requires_grad=True)
        getattr(t, name)().sum().backward()
        got = _array(m.activation_derivative(name, x), f"{name}'", (4, 5))
        assert np.allclose(got, t.grad, atol=1e-12), f"{name}': expected {t.grad[0, :3]}, got {got[0, :3]}"


def test_activation_derivatives_at_zero_and_far_out(m):
    x = np.array([-1000.0, 0.0, 1000.0])
    with _no_warnings():
        values = {
            n: _array(m.activation_derivative(n, x), f"{n}'", (3,)) for n in ("sigmoid", "tanh", "relu")
        }
    for name, expected in [("sigmoid", [0, 0.25, 0]), ("tanh", [0, 1, 0]), ("relu", [0, 0, 1])]:
        assert np.allclose(values[name], expected), (
            f"{name}' at -1000, 0, 1000: expected {expected}, got {values[name]}"
        )
    with pytest.raises(ValueError):
        m.activation_derivative("softplus", x)


# -- 2.6 largest derivative -------------------------------------------------------------------------


def _largest(m, *args) -> tuple[float, float]:
    result = m.largest_derivative(*args)
    assert isinstance(result, tuple) and len(result) == 2, f"expected (x_max, d_max), got {result!r}"
    return _float(result[0], "x_max"), _float(result[1], "d_max")


def test_sigmoid_passes_at_most_a_quarter_and_tanh_all(m):
    x, d = _largest(m, "sigmoid")
    assert abs(x) < 1e-9 and np.isclose(d, 0.25), f"expected sigmoid' largest at 0 with 0.25, got {d} at {x}"
    x, d = _largest(m, "tanh")
    assert abs(x) < 1e-9 and np.isclose(d, 1.0), f"expected tanh' largest at 0 with 1, got {d} at {x}"
    x, d = _largest(m, "relu")
    assert np.isclose(x, 0.001) and d == 1.0, f"expected relu' = 1 first at x = 0.001, got {d} at {x}"


def test_largest_derivative_searches_the_given_grid(m):
    s = 1.0 / (1.0 + np.exp(-2.0))
    x, d = _largest(m, "sigmoid", 2.0, 5.0, 31)
    assert x == 2.0 and np.isclose(d, s * (1 - s)), (
        f"expected sigmoid' largest at 2 on [2, 5], got {d} at {x}"
    )
    x, d = _largest(m, "tanh", -3.0, -1.0, 5)
    assert x == -1.0 and np.isclose(d, 1 - np.tanh(1.0) ** 2), (
        f"expected tanh' largest at -1 on [-3, -1], got {x}"
    )
