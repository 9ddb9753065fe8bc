"""Tests of module 6: the loss summed over steps, hand-written BPTT, truncated BPTT.

Each test calls the learner's code through ``learner`` (truncated BPTT through a probe,
``probes/m06_bptt.py``, since it takes a loss function and leaves gradients in Tensors).
References, computed here: the library's autograd on the same RNN written with Tensor ops,
central differences, and the properties of truncation (no gradient crosses a cut, the
forward pass is unchanged), each checked together with the right numbers.
"""

from __future__ import annotations

import numpy as np

from microgradrnn import Tensor
from microgradrnn.gradcheck import rel_error
from microgradrnn.grading.learner import as_array, as_float


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


NAMES = ("dW_ax", "dW_aa", "db_a", "da0")


def _bptt(learner, p, das):
    result = learner.bptt(p["xs"], p["a0"], p["W_ax"], p["W_aa"], p["b_a"], das)
    assert isinstance(result, tuple) and len(result) == 4, f"expected a tuple {NAMES}, got {result!r}"[:300]
    out = []
    for r, name, ref in zip(result, NAMES, (p["W_ax"], p["W_aa"], p["b_a"], p["a0"])):
        got = as_array(r, name, "ndarray")
        assert got.shape == ref.shape, f"expected {name} of shape {ref.shape}, got {got.shape}"
        out.append(got)
    return out


def _compare(got, expected, names, what: str, tol: float = 1e-8) -> None:
    for g, e, name in zip(got, expected, names):
        err = rel_error(g, e)
        assert err < tol, (
            f"{what}, {name}: expected {np.round(e.ravel()[:3], 5)} ..., got {np.round(g.ravel()[:3], 5)} ..."
        )


# -- 6.1 the loss summed over steps -----------------------------------------------------------------


def _log_softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def _reference_loss(logits: np.ndarray, targets: np.ndarray) -> float:
    T, B = targets.shape
    logp = _log_softmax(logits)
    return float(sum(-np.mean([logp[t, b, targets[t, b]] for b in range(B)]) for t in range(T)))


def _loss_value(result) -> float:
    got = as_array(result, "the loss", "Tensor")
    assert got.size == 1, f"expected one number, got shape {got.shape}"
    return float(got.reshape(()))


def test_sequence_loss_sums_over_steps_and_averages_over_the_batch(learner):
    rng = np.random.default_rng(0)
    T, B, C = 5, 3, 4
    logits, targets = rng.standard_normal((T, B, C)) * 2, rng.integers(0, C, size=(T, B))
    expected = _reference_loss(logits, targets)
    got = _loss_value(learner.sequence_loss(Tensor(logits), targets))
    assert np.isclose(got, expected, atol=1e-10), f"expected {expected:.6f}, got {got:.6f}"


def test_sequence_loss_of_equal_logits_is_t_log_c(learner):
    for T, B, C in [(1, 2, 27), (10, 4, 5)]:
        got = _loss_value(learner.sequence_loss(Tensor(np.zeros((T, B, C))), np.zeros((T, B), dtype=int)))
        assert np.isclose(got, T * np.log(C)), (
            f"T={T}, C={C}: expected T log C = {T * np.log(C):.4f}, got {got:.4f}"
        )


def test_sequence_loss_gradient_matches_central_differences(learner):
    rng = np.random.default_rng(1)
    logits = rng.standard_normal((3, 2, 4))
    targets = rng.integers(0, 4, size=(3, 2))
    answer = learner.backward("sequence_loss", [Tensor(logits.copy(), requires_grad=True), targets], [1.0])
    _loss_value(answer["result"])
    got = answer["grads"][0]
    assert got is not None, "expected a gradient for the logits, got none (graph cut by .data?)"
    got = as_array(got, "d loss/d logits", "ndarray")
    numeric, eps = np.zeros_like(logits), 1e-6
    for i in np.ndindex(logits.shape):
        up, down = logits.copy(), logits.copy()
        up[i] += eps
        down[i] -= eps
        numeric[i] = (_reference_loss(up, targets) - _reference_loss(down, targets)) / (2 * eps)
    err = rel_error(got, numeric)
    assert err < 1e-6, f"d loss/d logits: expected relative error < 1e-6, got {err:.2g}"


# -- 6.2 hand-written BPTT --------------------------------------------------------------------------


def test_bptt_matches_autograd(learner):
    for seed, (T, B, I, H) in enumerate([(6, 2, 3, 4), (4, 3, 5, 2), (8, 1, 2, 3)]):
        p = _rnn(seed, T, B, I, H)
        das = np.random.default_rng(50 + seed).standard_normal((T, B, H))
        _compare(_bptt(learner, p, das), _autograd(p, das), NAMES, f"T={T}, B={B}, I={I}, H={H}")


def test_bptt_with_square_weights_uses_the_right_transposes(learner):
    p = _rnn(10, T=5, B=2, I=4, H=4)
    das = np.random.default_rng(11).standard_normal((5, 2, 4))
    _compare(_bptt(learner, p, das), _autograd(p, das), NAMES, "I = H = 4")


def test_bptt_carries_the_gradient_back_through_time(learner):
    # Only the last state is in the loss: every gradient must travel back through all steps.
    p = _rnn(12, T=7)
    das = np.zeros((7, 2, 4))
    das[-1] = np.random.default_rng(13).standard_normal((2, 4))
    got = _bptt(learner, p, das)
    assert np.any(got[3] != 0), "expected a nonzero da0 when only a<T> is in the loss"
    _compare(got, _autograd(p, das), NAMES, "loss on the last step only")


