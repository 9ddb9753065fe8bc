"""Drawing time: an op-level LSTM at T=8 and a cell-level LSTM at T=100, SVG included.

Each case builds the graph (forward and backward of 0.5*||h_T||^2 through nn.LSTM with
hidden size 3), draws it with gradient colours and renders SVG, once with the Graphviz
``dot`` program (when installed) and once with the WebAssembly Graphviz. Aim: under 3 s
each. The WebAssembly renderer's one-off start-up (about 1 s) is measured separately.

    python benchmarks/bench_draw.py
"""

from __future__ import annotations

import importlib
import shutil
import time
from typing import Any

from microgradrnn.draw import draw
from microgradrnn.draw.command import build

draw_module = importlib.import_module("microgradrnn.draw.rendering")  # the WebAssembly renderer too

CASES = (("op-level LSTM T=8", "op", 8), ("cell-level LSTM T=100", "cell", 100))


def _best_of(fn: Any, repeat: int) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def _case(detail: str, steps: int, renderer: str, repeat: int) -> dict[str, float]:
    def graph_and_dot() -> Any:
        root = build("lstm", steps, hidden=3, input_size=2, seed=0, grad=True)
        return draw(root, detail=detail, grad_color=True)

    build_s, drawing = _best_of(graph_and_dot, repeat)
    if renderer == "wasm":
        render_s, svg = _best_of(lambda: draw_module._render_wasm(drawing.source, "dot"), repeat)
    else:
        render_s, svg = _best_of(lambda: draw_module.render(drawing, "svg"), repeat)
    assert b"<svg" in svg
    return {"nodes": drawing.node_count, "build_s": build_s, "render_s": render_s,
            "total_s": build_s + render_s}


def run(repeat: int = 3) -> dict[str, Any]:
    """Times in seconds (best of ``repeat``) for every case and renderer available."""
    results: dict[str, Any] = {}
    start = time.perf_counter()
    draw_module._render_wasm("digraph { a -> b }", "dot")
    results["wasm startup_s"] = time.perf_counter() - start
    renderers = (["dot"] if shutil.which("dot") else []) + ["wasm"]
    for name, detail, steps in CASES:
        for renderer in renderers:
            results[f"{name} ({renderer})"] = _case(detail, steps, renderer, repeat)
    return results


def main() -> None:
    results = run()
    print(f"WebAssembly Graphviz start-up (first call): {results.pop('wasm startup_s'):.2f} s")
    print(f"{'case':<34} {'nodes':>6} {'graph+DOT':>10} {'SVG':>8} {'total':>8}")
    for name, r in results.items():
        flag = "" if r["total_s"] < 3.0 else "   (over the 3 s aim)"
        print(f"{name:<34} {r['nodes']:>6} {r['build_s']:>9.3f}s {r['render_s']:>7.3f}s "
              f"{r['total_s']:>7.3f}s{flag}")


if __name__ == "__main__":
    main()
