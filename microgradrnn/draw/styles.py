"""Colours, fonts and label text: how each role and each gradient magnitude looks.

The colours carry meaning (the role of a node, or the size of its gradient on a log
scale); the fonts are sized so that a figure scaled to a 680 px page column keeps its
text at least 9 px tall.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence

import numpy as np

from microgradrnn.draw.rendering import Drawing

# Font sizes in points (the SVG's user units). No text is smaller than MIN_FONT, so a
# drawing up to MIN_FONT * 680 / 9 = 755 pt wide keeps 9 px text when a 680 px page
# column scales it down.
MIN_FONT = 10
FONTS = {"node": "10", "edge": "10", "cluster": "11", "step": "12", "title": "14"}
FONT_NAME = "Helvetica"

# Above this many nodes the layout's network-simplex passes are capped, trading a little
# neatness for a layout that finishes: a 300-step cell-level LSTM (612 nodes) took 7 s
# without the cap and 1.2 s with it, 480 steps 23 s and 2.8 s.
LARGE_GRAPH = 300
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

OP_NODE_COLOR = "#e9ecef"

# ColorBrewer "Reds": pale for small gradients, dark for large ones. Its luminance falls
# monotonically, so a vanishing gradient fades towards white in any rendering.
GRAD_PALETTE = ("#fff5f0", "#fee0d2", "#fcbba1", "#fc9272", "#fb6a4a", "#ef3b2c", "#cb181d", "#99000d")

ZERO_GRAD_COLOR = "#ffffff"

_RECORD_SPECIAL = re.compile(r"([{}|<>\"\\])")


def escape_record(text: str) -> str:
    """Escape the characters that structure a record label."""
    return _RECORD_SPECIAL.sub(r"\\\1", text)

# -- label text ------------------------------------------------------------------------


def number_text(x: float) -> str:
    return f"{x:.4g}"


def array_text(a: np.ndarray) -> str:
    if a.size <= 4:
        return "[" + ", ".join(f"{v:.3g}" for v in a.ravel()) + "]" if a.ndim else f"{a.item():.4g}"
    return f"norm {float(np.linalg.norm(a)):.4g}"


def shape_text(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"

# -- the gradient colour scale ---------------------------------------------------------


def hex_to_rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def decade_range(norms: Iterable[float | None]) -> tuple[int, int] | None:
    positive = [n for n in norms if n is not None and n > 0 and math.isfinite(n)]
    if not positive:
        return None
    lo = math.floor(math.log10(min(positive)))
    hi = math.ceil(math.log10(max(positive)))
    return lo, max(hi, lo + 1)


def scale_color(norm: float | None, decades: tuple[int, int] | None) -> str | None:
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
    a, b = hex_to_rgb(GRAD_PALETTE[k]), hex_to_rgb(GRAD_PALETTE[k + 1])
    return "#" + "".join(f"{round(x + (y - x) * frac):02x}" for x, y in zip(a, b))


def grad_colors(norms: Sequence[float | None]) -> list[str | None]:
    """Fill colours for gradient norms on a log scale spanning their decades.

    Larger norms get darker reds (the mapping is monotone); 0 is white; None (no
    gradient) stays None. The scale runs from 10**floor(log10(min)) to 10**ceil(log10(max)).
    """
    decades = decade_range(norms)
    return [scale_color(n, decades) for n in norms]


def text_color(fill: str | None) -> str:
    if fill is None:
        return "black"
    r, g, b = hex_to_rgb(fill)
    return "white" if 0.2126 * r + 0.7152 * g + 0.0722 * b < 110 else "black"

# -- the drawing itself -----------------------------------------------------------------


def graph_attrs(rankdir: str, n_nodes: int, title: str | None) -> dict[str, str]:
    # No newrank: with it, dot's ranking of a 40-step clustered graph took 15 s instead of 0.1 s.
    # nodesep 0.18 (dot's default 0.25): narrower drawings, so less scaling down in a page column.
    attrs = {"rankdir": rankdir, "fontname": FONT_NAME, "fontsize": FONTS["cluster"], "nodesep": "0.18"}
    if title:
        attrs.update(label=title, labelloc="t", fontsize=FONTS["title"])
    if n_nodes > LARGE_GRAPH:
        attrs.update(LARGE_GRAPH_ATTRS)
    return attrs


def new_drawing(rankdir: str, n_nodes: int, title: str | None) -> Drawing:
    """An empty :class:`Drawing` with the fonts and graph attributes of every drawing."""
    d = Drawing(
        "microgradrnn",
        graph_attr=graph_attrs(rankdir, n_nodes, title),
        node_attr={"fontname": FONT_NAME, "fontsize": FONTS["node"]},
        edge_attr={"color": "#495057", "arrowsize": "0.6", "fontname": FONT_NAME, "fontsize": FONTS["edge"]},
    )
    d.node_count = n_nodes
    return d
