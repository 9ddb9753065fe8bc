"""A bidirectional part-of-speech tagger (see :mod:`microgradrnn.experiments.tagging`)."""

from __future__ import annotations

import time

from microgradrnn.data import load_pos, train_test_split
from microgradrnn.demos.result import Result
from microgradrnn.experiments.tagging import tag, train_tagger
from microgradrnn.training import Callback, count_batches

__all__ = ["EXAMPLES", "planned_steps", "train_pos"]

_BATCH_SIZE, _TEST_FRACTION = 16, 0.25

EXAMPLES = ("Book a table .", "Book sales rose .", "They watch the report .")
"""Sentences tagged after training: the first word of the first two needs the next one."""


def train_pos(
    steps: int | None = None,
    seed: int = 0,
    hidden_size: int = 24,
    cell: str = "lstm",
    epochs: int = 12,
    bidirectional: bool = True,
    lr: float = 0.02,
    callback: Callback | None = None,
) -> Result:
    """Train a tagger on 75% of the POS set for ``epochs`` (or ``steps`` batches) and score the rest.

    Accuracy is reported on all test tokens, on the ambiguous words ("report", "book", ...)
    and on those that open a sentence, where only the next word tells noun from verb.
    """
    start = time.perf_counter()
    run = train_tagger(bidirectional, cell=cell, epochs=epochs, embedding_dim=hidden_size,
                       hidden_size=hidden_size, batch_size=_BATCH_SIZE, lr=lr, test_fraction=_TEST_FRACTION,
                       seed=seed, steps=steps, callback=callback)
    metrics = {"accuracy": run.accuracy, "ambiguous_accuracy": run.ambiguous_accuracy,
               "initial_accuracy": run.initial_accuracy}
    summary = [
        f"test accuracy {100 * run.accuracy:.1f}% of all words, {100 * run.ambiguous_accuracy:.1f}% of "
        f"the {run.n_ambiguous} ambiguous words, {100 * run.initial_accuracy:.1f}% of the "
        f"{run.n_initial} that open a sentence",
    ]
    for sentence in EXAMPLES:
        words = sentence.split()
        summary.append("  " + " ".join(f"{w}/{t}" for w, t in zip(words, tag(run.model, run.vocab, words))))
    return Result("pos", run.losses, metrics, summary, run.model, seconds=time.perf_counter() - start)


def planned_steps(steps: int | None, epochs: int, seed: int, **_: object) -> int:
    """How many batches :func:`train_pos` will take with these arguments (for a progress bar)."""
    if steps is not None:
        return steps
    train, _ = train_test_split(load_pos(), test_fraction=_TEST_FRACTION, seed=seed)
    return epochs * count_batches([len(words) for words, _ in train], _BATCH_SIZE)
