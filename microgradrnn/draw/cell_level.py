"""The cell-level drawing: one box per cell per time step, the states passed between them.

Nodes are grouped into boxes (:func:`cell_groups`): the nodes of one cell at one step,
a step's glue, the slices x⟨t⟩ of an input sequence, each parameter (or all of them as one
"weights" box), and whatever is left alone. Edges between boxes carrying h or c are
labelled; a node feeding many steps reaches them through a bus (:func:`cell_edges`).
"""

from __future__ import annotations

from microgradrnn.draw.cell_edges import Group, cell_edges, group_step, stack_steps
from microgradrnn.draw.graph_view import (
    GraphView,
    combined_norm,
    hidden_nodes,
    is_scalar,
    step_position,
)
from microgradrnn.draw.legend import add_legend
from microgradrnn.draw.rendering import Drawing, too_large
from microgradrnn.draw.roles import STATE_LABELS, base_label
from microgradrnn.draw.styles import (
    ROLE_BORDERS,
    ROLE_COLORS,
    decade_range,
    new_drawing,
    scale_color,
    shape_text,
    text_color,
)

__all__ = ["cell_groups", "draw_cell"]


def cell_groups(graph: GraphView, shared: str) -> list[Group]:
    """For every node, the box it belongs to in a cell-level drawing.

    ("cell", path): the nodes of one cell at one step, path = ("t=3", "lstm");
    ("slice", path, j): the step's slice x⟨t⟩ of input leaf j (``x[t]``);
    ("step", path): nodes of a time step outside any cell; ("scope", path): nodes outside
    the time steps in a named scope (a cell called on its own, a loss); ("param", i)
    or ("param",) for one shared weights node; ("input", consumer group, label): leaves
    feeding a single box; ("node", i): anything else, drawn alone.
    """
    n = len(graph.nodes)
    groups: list[Group | None] = [None] * n
    for i, node in enumerate(graph.nodes):
        role = graph.roles[i]
        if role == "parameter":
            # The numbers of a scalar cell's matrix ("weight_ih[0,1]", ...) share one box.
            key = base_label(node.label) if is_scalar(node) and node.label else i
            groups[i] = ("param",) if shared == "one" else ("param", key)
            continue
        path = node.scope
        at = step_position(path)
        parent_groups = {groups[p] for p in graph.parents[i]}
        only = parent_groups.pop() if len(parent_groups) == 1 else None
        if at is None and only is not None and only[0] == "param":
            # A view of one parameter made outside the steps (weight.T) belongs to its box.
            groups[i] = only
        elif at is not None and len(path) > at + 1:
            groups[i] = ("cell", path[: at + 2])
        elif node._parents and at is not None and _is_input_slice(graph, i):
            groups[i] = ("slice", path[: at + 1], graph.parents[i][0])
        elif node._parents and at is not None:
            groups[i] = ("step", path[: at + 1])
        elif node._parents and path:
            groups[i] = ("scope", path[:1])
        elif node._parents:
            groups[i] = ("node", i)
    # Leaves outside the cells go last: they merge into one input box per consumer box.
    for i in range(n):
        if groups[i] is not None:
            continue
        users = list(dict.fromkeys(groups[c] for c in graph.children[i]))
        if len(users) == 1 and users[0] is not None:
            node = graph.nodes[i]
            label = base_label(node.label) or unnamed_leaf(graph, i)
            groups[i] = ("input", users[0], label)
        else:
            groups[i] = ("node", i)
    return groups  # type: ignore[return-value]


def _is_input_slice(graph: GraphView, i: int) -> bool:
    """Node i is ``x[t]`` of an input leaf x: what a sequence layer feeds its step t."""
    ps = graph.parents[i]
    return (graph.nodes[i]._op == "getitem" and len(ps) == 1 and graph.roles[ps[0]] == "input"
            and not graph.nodes[ps[0]]._parents)


def unnamed_leaf(graph: GraphView, i: int) -> str:
    """What to call a leaf without a label: x inside a time step, input or const outside."""
    if graph.roles[i] != "input":
        return "const"
    return "x" if graph.steps[i] is not None else "input"


