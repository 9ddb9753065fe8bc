"""Functions of tensors that layers and losses are made of, named as in ``torch.nn.functional``.

Every function takes and returns :class:`~microgradrnn.tensor.Tensor` (numpy arrays and
lists are turned into tensors that do not require grad), and every random one takes a
seed or a numpy Generator.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microgradrnn.tensor import Tensor

__all__ = [
    "cross_entropy",
    "dropout",
    "embedding",
    "linear",
    "log_softmax",
    "mse_loss",
    "nll_loss",
    "one_hot",
    "softmax",
]

_REDUCTIONS = ("mean", "sum", "none")


def _tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def _check_reduction(reduction: str, fn: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{fn}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")


def softmax(x: Tensor, dim: int = -1) -> Tensor:
    """exp(x) / sum(exp(x)) along ``dim``: probabilities that add up to 1, same shape as ``x``."""
    return _tensor(x).softmax(axis=dim)


def log_softmax(x: Tensor, dim: int = -1) -> Tensor:
    """log(softmax(x)) along ``dim``, computed stably, same shape as ``x``."""
    return _tensor(x).log_softmax(axis=dim)


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """x W^T + b: ``x`` (..., in), ``weight`` (out, in), ``bias`` (out,) -> (..., out)."""
    x = _tensor(x)
    if x.shape[-1:] != weight.shape[-1:]:
        raise ValueError(
            f"linear: input of shape {x.shape} has last dimension {x.shape[-1] if x.ndim else None}, "
            f"but weight of shape {weight.shape} expects {weight.shape[-1]}"
        )
    out = x @ weight.T
    return out if bias is None else out + bias


def _class_targets(target: Any, n: int, num_classes: int, ignore_index: int, fn: str) -> np.ndarray:
    t = np.asarray(target.data if isinstance(target, Tensor) else target)
    if not np.issubdtype(t.dtype, np.integer):
        if t.size and np.any(t != np.round(t)):
            raise TypeError(f"{fn}: targets must be class indices (integers), got dtype {t.dtype}")
        t = t.astype(np.int64)
    if t.shape != (n,):
        raise ValueError(f"{fn}: expected targets of shape ({n},) for {n} rows of scores, got {t.shape}")
    bad = (t != ignore_index) & ((t < 0) | (t >= num_classes))
    if np.any(bad):
        raise IndexError(
            f"{fn}: target {int(t[bad][0])} is out of range for {num_classes} classes "
            f"(valid: 0..{num_classes - 1}, or ignore_index={ignore_index})"
        )
    return t


def nll_loss(log_probs: Tensor, target: Any, ignore_index: int = -100, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of the target classes: ``-log_probs[n, target[n]]``.

    ``log_probs`` is (N, C) (or (C,) with a scalar target); ``target`` holds N integers.
    Rows whose target equals ``ignore_index`` (padding) count for nothing, not even in
    the mean's denominator. ``reduction`` is "mean", "sum" or "none" (shape (N,)).
    A mean over no counted rows is nan, as in PyTorch.
    """
    _check_reduction(reduction, "nll_loss")
    log_probs = _tensor(log_probs)
    if log_probs.ndim == 1:
        log_probs = log_probs.reshape(1, -1)
        target = np.reshape(np.asarray(target.data if isinstance(target, Tensor) else target), (1,))
    if log_probs.ndim != 2:
        raise ValueError(
            f"nll_loss: expected scores of shape (N, C) or (C,), got {log_probs.shape}; "
            "for a sequence (N, T, C) flatten first: x.reshape(-1, C) and targets.reshape(-1)"
        )
    n, c = log_probs.shape
    t = _class_targets(target, n, c, ignore_index, "nll_loss")
    keep = t != ignore_index
    picked = log_probs[np.arange(n), np.where(keep, t, 0)]  # ignored rows pick class 0, then weigh 0
    losses = -(picked * keep.astype(log_probs.dtype))
    if reduction == "none":
        return losses
    total = losses.sum()
    if reduction == "sum":
        return total
    with np.errstate(invalid="ignore", divide="ignore"):
        return total / float(keep.sum())


