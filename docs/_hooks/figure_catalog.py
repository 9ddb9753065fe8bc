"""Every picture of the docs site, each drawn by the library when the site is built.

A figure is a function without arguments registered with :func:`figure`; it returns a
:class:`Figure` (SVG text and an HTML caption). Pages ask for one with
``<!-- figure: NAME -->`` (see ``docs_figures.py``). Seeds are fixed, so every build draws
the same pictures.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class Figure:
    """A picture for the site: its SVG text and caption; for a graph drawing also its DOT text,
    so that tests can render it with either renderer."""

    svg: str
    caption: str
    dot: str | None = None


PAGE_WIDTH = 680
"""The width of the page column in CSS px: a figure wider than this is scaled down to it."""
MIN_TEXT_PX = 9
"""The smallest text a reader is asked to read, in CSS px, at the page width."""


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


_SVG_TAG = re.compile(r"<svg\b[^>]*>", re.DOTALL)
_FONT_SIZE = re.compile(r'font-size[=:]\s*"?([0-9.]+)')
_LENGTH = re.compile(r"([0-9.]+)\s*(pt|px)?")


def _attr(tag: str, name: str) -> str | None:
    m = re.search(rf'\b{name}="([^"]*)"', tag)
    return m.group(1) if m else None


def smallest_text_px(svg: str, page_width: float = PAGE_WIDTH) -> float:
    """The height in CSS px of the smallest text of ``svg`` when shown in a page column
    ``page_width`` px wide (scaled down to it, never up, as ``max-width: 100%`` does).

    Reads the root element's ``width`` (pt or px) and ``viewBox`` and every ``font-size``
    (in user units); text without a size of its own has the root's (Graphviz: 14).
    """
    tag = _SVG_TAG.search(svg).group(0)
    width = _LENGTH.match(_attr(tag, "width") or "")
    view_box = [float(v) for v in (_attr(tag, "viewBox") or "").replace(",", " ").split()]
    natural_px = float(width.group(1)) * (4 / 3 if width.group(2) == "pt" else 1.0)
    units = view_box[2] if len(view_box) == 4 else natural_px
    shown_px = min(natural_px, page_width)
    sizes = [float(v) for v in _FONT_SIZE.findall(svg)] or [14.0]
    return min(sizes) * shown_px / units


def graph_svg(graph) -> str:
    """Render a drawing to SVG text with the library's renderer.

    It uses the ``dot`` program when it is installed, else the WebAssembly build of
    Graphviz that ``pip install`` brings, so the site builds on any machine.
    """
    from microgradrnn.draw import render

    return render(graph, "svg").decode("utf-8")


def graph_figure(drawing, caption: str) -> Figure:
    """A figure of a graph drawing: rendered by :func:`graph_svg`, its DOT text kept beside it."""
    return Figure(graph_svg(drawing), caption, drawing.source)


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


# --------------------------------------------------------------------------- home page

HOME = Path(__file__).resolve().parents[1] / "index.md"
_PYTHON_BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


@figure
def home_rnn_cell() -> Figure:
    """The home page's tour, run as written: the drawing its ``save(draw(h, ...))`` line makes."""
    import contextlib
    import importlib
    import io

    # The package (``microgradrnn.draw`` as an attribute is the function draw).
    draw_package = importlib.import_module("microgradrnn.draw")

    saved = []
    namespace: dict[str, object] = {}
    original = draw_package.save
    draw_package.save = lambda graph, path: saved.append(graph)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            for block in _PYTHON_BLOCK.findall(HOME.read_text(encoding="utf-8")):
                exec(compile(block, str(HOME), "exec"), namespace)  # noqa: S102 - our own page
    finally:
        draw_package.save = original
    if len(saved) != 1:
        raise ValueError(f"{HOME.name}: expected one save(draw(...)) in its code, found {len(saved)}")
    return graph_figure(
        saved[0],
        "The drawing the code above saves: <code>RNNCell(3, 4)</code> over 5 steps at the cell "
        "level, one box per step, the hidden state <i>h</i> passed from box to box and the same "
        "weights feeding every box.",
    )


