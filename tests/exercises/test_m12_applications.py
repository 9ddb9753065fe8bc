"""Tests of module 12: applications.

The models here are built from the library by the tests themselves, and the training
loops are the tests' own, so each application test grades one exercise function.
"""

from __future__ import annotations

import numpy as np
import pytest

from microgradrnn import Tensor, nn, no_grad, numerical_grad, rel_error
from microgradrnn.data import load_sentiment, train_test_split
from microgradrnn.functional import cross_entropy, mse_loss
from microgradrnn.optim import SGD, Adam


@pytest.fixture(scope="module")
def m(load_exercise):
    return load_exercise("m12_applications")


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


class Forecaster(nn.Module):
    def __init__(self, hidden_size: int = 16, seed: int = 0):
        rng = np.random.default_rng(seed)
        self.rnn = nn.GRU(1, hidden_size, batch_first=True, seed=rng)
        self.fc = nn.Linear(hidden_size, 1, seed=rng)


def _tensor(result, what: str) -> np.ndarray:
    assert isinstance(result, Tensor), f"expected {what} as a Tensor, got {type(result).__name__}"
    return np.asarray(result.data, dtype=np.float64)


def _log_softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


TEXT = "the cat sat on the mat. the dog sat on the log. "
VOCAB = sorted(set(TEXT))


def _ids(seed: int, B: int = 3, T: int = 8, V: int = len(VOCAB)) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, V, size=(B, T + 1))


# -- 12.1 language-model loss --------------------------------------------------------------


def test_char_lm_loss_matches_library_cross_entropy(m):
    model = CharLM(len(VOCAB), seed=1)
    ids = _ids(2)
    got = _tensor(m.char_lm_loss(model, ids), "the loss")
    assert got.size == 1, f"expected a one-element loss, got shape {got.shape}"
    with no_grad():
        logits = model(ids[:, :-1])[0].data
    logp = _log_softmax(logits)
    expected = -np.take_along_axis(logp, ids[:, 1:, None], axis=-1).mean()
    assert np.isclose(got.item(), expected), (
        f"expected the mean next-character cross-entropy {expected:.6f}, got {got.item():.6f}"
    )


def test_char_lm_loss_starts_near_log_vocab(m):
    V = 40
    model = CharLM(V, seed=3)
    got = _tensor(m.char_lm_loss(model, _ids(4, B=4, T=12, V=V)), "the loss").item()
    assert abs(got - np.log(V)) < 0.3, (
        f"expected about ln({V}) = {np.log(V):.3f} for an untrained model, got {got:.3f}"
    )


def test_char_lm_loss_gradient_matches_central_differences(m):
    model = CharLM(6, hidden_size=4, embedding_dim=3, seed=5)
    ids = _ids(6, B=2, T=4, V=6)
    loss = m.char_lm_loss(model, ids)
    assert isinstance(loss, Tensor), f"expected a Tensor, got {type(loss).__name__}"
    model.zero_grad()
    loss.backward()
    params = [model.head.bias, model.embedding.weight]
    num = numerical_grad(lambda *_: m.char_lm_loss(model, ids), params)
    for name, p, n in zip(("head.bias", "embedding.weight"), params, num):
        err = rel_error(p.grad, n)
        assert err < 1e-6, (
            f"expected d(loss)/d({name}) to match central differences, got relative error {err:.3g}"
        )


# -- 12.2 one training step ----------------------------------------------------------------


def _regression(seed: int):
    rng = np.random.default_rng(seed)
    return (
        nn.Linear(3, 2, seed=seed),
        Tensor(rng.standard_normal((5, 3))),
        Tensor(rng.standard_normal((5, 2))),
    )


def _reference_grads(model, loss_fn) -> tuple[float, list[np.ndarray]]:
    model.zero_grad()
    loss = loss_fn()
    loss.backward()
    grads = [p.grad.copy() for p in model.parameters()]
    model.zero_grad()
    return loss.item(), grads


def test_train_step_matches_sgd_update(m):
    model, x, y = _regression(1)
    loss_fn = lambda: mse_loss(model(x), y)  # noqa: E731
    before = [p.data.copy() for p in model.parameters()]
    expected_loss, grads = _reference_grads(model, loss_fn)
    got = m.train_step(model, SGD(model.parameters(), lr=0.1), loss_fn, max_norm=1e6)
    assert isinstance(got, float), f"expected the loss as a Python float, got {type(got).__name__}"
    assert np.isclose(got, expected_loss), (
        f"expected the loss before the update {expected_loss:.6f}, got {got:.6f}"
    )
    for p, b, g in zip(model.parameters(), before, grads):
        assert np.allclose(p.data, b - 0.1 * g), f"expected {p.label} = old - lr * grad, got another update"


