"""Tests of module 5: many-to-one, per-step tagging, encoding padded batches, generation.

The exercises take the learner's ``RNNWeights``, so each call goes through a probe
(``probes/m05_problem_types.py``) that builds it in the runner from the arrays sent here.
The reference is the cell's equation run here in numpy; properties check what each problem
type means (a tag never looks ahead, padding never matters, a generator feeds its output
back), each together with the right numbers.
"""

from __future__ import annotations

import numpy as np

from microgradrnn import Tensor
from microgradrnn.grading.learner import as_array


def _weights(I: int, H: int, O: int, seed: int) -> list[np.ndarray]:
    """W_ax, W_aa, b_a, W_ya, b_y (the order of RNNWeights' fields)."""
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s) * 0.7 for s in [(H, I), (H, H), (H,), (O, H), (O,)]]


def _states(w, xs: np.ndarray) -> np.ndarray:
    """Hidden states after every step, from a zero state, in numpy: shape (T, B, H)."""
    W_ax, W_aa, b_a = w[:3]
    a = np.zeros((xs.shape[1], W_aa.shape[0]))
    states = []
    for x in xs:
        a = np.tanh(a @ W_aa.T + x @ W_ax.T + b_a)
        states.append(a)
    return np.array(states)


def _head(w, a: np.ndarray) -> np.ndarray:
    return a @ w[3].T + w[4]


def _tensor_result(result, shape, what: str) -> np.ndarray:
    got = as_array(result, what, "Tensor")
    assert got.shape == shape, f"expected {what} of shape {shape}, got {got.shape}"
    return got


def _close(got, expected, what: str) -> None:
    assert np.allclose(got, expected, atol=1e-10), (
        f"{what}: expected {np.round(expected.ravel()[:3], 5)} ..., got {np.round(got.ravel()[:3], 5)} ..."
    )


def _central_differences(f, arrays: list[np.ndarray], eps: float = 1e-6) -> list[np.ndarray]:
    """d f / d each array, by central differences in float64 (f reads the arrays, returns a float)."""
    grads = []
    for arr in arrays:
        g = np.zeros_like(arr)
        for i in np.ndindex(arr.shape):
            keep = arr[i]
            arr[i] = keep + eps
            up = f()
            arr[i] = keep - eps
            down = f()
            arr[i] = keep
            g[i] = (up - down) / (2 * eps)
        grads.append(g)
    return grads


def _check_gradients(learner, function, w, xs, upstream, reference, shape, *args, only=5) -> None:
    """The learner's gradients of xs and the first ``only`` weights against central differences."""
    answer = learner.probe("gradients", function, w, Tensor(xs, requires_grad=True), upstream, *args)
    assert answer["grads"] is not None, (
        f"expected {function} to return a Tensor in the autograd graph, got {answer['result']!r}"[:300]
    )
    _tensor_result(answer["result"], shape, f"the result of {function}")

    def loss() -> float:
        return float((reference() * upstream).sum())

    arrays = [xs, *w[:only]]
    names = ("xs", "W_ax", "W_aa", "b_a", "W_ya", "b_y")
    for name, got, want in zip(names, answer["grads"], _central_differences(loss, arrays)):
        got = as_array(got, f"the gradient of {name}", "ndarray")
        assert got.shape == want.shape and np.allclose(got, want, rtol=1e-6, atol=1e-8), (
            f"{function}, gradient of {name}: expected {np.round(want.ravel()[:3], 5)} ..., "
            f"got {np.round(got.ravel()[:3], 5)} ..."
        )


# -- 5.1 many-to-one --------------------------------------------------------------------------------


def test_many_to_one_answers_from_the_last_hidden_state(learner):
    T, B, I, H, O = 5, 3, 4, 6, 2
    w = _weights(I, H, O, seed=0)
    xs = np.random.default_rng(1).standard_normal((T, B, I))
    got = _tensor_result(learner.probe("run", "many_to_one", w, Tensor(xs)), (B, O), "the logits")
    _close(got, _head(w, _states(w, xs)[-1]), "logits from a<T>")


