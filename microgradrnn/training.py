"""The plumbing of a training loop, shared by the experiments and the demos.

One optimisation step with clipping (:func:`train_step`), progress callbacks, running means
of a loss curve (:func:`smooth`), and batching of token sequences: a vocabulary, ids, and
batches of equal-length sequences so that no padding is needed.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from microgradrnn.optim import clip_grad_norm_

__all__ = [
    "Callback",
    "as_float",
    "batch_stream",
    "build_vocab",
    "count_batches",
    "encode",
    "length_batches",
    "smooth",
    "train_step",
]

Callback = Callable[[int, float], None]
"""Called as ``callback(step, loss)`` after every optimisation step (for progress bars)."""


def as_float(x: Any) -> float:
    """A Python float from a float, a numpy scalar or a one-element Tensor."""
    return float(x.item()) if hasattr(x, "item") else float(x)


def train_step(
    loss: Any,
    optimizer: Any,
    parameters: Sequence[Any],
    losses: list[float],
    callback: Callback | None = None,
    max_norm: float = 1.0,
) -> None:
    """One update: zero the gradients, back-propagate ``loss``, clip their global norm to
    ``max_norm``, step; then append the loss to ``losses`` and report it to ``callback``."""
    optimizer.zero_grad()
    loss.backward()
    clip_grad_norm_(parameters, max_norm)
    optimizer.step()
    losses.append(as_float(loss))
    if callback is not None:
        callback(len(losses) - 1, losses[-1])


def smooth(values: Sequence[float], window: int) -> np.ndarray:
    """Running mean over the last ``window`` values (fewer at the start), same length as ``values``."""
    v = np.asarray(values, dtype=np.float64)
    if v.size == 0:
        return v
    c = np.cumsum(np.insert(v, 0, 0.0))
    idx = np.arange(1, v.size + 1)
    lo = np.maximum(idx - window, 0)
    return (c[idx] - c[lo]) / (idx - lo)


def build_vocab(sentences: Sequence[Sequence[str]], specials: Sequence[str] = ("<unk>",)) -> dict[str, int]:
    """Token -> id: ``specials`` first (0 is ``"<unk>"``), then each token in order of first appearance."""
    vocab = {tok: i for i, tok in enumerate(specials)}
    for sentence in sentences:
        for tok in sentence:
            vocab.setdefault(tok, len(vocab))
    return vocab


def encode(tokens: Sequence[str], vocab: dict[str, int], unk: str = "<unk>") -> np.ndarray:
    """Ids (int64, shape (len(tokens),)) of ``tokens``; unknown ones map to ``vocab[unk]``."""
    return np.array([vocab.get(tok, vocab[unk]) for tok in tokens], dtype=np.int64)


def length_batches(lengths: Sequence[int], batch_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Index batches in which every sequence has the same length, shuffled (no padding needed).

    Sequences are grouped by length, each group shuffled and cut into batches of at most
    ``batch_size``, and the batches shuffled; every index appears in exactly one batch.
    """
    lengths = np.asarray(lengths)
    batches = []
    for n in np.unique(lengths):
        idx = rng.permutation(np.flatnonzero(lengths == n))
        batches += [idx[i : i + batch_size] for i in range(0, len(idx), batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]


def count_batches(lengths: Sequence[int], batch_size: int) -> int:
    """How many batches :func:`length_batches` makes of sequences with these lengths."""
    _, counts = np.unique(np.asarray(lengths), return_counts=True)
    return int(sum(-(-int(n) // batch_size) for n in counts))


def batch_stream(
    lengths: Sequence[int], batch_size: int, rng: np.random.Generator, epochs: int, steps: int | None = None
) -> Iterator[np.ndarray]:
    """Equal-length index batches (see :func:`length_batches`) for ``epochs`` passes over the data,
    or, when ``steps`` is given, exactly ``steps`` batches, reshuffling after every pass."""
    passes = range(epochs) if steps is None else itertools.count()
    stream = itertools.chain.from_iterable(length_batches(lengths, batch_size, rng) for _ in passes)
    return stream if steps is None else itertools.islice(stream, steps)
