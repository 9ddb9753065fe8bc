"""Tests of module 6: the loss summed over steps, hand-written BPTT, truncated BPTT.

References: the library's autograd on the same RNN written with Tensor ops, central
differences, and the properties of truncation (no gradient crosses a cut, the forward pass
is unchanged).
"""

from __future__ import annotations

import numpy as np
import pytest

from microgradrnn import Tensor
from microgradrnn.gradcheck import numerical_grad, rel_error


@pytest.fixture(scope="module")
def m(load_exercise):
    return load_exercise("m06_bptt")


def _rnn(seed: int, T: int = 6, B: int = 2, I: int = 3, H: int = 4):
    rng = np.random.default_rng(seed)
    return {
        "xs": rng.standard_normal((T, B, I)),
        "a0": rng.standard_normal((B, H)) * 0.5,
        "W_ax": rng.standard_normal((H, I)) * 0.6,
        "W_aa": rng.standard_normal((H, H)) * 0.6,
        "b_a": rng.standard_normal(H) * 0.2,
    }


def _forward_states(p) -> np.ndarray:
    a, states = p["a0"], []
    for x in p["xs"]:
        a = np.tanh(x @ p["W_ax"].T + a @ p["W_aa"].T + p["b_a"])
        states.append(a)
    return np.array(states)


def _autograd(p, das):
    """dL/d(W_ax, W_aa, b_a, a0) for L = sum_t <a<t>, das[t-1]>, by the library."""
    W_ax, W_aa, b_a, a0 = (Tensor(p[n], requires_grad=True) for n in ("W_ax", "W_aa", "b_a", "a0"))
    a, loss = a0, None
    for t, x in enumerate(p["xs"]):
        a = (Tensor(x) @ W_ax.T + a @ W_aa.T + b_a).tanh()
        term = (a * Tensor(das[t])).sum()
        loss = term if loss is None else loss + term
    loss.backward()
    return [np.array(t.grad) for t in (W_ax, W_aa, b_a, a0)]


def _bptt(m, p, das):
    result = m.bptt(p["xs"], p["a0"], p["W_ax"], p["W_aa"], p["b_a"], das)
    names = ("dW_ax", "dW_aa", "db_a", "da0")
    assert isinstance(result, tuple) and len(result) == 4, (
        f"expected a tuple {names}, got {type(result).__name__}"
    )
    out = []
    for r, name, ref in zip(result, names, (p["W_ax"], p["W_aa"], p["b_a"], p["a0"])):
        assert isinstance(r, np.ndarray), f"expected {name} as a numpy array, got {type(r).__name__}"
        got = np.asarray(r, dtype=np.float64)
        assert got.shape == ref.shape, f"expected {name} of shape {ref.shape}, got {got.shape}"
        out.append(got)
    return out


def _compare(got, expected, names, what: str) -> None:
    for g, e, name in zip(got, expected, names):
        err = rel_error(g, e)
        assert err < 1e-8, (
            f"{what}, {name}: expected {np.round(e.ravel()[:3], 5)} ..., got {np.round(g.ravel()[:3], 5)} ..."
        )


# -- 6.1 the loss summed over steps -----------------------------------------------------------------


def _loss_value(result) -> float:
    assert isinstance(result, Tensor), f"expected the loss as a Tensor, got {type(result).__name__}"
    assert result.data.size == 1, f"expected one number, got shape {result.shape}"
    return float(np.asarray(result.data, dtype=np.float64).reshape(()))