def test_many_to_one_depends_on_the_first_word_too(learner):
    T, B, I, H, O = 6, 1, 3, 5, 4
    w = _weights(I, H, O, seed=2)
    xs = np.random.default_rng(3).standard_normal((T, B, I))
    before = _tensor_result(learner.probe("run", "many_to_one", w, Tensor(xs)), (B, O), "the logits")
    xs[0] += 1.0
    after = _tensor_result(learner.probe("run", "many_to_one", w, Tensor(xs)), (B, O), "the logits")
    assert not np.allclose(before, after), "expected the answer to change when the first input changes"
    _close(after, _head(w, _states(w, xs)[-1]), "logits after changing the first input")


def test_many_to_one_gradients_reach_every_weight(learner):
    T, B, I, H, O = 3, 2, 2, 3, 2
    w = _weights(I, H, O, seed=4)
    xs = np.random.default_rng(5).standard_normal((T, B, I))
    R = np.random.default_rng(6).standard_normal((B, O))
    _check_gradients(learner, "many_to_one", w, xs, R, lambda: _head(w, _states(w, xs)[-1]), (B, O))


# -- 5.2 tagging ------------------------------------------------------------------------------------


def test_tagger_answers_at_every_step(learner):
    T, B, I, H, O = 5, 2, 3, 4, 3
    w = _weights(I, H, O, seed=7)
    xs = np.random.default_rng(8).standard_normal((T, B, I))
    got = _tensor_result(learner.probe("run", "tag_each_step", w, Tensor(xs)), (T, B, O), "the tag logits")
    _close(got, _head(w, _states(w, xs)), "logits of every step")


def test_tag_at_step_t_never_looks_at_later_words(learner):
    T, B, I, H, O = 7, 2, 3, 4, 3
    w = _weights(I, H, O, seed=9)
    xs = np.random.default_rng(10).standard_normal((T, B, I))
    for t0 in (2, 5):
        changed = xs.copy()
        changed[t0] += 1.0
        answer = learner.probe("run", "tag_each_step", w, Tensor(changed))
        got = _tensor_result(answer, (T, B, O), "the tag logits")
        # The right numbers first: a tagger that returns the same for every input never looks ahead either.
        _close(got, _head(w, _states(w, changed)), f"logits after changing input {t0}")
        before = _head(w, _states(w, xs))
        moved = [t for t in range(T) if not np.allclose(got[t], before[t])]
        assert moved == list(range(t0, T)), f"expected only tags {t0}..{T - 1} to change, got {moved}"


def test_tagger_gradients_match_central_differences(learner):
    T, B, I, H, O = 3, 1, 2, 3, 2
    w = _weights(I, H, O, seed=11)
    xs = np.random.default_rng(12).standard_normal((T, B, I))
    R = np.random.default_rng(13).standard_normal((T, B, O))
    _check_gradients(learner, "tag_each_step", w, xs, R, lambda: _head(w, _states(w, xs)), (T, B, O))


# -- 5.3 encoder ------------------------------------------------------------------------------------


def test_encode_picks_each_sequence_own_last_state(learner):
    T, B, I, H = 6, 4, 3, 5
    w = _weights(I, H, 2, seed=14)
    xs = np.random.default_rng(15).standard_normal((T, B, I))
    lengths = [6, 1, 3, 4]
    got = _tensor_result(learner.probe("run", "encode", w, Tensor(xs), lengths), (B, H), "the encodings")
    for b, n in enumerate(lengths):
        expected = _states(w, xs[:n, b : b + 1])[-1, 0]
        _close(got[b], expected, f"encoding of sequence {b} (length {n})")


