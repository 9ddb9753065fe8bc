"""LSTM benchmark: our ``nn.LSTM`` vs the same math hand-written in numpy vs ``torch.nn.LSTM``.

Run: ``python benchmarks/bench_lstm.py`` (torch is optional; without it its rows are skipped);
``python benchmarks/bench_lstm.py --sizes`` prints the peak memory for five layer sizes.

One forward pass over the sequence and one backward pass (gradients of every weight,
upstream gradient of the whole output), at B=32, I=32, H=128, T=64:

* ours: ``microgradrnn.nn.LSTM`` in float64, the graph built step by step;
* numpy: the same equations and their back-propagation through time written out by hand
  (:func:`numpy_lstm`), float64, one matrix product per weight per step, as ours;
* torch: ``torch.nn.LSTM`` on the CPU in float64 and float32.

The implementations take turns inside every round and the best round counts, so a busy
machine slows them alike. Ours and numpy also run at T=512 in rounds of their own: eight
times the steps should cost eight times the time. Peak memory of one forward+backward at
T=512 is measured with ``tracemalloc`` in a fresh process for ours and for numpy.

Everything runs on one core: run as a script, BLAS is limited to one thread (set
``OPENBLAS_NUM_THREADS`` yourself to change it) and torch to one intra-op thread, so the
comparison is of implementations, not of thread pools (oversubscribed BLAS threads on a
busy 2-core machine made one 32x128x512 matmul 10x slower here).
"""

from __future__ import annotations

import os

if __name__ == "__main__":
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy loads its BLAS

import gc  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from collections.abc import Callable  # noqa: E402

import numpy as np  # noqa: E402

from microgradrnn import Tensor  # noqa: E402
from microgradrnn.nn import LSTM  # noqa: E402

