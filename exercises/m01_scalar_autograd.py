"""Module 1 · Scalar autograd (자동 미분): a number that remembers how it was made.

``Scalar`` below is complete: every operation computes its result and records the nodes
it came from (``_parents``) and what it did (``_op``). What it cannot do yet is send a
gradient back. You write that part:

* Exercise 1.1 ``backward_add_mul_pow``: the chain rule for ``+``, ``*`` and ``**``.
* Exercise 1.2 ``backward_tanh_exp``: the chain rule for ``tanh`` and ``exp``.
* Exercise 1.3 ``topological_sort``: every node before the nodes made from it, without recursion.
* Exercise 1.4 ``backward``: fill ``.grad`` of every node of a graph, from the root back.
* Exercise 1.5 ``zero_grad``: reset the gradients of a graph.

Every backward rule has the same shape: ``parent.grad += local_derivative * out.grad``.
"""

from __future__ import annotations

import math  # noqa: F401 (for your code)


class Scalar:
    """One number of a computation graph (given: you do not need to change it).

    Attributes:
        data: the number (a float).
        grad: d(root)/d(this node) once ``root.backward()`` has run; 0.0 before.
        _parents: the nodes this one was computed from, in argument order (a tuple).
        _op: the operation that made it: ``"+"``, ``"*"``, ``"**"``, ``"tanh"``, ``"exp"``,
            or ``""`` for a leaf (a number you typed in).
        _exponent: for ``"**"`` only, the constant exponent n of ``base ** n``.
    """

    def __init__(self, data: float, _parents: tuple[Scalar, ...] = (), _op: str = "", _exponent: float = 0.0):
        self.data = float(data)
        self.grad = 0.0
        self._parents = _parents
        self._op = _op
        self._exponent = float(_exponent)

    def __add__(self, other: Scalar | float) -> Scalar:
        other = other if isinstance(other, Scalar) else Scalar(other)
        return Scalar(self.data + other.data, (self, other), "+")

    def __mul__(self, other: Scalar | float) -> Scalar:
        other = other if isinstance(other, Scalar) else Scalar(other)
        return Scalar(self.data * other.data, (self, other), "*")

    def __pow__(self, n: float) -> Scalar:
        if isinstance(n, Scalar):
            raise TypeError("Scalar ** Scalar is not supported here: the exponent must be a number")
        return Scalar(self.data**n, (self,), "**", _exponent=n)

    def tanh(self) -> Scalar:
        return Scalar(math.tanh(self.data), (self,), "tanh")

    def exp(self) -> Scalar:
        return Scalar(math.exp(self.data), (self,), "exp")

    # Everything else is made of the operations above, so it needs no backward rule of its own.
    def __neg__(self) -> Scalar:
        return self * -1.0

    def __sub__(self, other: Scalar | float) -> Scalar:
        return self + (-other)

    def __truediv__(self, other: Scalar | float) -> Scalar:
        other = other if isinstance(other, Scalar) else Scalar(other)
        return self * other**-1.0

    def __radd__(self, other: float) -> Scalar:
        return Scalar(other) + self

    def __rmul__(self, other: float) -> Scalar:
        return Scalar(other) * self

    def __rsub__(self, other: float) -> Scalar:
        return Scalar(other) - self

    def __rtruediv__(self, other: float) -> Scalar:
        return Scalar(other) / self

    def _backward(self) -> None:
        """Push ``self.grad`` into the parents' ``.grad`` (one step of the chain rule)."""
        if self._op in ("+", "*", "**"):
            backward_add_mul_pow(self)
        elif self._op in ("tanh", "exp"):
            backward_tanh_exp(self)

    def backward(self) -> None:
        """Fill ``.grad`` of every node this one depends on (see exercise 1.4)."""
        backward(self)

    def zero_grad(self) -> None:
        """Reset ``.grad`` of every node this one depends on (see exercise 1.5)."""
        zero_grad(self)

    def __repr__(self) -> str:
        return f"Scalar(data={self.data:.6g}, grad={self.grad:.6g})"


