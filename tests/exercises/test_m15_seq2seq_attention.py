"""Tests of module 15: seq2seq with attention.

The judge holds its own reference of every piece (written here with the library's Tensor ops
and GRU cell) and compares the learner's results with it on the same parameters and inputs.
Training is judged on the returned parameters only: the judge decodes a held-out set of its
own with its own greedy decoder.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from microgradrnn import Tensor, concat, stack
from microgradrnn.functional import cross_entropy, embedding
from microgradrnn.grading.learner import as_array, as_float
from microgradrnn.nn.cells import gru_cell

PAD, BOS, EOS = 0, 1, 2
V, E, H = 8, 6, 7
NAMES = (
    "src_emb",
    "tgt_emb",
    "enc_W_ih",
    "enc_W_hh",
    "enc_b_ih",
    "enc_b_hh",
    "dec_W_ih",
    "dec_W_hh",
    "dec_b_ih",
    "dec_b_hh",
    "out_W",
    "out_b",
)


# -- the judge's reference -----------------------------------------------------------------


def _shapes(V: int, E: int, H: int) -> dict[str, tuple[int, ...]]:
    out = {"src_emb": (V, E), "tgt_emb": (V, E), "out_W": (V, 2 * H), "out_b": (V,)}
    for side in ("enc", "dec"):
        out |= {
            f"{side}_W_ih": (3 * H, E),
            f"{side}_W_hh": (3 * H, H),
            f"{side}_b_ih": (3 * H,),
            f"{side}_b_hh": (3 * H,),
        }
    return out


def _params(seed: int, scale: float = 0.8) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {k: rng.uniform(-scale, scale, s) for k, s in _shapes(V, E, H).items()}


def _tensors(params: dict[str, np.ndarray], grad: bool = False) -> dict[str, Tensor]:
    return {k: Tensor(v.copy(), requires_grad=grad) for k, v in params.items()}


def _task(n: int, max_len: int, seed: int, vocab: int = V):
    """Reversal examples: (src, tgt_in, tgt_out), the same layout the stub's reverse_task documents."""
    rng = np.random.default_rng(seed)
    src, tgt_out = np.full((n, max_len), PAD), np.full((n, max_len + 1), PAD)
    for b in range(n):
        k = rng.integers(1, max_len + 1)
        sym = rng.integers(3, vocab, k)
        src[b, :k], tgt_out[b, :k], tgt_out[b, k] = sym, sym[::-1], EOS
    return src, np.concatenate([np.full((n, 1), BOS), tgt_out[:, :-1]], axis=1), tgt_out


def _attend(query: Tensor, keys: Tensor, mask: np.ndarray) -> tuple[Tensor, Tensor]:
    B, S, Hq = keys.shape
    scores = (keys * query.reshape(B, 1, Hq)).sum(axis=-1) + Tensor(np.where(mask, 0.0, -1e9))
    weights = scores.softmax(axis=-1)
    return (weights.reshape(B, S, 1) * keys).sum(axis=1), weights


def _gru(P: dict[str, Tensor], side: str, x: Tensor, h: Tensor) -> Tensor:
    return gru_cell(x, h, P[f"{side}_W_ih"], P[f"{side}_W_hh"], P[f"{side}_b_ih"], P[f"{side}_b_hh"])


def _encode(P: dict[str, Tensor], src: np.ndarray) -> tuple[Tensor, Tensor]:
    x, mask = embedding(src, P["src_emb"]), src != PAD
    h = Tensor(np.zeros((len(src), P["enc_W_hh"].shape[1])))
    states = []
    for s in range(src.shape[1]):
        keep = Tensor(mask[:, s : s + 1].astype(float))
        h = keep * _gru(P, "enc", x[:, s], h) + (1.0 - keep) * h
        states.append(h)
    return stack(states, axis=1), h


def _step(P, y, h, states, mask):  # noqa: ANN001, ANN202
    h = _gru(P, "dec", embedding(y, P["tgt_emb"]), h)
    context, _ = _attend(h, states, mask)
    return concat([h, context], axis=-1) @ P["out_W"].T + P["out_b"], h


