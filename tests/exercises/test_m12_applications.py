"""Tests of module 12: applications.

A probe builds the tests' own models from seeds in the runner and runs the learner's code on
them; the tests build the same models from the same seeds here. Training tests get back the
trained parameters and load them into the judge's model, which then measures loss or accuracy
on held-out data itself: a number the learner's code reports is never trusted.
"""

from __future__ import annotations

import numpy as np
import pytest

from microgradrnn import Tensor, nn, no_grad, numerical_grad
from microgradrnn.data import load_sentiment, train_test_split
from microgradrnn.functional import cross_entropy, mse_loss
from microgradrnn.grading.learner import as_array


class CharLM(nn.Module):
    def __init__(self, vocab_size: int, hidden_size: int = 32, embedding_dim: int = 16, seed: int = 0):
        rng = np.random.default_rng(seed)
        self.embedding = nn.Embedding(vocab_size, embedding_dim, seed=rng)
        self.lstm = nn.LSTM(embedding_dim, hidden_size, batch_first=True, seed=rng)
        self.head = nn.Linear(hidden_size, vocab_size, seed=rng)

    def forward(self, ids, state=None):
        output, state = self.lstm(self.embedding(ids), state)
        return self.head(output), state


class Classifier(nn.Module):
    def __init__(self, vocab_size: int, hidden_size: int = 16, seed: int = 0):
        rng = np.random.default_rng(seed)
        self.embedding = nn.Embedding(vocab_size, 16, padding_idx=0, seed=rng)
        self.rnn = nn.GRU(16, hidden_size, batch_first=True, seed=rng)
        self.fc = nn.Linear(hidden_size, 2, seed=rng)

    def forward(self, ids):
        _, h_n = self.rnn(self.embedding(ids))
        return self.fc(h_n[-1])


class Forecaster(nn.Module):
    def __init__(self, hidden_size: int = 16, seed: int = 0):
        rng = np.random.default_rng(seed)
        self.rnn = nn.GRU(1, hidden_size, batch_first=True, seed=rng)
        self.fc = nn.Linear(hidden_size, 1, seed=rng)

    def forward(self, windows):
        B, W = windows.shape
        _, h_n = self.rnn(Tensor(windows.reshape(B, W, 1)))
        return self.fc(h_n[-1]).reshape(B)


def _loaded(model: nn.Module, state) -> nn.Module:
    """``model`` with the parameters the learner's code produced (a dict of arrays, names checked)."""
    assert isinstance(state, dict) and all(isinstance(v, np.ndarray) for v in state.values()), (
        "expected the trained parameters as a dict of arrays"
    )
    model.load_state_dict(state)
    return model


def _log_softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def _next_char_loss(model: CharLM, ids: np.ndarray) -> float:
    with no_grad():
        logits = model(ids[:, :-1])[0].data
    return float(-np.take_along_axis(_log_softmax(logits), ids[:, 1:, None], axis=-1).mean())


TEXT = "the cat sat on the mat. the dog sat on the log. "
VOCAB = sorted(set(TEXT))


def _ids(seed: int, B: int = 3, T: int = 8, V: int = len(VOCAB)) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, V, size=(B, T + 1))


# -- 12.1 language-model loss --------------------------------------------------------------


def test_char_lm_loss_matches_library_cross_entropy(learner):
    for seed, ids in ((1, _ids(2)), (3, _ids(5, B=1, T=3))):
        got = as_array(learner.probe("char_lm_loss", len(VOCAB), seed, ids), "the loss", "Tensor")
        assert got.size == 1, f"expected a one-element loss, got shape {got.shape}"
        expected = _next_char_loss(CharLM(len(VOCAB), seed=seed), ids)
        assert np.isclose(got.item(), expected, rtol=1e-10), (
            f"expected the mean next-character cross-entropy {expected:.6f}, got {got.item():.6f}"
        )


def test_char_lm_loss_starts_near_log_vocab(learner):
    V = 40
    ids = _ids(4, B=4, T=12, V=V)
    got = as_array(learner.probe("char_lm_loss", V, 3, ids), "the loss", "Tensor").item()
    assert abs(got - np.log(V)) < 0.3, (
        f"expected about ln({V}) = {np.log(V):.3f} for an untrained model, got {got:.3f}"
    )
    expected = _next_char_loss(CharLM(V, seed=3), ids)
    assert np.isclose(got, expected, rtol=1e-10), f"expected {expected:.6f} exactly, got {got:.6f}"