def test_bptt_bias_gradient_sums_over_batch_and_time(learner):
    p = _rnn(14, T=3, B=5, I=2, H=3)
    p["W_aa"] = np.zeros((3, 3))  # no path between steps: each step's share is local
    das = np.random.default_rng(15).standard_normal((3, 5, 3))
    got = _bptt(learner, p, das)
    states = _forward_states(p)
    expected = (das * (1 - states**2)).sum(axis=(0, 1))
    assert np.allclose(got[2], expected), (
        f"expected db_a = {np.round(expected, 4)}, got {np.round(got[2], 4)}"
    )


# -- 6.3 truncated BPTT -----------------------------------------------------------------------------


def _truncated(learner, p, k: int, R: np.ndarray, chunks: int) -> dict:
    """The probe's answer, with the chunk losses checked to be ``chunks`` Python floats."""
    answer = learner.probe("truncated", p, k, R)
    losses = answer["losses"]
    assert isinstance(losses, list), f"expected a list of chunk losses, got {losses!r}"[:200]
    assert len(losses) == chunks, f"expected {chunks} chunk losses for T={len(R)}, k={k}, got {len(losses)}"
    answer["losses"] = [as_float(v, "each chunk loss") for v in losses]
    return answer


def _grad(answer, name: str) -> np.ndarray:
    return as_array(answer["grads"][name], f"the gradient of {name}", "ndarray")


def test_truncated_forward_carries_the_exact_state(learner):
    p = _rnn(20, T=7)
    R = np.random.default_rng(21).standard_normal((7, 2, 4))
    answer = _truncated(learner, p, 3, R, 3)
    states = _forward_states(p)
    steps = [t for t, _ in answer["seen"]]
    assert sorted(steps) == list(range(7)), f"expected loss_fn to see steps 0..6 once each, got {steps}"
    for t, seen in answer["seen"]:
        assert np.allclose(as_array(seen, f"a<{t + 1}>"), states[t]), (
            f"expected a<{t + 1}> equal to the untruncated forward pass"
        )
    expected = [float((states[s : s + 3] * R[s : s + 3]).sum()) for s in (0, 3, 6)]
    assert np.allclose(answer["losses"], expected), (
        f"expected chunk losses {np.round(expected, 4)}, got {np.round(answer['losses'], 4)}"
    )


def _only_at(step: int, T: int, seed: int) -> np.ndarray:
    """Loss weights that are zero except at one step: only that step's chunk back-propagates."""
    R = np.zeros((T, 2, 4))
    R[step] = np.random.default_rng(seed).standard_normal((2, 4))
    return R


def test_no_gradient_crosses_a_cut(learner):
    # (T, k, the one step in the loss, the first step of its chunk)
    for T, k, step, cut in ((8, 3, 7, 6), (4, 1, 1, 1), (6, 2, 3, 2)):
        p = _rnn(22 + T, T=T)
        answer = _truncated(learner, p, k, _only_at(step, T, 23 + T), -(-T // k))
        dxs, da0 = _grad(answer, "xs"), _grad(answer, "a0")
        crossed = sorted(set(np.nonzero(dxs[:cut])[0]))
        assert not crossed, (
            f"T={T}, k={k}: expected no gradient for inputs before step {cut}, the start of the loss's chunk;"
            f" got nonzero at steps {crossed}"
        )
        assert np.all(da0 == 0), f"T={T}, k={k}: expected no gradient for a0, chunks before the loss"
        assert all(np.any(dxs[t] != 0) for t in range(cut, step + 1)), (
            f"T={T}, k={k}: expected gradients for the inputs of steps {cut}..{step}, in the loss's own chunk"
        )


def _chunked_reference(p, k: int, R: np.ndarray) -> list[np.ndarray]:
    """Each chunk back-propagated on its own from the true (numpy) state at its start; grads of
    W_ax, W_aa, b_a summed over the chunks, and of a0 (reached by the first chunk only)."""
    T = len(R)
    states = _forward_states(p)
    ref = [Tensor(p[n], requires_grad=True) for n in ("W_ax", "W_aa", "b_a", "a0")]
    for start in range(0, T, k):
        a = ref[3] if start == 0 else Tensor(states[start - 1])
        loss = None
        for t in range(start, min(start + k, T)):
            a = (Tensor(p["xs"][t]) @ ref[0].T + a @ ref[1].T + ref[2]).tanh()
            term = (a * Tensor(R[t])).sum()
            loss = term if loss is None else loss + term
        loss.backward()
    return [np.array(t.grad) for t in ref]


def test_truncated_gradients_add_up_over_chunks(learner):
    T = 7
    for k in (3, 1):
        p = _rnn(24 + k, T=T)
        R = np.random.default_rng(25 + k).standard_normal((T, 2, 4))
        answer = _truncated(learner, p, k, R, -(-T // k))
        got = [_grad(answer, n) for n in ("W_ax", "W_aa", "b_a", "a0")]
        _compare(got, _chunked_reference(p, k, R), ("dW_ax", "dW_aa", "db_a", "da0"),
                 f"gradients summed over chunks of k={k}", tol=1e-9)


def test_truncation_longer_than_the_sequence_is_full_bptt(learner):
    T = 5
    p = _rnn(26, T=T)
    R = np.random.default_rng(27).standard_normal((T, 2, 4))
    answer = _truncated(learner, p, 10, R, 1)
    got = [_grad(answer, n) for n in ("W_ax", "W_aa", "b_a", "a0")]
    _compare(got, _autograd(p, R), ("dW_ax", "dW_aa", "db_a", "da0"), "k = 10 > T = 5")
