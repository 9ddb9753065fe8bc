"""microgradrnn: recurrent neural networks from the ground up.

The two engines share one graph protocol (:mod:`microgradrnn.graph`):

>>> from microgradrnn import Value, Tensor
>>> x = Value(2.0); y = (x * x + 1).tanh(); y.backward()
>>> W = Tensor([[1.0, 2.0]], requires_grad=True); (W @ Tensor([3.0, 4.0])).sum().backward()
"""

from microgradrnn.draw import draw
from microgradrnn.gradcheck import gradcheck, numerical_grad, rel_error
from microgradrnn.graph import (
    backward,
    current_scope,
    detect_anomaly,
    is_grad_enabled,
    keep_grads,
    no_grad,
    scope,
    topological_order,
)
from microgradrnn.joining import concat, split, stack
from microgradrnn.tensor import Tensor
from microgradrnn.value import Value

__version__ = "0.1.0"

__all__ = [
    "Tensor",
    "Value",
    "backward",
    "concat",
    "current_scope",
    "detect_anomaly",
    "draw",
    "gradcheck",
    "is_grad_enabled",
    "keep_grads",
    "no_grad",
    "numerical_grad",
    "rel_error",
    "scope",
    "split",
    "stack",
    "topological_order",
]