def cross_entropy(input: Tensor, target: Any, ignore_index: int = -100, reduction: str = "mean") -> Tensor:
    """Cross-entropy between raw scores (logits) and class indices, as ``torch.nn.functional``.

    ``input`` (N, C) logits, ``target`` (N,) integers in ``[0, C)`` or ``ignore_index``.
    Equal to ``nll_loss(log_softmax(input, dim=-1), target)``. For a sequence model's
    (N, T, C) scores pass ``scores.reshape(-1, C)`` and ``targets.reshape(-1)``.
    """
    input = _tensor(input)
    if input.ndim not in (1, 2):
        raise ValueError(
            f"cross_entropy: expected logits of shape (N, C) or (C,), got {input.shape}; "
            "for a sequence (N, T, C) flatten first: logits.reshape(-1, C) and targets.reshape(-1)"
        )
    return nll_loss(input.log_softmax(axis=-1), target, ignore_index=ignore_index, reduction=reduction)


def mse_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Mean squared error ``(input - target)**2`` averaged (or summed) over every element."""
    _check_reduction(reduction, "mse_loss")
    input, target = _tensor(input), _tensor(target)
    if input.shape != target.shape:
        raise ValueError(f"mse_loss: input of shape {input.shape} and target of shape {target.shape} differ")
    diff = input - target
    squared = diff * diff
    if reduction == "none":
        return squared
    return squared.sum() if reduction == "sum" else squared.mean()


def embedding(input: Any, weight: Tensor, padding_idx: int | None = None) -> Tensor:
    """Rows of ``weight`` (num_embeddings, dim) picked by the integer ``input`` (any shape).

    Returns ``input.shape + (dim,)``. The gradient of a row is the sum of the gradients
    of every place it was picked (scatter-add); the row ``padding_idx`` gets no gradient.
    """
    idx = np.asarray(input.data if isinstance(input, Tensor) else input)
    if not np.issubdtype(idx.dtype, np.integer):
        raise TypeError(f"embedding: indices must be integers, got dtype {idx.dtype}")
    n = weight.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        bad = idx[(idx < 0) | (idx >= n)][0]
        raise IndexError(f"embedding: index {int(bad)} is out of range for {n} embeddings (0..{n - 1})")

    shape, dtype = weight.shape, weight.dtype

    def backward(g: np.ndarray) -> tuple[np.ndarray]:
        grad = np.zeros(shape, dtype=dtype)
        np.add.at(grad, idx, g)
        if padding_idx is not None:
            grad[padding_idx] = 0.0
        return (grad,)

    return Tensor._make(weight.data[idx], (weight,), "embedding", backward)


def dropout(
    input: Tensor, p: float = 0.5, training: bool = True, rng: int | np.random.Generator | None = None
) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by 1/(1-p) (inverted dropout).

    Identity when ``training`` is False or ``p`` is 0. ``rng`` is a seed or a Generator.
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, got {p}")
    input = _tensor(input)
    if not training or p == 0.0:
        return input
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    return input * dropout_mask(input.shape, p, gen, input.dtype)


def dropout_mask(
    shape: tuple[int, ...], p: float, rng: np.random.Generator, dtype: Any = np.float64
) -> Tensor:
    """A tensor of 0 (probability ``p``) and 1/(1-p) (probability 1-p): inverted dropout's mask."""
    if p >= 1.0:
        return Tensor(np.zeros(shape, dtype=dtype))
    keep = rng.random(shape) >= p
    return Tensor(keep.astype(dtype) / (1.0 - p), dtype=dtype)


def one_hot(indices: Any, num_classes: int = -1) -> Tensor:
    """A float tensor ``indices.shape + (num_classes,)`` with a 1 at each index (num_classes=-1: max+1)."""
    idx = np.asarray(indices.data if isinstance(indices, Tensor) else indices)
    if not np.issubdtype(idx.dtype, np.integer):
        raise TypeError(f"one_hot: indices must be integers, got dtype {idx.dtype}")
    if num_classes < 0:
        num_classes = int(idx.max()) + 1 if idx.size else 0
    if idx.size and (idx.min() < 0 or idx.max() >= num_classes):
        raise IndexError(f"one_hot: indices must lie in 0..{num_classes - 1}, got {idx.min()}..{idx.max()}")
    return Tensor(np.eye(num_classes)[idx])
