"""The legend: what the colours mean, built from plain nodes.

Plain nodes rather than an HTML-like table, so that every renderer draws the legend (the
WebAssembly Graphviz drops HTML-like labels and left an empty box). Each role's entry is
a node in that role's colours, labelled with what the role means; with a gradient scale,
a row of swatches labelled 1e-k follows.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import graphviz

from microgradrnn.draw.roles import ROLE_NAMES, ROLES
from microgradrnn.draw.styles import (
    FONTS,
    OP_NODE_COLOR,
    ROLE_BORDERS,
    ROLE_COLORS,
    ZERO_GRAD_COLOR,
    scale_color,
    text_color,
)

__all__ = ["add_legend"]

LEGEND_CLUSTER = "cluster_legend"
MAX_SWATCHES = 8


def _invisible_chain(g: graphviz.Digraph, names: list[str]) -> None:
    for a, b in zip(names, names[1:]):
        g.edge(a, b, style="invis")


def add_legend(g: graphviz.Digraph, roles: Iterable[str], decades: tuple[int, int] | None, cell: bool,
               rankdir: str = "LR", after: str | None = None, op_nodes: bool = False) -> None:
    """Add a legend of ``roles`` (and of the gradient scale over ``decades``) to ``g``.

    Entries are stacked across the rank direction, so the legend adds height, not width, to
    a top-to-bottom drawing. ``after``: a node the legend is placed after (the last one drawn);
    ``op_nodes``: the drawing has small operation nodes (scalar graphs at op level).
    """
    roles = set(roles)
    entries: list[str] = []
    swatches: list[str] = []
    along = rankdir in ("TB", "BT")  # True: an edge a -> b puts b below a
    with g.subgraph(name=LEGEND_CLUSTER) as sub:
        sub.attr(label="legend", style="rounded", color="#ced4da", fontsize=FONTS["cluster"], labeljust="l")
        common = {"shape": "box", "fontsize": FONTS["node"], "height": "0.3", "margin": "0.08,0.03"}
        # Entries are named by position: "legend_op" would read as an operation node.
        for role in ROLES:
            if role in roles:
                name = f"legend{len(entries)}"
                sub.node(name, label=ROLE_NAMES[role], style="filled,rounded", fillcolor=ROLE_COLORS[role],
                         color=ROLE_BORDERS[role], **common)
                entries.append(name)
        if op_nodes:
            sub.node(f"legend{len(entries)}", label="operation (+, *, tanh, ...)", shape="ellipse",
                     style="filled", fillcolor=OP_NODE_COLOR, color="#868e96", fontsize=FONTS["node"],
                     height="0.3")
            entries.append(f"legend{len(entries)}")
        if decades is not None:
            what = "||grad of h|| per step" if cell else "||grad||"
            sub.node(f"legend{len(entries)}", label=f"{what} (log scale):", shape="plaintext",
                     fontsize=FONTS["node"], height="0.3")
            entries.append(f"legend{len(entries)}")
            lo, hi = decades
            every = max(1, math.ceil((hi - lo) / MAX_SWATCHES))
            for k in range(lo, hi + 1, every):
                fill = scale_color(10.0**k, decades) or ZERO_GRAD_COLOR
                name = f"legend_scale{len(swatches)}"
                sub.node(name, label=f"1e{k}", style="filled", fillcolor=fill, color="#adb5bd",
                         fontcolor=text_color(fill), width="0.4", **common)
                swatches.append(name)
        if along:
            _invisible_chain(sub, entries)
            if swatches:
                with sub.subgraph() as row:
                    row.attr(rank="same")
                    for name in swatches:
                        row.node(name)
                _invisible_chain(sub, swatches)
                sub.edge(entries[-1], swatches[0], style="invis")
        else:
            with sub.subgraph() as column:
                column.attr(rank="same")
                for name in entries:
                    column.node(name)
            _invisible_chain(sub, entries)
            _invisible_chain(sub, [entries[-1], *swatches] if swatches else [])
    if after is not None and entries:
        g.edge(after, entries[0], style="invis")
