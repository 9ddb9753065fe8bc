from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import pytest

from microgradrnn.plot import bar_chart, line_chart, nice_ticks, save_svg

NS = "{http://www.w3.org/2000/svg}"


def _texts(svg: str) -> list[str]:
    return [el.text or "" for el in ET.fromstring(svg).iter(f"{NS}text")]


def test_line_chart_is_wellformed_and_deterministic():
    series = {"train <loss>": [2.0, 1.5, 1.2, 1.0], "val & test": [2.1, 1.7, 1.4, 1.3]}
    svg = line_chart(series, title="Loss", xlabel="step", ylabel="loss")
    root = ET.fromstring(svg)
    assert root.tag == f"{NS}svg"
    assert len(root.findall(f"{NS}polyline")) == 2
    assert {"Loss", "step", "loss", "train <loss>", "val & test"} <= set(_texts(svg))
    assert svg == line_chart(series, title="Loss", xlabel="step", ylabel="loss")


def test_linear_ticks_cover_the_data_with_round_steps():
    svg = line_chart({"a": [0.13, 0.92]})
    labels = [t for t in _texts(svg) if t and t[0].isdigit()]
    assert labels[:6] == ["0", "0.2", "0.4", "0.6", "0.8", "1.0"]
    for lo, hi in [(0.13, 0.92), (-3.0, 47.0), (1e-4, 3e-4), (5.0, 5.0)]:
        ticks = nice_ticks(lo, hi)
        assert ticks[0] <= lo and ticks[-1] >= hi and len(ticks) >= 2
        step = ticks[1] - ticks[0]
        mantissa = step / 10 ** math.floor(math.log10(step))
        assert any(math.isclose(mantissa, m) for m in (1, 2, 5))


def test_log_scale_has_a_tick_per_decade():
    norms = [0.5**t for t in range(30)]  # 1 down to ~1.9e-9
    svg = line_chart({"tanh": norms}, log_y=True)
    labels = _texts(svg)
    decades = ["1", "0.1", "0.01", "1e-3", "1e-4", "1e-5", "1e-6", "1e-7", "1e-8", "1e-9"]
    assert all(d in labels for d in decades)
    # Ticks sit at equal spacing: one decade is one fixed distance.
    root = ET.fromstring(svg)
    ys = {el.text: float(el.get("y")) for el in root.iter(f"{NS}text") if el.text in decades}
    gaps = [ys[a] - ys[b] for a, b in zip(decades[1:], decades[:-1])]
    assert max(gaps) - min(gaps) < 0.02 and gaps[0] > 0


def test_non_finite_values_leave_a_gap_and_a_mark():
    loss = [2.0, 1.5, math.nan, 1.2, math.inf, 1.0, 0.9]
    svg = line_chart({"loss": loss})
    root = ET.fromstring(svg)
    assert "nan" not in svg.lower().replace("nan or", "") and "inf\"" not in svg
    pieces = root.findall(f"{NS}polyline") + root.findall(f"{NS}circle")
    assert len(pieces) == 3  # [2.0, 1.5], [1.2], [1.0, 0.9]
    assert _texts(svg).count("\u00d7") == 2
    assert "\u00d7 = NaN or infinite" in _texts(svg)


def test_log_scale_marks_zero_and_negative_values():
    svg = line_chart({"g": [1.0, 0.1, 0.0, -1.0, 0.01]}, log_y=True)
    assert _texts(svg).count("\u00d7") == 2
    ET.fromstring(svg)


def test_all_nan_series_still_draws():
    ET.fromstring(line_chart({"diverged": [math.nan, math.nan]}))


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="at least one"):
        line_chart({})
    with pytest.raises(ValueError, match="'a' has 3 values but x has 2"):
        line_chart({"a": [1, 2, 3]}, x=[0, 1])
    with pytest.raises(ValueError, match="finite"):
        bar_chart({"a": math.nan})


def test_explicit_x_values():
    svg = line_chart({"a": [1.0, 2.0, 3.0]}, x=[10, 20, 30])
    assert {"10", "20", "30"} <= set(_texts(svg))


def test_bar_chart_and_save(tmp_path):
    svg = bar_chart({"forward": 0.91, "bidirectional": 0.99}, title="accuracy")
    root = ET.fromstring(svg)
    bars = [r for r in root.findall(f"{NS}rect") if r.get("fill") != "white"]
    assert len(bars) == 2
    assert float(bars[1].get("height")) > float(bars[0].get("height"))
    path = save_svg(svg, tmp_path / "figs" / "acc.svg")
    assert path.read_text(encoding="utf-8") == svg
