"""Sentiment classification: an encoder reads a review, a linear layer reads its last state.

The shipped reviews are short and lower case; some need word order ("not good" is
negative, "not bad" positive; in "X but Y" the part after "but" decides).
"""

from __future__ import annotations

import time

import numpy as np

from microgradrnn.data import load_sentiment, train_test_split
from microgradrnn.demos.result import Result
from microgradrnn.experiments.models import SequenceClassifier
from microgradrnn.functional import cross_entropy
from microgradrnn.graph import no_grad
from microgradrnn.optim import Adam
from microgradrnn.training import (
    Callback,
    batch_stream,
    build_vocab,
    count_batches,
    encode,
    train_step,
)

__all__ = ["EXAMPLES", "classify", "planned_steps", "train_sentiment"]

_TEST_FRACTION = 0.2

EXAMPLES = ("the food was not bad", "the service was not good", "the room was small but the view was great")
"""Reviews classified after training."""


def classify(model: SequenceClassifier, vocab: dict[str, int], text: str) -> float:
    """The probability that ``text`` (lower case, space separated) is positive."""
    with no_grad():
        scores = model(encode(text.split(), vocab)[None, :]).data[0]
    p = np.exp(scores - scores.max())
    return float(p[1] / p.sum())


def train_sentiment(
    steps: int | None = None,
    seed: int = 0,
    hidden_size: int = 32,
    cell: str = "lstm",
    epochs: int = 15,
    batch_size: int = 16,
    lr: float = 0.01,
    callback: Callback | None = None,
) -> Result:
    """Train a many-to-one classifier on 80% of the reviews for ``epochs`` (or ``steps`` batches).

    Batches hold reviews of equal length (no padding). Inputs (B, T) word ids -> (B, 2) scores.
    """
    start = time.perf_counter()
    train, test = train_test_split(load_sentiment(), test_fraction=_TEST_FRACTION, seed=seed)
    vocab = build_vocab(text.split() for text, _ in train)
    X = [encode(text.split(), vocab) for text, _ in train]
    y = np.array([label for _, label in train])
    rng = np.random.default_rng(seed)
    model = SequenceClassifier(len(vocab), 2, hidden_size, hidden_size, cell=cell, seed=rng)
    opt = Adam(model.parameters(), lr=lr)
    losses: list[float] = []
    for batch in batch_stream([len(x) for x in X], batch_size, rng, epochs, steps):
        loss = cross_entropy(model(np.stack([X[i] for i in batch])), y[batch])
        train_step(loss, opt, model.parameters(), losses, callback)
    hits = [(classify(model, vocab, text) > 0.5) == bool(label) for text, label in test]
    accuracy = float(np.mean(hits))
    majority = max(np.mean([label for _, label in test]), 1 - np.mean([label for _, label in test]))
    summary = [f"test accuracy {100 * accuracy:.1f}% on {len(test)} reviews "
               f"(always guessing the majority class: {100 * majority:.1f}%)"]
    summary += [f"  P(positive) = {classify(model, vocab, text):.2f}  {text!r}" for text in EXAMPLES]
    return Result("sentiment", np.array(losses), {"accuracy": accuracy, "majority_accuracy": float(majority)},
                  summary, model, seconds=time.perf_counter() - start)


def planned_steps(steps: int | None, epochs: int, batch_size: int, seed: int, **_: object) -> int:
    """How many batches :func:`train_sentiment` will take with these arguments (for a progress bar)."""
    if steps is not None:
        return steps
    train, _ = train_test_split(load_sentiment(), test_fraction=_TEST_FRACTION, seed=seed)
    return epochs * count_batches([len(text.split()) for text, _ in train], batch_size)