def test_char_lm_loss_gradient_matches_central_differences(learner):
    ids = _ids(6, B=2, T=4, V=6)
    answer = learner.probe("char_lm_loss", 6, 5, ids, 4, 3, True)
    model = CharLM(6, hidden_size=4, embedding_dim=3, seed=5)
    params = dict(model.named_parameters())
    for name in ("head.bias", "embedding.weight"):
        (num,) = numerical_grad(lambda *_: Tensor(_next_char_loss(model, ids)), [params[name]])
        got = answer["grads"].get(name)
        assert got is not None, f"expected a gradient for {name}, got none (is the graph broken?)"
        got = as_array(got, f"the gradient of {name}", "ndarray")
        assert got.shape == num.shape and np.allclose(got, num, atol=1e-7), (
            f"expected d({name}) {np.round(num.ravel()[:4], 5)}, got {np.round(got.ravel()[:4], 5)}"
        )


# -- 12.2 one training step ----------------------------------------------------------------


def _regression(seed: int, scale: float = 1.0):
    """The probe's regression, built here: its loss and gradients before any update."""
    rng = np.random.default_rng(seed)
    model = nn.Linear(3, 2, seed=seed)
    x, y = Tensor(rng.standard_normal((5, 3))), Tensor(rng.standard_normal((5, 2)))
    loss = mse_loss(model(x) * scale, y)
    loss.backward()
    params = model.parameters()
    return loss.item(), [p.data.copy() for p in params], [p.grad.copy() for p in params]


def _step(learner, seed, lr, max_norm, scale=1.0, stale_grad=None):
    answer = learner.probe("train_step_linear", seed, lr, max_norm, scale, stale_grad)
    params = [as_array(p, "a parameter", "ndarray") for p in answer["params"]]
    return answer["returned"], params


def test_train_step_matches_sgd_update(learner):
    loss, before, grads = _regression(1)
    returned, after = _step(learner, 1, 0.1, 1e6)
    for k, (p, b, g) in enumerate(zip(after, before, grads)):
        assert np.allclose(p, b - 0.1 * g), f"expected parameter {k} = old - lr * grad, got another update"
    assert type(returned) is float, f"expected the loss as a Python float, got {returned!r}"[:200]
    assert np.isclose(returned, loss), f"expected the loss before the update {loss:.6f}, got {returned:.6f}"


def test_train_step_clears_old_gradients(learner):
    _, before, grads = _regression(2)
    _, after = _step(learner, 2, 0.1, 1e6, stale_grad=100.0)
    for k, (p, b, g) in enumerate(zip(after, before, grads)):
        assert np.allclose(p, b - 0.1 * g), (
            f"expected parameter {k} updated with fresh gradients only, got old ones mixed in (zero_grad?)"
        )


def test_train_step_clips_global_norm(learner):
    _, before, grads = _regression(3, scale=1000.0)
    _, after = _step(learner, 3, 1.0, 0.5, scale=1000.0)
    delta = np.concatenate([(p - b).ravel() for p, b in zip(after, before)])
    g = np.concatenate([x.ravel() for x in grads])
    step = float(np.linalg.norm(delta))
    assert abs(step - 0.5) < 1e-6, (
        f"expected an update of global norm 0.5 (lr 1, clipped to 0.5), got {step:.6f}"
    )
    assert np.allclose(delta, -0.5 * g / np.linalg.norm(g)), (
        "expected the update along the whole gradient, as one vector (clipped by value or per parameter?)"
    )


def _sentences(n: int, seed: int) -> str:
    """Sentences of a tiny grammar: "the <animal> sat on the <thing>. " with random choices."""
    rng = np.random.default_rng(seed)
    animals, things = ("cat", "dog"), ("mat", "log")
    return "".join(f"the {animals[rng.integers(2)]} sat on the {things[rng.integers(2)]}. " for _ in range(n))


@pytest.mark.time_limit(20)
def test_char_lm_trains_below_target_loss(learner):
    train, held_out = _sentences(30, 0), _sentences(12, 1)
    vocab = sorted(set(train))
    assert set(held_out) <= set(vocab)
    answer = learner.probe("train_char_lm", train, 40)
    model = _loaded(CharLM(len(vocab), seed=0), answer["state"])
    ids = np.array([vocab.index(ch) for ch in held_out])
    windows = np.stack([ids[s : s + 33] for s in range(0, len(ids) - 33, 11)])
    loss = _next_char_loss(model, windows)
    untrained = _next_char_loss(CharLM(len(vocab), seed=0), windows)
    assert loss < 0.4, (
        f"expected the trained character LSTM below 0.4 nats on held-out text (untrained {untrained:.2f}),"
        f" got {loss:.3f}"
    )
    assert all(type(v) is float for v in answer["returned"]), "expected train_step to return floats"


