"""The scalar engine: a ``Value`` is one number that remembers how it was made.

Every operation computes its result *and* the local derivatives of that result with
respect to each input, right beside each other. Back-propagation is then the chain
rule, the same line for every operation (:meth:`Value._propagate`)::

    parent.grad += local_derivative * out.grad
"""

from __future__ import annotations

import math
from numbers import Real

from microgradrnn import graph
from microgradrnn.graph import Node

Number = int | float


class Value(Node):
    """A scalar node of the graph.

    ``data`` is the number, ``grad`` is d(root)/d(this) after ``root.backward()``.
    Numbers mixed into an expression become leaf ``Value`` nodes, so every
    multiply is visible in a drawing.
    """

    __slots__ = ("data", "grad", "_local")

    def __init__(
        self,
        data: Number,
        _parents: tuple[Value, ...] = (),
        _op: str = "",
        _local: tuple[float, ...] = (),
        label: str | None = None,
    ):
        if type(data) is not float:  # the fast path: every operation passes a float
            if not isinstance(data, Real):
                raise TypeError(f"Value holds a real number, got {type(data).__name__}: {data!r}")
            data = float(data)
        self.data = data
        self.grad = 0.0
        if graph._grad_enabled:
            self._parents = _parents
            self._local = _local
        else:
            self._parents = ()
            self._local = ()
        self._op = _op
        self.label = label
        self.scope = graph._scope_path
        if graph._anomaly and not math.isfinite(self.data):
            raise graph.anomaly_error(self, "result")

    # -- arithmetic: result and local derivatives side by side -----------------------

    def __add__(self, other: Value | Number) -> Value:
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data + other.data, (self, other), "+", (1.0, 1.0))

    def __mul__(self, other: Value | Number) -> Value:
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data * other.data, (self, other), "*", (other.data, self.data))

    def __truediv__(self, other: Value | Number) -> Value:
        other = other if isinstance(other, Value) else Value(other)
        a, b = self.data, other.data
        if b == 0.0:
            raise ZeroDivisionError(f"Value division by zero ({a!r} / 0)")
        return Value(a / b, (self, other), "/", (1.0 / b, -a / b / b))  # b * b underflows first

    def __pow__(self, other: Value | Number) -> Value:
        other = other if isinstance(other, Value) else Value(other)
        a, b = self.data, other.data
        try:
            out = a**b
        except ZeroDivisionError:
            raise ZeroDivisionError(f"Value power: 0 ** {b!r} is undefined") from None
        if isinstance(out, complex):
            raise ValueError(f"Value power: {a!r} ** {b!r} is not a real number")
        d_base = b * a ** (b - 1) if a != 0.0 or b >= 1 else 0.0
        # d(a**b)/db = a**b * ln a; at a <= 0 only integer b are real, where b is a constant.
        d_exp = out * math.log(a) if a > 0 else 0.0
        return Value(out, (self, other), "**", (d_base, d_exp))

    def __neg__(self) -> Value:
        return Value(-self.data, (self,), "neg", (-1.0,))

    def __sub__(self, other: Value | Number) -> Value:
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data - other.data, (self, other), "-", (1.0, -1.0))

    def __radd__(self, other: Number) -> Value:
        return Value(other) + self

    def __rmul__(self, other: Number) -> Value:
        return Value(other) * self

    def __rsub__(self, other: Number) -> Value:
        return Value(other) - self

    def __rtruediv__(self, other: Number) -> Value:
        return Value(other) / self

    def __rpow__(self, other: Number) -> Value:
        return Value(other) ** self

    # -- functions -----------------------------------------------------------------

    def exp(self) -> Value:
        try:
            e = math.exp(self.data)
        except OverflowError:  # past about 709.78: inf, as numpy gives, not an exception
            e = math.inf
        return Value(e, (self,), "exp", (e,))

    def log(self) -> Value:
        if self.data <= 0.0:
            raise ValueError(f"Value.log needs a positive number, got {self.data!r}")
        return Value(math.log(self.data), (self,), "log", (1.0 / self.data,))

    def tanh(self) -> Value:
        t = math.tanh(self.data)
        return Value(t, (self,), "tanh", (1.0 - t * t,))

    def sigmoid(self) -> Value:
        x = self.data
        # Two forms so that exp never overflows: exp(-|x|) <= 1.
        if x >= 0:
            s = 1.0 / (1.0 + math.exp(-x))
        else:
            e = math.exp(x)
            s = e / (1.0 + e)
        return Value(s, (self,), "sigmoid", (s * (1.0 - s),))

    def relu(self) -> Value:
        positive = self.data > 0.0
        return Value(self.data if positive else 0.0, (self,), "relu", (1.0 if positive else 0.0,))

    # -- back-propagation ----------------------------------------------------------

    def backward(self, grad: float = 1.0) -> None:
        """Fill ``.grad`` of every Value this one depends on (d self / d node)."""
        graph.backward(self, grad)

    def zero_grad(self) -> None:
        """Reset the gradient of this Value and of every Value it depends on to 0."""
        for node in graph.topological_order(self):
            node.grad = 0.0

    def _reset_grad(self) -> None:
        self.grad = 0.0

    def _seed(self, grad: float | None) -> None:
        self.grad += 1.0 if grad is None else float(grad)

    def _propagate(self) -> None:
        g = self.grad
        for parent, local in zip(self._parents, self._local):
            parent.grad += local * g
        if graph._anomaly:
            for parent in self._parents:
                if not math.isfinite(parent.grad):
                    raise graph.anomaly_error(self, "gradient")

    def __repr__(self) -> str:
        name = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g}{name})"