# --------------------------------------------------------------------------- module 0


@figure
def series_components() -> Figure:
    """A synthetic series and the four parts it is the sum of."""
    from microgradrnn.data import synthetic_series
    from microgradrnn.plot import line_chart

    s = synthetic_series(length=240, seed=3, trend=0.02, season_period=12, cycle_period=60.0)
    svg = line_chart(
        {
            "series": s.series,
            "trend (추세)": s.trend,
            "seasonal (계절성)": s.seasonal - 2.5,
            "cycle (주기)": s.cycle - 4.0,
            "noise (불규칙성)": s.noise - 5.5,
        },
        title="series = trend + seasonality + cycle + irregularity",
        xlabel="time step t",
        ylabel="value (parts shifted down)",
    )
    return Figure(
        svg,
        "<code>microgradrnn.data.synthetic_series(240, seed=3)</code>: the series (top) and "
        "its four components, shifted down so they do not overlap. The seasonal part repeats "
        "every 12 steps exactly; the cycle's length wanders.",
    )


# --------------------------------------------------------------------------- module 2


@figure
def activation_curves() -> Figure:
    """sigmoid, tanh and ReLU with the derivatives autograd finds for them."""
    from microgradrnn import Tensor
    from microgradrnn.plot import line_chart

    xs = np.linspace(-5, 5, 201)
    series = {}
    for name in ("sigmoid", "tanh", "relu"):
        x = Tensor(xs, requires_grad=True)
        y = getattr(x, name)()
        y.sum().backward()
        series[f"{name}(x)"] = y.data
        series[f"{name}'(x)"] = x.grad
    svg = line_chart(series, title="Activations and their derivatives", xlabel="x", ylabel="value", x=xs)
    return Figure(
        svg,
        "The three activations and their derivatives, each derivative found by "
        "<code>backward()</code> through the library's <code>Tensor</code>. The peak of "
        "sigmoid' is 0.25, the peak of tanh' is 1.",
    )


# --------------------------------------------------------------------------- module 1


@figure
def scalar_graph() -> Figure:
    """The page's expression L = tanh(a*b + c) after backward(), every Value visible."""
    from microgradrnn import Value
    from microgradrnn.draw import draw

    a, b, c = Value(2.0, label="a"), Value(-3.0, label="b"), Value(10.0, label="c")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    L = d.tanh()
    L.label = "L"
    L.backward()
    return graph_figure(
        draw(L, detail="op", rankdir="TB"),
        "<code>draw(L)</code> for <code>L = tanh(a*b + c)</code> after <code>L.backward()</code>: "
        "each Value shows its label, data and grad; the small nodes are the operations that "
        "made them.",
    )


# --------------------------------------------------------------------------- module 3


@figure
def perceptron_graph() -> Figure:
    """A perceptron layer on a batch, at the op level with shapes."""
    from microgradrnn import Tensor
    from microgradrnn.draw import draw

    rng = _rng(0)
    X = Tensor(rng.normal(size=(4, 3)), label="X")
    W = Tensor(rng.normal(size=(3, 2)), requires_grad=True, label="W")
    b = Tensor(np.zeros(2), requires_grad=True, label="b")
    Z = X @ W + b
    Y = Z.tanh()
    Y.label = "Y"
    L = Y.sum()
    L.label = "L"
    L.backward(retain_graph=True)
    return graph_figure(
        draw(L, detail="op", show=("label", "op", "shape"), rankdir="TB"),
        "<code>L = tanh(X @ W + b).sum()</code> for a batch of 4 inputs with 3 features and a "
        "layer of 2 units: one node per array operation, with its shape. <code>b</code> (2,) "
        "is broadcast to (4, 2) by the addition.",
    )


# --------------------------------------------------------------------------- module 4


