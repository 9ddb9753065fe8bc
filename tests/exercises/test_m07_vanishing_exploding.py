"""Tests of module 7: vanishing and exploding gradients.

Each test calls the learner's code through ``learner`` (it runs in another process and sends
back plain data) and judges the answer here: the BPTT equations and the library's autograd
for the gradient norms, the clipping formulas for the clipped arrays. "Leaves its inputs
unchanged" is always checked together with a correctly clipped result.
"""

from __future__ import annotations

import numpy as np

from microgradrnn import Tensor
from microgradrnn.grading.learner import as_array, as_float


def _array(result, what: str) -> np.ndarray:
    return as_array(result, what, "ndarray")


def _array_list(result, n: int, what: str) -> list[np.ndarray]:
    assert isinstance(result, list), f"expected {what} as a list, got {result!r}"[:200]
    assert len(result) == n, f"expected {n} arrays in {what}, got {len(result)}"
    return [_array(r, f"each entry of {what}") for r in result]


def _bptt_norms(x, w_ih, w_hh, b, h0=None) -> np.ndarray:
    """||dL/dh_t|| from the BPTT equations: dL/dh_{t-1} = (dL/dh_t * (1 - h_t^2)) @ W_hh."""
    h = np.zeros((x.shape[1], w_hh.shape[0])) if h0 is None else h0
    hs = []
    for t in range(x.shape[0]):
        h = np.tanh(x[t] @ w_ih.T + h @ w_hh.T + b)
        hs.append(h)
    g = np.ones_like(h)
    norms = np.zeros(x.shape[0])
    for t in reversed(range(x.shape[0])):
        norms[t] = np.linalg.norm(g)
        g = (g * (1 - hs[t] ** 2)) @ w_hh
    return norms


def _library_norms(x, w_ih, w_hh, b) -> np.ndarray:
    """The same norms by the library's autograd, reading each hidden state's gradient."""
    W_ih, W_hh, bias = (Tensor(a, requires_grad=True) for a in (w_ih, w_hh, b))
    h = Tensor(np.zeros((x.shape[1], w_hh.shape[0])))
    hs = []
    for t in range(x.shape[0]):
        h = (Tensor(x[t]) @ W_ih.T + h @ W_hh.T + bias).tanh()
        hs.append(h)
    h.sum().backward()
    return np.array([np.linalg.norm(h_t.grad) for h_t in hs])


def _rnn(seed: int, T: int = 6, B: int = 2, I: int = 3, H: int = 4, scale: float = 0.6):
    rng = np.random.default_rng(seed)
    return (
        rng.standard_normal((T, B, I)),
        rng.standard_normal((H, I)) * 0.5,
        rng.standard_normal((H, H)) * scale,
        rng.standard_normal(H) * 0.1,
        rng.standard_normal((B, H)) * 0.5,
    )


def _experiment(scale: float, T: int = 30, seed: int = 0):
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.standard_normal((8, 8)))
    w_ih = rng.standard_normal((8, 1))
    x = 0.01 * rng.standard_normal((T, 1, 1))
    return x, w_ih, scale * q, np.zeros(8)


# -- 7.1 gradient norm per time step ---------------------------------------------------


def test_grad_norms_match_bptt_equations(learner):
    for seed in (1, 2):
        x, w_ih, w_hh, b, h0 = _rnn(seed)
        for start in (None, h0):
            expected = _bptt_norms(x, w_ih, w_hh, b, start)
            got = _array(learner.grad_norm_per_step(x, w_ih, w_hh, b, start), "the norms")
            assert got.shape == expected.shape, f"expected shape {expected.shape}, got {got.shape}"
            assert np.allclose(got, expected, rtol=1e-8, atol=1e-12), (
                f"expected {np.round(expected, 6)}, got {np.round(got, 6)}"
            )


def test_last_step_norm_is_sqrt_of_state_size(learner):
    x, w_ih, w_hh, b, _ = _rnn(3, T=4, B=3, H=5)
    got = _array(learner.grad_norm_per_step(x, w_ih, w_hh, b), "the norms")
    # L = h_{T-1}.sum(), so dL/dh_{T-1} is all ones: its norm is sqrt(B * H).
    assert got.shape == (4,), f"expected shape (4,), got {got.shape}"
    assert np.isclose(got[-1], np.sqrt(15)), (
        f"expected the last norm sqrt(3*5) = {np.sqrt(15):.6f}, got {got[-1]}"
    )


def test_grad_norms_are_in_time_order(learner):
    x, w_ih, w_hh, b, _ = _rnn(4, T=8, scale=0.2)
    got = _array(learner.grad_norm_per_step(x, w_ih, w_hh, b), "the norms")
    # With a small recurrent weight the gradient shrinks going back in time: entry 0 is smallest.
    expected = _bptt_norms(x, w_ih, w_hh, b)
    assert got.shape == (8,), f"expected shape (8,), got {got.shape}"
    backwards = np.allclose(got[::-1], expected)
    reversed_order = " (in reverse: entry 0 must be the first step)" if backwards else ""
    assert np.allclose(got, expected, rtol=1e-8, atol=1e-12), (
        f"expected {np.round(expected, 5)}, got {np.round(got, 5)}{reversed_order}"
    )


# -- 7.2 clip by value -------------------------------------------------------------------


def _grads(seed: int, scale: float = 3.0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((3, 4)) * scale, rng.standard_normal(5) * scale, np.array([[7.0, -0.5]])]


def test_clip_value_matches_formula(learner):
    grads = _grads(5)
    for clip in (1.5, 0.25):
        got = _array_list(learner.clip_grad_value(grads, clip), 3, "the clipped gradients")
        for g, c in zip(grads, got):
            expected = np.minimum(np.maximum(g, -clip), clip)
            assert c.shape == g.shape, f"expected shape {g.shape}, got {c.shape}"
            assert np.allclose(c, expected), f"expected {np.round(expected, 3)}, got {np.round(c, 3)}"


