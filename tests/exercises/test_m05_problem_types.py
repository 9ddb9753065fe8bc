"""Tests of module 5: many-to-one, per-step tagging, encoding padded batches, generation.

The reference is the cell's equation run in numpy; properties check what each problem type
means (a tag never looks ahead, padding never matters, a generator feeds its output back).
"""

from __future__ import annotations

import numpy as np
import pytest

from microgradrnn import Tensor
from microgradrnn.gradcheck import numerical_grad, rel_error


@pytest.fixture(scope="module")
def m(load_exercise):
    return load_exercise("m05_problem_types")


def _weights(m, I: int, H: int, O: int, seed: int):
    rng = np.random.default_rng(seed)
    shapes = [(H, I), (H, H), (H,), (O, H), (O,)]
    return m.RNNWeights(*(Tensor(rng.standard_normal(s) * 0.7, requires_grad=True) for s in shapes))


def _params(w) -> list[Tensor]:
    return [w.W_ax, w.W_aa, w.b_a, w.W_ya, w.b_y]


def _states(w, xs: np.ndarray) -> np.ndarray:
    """Hidden states after every step, from a zero state, in numpy: shape (T, B, H)."""
    a = np.zeros((xs.shape[1], w.W_aa.shape[0]))
    states = []
    for x in xs:
        a = np.tanh(a @ w.W_aa.data.T + x @ w.W_ax.data.T + w.b_a.data)
        states.append(a)
    return np.array(states)


def _head(w, a: np.ndarray) -> np.ndarray:
    return a @ w.W_ya.data.T + w.b_y.data


def _tensor_result(result, shape, what: str) -> np.ndarray:
    assert isinstance(result, Tensor), f"expected {what} as a Tensor, got {type(result).__name__}"
    got = np.asarray(result.data, dtype=np.float64)
    assert got.shape == shape, f"expected {what} of shape {shape}, got {got.shape}"
    return got


def _close(got, expected, what: str) -> None:
    assert np.allclose(got, expected, atol=1e-10), (
        f"{what}: expected {np.round(expected.ravel()[:3], 5)} ..., got {np.round(got.ravel()[:3], 5)} ..."
    )


def _check_gradients(fn, inputs, what: str) -> None:
    out = fn(*inputs)
    assert isinstance(out, Tensor) and out.requires_grad, f"expected {what} to stay in the autograd graph"
    for t in inputs:
        t.zero_grad()
    out.backward()
    numeric = numerical_grad(fn, inputs)
    for i, (t, g) in enumerate(zip(inputs, numeric)):
        err = rel_error(t.grad, g)
        assert err < 1e-6, (
            f"{what}, input {i} of shape {t.shape}: expected relative error < 1e-6, got {err:.2g}"
        )


# -- 5.1 many-to-one --------------------------------------------------------------------------------


def test_many_to_one_answers_from_the_last_hidden_state(m):
    T, B, I, H, O = 5, 3, 4, 6, 2
    w = _weights(m, I, H, O, seed=0)
    xs = np.random.default_rng(1).standard_normal((T, B, I))
    got = _tensor_result(m.many_to_one(w, Tensor(xs)), (B, O), "the logits")
    _close(got, _head(w, _states(w, xs)[-1]), "logits from a<T>")


def test_many_to_one_depends_on_the_first_word_too(m):
    T, B, I, H, O = 6, 1, 3, 5, 4
    w = _weights(m, I, H, O, seed=2)
    xs = np.random.default_rng(3).standard_normal((T, B, I))
    before = _tensor_result(m.many_to_one(w, Tensor(xs)), (B, O), "the logits")
    xs[0] += 1.0
    after = _tensor_result(m.many_to_one(w, Tensor(xs)), (B, O), "the logits")
    assert not np.allclose(before, after), "expected the answer to change when the first input changes"
    _close(after, _head(w, _states(w, xs)[-1]), "logits after changing the first input")


def test_many_to_one_gradients_reach_every_weight(m):
    T, B, I, H, O = 3, 2, 2, 3, 2
    w = _weights(m, I, H, O, seed=4)
    xs = Tensor(np.random.default_rng(5).standard_normal((T, B, I)), requires_grad=True)
    R = Tensor(np.random.default_rng(6).standard_normal((B, O)))

    def loss(xs, *params):
        return (m.many_to_one(m.RNNWeights(*params), xs) * R).sum()

    _check_gradients(loss, [xs, *_params(w)], "many_to_one")


# -- 5.2 tagging ------------------------------------------------------------------------------------


def test_tagger_answers_at_every_step(m):
    T, B, I, H, O = 5, 2, 3, 4, 3
    w = _weights(m, I, H, O, seed=7)
    xs = np.random.default_rng(8).standard_normal((T, B, I))
    got = _tensor_result(m.tag_each_step(w, Tensor(xs)), (T, B, O), "the tag logits")
    _close(got, _head(w, _states(w, xs)), "logits of every step")


def test_tag_at_step_t_never_looks_at_later_words(m):
    T, B, I, H, O = 7, 2, 3, 4, 3
    w = _weights(m, I, H, O, seed=9)
    xs = np.random.default_rng(10).standard_normal((T, B, I))
    before = _tensor_result(m.tag_each_step(w, Tensor(xs)), (T, B, O), "the tag logits")
    for t0 in (2, 5):
        changed = xs.copy()
        changed[t0] += 1.0
        after = _tensor_result(m.tag_each_step(w, Tensor(changed)), (T, B, O), "the tag logits")
        assert np.allclose(after[:t0], before[:t0]), f"expected tags before step {t0} unchanged by input {t0}"
        moved = [t for t in range(t0, T) if not np.allclose(after[t], before[t])]
        assert moved == list(range(t0, T)), f"expected tags {t0}..{T - 1} to change, got only {moved}"


