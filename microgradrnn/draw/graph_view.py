"""The graph as a drawing reads it: nodes in topological order with parent and child indices.

Only the graph protocol is read (``_parents``, ``_op``, ``label``, ``scope``, ``data``,
``grad``): any object with ``_parents`` is a node, one without ``shape`` is a scalar.
Time steps are the scope components "t=k" (see :func:`microgradrnn.scope`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from microgradrnn.draw.roles import base_label, role_of
from microgradrnn.graph import topological_order

STEP = re.compile(r"^t=(\d+)$")
Node = Any  # anything with the graph protocol's attributes


def is_node(item: Any) -> bool:
    """Any object with ``_parents`` is a node (the course's own scalar classes too)."""
    return hasattr(item, "_parents")


def is_scalar(node: Node) -> bool:
    """A node holding one number (a ``Value``), as opposed to an array (a ``Tensor``)."""
    return not hasattr(node, "shape")


def roots(root: Node | Sequence[Any]) -> list[Node]:
    """The nodes in ``root``, which may be one node or a nested list/tuple of nodes."""
    out: list[Node] = []
    stack: list[Any] = [root]
    while stack:
        item = stack.pop()
        if is_node(item):
            out.append(item)
        elif isinstance(item, (list, tuple)):
            stack.extend(reversed(item))
        else:
            raise TypeError(f"draw needs Value/Tensor nodes (or lists of them), got {type(item).__name__}")
    if not out:
        raise ValueError("draw needs at least one node to draw")
    return out


class GraphView:
    """The nodes reachable from the roots in one topological order, with parent/child indices."""

    def __init__(self, roots: list[Node]):
        roots = [getattr(r, "_node", r) for r in roots]  # a Tensor is drawn as its graph node
        order = topological_order(roots)
        index = {id(node): i for i, node in enumerate(order)}
        self.nodes = order
        self.parents = [[index[id(p)] for p in node._parents] for node in order]
        self.children: list[list[int]] = [[] for _ in order]
        for i, ps in enumerate(self.parents):
            for p in ps:
                self.children[p].append(i)
        self.roots = list(dict.fromkeys(index[id(r)] for r in roots))
        self.root_set = set(self.roots)
        self.steps = [step_of(node.scope) for node in order]
        self.roles = [role_of(self, i) for i in range(len(order))]
        # A graph nobody has back-propagated through holds only zeros (Values) or no
        # gradient at all (Tensors): then no node shows gradient text.
        self.has_grad = any(grad_norm(node) for node in order)


def step_of(path: tuple[str, ...]) -> int | None:
    for part in path:
        match = STEP.match(part)
        if match:
            return int(match.group(1))
    return None


def step_position(path: tuple[str, ...]) -> int | None:
    for j, part in enumerate(path):
        if STEP.match(part):
            return j
    return None


def natural_key(part: str) -> tuple[int, int]:
    match = STEP.match(part)
    return (0, int(match.group(1))) if match else (1, 0)


def grad_norm(node: Node) -> float | None:
    """Frobenius norm of ``node.grad``, or None when the node holds no gradient."""
    grad = node.grad
    if grad is None:
        return None
    if np.ndim(grad) == 0:
        return abs(float(grad))
    return float(np.sqrt(np.sum(np.square(grad, dtype=np.float64))))


def combined_norm(graph: GraphView, indices: list[int]) -> float | None:
    norms = [grad_norm(graph.nodes[i]) for i in indices]
    known = [n for n in norms if n is not None]
    return math.sqrt(sum(n * n for n in known)) if known else None


def hidden_nodes(graph: GraphView, members: list[int], fallback: bool = True) -> list[int]:
    """The hidden-state outputs of a box: nodes labelled h, else its sinks in 'hidden state'.

    With ``fallback``, a box without either gives all the nodes that leave it.
    """
    labelled = [i for i in members if base_label(graph.nodes[i].label) == "h"]
    if labelled:
        return labelled
    inside = set(members)
    hidden = [i for i in members if graph.nodes[i].scope and graph.nodes[i].scope[-1] == "hidden state"]
    sinks = [i for i in hidden if not graph.children[i] or any(c not in inside for c in graph.children[i])]
    if sinks or not fallback:
        return sinks
    return [i for i in members if not graph.children[i] or any(c not in inside for c in graph.children[i])]
