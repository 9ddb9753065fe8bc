"""MkDocs hook: numbers on the pages computed by the library when the site is built.

A page writes ``{{ num.gru_orders_lost }}`` where a number belongs; this hook replaces it by
the value that the function registered under that name returns (a string, ready to print).
Typed numbers drift from the code; these cannot. Each function runs at most once per build,
and only if some page asks for it.

Placeholders are replaced in the Markdown (so they work in text, tables and math) and again
in the HTML after the figures hook has inlined its figures, so a figure caption may quote
a number too (list this hook after ``docs_figures.py`` in ``mkdocs.yml``). An unknown name,
or a function that raises, fails the build: a page never shows a placeholder.

Seeds are fixed, so every build prints the same numbers.
"""

from __future__ import annotations

import logging
import math
import re
import sys
import zlib
from collections import Counter
from collections.abc import Callable
from functools import cache
from pathlib import Path

import numpy as np
from mkdocs.exceptions import PluginError

log = logging.getLogger("mkdocs.hooks.numbers")

PLACEHOLDER = re.compile(r"\{\{\s*num\.(?P<name>[A-Za-z0-9_]+)\s*\}\}")

NUMBERS: dict[str, Callable[[], str]] = {}


def number(fn: Callable[[], str]) -> Callable[[], str]:
    """Register ``fn`` under its own name, computed once per build."""
    NUMBERS[fn.__name__] = cache(fn)
    return fn


# --------------------------------------------------------------------------- formatting

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def sci(x: float, digits: int = 2) -> str:
    """``x`` as ``m × 10ᵉ`` with ``digits`` significant digits (``1.9 × 10³``, ``3.4 × 10⁻⁶``)."""
    if x == 0 or not math.isfinite(x):
        return f"{x:g}"
    exponent = math.floor(math.log10(abs(x)))
    mantissa = round(x / 10**exponent, digits - 1)
    if abs(mantissa) >= 10:  # rounding carried into the next power of ten
        mantissa, exponent = mantissa / 10, exponent + 1
    return f"{mantissa:.{digits - 1}f} × 10{str(exponent).translate(_SUPERSCRIPT)}"


def count(n: int) -> str:
    """An integer with thousands separators: ``12,111``."""
    return f"{n:,}"


def fixed(x: float, decimals: int = 1) -> str:
    return f"{x:.{decimals}f}"


# --------------------------------------------------------------------------- module 7: fresh layers


@cache
def _fresh_layers():
    """The experiment drawn in module 7's figure ``gradient_norms``, with the same arguments."""
    from microgradrnn.experiments import gradient_norms

    return gradient_norms(T=100, hidden_size=32, seed=0)


def _orders_lost(cell: str) -> float:
    return -math.log10(_fresh_layers().decay_ratio(cell))


@number
def rnn_orders_lost() -> str:
    """Orders of magnitude a fresh tanh RNN's gradient loses over the figure's 100 steps."""
    return fixed(_orders_lost("rnn"))


@number
def lstm_orders_lost() -> str:
    return fixed(_orders_lost("lstm"))


@number
def gru_orders_lost() -> str:
    return fixed(_orders_lost("gru"))


@cache
def _rnn_weight_grad_split(far: int = 50) -> tuple[float, float]:
    """``(‖∂L/∂W_hh‖, share of it from the first ``far`` steps)`` for module 7's tanh RNN.

    Same inputs and cell as the figure. The step-t term of BPTT is
    ``(dL/da_t)^T h_{t-1}`` with ``dL/da_t = dL/dh_t * (1 - h_t^2)``; the terms are summed
    by hand, and their sum is checked against autograd's ``weight_hh.grad``.
    """
    from microgradrnn import Tensor
    from microgradrnn.nn import RNNCell

    T, B, I, H = 100, 8, 4, 32
    rng = np.random.default_rng(0)
    xs = rng.standard_normal((T, B, I))
    cell = RNNCell(I, H, seed=rng)
    h, hs = None, []
    for t in range(T):
        h = cell(Tensor(xs[t]), h)
        hs.append(h)
    hs[-1].sum().backward()
    prev = [np.zeros((B, H))] + [s.data for s in hs[:-1]]
    terms = [(s.grad * (1 - s.data**2)).T @ p for s, p in zip(hs, prev)]
    total = np.sum(terms, axis=0)
    if not np.allclose(total, cell.weight_hh.grad, rtol=1e-9, atol=1e-12):
        raise AssertionError("per-step BPTT terms do not add up to autograd's weight_hh.grad")
    far_part = np.sum(terms[:far], axis=0)
    return float(np.linalg.norm(total)), float(np.linalg.norm(far_part) / np.linalg.norm(total))


