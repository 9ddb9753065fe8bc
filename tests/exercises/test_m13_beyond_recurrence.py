"""Tests of module 13: beyond recurrence.

The learner's conv1d and attention take and return Tensors, so each test calls them through
``learner`` (``learner.backward`` for gradients) and judges the answer here against plain
numpy references written in this file: loops for the convolution, the softmax formula for
attention, and central differences of those references for the gradients.
"""

from __future__ import annotations

import numpy as np

from microgradrnn import Tensor
from microgradrnn.grading.learner import as_array


def _conv_loops(x, w, b) -> np.ndarray:
    """out[b, t, o] = bias[o] + sum_{c,k} w[o, c, k] * x[b, t + k, c], written as plain loops."""
    B, T, C_in = x.shape
    C_out, _, K = w.shape
    out = np.zeros((B, T - K + 1, C_out))
    for i in range(B):
        for t in range(T - K + 1):
            for o in range(C_out):
                out[i, t, o] = (0.0 if b is None else b[o]) + sum(
                    w[o, c, k] * x[i, t + k, c] for c in range(C_in) for k in range(K)
                )
    return out


def _conv_inputs(seed: int, B=2, T=7, C_in=3, C_out=4, K=3):
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal((B, T, C_in)), rng.standard_normal((C_out, C_in, K))
    return x, w, rng.standard_normal(C_out)


def _attention_numpy(q, k, v, mask=None):
    B, T, H = k.shape
    scores = np.einsum("bh,bth->bt", q, k) / np.sqrt(H)
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    w = e / e.sum(axis=1, keepdims=True)
    return np.einsum("bt,bth->bh", w, v), w


def _attention_inputs(seed: int, B=2, T=5, H=4, scale=2.0):
    rng = np.random.default_rng(seed)
    q, k = rng.standard_normal((B, H)) * scale, rng.standard_normal((B, T, H)) * scale
    return q, k, rng.standard_normal((B, T, H))


def _central_differences(f, arrays: list[np.ndarray], eps: float = 1e-6) -> list[np.ndarray]:
    """d f / d each array by central differences, in float64."""
    grads = []
    for a in arrays:
        g = np.zeros_like(a)
        for i in np.ndindex(a.shape):
            old = a[i]
            a[i] = old + eps
            up = f(*arrays)
            a[i] = old - eps
            down = f(*arrays)
            a[i] = old
            g[i] = (up - down) / (2 * eps)
        grads.append(g)
    return grads


def _close(got: np.ndarray, want: np.ndarray, what: str, atol: float = 1e-10) -> None:
    assert got.shape == want.shape, f"expected {what} of shape {want.shape}, got {got.shape}"
    assert np.allclose(got, want, atol=atol), (
        f"expected {what} {np.round(want.ravel()[:4], 4)}..., got {np.round(got.ravel()[:4], 4)}..."
    )


def _attend(learner, q, k, v, mask=None) -> tuple[np.ndarray, np.ndarray]:
    args = [Tensor(q), Tensor(k), Tensor(v)] + ([] if mask is None else [mask])
    result = learner.attention(*args)
    assert isinstance(result, tuple) and len(result) == 2, (
        f"expected a tuple (context, weights), got {result!r}"[:300]
    )
    return as_array(result[0], "the context", "Tensor"), as_array(result[1], "the weights", "Tensor")


# -- 13.1 conv1d ---------------------------------------------------------------------------


def test_conv1d_matches_loop_reference(learner):
    for seed, K, C_out in ((0, 3, 4), (1, 1, 2), (2, 7, 3)):
        x, w, b = _conv_inputs(seed, K=K, C_out=C_out)
        got = as_array(learner.conv1d(Tensor(x), Tensor(w), Tensor(b)), "the output", "Tensor")
        _close(got, _conv_loops(x, w, b), f"the output for K={K}")


def test_conv1d_without_bias(learner):
    x, w, _ = _conv_inputs(3)
    _close(as_array(learner.conv1d(Tensor(x), Tensor(w)), "the output", "Tensor"), _conv_loops(x, w, None),
           "the output without bias")


def test_conv1d_gradients_match_central_differences(learner):
    x, w, b = _conv_inputs(4, B=1, T=5, C_in=2, C_out=2, K=2)
    g = np.random.default_rng(5).standard_normal((1, 4, 2))
    answer = learner.backward("conv1d", [Tensor(a, requires_grad=True) for a in (x, w, b)], [g])
    expected = _central_differences(lambda x, w, b: float((_conv_loops(x, w, b) * g).sum()), [x, w, b])
    for name, got, want in zip(("x", "weight", "bias"), answer["grads"], expected):
        assert got is not None, f"expected a gradient for {name}, got none (is the graph broken by .data?)"
        _close(as_array(got, f"the gradient of {name}", "ndarray"), want, f"d(loss)/d({name})", atol=1e-6)


