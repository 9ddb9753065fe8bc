"""The role of every node in the network: parameter, input, constant, operation, state or output.

A role decides a node's colour and where it is drawn (parameters once, outside the time
steps). Roles are read from the graph protocol alone: a node's ``is_parameter`` attribute
(``nn.Parameter`` sets it), its label (``weight*``, ``bias*``; "h" and "c" for the states,
the labels the recurrent cells give their outputs) and how the time steps share it.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["ROLES", "ROLE_NAMES", "STATE_LABELS", "base_label", "role_of"]

STATE_LABELS = ("h", "c")

# In the order the legend lists them.
ROLE_NAMES = {
    "parameter": "parameter (shared by all steps)",
    "input": "input",
    "constant": "constant",
    "op": "result of an operation",
    "state": "hidden / cell state (h, c)",
    "output": "output",
}
ROLES = tuple(ROLE_NAMES)


def base_label(label: str | None) -> str | None:
    """A label without its index: "h[2]" (a scalar cell's unit) -> "h"."""
    return label.split("[", 1)[0] if label else label


def role_of(graph: Any, i: int) -> str:
    """The role of node ``i`` of ``graph`` (a :class:`~microgradrnn.draw.graph_view.GraphView`)."""
    node = graph.nodes[i]
    if i in graph.root_set:
        return "output"
    if node._parents:
        return "state" if base_label(node.label) in STATE_LABELS else "op"
    if is_parameter(node, {graph.steps[c] for c in graph.children[i]}):
        return "parameter"
    if not node.label and is_constant(node):
        return "constant"
    return "input"


def is_parameter(node: Any, used_in_steps: set[int | None]) -> bool:
    """Marked ``is_parameter``, a leaf named like a PyTorch parameter, or a trainable leaf shared by steps."""
    if getattr(node, "is_parameter", False):
        return True
    if node._parents:
        return False
    scalar = not hasattr(node, "shape")
    if not (scalar or getattr(node, "requires_grad", False)):
        return False
    if node.label and node.label.startswith(("weight", "bias")):
        return True
    return len(used_in_steps - {None}) > 1


def is_constant(node: Any) -> bool:
    """A scalar leaf, or a one-number array that needs no gradient."""
    if not hasattr(node, "shape"):
        return True
    return math.prod(node.shape) == 1 and not getattr(node, "requires_grad", False)