def draw_cell(graph: GraphView, show: set[str], rankdir: str, max_nodes: int, grad_color: bool,
              legend: bool, title: str | None, shared: str) -> Drawing:
    """The cell-level :class:`Drawing` of ``graph`` (see :func:`microgradrnn.draw.draw`)."""
    nodes = graph.nodes
    groups = cell_groups(graph, shared)
    members: dict[Group, list[int]] = {}
    for i, gkey in enumerate(groups):
        members.setdefault(gkey, []).append(i)
    order = list(members)  # first appearance in topological order
    gid = {gkey: k for k, gkey in enumerate(order)}
    # Roots inside a box get an output node each, one per box and label ("h[0]", "h[1]" -> "h").
    outputs: dict[tuple[Group, str], list[int]] = {}
    for r in graph.roots:
        if len(members[groups[r]]) > 1:
            outputs.setdefault((groups[r], base_label(nodes[r].label) or "output"), []).append(r)
    n_drawn = len(order) + len(outputs)
    if n_drawn > max_nodes:
        raise too_large(n_drawn, max_nodes, "cell")

    norms: list[float | None] = []
    for gkey in order:
        if not grad_color:
            norms.append(None)
        elif gkey[0] in ("cell", "scope") or (gkey[0] == "step" and len(members[gkey]) > 1):
            norms.append(combined_norm(graph, hidden_nodes(graph, members[gkey])))
        else:
            norms.append(combined_norm(graph, members[gkey]))
    decades = decade_range(norms) if grad_color else None

    d = new_drawing(rankdir, n_drawn, title)
    roles_drawn: set[str] = set()
    # No clusters at this level: a cluster per step stacks the steps diagonally (and slows
    # dot down); each box names its step instead, so the steps form one left-to-right strip.
    for k, gkey in enumerate(order):
        idx = members[gkey]
        kind = gkey[0]
        role, text, attrs = box(graph, gkey, idx, show)
        if grad_color and graph.has_grad and norms[k] is not None and "grad" in show:
            text += f"\\n|grad| {norms[k]:.2g}" if kind != "cell" else f"\\n|grad h| {norms[k]:.2g}"
        fill = scale_color(norms[k], decades) or ROLE_COLORS[role]
        roles_drawn.add(role)
        attrs.update(label=text, fillcolor=fill, color=ROLE_BORDERS[role], fontcolor=text_color(fill))
        d.node(f"g{k}", **attrs)
    for j, ((_gkey, text), rs) in enumerate(outputs.items()):
        node = nodes[rs[0]]
        if len(rs) > 1:
            text += f" ({len(rs)} values)"
        elif not is_scalar(node) and "shape" in show and node.shape:
            text += " " + shape_text(node.shape)
        d.node(f"out{j}", label=text, shape="ellipse", style="filled", height="0.3",
               fillcolor=ROLE_COLORS["output"], color=ROLE_BORDERS["output"])
        roles_drawn.add("output")

    edges: dict[tuple[int, int, str], None] = {}
    for i, ps in enumerate(graph.parents):
        gi = gid[groups[i]]
        for p in ps:
            gp = gid[groups[p]]
            if gp == gi:
                continue
            label = base_label(nodes[p].label) if base_label(nodes[p].label) in STATE_LABELS else ""
            edges.setdefault((gp, gi, label), None)
    cell_edges(d, list(edges), order)
    stack_steps(d, list(edges), order)
    for j, (gkey, _text) in enumerate(outputs):
        d.edge(f"g{gid[gkey]}", f"out{j}")
    if legend:
        last = f"out{len(outputs) - 1}" if outputs else f"g{gid[groups[graph.roots[-1]]]}"
        add_legend(d, roles_drawn, decades, cell=True, rankdir=rankdir, after=last)
    return d


def box(graph: GraphView, gkey: Group, idx: list[int], show: set[str]) -> tuple[str, str, dict[str, str]]:
    """The role, text and node attributes of the box ``gkey`` holding nodes ``idx``."""
    nodes = graph.nodes
    kind, first, step = gkey[0], nodes[idx[0]], group_step(gkey)
    shape = "shape" in show
    if kind == "param":
        attrs = {"shape": "box", "style": "filled,rounded"}
        if len(gkey) == 1:
            # The parameters themselves; views made of them (weight.T, b_ih + b_hh) are not named.
            names = list(dict.fromkeys(base_label(nodes[i].label) or "parameter"
                                       for i in idx if not nodes[i]._parents))
            lines = [", ".join(names[k : k + 2]) for k in range(0, len(names), 2)]
            return "parameter", "weights\\n" + "\\n".join(lines), attrs
        if is_scalar(first) and len(idx) > 1:
            return "parameter", f"{gkey[1]} ({len(idx)} values)", attrs
        text = first.label or "parameter"
        if shape and not is_scalar(first) and first.shape:
            text += " " + shape_text(first.shape)
        return "parameter", text, attrs
    if kind == "cell":
        attrs = {"shape": "box", "style": "filled,rounded,bold", "width": "0.9", "height": "0.6"}
        return "op", f"{gkey[1][-1]}\\nt={step}", attrs
    if kind == "scope":
        role = "output" if any(r in idx for r in graph.roots) else "op"
        return role, gkey[1][-1], {"shape": "box", "style": "filled,rounded,bold"}
    attrs = {"shape": "ellipse", "style": "filled", "height": "0.3"}
    if kind == "slice":
        name = base_label(nodes[gkey[2]].label) or "x"
        return "input", f"{name}⟨{step}⟩", attrs
    if kind == "input":
        role = "input" if any(graph.roles[i] == "input" for i in idx) else "constant"
        if step is None:
            text = gkey[2]
        elif gkey[2] == "x":  # an input read at step t: x⟨t⟩, as the course writes it
            text = f"x⟨{step}⟩"
        else:
            text = f"{gkey[2]} t={step}"
        if len(idx) == 1 and not is_scalar(first) and shape and first.shape:
            text += " " + shape_text(first.shape)
        elif len(idx) > 1:
            text += f" ({len(idx)} values)"
        return role, text, attrs
    # A step's glue ops, or a lone node outside the steps.
    role = graph.roles[idx[-1]] if kind == "node" else "op"
    labels = list(dict.fromkeys(nodes[i].label for i in idx if nodes[i].label))
    ops = list(dict.fromkeys(nodes[i]._op for i in idx if nodes[i]._op))
    if kind == "node" and not first._parents:
        text = base_label(first.label) or unnamed_leaf(graph, idx[0])
    elif kind == "node" and not labels and all(graph.roles[p] == "parameter" for p in graph.parents[idx[0]]):
        # Made from parameters outside the steps, e.g. the folded bias b_ih + b_hh.
        text = f" {first._op} ".join(nodes[p].label or "parameter" for p in graph.parents[idx[0]])
    else:
        text = ", ".join(labels) if labels else ", ".join(ops)
    if kind == "node" and not is_scalar(first) and shape and first.shape:
        text += " " + shape_text(first.shape)
    if step is not None and not text.endswith(f"⟨{step}⟩"):
        text += f" t={step}"
    return role, text, attrs
