"""Truncated back-propagation through time: carry the state across chunks, cut the graph between them.

A long sequence is cut into chunks of ``k`` steps. The hidden state flows from one chunk
into the next (the model remembers), but the graph is cut with ``detach`` at every chunk
boundary, so each ``backward`` walks at most ``k`` steps and memory stays bounded::

    state = None
    for x, y in chunks(inputs, targets, k=32):     # (k, B, I) and (k, B) pieces, in order
        output, state = lstm(x, state)
        loss = cross_entropy(head(output).reshape(-1, V), y.reshape(-1))
        opt.zero_grad(); loss.backward(); opt.step()
        state = detach_state(state)                # the cut: no gradient flows past here

:func:`truncated_bptt` runs that loop for you.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from microgradrnn.tensor import Tensor

__all__ = ["chunks", "detach_state", "truncated_bptt"]


def detach_state(state: Any) -> Any:
    """The same state (a Tensor, a tuple/list of them, or None) cut from the graph."""
    if state is None:
        return None
    if isinstance(state, Tensor):
        return state.detach()
    if isinstance(state, (tuple, list)):
        return type(state)(detach_state(s) for s in state)
    raise TypeError(
        f"detach_state: expected a Tensor, a tuple of Tensors or None, got {type(state).__name__}"
    )


def chunks(*sequences: Any, k: int, axis: int = 0) -> Iterator[tuple[Any, ...]]:
    """Cut every sequence along ``axis`` (time) into pieces of ``k`` steps (the last may be shorter).

    Numpy arrays give numpy pieces; tensors give tensor pieces. All sequences must have
    the same length along ``axis``.
    """
    if k <= 0:
        raise ValueError(f"chunks: k must be a positive number of steps, got {k}")
    lengths = {np.shape(s.data if isinstance(s, Tensor) else s)[axis] for s in sequences}
    if len(lengths) != 1:
        raise ValueError(f"chunks: sequences have different lengths along axis {axis}: {sorted(lengths)}")
    (n,) = lengths
    arrays = [s if isinstance(s, Tensor) else np.asarray(s) for s in sequences]
    for start in range(0, n, k):
        pieces = []
        for a in arrays:
            index = [slice(None)] * a.ndim
            index[axis] = slice(start, start + k)
            pieces.append(a[tuple(index)])
        yield tuple(pieces)


def truncated_bptt(
    step: Callable[[Any, Any, Any], tuple[Tensor, Any]],
    inputs: Any,
    targets: Any,
    k: int,
    state: Any = None,
    on_loss: Callable[[Tensor], None] | None = None,
    axis: int = 0,
) -> tuple[list[float], Any]:
    """Run ``step(x_chunk, y_chunk, state) -> (loss, new_state)`` over chunks of ``k`` steps.

    After each chunk, ``on_loss(loss)`` is called (do ``zero_grad``/``backward``/``step``
    there; by default only ``loss.backward()`` runs) and the state is detached before the
    next chunk. Returns the loss of every chunk and the final (detached) state.
    """
    losses = []
    for x, y in chunks(inputs, targets, k=k, axis=axis):
        loss, state = step(x, y, state)
        if on_loss is None:
            loss.backward()
        else:
            on_loss(loss)
        losses.append(loss.item())
        state = detach_state(state)
    return losses, state
