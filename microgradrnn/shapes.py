"""Shapes and axes: the checks and the broadcasting rule every Tensor operation shares.

Pure numpy, no graph: an axis out of range is an error that names the axis and the shape,
and a gradient that flowed through a broadcast is summed back to its input's shape.
"""

from __future__ import annotations

from typing import Any

import numpy as np

Axis = int | tuple[int, ...] | None

AxisError = np.exceptions.AxisError if hasattr(np, "exceptions") else np.AxisError  # numpy < 1.25



def check_axis(axis: Any, shape: tuple[int, ...], new: bool = False) -> int:
    """``axis`` of an array of ``shape`` as a non-negative int; an error names both otherwise.

    ``new``: the axis is one to insert (``stack``), so it may also come after the last.
    """
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"an axis is an integer, got {type(axis).__name__} {axis!r} (shape {shape})")
    ndim = len(shape) + new
    if not -ndim <= axis < ndim:
        raise AxisError(
            f"axis {axis} is out of range for a tensor of shape {shape} (axes {-ndim} to {ndim - 1})"
        )
    return int(axis) % ndim


def check_axes(axis: Axis, shape: tuple[int, ...]) -> Axis:
    """``axis`` (None, an int or a tuple of ints) checked against ``shape``; left as given."""
    if axis is None:
        return None
    for a in axis if isinstance(axis, tuple) else (axis,):
        check_axis(a, shape)
    return axis


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` over the axes along which an input of ``shape`` was broadcast.

    (4, 3) -> (3,) sums axis 0; (4, 3) -> (4, 1) sums axis 1 keeping it.
    """
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad


def reduction_args(
    axis: Axis, keepdims: bool, dim: Axis, keepdim: bool | None, shape: tuple[int, ...]
) -> tuple[Axis, bool]:
    """numpy's (axis, keepdims) from either naming, checked against ``shape``; dim/keepdim win."""
    if dim is not None:
        if axis is not None:
            raise TypeError("give the axis once: axis= (numpy) or dim= (PyTorch), not both")
        axis = dim
    if isinstance(axis, list):
        axis = tuple(axis)
    return check_axes(axis, shape), keepdims if keepdim is None else keepdim