def test_sequence_loss_sums_over_steps_and_averages_over_the_batch(m):
    rng = np.random.default_rng(0)
    T, B, C = 5, 3, 4
    logits, targets = rng.standard_normal((T, B, C)) * 2, rng.integers(0, C, size=(T, B))
    z = logits - logits.max(axis=-1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    expected = sum(-np.mean([logp[t, b, targets[t, b]] for b in range(B)]) for t in range(T))
    got = _loss_value(m.sequence_loss(Tensor(logits), targets))
    assert np.isclose(got, expected, atol=1e-10), f"expected {expected:.6f}, got {got:.6f}"


def test_sequence_loss_of_equal_logits_is_t_log_c(m):
    for T, B, C in [(1, 2, 27), (10, 4, 5)]:
        got = _loss_value(m.sequence_loss(Tensor(np.zeros((T, B, C))), np.zeros((T, B), dtype=int)))
        assert np.isclose(got, T * np.log(C)), (
            f"T={T}, C={C}: expected T log C = {T * np.log(C):.4f}, got {got:.4f}"
        )


def test_sequence_loss_gradient_matches_central_differences(m):
    rng = np.random.default_rng(1)
    logits = Tensor(rng.standard_normal((3, 2, 4)), requires_grad=True)
    targets = rng.integers(0, 4, size=(3, 2))
    loss = m.sequence_loss(logits, targets)
    assert isinstance(loss, Tensor) and loss.requires_grad, "expected the loss to stay in the autograd graph"
    loss.backward()
    (numeric,) = numerical_grad(lambda z: m.sequence_loss(z, targets), [logits])
    err = rel_error(logits.grad, numeric)
    assert err < 1e-6, f"d loss/d logits: expected relative error < 1e-6, got {err:.2g}"


# -- 6.2 hand-written BPTT --------------------------------------------------------------------------

NAMES = ("dW_ax", "dW_aa", "db_a", "da0")


def test_bptt_matches_autograd(m):
    for seed, (T, B, I, H) in enumerate([(6, 2, 3, 4), (4, 3, 5, 2), (8, 1, 2, 3)]):
        p = _rnn(seed, T, B, I, H)
        das = np.random.default_rng(50 + seed).standard_normal((T, B, H))
        _compare(_bptt(m, p, das), _autograd(p, das), NAMES, f"T={T}, B={B}, I={I}, H={H}")


def test_bptt_with_square_weights_uses_the_right_transposes(m):
    p = _rnn(10, T=5, B=2, I=4, H=4)
    das = np.random.default_rng(11).standard_normal((5, 2, 4))
    _compare(_bptt(m, p, das), _autograd(p, das), NAMES, "I = H = 4")


def test_bptt_carries_the_gradient_back_through_time(m):
    # Only the last state is in the loss: every gradient must travel back through all steps.
    p = _rnn(12, T=7)
    das = np.zeros((7, 2, 4))
    das[-1] = np.random.default_rng(13).standard_normal((2, 4))
    got = _bptt(m, p, das)
    assert np.any(got[3] != 0), "expected a nonzero da0 when only a<T> is in the loss"
    _compare(got, _autograd(p, das), NAMES, "loss on the last step only")


def test_bptt_bias_gradient_sums_over_batch_and_time(m):
    p = _rnn(14, T=3, B=5, I=2, H=3)
    p["W_aa"] = np.zeros((3, 3))  # no path between steps: each step's share is local
    das = np.random.default_rng(15).standard_normal((3, 5, 3))
    got = _bptt(m, p, das)
    states = _forward_states(p)
    expected = (das * (1 - states**2)).sum(axis=(0, 1))
    assert np.allclose(got[2], expected), (
        f"expected db_a = {np.round(expected, 4)}, got {np.round(got[2], 4)}"
    )


# -- 6.3 truncated BPTT -----------------------------------------------------------------------------


def _tensors(p, xs_grad: bool = True):
    xs = Tensor(p["xs"].copy(), requires_grad=xs_grad)
    a0 = Tensor(p["a0"].copy(), requires_grad=True)
    weights = [Tensor(p[n].copy(), requires_grad=True) for n in ("W_ax", "W_aa", "b_a")]
    return xs, a0, weights


def _weighted_loss(R):
    """loss_fn for truncated_bptt: sum over the chunk's steps of <a<t>, R[t]>."""

    def loss_fn(states, start):
        terms = [(s * Tensor(R[start + i])).sum() for i, s in enumerate(states)]
        total = terms[0]
        for term in terms[1:]:
            total = total + term
        return total

    return loss_fn


def _losses(result, n: int) -> list[float]:
    assert isinstance(result, list), f"expected a list of chunk losses, got {type(result).__name__}"
    assert len(result) == n, f"expected {n} chunk losses, got {len(result)}"
    assert all(isinstance(v, (float, np.floating)) for v in result), f"expected floats, got {result}"
    return [float(v) for v in result]


def test_truncated_forward_carries_the_exact_state(m):
    p = _rnn(20, T=7)
    seen: dict[int, np.ndarray] = {}
    R = np.random.default_rng(21).standard_normal((7, 2, 4))
    inner = _weighted_loss(R)

    def loss_fn(states, start):
        for i, s in enumerate(states):
            seen[start + i] = np.array(s.data)
        return inner(states, start)

    xs, a0, (W_ax, W_aa, b_a) = _tensors(p)
    losses = _losses(m.truncated_bptt(xs, a0, W_ax, W_aa, b_a, 3, loss_fn), 3)
    states = _forward_states(p)
    assert sorted(seen) == list(range(7)), f"expected loss_fn to see steps 0..6 once each, got {sorted(seen)}"
    for t in range(7):
        assert np.allclose(seen[t], states[t]), f"expected a<{t + 1}> equal to the untruncated forward pass"
    expected = [float((states[s : s + 3] * R[s : s + 3]).sum()) for s in (0, 3, 6)]
    assert np.allclose(losses, expected), (
        f"expected chunk losses {np.round(expected, 4)}, got {np.round(losses, 4)}"
    )


def test_no_gradient_crosses_a_cut(m):
    T, k = 8, 3
    p = _rnn(22, T=T)
    R = np.random.default_rng(23).standard_normal((2, 4))

    def last_step_only(states, start):
        weight = R if start + len(states) == T else np.zeros_like(R)
        return (states[-1] * Tensor(weight)).sum()

    xs, a0, (W_ax, W_aa, b_a) = _tensors(p)
    _losses(m.truncated_bptt(xs, a0, W_ax, W_aa, b_a, k, last_step_only), 3)
    cut = 6  # the last chunk holds steps 6 and 7
    assert np.all(xs.grad[:cut] == 0), (
        f"expected no gradient for inputs before step {cut}, got nonzero at steps "
        f"{sorted(set(np.nonzero(xs.grad[:cut])[0]))}"
    )
    assert all(np.any(xs.grad[t] != 0) for t in range(cut, T)), (
        "expected gradients for the inputs of the last chunk"
    )
    assert np.all(a0.grad == 0), "expected no gradient for a0, three chunks before the loss"


def test_truncated_gradients_add_up_over_chunks(m):
    T, k = 7, 3
    p = _rnn(24, T=T)
    R = np.random.default_rng(25).standard_normal((T, 2, 4))
    xs, a0, weights = _tensors(p)
    _losses(m.truncated_bptt(xs, a0, *weights, k, _weighted_loss(R)), 3)
    # Reference: each chunk back-propagated on its own from the true (numpy) state at its start.
    states = _forward_states(p)
    ref = [Tensor(p[n], requires_grad=True) for n in ("W_ax", "W_aa", "b_a")]
    for start in range(0, T, k):
        a = Tensor(p["a0"] if start == 0 else states[start - 1])
        loss = None
        for t in range(start, min(start + k, T)):
            a = (Tensor(p["xs"][t]) @ ref[0].T + a @ ref[1].T + ref[2]).tanh()
            term = (a * Tensor(R[t])).sum()
            loss = term if loss is None else loss + term
        loss.backward()
    for name, got, expected in zip(("W_ax", "W_aa", "b_a"), weights, ref):
        err = rel_error(got.grad, expected.grad)
        assert err < 1e-9, f"gradient of {name} summed over chunks: relative error {err:.2g}, expected < 1e-9"


def test_truncation_longer_than_the_sequence_is_full_bptt(m):
    T = 5
    p = _rnn(26, T=T)
    R = np.random.default_rng(27).standard_normal((T, 2, 4))
    xs, a0, weights = _tensors(p)
    _losses(m.truncated_bptt(xs, a0, *weights, 10, _weighted_loss(R)), 1)
    expected = _autograd(p, R)
    got = [np.array(t.grad) for t in (*weights, a0)]
    _compare(got, expected, ("dW_ax", "dW_aa", "db_a", "da0"), "k = 10 > T = 5")