def _decode(P, states, mask, h, tgt_in) -> Tensor:  # noqa: ANN001
    out = []
    for t in range(tgt_in.shape[1]):
        scores, h = _step(P, tgt_in[:, t], h, states, mask)
        out.append(scores)
    return stack(out, axis=1)


def _greedy(P, src, max_len) -> np.ndarray:  # noqa: ANN001
    states, h = _encode(P, src)
    y, done, out = np.full(len(src), BOS), np.zeros(len(src), dtype=bool), np.full((len(src), max_len), PAD)
    for t in range(max_len):
        scores, h = _step(P, y, h, states, src != PAD)
        y = scores.data.argmax(axis=-1)
        out[:, t] = np.where(done, PAD, y)
        done |= y == EOS
    return out


def _loss(logits: Tensor, targets: np.ndarray, mask: np.ndarray) -> Tensor:
    flat = np.where(mask, targets, -100).reshape(-1)
    return cross_entropy(logits.reshape(-1, logits.shape[-1]), flat, ignore_index=-100)


def _close(got: np.ndarray, want: np.ndarray, what: str, atol: float = 1e-10) -> None:
    assert got.shape == want.shape, f"expected {what} of shape {want.shape}, got {got.shape}"
    assert np.allclose(got, want, atol=atol), (
        f"expected {what} {np.round(want.ravel()[:4], 5)}, got {np.round(got.ravel()[:4], 5)}"
    )


def _batch(seed: int):  # noqa: ANN202
    src, tgt_in, tgt_out = _task(5, 5, seed)
    src[0], tgt_in[0], tgt_out[0] = (
        [3, 4, 5, 6, 7],
        [BOS, 7, 6, 5, 4, 3],
        [7, 6, 5, 4, 3, EOS],
    )  # one full row
    return src, tgt_in, tgt_out


# -- 15.1 padding mask ---------------------------------------------------------------------


def test_padding_mask_marks_real_tokens(learner):
    src = np.array([[3, 4, 0, 0], [5, 0, 0, 0], [6, 7, 3, 4]])
    got = learner.padding_mask(src)
    assert isinstance(got, np.ndarray) and got.dtype == bool, f"expected a bool numpy array, got {got!r}"[
        :200
    ]
    assert np.array_equal(got, src != PAD), (
        f"expected {(src != PAD).astype(int).tolist()}, got {got.astype(int).tolist()}"
    )


# -- 15.2 masked attention -----------------------------------------------------------------


def test_masked_attention_matches_reference_and_ignores_padding(learner):
    rng = np.random.default_rng(1)
    q, k = rng.standard_normal((3, 4)), rng.standard_normal((3, 5, 4))
    mask = np.array([[1, 1, 1, 0, 0], [1, 0, 0, 0, 0], [1, 1, 1, 1, 1]], dtype=bool)
    got = learner.masked_attention(Tensor(q), Tensor(k), mask)
    assert isinstance(got, (tuple, list)) and len(got) == 2, f"expected (context, weights), got {got!r}"[:200]
    context, weights = as_array(got[0], "context", "Tensor"), as_array(got[1], "weights", "Tensor")
    want_c, want_w = (t.data for t in _attend(Tensor(q), Tensor(k), mask))
    _close(weights, want_w, "weights")
    assert np.all(weights[~mask] == 0.0), f"expected weight exactly 0 on padding, got {weights[~mask]}"
    _close(context, want_c, "context")
    # Changing a padded state changes nothing.
    k2 = k.copy()
    k2[~mask] = 100.0
    context2 = as_array(learner.masked_attention(Tensor(q), Tensor(k2), mask)[0], "context", "Tensor")
    _close(context2, want_c, "context with the padded states changed")


