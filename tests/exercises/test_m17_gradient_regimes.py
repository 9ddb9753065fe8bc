"""Tests of module 17: gradient regimes of sigmoid and tanh RNNs.

The learner returns numbers and weight matrices; the judge measures derivatives and the
growth of d h_T / d h_0 itself, with the library's autograd, here.
"""

from __future__ import annotations

import numpy as np

from microgradrnn import Tensor
from microgradrnn.grading.learner import as_array, as_float

T = 30


def _act(a: Tensor, activation: str) -> Tensor:
    return {"sigmoid": a.sigmoid, "tanh": a.tanh, "relu": a.relu}[activation]()


def _gamma(activation: str) -> float:
    """The largest derivative, found by autograd on a fine grid."""
    x = Tensor(np.linspace(-20.0, 20.0, 400_001), requires_grad=True)
    _act(x, activation).sum().backward()
    return float(x.grad.max())


def _jacobian(W: np.ndarray, b: np.ndarray, h0: np.ndarray, activation: str, steps: int) -> np.ndarray:
    """d h_steps / d h_0 of h_t = act(W h_{t-1} + b), one backward pass: row k of a batch of
    H copies of h0 carries the gradient of unit k."""
    H = len(h0)
    start = Tensor(np.tile(h0, (H, 1)), requires_grad=True)
    h = start
    for _ in range(steps):
        h = _act(h @ Tensor(W.T) + Tensor(b), activation)
    (h * Tensor(np.eye(H))).sum().backward()
    return start.grad


