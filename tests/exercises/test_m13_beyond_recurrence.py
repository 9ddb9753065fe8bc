"""Tests of module 13: beyond recurrence."""

from __future__ import annotations

import numpy as np
import pytest

from microgradrnn import Tensor, numerical_grad, rel_error


@pytest.fixture(scope="module")
def m(load_exercise):
    return load_exercise("m13_beyond_recurrence")


def _tensor(result, what: str) -> np.ndarray:
    assert isinstance(result, Tensor), f"expected {what} as a Tensor, got {type(result).__name__}"
    return np.asarray(result.data, dtype=np.float64)


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
    return (
        rng.standard_normal((B, T, C_in)),
        rng.standard_normal((C_out, C_in, K)),
        rng.standard_normal(C_out),
    )


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
    return (
        rng.standard_normal((B, H)) * scale,
        rng.standard_normal((B, T, H)) * scale,
        rng.standard_normal((B, T, H)),
    )


def _attend(m, q, k, v, mask=None):
    result = m.attention(q, k, v) if mask is None else m.attention(q, k, v, mask)
    assert isinstance(result, tuple) and len(result) == 2, (
        f"expected a tuple (context, weights), got {type(result).__name__}"
    )
    return result


# -- 13.1 conv1d ---------------------------------------------------------------------------


def test_conv1d_matches_loop_reference(m):
    for seed, K in ((0, 3), (1, 1), (2, 7)):
        x, w, b = _conv_inputs(seed, K=K)
        got = _tensor(m.conv1d(Tensor(x), Tensor(w), Tensor(b)), "the output")
        expected = _conv_loops(x, w, b)
        assert got.shape == expected.shape, f"expected shape {expected.shape} for K={K}, got {got.shape}"
        assert np.allclose(got, expected), (
            f"expected {np.round(expected[0, :, 0], 4)}, got {np.round(got[0, :, 0], 4)}"
        )


def test_conv1d_without_bias(m):
    x, w, _ = _conv_inputs(3)
    got = _tensor(m.conv1d(Tensor(x), Tensor(w)), "the output")
    expected = _conv_loops(x, w, None)
    assert got.shape == expected.shape, f"expected shape {expected.shape}, got {got.shape}"
    assert np.allclose(got, expected), (
        f"expected {np.round(expected[0, :, 0], 4)}, got {np.round(got[0, :, 0], 4)}"
    )


def test_conv1d_gradients_match_central_differences(m):
    x, w, b = (Tensor(a, requires_grad=True) for a in _conv_inputs(4, B=1, T=5, C_in=2, C_out=2, K=2))
    g = np.random.default_rng(5).standard_normal((1, 4, 2))

    def loss(x, w, b):
        out = m.conv1d(x, w, b)
        assert isinstance(out, Tensor), f"expected a Tensor, got {type(out).__name__}"
        return (out * Tensor(g)).sum()

    for t in (x, w, b):
        t.zero_grad()
    loss(x, w, b).backward()
    for name, t, num in zip(("x", "weight", "bias"), (x, w, b), numerical_grad(loss, [x, w, b])):
        err = rel_error(t.grad, num)
        assert err < 1e-6, (
            f"expected d(loss)/d({name}) to match central differences, got relative error {err:.3g}"
        )


def test_conv1d_rejects_short_sequence_and_channel_mismatch(m):
    x, w, b = _conv_inputs(6, T=2, K=3)
    with pytest.raises(ValueError):
        m.conv1d(Tensor(x), Tensor(w), Tensor(b))
    x, w, b = _conv_inputs(6, T=5, K=3)
    with pytest.raises(ValueError):
        m.conv1d(Tensor(x[:, :, :2]), Tensor(w), Tensor(b))


# -- 13.2 attention ------------------------------------------------------------------------


def test_attention_matches_scaled_dot_product_reference(m):
    q, k, v = _attention_inputs(7)
    context, weights = _attend(m, Tensor(q), Tensor(k), Tensor(v))
    c, w = _tensor(context, "the context"), _tensor(weights, "the weights")
    expected_c, expected_w = _attention_numpy(q, k, v)
    assert w.shape == (2, 5), f"expected weights of shape (2, 5), got {w.shape}"
    assert c.shape == (2, 4), f"expected context of shape (2, 4), got {c.shape}"
    assert np.allclose(w, expected_w), (
        f"expected weights {np.round(expected_w[0], 4)} (scores divided by sqrt(H)), got {np.round(w[0], 4)}"
    )
    assert np.allclose(c, expected_c), (
        f"expected context {np.round(expected_c[0], 4)}, got {np.round(c[0], 4)}"
    )


def test_attention_weights_sum_to_one(m):
    q, k, v = _attention_inputs(8, B=3, T=6, scale=5.0)
    _, weights = _attend(m, Tensor(q), Tensor(k), Tensor(v))
    w = _tensor(weights, "the weights")
    assert w.shape == (3, 6), f"expected weights of shape (3, 6), got {w.shape}"
    assert np.all(w >= 0) and np.allclose(w.sum(axis=1), 1.0), (
        f"expected rows summing to 1, got {w.sum(axis=1)}"
    )


def test_attention_identical_keys_give_uniform_weights(m):
    q, k, v = _attention_inputs(9, B=2, T=4, H=3)
    same = np.repeat(k[:, :1, :], 4, axis=1)
    context, weights = _attend(m, Tensor(q), Tensor(same), Tensor(v))
    w, c = _tensor(weights, "the weights"), _tensor(context, "the context")
    assert np.allclose(w, 0.25), f"expected every weight 1/4 for identical keys, got {np.round(w, 4)}"
    assert np.allclose(c, v.mean(axis=1)), f"expected the mean of the values {v.mean(axis=1)}, got {c}"


def test_attention_gradients_match_central_differences(m):
    q, k, v = (Tensor(a, requires_grad=True) for a in _attention_inputs(10, B=1, T=3, H=2, scale=1.0))
    g = np.random.default_rng(11).standard_normal((1, 2))

    def loss(q, k, v):
        context, _ = _attend(m, q, k, v)
        assert isinstance(context, Tensor), f"expected a Tensor, got {type(context).__name__}"
        return (context * Tensor(g)).sum()

    for t in (q, k, v):
        t.zero_grad()
    loss(q, k, v).backward()
    for name, t, num in zip(("query", "keys", "values"), (q, k, v), numerical_grad(loss, [q, k, v])):
        err = rel_error(t.grad, num)
        assert err < 1e-6, (
            f"expected d(loss)/d({name}) to match central differences, got relative error {err:.3g}"
        )


def test_attention_mask_gives_padding_zero_weight(m):
    q, k, v = _attention_inputs(12, B=2, T=5, H=4)
    mask = np.array([[True, True, True, False, False], [True, True, True, True, True]])
    context, weights = _attend(m, Tensor(q), Tensor(k), Tensor(v), mask)
    w, c = _tensor(weights, "the weights"), _tensor(context, "the context")
    expected_c, expected_w = _attention_numpy(q, k, v, mask)
    assert np.all(w[0, 3:] == 0.0), f"expected weight 0 at the padded steps, got {w[0, 3:]}"
    assert np.allclose(w, expected_w), f"expected weights {np.round(expected_w, 4)}, got {np.round(w, 4)}"
    assert np.allclose(c, expected_c), f"expected context {np.round(expected_c, 4)}, got {np.round(c, 4)}"