# -- 12.3 temperature ----------------------------------------------------------------------


def _probs(learner, logits, temperature) -> np.ndarray:
    got = learner.temperature_probs(np.array(logits, dtype=np.float64), temperature)
    assert isinstance(got, np.ndarray), f"expected a numpy array, got {got!r}"[:200]
    got = as_array(got, "the probabilities", "ndarray")
    assert got.shape == (len(logits),), f"expected shape ({len(logits)},), got {got.shape}"
    return got


def _softmax(z: np.ndarray) -> np.ndarray:
    return np.exp(_log_softmax(np.asarray(z, dtype=np.float64)))


LOGITS = [1.0, 3.0, -2.0, 0.5, 3.0]


def test_temperature_one_is_softmax(learner):
    for logits in (LOGITS, [0.0, 0.0], [2.0, -1.0, 0.0]):
        expected = _softmax(logits)
        got = _probs(learner, logits, 1.0)
        assert np.allclose(got, expected), f"expected softmax {np.round(expected, 4)}, got {np.round(got, 4)}"
    got = _probs(learner, LOGITS, 0.5)
    expected = _softmax(np.array(LOGITS) / 0.5)
    assert np.allclose(got, expected), (
        f"expected softmax(logits / 0.5) {np.round(expected, 4)}, got {np.round(got, 4)}"
    )


def test_temperature_zero_is_argmax(learner):
    got = _probs(learner, LOGITS, 0.0)
    expected = np.array([0.0, 1.0, 0.0, 0.0, 0.0])  # the first of the two largest
    assert np.array_equal(got, expected), f"expected {expected}, got {got}"


def test_temperature_probs_are_stable_for_large_logits(learner):
    got = _probs(learner, [1000.0, 999.0, 0.0], 0.01)
    assert np.all(np.isfinite(got)), f"expected finite probabilities, got {got}"
    assert np.isclose(got.sum(), 1.0) and got[0] > 0.999, f"expected almost all mass on index 0, got {got}"
    got = _probs(learner, [1000.0, 999.0, 0.0], 1.0)
    expected = _softmax([1000.0, 999.0, 0.0])
    assert np.allclose(got, expected), f"expected {np.round(expected, 4)} at temperature 1, got {got}"


def test_high_temperature_spreads(learner):
    def entropy(p):
        return float(-(p[p > 0] * np.log(p[p > 0])).sum())

    temps = (0.25, 0.5, 1.0, 2.0, 10.0)
    got = [_probs(learner, LOGITS, t) for t in temps]
    for t, p in zip(temps, got):
        assert np.allclose(p, _softmax(np.array(LOGITS) / t)), (
            f"expected softmax(logits / {t}), got {np.round(p, 4)}"
        )
    entropies = [entropy(p) for p in got]
    assert all(a < b for a, b in zip(entropies, entropies[1:])), (
        f"expected the entropy to grow with temperature {temps}, got {np.round(entropies, 4)}"
    )
    flat = _probs(learner, LOGITS, 1e6)
    assert np.allclose(flat, 0.2, atol=1e-4), (
        f"expected a uniform distribution at a huge temperature, got {flat}"
    )


def test_negative_temperature_raises(learner):
    got = _probs(learner, LOGITS, 2.0)
    assert np.allclose(got, _softmax(np.array(LOGITS) / 2.0)), f"expected softmax(logits / 2), got {got}"
    with learner.raises(ValueError):
        learner.temperature_probs(np.array(LOGITS), -1.0)


# -- 12.4 sampling -------------------------------------------------------------------------


def _reference_sample(model, vocab, start, length, temperature, seed) -> str:
    """The docstring's procedure, with the library's model and this file's softmax."""
    rng = np.random.default_rng(seed)
    index = {ch: i for i, ch in enumerate(vocab)}
    out = list(start)
    with no_grad():
        logits, state = model(np.array([[index[ch] for ch in start]]))
        for _ in range(length):
            z = logits.data[0, -1]
            if temperature == 0:
                p = np.eye(len(z))[int(np.argmax(z))]
            else:
                p = _softmax(z / temperature)
            nxt = int(rng.choice(len(vocab), p=p))
            out.append(vocab[nxt])
            logits, state = model(np.array([[nxt]]), state)
    return "".join(out)


