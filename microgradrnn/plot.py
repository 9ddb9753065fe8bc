"""Small SVG charts with no plotting library: loss curves, gradient norms, bars.

Every function returns SVG text; the same input always gives the same bytes,
so pictures can be compared in tests and committed to the docs. Values that are
not finite (NaN, inf, and zero or negatives on a log axis) leave a gap in their
line and a cross on the top or bottom edge, so a loss that blew up stays visible.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from xml.sax.saxutils import escape

__all__ = ["bar_chart", "line_chart", "nice_ticks", "save_svg"]

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf")
_LEFT, _RIGHT, _TOP, _BOTTOM = 70, 20, 40, 50


def nice_ticks(lo: float, hi: float, target: int = 6) -> list[float]:
    """Round tick values (1, 2 or 5 times a power of ten apart) covering ``[lo, hi]``."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError(f"tick range must be finite, got [{lo}, {hi}]")
    lo, hi = min(lo, hi), max(lo, hi)
    if hi == lo:
        pad = abs(lo) * 0.1 or 0.5
        lo, hi = lo - pad, hi + pad
    raw = (hi - lo) / max(target - 1, 1)
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first, last = math.floor(lo / step + 1e-9), math.ceil(hi / step - 1e-9)
    return [round(k * step, 12) for k in range(first, last + 1)]


def _fmt(v: float, step: float) -> str:
    if v == 0:
        return "0"
    if abs(v) >= 1e5 or abs(v) < 1e-3:
        return f"{v:.0e}".replace("e+0", "e").replace("e-0", "e-").replace("e+", "e")
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    return f"{v:.{decimals}f}"


def _decade_label(k: int) -> str:
    return f"{10.0 ** k:g}" if -2 <= k <= 3 else f"1e{k}"


def _svg_open(width: int, height: int, title: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{width / 2:.1f}" y="22" text-anchor="middle" font-size="15">'
        f"{escape(title)}</text>",
    ]


def _axes(out: list[str], width: int, height: int, xlabel: str, ylabel: str) -> None:
    x0, y0 = _LEFT, height - _BOTTOM
    out.append(f'<path d="M{x0},{_TOP} V{y0} H{width - _RIGHT}" stroke="black" fill="none"/>')
    out.append(f'<text x="{(x0 + width - _RIGHT) / 2:.1f}" y="{height - 10}" '
               f'text-anchor="middle">{escape(xlabel)}</text>')
    cy = (_TOP + y0) / 2
    out.append(f'<text x="16" y="{cy:.1f}" text-anchor="middle" '
               f'transform="rotate(-90 16 {cy:.1f})">{escape(ylabel)}</text>')


