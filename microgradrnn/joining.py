"""Joining and cutting tensors: ``concat``, ``stack`` and ``split``, each with its backward."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from microgradrnn.shapes import check_axis
from microgradrnn.tensor import Tensor

__all__ = ["concat", "split", "stack"]


def _as_tensors(tensors: Sequence[Tensor], op: str) -> list[Tensor]:
    tensors = [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]
    if not tensors:
        raise ValueError(f"{op} needs at least one tensor")
    return tensors


def concat(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """Join tensors along an existing ``axis`` (PyTorch's ``cat``)."""
    tensors = _as_tensors(tensors, "concat")
    axis = check_axis(axis, tensors[0].shape)
    try:
        data = np.concatenate([t.data for t in tensors], axis=axis)
    except ValueError:
        shapes = ", ".join(str(t.shape) for t in tensors)
        raise ValueError(f"shape mismatch in 'concat' along axis {axis}: {shapes}") from None
    bounds = np.cumsum([t.shape[axis] for t in tensors])[:-1]
    return Tensor._make(
        data, tuple(tensors), "concat", lambda g: tuple(np.split(g, bounds, axis=axis))
    )


def stack(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """Join same-shaped tensors along a new ``axis``."""
    tensors = _as_tensors(tensors, "stack")
    axis = check_axis(axis, tensors[0].shape, new=True)
    try:
        data = np.stack([t.data for t in tensors], axis=axis)
    except ValueError:
        shapes = ", ".join(str(t.shape) for t in tensors)
        raise ValueError(f"shape mismatch in 'stack': all tensors need one shape, got {shapes}") from None
    return Tensor._make(
        data,
        tuple(tensors),
        "stack",
        lambda g: tuple(np.moveaxis(g, axis, 0)),
    )


def split(tensor: Tensor, sections: int | Sequence[int], axis: int = 0) -> list[Tensor]:
    """Cut ``tensor`` along ``axis`` into ``sections`` equal parts, or parts of the given sizes."""
    axis = check_axis(axis, tensor.shape)
    n = tensor.shape[axis]
    if isinstance(sections, int):
        if sections <= 0 or n % sections:
            raise ValueError(f"split: axis {axis} of size {n} does not divide into {sections} equal parts")
        sizes = [n // sections] * sections
    else:
        sizes = list(sections)
        if sum(sizes) != n:
            raise ValueError(f"split: sizes {sizes} add up to {sum(sizes)}, not to axis {axis} size {n}")
    pieces, start = [], 0
    for size in sizes:
        index = [slice(None)] * tensor.ndim
        index[axis] = slice(start, start + size)
        pieces.append(tensor[tuple(index)])
        start += size
    return pieces