def _sample(learner, model_seed, start, length, temperature, seed) -> str:
    got = learner.probe("sample", VOCAB, model_seed, start, length, temperature, seed)
    assert type(got) is str, f"expected a str, got {got!r}"[:200]
    return got


def test_greedy_sample_matches_library_decoding(learner):
    model = CharLM(len(VOCAB), seed=7)
    index = {ch: i for i, ch in enumerate(VOCAB)}
    expected = "the "
    with no_grad():  # greedy decoding, re-reading the whole text at every step
        for _ in range(12):
            logits, _ = model(np.array([[index[ch] for ch in expected]]))
            expected += VOCAB[int(np.argmax(logits.data[0, -1]))]
    got = _sample(learner, 7, "the ", 12, 0.0, 0)
    assert got == expected, f"expected the greedy continuation {expected!r}, got {got!r}"


def test_sample_is_seeded_and_starts_with_prompt(learner):
    a, b = _sample(learner, 8, "on", 20, 1.0, 3), _sample(learner, 8, "on", 20, 1.0, 3)
    assert len(a) == 22 and a.startswith("on"), f"expected 'on' plus 20 characters, got {a!r}"
    assert a == b, f"expected the same text for the same seed, got {a!r} and {b!r}"
    expected = _reference_sample(CharLM(len(VOCAB), seed=8), VOCAB, "on", 20, 1.0, 3)
    assert a == expected, (
        f"expected {expected!r} (one rng made from the seed, one rng.choice per character), got {a!r}"
    )


def test_sample_temperature_changes_spread(learner):
    greedy = {_sample(learner, 9, "t", 15, 0.0, s) for s in range(3)}
    assert len(greedy) == 1, f"expected one and the same text for every seed at temperature 0, got {greedy}"
    hot = [_sample(learner, 9, "t", 15, 5.0, s) for s in range(3)]
    model = CharLM(len(VOCAB), seed=9)
    for s, text in enumerate(hot):
        expected = _reference_sample(model, VOCAB, "t", 15, 5.0, s)
        assert text == expected, f"expected {expected!r} at temperature 5 with seed {s}, got {text!r}"
    assert len(set(hot)) == 3, f"expected different texts for different seeds at temperature 5, got {hot}"


def test_sample_follows_model_distribution(learner):
    text = learner.probe("sample_fixed", "a", 500, 1.0, 11)
    assert type(text) is str and len(text) == 501, f"expected 'a' and 500 characters, got {text!r}"[:200]
    share = text[1:].count("a") / 500
    assert abs(share - 0.8) < 0.06, f"expected about 80% 'a' when the model says P(a) = 0.8, got {share:.1%}"
    cold = learner.probe("sample_fixed", "b", 50, 0.0, 11)
    assert cold == "b" + "a" * 50, f"expected only 'a' at temperature 0, got {cold!r}"[:200]


# -- 12.5 sentiment classifier -------------------------------------------------------------


def _pad_left(rows, length=None) -> np.ndarray:
    length = length or max(len(r) for r in rows)
    return np.array([[0] * (length - len(r)) + r for r in rows])


SENTENCES = _pad_left([[3, 4, 5, 6], [7, 2], [11, 10, 9]])


def test_sentiment_logits_match_encoder_then_linear(learner):
    got = as_array(learner.probe("sentiment_logits", 12, 1, SENTENCES), "the logits", "Tensor")
    with no_grad():
        expected = Classifier(12, seed=1)(SENTENCES).data
    assert got.shape == (3, 2), f"expected logits of shape (3, 2), got {got.shape}"
    assert np.allclose(got, expected), (
        f"expected fc(last hidden state) {np.round(expected, 4).tolist()}, got {np.round(got, 4).tolist()}"
    )


def test_sentiment_logits_reach_every_parameter(learner):
    labels = np.array([0, 1, 1])
    answer = learner.probe("sentiment_logits", 12, 2, SENTENCES, labels)
    model = Classifier(12, seed=2)
    cross_entropy(model(SENTENCES), labels).backward()
    for name, p in model.named_parameters():
        got = answer["grads"].get(name)
        assert got is not None, f"expected a gradient for {name}, got none"
        got = as_array(got, f"the gradient of {name}", "ndarray")
        assert np.allclose(got, p.grad, atol=1e-10), (
            f"expected d({name}) {np.round(p.grad.ravel()[:3], 4)}, got {np.round(got.ravel()[:3], 4)}"
        )


