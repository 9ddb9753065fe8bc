"""Probes of module 12: build the models from seeds in the runner, run the learner's code on them.

The models are the tests' own (the same classes, seeds and library layers as the judge's),
not the learner's file's, so that parameters trained here load into the judge's models.
Training probes return the trained parameters (``state_dict`` arrays) and whatever the
learner's code returned; the judge re-evaluates the parameters itself.
"""

from __future__ import annotations

import numpy as np

from microgradrnn import Tensor, nn
from microgradrnn.functional import cross_entropy, mse_loss
from microgradrnn.optim import SGD, Adam


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


class FixedModel:
    """A 'model' whose next-character distribution is always the same: P(a) = 0.8, P(b) = 0.2."""

    def __call__(self, ids, state=None):
        ids = np.asarray(ids)
        logits = np.zeros(ids.shape + (2,))
        logits[..., 0], logits[..., 1] = np.log(0.8), np.log(0.2)
        return Tensor(logits), state


def _grads(model) -> dict:
    return {name: p.grad for name, p in model.named_parameters()}


# -- 12.1 / 12.2 -----------------------------------------------------------------------------


def char_lm_loss(m, vocab_size, seed, ids, hidden_size=32, embedding_dim=16, backward=False):
    model = CharLM(vocab_size, hidden_size, embedding_dim, seed)
    loss = m.char_lm_loss(model, np.asarray(ids))
    if not backward:
        return loss
    model.zero_grad()
    loss.backward()
    return {"loss": loss, "grads": _grads(model)}


def train_step_linear(m, seed, lr, max_norm, scale=1.0, stale_grad=None):
    """One ``m.train_step`` of SGD on a small linear regression; the parameters after it."""
    rng = np.random.default_rng(seed)
    model = nn.Linear(3, 2, seed=seed)
    x, y = Tensor(rng.standard_normal((5, 3))), Tensor(rng.standard_normal((5, 2)))
    if stale_grad is not None:
        for p in model.parameters():
            p.grad = np.full(p.shape, float(stale_grad))  # left over from an earlier step
    optimizer = SGD(model.parameters(), lr=lr)
    returned = m.train_step(model, optimizer, lambda: mse_loss(model(x) * scale, y), max_norm)
    return {"returned": returned, "params": [p.data.copy() for p in model.parameters()]}


def train_char_lm(m, text, steps, seed=0, seq_len=16, batch_size=8):
    """Train a CharLM on ``text`` with Adam, one ``m.train_step`` per batch."""
    vocab = sorted(set(text))
    ids = np.array([vocab.index(ch) for ch in text])
    model = CharLM(len(vocab), seed=seed)
    optimizer = Adam(model.parameters(), lr=0.02)
    rng = np.random.default_rng(seed)
    V, returned = len(vocab), []
    for _ in range(steps):
        starts = rng.integers(0, len(ids) - seq_len - 1, size=batch_size)
        batch = np.stack([ids[s : s + seq_len + 1] for s in starts])

        def loss_fn(batch=batch):
            return cross_entropy(model(batch[:, :-1])[0].reshape(-1, V), batch[:, 1:].reshape(-1))

        returned.append(m.train_step(model, optimizer, loss_fn, 1.0))
    return {"state": model.state_dict(), "returned": returned}


# -- 12.4 ------------------------------------------------------------------------------------


def sample(m, vocab, model_seed, start, length, temperature, seed):
    model = CharLM(len(vocab), seed=model_seed)
    return m.sample(model, list(vocab), start, length, temperature, seed)


def sample_fixed(m, start, length, temperature, seed):
    return m.sample(FixedModel(), ["a", "b"], start, length, temperature, seed)


# -- 12.5 ------------------------------------------------------------------------------------


def sentiment_logits(m, vocab_size, seed, ids, labels=None):
    model = Classifier(vocab_size, seed=seed)
    logits = m.sentiment_logits(model, np.asarray(ids))
    if labels is None:
        return logits
    model.zero_grad()
    cross_entropy(logits, np.asarray(labels)).backward()
    return {"logits": logits, "grads": _grads(model)}


def train_sentiment(m, vocab_size, batches, epochs, seed=0):
    """Train a Classifier with Adam on ``batches`` of (padded ids, labels), the learner's forward pass."""
    model = Classifier(vocab_size, seed=seed)
    optimizer = Adam(model.parameters(), lr=0.02)
    for epoch in range(epochs):
        for ids, labels in batches[epoch]:
            model.zero_grad()
            cross_entropy(m.sentiment_logits(model, np.asarray(ids)), np.asarray(labels)).backward()
            optimizer.step()
    return {"state": model.state_dict()}


# -- 12.6 ------------------------------------------------------------------------------------


def forecast(m, seed, windows, upstream=None):
    model = Forecaster(seed=seed)
    out = m.forecast(model, np.asarray(windows))
    if upstream is None:
        return out
    model.zero_grad()
    (out * Tensor(np.asarray(upstream))).sum().backward()
    return {"forecast": out, "grads": _grads(model)}


def train_forecaster(m, windows, targets, picks, seed=0):
    """Train a Forecaster with Adam on the rows ``picks[k]`` at step k, the learner's forward pass."""
    model = Forecaster(seed=seed)
    optimizer = Adam(model.parameters(), lr=0.02)
    windows, targets = np.asarray(windows), np.asarray(targets)
    for pick in picks:
        pick = np.asarray(pick)
        model.zero_grad()
        mse_loss(m.forecast(model, windows[pick]), Tensor(targets[pick])).backward()
        optimizer.step()
    return {"state": model.state_dict()}