def test_masked_attention_gradients_reach_query_and_keys(learner):
    rng = np.random.default_rng(2)
    q, k = rng.standard_normal((2, 3)), rng.standard_normal((2, 4, 3))
    mask = np.array([[1, 1, 0, 0], [1, 1, 1, 1]], dtype=bool)
    up_c, up_w = rng.standard_normal((2, 3)), rng.standard_normal((2, 4))
    answer = learner.backward(
        "masked_attention", [Tensor(q, requires_grad=True), Tensor(k, requires_grad=True), mask], [up_c, up_w]
    )
    qt, kt = Tensor(q, requires_grad=True), Tensor(k, requires_grad=True)
    c, w = _attend(qt, kt, mask)
    ((c * Tensor(up_c)).sum() + (w * Tensor(up_w)).sum()).backward()
    for name, got, want in zip(("query", "keys"), answer["grads"][:2], (qt.grad, kt.grad)):
        assert got is not None, f"expected a gradient for {name}, got none"
        _close(as_array(got, f"d/d{name}", "ndarray"), want, f"the gradient of {name}")


# -- 15.3 encoder --------------------------------------------------------------------------


def test_encode_matches_reference_and_carries_state_over_padding(learner):
    params = _params(3)
    src, _, _ = _batch(4)
    got = learner.encode(_tensors(params), src)
    assert isinstance(got, (tuple, list)) and len(got) == 2, f"expected (states, h_last), got {got!r}"[:200]
    states, h_last = as_array(got[0], "states", "Tensor"), as_array(got[1], "h_last", "Tensor")
    want_s, want_h = (t.data for t in _encode(_tensors(params), src))
    _close(h_last, want_h, "h_last (the state after each row's last real token)")
    real = src != PAD
    _close(states[real], want_s[real], "the states at real positions")


# -- 15.4 decoder with teacher forcing -----------------------------------------------------


def test_decode_teacher_forcing_matches_reference(learner):
    params = _params(5)
    src, tgt_in, _ = _batch(6)
    P = _tensors(params)
    states, h0 = _encode(P, src)
    got = learner.decode_teacher_forcing(_tensors(params), states.detach(), src != PAD, h0.detach(), tgt_in)
    want = _decode(P, states, src != PAD, h0, tgt_in).data
    _close(as_array(got, "the scores", "Tensor"), want, "the scores (B, T, V)")


def test_decode_teacher_forcing_reads_the_given_previous_tokens(learner):
    # Teacher forcing: change one input token and only the steps from there on may change.
    params = _params(7)
    src, tgt_in, _ = _batch(8)
    P = _tensors(params)
    states, h0 = (t.detach() for t in _encode(P, src))
    changed = tgt_in.copy()
    changed[:, 3] = 3 + (changed[:, 3] + 1) % (V - 3)
    got = [
        as_array(
            learner.decode_teacher_forcing(_tensors(params), states, src != PAD, h0, t), "scores", "Tensor"
        )
        for t in (tgt_in, changed)
    ]
    want = _decode(P, states, src != PAD, h0, changed).data
    _close(got[1], want, "the scores with the changed inputs")
    _close(got[1][:, :3], got[0][:, :3], "the scores before the changed token")


# -- 15.5 masked loss ----------------------------------------------------------------------


def test_masked_loss_is_the_mean_over_real_tokens_and_pads_get_no_gradient(learner):
    rng = np.random.default_rng(9)
    logits, targets = rng.standard_normal((3, 4, V)) * 2, rng.integers(0, V, (3, 4))
    mask = np.array([[1, 1, 1, 1], [1, 1, 0, 0], [1, 0, 0, 0]], dtype=bool)
    answer = learner.backward(
        "masked_loss", [Tensor(logits, requires_grad=True), targets, mask], [np.ones(())]
    )
    lt = Tensor(logits, requires_grad=True)
    want = _loss(lt, targets, mask)
    want.backward()
    got = as_float(float(as_array(answer["result"], "the loss", "Tensor").reshape(-1)[0]), "the loss")
    assert abs(got - float(want.data)) < 1e-10, (
        f"expected the mean over 7 real tokens {float(want.data):.6f}, got {got}"
    )
    grad = answer["grads"][0]
    assert grad is not None, "expected a gradient for the logits, got none"
    grad = as_array(grad, "d loss / d logits", "ndarray")
    _close(grad, lt.grad, "d loss / d logits")
    assert np.all(grad[~mask] == 0.0), "expected no gradient at padded positions"