@pytest.mark.time_limit(20)
def test_sentiment_classifier_reaches_accuracy(learner):
    train, test = train_test_split(load_sentiment(), 0.25, seed=0)
    words = sorted({w for text, _ in train for w in text.split()})
    index = {w: i + 2 for i, w in enumerate(words)}  # 0 padding, 1 unknown

    def encode(text):
        return [index.get(w, 1) for w in text.split()]

    rng, epochs = np.random.default_rng(0), 6
    batches = []
    for _ in range(epochs):
        order = rng.permutation(len(train))
        chunks = [[train[i] for i in order[k : k + 16]] for k in range(0, len(order), 16)]
        batches.append([(_pad_left([encode(t) for t, _ in c]), np.array([y for _, y in c])) for c in chunks])
    answer = learner.probe("train_sentiment", len(words) + 2, batches, epochs)
    model = _loaded(Classifier(len(words) + 2, seed=0), answer["state"])
    with no_grad():
        logits = model(_pad_left([encode(t) for t, _ in test])).data
    accuracy = float((logits.argmax(axis=1) == np.array([y for _, y in test])).mean())
    assert accuracy >= 0.75, (
        f"expected the trained classifier to reach 75% on {len(test)} held-out sentences, got {accuracy:.1%}"
    )


# -- 12.6 forecaster -----------------------------------------------------------------------


def _noisy_logistic(n: int, seed: int) -> np.ndarray:
    """x_{t+1} = 3.7 x_t (1 - x_t) + noise: a nonlinear series a linear AR model cannot follow."""
    rng = np.random.default_rng(seed)
    x = np.empty(n)
    x[0] = 0.3
    for t in range(1, n):
        x[t] = np.clip(3.7 * x[t - 1] * (1 - x[t - 1]) + 0.01 * rng.standard_normal(), 0.01, 0.99)
    return x


def test_forecast_matches_gru_then_linear(learner):
    windows = np.random.default_rng(2).random((4, 5))
    got = as_array(learner.probe("forecast", 1, windows), "the forecast", "Tensor")
    with no_grad():
        expected = Forecaster(seed=1)(windows).data
    assert got.shape == (4,), f"expected one value per window, shape (4,), got {got.shape}"
    assert np.allclose(got, expected), f"expected {np.round(expected, 5)}, got {np.round(got, 5)}"


def test_forecast_gradients_reach_every_parameter(learner):
    windows = np.random.default_rng(4).random((3, 4))
    g = np.array([1.0, -2.0, 0.5])
    answer = learner.probe("forecast", 3, windows, g)
    model = Forecaster(seed=3)
    (model(windows) * Tensor(g)).sum().backward()
    for name, p in model.named_parameters():
        got = answer["grads"].get(name)
        assert got is not None, f"expected a gradient for {name}, got none"
        got = as_array(got, f"the gradient of {name}", "ndarray")
        assert np.allclose(got, p.grad, atol=1e-10), (
            f"expected d({name}) {np.round(p.grad.ravel()[:3], 4)}, got {np.round(got.ravel()[:3], 4)}"
        )


@pytest.mark.time_limit(20)
def test_forecaster_beats_ar_baseline(learner):
    x, W, n_train = _noisy_logistic(400, 0), 4, 300
    windows = np.stack([x[i : i + W] for i in range(len(x) - W)])
    targets = x[W:]
    design = np.c_[windows, np.ones(len(windows))]
    coef, *_ = np.linalg.lstsq(design[:n_train], targets[:n_train], rcond=None)
    ar_mse = float(((design[n_train:] @ coef - targets[n_train:]) ** 2).mean())

    rng = np.random.default_rng(0)
    picks = [rng.integers(0, n_train, size=32) for _ in range(200)]
    answer = learner.probe("train_forecaster", windows[:n_train], targets[:n_train], picks)
    model = _loaded(Forecaster(seed=0), answer["state"])
    with no_grad():
        pred = model(windows[n_train:]).data
    rnn_mse = float(((pred - targets[n_train:]) ** 2).mean())
    assert rnn_mse < 0.5 * ar_mse, (
        f"expected the trained GRU's held-out MSE below half of AR({W})'s {ar_mse:.4f}, got {rnn_mse:.4f}"
    )