def test_clip_value_leaves_inputs_unchanged(learner):
    grads = _grads(6)
    answer = learner.call("clip_grad_value", grads, 0.5, return_args=True)
    # A correct result first: a function that does nothing also leaves its inputs unchanged.
    for g, c in zip(grads, _array_list(answer["result"], 3, "the clipped gradients")):
        expected = np.clip(g, -0.5, 0.5)
        assert c.shape == g.shape and np.allclose(c, expected), (
            f"expected the clipped {np.round(expected.ravel()[:4], 3)}, got {np.round(c.ravel()[:4], 3)}"
        )
    for g, after in zip(grads, answer["args"][0]):
        assert np.array_equal(as_array(after, "an input array", "ndarray"), g), (
            "expected the input arrays unchanged, got them modified in place"
        )


# -- 7.3 clip by global norm ---------------------------------------------------------------


def _global_norm(grads) -> float:
    return float(np.sqrt(sum(np.sum(g**2) for g in grads)))


def _clip_norm(learner, grads, max_norm, return_args=False):
    answer = learner.call("clip_grad_norm", grads, max_norm, return_args=return_args)
    result = answer["result"] if return_args else answer
    assert isinstance(result, tuple) and len(result) == 2, (
        f"expected a tuple (clipped, total_norm), got {result!r}"[:200]
    )
    clipped = _array_list(result[0], len(grads), "the clipped gradients")
    total = as_float(result[1], "total_norm")
    return (clipped, total, answer["args"][0]) if return_args else (clipped, total)


def test_clip_norm_returns_global_norm_before_clipping(learner):
    grads = _grads(7)
    _, total = _clip_norm(learner, grads, 1.0)
    expected = _global_norm(grads)
    assert np.isclose(total, expected), f"expected total_norm {expected:.6f}, got {total}"


def test_clip_norm_above_max_norm_rescales_to_max_norm(learner):
    grads = _grads(8)
    assert _global_norm(grads) > 2.0
    clipped, _ = _clip_norm(learner, grads, 2.0)
    assert np.isclose(_global_norm(clipped), 2.0), (
        f"expected the global norm after clipping 2.0, got {_global_norm(clipped):.6f}"
    )


def test_clip_norm_below_max_norm_leaves_grads_unchanged(learner):
    grads = _grads(9, scale=0.1)
    max_norm = _global_norm(grads) * 1.5
    clipped, total = _clip_norm(learner, grads, max_norm)
    # With the right norm: returning the inputs as they came also "leaves them unchanged".
    norm = _global_norm(grads)
    assert np.isclose(total, norm), f"expected total_norm {norm:.6f}, got {total}"
    for g, c in zip(grads, clipped):
        assert np.allclose(c, g), f"expected the gradient unchanged {np.round(g, 3)}, got {np.round(c, 3)}"


def test_clip_norm_preserves_direction(learner):
    # One big and one small array: clipping each array on its own changes the direction.
    grads = [np.array([30.0, -40.0]), np.array([[0.3], [0.4]])]
    clipped, _ = _clip_norm(learner, grads, 5.0)
    factor = 5.0 / _global_norm(grads)
    for g, c in zip(grads, clipped):
        assert c.shape == g.shape, f"expected shape {g.shape}, got {c.shape}"
        assert np.allclose(c, g * factor), (
            f"expected every array times the same factor {factor:.6f}: {np.round(g * factor, 6)}, "
            f"got {np.round(c, 6)}"
        )


def test_clip_norm_leaves_inputs_unchanged(learner):
    grads = _grads(10)
    clipped, _, after = _clip_norm(learner, grads, 0.5, return_args=True)
    # A correct result first: a function that does nothing also leaves its inputs unchanged.
    factor = 0.5 / _global_norm(grads)
    for g, c in zip(grads, clipped):
        assert c.shape == g.shape and np.allclose(c, g * factor), (
            f"expected the clipped {np.round((g * factor).ravel()[:4], 4)}, got {np.round(c.ravel()[:4], 4)}"
        )
    for g, a in zip(grads, after):
        assert np.array_equal(as_array(a, "an input array", "ndarray"), g), (
            "expected the input arrays unchanged, got them modified in place"
        )


# -- 7.4 both failures on purpose ---------------------------------------------------------


def _scales(learner) -> tuple[float, float]:
    result = learner.failure_scales()
    assert isinstance(result, tuple) and len(result) == 2, (
        f"expected a tuple (vanishing_scale, exploding_scale), got {result!r}"[:200]
    )
    return as_float(result[0], "the vanishing scale"), as_float(result[1], "the exploding scale")


def test_vanishing_scale_gives_ratio_below_1e_minus_3(learner):
    vanishing, _ = _scales(learner)
    assert 0 < vanishing < 1, f"expected a vanishing scale between 0 and 1, got {vanishing}"
    norms = _library_norms(*_experiment(vanishing))
    ratio = norms[0] / norms[-1]
    assert ratio < 1e-3, f"expected norms[0] / norms[-1] < 1e-3 at scale {vanishing}, got {ratio:.3g}"


def test_exploding_scale_gives_ratio_above_1e3(learner):
    _, exploding = _scales(learner)
    assert exploding > 1, f"expected an exploding scale above 1, got {exploding}"
    norms = _library_norms(*_experiment(exploding))
    ratio = norms[0] / norms[-1]
    assert ratio > 1e3, f"expected norms[0] / norms[-1] > 1e3 at scale {exploding}, got {ratio:.3g}"