# -- 15.6 greedy decoding ------------------------------------------------------------------


def test_greedy_decode_matches_reference_and_pads_after_eos(learner):
    for seed in (10, 11):
        params = _params(seed, scale=1.5)
        params["out_b"][EOS] += 1.0  # make EOS likely, so that some rows stop early
        src, _, _ = _batch(seed)
        got = as_array(learner.greedy_decode(_tensors(params), src, 6), "the tokens", "ndarray")
        want = _greedy(_tensors(params), src, 6).astype(float)
        assert got.shape == want.shape and np.array_equal(got, want), (
            f"expected tokens {want.astype(int).tolist()}, got {got.astype(int).tolist()}"
        )


# -- 15.7 training -------------------------------------------------------------------------


def _check_params(got) -> dict[str, np.ndarray]:  # noqa: ANN001
    assert isinstance(got, dict) and set(NAMES) <= set(got), (
        f"expected a dict of the 12 parameters, got {got!r}"[:200]
    )
    out = {k: as_array(got[k], k, "ndarray") for k in NAMES}
    assert all(np.all(np.isfinite(v)) for v in out.values()), "expected finite parameters"
    return out


@pytest.mark.time_limit(60)
def test_train_reverse_reverses_held_out_sequences(learner):
    params = _check_params(learner.train_reverse(0))
    src, _, tgt_out = _task(400, 5, seed=12345)
    got = _greedy(_tensors(params), src, 6)
    exact = float(np.mean((got == tgt_out).all(axis=1)))
    assert exact >= 0.9, f"expected >= 90 % of held-out sequences reversed exactly, got {exact:.1%}"


@pytest.mark.time_limit(60)
def test_train_reverse_attends_to_the_mirrored_position(learner):
    # What the model learned, read from its own attention: to write output k of a length-L
    # source, it should look mostly at source position L-1-k.
    params = _check_params(learner.train_reverse(1))
    src, tgt_in, tgt_out = _task(300, 5, seed=54321)
    P = _tensors(params)
    states, h = _encode(P, src)
    src_mask, right, total = src != PAD, 0, 0
    for t in range(tgt_in.shape[1]):
        h = _gru(P, "dec", embedding(tgt_in[:, t], P["tgt_emb"]), h)
        _, w = _attend(h, states, src_mask)
        lengths = src_mask.sum(axis=1)
        rows = t < lengths  # steps that write a symbol
        right += int((w.data[rows].argmax(axis=1) == (lengths[rows] - 1 - t)).sum())
        total += int(rows.sum())
    assert right / total >= 0.8, (
        f"expected attention on the mirrored position >= 80 % of the time, got {right / total:.1%}"
    )


# -- 15.8 positional encoding --------------------------------------------------------------


def test_positional_encoding_matches_the_formula(learner):
    for N, D in ((5, 4), (50, 16)):
        got = as_array(learner.positional_encoding(N, D), "the encoding", "ndarray")
        want = np.zeros((N, D))
        for p in range(N):  # written out entry by entry, as in the paper
            for i in range(D):
                angle = p / 10000 ** ((i - i % 2) / D)
                want[p, i] = math.sin(angle) if i % 2 == 0 else math.cos(angle)
        _close(got, want, f"PE for N={N}, D={D}", atol=1e-12)
    with learner.raises(ValueError):
        learner.positional_encoding(4, 5)


# -- 15.9 multi-head attention -------------------------------------------------------------