@number
def rnn_whh_grad_norm() -> str:
    """‖∂L/∂W_hh‖ of module 7's fresh tanh RNN: not near zero."""
    return fixed(_rnn_weight_grad_split()[0], 2)


@number
def rnn_whh_grad_far_share() -> str:
    """The share of ‖∂L/∂W_hh‖ that the first 50 of 100 steps contribute."""
    return sci(_rnn_weight_grad_split()[1])


# --------------------------------------------------------------------------- module 7: exercise 7.4's RNN


def failure_ratio(scale: float, T: int = 30, seed: int = 0) -> float:
    """``‖dL/dh_0‖ / ‖dL/dh_{T-1}‖`` for exercise 7.4's RNN (``failure_experiment``), by the library.

    The recipe is the one ``failure_experiment`` documents: H = 8, ``weight_hh = scale * Q``
    with Q orthogonal, inputs of size 0.01, zero bias, loss ``h_{T-1}.sum()``.
    """
    from microgradrnn import Tensor
    from microgradrnn.nn import rnn_cell

    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.standard_normal((8, 8)))
    weight_ih = Tensor(rng.standard_normal((8, 1)), requires_grad=True)
    x = 0.01 * rng.standard_normal((T, 1, 1))
    weight_hh = Tensor(scale * q, requires_grad=True)
    h, hs = Tensor(np.zeros((1, 8))), []
    for t in range(T):
        h = rnn_cell(Tensor(x[t]), h, weight_ih, weight_hh)
        hs.append(h)
    h.sum().backward()
    return float(np.linalg.norm(hs[0].grad) / np.linalg.norm(hs[-1].grad))


def _failure(scale: float) -> Callable[[], str]:
    def compute() -> str:
        return sci(failure_ratio(scale))

    compute.__name__ = "tanh_ratio_scale_" + f"{scale:g}".replace(".", "_")
    return compute


for _scale in (0.5, 1.5, 2, 3, 5, 10):
    number(_failure(_scale))


# --------------------------------------------------------------------------- module 2: sigmoid RNN


def sigmoid_growth(norm: float = 6.0, T: int = 30, H: int = 8, seed: int = 0) -> float:
    """``‖dL/dh_0‖ / ‖dL/dh_{T-1}‖`` of a sigmoid RNN whose recurrent weight has norm ``norm``.

    ``W = norm * Q`` (Q orthogonal, so ‖W‖ = ``norm``) and the bias ``-W @ ½`` put the state
    at h = ½, where sigmoid' = ¼ = γ: each step back multiplies the gradient's norm by
    exactly γ‖W‖. Without input the state stays there for all T steps.
    """
    from microgradrnn import Tensor

    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.standard_normal((H, H)))
    W = Tensor(norm * q, requires_grad=True)
    b = Tensor(-(norm * q) @ np.full(H, 0.5), requires_grad=True)
    h, hs = Tensor(np.full((1, H), 0.5)), []
    for _ in range(T):
        h = (h @ W.T + b).sigmoid()  # rnn_cell offers tanh and relu only
        hs.append(h)
    h.sum().backward()
    return float(np.linalg.norm(hs[0].grad) / np.linalg.norm(hs[-1].grad))


@number
def sigmoid_growth_w6() -> str:
    """How much a sigmoid RNN with ‖W‖ = 6 grows its gradient over 30 steps."""
    return sci(sigmoid_growth(6.0))


@number
def sigmoid_growth_w2() -> str:
    """The same RNN with ‖W‖ = 2 (γ‖W‖ = ½): the gradient vanishes."""
    return sci(sigmoid_growth(2.0))


@number
def quarter_to_the_ten() -> str:
    return sci(0.25**10)


# --------------------------------------------------------------------------- parameter counts


def _params(module) -> int:
    return int(sum(p.data.size for p in module.parameters()))


def _cell(kind: str, I: int, H: int, bias: bool = True):
    from microgradrnn.nn import GRUCell, LSTMCell, RNNCell

    return {"rnn": RNNCell, "lstm": LSTMCell, "gru": GRUCell}[kind](I, H, bias=bias, seed=0)


_GATES = {"rnn": 1, "lstm": 4, "gru": 3}


def _torch_count(kind: str, I: int = 32, H: int = 32) -> int:
    """The library's (= PyTorch's) cell: two bias vectors per gate block."""
    return _params(_cell(kind, I, H))


def _keras_count(kind: str, I: int = 32, H: int = 32) -> int:
    """Keras' SimpleRNN / LSTM / GRU(reset_after=False): one bias vector per gate block.

    Counted as the library's cell without biases plus one bias of G*H numbers.
    """
    return _params(_cell(kind, I, H, bias=False)) + _GATES[kind] * H