def backward_add_mul_pow(out: Scalar) -> None:
    """Exercise 1.1 (6 points): the backward rules of ``+``, ``*`` and ``**``.

    ``out`` was made by ``a + b``, ``a * b`` (``out._parents == (a, b)``) or ``a ** n``
    (``out._parents == (a,)``, the constant exponent is ``out._exponent``), and ``out.grad``
    holds d(root)/d(out). Add to each parent's ``.grad`` its share by the chain rule:

        parent.grad += d(out)/d(parent) * out.grad

    Use ``+=``, never ``=``: a node used twice (``a * a``, ``a + a``) gets one share
    through each use, and the shares must add up. Return nothing.

    Args:
        out: a Scalar with ``out._op`` in ``("+", "*", "**")``.
    """
    # ---- write your code here (about 12 lines) ----
    raise NotImplementedError("exercise 1.1: backward_add_mul_pow")


def backward_tanh_exp(out: Scalar) -> None:
    """Exercise 1.2 (4 points): the backward rules of ``tanh`` and ``exp``.

    ``out`` was made by ``a.tanh()`` or ``a.exp()`` (``out._parents == (a,)``, ``out._op``
    is ``"tanh"`` or ``"exp"``) and ``out.grad`` holds d(root)/d(out). Add
    d(out)/d(a) * out.grad to ``a.grad`` (with ``+=``). Both derivatives can be written
    with the result ``out.data`` alone, without computing tanh or exp again.

    Args:
        out: a Scalar with ``out._op`` in ``("tanh", "exp")``.
    """
    # ---- write your code here (about 4 lines) ----
    raise NotImplementedError("exercise 1.2: backward_tanh_exp")


def topological_sort(root: Scalar) -> list[Scalar]:
    """Exercise 1.3 (7 points): every node ``root`` depends on, parents before children.

    Return a list that holds ``root`` and every node reachable from it through
    ``_parents``, each exactly once (a node used twice is still listed once), such that
    every node comes after all of its parents; ``root`` comes last.

    Do it without recursion: graphs of unrolled networks are thousands of nodes deep,
    and Python stops at about 1,000 nested calls. Keep an explicit stack of nodes still
    to visit instead. Compare nodes by identity (``id(node)``), not by value. Do not use
    the library's ``microgradrnn.graph.topological_order``: this is the exercise.

    Args:
        root: the output node of a graph.

    Returns:
        list[Scalar], ``root`` last.
    """
    # ---- write your code here (about 12 lines) ----
    raise NotImplementedError("exercise 1.3: topological_sort")


def backward(root: Scalar) -> None:
    """Exercise 1.4 (8 points): back-propagate from ``root`` through the whole graph.

    1. Order the graph with your ``topological_sort(root)``.
    2. Set the ``.grad`` of every node that is not a leaf (it has parents) to 0: each call
       computes the gradients of the intermediate nodes afresh.
    3. Set ``root.grad`` to 1 (d root / d root).
    4. Visit the nodes in reverse order (root first) and call ``node._backward()``, which
       pushes the node's gradient into its parents.

    Leaves (nodes without parents) are not reset: their gradients accumulate, so calling
    ``backward`` twice gives every leaf twice its gradient, as in PyTorch. Use
    ``zero_grad`` to start again from 0.

    Args:
        root: the output node; after the call ``leaf.grad`` is d(root)/d(leaf).
    """
    # ---- write your code here (about 8 lines) ----
    raise NotImplementedError("exercise 1.4: backward")


def zero_grad(root: Scalar) -> None:
    """Exercise 1.5 (3 points): set ``.grad`` to 0 on every node ``root`` depends on.

    That is ``root`` itself, every intermediate node and every leaf reachable through
    ``_parents``, however deep the graph (use your ``topological_sort``).

    Args:
        root: the output node of a graph.
    """
    # ---- write your code here (about 2 lines) ----
    raise NotImplementedError("exercise 1.5: zero_grad")
