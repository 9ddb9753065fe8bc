"""Probes of module 5: the exercises take an ``RNNWeights``, an object that cannot travel.

Each probe builds the learner's ``RNNWeights`` from plain arrays here, in the runner, calls
one exercise function and sends back what it returned (and, for the gradient tests, the
gradients its backward pass left). The judge computes the right answers itself.
"""

from __future__ import annotations

import numpy as np

from microgradrnn import Tensor


def _weights(m, arrays, requires_grad: bool):
    """The learner's RNNWeights(W_ax, W_aa, b_a, W_ya, b_y) holding fresh copies of ``arrays``."""
    return m.RNNWeights(*(Tensor(np.array(a, dtype=np.float64), requires_grad=requires_grad) for a in arrays))


def run(m, function: str, arrays: list, *args):
    """``function(RNNWeights(*arrays), *args)`` of the learner's module, its result as it came."""
    return getattr(m, function)(_weights(m, arrays, requires_grad=False), *args)


def gradients(m, function: str, arrays: list, xs: Tensor, upstream: np.ndarray, *args) -> dict:
    """Back-propagate ``(function(w, xs, *args) * upstream).sum()``; the gradients of xs and the weights.

    ``grads`` is None when the result is not a Tensor in the graph (the judge says so).
    """
    w = _weights(m, arrays, requires_grad=True)
    out = getattr(m, function)(w, xs, *args)
    if not isinstance(out, Tensor) or not out.requires_grad:
        return {"result": out, "grads": None}
    (out * Tensor(np.asarray(upstream, dtype=np.float64))).sum().backward()
    params = (w.W_ax, w.W_aa, w.b_a, w.W_ya, w.b_y)
    return {"result": out, "grads": [None if t.grad is None else np.array(t.grad) for t in (xs, *params)]}