def test_train_step_clears_old_gradients(m):
    model, x, y = _regression(2)
    loss_fn = lambda: mse_loss(model(x), y)  # noqa: E731
    before = [p.data.copy() for p in model.parameters()]
    _, grads = _reference_grads(model, loss_fn)
    for p in model.parameters():
        p.grad = np.full(p.shape, 100.0)  # left over from an earlier step
    m.train_step(model, SGD(model.parameters(), lr=0.1), loss_fn, max_norm=1e6)
    for p, b, g in zip(model.parameters(), before, grads):
        assert np.allclose(p.data, b - 0.1 * g), (
            f"expected {p.label} updated with fresh gradients only, got old gradients mixed in (zero_grad?)"
        )


def test_train_step_clips_global_norm(m):
    model, x, y = _regression(3)
    loss_fn = lambda: mse_loss(model(x) * 1000.0, y)  # noqa: E731
    before = [p.data.copy() for p in model.parameters()]
    m.train_step(model, SGD(model.parameters(), lr=1.0), loss_fn, max_norm=0.5)
    step = np.sqrt(sum(float(((p.data - b) ** 2).sum()) for p, b in zip(model.parameters(), before)))
    assert abs(step - 0.5) < 1e-4, (
        f"expected an update of global norm 0.5 (lr 1, clipped to 0.5), got {step:.6f}"
    )


def test_char_lm_trains_below_target_loss(m):
    ids = np.array([VOCAB.index(ch) for ch in TEXT])
    model = CharLM(len(VOCAB), seed=0)
    optimizer = Adam(model.parameters(), lr=0.02)
    rng = np.random.default_rng(0)
    losses, V = [], len(VOCAB)
    for _ in range(40):
        starts = rng.integers(0, len(ids) - 17, size=8)
        batch = np.stack([ids[s : s + 17] for s in starts])

        def loss_fn(batch=batch):
            return cross_entropy(model(batch[:, :-1])[0].reshape(-1, V), batch[:, 1:].reshape(-1))

        losses.append(m.train_step(model, optimizer, loss_fn, 1.0))
    assert all(isinstance(v, float) for v in losses), "expected train_step to return floats"
    late = float(np.mean(losses[-5:]))
    assert late < 0.6, (
        f"expected the character LSTM below 0.6 nats after 40 steps (ln V = {np.log(V):.2f}), got {late:.3f}"
    )


# -- 12.3 temperature ----------------------------------------------------------------------


def _probs(m, logits, temperature) -> np.ndarray:
    got = m.temperature_probs(np.array(logits, dtype=np.float64), temperature)
    assert isinstance(got, np.ndarray), f"expected a numpy array, got {type(got).__name__}"
    got = np.asarray(got, dtype=np.float64)
    assert got.shape == (len(logits),), f"expected shape ({len(logits)},), got {got.shape}"
    return got


LOGITS = [1.0, 3.0, -2.0, 0.5, 3.0]


def test_temperature_one_is_softmax(m):
    expected = np.exp(_log_softmax(np.array(LOGITS)))
    got = _probs(m, LOGITS, 1.0)
    assert np.allclose(got, expected), f"expected softmax {np.round(expected, 4)}, got {np.round(got, 4)}"


def test_temperature_zero_is_argmax(m):
    got = _probs(m, LOGITS, 0.0)
    expected = np.array([0.0, 1.0, 0.0, 0.0, 0.0])  # the first of the two largest
    assert np.array_equal(got, expected), f"expected {expected}, got {got}"


def test_temperature_probs_are_stable_for_large_logits(m):
    got = _probs(m, [1000.0, 999.0, 0.0], 0.01)
    assert np.all(np.isfinite(got)), f"expected finite probabilities, got {got}"
    assert np.isclose(got.sum(), 1.0) and got[0] > 0.999, f"expected almost all mass on index 0, got {got}"