def test_tagger_gradients_match_central_differences(m):
    T, B, I, H, O = 3, 1, 2, 3, 2
    w = _weights(m, I, H, O, seed=11)
    xs = Tensor(np.random.default_rng(12).standard_normal((T, B, I)), requires_grad=True)
    R = Tensor(np.random.default_rng(13).standard_normal((T, B, O)))

    def loss(xs, *params):
        return (m.tag_each_step(m.RNNWeights(*params), xs) * R).sum()

    _check_gradients(loss, [xs, *_params(w)], "tag_each_step")


# -- 5.3 encoder ------------------------------------------------------------------------------------


def test_encode_picks_each_sequence_own_last_state(m):
    T, B, I, H = 6, 4, 3, 5
    w = _weights(m, I, H, 2, seed=14)
    xs = np.random.default_rng(15).standard_normal((T, B, I))
    lengths = [6, 1, 3, 4]
    got = _tensor_result(m.encode(w, Tensor(xs), lengths), (B, H), "the encodings")
    for b, n in enumerate(lengths):
        expected = _states(w, xs[:n, b : b + 1])[-1, 0]
        _close(got[b], expected, f"encoding of sequence {b} (length {n})")


def test_encode_ignores_the_padding(m):
    T, B, I, H = 5, 3, 2, 4
    w = _weights(m, I, H, 2, seed=16)
    rng = np.random.default_rng(17)
    xs = rng.standard_normal((T, B, I))
    lengths = [2, 5, 3]
    before = _tensor_result(m.encode(w, Tensor(xs), lengths), (B, H), "the encodings")
    for b, n in enumerate(lengths):
        xs[n:, b] = rng.standard_normal((T - n, I)) * 10
    after = _tensor_result(m.encode(w, Tensor(xs), lengths), (B, H), "the encodings")
    _close(after, before, "encodings after changing only the padding")


def test_encode_gradients_skip_the_padding(m):
    T, B, I, H = 4, 2, 2, 3
    w = _weights(m, I, H, 2, seed=18)
    xs = Tensor(np.random.default_rng(19).standard_normal((T, B, I)), requires_grad=True)
    R = Tensor(np.random.default_rng(20).standard_normal((B, H)))
    lengths = [2, 4]

    def loss(xs, W_ax, W_aa, b_a):
        return (m.encode(m.RNNWeights(W_ax, W_aa, b_a, w.W_ya, w.b_y), xs, lengths) * R).sum()

    _check_gradients(loss, [xs, w.W_ax, w.W_aa, w.b_a], "encode")
    assert np.all(xs.grad[2:, 0] == 0), "expected no gradient for the padding of sequence 0"


# -- 5.4 generation ---------------------------------------------------------------------------------


def _counter(m, V: int):
    """Weights that map token k to token k + 1 (mod V): the hidden state is the input's one-hot."""
    shift = np.roll(np.eye(V), 1, axis=0)  # row k+1 picks hidden unit k
    arrays = [5.0 * np.eye(V), np.zeros((V, V)), np.zeros(V), 10.0 * shift, np.zeros(V)]
    return m.RNNWeights(*(Tensor(a) for a in arrays))


def _tokens(result, steps: int) -> list[int]:
    assert isinstance(result, list), f"expected a list of tokens, got {type(result).__name__}"
    assert len(result) == steps, f"expected {steps} tokens, got {len(result)}"
    assert all(isinstance(t, (int, np.integer)) for t in result), f"expected integer tokens, got {result[:4]}"
    return [int(t) for t in result]


def test_generate_feeds_each_output_back_in(m):
    w = _counter(m, 5)
    for start in (0, 3):
        got = _tokens(m.generate(w, start, 8), 8)
        expected = [(start + k) % 5 for k in range(1, 9)]
        assert got == expected, f"counting from {start}: expected {expected}, got {got}"


def test_generate_greedy_matches_the_equations(m):
    V, H, steps = 6, 8, 12
    w = _weights(m, V, H, V, seed=21)
    a, x, expected = np.zeros((1, H)), np.eye(V)[[2]], []
    for _ in range(steps):
        a = np.tanh(a @ w.W_aa.data.T + x @ w.W_ax.data.T + w.b_a.data)
        token = int(np.argmax(_head(w, a)[0]))
        expected.append(token)
        x = np.eye(V)[[token]]
    got = _tokens(m.generate(w, 2, steps), steps)
    assert got == expected, f"expected {expected}, got {got}"


def test_generate_samples_reproducibly_from_the_softmax(m):
    V = 4
    p = np.array([0.1, 0.2, 0.3, 0.4])
    arrays = [np.ones((3, V)), np.eye(3) * 0.5, np.zeros(3), np.zeros((V, 3)), np.log(p)]
    w = m.RNNWeights(*(Tensor(a) for a in arrays))  # every step: softmax(logits) = p
    first = _tokens(m.generate(w, 0, 600, seed=7), 600)
    again = _tokens(m.generate(w, 0, 100, seed=7), 100)
    assert again == first[:100], "expected the same tokens for the same seed"
    other = _tokens(m.generate(w, 0, 100, seed=8), 100)
    assert other != first[:100], "expected different tokens for another seed"
    # 600 draws: each frequency is within 0.07 of its probability with odds of about 2000 to 1.
    freq = np.bincount(first, minlength=V) / len(first)
    assert np.allclose(freq, p, atol=0.07), f"expected token frequencies near {p}, got {np.round(freq, 3)}"
