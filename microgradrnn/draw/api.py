"""The entry points: :func:`draw` a graph, and measure the gradient of the hidden state per step."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from microgradrnn.draw.cell_level import draw_cell
from microgradrnn.draw.graph_view import GraphView, combined_norm, hidden_nodes, roots, step_position
from microgradrnn.draw.op_level import draw_op
from microgradrnn.draw.rendering import Drawing

__all__ = ["DEFAULT_MAX_NODES", "SHOW_FIELDS", "draw", "grad_norm_chart", "hidden_grad_norms"]

Node = Any

SHOW_FIELDS = ("label", "op", "shape", "data", "grad")

DEFAULT_MAX_NODES = {"op": 400, "cell": 1000}


def draw(
    root: Node | Sequence[Any],
    detail: str = "op",
    show: Iterable[str] = SHOW_FIELDS,
    rankdir: str = "TB",
    max_nodes: int | None = None,
    grad_color: bool = False,
    legend: bool = True,
    shared: str = "each",
    title: str | None = None,
) -> Drawing:
    """Draw the graph behind ``root`` (one node, or a list of nodes such as every step's output).

    Args:
        root: a ``Value`` or ``Tensor``, or a (nested) list/tuple of them.
        detail: "op" draws every node: a ``Value`` as a record {label | data | grad} with
            its operation in a separate small node, a ``Tensor`` as a record of label, op,
            shape (and data, grad). "cell" draws one box per cell per time step (the scope
            component after "t=k"), state edges labelled h (and c) between steps, inputs,
            outputs and the shared parameters.
        show: which fields to print, a subset of ("label", "op", "shape", "data", "grad").
        rankdir: "TB" (time flows top to bottom: the drawing stays narrow enough to read in a
            page column or a notebook) or "LR" (left to right).
        max_nodes: refuse to draw more nodes than this (default 400 at op level, 1000 at
            cell level) and say what to draw instead.
        grad_color: colour nodes (op level) or cell boxes (cell level, by the norm of the
            gradient of that step's hidden state) by gradient magnitude on a log scale;
            call ``backward(retain_graph=True)`` first.
        legend: add a legend of the colours.
        shared: at cell level, "each" draws every parameter once, "one" draws all of them
            as one "weights" node.
        title: a caption above the drawing.

    Returns:
        a :class:`Drawing` (a ``graphviz.Digraph``).

    Raises:
        GraphTooLargeError: when the drawing would have more than ``max_nodes`` nodes.
    """
    if detail not in ("op", "cell"):
        raise ValueError(f"detail must be 'op' or 'cell', got {detail!r}")
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"rankdir must be 'LR' or 'TB' (or 'RL', 'BT'), got {rankdir!r}")
    if isinstance(show, str):
        show = (show,)
    show_set = set(show)
    unknown = show_set - set(SHOW_FIELDS)
    if unknown:
        raise ValueError(f"show takes fields from {SHOW_FIELDS}, got unknown {sorted(unknown)}")
    if shared not in ("each", "one"):
        raise ValueError(f"shared must be 'each' or 'one', got {shared!r}")
    limit = DEFAULT_MAX_NODES[detail] if max_nodes is None else int(max_nodes)
    if limit < 1:
        raise ValueError(f"max_nodes must be positive, got {max_nodes!r}")
    graph = GraphView(roots(root))
    if detail == "op":
        return draw_op(graph, show_set, rankdir, limit, grad_color, legend, title)
    return draw_cell(graph, show_set, rankdir, limit, grad_color, legend, title, shared)


def hidden_grad_norms(root: Node | Sequence[Any], cell: str | None = None) -> list[float]:
    """The norm of the gradient of the hidden state at each time step, in step order.

    Finds, in every time-step scope "t=k" of the graph behind ``root``, the hidden-state
    nodes (labelled "h" by the sequence layers) and returns ||dL/dh_k|| (Frobenius norm,
    0 where no gradient reached) for k = 0, 1, ... . With several cells per step (stacked
    layers, two directions) their gradients are combined into one norm unless ``cell``
    names one of them ("lstm", "lstm l1", ...). Call ``backward(retain_graph=True)`` first.
    """
    graph = GraphView(roots(root))
    members: dict[tuple[int, str], list[int]] = {}
    for i, node in enumerate(graph.nodes):
        at = step_position(node.scope)
        if at is None:
            continue
        box = node.scope[at + 1] if len(node.scope) > at + 1 else ""
        if cell is not None and box != cell:
            continue
        members.setdefault((graph.steps[i], box), []).append(i)  # type: ignore[arg-type]
    per_step: dict[int, list[int]] = {}
    for (step, _box), idx in members.items():
        per_step.setdefault(step, []).extend(hidden_nodes(graph, idx, fallback=False))
    if not per_step:
        where = f" of cell {cell!r}" if cell is not None else ""
        raise ValueError(f"no time-step scopes 't=k'{where} in this graph: nothing to measure per step")
    return [combined_norm(graph, per_step[k]) or 0.0 for k in sorted(per_step)]


def grad_norm_chart(root: Node | Sequence[Any], cell: str | None = None, title: str | None = None) -> str:
    """An SVG line chart (log y axis) of :func:`hidden_grad_norms` against the time step."""
    from microgradrnn.plot import line_chart

    norms = hidden_grad_norms(root, cell)
    return line_chart(
        {"||dL/dh_t||": norms},
        title=title or "gradient of the hidden state at each time step",
        xlabel="time step t",
        ylabel="gradient norm (log scale)",
        log_y=True,
    )