def test_high_temperature_spreads(m):
    def entropy(p):
        return float(-(p[p > 0] * np.log(p[p > 0])).sum())

    temps = (0.25, 0.5, 1.0, 2.0, 10.0)
    entropies = [entropy(_probs(m, LOGITS, t)) for t in temps]
    assert all(a < b for a, b in zip(entropies, entropies[1:])), (
        f"expected the entropy to grow with temperature {temps}, got {np.round(entropies, 4)}"
    )
    flat = _probs(m, LOGITS, 1e6)
    assert np.allclose(flat, 0.2, atol=1e-4), (
        f"expected a uniform distribution at a huge temperature, got {flat}"
    )


def test_negative_temperature_raises(m):
    with pytest.raises(ValueError):
        m.temperature_probs(np.array(LOGITS), -1.0)


# -- 12.4 sampling -------------------------------------------------------------------------


def _sample(m, model, start, length, temperature, seed, vocab=VOCAB) -> str:
    got = m.sample(model, list(vocab), start, length, temperature, seed)
    assert isinstance(got, str), f"expected a str, got {type(got).__name__}"
    return got


def test_greedy_sample_matches_library_decoding(m):
    model = CharLM(len(VOCAB), seed=7)
    index = {ch: i for i, ch in enumerate(VOCAB)}
    expected = "the "
    with no_grad():
        for _ in range(12):
            logits, _ = model(np.array([[index[ch] for ch in expected]]))
            expected += VOCAB[int(np.argmax(logits.data[0, -1]))]
    got = _sample(m, model, "the ", 12, 0.0, 0)
    assert got == expected, f"expected the greedy continuation {expected!r}, got {got!r}"


def test_sample_is_seeded_and_starts_with_prompt(m):
    model = CharLM(len(VOCAB), seed=8)
    a, b = _sample(m, model, "on", 20, 1.0, 3), _sample(m, model, "on", 20, 1.0, 3)
    assert a == b, f"expected the same text for the same seed, got {a!r} and {b!r}"
    assert len(a) == 22 and a.startswith("on"), f"expected 'on' plus 20 characters, got {a!r}"
    assert set(a) <= set(VOCAB), f"expected only characters of the vocabulary, got {a!r}"


def test_sample_temperature_changes_spread(m):
    model = CharLM(len(VOCAB), seed=9)
    greedy = {_sample(m, model, "t", 15, 0.0, s) for s in range(3)}
    assert len(greedy) == 1, f"expected one and the same text for every seed at temperature 0, got {greedy}"
    hot = {_sample(m, model, "t", 15, 5.0, s) for s in range(3)}
    assert len(hot) == 3, f"expected different texts for different seeds at temperature 5, got {hot}"


class FixedModel:
    """A 'model' whose next-character distribution is always the same: P(a) = 0.8, P(b) = 0.2."""

    def __call__(self, ids, state=None):
        ids = np.asarray(ids)
        logits = np.zeros(ids.shape + (2,))
        logits[..., 0] = np.log(0.8)
        logits[..., 1] = np.log(0.2)
        return Tensor(logits), state


def test_sample_follows_model_distribution(m):
    text = _sample(m, FixedModel(), "a", 500, 1.0, 11, vocab=["a", "b"])
    share = text[1:].count("a") / 500
    assert abs(share - 0.8) < 0.06, f"expected about 80% 'a' when the model says P(a) = 0.8, got {share:.1%}"


# -- 12.5 sentiment classifier -------------------------------------------------------------


def _pad_left(rows, length=None) -> np.ndarray:
    length = length or max(len(r) for r in rows)
    return np.array([[0] * (length - len(r)) + r for r in rows])


def test_sentiment_logits_match_encoder_then_linear(m):
    model = Classifier(12, seed=1)
    ids = _pad_left([[3, 4, 5, 6], [7, 2], [11, 10, 9]])
    got = _tensor(m.sentiment_logits(model, ids), "the logits")
    with no_grad():
        _, h_n = model.rnn(model.embedding(ids))
        expected = model.fc(h_n[-1]).data
    assert got.shape == (3, 2), f"expected logits of shape (3, 2), got {got.shape}"
    assert np.allclose(got, expected), (
        f"expected fc(last hidden state) {np.round(expected, 4).tolist()}, got {np.round(got, 4).tolist()}"
    )


def test_sentiment_logits_reach_every_parameter(m):
    model = Classifier(12, seed=2)
    logits = m.sentiment_logits(model, _pad_left([[3, 4, 5], [6, 7, 8]]))
    assert isinstance(logits, Tensor), f"expected a Tensor, got {type(logits).__name__}"
    model.zero_grad()
    cross_entropy(logits, np.array([0, 1])).backward()
    for name, p in model.named_parameters():
        assert np.abs(p.grad).sum() > 0, f"expected a gradient for {name}, got zeros"