for _kind in ("rnn", "lstm", "gru"):
    NUMBERS[f"torch_{_kind}_params"] = cache(lambda k=_kind: count(_torch_count(k)))
    NUMBERS[f"keras_{_kind}_params"] = cache(lambda k=_kind: count(_keras_count(k)))


@number
def keras_gru_reset_after_params() -> str:
    """Keras GRU(32, reset_after=True), TF2's default: a (2, 3H) bias, PyTorch's count."""
    return count(_torch_count("gru"))


@number
def lstm_over_rnn_torch() -> str:
    return f"{_torch_count('lstm') / _torch_count('rnn'):g}"


@number
def lstm_over_rnn_keras() -> str:
    return f"{_keras_count('lstm') / _keras_count('rnn'):g}"


# --------------------------------------------------------------------------- module 11: hashing


@cache
def _words() -> list[str]:
    """The shipped text's words, cut as exercise 11.1 cuts them."""
    from microgradrnn.data import load_text

    return re.findall(r"[\w']+", load_text().lower())


@cache
def hash_collisions(num_buckets: int) -> dict[str, float]:
    """Collisions of the shipped text's distinct words in ``num_buckets`` crc32 buckets.

    ``tokens``: distinct words without a bucket of their own, ``n - (buckets used)``, as
    exercise 11.5 counts. ``pairs``: pairs of distinct words that share a bucket,
    ``sum C(k, 2)`` over the buckets; ``expected_pairs``: ``C(n, 2) / N``, the page's formula.
    """
    distinct = sorted(set(_words()))
    n = len(distinct)
    sizes = Counter(zlib.crc32(w.encode("utf-8")) % num_buckets for w in distinct)
    return {
        "tokens": n - len(sizes),
        "pairs": sum(k * (k - 1) // 2 for k in sizes.values()),
        "expected_pairs": n * (n - 1) / 2 / num_buckets,
    }


@number
def text_words() -> str:
    return count(len(_words()))


@number
def text_distinct_words() -> str:
    return count(len(set(_words())))


for _N, _tag in ((1000, "1k"), (10_000, "10k"), (100_000, "100k")):
    for _what in ("tokens", "pairs"):
        NUMBERS[f"hash_{_what}_{_tag}"] = cache(lambda N=_N, w=_what: count(int(hash_collisions(N)[w])))
    NUMBERS[f"hash_expected_pairs_{_tag}"] = cache(
        lambda N=_N: count(round(hash_collisions(N)["expected_pairs"]))
    )


# --------------------------------------------------------------------------- module 0


@number
def text_characters() -> str:
    """Distinct characters of the shipped text: a categorical alphabet."""
    from microgradrnn.data import load_text

    return count(len(set(load_text())))


@number
def series_distinct_values() -> str:
    """Distinct values of module 0's synthetic series: discrete time, real values."""
    from microgradrnn.data import synthetic_series

    s = synthetic_series(length=240, seed=3, trend=0.02, season_period=12, cycle_period=60.0)
    return count(len(np.unique(s.series)))


@cache
def _ar_non_normal() -> np.ndarray:
    """AR(2) fitted by least squares to 20,000 steps driven by uniform (non-normal) noise."""
    from microgradrnn.experiments import ar_fit

    rng = np.random.default_rng(0)
    phi1, phi2 = 0.5, -0.3
    n = 20_000
    e = rng.uniform(-1, 1, n)
    x = np.zeros(n)
    for t in range(2, n):
        x[t] = phi1 * x[t - 1] + phi2 * x[t - 2] + e[t]
    return ar_fit(x, 2)


@number
def ar_uniform_phi1() -> str:
    return fixed(_ar_non_normal()[1], 3)


@number
def ar_uniform_phi2() -> str:
    return fixed(_ar_non_normal()[2], 3)


@cache
def _random_walk_fit() -> float:
    """AR(1) slope fitted to a random walk (not stationary): it lands on the unit root, 1."""
    from microgradrnn.experiments import ar_fit

    walk = np.cumsum(np.random.default_rng(1).standard_normal(5000))
    return float(ar_fit(walk, 1)[1])


@number
def random_walk_phi() -> str:
    return fixed(_random_walk_fit(), 3)


# --------------------------------------------------------------------------- module 1


@number
def double_backward_grad() -> str:
    """x.grad after calling y.backward() twice for y = x*x*x at x = 3 (27 each time)."""
    from microgradrnn import Value

    x = Value(3.0)
    y = x * x * x
    y.backward()
    y.backward()
    return f"{x.grad:g}"


# --------------------------------------------------------------------------- module 5


@number
def fed_back_probabilities() -> str:
    """The softmax an untrained one-to-many model would feed back after its first step."""
    from microgradrnn import Tensor, no_grad
    from microgradrnn.nn import Linear, RNNCell

    cell, head = RNNCell(3, 4, seed=0), Linear(4, 3, seed=1)
    with no_grad():
        x = Tensor(np.eye(3)[[0]])
        probs = head(cell(x, None)).softmax(axis=-1).data[0]
    return "[" + ", ".join(f"{p:.2f}" for p in probs) + "]"


# --------------------------------------------------------------------------- module 10


@cache
def dropout_runs(kind: str, p: float = 0.5, T: int = 20, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The last hidden states (B, H) under two recurrent-dropout rules, one mask per sequence.

    Rule A (the library's, Gal & Ghahramani): the mask multiplies h only on its way into
    the recurrent product (``h_mask=``). Rule B: the mask multiplies the whole carried state
    before the step (``cell(x, h * mask)``; for an LSTM both h and c). For a plain RNN h
    enters only through that product, so the two agree there.
    """
    from microgradrnn import Tensor, no_grad
    from microgradrnn.functional import dropout_mask
    from microgradrnn.nn import gru_cell, lstm_cell, rnn_cell

    rng = np.random.default_rng(seed)
    I, H, B = 3, 6, 4
    cell = _cell(kind, I, H)
    params = (cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)
    step = {"rnn": rnn_cell, "lstm": lstm_cell, "gru": gru_cell}[kind]
    xs = rng.standard_normal((T, B, I))
    mask = dropout_mask((B, H), p, rng)
    zeros = Tensor(np.zeros((B, H)))
    a = b = (zeros, zeros) if kind == "lstm" else zeros
    with no_grad():
        for t in range(T):
            x = Tensor(xs[t])
            a = step(x, a, *params, h_mask=mask)
            b = step(x, (b[0] * mask, b[1] * mask) if kind == "lstm" else b * mask, *params)
    if kind == "lstm":
        a, b = a[0], b[0]
    return a.data, b.data


def _gap(kind: str) -> float:
    a, b = dropout_runs(kind)
    return float(np.abs(a - b).max())


for _kind in ("rnn", "lstm", "gru"):
    NUMBERS[f"dropout_gap_{_kind}"] = cache(lambda k=_kind: f"{_gap(k):.2g}")


@number
def dropout_gru_state_max_library() -> str:
    return fixed(float(np.abs(dropout_runs("gru")[0]).max()), 2)


@number
def dropout_gru_state_max_carried() -> str:
    return sci(float(np.abs(dropout_runs("gru")[1]).max()))


# --------------------------------------------------------------------------- module 12


@number
def softmax2_sigmoid_gap() -> str:
    """max |softmax([z0, z1])_1 - sigmoid(z1 - z0)| over 1000 random logit pairs."""
    from microgradrnn import Tensor

    z = np.random.default_rng(0).normal(scale=5, size=(1000, 2))
    soft = Tensor(z).softmax(axis=-1).data[:, 1]
    sig = Tensor(z[:, 1] - z[:, 0]).sigmoid().data
    gap = float(np.abs(soft - sig).max())
    return sci(gap, 1) if gap else "0"


# --------------------------------------------------------------------------- the hook


def value(name: str, where: str) -> str:
    """The text for ``{{ num.<name> }}`` on page ``where``."""
    if name not in NUMBERS:
        known = ", ".join(sorted(NUMBERS))
        raise PluginError(f"{where}: unknown number {name!r} (known: {known})")
    try:
        return NUMBERS[name]()
    except Exception as exc:
        raise PluginError(f"{where}: number {name!r} failed: {exc!r}") from exc


def fill(text: str, where: str) -> str:
    """``text`` with every ``{{ num.NAME }}`` replaced by its computed value."""
    return PLACEHOLDER.sub(lambda m: value(m.group("name"), where), text)


def on_config(config):
    root = str(Path(config.config_file_path).resolve().parent)
    # Build from a plain checkout too: the library is importable from the repo root.
    if root not in sys.path:
        sys.path.insert(0, root)
    return config


def on_page_markdown(markdown: str, page, config, files):  # noqa: ARG001 (hook signature)
    return fill(markdown, page.file.src_uri)


def on_page_content(html_text: str, page, config, files):  # noqa: ARG001 (hook signature)
    # Figures are inlined into the HTML after the Markdown stage: their captions are filled here.
    return fill(html_text, page.file.src_uri)
