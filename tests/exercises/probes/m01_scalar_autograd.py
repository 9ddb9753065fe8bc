"""Probes of module 1: build Scalar graphs from plain descriptions and run the learner's code on them.

A graph travels as arrays (numpy arrays cross the wire fast; a 20,001-node chain is a test
case): per node its value, an op code (an index into ``OPS``), its number of parents and
exponent, and all parent indices in one flat array; every parent comes before the nodes
made from it. The probe builds it with the learner's own ``Scalar``. What comes back is
plain data: each node's ``.grad`` as it was left, or an order as node indices. The judge
computes what those should be; nothing here knows.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

OPS = ("", "+", "*", "**", "tanh", "exp")


def _build(m: Any, spec: dict, grads: Any = None) -> list:
    nodes: list = []
    flat, start = spec["parents"].tolist(), 0
    for data, op, count, exponent in zip(
        spec["data"].tolist(), spec["op"].tolist(), spec["count"].tolist(), spec["exponent"].tolist()
    ):
        parents = tuple(nodes[i] for i in flat[start : start + count])
        start += count
        nodes.append(m.Scalar(data, parents, OPS[op], exponent))
    for node, grad in zip(nodes, [] if grads is None else np.asarray(grads).tolist()):
        node.grad = grad
    return nodes


def _grads(nodes: list) -> Any:
    """Every node's ``.grad``: one float array when all are plain numbers, else the values themselves."""
    grads = [node.grad for node in nodes]
    if all(type(g) in (float, int) for g in grads):
        return np.array(grads, dtype=np.float64)
    return grads


class _RecursionLimit:
    """Python's default limit of nested calls while the learner's code runs (None leaves it)."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit

    def __enter__(self) -> None:
        self.saved = sys.getrecursionlimit()
        if self.limit:
            sys.setrecursionlimit(self.limit)

    def __exit__(self, *exc: object) -> None:
        sys.setrecursionlimit(self.saved)


def rules(m: Any, spec: dict, grads: Any, steps: list) -> Any:
    """Apply the learner's backward rules, ``steps = [[function name, node index], ...]`` in order."""
    nodes = _build(m, spec, grads)
    for function, index in steps:
        getattr(m, function)(nodes[index])
    return _grads(nodes)


def sort(m: Any, spec: dict, root: int, recursion_limit: int | None = None) -> dict:
    """The learner's ``topological_sort`` of node ``root``: the type it returned and the order as indices.

    An entry that is not one of the graph's nodes comes back as -1.
    """
    nodes = _build(m, spec)
    index = {id(node): i for i, node in enumerate(nodes)}
    with _RecursionLimit(recursion_limit):
        order = m.topological_sort(nodes[root])
    if type(order) is not list:
        return {"type": type(order).__name__, "order": None}
    return {"type": "list", "order": np.array([index.get(id(node), -1) for node in order], dtype=np.int64)}


# Stand-ins for exercises 1.1-1.3 while the driver (1.4) and zero_grad (1.5) are graded, so a
# mistake in one exercise costs only that exercise's points.
def _stand_in_rule(node: Any) -> None:
    g = node.grad
    if node._op == "+":
        for parent in node._parents:
            parent.grad += g
    elif node._op == "*":
        a, b = node._parents
        a.grad += b.data * g
        b.grad += a.data * g
    elif node._op == "**":
        (a,) = node._parents
        a.grad += node._exponent * a.data ** (node._exponent - 1) * g
    elif node._op == "tanh":
        node._parents[0].grad += (1 - node.data**2) * g
    elif node._op == "exp":
        node._parents[0].grad += node.data * g


def _stand_in_sort(root: Any) -> list:
    order, seen, stack = [], set(), [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
        elif id(node) not in seen:
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((p, False) for p in node._parents if id(p) not in seen)
    return order


def drive(
    m: Any,
    spec: dict,
    root: int,
    function: str,
    calls: int = 1,
    grads: Any = None,
    recursion_limit: int | None = None,
) -> Any:
    """Call the learner's ``function`` (``backward`` or ``zero_grad``) on node ``root`` ``calls`` times.

    The learner's rules and sort are replaced by stand-ins for the duration. Returns every
    node's ``.grad`` afterwards.
    """
    nodes = _build(m, spec, grads)
    names = ("backward_add_mul_pow", "backward_tanh_exp", "topological_sort")
    saved = {name: getattr(m, name) for name in names}
    m.backward_add_mul_pow = m.backward_tanh_exp = _stand_in_rule
    m.topological_sort = _stand_in_sort
    try:
        with _RecursionLimit(recursion_limit):
            for _ in range(calls):
                getattr(m, function)(nodes[root])
    finally:
        for name, value in saved.items():
            setattr(m, name, value)
    return _grads(nodes)