def _unrolled_rnn_cell(T: int, I: int, H: int, seed: int):
    """Run an RNNCell over T random steps inside scopes t=0..T-1; returns the last h."""
    from microgradrnn import Tensor, scope
    from microgradrnn.nn import RNNCell

    rng = _rng(seed)
    cell = RNNCell(I, H, seed=seed)
    h = Tensor(np.zeros((1, H)), label="h0")
    for t in range(T):
        with scope(f"t={t}"):
            x = Tensor(rng.normal(size=(1, I)), label=f"x{t}")
            h = cell(x, h)
            h.label = f"h{t + 1}"
    return h


@figure
def rnn_unrolled_op() -> Figure:
    """An RNNCell unrolled over 3 steps, every operation visible."""
    from microgradrnn.draw import draw

    h = _unrolled_rnn_cell(T=2, I=2, H=3, seed=0)
    h.sum().backward(retain_graph=True)
    return graph_figure(
        draw(h, detail="op", show=("label", "op", "shape"), rankdir="TB"),
        "<code>RNNCell(2, 3)</code> unrolled over 2 steps, drawn by <code>draw(h, "
        'detail="op")</code>. One cluster per time step; <code>weight_ih</code>, '
        "<code>weight_hh</code> and the biases are drawn once, outside the steps, with an edge "
        "to every step that uses them.",
    )


@figure
def rnn_unrolled_cell() -> Figure:
    """A sequence RNN over 8 steps at the cell level."""
    from microgradrnn import Tensor
    from microgradrnn.draw import draw
    from microgradrnn.nn import RNN

    rnn = RNN(input_size=3, hidden_size=4, seed=0)
    x = Tensor(_rng(1).normal(size=(8, 1, 3)), label="x")
    _, h_n = rnn(x)
    return graph_figure(
        draw(h_n, detail="cell", shared="one", rankdir="TB"),
        "<code>nn.RNN(3, 4)</code> over 8 time steps, drawn by <code>draw(h_n, "
        'detail="cell", shared="one")</code>: one box per step, the hidden state <i>h</i> '
        "passed from box to box, and the same weights feeding every box.",
    )


# --------------------------------------------------------------------------- module 5


@figure
def many_to_one_cell() -> Figure:
    """Many-to-one: an RNN reads 5 steps, a linear layer classifies the last state."""
    from microgradrnn import Tensor, scope
    from microgradrnn.draw import draw
    from microgradrnn.nn import RNN, Linear

    rnn, head = RNN(3, 4, seed=0), Linear(4, 2, seed=1)
    out, h_n = rnn(Tensor(_rng(2).normal(size=(5, 1, 3)), label="x"))
    with scope("classifier"):
        logits = head(h_n[0])
    logits.label = "logits"
    return graph_figure(
        draw(logits, detail="cell", shared="one", rankdir="TB"),
        "Many-to-one: <code>nn.RNN(3, 4)</code> reads five steps; only the final state "
        "<code>h_n</code> goes through <code>Linear(4, 2)</code> to the class scores.",
    )


@figure
def one_to_many_cell() -> Figure:
    """One-to-many: a generator that feeds each output back as the next input."""
    from microgradrnn import Tensor, scope
    from microgradrnn.draw import draw
    from microgradrnn.nn import Linear, RNNCell

    cell, head = RNNCell(3, 4, seed=0), Linear(4, 3, seed=1)
    token = 0
    h = None
    outputs = []
    for t in range(4):
        with scope(f"t={t}"):
            # The chosen token goes back in as a one-hot vector: a constant, so the graph of
            # the next step starts afresh from it (sampling is not differentiable).
            x = Tensor(np.eye(3)[[token]], label=f"x⟨{t}⟩ = onehot({token})")
            h = cell(x, h)
            h.label = "h"
            with scope("output"):
                y = head(h).softmax(axis=-1)
            y.label = f"y⟨{t}⟩"
            token = int(y.data.argmax())
        outputs.append(y)
    return graph_figure(
        draw(outputs, detail="cell", shared="one", rankdir="TB"),
        "One-to-many: each step's output <code>y</code> (a softmax over 3 symbols) picks a "
        "token, and that token's one-hot vector is the next step's input <code>x</code>; the "
        "state <code>h</code> carries the rest.",
    )


# --------------------------------------------------------------------------- module 6