def test_conv1d_rejects_short_sequence_and_channel_mismatch(learner):
    x, w, b = _conv_inputs(6, T=3, K=3)
    _close(as_array(learner.conv1d(Tensor(x), Tensor(w), Tensor(b)), "the output", "Tensor"),
           _conv_loops(x, w, b), "the one-step output when T = K")
    with learner.raises(ValueError):
        learner.conv1d(Tensor(x[:, :2]), Tensor(w), Tensor(b))
    # Fewer and more channels than the weight expects: the message names both sizes.
    for channels in (2, 5):
        xc = np.concatenate([x, x], axis=2)[:, :, :channels]
        with learner.raises(ValueError) as caught:
            learner.conv1d(Tensor(xc), Tensor(w), Tensor(b))
        message = caught[0].message
        assert str(channels) in message and "3" in message, (
            f"expected the message to name both channel counts ({channels} and 3), got {message!r}")


# -- 13.2 attention ------------------------------------------------------------------------


def test_attention_matches_scaled_dot_product_reference(learner):
    for seed, (B, T, H) in ((7, (2, 5, 4)), (13, (3, 2, 9))):
        q, k, v = _attention_inputs(seed, B, T, H)
        c, w = _attend(learner, q, k, v)
        expected_c, expected_w = _attention_numpy(q, k, v)
        _close(w, expected_w, "weights (scores divided by sqrt(H))")
        _close(c, expected_c, "context")


def test_attention_weights_sum_to_one(learner):
    q, k, v = _attention_inputs(8, B=3, T=6, scale=5.0)  # large scores: the softmax must be stable
    c, w = _attend(learner, q, k, v)
    assert w.shape == (3, 6) and np.all(w >= 0) and np.allclose(w.sum(axis=1), 1.0), (
        f"expected (3, 6) weights with rows summing to 1, got row sums {w.sum(axis=1)}"
    )
    expected_c, expected_w = _attention_numpy(q, k, v)
    _close(w, expected_w, "weights for large scores")
    _close(c, expected_c, "context for large scores")


def test_attention_identical_keys_give_uniform_weights(learner):
    q, k, v = _attention_inputs(9, B=2, T=4, H=3)
    same = np.repeat(k[:, :1, :], 4, axis=1)
    c, w = _attend(learner, q, same, v)
    _close(w, np.full((2, 4), 0.25), "weights for identical keys")
    _close(c, v.mean(axis=1), "context (the mean of the values)")


def test_attention_gradients_match_central_differences(learner):
    q, k, v = _attention_inputs(10, B=1, T=3, H=2, scale=1.0)
    rng = np.random.default_rng(11)
    gc, gw = rng.standard_normal((1, 2)), rng.standard_normal((1, 3))
    answer = learner.backward("attention", [Tensor(a, requires_grad=True) for a in (q, k, v)], [gc, gw])

    def loss(q, k, v):
        c, w = _attention_numpy(q, k, v)
        return float((c * gc).sum() + (w * gw).sum())

    expected = _central_differences(loss, [q, k, v])
    for name, got, want in zip(("query", "keys", "values"), answer["grads"], expected):
        assert got is not None, f"expected a gradient for {name}, got none (is the graph broken by .data?)"
        _close(as_array(got, f"the gradient of {name}", "ndarray"), want, f"d(loss)/d({name})", atol=1e-6)


def test_attention_mask_gives_padding_zero_weight(learner):
    q, k, v = _attention_inputs(12, B=2, T=5, H=4)
    mask = np.array([[True, True, True, False, False], [True, True, True, True, True]])
    c, w = _attend(learner, q, k, v, mask)
    expected_c, expected_w = _attention_numpy(q, k, v, mask)
    assert w.shape == (2, 5) and np.all(w[0, 3:] == 0.0), (
        f"expected weight 0 at the padded steps, got {w[0, 3:]}"
    )
    _close(w, expected_w, "weights with the mask")
    _close(c, expected_c, "context with the mask")
    one = np.array([[False, False, True, False, False], [True, False, False, False, False]])
    c, w = _attend(learner, q, k, v, one)
    _close(w, one.astype(float), "weights with one real step per row")
    _close(c, v[[0, 1], [2, 0]], "context with one real step per row (its value)")
    k = k.copy()
    k[0, 3] = 1e3 * q[0]  # a padded key that would win by thousands if it were only pushed down a little
    c, w = _attend(learner, q, k, v, mask)
    expected_c, expected_w = _attention_numpy(q, k, v, mask)
    _close(w, expected_w, "weights when a padded key scores highest (a finite 'minus infinity'?)")
    _close(c, expected_c, "context with the mask for large scores")
