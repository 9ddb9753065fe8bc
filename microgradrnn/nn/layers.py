"""Small modules wrapping :mod:`microgradrnn.functional`: ``Dropout`` and the loss modules."""

from __future__ import annotations

from typing import Any

from microgradrnn import functional as F
from microgradrnn.nn.module import Module, Seed, make_rng
from microgradrnn.tensor import Tensor


class Dropout(Module):
    """Zero each element with probability ``p`` in training mode, scaling the rest by 1/(1-p).

    ``seed`` (int or numpy Generator) makes the masks reproducible. Any shape in, same shape out.
    """

    def __init__(self, p: float = 0.5, *, seed: Seed = None):
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: p must be a probability in [0, 1], got {p}")
        self.p = p
        self._rng = make_rng(seed)

    def forward(self, x: Tensor) -> Tensor:
        return F.dropout(x, self.p, self.training, self._rng)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class CrossEntropyLoss(Module):
    """``loss(logits (N, C), target (N,))``: :func:`microgradrnn.functional.cross_entropy` as a module."""

    def __init__(self, ignore_index: int = -100, reduction: str = "mean"):
        self.ignore_index, self.reduction = ignore_index, reduction

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.cross_entropy(input, target, ignore_index=self.ignore_index, reduction=self.reduction)


class MSELoss(Module):
    """``loss(input, target)``: :func:`microgradrnn.functional.mse_loss` as a module."""

    def __init__(self, reduction: str = "mean"):
        self.reduction = reduction

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.mse_loss(input, target, reduction=self.reduction)