@figure
def bptt_grad_view() -> Figure:
    """A small unrolled RNN after backward(), nodes coloured by gradient magnitude."""
    from microgradrnn.draw import draw

    h = _unrolled_rnn_cell(T=3, I=1, H=2, seed=4)
    loss = (h * h).sum()
    loss.label = "loss"
    loss.backward(retain_graph=True)
    return graph_figure(
        draw(loss, detail="op", show=("label", "op"), grad_color=True, rankdir="TB"),
        "BPTT made visible: <code>RNNCell(1, 2)</code> over 3 steps with a loss on the last "
        "state, drawn with <code>grad_color=True</code> after <code>backward()</code>. Colours "
        "give the size of each node's gradient on a log scale (see the legend).",
    )


# --------------------------------------------------------------------------- module 7


@figure
def gradient_norms() -> Figure:
    """Gradient norm per time step of fresh tanh RNN, LSTM and GRU layers: vanishing."""
    from microgradrnn.experiments import gradient_norms as experiment

    result = experiment(T=100, hidden_size=32, seed=0)
    return Figure(
        result.chart(),
        "<code>microgradrnn.experiments.gradient_norms()</code>: freshly initialised layers "
        "(hidden size 32) read 100 steps; a loss on the last step is back-propagated and "
        "‖∂L/∂h<sub>t</sub>‖ measured at every step. Read each line from right (the loss) to "
        "left: the tanh RNN's gradient falls by {{ num.rnn_orders_lost }} orders of magnitude, "
        "the GRU's by {{ num.gru_orders_lost }}, and the LSTM's, with a forget-gate bias of 1, by "
        "{{ num.lstm_orders_lost }}.",
    )


@figure
def exploding_clipping() -> Figure:
    """The same tanh RNN trained with and without gradient clipping."""
    from microgradrnn.experiments import exploding_gradients

    result = exploding_gradients(seed=0)
    return Figure(
        result.chart(),
        "<code>microgradrnn.experiments.exploding_gradients()</code>: a tanh RNN whose "
        "recurrent weight starts at 1.5 times an orthogonal matrix, trained with SGD to predict "
        "the next value of sine waves. Without clipping the loss blows up within a few steps; "
        "with <code>clip_grad_norm_(params, 1)</code> the same network, from the same weights "
        "and batches, trains.",
    )


# --------------------------------------------------------------------------- module 8


@figure
def lstm_cell_op() -> Figure:
    """One LSTMCell step, every operation visible, gates in their own clusters."""
    from microgradrnn import Tensor
    from microgradrnn.draw import draw
    from microgradrnn.nn import LSTMCell

    rng = _rng(7)
    cell = LSTMCell(2, 2, seed=0)
    x = Tensor(rng.normal(size=(1, 2)), label="x")
    h0 = Tensor(rng.normal(size=(1, 2)), label="h_prev")
    c0 = Tensor(rng.normal(size=(1, 2)), label="c_prev")
    h, c = cell(x, (h0, c0))
    h.label, c.label = "h", "c"
    return graph_figure(
        draw([h, c], detail="op", show=("label", "op", "shape"), rankdir="TB"),
        "One step of <code>LSTMCell(2, 2)</code>: the three gates (input, forget, output) and "
        "the cell candidate, each in its own cluster, all reading the stacked <code>weight_ih</code> (8, 2) "
        "and <code>weight_hh</code> (8, 2); then <i>c</i> = <i>f</i>·<i>c</i>_prev + "
        "<i>i</i>·<i>g</i> and <i>h</i> = <i>o</i>·tanh(<i>c</i>).",
    )


@figure
def lstm_unrolled_cell() -> Figure:
    """An LSTM over 5 steps at the cell level: h and c between the boxes."""
    from microgradrnn import Tensor
    from microgradrnn.draw import draw
    from microgradrnn.nn import LSTM

    lstm = LSTM(3, 4, seed=0)
    _, (h_n, c_n) = lstm(Tensor(_rng(8).normal(size=(5, 1, 3)), label="x"))
    return graph_figure(
        draw([h_n, c_n], detail="cell", shared="one", rankdir="TB"),
        "<code>nn.LSTM(3, 4)</code> over 5 steps at the cell level: two state edges between "
        "consecutive boxes, the hidden state <i>h</i> and the cell state <i>c</i>.",
    )