def test_encode_ignores_the_padding(learner):
    T, B, I, H = 5, 3, 2, 4
    w = _weights(I, H, 2, seed=16)
    rng = np.random.default_rng(17)
    xs = rng.standard_normal((T, B, I))
    lengths = [2, 5, 3]
    for b, n in enumerate(lengths):
        xs[n:, b] = rng.standard_normal((T - n, I)) * 10
    got = _tensor_result(learner.probe("run", "encode", w, Tensor(xs), lengths), (B, H), "the encodings")
    # Loud padding after each sequence's end: the encodings are those of the real steps alone.
    for b, n in enumerate(lengths):
        _close(got[b], _states(w, xs[:n, b : b + 1])[-1, 0], f"encoding of sequence {b} under its padding")


def test_encode_gradients_skip_the_padding(learner):
    T, B, I, H = 4, 2, 2, 3
    w = _weights(I, H, 2, seed=18)
    xs = np.random.default_rng(19).standard_normal((T, B, I))
    R = np.random.default_rng(20).standard_normal((B, H))
    lengths = [2, 4]

    def reference() -> np.ndarray:
        states = _states(w, xs)
        return states[np.asarray(lengths) - 1, np.arange(B)]

    _check_gradients(learner, "encode", w, xs, R, reference, (B, H), lengths, only=3)


# -- 5.4 generation ---------------------------------------------------------------------------------


def _counter(V: int) -> list[np.ndarray]:
    """Weights that map token k to token k + 1 (mod V): the hidden state is the input's one-hot."""
    shift = np.roll(np.eye(V), 1, axis=0)  # row k+1 picks hidden unit k
    return [5.0 * np.eye(V), np.zeros((V, V)), np.zeros(V), 10.0 * shift, np.zeros(V)]


def _tokens(result, steps: int) -> list[int]:
    assert isinstance(result, list), f"expected a list of tokens, got {result!r}"[:200]
    assert len(result) == steps, f"expected {steps} tokens, got {len(result)}"
    assert all(type(t) is int for t in result), f"expected Python int tokens, got {result[:4]}"
    return list(result)


def _generate(learner, w, start: int, steps: int, seed=None) -> list[int]:
    return _tokens(learner.probe("run", "generate", w, start, steps, seed), steps)


def test_generate_feeds_each_output_back_in(learner):
    w = _counter(5)
    for start in (0, 3):
        got = _generate(learner, w, start, 8)
        expected = [(start + k) % 5 for k in range(1, 9)]
        assert got == expected, f"counting from {start}: expected {expected}, got {got}"


def test_generate_greedy_matches_the_equations(learner):
    V, H, steps = 6, 8, 12
    w = _weights(V, H, V, seed=21)
    W_ax, W_aa, b_a = w[:3]
    a, x, expected = np.zeros((1, H)), np.eye(V)[[2]], []
    for _ in range(steps):
        a = np.tanh(a @ W_aa.T + x @ W_ax.T + b_a)
        token = int(np.argmax(_head(w, a)[0]))
        expected.append(token)
        x = np.eye(V)[[token]]
    got = _generate(learner, w, 2, steps)
    assert got == expected, f"expected {expected}, got {got}"


def test_generate_samples_reproducibly_from_the_softmax(learner):
    V = 4
    p = np.array([0.1, 0.2, 0.3, 0.4])
    w = [np.ones((3, V)), np.eye(3) * 0.5, np.zeros(3), np.zeros((V, 3)), np.log(p)]  # softmax(logits) = p
    first = _generate(learner, w, 0, 600, seed=7)
    # 600 draws: each frequency is within 0.07 of its probability with odds of about 2000 to 1.
    freq = np.bincount(first, minlength=V) / len(first)
    assert np.allclose(freq, p, atol=0.07), f"expected token frequencies near {p}, got {np.round(freq, 3)}"
    again = _generate(learner, w, 0, 100, seed=7)
    assert again == first[:100], "expected the same tokens for the same seed"
    other = _generate(learner, w, 0, 100, seed=8)
    assert other != first[:100], "expected different tokens for another seed"
    # Seed 0 is a seed like any other: it samples, where greedy decoding would repeat token 3.
    zero = np.bincount(_generate(learner, w, 0, 100, seed=0), minlength=V)
    assert zero[3] < 100, "expected seed=0 to sample from the softmax, got the greedy token every time"
