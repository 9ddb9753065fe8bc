"""Small models the experiments and the training demos share.

Every model is a :class:`~microgradrnn.nn.Module` built from the library's layers, with
``batch_first`` inputs: (B, T, features) for real-valued sequences, (B, T) integer ids for
tokens. ``cell`` chooses the recurrent layer: "rnn" (tanh), "lstm" or "gru".
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microgradrnn.nn import KINDS, Embedding, Linear, Module
from microgradrnn.nn.kinds import kind_options, layer
from microgradrnn.tensor import Tensor

__all__ = ["CELLS", "CharLM", "SequenceClassifier", "SequenceRegressor", "Tagger", "recurrent_layer"]

CELLS = tuple(KINDS)
"""The kinds of recurrent layer a model can use: the names of :data:`microgradrnn.nn.KINDS`."""


def recurrent_layer(
    cell: str,
    input_size: int,
    hidden_size: int,
    *,
    num_layers: int = 1,
    bidirectional: bool = False,
    forget_bias: float = 1.0,
    seed: int | np.random.Generator | None = None,
) -> Module:
    """A batch-first layer of kind ``cell``: ``RNN`` (tanh), ``LSTM`` (forget-gate bias
    ``forget_bias``), ``GRU`` or any other kind of :data:`~microgradrnn.nn.KINDS`."""
    if cell not in KINDS:
        raise ValueError(f"cell must be one of {CELLS}, got {cell!r}")
    return layer(cell, input_size, hidden_size, num_layers=num_layers, batch_first=True,
                 bidirectional=bidirectional, seed=seed, **kind_options(cell, forget_bias=forget_bias))


class SequenceRegressor(Module):
    """A recurrent layer and a linear read-out: (B, T, input_size) -> numbers.

    With ``many_to_many`` the read-out is applied at every step, giving (B, T, output_size);
    otherwise only after the last step, giving (B, output_size).
    """

    def __init__(
        self,
        cell: str,
        input_size: int,
        hidden_size: int,
        output_size: int = 1,
        *,
        many_to_many: bool = False,
        seed: int | np.random.Generator | None = None,
    ):
        rng = np.random.default_rng(seed)
        self.many_to_many = many_to_many
        self.rnn = recurrent_layer(cell, input_size, hidden_size, seed=rng)
        self.head = Linear(hidden_size, output_size, seed=rng)

    def forward(self, x: Tensor, hx: Any = None) -> tuple[Tensor, Any]:
        """``x`` (B, T, input_size) -> (prediction, final state) with the shapes above."""
        out, state = self.rnn(x, hx)
        return self.head(out if self.many_to_many else out[:, -1]), state


class Tagger(Module):
    """Embedding, a recurrent layer (one or both directions), a linear layer per token.

    (B, T) word ids -> (B, T, num_tags) scores.
    """

    def __init__(
        self,
        vocab_size: int,
        num_tags: int,
        embedding_dim: int = 32,
        hidden_size: int = 32,
        *,
        cell: str = "lstm",
        bidirectional: bool = True,
        seed: int | np.random.Generator | None = None,
    ):
        rng = np.random.default_rng(seed)
        self.embedding = Embedding(vocab_size, embedding_dim, seed=rng)
        self.rnn = recurrent_layer(cell, embedding_dim, hidden_size, bidirectional=bidirectional, seed=rng)
        self.head = Linear(hidden_size * (2 if bidirectional else 1), num_tags, seed=rng)

    def forward(self, ids: np.ndarray) -> Tensor:
        out, _ = self.rnn(self.embedding(ids))
        return self.head(out)


class SequenceClassifier(Module):
    """Embedding, a recurrent encoder, a linear layer on its last hidden state.

    (B, T) word ids -> (B, num_classes) scores (many-to-one).
    """

    def __init__(
        self,
        vocab_size: int,
        num_classes: int,
        embedding_dim: int = 32,
        hidden_size: int = 32,
        *,
        cell: str = "lstm",
        seed: int | np.random.Generator | None = None,
    ):
        rng = np.random.default_rng(seed)
        self.embedding = Embedding(vocab_size, embedding_dim, seed=rng)
        self.rnn = recurrent_layer(cell, embedding_dim, hidden_size, seed=rng)
        self.head = Linear(hidden_size, num_classes, seed=rng)

    def forward(self, ids: np.ndarray) -> Tensor:
        out, _ = self.rnn(self.embedding(ids))
        return self.head(out[:, -1])


class CharLM(Module):
    """A character language model: embedding, recurrent layers, scores for the next character.

    (B, T) character ids -> ((B, T, vocab_size) scores, final state).
    """

    def __init__(
        self,
        vocab_size: int,
        embedding_dim: int = 32,
        hidden_size: int = 128,
        *,
        cell: str = "lstm",
        num_layers: int = 1,
        seed: int | np.random.Generator | None = None,
    ):
        rng = np.random.default_rng(seed)
        self.embedding = Embedding(vocab_size, embedding_dim, seed=rng)
        self.rnn = recurrent_layer(cell, embedding_dim, hidden_size, num_layers=num_layers, seed=rng)
        self.head = Linear(hidden_size, vocab_size, seed=rng)

    def forward(self, ids: np.ndarray, hx: Any = None) -> tuple[Tensor, Any]:
        out, state = self.rnn(self.embedding(ids), hx)
        return self.head(out), state
