"""The benchmark scripts still run against the library as it is (nothing here is timed)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def _load(name: str):  # noqa: ANN202 - a module
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_the_drawing_benchmark_draws_and_renders_one_small_case():
    bench = _load("bench_draw")
    try:
        case = bench._case("op", 1, "wasm", repeat=1)
    except Exception as err:  # the renderer itself missing is not the script's fault
        if type(err).__name__ == "GraphvizNotFoundError":
            pytest.skip(str(err))
        raise
    assert case["nodes"] > 10 and case["total_s"] > 0


def test_the_lstm_benchmark_agrees_with_its_numpy_lstm():
    bench = _load("bench_lstm")
    assert bench.check_same_numbers(seed=1) < 1e-10
