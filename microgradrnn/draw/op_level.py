"""The op-level drawing: every node of the graph, clustered by scope (time step > cell > gate).

A scalar node (a ``Value``) is a record {label | data | grad} with its operation in a
small node of its own, as micrograd draws it; an array node (a ``Tensor``) a record of
label, op, shape, data and grad. Parameters sit outside every cluster, drawn once.
"""

from __future__ import annotations

from typing import Any

import graphviz

from microgradrnn.draw.graph_view import STEP, GraphView, grad_norm, is_scalar, natural_key, step_position
from microgradrnn.draw.legend import add_legend
from microgradrnn.draw.rendering import Drawing, too_large
from microgradrnn.draw.styles import (
    FONTS,
    OP_NODE_COLOR,
    ROLE_BORDERS,
    ROLE_COLORS,
    array_text,
    decade_range,
    escape_record,
    new_drawing,
    number_text,
    scale_color,
    shape_text,
    text_color,
)

__all__ = ["draw_op"]


def cluster_style(part: str, depth_after_step: int | None) -> dict[str, str]:
    if STEP.match(part):
        return {"style": "rounded,dashed", "color": "#868e96", "fontsize": FONTS["step"], "label": part}
    if depth_after_step in (None, 0):
        return {"style": "rounded", "color": "#495057", "fontsize": FONTS["cluster"], "label": part}
    return {"style": "rounded,filled", "color": "#dee2e6", "fillcolor": "#f8f9fa", "fontsize": FONTS["node"],
            "label": part}


class ClusterTree:
    """Nodes grouped by scope path, emitted as nested ``cluster_k`` subgraphs in a fixed order."""

    def __init__(self) -> None:
        self.members: dict[tuple[str, ...], list[tuple[str, dict[str, str]]]] = {(): []}
        self.kids: dict[tuple[str, ...], list[tuple[str, ...]]] = {(): []}
        self.counter = 0

    def add(self, path: tuple[str, ...], name: str, attrs: dict[str, str]) -> None:
        for k in range(1, len(path) + 1):
            prefix = path[:k]
            if prefix not in self.members:
                self.members[prefix] = []
                self.kids[prefix] = []
                self.kids[prefix[:-1]].append(prefix)
        self.members[path].append((name, attrs))

    def emit(self, g: graphviz.Digraph, path: tuple[str, ...] = ()) -> None:
        for name, attrs in self.members[path]:
            g.node(name, **attrs)
        # Time steps in natural order (t=2 before t=10), anything else in order of first use.
        kids = sorted(self.kids[path], key=lambda p: natural_key(p[-1]))
        for kid in kids:
            sub = graphviz.Digraph(name=f"cluster_{self.counter}")
            self.counter += 1
            step_at = step_position(kid)
            sub.attr(**cluster_style(kid[-1], None if step_at is None else len(kid) - 2 - step_at))
            self.emit(sub, kid)
            g.subgraph(sub)


def value_label(node: Any, show: set[str], rankdir: str) -> str:
    fields = []
    if "label" in show and node.label:
        fields.append(escape_record(node.label))
    if "data" in show:
        fields.append(f"data {number_text(node.data)}")
    if "grad" in show:
        fields.append(f"grad {number_text(node.grad)}")
    if not fields:
        fields.append(" ")
    # One row of fields in both directions: braces flip a record's orientation under LR.
    body = " | ".join(fields)
    return "{ " + body + " }" if rankdir == "LR" else body


def tensor_label(node: Any, show: set[str], rankdir: str) -> str:
    fields = []
    if "label" in show and node.label:
        fields.append(escape_record(node.label))
    if "op" in show and node._op:
        fields.append(escape_record(node._op))
    if "shape" in show:
        fields.append(shape_text(node.shape))
    if "data" in show and node.data is not None:  # None: freed, as nothing needed it (see keep_grads)
        fields.append("data " + escape_record(array_text(node.data)))
    if "grad" in show and node.grad is not None:
        fields.append("grad " + escape_record(array_text(node.grad)))
    if not fields:
        fields.append(" ")
    # A column of fields in both directions.
    body = " | ".join(fields)
    return body if rankdir == "LR" else "{ " + body + " }"