# --------------------------------------------------------------------------- module 9


@figure
def gru_cell_op() -> Figure:
    """One GRUCell step (PyTorch's form), every operation visible."""
    from microgradrnn import Tensor
    from microgradrnn.draw import draw
    from microgradrnn.nn import GRUCell

    rng = _rng(9)
    cell = GRUCell(2, 2, seed=0)
    x = Tensor(rng.normal(size=(1, 2)), label="x")
    h0 = Tensor(rng.normal(size=(1, 2)), label="h_prev")
    h = cell(x, h0)
    h.label = "h"
    return graph_figure(
        draw(h, detail="op", show=("label", "op"), rankdir="TB"),
        "One step of <code>GRUCell(2, 2)</code>: reset gate, update gate and candidate in their "
        "own clusters. The reset gate multiplies <code>W_hn h + b_hn</code>, after the matrix "
        "product, as in PyTorch.",
    )


# --------------------------------------------------------------------------- module 10


@figure
def bidirectional_cell() -> Figure:
    """A bidirectional GRU over 4 steps at the cell level."""
    from microgradrnn import Tensor
    from microgradrnn.draw import draw
    from microgradrnn.nn import GRU

    gru = GRU(3, 4, bidirectional=True, seed=0)
    out, _ = gru(Tensor(_rng(10).normal(size=(4, 1, 3)), label="x"))
    return graph_figure(
        draw(out, detail="cell", shared="one", rankdir="TB"),
        "<code>nn.GRU(3, 4, bidirectional=True)</code> over 4 steps: in every step a forward "
        "cell (state from the left) and a reverse cell (state from the right); their outputs "
        "are concatenated into 8 features.",
    )


@figure
def stacked_cell() -> Figure:
    """A two-layer LSTM over 4 steps at the cell level."""
    from microgradrnn import Tensor
    from microgradrnn.draw import draw
    from microgradrnn.nn import LSTM

    lstm = LSTM(3, 4, num_layers=2, seed=0)
    out, _ = lstm(Tensor(_rng(11).normal(size=(4, 1, 3)), label="x"))
    return graph_figure(
        draw(out, detail="cell", shared="one", rankdir="TB"),
        '<code>nn.LSTM(3, 4, num_layers=2)</code> over 4 steps: layer 1 ("lstm l1") reads '
        "the whole output sequence of layer 0.",
    )


# --------------------------------------------------------------------------- module 11


@figure
def embedding_graph() -> Figure:
    """An embedding lookup with a repeated token, at the op level."""
    from microgradrnn import Tensor
    from microgradrnn.draw import draw
    from microgradrnn.nn import Embedding

    emb = Embedding(6, 3, seed=0)
    ids = np.array([1, 4, 1])
    vectors = emb(ids)
    vectors.label = "embed([1, 4, 1])"
    w = Tensor(_rng(12).normal(size=(3,)), label="w")
    loss = (vectors @ w).sum()
    loss.label = "loss"
    loss.backward(retain_graph=True)
    return graph_figure(
        draw(loss, detail="op", show=("label", "op", "shape"), rankdir="TB"),
        "Looking up tokens 1, 4, 1 in an <code>Embedding(6, 3)</code> is one indexing node on the "
        "(6, 3) table. Backward scatter-adds: row 1 of the table's gradient gets the sum of two "
        "rows, because token 1 was used twice.",
    )


# --------------------------------------------------------------------------- module 12


