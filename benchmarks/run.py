"""Every benchmark in one command, one table: ``python benchmarks/run.py [--only NAME] [--json FILE]``.

Imports each ``benchmarks/bench_<name>.py`` that exists, calls its ``run()`` (a dict of
numbers: milliseconds, seconds, ratios), and prints one table: the headline ratios with
their aims first in each group, then every other number the benchmark returned. A
benchmark whose file is missing is reported as "not available"; one that fails is
reported with its error, and the others still run.

BLAS is limited to one thread (set ``OPENBLAS_NUM_THREADS`` etc. yourself to change it):
on a busy two-core machine oversubscribed BLAS threads make small matrix products many
times slower, which would measure the thread pool rather than the code.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # before anything loads numpy's BLAS

import argparse  # noqa: E402
import importlib  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

HERE = Path(__file__).resolve().parent

BENCHMARKS = {
    "engine": "scalar Value vs micrograd; Tensor MLP step vs numpy",
    "lstm": "nn.LSTM forward+backward vs numpy by hand and torch; T=512 vs T=64",
    "draw": "drawing an op-level LSTM (T=8) and a cell-level LSTM (T=100), SVG included",
    "grading": "grading the whole solutions/ folder: a judge per module, the code in the sandbox",
}
"""Benchmark name -> what it measures; the module is ``benchmarks/bench_<name>.py``."""

# (benchmark, key of run()'s dict, label, aim): the numbers the closing notes quote.
HEADLINES: list[tuple[str, str, str, str]] = [
    ("engine", "value_speedup_vs_micrograd", "Value throughput / micrograd's (MLP 8-16-16-1)", ">= 2x"),
    ("engine", "rnn_speedup_vs_micrograd", "Value throughput / micrograd's (ReLU RNN 8 x 80 steps)", ">= 2x"),
    ("engine", "mlp_tensor_over_numpy", "Tensor MLP step time / numpy's (B=64, W=256)", "<= 1.2x"),
    ("lstm", "lstm_ours_over_numpy", "LSTM time / numpy by hand (B=32 I=32 H=128 T=64)", "<= 1.25x"),
    ("lstm", "lstm_ours_over_torch_float64", "LSTM time / torch float64", ""),
    ("lstm", "lstm_ours_over_torch_float32", "LSTM time / torch float32", ""),
    ("lstm", "lstm_T512_over_T64", "LSTM time at T=512 / at T=64", "8x +-15%"),
    ("lstm", "lstm_numpy_T512_over_T64", "numpy LSTM time at T=512 / at T=64", ""),
    ("lstm", "lstm_peak_T512_ours_over_numpy", "LSTM peak memory at T=512 / numpy's", "<= 1.5x"),
    ("draw", "op-level LSTM T=8 (dot): total_s", "op-level LSTM T=8, graph + SVG (dot)", "< 3 s"),
    ("draw", "op-level LSTM T=8 (wasm): total_s", "op-level LSTM T=8, graph + SVG (wasm)", "< 3 s"),
    ("draw", "cell-level LSTM T=100 (dot): total_s", "cell-level LSTM T=100, graph + SVG (dot)", "< 3 s"),
    ("draw", "cell-level LSTM T=100 (wasm): total_s", "cell-level LSTM T=100, graph + SVG (wasm)", "< 3 s"),
    ("grading", "grade_solutions_s", "grade all of solutions/", "< 30 s"),
]


def _unit(key: str) -> str:
    if key.endswith("_ms"):
        return "ms"
    if key.endswith("_s"):
        return "s"
    if "_over_" in key or "speedup" in key or key.endswith("_ratio"):
        return "x"
    return ""


def _fmt(value: Any, unit: str) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if unit == "x":
        return f"{value:.2f}x"
    if float(value).is_integer() and not unit:
        return f"{int(value)}"
    text = f"{value:.3g}" if abs(value) < 1e-3 and value else f"{value:.3f}".rstrip("0").rstrip(".")
    return f"{text} {unit}".strip()


def flatten(results: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested dicts of results as one level, keys joined with ": " ("case (dot): total_s")."""
    flat: dict[str, Any] = {}
    for key, value in results.items():
        if isinstance(value, dict):
            flat.update(flatten(value, f"{prefix}{key}: "))
        else:
            flat[prefix + key] = value
    return flat


def run_benchmark(name: str) -> dict[str, Any]:
    """``{"status": "ok", "results": {...}, "seconds": s}``, or status "not available" / "error"."""
    module_name = f"bench_{name}"
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as err:
        if err.name == module_name:
            return {"status": "not available", "detail": f"benchmarks/{module_name}.py not found"}
        return {"status": "error", "detail": f"import failed: {err}"}
    if not hasattr(module, "run"):
        return {"status": "error", "detail": f"benchmarks/{module_name}.py has no run()"}
    start = time.perf_counter()
    try:
        results = module.run()
    except Exception as err:  # one broken benchmark must not hide the others
        traceback.print_exc()
        return {"status": "error", "detail": f"{type(err).__name__}: {err}"}
    return {"status": "ok", "results": dict(results), "seconds": time.perf_counter() - start}


def table_rows(name: str, outcome: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(benchmark, measurement, value, aim) rows: headlines first, then every other number."""
    if outcome["status"] != "ok":
        return [(name, outcome["status"], outcome["detail"], "")]
    results = flatten(outcome["results"])
    rows, shown = [], set()
    for bench, key, label, aim in HEADLINES:
        if bench == name and key in results:
            rows.append((name, label, _fmt(results[key], _unit(key)), aim))
            shown.add(key)
    for key, value in results.items():
        if key not in shown:
            rows.append((name, key, _fmt(value, _unit(key)), ""))
    rows.append((name, "(benchmark's own run time)", _fmt(outcome["seconds"], "s"), ""))
    return rows


def format_table(rows: list[tuple[str, str, str, str]]) -> str:
    """Rows as an aligned plain-text table with a header and a rule under it."""
    header = ("benchmark", "measurement", "value", "aim")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(header, widths)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    previous = None
    for row in rows:
        cells = (row[0] if row[0] != previous else "",) + row[1:]
        previous = row[0]
        lines.append("  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip())
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run every benchmark and print one table of results.")
    parser.add_argument("--only", action="append", choices=sorted(BENCHMARKS), metavar="NAME",
                        help=f"run only this benchmark (repeatable); one of {', '.join(BENCHMARKS)}")
    parser.add_argument("--json", metavar="FILE", help="also write every number to FILE as JSON")
    args = parser.parse_args(argv)
    names = [n for n in BENCHMARKS if not args.only or n in args.only]
    outcomes, rows = {}, []
    for name in names:
        print(f"running {name}: {BENCHMARKS[name]} ...", file=sys.stderr, flush=True)
        outcomes[name] = run_benchmark(name)
        rows += table_rows(name, outcomes[name])
    print(format_table(rows))
    if args.json:
        import numpy as np

        record = {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
            "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
            "benchmarks": outcomes,
        }
        Path(args.json).write_text(json.dumps(record, indent=2, default=float) + "\n", encoding="utf-8")
        print(f"wrote {args.json}", file=sys.stderr)
    return 1 if any(o["status"] == "error" for o in outcomes.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
