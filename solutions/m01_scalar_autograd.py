"""Module 1 · Scalar autograd (자동 미분): a number that remembers how it was made.

``Scalar`` below is complete: every operation computes its result and records the nodes
it came from (``_parents``) and what it did (``_op``). What it cannot do yet is send a
gradient back. You write that part:

* Exercise 1.1 ``backward_add_mul_pow``: the chain rule for ``+``, ``*`` and ``**``.
* Exercise 1.2 ``backward_tanh_exp``: the chain rule for ``tanh`` and ``exp``.
* Exercise 1.3 ``topological_sort``: every node before the nodes made from it, without recursion.
* Exercise 1.4 ``backward``: fill ``.grad`` of every node of a graph, from the root back.
* Exercise 1.5 ``zero_grad``: reset the gradients of a graph.

Every backward rule is one step of the chain rule (the page derives each one): it hands
each parent its share of ``out.grad``, and a parent's shares from all its uses add up.
"""

from __future__ import annotations

import math


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
    holds d(root)/d(out). Give each parent its share of ``out.grad`` by the chain rule.

    A parent may already hold a gradient: from another node it feeds, or because it is
    both parents of ``out`` (``a * a``). Its shares must add up, never replace one
    another. Return nothing.

    Args:
        out: a Scalar with ``out._op`` in ``("+", "*", "**")``.
    """
    # ---- solution ----
    g = out.grad
    if out._op == "+":
        a, b = out._parents
        a.grad += g
        b.grad += g
    elif out._op == "*":
        a, b = out._parents
        a.grad += b.data * g
        b.grad += a.data * g
    elif out._op == "**":
        (a,) = out._parents
        n = out._exponent
        a.grad += n * a.data ** (n - 1) * g
    # ---- end of solution ----


def backward_tanh_exp(out: Scalar) -> None:
    """Exercise 1.2 (4 points): the backward rules of ``tanh`` and ``exp``.

    ``out`` was made by ``a.tanh()`` or ``a.exp()`` (``out._parents == (a,)``, ``out._op``
    is ``"tanh"`` or ``"exp"``) and ``out.grad`` holds d(root)/d(out). Add a's share of
    ``out.grad`` to what ``a.grad`` already holds, as in exercise 1.1. Return nothing.

    Args:
        out: a Scalar with ``out._op`` in ``("tanh", "exp")``.
    """
    # ---- solution ----
    (a,) = out._parents
    if out._op == "tanh":
        a.grad += (1.0 - out.data**2) * out.grad
    elif out._op == "exp":
        a.grad += out.data * out.grad
    # ---- end of solution ----


def topological_sort(root: Scalar) -> list[Scalar]:
    """Exercise 1.3 (7 points): every node ``root`` depends on, parents before children.

    Return a list that holds ``root`` and every node reachable from it through
    ``_parents``, each exactly once (a node used twice is still listed once), such that
    every node comes after all of its parents; ``root`` comes last.

    Do it without recursion: graphs of unrolled networks are thousands of nodes deep,
    and Python stops at about 1,000 nested calls. Compare nodes by identity
    (``id(node)``), not by value. The library's ``microgradrnn.graph.topological_order``
    is off limits: this is the exercise.

    Args:
        root: the output node of a graph.

    Returns:
        list[Scalar], ``root`` last.
    """
    # ---- solution ----
    order: list[Scalar] = []
    seen: set[int] = set()
    stack: list[tuple[Scalar, bool]] = [(root, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
        elif id(node) not in seen:
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((p, False) for p in node._parents if id(p) not in seen)
    return order
    # ---- end of solution ----


def backward(root: Scalar) -> None:
    """Exercise 1.4 (8 points): back-propagate from ``root`` through the whole graph.

    Afterwards every node's ``.grad`` is d(root)/d(node), with these conventions (those of
    PyTorch with ``retain_graph=True``; without it PyTorch refuses a second ``backward``):

    * ``root.grad`` is 1 (d root / d root);
    * a node that is not a leaf (it has parents) holds the gradient of this call only,
      whatever it held before, so each call computes the intermediate gradients afresh;
    * a leaf (no parents) is not reset: its gradient accumulates, so calling ``backward``
      twice gives every leaf twice its gradient. ``zero_grad`` starts again from 0.

    Order the graph with your ``topological_sort`` and let each node's ``_backward()``
    push its gradient into its parents. It must work on graphs 10,000 nodes deep.

    Args:
        root: the output node; after the call ``leaf.grad`` is d(root)/d(leaf).
    """
    # ---- solution ----
    order = topological_sort(root)
    for node in order:
        if node._parents:
            node.grad = 0.0
    root.grad = 1.0
    for node in reversed(order):
        node._backward()
    # ---- end of solution ----


def zero_grad(root: Scalar) -> None:
    """Exercise 1.5 (3 points): set ``.grad`` to 0 on every node ``root`` depends on.

    That is ``root`` itself, every intermediate node and every leaf reachable through
    ``_parents``, however deep the graph (use your ``topological_sort``).

    Args:
        root: the output node of a graph.
    """
    # ---- solution ----
    for node in topological_sort(root):
        node.grad = 0.0
    # ---- end of solution ----