@figure
def charlm_cell() -> Figure:
    """A character model: embedding, LSTM cell, output layer and loss at every step."""
    from microgradrnn import Tensor, scope
    from microgradrnn.draw import draw
    from microgradrnn.nn import Embedding, Linear, LSTMCell

    text = "hell"
    vocab = sorted(set(text))
    ids = [vocab.index(ch) for ch in text]
    emb, cell, head = Embedding(len(vocab), 3, seed=0), LSTMCell(3, 4, seed=1), Linear(4, len(vocab), seed=2)
    state = (Tensor(np.zeros((1, 4)), label="h0"), Tensor(np.zeros((1, 4)), label="c0"))
    losses = []
    for t in range(len(text) - 1):
        with scope(f"t={t}"):
            x = emb(np.array([ids[t]]))
            x.label = f"embed({text[t]!r})"
            state = cell(x, state)
            with scope("output"):
                losses.append(-head(state[0]).log_softmax(axis=-1)[0, ids[t + 1]])
    loss = losses[0]
    for term in losses[1:]:
        loss = loss + term
    loss.label = "loss"
    return graph_figure(
        draw(loss, detail="cell", shared="one", rankdir="TB"),
        'A character model on "hell": each character is embedded, read by the LSTM cell, and '
        "every step's output layer predicts the next character (h→e, e→l, l→l); the loss "
        "sums the three cross-entropies.",
    )


# --------------------------------------------------------------------------- module 13


@figure
def attention_graph() -> Figure:
    """Dot-product attention of one query over 4 encoder states, at the op level."""
    from microgradrnn import Tensor
    from microgradrnn.draw import draw

    rng = _rng(13)
    T, d = 4, 3
    K = Tensor(rng.normal(size=(T, d)), requires_grad=True, label="keys K")
    V = Tensor(rng.normal(size=(T, d)), requires_grad=True, label="values V")
    q = Tensor(rng.normal(size=(d,)), requires_grad=True, label="query q")
    scores = (K @ q) / float(np.sqrt(d))
    scores.label = "scores"
    alpha = scores.softmax(axis=-1)
    alpha.label = "alpha"
    context = alpha @ V
    context.label = "context"
    return graph_figure(
        draw(context, detail="op", show=("label", "op", "shape"), rankdir="TB"),
        "Dot-product attention of one query over T = 4 encoder states: scores <code>K @ q / "
        "√d</code>, weights <code>alpha = softmax(scores)</code>, and the context "
        "<code>alpha @ V</code>.",
    )


# --------------------------------------------------------------------------- how-to: draw


@figure
def lstm_grad_cell() -> Figure:
    """An LSTM over 12 steps at the cell level, boxes coloured by gradient magnitude."""
    from microgradrnn import Tensor
    from microgradrnn.draw import draw
    from microgradrnn.nn import LSTM

    lstm = LSTM(2, 3, seed=0)
    _, (h_n, c_n) = lstm(Tensor(_rng(14).normal(size=(12, 1, 2)), label="x"))
    (0.5 * (h_n * h_n).sum()).backward(retain_graph=True)
    return graph_figure(
        draw(h_n, detail="cell", grad_color=True, shared="one", rankdir="TB"),
        '<code>draw(h_n, detail="cell", grad_color=True)</code> for <code>nn.LSTM(2, 3)</code> '
        "over 12 steps after back-propagating ½‖h<sub>T</sub>‖²: each box is coloured by the "
        "norm of the gradient of that step's hidden state.",
    )


# --------------------------------------------------------------------------- challenge track


def _state_jacobian_norms(
    W: np.ndarray, b: np.ndarray, h0: np.ndarray, activation: str, T: int
) -> list[float]:
    """||d h_t / d h_0||_2 for t = 1..T of h_t = act(W h_{t-1} + b), each by one backward pass."""
    from microgradrnn import Tensor

    H, norms = len(h0), []
    for steps in range(1, T + 1):
        start = Tensor(np.tile(h0, (H, 1)), requires_grad=True)
        h = start
        for _ in range(steps):
            a = h @ Tensor(W.T) + Tensor(b)
            h = a.sigmoid() if activation == "sigmoid" else a.tanh()
        (h * Tensor(np.eye(H))).sum().backward()  # row k of the batch carries unit k's gradient
        norms.append(float(np.linalg.norm(start.grad, 2)))
    return norms


