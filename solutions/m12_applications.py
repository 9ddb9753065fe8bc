"""Module 12: applications (응용).

Three things recurrent networks are used for, each small enough to train in seconds:
a next-character language model (how a chat model "predicts the next word"), a
sentiment classifier (an encoder that reads the sentence into one vector, then a fully
connected layer), and a time-series forecaster that beats the linear AR model.

The models and the training loops are given; you write the key lines: the language
model's loss, one training step, temperature sampling, the classifier's forward
pass and the forecaster's forward pass.

Run ``microgradrnn check m12_applications`` to grade this file.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from microgradrnn import Tensor, nn, no_grad
from microgradrnn.functional import cross_entropy, mse_loss
from microgradrnn.optim import Adam, Optimizer, clip_grad_norm_

# -- the models (given) -----------------------------------------------------------------


class CharLM(nn.Module):
    """Embedding -> LSTM -> Linear: scores for the next character at every step.

    ``model(ids, state=None) -> (logits, state)``: ``ids`` int array (B, T), ``logits``
    Tensor (B, T, V), ``state`` the LSTM's ``(h_n, c_n)`` to continue from.
    """

    def __init__(self, vocab_size: int, hidden_size: int = 32, embedding_dim: int = 16, seed: int = 0):
        rng = np.random.default_rng(seed)
        self.vocab_size = vocab_size
        self.embedding = nn.Embedding(vocab_size, embedding_dim, seed=rng)
        self.lstm = nn.LSTM(embedding_dim, hidden_size, batch_first=True, seed=rng)
        self.head = nn.Linear(hidden_size, vocab_size, seed=rng)

    def forward(self, ids: np.ndarray, state=None):
        output, state = self.lstm(self.embedding(ids), state)
        return self.head(output), state


class SentimentClassifier(nn.Module):
    """Embedding -> GRU encoder -> Linear to 2 classes; ``model(ids)`` calls ``sentiment_logits``."""

    def __init__(self, vocab_size: int, hidden_size: int = 16, embedding_dim: int = 16, seed: int = 0):
        rng = np.random.default_rng(seed)
        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=0, seed=rng)
        self.rnn = nn.GRU(embedding_dim, hidden_size, batch_first=True, seed=rng)
        self.fc = nn.Linear(hidden_size, 2, seed=rng)

    def forward(self, ids: np.ndarray) -> Tensor:
        return sentiment_logits(self, ids)


class Forecaster(nn.Module):
    """GRU over a window of past values -> Linear: the next value; ``model(w)`` calls ``forecast``."""

    def __init__(self, hidden_size: int = 16, seed: int = 0):
        rng = np.random.default_rng(seed)
        self.rnn = nn.GRU(1, hidden_size, batch_first=True, seed=rng)
        self.fc = nn.Linear(hidden_size, 1, seed=rng)

    def forward(self, windows: np.ndarray) -> Tensor:
        return forecast(self, windows)


# -- exercises ----------------------------------------------------------------------------


def char_lm_loss(model: CharLM, ids: np.ndarray) -> Tensor:
    """Exercise 12.1 (4 points): the next-character loss of a language model.

    Every character predicts the one after it: the inputs are each row without its last
    character, the targets each row without its first. Run ``model`` on the inputs (from
    a zero state) and return the cross-entropy of its logits against the targets,
    averaged over every one of the B * T predictions
    (``microgradrnn.functional.cross_entropy`` takes (N, C) logits and (N,) targets).

    Args:
        model: a ``CharLM`` (any model called as ``model(ids) -> (logits (B, T, V), state)``).
        ids: int array of shape (B, T + 1).

    Returns:
        The loss, a one-element Tensor that back-propagates to the model's parameters.
    """
    logits, _ = model(ids[:, :-1])
    V = logits.shape[-1]
    return cross_entropy(logits.reshape(-1, V), ids[:, 1:].reshape(-1))


def train_step(
    model: nn.Module, optimizer: Optimizer, loss_fn: Callable[[], Tensor], max_norm: float = 1.0
) -> float:
    """Exercise 12.2 (8 points): one step of training.

    In order: clear the old gradients of ``model`` (``zero_grad``), compute the loss
    with ``loss_fn()``, back-propagate it, clip the gradients of all the model's
    parameters together to a global norm of at most ``max_norm``
    (``clip_grad_norm_``, module 7), and let ``optimizer`` update the parameters.

    Returns:
        The loss before the update, as a Python float.
    """
    model.zero_grad()
    loss = loss_fn()
    loss.backward()
    clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss.item()


def temperature_probs(logits: np.ndarray, temperature: float) -> np.ndarray:
    """Exercise 12.3 (5 points): the distribution to sample the next character from.

    ``softmax(logits / temperature)``, computed stably (subtract the maximum first).
    Temperature 1 is the model's own distribution; below 1 sharpens it, above 1 flattens
    it. ``temperature == 0`` means greedy: probability 1.0 on the first index of the
    largest logit (``np.argmax``) and 0 elsewhere. A negative temperature raises
    ``ValueError``.

    Args:
        logits: float array of shape (V,).

    Returns:
        A float64 array of shape (V,) that sums to 1.
    """
    if temperature < 0:
        raise ValueError(f"temperature must be >= 0, got {temperature}")
    if temperature == 0:
        probs = np.zeros(len(logits))
        probs[np.argmax(logits)] = 1.0
        return probs
    z = np.asarray(logits, dtype=np.float64) / temperature
    e = np.exp(z - z.max())
    return e / e.sum()


def sample(
    model: CharLM, vocab: list[str], start: str, length: int, temperature: float = 1.0, seed: int = 0
) -> str:
    """Exercise 12.4 (5 points): generate text one character at a time (one-to-many).

    ``vocab[i]`` is the character of index i. The model reads the whole prompt ``start``
    (at least one character) once, as a batch of one, ids of shape (1, len(start)), and
    its state is kept. Then ``length`` times: the logits of the last step read, (V,),
    give ``p = temperature_probs(logits, temperature)``; the next index is drawn with
    ``rng.choice(len(vocab), p=p)``, one draw per character from one
    ``rng = np.random.default_rng(seed)`` made at the start (so a seed fixes the text,
    also at temperature 0); its character is appended, and the model reads that index
    alone, ids of shape (1, 1), continuing from the kept state.
    No gradients are needed (``no_grad()``).

    Returns:
        ``start`` followed by the ``length`` generated characters.
    """
    rng = np.random.default_rng(seed)
    index = {ch: i for i, ch in enumerate(vocab)}
    out = list(start)
    with no_grad():
        logits, state = model(np.array([[index[ch] for ch in start]]))
        for _ in range(length):
            p = temperature_probs(logits.data[0, -1], temperature)
            nxt = int(rng.choice(len(vocab), p=p))
            out.append(vocab[nxt])
            logits, state = model(np.array([[nxt]]), state)
    return "".join(out)


def sentiment_logits(model: SentimentClassifier, ids: np.ndarray) -> Tensor:
    """Exercise 12.5 (5 points): the classifier's forward pass, encoder then a fully connected layer.

    Look the tokens up in ``model.embedding`` (B, T, E), run ``model.rnn`` (a
    batch-first GRU) over them, take the final hidden state of its (single) layer
    (``h_n[-1]``, shape (B, H): the whole sentence read into one vector) and map it
    to two class scores with ``model.fc``. Sentences are padded at the *start* with
    index 0, so the last step of every row is a real token.

    Args:
        ids: int array of shape (B, T).

    Returns:
        Logits, a Tensor of shape (B, 2) (class 1 = positive).
    """
    output, h_n = model.rnn(model.embedding(ids))
    return model.fc(h_n[-1])


def forecast(model: Forecaster, windows: np.ndarray) -> Tensor:
    """Exercise 12.6 (5 points): the forecaster's forward pass (many-to-one).

    Each row of ``windows`` holds the last W values of a series; reshape them to the
    GRU's input (B, W, 1) (one feature per step), run ``model.rnn`` (batch-first),
    map the last hidden state ``h_n[-1]`` (B, H) with ``model.fc`` to (B, 1) and drop
    the last axis.

    Args:
        windows: float array of shape (B, W).

    Returns:
        The predicted next values, a Tensor of shape (B,).
    """
    B, W = windows.shape
    _, h_n = model.rnn(Tensor(windows.reshape(B, W, 1)))
    return model.fc(h_n[-1]).reshape(B)


# -- training loops (given) ---------------------------------------------------------------


def train_char_lm(
    text: str, hidden_size: int = 32, steps: int = 40, seq_len: int = 16, batch_size: int = 8, seed: int = 0
) -> tuple[CharLM, list[str], list[float]]:
    """Train a ``CharLM`` on ``text`` with Adam; returns ``(model, vocab, losses)``."""
    vocab = sorted(set(text))
    ids = np.array([vocab.index(ch) for ch in text])
    model = CharLM(len(vocab), hidden_size, seed=seed)
    optimizer = Adam(model.parameters(), lr=0.02)
    rng = np.random.default_rng(seed)
    losses = []
    for _ in range(steps):
        starts = rng.integers(0, len(ids) - seq_len - 1, size=batch_size)
        batch = np.stack([ids[s : s + seq_len + 1] for s in starts])
        losses.append(train_step(model, optimizer, lambda batch=batch: char_lm_loss(model, batch)))
    return model, vocab, losses


def pad_left(rows: list[list[int]], length: int | None = None) -> np.ndarray:
    """Index lists padded at the start with 0 to one length: int array (len(rows), length)."""
    length = length or max(len(r) for r in rows)
    return np.array([[0] * (length - len(r[-length:])) + r[-length:] for r in rows])


def train_sentiment(
    train: list[tuple[list[int], int]], vocab_size: int, epochs: int = 6, batch_size: int = 16, seed: int = 0
) -> SentimentClassifier:
    """Train a ``SentimentClassifier`` on ``(token indices, label)`` pairs with Adam."""
    model = SentimentClassifier(vocab_size, seed=seed)
    optimizer = Adam(model.parameters(), lr=0.02)
    rng = np.random.default_rng(seed)
    for _ in range(epochs):
        order = rng.permutation(len(train))
        for k in range(0, len(order), batch_size):
            chunk = [train[i] for i in order[k : k + batch_size]]
            ids, labels = pad_left([c[0] for c in chunk]), np.array([c[1] for c in chunk])
            train_step(
                model,
                optimizer,
                lambda ids=ids, labels=labels: cross_entropy(model(ids), labels),
                max_norm=5.0,
            )
    return model


def train_forecaster(
    windows: np.ndarray, targets: np.ndarray, steps: int = 200, batch_size: int = 32, seed: int = 0
) -> Forecaster:
    """Train a ``Forecaster`` on (window, next value) pairs with Adam; windows (N, W), targets (N,)."""
    model = Forecaster(seed=seed)
    optimizer = Adam(model.parameters(), lr=0.02)
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        pick = rng.integers(0, len(windows), size=batch_size)
        w, y = windows[pick], targets[pick]
        train_step(model, optimizer, lambda w=w, y=y: mse_loss(model(w), Tensor(y)))
    return model