B, I, H, T = 32, 32, 128, 64


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def numpy_lstm(
    x: np.ndarray, w_ih: np.ndarray, w_hh: np.ndarray, b_ih: np.ndarray, b_hh: np.ndarray, d_out: np.ndarray
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Forward over ``x`` (T, B, I) from a zero state, then BPTT of sum(d_out * output).

    Returns the output (T, B, H) and the gradients of the four parameters.
    """
    steps, batch, _ = x.shape
    hidden = w_hh.shape[1]
    h, c = np.zeros((batch, hidden)), np.zeros((batch, hidden))
    out, cache = np.empty((steps, batch, hidden)), []
    for t in range(steps):
        z = x[t] @ w_ih.T + b_ih + h @ w_hh.T + b_hh
        i, f = _sigmoid(z[:, :hidden]), _sigmoid(z[:, hidden : 2 * hidden])
        g, o = np.tanh(z[:, 2 * hidden : 3 * hidden]), _sigmoid(z[:, 3 * hidden :])
        c_new = f * c + i * g
        tc = np.tanh(c_new)
        cache.append((h, c, i, f, g, o, tc))
        h, c = o * tc, c_new
        out[t] = h
    grads = {k: np.zeros_like(v) for k, v in (("weight_ih", w_ih), ("weight_hh", w_hh), ("bias", b_ih))}
    dh_next, dc_next = np.zeros((batch, hidden)), np.zeros((batch, hidden))
    for t in reversed(range(steps)):
        h_prev, c_prev, i, f, g, o, tc = cache[t]
        dh = d_out[t] + dh_next
        dc = dc_next + dh * o * (1.0 - tc * tc)
        dz = np.concatenate(
            [dc * g * i * (1 - i), dc * c_prev * f * (1 - f), dc * i * (1 - g * g), dh * tc * o * (1 - o)],
            axis=1,
        )
        grads["weight_ih"] += dz.T @ x[t]
        grads["weight_hh"] += dz.T @ h_prev
        grads["bias"] += dz.sum(axis=0)
        dh_next, dc_next = dz @ w_hh, dc * f
    grads = {
        "weight_ih_l0": grads["weight_ih"],
        "weight_hh_l0": grads["weight_hh"],
        "bias_ih_l0": grads["bias"],
        "bias_hh_l0": grads["bias"],
    }
    return out, grads


def _ours(lstm: LSTM, x: np.ndarray, d_out: np.ndarray) -> Callable[[], None]:
    xt = Tensor(x)

    def step() -> None:
        lstm.zero_grad()
        out, _ = lstm(xt)
        out.backward(d_out)

    return step


def _numpy(lstm: LSTM, x: np.ndarray, d_out: np.ndarray) -> Callable[[], None]:
    p = {k: v.data for k, v in lstm.named_parameters()}

    def step() -> None:
        numpy_lstm(x, p["weight_ih_l0"], p["weight_hh_l0"], p["bias_ih_l0"], p["bias_hh_l0"], d_out)

    return step


def _torch(lstm: LSTM, x: np.ndarray, d_out: np.ndarray, dtype: str) -> Callable[[], None] | None:
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    dt = getattr(torch, dtype)
    ref = torch.nn.LSTM(I, H).to(dt)
    ref.load_state_dict({k: torch.tensor(v) for k, v in lstm.state_dict().items()})
    xt, up = torch.tensor(x, dtype=dt), torch.tensor(d_out, dtype=dt)

    def step() -> None:
        ref.zero_grad()
        out, _ = ref(xt)
        out.backward(up)

    return step


def _rounds(fns: dict[str, Callable[[], None]], rounds: int) -> tuple[dict[str, float], dict[str, float]]:
    """Best CPU seconds and best wall-clock seconds per call of each function, taking turns each round.

    CPU time (of this process, all its threads) is the steadier measure when other
    programs share the cores; wall-clock time is what a user waits.
    """
    cpu, wall = dict.fromkeys(fns, float("inf")), dict.fromkeys(fns, float("inf"))
    for fn in fns.values():  # warm-up
        fn()
    for _ in range(rounds):
        for name, fn in fns.items():
            gc.collect()  # no run pays for collecting another's garbage
            c0, w0 = time.process_time(), time.perf_counter()
            fn()
            cpu[name] = min(cpu[name], time.process_time() - c0)
            wall[name] = min(wall[name], time.perf_counter() - w0)
    return cpu, wall


def check_same_numbers(seed: int = 0) -> float:
    """Largest difference between our gradients and the hand-written ones (they must agree)."""
    rng = np.random.default_rng(seed)
    lstm = LSTM(I, H, seed=seed)
    x, d_out = rng.standard_normal((8, B, I)), rng.standard_normal((8, B, H))
    out, _ = lstm(Tensor(x))
    out.backward(d_out)
    p = {k: v.data for k, v in lstm.named_parameters()}
    ref_out, grads = numpy_lstm(
        x, p["weight_ih_l0"], p["weight_hh_l0"], p["bias_ih_l0"], p["bias_hh_l0"], d_out
    )
    diffs = [np.abs(out.data - ref_out).max()]
    diffs += [np.abs(v.grad - grads[k]).max() for k, v in lstm.named_parameters()]
    return float(max(diffs))


def _peak_here(which: str, steps: int, batch: int = B, inputs: int = I, hidden: int = H) -> float:
    """Peak traced memory in MB of one forward+backward of ``which`` ("ours" or "numpy")."""
    rng = np.random.default_rng(0)
    lstm = LSTM(inputs, hidden, seed=0)
    x, d_out = rng.standard_normal((steps, batch, inputs)), rng.standard_normal((steps, batch, hidden))
    step = _ours(lstm, x, d_out) if which == "ours" else _numpy(lstm, x, d_out)
    step()  # the parameters' gradient arrays exist from here on, as in training
    tracemalloc.start()
    step()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 1e6


def peak_memory_mb(which: str, steps: int, batch: int = B, inputs: int = I, hidden: int = H) -> float:
    """:func:`_peak_here` in a fresh process, so that nothing earlier is counted."""
    out = subprocess.run(
        [sys.executable, __file__, "--peak", which, str(steps), str(batch), str(inputs), str(hidden)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS", "1")},
    )
    return float(out.stdout.split()[-1])


def run(rounds: int = 5) -> dict[str, float]:
    """All LSTM measurements, for the combined runner (milliseconds and ratios)."""
    rng = np.random.default_rng(0)
    lstm = LSTM(I, H, seed=0)
    x, d_out = rng.standard_normal((T, B, I)), rng.standard_normal((T, B, H))
    long_x, long_up = rng.standard_normal((8 * T, B, I)), rng.standard_normal((8 * T, B, H))
    fns = {"ours": _ours(lstm, x, d_out), "numpy": _numpy(lstm, x, d_out)}
    memory = {k: peak_memory_mb(k, 8 * T) for k in ("ours", "numpy")}
    for dtype in ("float64", "float32"):
        fn = _torch(lstm, x, d_out, dtype)
        if fn is not None:
            fns[f"torch_{dtype}"] = fn
    best, wall = _rounds(fns, rounds)
    # The long run in a phase of its own: freeing its large graph disturbs the allocator
    # for whatever runs next, so T=64 is timed again beside it for the ratio.
    long_cpu, long_wall = _rounds(
        {
            "T64": fns["ours"],
            "T512": _ours(lstm, long_x, long_up),
            "numpy_T64": fns["numpy"],
            "numpy_T512": _numpy(lstm, long_x, long_up),
        },
        max(2, rounds // 2),
    )
    best["ours_T512"], wall["ours_T512"] = long_cpu["T512"], long_wall["T512"]
    result = {f"lstm_{k}_ms": v * 1e3 for k, v in best.items()}
    result.update({f"lstm_{k}_wall_ms": v * 1e3 for k, v in wall.items()})
    result["lstm_ours_over_numpy"] = best["ours"] / best["numpy"]
    result["lstm_ours_over_numpy_wall"] = wall["ours"] / wall["numpy"]
    for k in best:
        if k.startswith("torch"):
            result[f"lstm_ours_over_{k}"] = best["ours"] / best[k]
    result["lstm_T512_over_T64"] = long_cpu["T512"] / long_cpu["T64"]
    result["lstm_numpy_T512_over_T64"] = long_cpu["numpy_T512"] / long_cpu["numpy_T64"]
    result["lstm_peak_T512_ours_MB"] = memory["ours"]
    result["lstm_peak_T512_numpy_MB"] = memory["numpy"]
    result["lstm_peak_T512_ours_over_numpy"] = memory["ours"] / memory["numpy"]
    result["lstm_max_abs_diff_vs_numpy"] = check_same_numbers()
    return result


def main() -> None:
    r = run()
    print(f"LSTM forward+backward, B={B} I={I} H={H} T={T}, one core, best round (CPU ms | wall ms):")

    def row(label: str, key: str, ratio: str = "") -> None:
        print(f"  {label:<20} {r[f'lstm_{key}_ms']:8.2f} | {r[f'lstm_{key}_wall_ms']:8.2f}   {ratio}")

    row("ours (float64)", "ours")
    row(
        "numpy by hand",
        "numpy",
        f"ours/numpy = {r['lstm_ours_over_numpy']:.2f}x CPU, "
        f"{r['lstm_ours_over_numpy_wall']:.2f}x wall (aim <= 1.25x)",
    )
    for dtype in ("float64", "float32"):
        if f"lstm_torch_{dtype}_ms" in r:
            row(
                f"torch {dtype}",
                f"torch_{dtype}",
                f"ours/torch = {r[f'lstm_ours_over_torch_{dtype}']:.2f}x CPU",
            )
    if "lstm_torch_float64_ms" not in r:
        print("  torch                not installed, skipped")
    row("ours at T=512", "ours_T512", f"T=512 / T=64 = {r['lstm_T512_over_T64']:.2f} CPU (linear cost: 8)")
    print(f"  numpy by hand: T=512 / T=64 = {r['lstm_numpy_T512_over_T64']:.2f} CPU")
    print(
        f"  peak memory at T=512 (tracemalloc, fresh process): ours {r['lstm_peak_T512_ours_MB']:.0f} MB, "
        f"numpy {r['lstm_peak_T512_numpy_MB']:.0f} MB, ratio {r['lstm_peak_T512_ours_over_numpy']:.2f}x "
        "(aim <= 1.5x)"
    )
    print(f"  same numbers as numpy: max |difference| = {r['lstm_max_abs_diff_vs_numpy']:.1e}")


SIZES = ((1, 8, 32), (4, 16, 32), (8, 32, 64), (B, I, H), (64, 64, 256))


def memory_by_size() -> None:
    """Peak memory at T=512 for smaller and larger layers than the main case.

    The graph's own Python objects (a node, a weak reference and a backward function
    per operation, about 19 operations per LSTM step) cost about 10 KB per step whatever the
    size, so the ratio to numpy grows as the arrays shrink.
    """
    print("peak memory of one forward+backward at T=512 (tracemalloc, fresh process):")
    print(f"  {'B':>3} {'I':>4} {'H':>4} {'ours MB':>9} {'numpy MB':>9} {'ratio':>6}")
    for batch, inputs, hidden in SIZES:
        ours, ref = (peak_memory_mb(k, 8 * T, batch, inputs, hidden) for k in ("ours", "numpy"))
        print(f"  {batch:>3} {inputs:>4} {hidden:>4} {ours:>9.1f} {ref:>9.1f} {ours / ref:>5.2f}x")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--peak"]:  # the child process of peak_memory_mb
        print(_peak_here(sys.argv[2], *map(int, sys.argv[3:7])))
    elif sys.argv[1:2] == ["--sizes"]:
        memory_by_size()
    else:
        main()