def _mha(query, key, value, W, heads, mask):  # noqa: ANN001, ANN202 - the judge's reference, head by head
    B, N, D = query.shape
    d = D // heads
    q = query @ W["W_q"].T + W["b_q"]
    k = key @ W["W_k"].T + W["b_k"]
    v = value @ W["W_v"].T + W["b_v"]
    outs = []
    for j in range(heads):
        cols = slice(j * d, (j + 1) * d)
        scores = q[:, :, cols] @ k[:, :, cols].transpose(0, 2, 1) / math.sqrt(d)
        if mask is not None:
            scores = scores + Tensor(np.where(mask, 0.0, -1e9))
        outs.append(scores.softmax(axis=-1) @ v[:, :, cols])
    return concat(outs, axis=-1) @ W["W_o"].T + W["b_o"]


def _mha_inputs(seed: int, B: int = 2, N: int = 4, M: int = 5, D: int = 6):  # noqa: ANN202
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal((B, N, D)), rng.standard_normal((B, M, D)), rng.standard_normal((B, M, D))]
    W = {
        f"{kind}_{n}": rng.standard_normal((D, D) if kind == "W" else (D,)) * 0.5
        for kind in ("W", "b")
        for n in "qkvo"
    }
    return arrays, W


def test_multi_head_attention_matches_reference_with_and_without_mask(learner):
    (q, k, v), W = _mha_inputs(13)
    causal = np.tril(np.ones((4, 5), dtype=bool))
    for heads, mask in ((1, None), (2, None), (3, causal)):
        want = _mha(Tensor(q), Tensor(k), Tensor(v), {n: Tensor(a) for n, a in W.items()}, heads, mask).data
        got = learner.multi_head_attention(
            Tensor(q), Tensor(k), Tensor(v), {n: Tensor(a) for n, a in W.items()}, heads, mask
        )
        _close(
            as_array(got, "the output", "Tensor"),
            want,
            f"the output with {heads} heads, mask={mask is not None}",
        )
    with learner.raises(ValueError):
        learner.multi_head_attention(Tensor(q), Tensor(k), Tensor(v), {n: Tensor(a) for n, a in W.items()}, 4)


def test_multi_head_attention_causal_mask_hides_the_future(learner):
    (x, _, _), W = _mha_inputs(14, N=5, M=5)
    causal = np.tril(np.ones((5, 5), dtype=bool))
    P = {n: Tensor(a) for n, a in W.items()}
    later = x.copy()
    later[:, 3:] += 10.0  # change positions 3 and 4 only
    got = [
        as_array(learner.multi_head_attention(Tensor(a), Tensor(a), Tensor(a), P, 2, causal), "out", "Tensor")
        for a in (x, later)
    ]
    want = _mha(Tensor(later), Tensor(later), Tensor(later), P, 2, causal).data
    _close(got[1], want, "the self-attention output with a causal mask")
    _close(got[1][:, :3], got[0][:, :3], "the outputs at positions 0-2 after changing positions 3-4")


def test_multi_head_attention_gradients_reach_every_weight(learner):
    (q, k, v), W = _mha_inputs(15)
    names = sorted(W)
    up = np.random.default_rng(16).standard_normal((2, 4, 6))

    tensors = [Tensor(a, requires_grad=True) for a in (q, k, v)] + [
        Tensor(W[n], requires_grad=True) for n in names
    ]
    answer = learner.probe("mha_grads", q, k, v, {n: W[n] for n in names}, 2, up)
    P = {n: t for n, t in zip(names, tensors[3:])}
    (_mha(*tensors[:3], P, 2, None) * Tensor(up)).sum().backward()
    assert isinstance(answer, dict) and set(answer) >= {"query", "key", "value", *names}, (
        f"expected the gradient of every input and weight, got {answer!r}"[:200]
    )
    for name, t in zip(("query", "key", "value", *names), tensors):
        got = answer[name]
        assert got is not None, f"expected a gradient for {name}, got none (is the graph broken by .data?)"
        _close(as_array(got, f"d/d{name}", "ndarray"), t.grad, f"the gradient of {name}")
