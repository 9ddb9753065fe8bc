"""``Linear`` (a fully connected layer) and ``Embedding`` (a lookup table of vectors)."""

from __future__ import annotations

import math
from typing import Any

from microgradrnn import functional as F
from microgradrnn.nn.module import Module, Parameter, Seed, make_rng
from microgradrnn.tensor import Tensor


class Linear(Module):
    """y = x W^T + b, as ``torch.nn.Linear``.

    Args:
        in_features: size of each input vector.
        out_features: size of each output vector.
        bias: learn an additive bias.
        seed: an int or a numpy Generator for the initialisation, U(-1/sqrt(in), 1/sqrt(in))
            for weight and bias, PyTorch's default.

    Shapes: input (..., in_features) -> output (..., out_features).
    Parameters: ``weight`` (out_features, in_features), ``bias`` (out_features,).
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, *, seed: Seed = None):
        self.in_features, self.out_features = in_features, out_features
        rng = make_rng(seed)
        k = 1.0 / math.sqrt(in_features) if in_features else 0.0
        self.weight = Parameter(rng.uniform(-k, k, (out_features, in_features)), label="weight")
        self.bias = Parameter(rng.uniform(-k, k, (out_features,)), label="bias") if bias else None

    def forward(self, x: Tensor) -> Tensor:
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"
        )


class Embedding(Module):
    """A table of ``num_embeddings`` vectors of size ``embedding_dim``, looked up by index.

    Args:
        num_embeddings: how many vectors (the vocabulary size).
        embedding_dim: the size of each vector.
        padding_idx: a row that stays zero and gets no gradient (for padding tokens).
        seed: an int or a numpy Generator; the table starts N(0, 1), PyTorch's default.

    Shapes: integer input of any shape (...) -> output (..., embedding_dim).
    Parameter: ``weight`` (num_embeddings, embedding_dim).
    """

    def __init__(
        self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None, *, seed: Seed = None
    ):
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"padding_idx {padding_idx} is outside the table of {num_embeddings} rows")
            padding_idx %= num_embeddings
        self.num_embeddings, self.embedding_dim, self.padding_idx = num_embeddings, embedding_dim, padding_idx
        table = make_rng(seed).standard_normal((num_embeddings, embedding_dim))
        if padding_idx is not None:
            table[padding_idx] = 0.0
        self.weight = Parameter(table, label="weight")

    def forward(self, input: Any) -> Tensor:
        return F.embedding(input, self.weight, self.padding_idx)

    def extra_repr(self) -> str:
        pad = f", padding_idx={self.padding_idx}" if self.padding_idx is not None else ""
        return f"{self.num_embeddings}, {self.embedding_dim}{pad}"