@figure
def gradient_regimes() -> Figure:
    """Four RNNs, one bound: gamma ||W|| > 1 allows exploding; whether it happens depends on the states."""
    from microgradrnn import plot

    H, T = 8, 30
    Q = np.linalg.qr(_rng(17).standard_normal((H, H)))[0]
    half, signs = np.full(H, 0.5), _rng(18).choice([-1.0, 1.0], size=H)
    series = {
        "sigmoid, ||W|| = 6, at a = 0": _state_jacobian_norms(6 * Q, -6 * Q @ half, half, "sigmoid", T),
        "sigmoid, ||W|| = 6, from a random state": _state_jacobian_norms(
            6 * Q, np.zeros(H), _rng(19).uniform(0, 1, H), "sigmoid", T),
        "tanh, ||W|| = 5, saturated": _state_jacobian_norms(5 * np.eye(H), 3 * signs, signs, "tanh", T),
        "tanh, ||W|| = 0.9": _state_jacobian_norms(0.9 * Q, np.zeros(H), 0.5 * signs, "tanh", T),
    }
    svg = plot.line_chart(series, log_y=True, x=list(range(1, T + 1)), xlabel="steps back t",
                          ylabel="||d h_t / d h_0||", title="gradient growth over t steps")
    end = {k: v[-1] for k, v in series.items()}
    return Figure(
        svg,
        "The largest singular value of ∂h<sub>t</sub>/∂h<sub>0</sub> of four RNNs "
        "h<sub>t</sub> = act(W h<sub>t−1</sub> + b) with no input, measured with the library's "
        "autograd. Both sigmoid RNNs have γ‖W‖ = ¼·6 = 1.5 &gt; 1: held at the fixed point where "
        f"every pre-activation is 0, the gradient grows to {end['sigmoid, ||W|| = 6, at a = 0']:.1e} "
        "after 30 steps; from a random state the units saturate and it falls to "
        f"{end['sigmoid, ||W|| = 6, from a random state']:.0e}. The saturated tanh RNN has "
        f"γ‖W‖ = 5 and still vanishes ({end['tanh, ||W|| = 5, saturated']:.0e}); only "
        "γ‖W‖ &lt; 1 (the last line) guarantees vanishing.",
    )


@figure
def perplexity_curve() -> Figure:
    """A small character model's held-out perplexity while it trains, against V."""
    import math

    from microgradrnn import plot
    from microgradrnn.data import load_text
    from microgradrnn.experiments.models import CharLM
    from microgradrnn.functional import cross_entropy
    from microgradrnn.graph import no_grad
    from microgradrnn.optim import Adam

    text = load_text()[:30_000]
    chars = sorted(set(text))
    ids, V = np.array([chars.index(c) for c in text]), len(chars)
    held_out = np.stack([ids[s : s + 65] for s in range(25_000, 29_000, 500)])
    model = CharLM(V, 16, 32, seed=16)
    optimizer, rng = Adam(model.parameters(), lr=0.01), _rng(16)

    def loss_of(batch: np.ndarray):  # noqa: ANN202 - a scalar Tensor
        scores, _ = model(batch[:, :-1])
        return cross_entropy(scores.reshape(-1, V), batch[:, 1:].reshape(-1))

    steps, ppl = [], []
    for step in range(121):
        if step % 10 == 0:
            with no_grad():
                ppl.append(math.exp(float(loss_of(held_out).data)))
            steps.append(step)
        starts = rng.integers(0, 24_000, 16)
        loss = loss_of(np.stack([ids[s : s + 65] for s in starts]))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    svg = plot.line_chart({"held-out perplexity": ppl, f"V = {V} (a uniform guess)": [V] * len(ppl)},
                          x=steps, xlabel="training step", ylabel="perplexity",
                          title="a character model learns")
    return Figure(
        svg,
        f"<code>CharLM({V}, 16, 32)</code> trained with Adam on the shipped text, its perplexity "
        f"exp(mean NLL) measured on held-out text every 10 steps. Before training it is "
        f"{ppl[0]:.1f}, near V = {V}, because a fresh model's scores are nearly equal and its "
        f"loss is near ln V = {math.log(V):.2f}; after 120 steps it is {ppl[-1]:.1f}.",
    )