def test_sentiment_classifier_reaches_accuracy(m):
    train, test = train_test_split(load_sentiment(), 0.25, seed=0)
    words = sorted({w for text, _ in train for w in text.split()})
    index = {w: i + 2 for i, w in enumerate(words)}  # 0 padding, 1 unknown

    def encode(text):
        return [index.get(w, 1) for w in text.split()]

    model = Classifier(len(words) + 2, seed=0)
    optimizer = Adam(model.parameters(), lr=0.02)
    rng = np.random.default_rng(0)
    for _ in range(6):
        order = rng.permutation(len(train))
        for k in range(0, len(order), 16):
            chunk = [train[i] for i in order[k : k + 16]]
            ids, labels = _pad_left([encode(t) for t, _ in chunk]), np.array([y for _, y in chunk])
            model.zero_grad()
            cross_entropy(m.sentiment_logits(model, ids), labels).backward()
            optimizer.step()
    with no_grad():
        logits = _tensor(m.sentiment_logits(model, _pad_left([encode(t) for t, _ in test])), "the logits")
    accuracy = float((logits.argmax(axis=1) == np.array([y for _, y in test])).mean())
    assert accuracy >= 0.75, f"expected a test accuracy of at least 75% after 6 epochs, got {accuracy:.1%}"


# -- 12.6 forecaster -----------------------------------------------------------------------


def _noisy_logistic(n: int, seed: int) -> np.ndarray:
    """x_{t+1} = 3.7 x_t (1 - x_t) + noise: a nonlinear series a linear AR model cannot follow."""
    rng = np.random.default_rng(seed)
    x = np.empty(n)
    x[0] = 0.3
    for t in range(1, n):
        x[t] = np.clip(3.7 * x[t - 1] * (1 - x[t - 1]) + 0.01 * rng.standard_normal(), 0.01, 0.99)
    return x


def test_forecast_matches_gru_then_linear(m):
    model = Forecaster(seed=1)
    windows = np.random.default_rng(2).random((4, 5))
    got = _tensor(m.forecast(model, windows), "the forecast")
    with no_grad():
        _, h_n = model.rnn(Tensor(windows.reshape(4, 5, 1)))
        expected = model.fc(h_n[-1]).data.reshape(4)
    assert got.shape == (4,), f"expected one value per window, shape (4,), got {got.shape}"
    assert np.allclose(got, expected), f"expected {np.round(expected, 5)}, got {np.round(got, 5)}"


def test_forecast_gradients_reach_every_parameter(m):
    model = Forecaster(seed=3)
    out = m.forecast(model, np.random.default_rng(4).random((3, 4)))
    assert isinstance(out, Tensor), f"expected a Tensor, got {type(out).__name__}"
    model.zero_grad()
    out.sum().backward()
    for name, p in model.named_parameters():
        assert np.abs(p.grad).sum() > 0, f"expected a gradient for {name}, got zeros"


def test_forecaster_beats_ar_baseline(m):
    x, W, n_train = _noisy_logistic(400, 0), 4, 300
    windows = np.stack([x[i : i + W] for i in range(len(x) - W)])
    targets = x[W:]
    design = np.c_[windows, np.ones(len(windows))]
    coef, *_ = np.linalg.lstsq(design[:n_train], targets[:n_train], rcond=None)
    ar_mse = float(((design[n_train:] @ coef - targets[n_train:]) ** 2).mean())

    model = Forecaster(seed=0)
    optimizer = Adam(model.parameters(), lr=0.02)
    rng = np.random.default_rng(0)
    for _ in range(200):
        pick = rng.integers(0, n_train, size=32)
        model.zero_grad()
        mse_loss(m.forecast(model, windows[pick]), Tensor(targets[pick])).backward()
        optimizer.step()
    with no_grad():
        pred = _tensor(m.forecast(model, windows[n_train:]), "the forecast")
    rnn_mse = float(((pred - targets[n_train:]) ** 2).mean())
    assert rnn_mse < 0.5 * ar_mse, (
        f"expected the GRU's test MSE below half the AR({W}) baseline {ar_mse:.4f}, got {rnn_mse:.4f}"
    )