def _rnn(result, H: int, what: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    assert isinstance(result, dict) and {"W", "b", "h0"} <= set(result), (
        f"expected {what} as a dict with 'W', 'b' and 'h0', got {result!r}"[:300]
    )
    W, b, h0 = (as_array(result[k], f"{what}[{k!r}]", "ndarray") for k in ("W", "b", "h0"))
    assert W.shape == (H, H) and b.shape == (H,) and h0.shape == (H,), (
        f"expected W {(H, H)}, b {(H,)}, h0 {(H,)}; got {W.shape}, {b.shape}, {h0.shape}"
    )
    assert all(np.all(np.isfinite(a)) for a in (W, b, h0)), f"expected finite numbers in {what}"
    return W, b, h0


def _orthogonal(H: int, seed: int) -> np.ndarray:
    return np.linalg.qr(np.random.default_rng(seed).standard_normal((H, H)))[0]


# -- 17.1 gamma ----------------------------------------------------------------------------


def test_max_derivative_of_each_activation(learner):
    for activation in ("sigmoid", "tanh", "relu"):
        want = _gamma(activation)
        got = as_float(learner.max_derivative(activation), f"gamma of {activation}")
        assert abs(got - want) < 1e-6, f"expected gamma of {activation} {want:.4f}, got {got}"


def test_max_derivative_rejects_unknown(learner):
    got = as_float(learner.max_derivative("sigmoid"), "gamma of sigmoid")
    assert abs(got - _gamma("sigmoid")) < 1e-6, f"expected {_gamma('sigmoid'):.4f} for sigmoid, got {got}"
    with learner.raises(ValueError):
        learner.max_derivative("swish")


# -- 17.2 the per-step Jacobian ------------------------------------------------------------


def test_step_jacobian_matches_autograd(learner):
    rng = np.random.default_rng(3)
    for activation in ("sigmoid", "tanh"):
        W, b, h = rng.standard_normal((5, 5)) * 2, rng.standard_normal(5), rng.standard_normal(5)
        want = _jacobian(W, b, h, activation, 1)
        got = as_array(learner.step_jacobian(W, b, h, activation), "J", "ndarray")
        assert got.shape == want.shape and np.allclose(got, want, atol=1e-12), (
            f"expected J ({activation}) row 0 {np.round(want[0], 5)}, got {np.round(got.ravel()[:5], 5)}"
            " (J[i, j] = d h[i] / d h_prev[j])"
        )


def test_step_jacobian_at_zero_preactivation_is_gamma_times_W(learner):
    rng = np.random.default_rng(4)
    W, h = rng.standard_normal((4, 4)), rng.standard_normal(4)
    for activation in ("sigmoid", "tanh"):
        got = as_array(learner.step_jacobian(W, -W @ h, h, activation), "J", "ndarray")
        want = _gamma(activation) * W
        assert got.shape == W.shape and np.allclose(got, want, atol=1e-9), (
            f"expected J = gamma W at a = 0 ({activation}): {np.round(want[0], 4)},"
            f" got {np.round(got.ravel()[:4], 4)}"
        )
    # Names before, between and after "sigmoid" and "tanh" in alphabetical order: only an
    # exact match is an activation.
    for wrong in ("relu", "softsign", "tanhshrink"):
        with learner.raises(ValueError):
            learner.step_jacobian(W, -W @ h, h, wrong)


# -- 17.3 what the bound proves ------------------------------------------------------------


def _verdict(learner, W, activation) -> bool:
    got = learner.vanishing_guaranteed(W, activation)
    assert type(got) is bool, f"expected True or False, got {got!r}"[:200]
    return got


def test_vanishing_guaranteed_below_one_over_gamma(learner):
    Q = _orthogonal(6, 5)
    cases = (("sigmoid", 3.9), ("sigmoid", 4.1), ("tanh", 0.9), ("tanh", 1.1), ("relu", 0.5))
    for activation, scale in cases:
        want = _gamma(activation) * np.linalg.norm(scale * Q, 2) < 1
        got = _verdict(learner, scale * Q, activation)
        assert got == want, f"expected {want} for {activation} with ||W||_2 = {scale}, got {got}"
    # On the boundary gamma ||W||_2 = 1 exactly, the bound no longer proves a shrinking norm.
    for activation, scale in (("sigmoid", 4.0), ("tanh", 1.0)):
        got = _verdict(learner, scale * np.eye(3), activation)
        assert got is False, f"expected False for {activation} with gamma ||W||_2 = 1 exactly, got {got}"


def test_vanishing_not_guaranteed_for_a_saturating_rnn(learner):
    # 5 I with tanh vanishes from a saturated start, yet the bound 1 * 5 > 1 proves nothing.
    W = 5.0 * np.eye(4)
    measured = np.linalg.norm(_jacobian(W, np.full(4, 3.0), np.ones(4), "tanh", T), 2)
    assert measured < 1e-6
    assert _verdict(learner, W, "tanh") is False, "expected False: gamma ||W|| = 5 > 1 guarantees nothing"
    assert _verdict(learner, 0.15 * W, "tanh") is True, "expected True for tanh with ||W||_2 = 0.75"


# -- 17.4 an exploding sigmoid RNN ---------------------------------------------------------


def test_exploding_sigmoid_rnn_grows_the_gradient_a_thousandfold(learner):
    for H, seed in ((4, 0), (8, 1)):
        W, b, h0 = _rnn(learner.exploding_sigmoid_rnn(H, seed), H, f"the RNN for H={H}")
        growth = np.linalg.norm(_jacobian(W, b, h0, "sigmoid", T), 2)
        bound = _gamma("sigmoid") * np.linalg.norm(W, 2)
        assert np.isfinite(growth) and growth >= 1e3, (
            f"expected ||d h_30 / d h_0||_2 >= 1e3 for H={H}, measured {growth:.3g}"
            f" (gamma ||W||_2 = {bound:.3g}: {'saturated?' if bound > 1 else 'too small'})"
        )


def test_exploding_sigmoid_rnn_is_repeatable(learner):
    first = _rnn(learner.exploding_sigmoid_rnn(6, 7), 6, "the RNN")
    again = _rnn(learner.exploding_sigmoid_rnn(6, 7), 6, "the RNN, again")
    growth = np.linalg.norm(_jacobian(*first, "sigmoid", T), 2)
    assert growth >= 1e3, f"expected ||d h_30 / d h_0||_2 >= 1e3, measured {growth:.3g}"
    assert all(np.array_equal(a, b) for a, b in zip(first, again)), "expected the same RNN for the same seed"


# -- 17.5 a saturating tanh RNN ------------------------------------------------------------


def test_saturating_tanh_rnn_vanishes_despite_a_large_norm(learner):
    for H, seed in ((4, 0), (8, 1)):
        W, b, h0 = _rnn(learner.saturating_tanh_rnn(H, seed), H, f"the RNN for H={H}")
        norm = np.linalg.norm(W, 2)
        assert norm >= 2.0, f"expected ||W||_2 >= 2 (so gamma ||W|| > 1), got {norm:.3g}"
        growth = np.linalg.norm(_jacobian(W, b, h0, "tanh", T), 2)
        assert growth <= 1e-3, f"expected ||d h_30 / d h_0||_2 <= 1e-3 for H={H}, measured {growth:.3g}"


def test_saturating_tanh_rnn_is_repeatable(learner):
    first = _rnn(learner.saturating_tanh_rnn(5, 3), 5, "the RNN")
    again = _rnn(learner.saturating_tanh_rnn(5, 3), 5, "the RNN, again")
    assert np.linalg.norm(first[0], 2) >= 2.0, "expected ||W||_2 >= 2"
    growth = np.linalg.norm(_jacobian(*first, "tanh", T), 2)
    assert growth <= 1e-3, f"expected ||d h_30 / d h_0||_2 <= 1e-3, measured {growth:.3g}"
    assert all(np.array_equal(a, b) for a, b in zip(first, again)), "expected the same RNN for the same seed"
