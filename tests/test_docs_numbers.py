"""The numbers hook: placeholders on the pages become numbers the library computes."""

from __future__ import annotations

import importlib.util
import math
import re
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

pytest.importorskip("mkdocs")

from mkdocs.exceptions import PluginError  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
HOOKS = ROOT / "docs" / "_hooks"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, HOOKS / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


numbers = _load("docs_numbers")


def test_placeholder_is_replaced_in_text_and_in_a_figure_caption() -> None:
    md = "tanh RNN: {{ num.rnn_orders_lost }} orders; LSTM {{num.lstm_orders_lost}}."
    out = numbers.fill(md, "p.md")
    assert "{{" not in out and re.fullmatch(r"tanh RNN: \d+\.\d orders; LSTM \d+\.\d\.", out), out
    caption = "<figcaption>falls by {{ num.gru_orders_lost }} orders</figcaption>"
    assert re.fullmatch(r"<figcaption>falls by \d+\.\d orders</figcaption>", numbers.fill(caption, "p.md"))


def test_unknown_number_fails_the_build_naming_the_page() -> None:
    with pytest.raises(PluginError, match="p.md.*no_such_number"):
        numbers.fill("{{ num.no_such_number }}", "p.md")


def test_number_that_raises_fails_the_build(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> str:
        raise RuntimeError("boom")

    monkeypatch.setitem(numbers.NUMBERS, "broken", broken)
    with pytest.raises(PluginError, match="broken.*boom"):
        numbers.fill("{{ num.broken }}", "p.md")


def test_orders_lost_are_the_figure_experiment() -> None:
    from microgradrnn.experiments import gradient_norms

    r = gradient_norms(T=100, hidden_size=32, seed=0)
    for cell in ("rnn", "lstm", "gru"):
        want = f"{-math.log10(r.norms[cell][0] / r.norms[cell][-1]):.1f}"
        assert numbers.NUMBERS[f"{cell}_orders_lost"]() == want
    # The claims the pages make from them: the GRU loses nearly as much as the RNN, the LSTM far less.
    rnn, gru, lstm = (float(numbers.NUMBERS[f"{c}_orders_lost"]()) for c in ("rnn", "gru", "lstm"))
    assert lstm < gru < rnn and rnn - gru < 5 and gru - lstm > 5


def test_sci_format() -> None:
    assert numbers.sci(1930.0) == "1.9 × 10³"
    assert numbers.sci(9.54e-7) == "9.5 × 10⁻⁷"
    assert numbers.sci(9.96e2) == "1.0 × 10³"  # rounding carries into the next power


def test_sigmoid_rnn_grows_by_gamma_norm_per_step() -> None:
    # At h = 1/2 every step back multiplies the gradient by exactly sigmoid'(0) * ||W|| = 1.5.
    assert numbers.sigmoid_growth(6.0, T=30) == pytest.approx(1.5**29, rel=1e-9)
    assert numbers.sigmoid_growth(2.0, T=30) == pytest.approx(0.5**29, rel=1e-9)


def test_large_tanh_weight_vanishes_through_saturation() -> None:
    assert numbers.failure_ratio(0.5) < 1e-3
    assert numbers.failure_ratio(3.0) > 1e3
    assert numbers.failure_ratio(5.0) < 1e-3 and numbers.failure_ratio(10.0) < 1e-3


def test_long_range_share_of_the_weight_gradient_is_tiny_but_the_total_is_not() -> None:
    assert float(numbers.NUMBERS["rnn_whh_grad_norm"]()) > 1.0
    share = numbers._rnn_weight_grad_split()[1]
    assert 0 < share < 1e-6


def test_hash_collisions_count_pairs_and_tokens_by_hand() -> None:
    import zlib
    from collections import defaultdict

    from microgradrnn.data import load_text

    words = set(re.findall(r"[\w']+", load_text().lower()))
    slots: dict[int, set[str]] = defaultdict(set)
    for w in words:
        slots[zlib.crc32(w.encode("utf-8")) % 1000].add(w)
    pairs = sum(len(s) * (len(s) - 1) // 2 for s in slots.values())
    got = numbers.hash_collisions(1000)
    assert got["tokens"] == len(words) - len(slots) and got["pairs"] == pairs
    assert got["tokens"] < got["pairs"]  # the two definitions really differ at N = 1000
    assert numbers.hash_collisions(100_000)["pairs"] > 0  # N >> n still collides


def test_parameter_counts_keras_and_pytorch() -> None:
    n = numbers.NUMBERS
    # Keras LSTM(32) on 32 features: 4 * (32*32 + 32*32 + 32); PyTorch adds a second bias.
    assert n["keras_lstm_params"]() == "8,320" and n["torch_lstm_params"]() == "8,448"
    assert n["keras_rnn_params"]() == "2,080" and n["torch_rnn_params"]() == "2,112"
    assert n["keras_gru_params"]() == "6,240" and n["keras_gru_reset_after_params"]() == "6,336"
    assert n["lstm_over_rnn_keras"]() == n["lstm_over_rnn_torch"]() == "4"


def test_recurrent_dropout_rules_agree_for_rnn_only() -> None:
    a, b = numbers.dropout_runs("rnn")
    assert np.array_equal(a, b)
    for kind in ("gru", "lstm"):
        a, b = numbers.dropout_runs(kind)
        assert np.abs(a - b).max() > 0.1, kind
    gru_library, gru_carried = numbers.dropout_runs("gru")
    assert np.abs(gru_library).max() < 1 < np.abs(gru_carried).max()


def test_double_backward_accumulates() -> None:
    assert numbers.NUMBERS["double_backward_grad"]() == "54"


def test_every_placeholder_on_the_pages_is_known() -> None:
    for page in sorted((ROOT / "docs").rglob("*.md")):
        for name in numbers.PLACEHOLDER.findall(page.read_text(encoding="utf-8")):
            assert name in numbers.NUMBERS, f"{page.relative_to(ROOT)}: unknown number {name!r}"