def line_chart(
    series: Mapping[str, Sequence[float]],
    title: str = "",
    xlabel: str = "",
    ylabel: str = "",
    log_y: bool = False,
    x: Sequence[float] | None = None,
    width: int = 640,
    height: int = 400,
) -> str:
    """Lines of ``series`` (name -> y values) against ``x`` (default: 0, 1, 2, ...).

    ``x``, when given, is shared by all series and must be as long as each.
    With ``log_y`` the y axis is logarithmic with a tick at every power of ten.
    """
    if not series:
        raise ValueError("line_chart needs at least one series")
    ys = {name: [float(v) for v in vals] for name, vals in series.items()}
    xs = {name: [float(v) for v in (x if x is not None else range(len(v_)))]
          for name, v_ in ys.items()}
    for name, vals in ys.items():
        if len(xs[name]) != len(vals):
            raise ValueError(f"series {name!r} has {len(vals)} values but x has {len(xs[name])}")

    def ok(v: float) -> bool:
        return math.isfinite(v) and (v > 0 or not log_y)

    tf = math.log10 if log_y else (lambda v: v)
    good = [tf(v) for vals in ys.values() for v in vals if ok(v)]
    all_x = [v for vs in xs.values() for v in vs if math.isfinite(v)] or [0.0]
    y_lo, y_hi = (min(good), max(good)) if good else (0.0, 1.0)
    if log_y:
        y_lo, y_hi = math.floor(y_lo), max(math.ceil(y_hi), math.floor(y_lo) + 1)
        every = max(1, math.ceil((y_hi - y_lo) / 10))
        y_hi = y_lo + every * math.ceil((y_hi - y_lo) / every)
        yticks = [float(k) for k in range(int(y_lo), int(y_hi) + 1, every)]
        ylabels = [_decade_label(int(k)) for k in yticks]
    else:
        yticks = nice_ticks(y_lo, y_hi)
        y_lo, y_hi = yticks[0], yticks[-1]
        ylabels = [_fmt(t, yticks[1] - yticks[0]) for t in yticks]
    xticks = nice_ticks(min(all_x), max(all_x))
    x_lo, x_hi = xticks[0], xticks[-1]
    x0, x1, y0, y1 = _LEFT, width - _RIGHT, height - _BOTTOM, _TOP

    def px(v: float) -> float:
        return x0 + (v - x_lo) / (x_hi - x_lo) * (x1 - x0)

    def py(v: float) -> float:
        return y0 - (v - y_lo) / (y_hi - y_lo) * (y0 - y1)

    out = _svg_open(width, height, title)
    for t, label in zip(yticks, ylabels):
        out.append(f'<path d="M{x0},{py(t):.2f} H{x1}" stroke="#e5e5e5"/>')
        out.append(f'<text x="{x0 - 6}" y="{py(t) + 4:.2f}" text-anchor="end">{label}</text>')
    for t in xticks:
        out.append(f'<path d="M{px(t):.2f},{y0} v5" stroke="black"/>')
        out.append(f'<text x="{px(t):.2f}" y="{y0 + 18}" text-anchor="middle">'
                   f"{_fmt(t, xticks[1] - xticks[0])}</text>")
    _axes(out, width, height, xlabel, ylabel)
    # The legend is drawn last so that no line crosses it.
    legend = [f'<rect x="{x1 - 156}" y="{_TOP}" width="150" height="{16 * len(ys)}" '
              'fill="white" fill-opacity="0.8"/>']
    any_bad = False
    for i, (name, vals) in enumerate(ys.items()):
        color = PALETTE[i % len(PALETTE)]
        runs: list[list[str]] = [[]]
        for xv, yv in zip(xs[name], vals):
            if ok(yv):
                runs[-1].append(f"{px(xv):.2f},{py(tf(yv)):.2f}")
                continue
            any_bad = True
            runs.append([])
            edge = y0 if yv == -math.inf or (log_y and yv <= 0) else y1
            out.append(f'<text x="{px(xv):.2f}" y="{edge + 4:.2f}" text-anchor="middle" '
                       f'fill="{color}">&#215;</text>')
        for run in runs:
            if len(run) == 1:
                cx, cy = run[0].split(",")
                out.append(f'<circle cx="{cx}" cy="{cy}" r="2" fill="{color}"/>')
            elif run:
                out.append(f'<polyline points="{" ".join(run)}" fill="none" '
                           f'stroke="{color}" stroke-width="1.5"/>')
        ly = _TOP + 8 + 16 * i
        legend.append(f'<path d="M{x1 - 150},{ly} h20" stroke="{color}" stroke-width="2"/>')
        legend.append(f'<text x="{x1 - 124}" y="{ly + 4}">{escape(name)}</text>')
    out += legend
    if any_bad:
        out.append(f'<text x="{x1}" y="{height - 10}" text-anchor="end" fill="#555">'
                   "&#215; = NaN or infinite</text>")
    out.append("</svg>")
    return "\n".join(out) + "\n"


def bar_chart(
    values: Mapping[str, float],
    title: str = "",
    ylabel: str = "",
    width: int = 640,
    height: int = 400,
) -> str:
    """One bar per entry of ``values`` (label -> height), from zero; heights must be finite."""
    if not values:
        raise ValueError("bar_chart needs at least one value")
    bad = {k: v for k, v in values.items() if not math.isfinite(v)}
    if bad:
        raise ValueError(f"bar heights must be finite, got {bad}")
    vals = [float(v) for v in values.values()]
    ticks = nice_ticks(min(0.0, *vals), max(0.0, *vals))
    lo, hi = ticks[0], ticks[-1]
    x0, x1, y0, y1 = _LEFT, width - _RIGHT, height - _BOTTOM, _TOP

    def py(v: float) -> float:
        return y0 - (v - lo) / (hi - lo) * (y0 - y1)

    out = _svg_open(width, height, title)
    for t in ticks:
        out.append(f'<path d="M{x0},{py(t):.2f} H{x1}" stroke="#e5e5e5"/>')
        out.append(f'<text x="{x0 - 6}" y="{py(t) + 4:.2f}" text-anchor="end">'
                   f"{_fmt(t, ticks[1] - ticks[0])}</text>")
    _axes(out, width, height, "", ylabel)
    slot = (x1 - x0) / len(vals)
    for i, (label, v) in enumerate(zip(values, vals)):
        left, top = x0 + slot * (i + 0.15), min(py(v), py(0.0))
        out.append(f'<rect x="{left:.2f}" y="{top:.2f}" width="{slot * 0.7:.2f}" '
                   f'height="{abs(py(v) - py(0.0)):.2f}" fill="{PALETTE[i % len(PALETTE)]}"/>')
        out.append(f'<text x="{left + slot * 0.35:.2f}" y="{y0 + 18}" text-anchor="middle">'
                   f"{escape(label)}</text>")
    out.append("</svg>")
    return "\n".join(out) + "\n"


def save_svg(svg: str, path: str | Path) -> Path:
    """Write ``svg`` to ``path`` (UTF-8, parent folders created); returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(svg, encoding="utf-8")
    return path