def op_path(graph: GraphView, i: int) -> tuple[str, ...]:
    """The cluster of a node: its scope; an unscoped leaf joins the one time step that uses it."""
    node = graph.nodes[i]
    if node._parents or step_position(node.scope) is not None or not graph.children[i]:
        return node.scope
    steps = set()
    for c in graph.children[i]:
        path = graph.nodes[c].scope
        at = step_position(path)
        steps.add(None if at is None else path[: at + 1])
    return steps.pop() if len(steps) == 1 and None not in steps else node.scope  # type: ignore[return-value]


def _stack_steps(d: Drawing, graph: GraphView, with_op_node: list[bool]) -> None:
    """Make each time step start after the previous one ends, with invisible edges.

    Without them dot ranks a step's first nodes (x_t, W.T) beside the previous step, and the
    steps climb down diagonally: three steps took three columns of width instead of one.
    """
    steps: dict[int, list[int]] = {}
    for i in range(len(graph.nodes)):
        path = op_path(graph, i)
        at = step_position(path)
        if at is not None and graph.roles[i] != "parameter":
            steps.setdefault(int(path[at][2:]), []).append(i)
    order = sorted(steps)
    for before, after in zip(order, order[1:]):
        inside = set(steps[after])
        last = f"n{steps[before][-1]}"
        for i in steps[after]:
            if not any(p in inside for p in graph.parents[i]):
                d.edge(last, f"n{i}op" if with_op_node[i] else f"n{i}", style="invis")


def draw_op(graph: GraphView, show: set[str], rankdir: str, max_nodes: int, grad_color: bool,
             legend: bool, title: str | None) -> Drawing:
    """The op-level :class:`Drawing` of ``graph`` (see :func:`microgradrnn.draw.draw`)."""
    nodes = graph.nodes
    if not graph.has_grad:
        show = show - {"grad"}
    with_op_node = ["op" in show and is_scalar(n) and bool(n._op) for n in nodes]
    n_drawn = len(nodes) + sum(with_op_node)
    if n_drawn > max_nodes:
        raise too_large(n_drawn, max_nodes, "op")
    norms = [grad_norm(n) for n in nodes] if grad_color else [None] * len(nodes)
    decades = decade_range(norms) if grad_color else None
    fills = [scale_color(n, decades) for n in norms]

    d = new_drawing(rankdir, n_drawn, title)
    tree = ClusterTree()
    for i, node in enumerate(nodes):
        role = graph.roles[i]
        fill = fills[i] or ROLE_COLORS[role]
        attrs = {
            "shape": "record",
            # As wide as the text, not dot's 0.75 in minimum: a narrower drawing is scaled down less.
            "width": "0.4",
            "style": "filled",
            "fillcolor": fill,
            "color": ROLE_BORDERS[role],
            "fontcolor": text_color(fill),
        }
        if grad_color or role in ("parameter", "output"):
            attrs["penwidth"] = "2"
        if is_scalar(node):
            attrs["label"] = value_label(node, show, rankdir)
        else:
            attrs["label"] = tensor_label(node, show, rankdir)
        path = () if role == "parameter" else op_path(graph, i)
        tree.add(path, f"n{i}", attrs)
        if with_op_node[i]:
            tree.add(path, f"n{i}op", {"label": node._op, "shape": "ellipse", "style": "filled",
                                       "fillcolor": OP_NODE_COLOR, "color": "#868e96",
                                       "height": "0.3", "width": "0.3", "margin": "0.03"})
    tree.emit(d)
    for i, ps in enumerate(graph.parents):
        if with_op_node[i]:
            for p in ps:
                d.edge(f"n{p}", f"n{i}op")
            d.edge(f"n{i}op", f"n{i}")
        else:
            for p in ps:
                d.edge(f"n{p}", f"n{i}")
    _stack_steps(d, graph, with_op_node)
    if legend:
        add_legend(d, set(graph.roles), decades, cell=False, rankdir=rankdir, after=f"n{graph.roots[-1]}",
                   op_nodes=any(with_op_node))
    return d
