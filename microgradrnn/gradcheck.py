"""Central-difference gradient checks for functions of Values or Tensors.

``numerical_grad`` nudges each input number by +-eps and watches the output:
(f(x + eps) - f(x - eps)) / (2 eps), accurate to O(eps^2). ``rel_error`` is the
relative error CS231n uses to compare it with back-propagation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from microgradrnn.graph import no_grad
from microgradrnn.tensor import Tensor
from microgradrnn.value import Value

Node = Value | Tensor


def rel_error(a: Any, b: Any) -> float:
    """``max |a - b| / max(1e-8, |a| + |b|)``, elementwise, the largest over all elements."""
    a = np.asarray(a.data if isinstance(a, (Tensor, Value)) else a, dtype=np.float64)
    b = np.asarray(b.data if isinstance(b, (Tensor, Value)) else b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"rel_error: shapes differ, {a.shape} and {b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def _scalar_output(out: Any) -> float:
    if isinstance(out, Value):
        return out.data
    if isinstance(out, Tensor):
        if out.data.size != 1:
            raise ValueError(f"gradcheck needs a function with one output number, got shape {out.shape}")
        return float(out.data.reshape(()))
    return float(out)


def numerical_grad(f: Callable[..., Any], inputs: Sequence[Node], eps: float = 1e-6) -> list[Any]:
    """Central differences of the scalar ``f(*inputs)`` with respect to every input.

    Returns one float per Value input and one array of the input's shape per Tensor input.
    Tensor inputs should hold float64 data: float32 round-off swamps the differences.
    """
    grads: list[Any] = []
    with no_grad():
        for x in inputs:
            if isinstance(x, Value):
                saved = x.data
                x.data = saved + eps
                up = _scalar_output(f(*inputs))
                x.data = saved - eps
                down = _scalar_output(f(*inputs))
                x.data = saved
                grads.append((up - down) / (2 * eps))
            elif isinstance(x, Tensor):
                g = np.zeros(x.shape, dtype=np.float64)
                flat = x.data.reshape(-1)  # a view: writing it nudges x in place
                for i in range(flat.size):
                    saved = flat[i]
                    flat[i] = saved + eps
                    up = _scalar_output(f(*inputs))
                    flat[i] = saved - eps
                    down = _scalar_output(f(*inputs))
                    flat[i] = saved
                    g.reshape(-1)[i] = (up - down) / (2 * eps)
                grads.append(g)
            else:
                raise TypeError(f"gradcheck inputs must be Values or Tensors, got {type(x).__name__}")
    return grads


def analytic_grad(f: Callable[..., Any], inputs: Sequence[Node]) -> list[Any]:
    """Back-propagated gradients of ``f(*inputs)`` with respect to every input."""
    for x in inputs:
        if isinstance(x, Value):
            x.grad = 0.0
        else:
            x.zero_grad()
    out = f(*inputs)
    out.backward()
    return [x.grad if isinstance(x, Value) else np.array(x.grad) for x in inputs]


def gradcheck(
    f: Callable[..., Any],
    inputs: Sequence[Node],
    eps: float = 1e-6,
    tol: float = 1e-6,
    raise_on_failure: bool = True,
) -> bool:
    """Compare back-propagation with central differences for every input of ``f``.

    ``f(*inputs)`` must return one number (a Value or a one-element Tensor). Tensor
    inputs must have ``requires_grad=True``. Fails when ``rel_error`` exceeds ``tol``,
    raising an ``AssertionError`` that names the input (or returning False).
    """
    inputs = list(inputs)
    for i, x in enumerate(inputs):
        if isinstance(x, Tensor) and not x.requires_grad:
            raise ValueError(f"gradcheck input {i} (shape {x.shape}) needs requires_grad=True")
    analytic = analytic_grad(f, inputs)
    numeric = numerical_grad(f, inputs, eps)
    for i, (a, n) in enumerate(zip(analytic, numeric)):
        err = rel_error(a, n)
        if err > tol:
            if raise_on_failure:
                raise AssertionError(
                    f"gradcheck failed for input {i}: relative error {err:.3g} > {tol:g}\n"
                    f"  backprop:  {np.round(np.asarray(a), 6)}\n  numerical: {np.round(np.asarray(n), 6)}"
                )
            return False
    return True
