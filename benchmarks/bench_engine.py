"""Engine benchmark: scalar Value vs micrograd, Tensor MLP step vs the same math in numpy.

Run: ``python benchmarks/bench_engine.py`` (micrograd comes with ``pip install -e ".[bench]"``).

1. The same scalar graphs are built and back-propagated with ``Value`` and with
   micrograd's ``Value`` (ReLU only, as micrograd has): a small MLP on one input, and an
   8-unit ReLU RNN unrolled over 80 steps (deep: the case back-propagation through time
   is made of); time per forward+backward, throughput ratio printed.
2. One training step (forward, backward, SGD update) of a 2-layer tanh MLP at batch 64 x
   width 256, with ``Tensor`` and hand-written in numpy; ratio printed.
"""

from __future__ import annotations

import gc
import random
import time
from collections.abc import Callable

import numpy as np

from microgradrnn import Tensor, Value, topological_order


def best_time(fn: Callable[[], object], repeat: int = 5, number: int = 1) -> float:
    """Best wall-clock seconds per call over ``repeat`` rounds of ``number`` calls."""
    best = float("inf")
    for _ in range(repeat):
        gc.collect()  # micrograd's graphs are reference cycles: don't bill their collection to the next run
        start = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def scalar_mlp(value_cls: type, n_in: int = 8, width: int = 16, seed: int = 0) -> Callable[[], object]:
    """Forward + backward of a ReLU MLP 8-16-16-1 on one example, over ``value_cls`` scalars."""
    rng = random.Random(seed)
    layers = []
    for fan_in, fan_out in [(n_in, width), (width, width), (width, 1)]:
        layers.append(
            [([value_cls(rng.uniform(-1, 1)) for _ in range(fan_in)], value_cls(0.0)) for _ in range(fan_out)]
        )
    xs = [rng.uniform(-1, 1) for _ in range(n_in)]

    def step() -> object:
        h = [value_cls(x) for x in xs]
        for depth, layer in enumerate(layers):
            out = []
            for w, b in layer:
                act = b
                for wi, hi in zip(w, h):
                    act = act + wi * hi
                out.append(act.relu() if depth < len(layers) - 1 else act)
            h = out
        loss = h[0] * h[0]
        loss.backward()
        return loss

    return step


def scalar_rnn(
    value_cls: type, hidden: int = 8, steps: int = 80, seed: int = 0
) -> Callable[[], object]:
    """Forward + backward of an ``hidden``-unit ReLU RNN unrolled over ``steps`` scalar inputs.

    h_t = relu(W h_{t-1} + u x_t + b), loss = sum(h_T): a deep, narrow graph (every node
    of step t feeds step t+1), the shape of back-propagation through time.
    """
    rng = random.Random(seed)
    W = [[value_cls(rng.uniform(-0.5, 0.5)) for _ in range(hidden)] for _ in range(hidden)]
    u = [value_cls(rng.uniform(-1, 1)) for _ in range(hidden)]
    b = [value_cls(rng.uniform(-0.1, 0.1)) for _ in range(hidden)]
    xs = [rng.uniform(-1, 1) for _ in range(steps)]

    def step() -> object:
        h = [value_cls(0.0) for _ in range(hidden)]
        for x in xs:
            new = []
            for i in range(hidden):
                act = b[i] + u[i] * x
                for w, hj in zip(W[i], h):
                    act = act + w * hj
                new.append(act.relu())
            h = new
        loss = h[0]
        for hj in h[1:]:
            loss = loss + hj
        loss.backward()
        return loss

    return step


def _compare(make: Callable[[type], Callable[[], object]], name: str, number: int) -> dict[str, float]:
    """Time per forward+backward of ``make(Value)`` and ``make(micrograd's Value)``, taking turns."""
    ours = make(Value)
    result = {f"{name}_nodes": len(topological_order(ours()))}
    try:
        from micrograd.engine import Value as MicrogradValue
    except ImportError:
        print("micrograd not installed (pip install micrograd): scalar comparison skipped")
        result[f"{name}_ms"] = best_time(ours, repeat=5, number=number) * 1e3
        return result
    theirs = make(MicrogradValue)
    t_ours = t_theirs = float("inf")
    for _ in range(7):
        t_ours = min(t_ours, best_time(ours, repeat=1, number=number))
        t_theirs = min(t_theirs, best_time(theirs, repeat=1, number=number))
    result.update({f"{name}_ms": t_ours * 1e3, f"{name}_micrograd_ms": t_theirs * 1e3})
    result[f"{name}_speedup_vs_micrograd"] = t_theirs / t_ours
    return result


def bench_scalar() -> dict[str, float]:
    """Throughput of Value against micrograd on a small MLP and on a deep recurrent graph."""
    mlp = _compare(scalar_mlp, "value", number=20)
    rnn = _compare(scalar_rnn, "rnn", number=2)
    return {**mlp, **rnn}


def bench_mlp(batch: int = 64, width: int = 256, seed: int = 0) -> dict[str, float]:
    """One SGD step of a 2-layer tanh MLP with Tensor and with hand-written numpy."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(batch, width))
    Y = rng.normal(size=(batch, width))
    W1_np, W2_np = rng.normal(size=(width, width)) * 0.05, rng.normal(size=(width, width)) * 0.05
    b1_np, b2_np = np.zeros(width), np.zeros(width)
    lr = 1e-3

    def numpy_step() -> float:
        nonlocal W1_np, W2_np, b1_np, b2_np
        z1 = X @ W1_np + b1_np
        h1 = np.tanh(z1)
        out = h1 @ W2_np + b2_np
        diff = out - Y
        loss = (diff * diff).mean()
        d_out = 2.0 * diff / diff.size
        dW2 = h1.T @ d_out
        db2 = d_out.sum(axis=0)
        dh1 = d_out @ W2_np.T
        dz1 = dh1 * (1.0 - h1 * h1)
        dW1 = X.T @ dz1
        db1 = dz1.sum(axis=0)
        W1_np -= lr * dW1
        b1_np -= lr * db1
        W2_np -= lr * dW2
        b2_np -= lr * db2
        return float(loss)

    params = [
        Tensor(W1_np.copy(), requires_grad=True),
        Tensor(b1_np.copy(), requires_grad=True),
        Tensor(W2_np.copy(), requires_grad=True),
        Tensor(b2_np.copy(), requires_grad=True),
    ]
    W1, b1, W2, b2 = params
    x, y = Tensor(X), Tensor(Y)

    def tensor_step() -> float:
        for p in params:
            p.zero_grad()
        h1 = (x @ W1 + b1).tanh()
        diff = h1 @ W2 + b2 - y
        loss = (diff * diff).mean()
        loss.backward()
        for p in params:
            p.data -= lr * p.grad
        return loss.item()

    assert abs(numpy_step() - tensor_step()) < 1e-9, "the two versions must compute the same step"
    # Take turns, so a busy moment on the machine slows both alike; the best round counts.
    t_numpy = t_tensor = float("inf")
    for _ in range(15):
        t_numpy = min(t_numpy, best_time(numpy_step, repeat=1, number=20))
        t_tensor = min(t_tensor, best_time(tensor_step, repeat=1, number=20))
    return {
        "mlp_numpy_ms": t_numpy * 1e3,
        "mlp_tensor_ms": t_tensor * 1e3,
        "mlp_tensor_over_numpy": t_tensor / t_numpy,
    }


def run() -> dict[str, float]:
    """All engine measurements, for the combined runner."""
    return {**bench_scalar(), **bench_mlp()}


def main() -> None:
    r = run()
    print(f"scalar graph: {r['value_nodes']} nodes per forward+backward")
    print(f"  Value      {r['value_ms']:8.3f} ms")
    if "value_micrograd_ms" in r:
        print(f"  micrograd  {r['value_micrograd_ms']:8.3f} ms")
        print(f"  Value throughput = {r['value_speedup_vs_micrograd']:.2f}x micrograd (aim >= 2x)")
    print(f"scalar ReLU RNN, 8 units x 80 steps: {r['rnn_nodes']} nodes per forward+backward")
    print(f"  Value      {r['rnn_ms']:8.3f} ms")
    if "rnn_micrograd_ms" in r:
        print(f"  micrograd  {r['rnn_micrograd_ms']:8.3f} ms")
        print(f"  Value throughput = {r['rnn_speedup_vs_micrograd']:.2f}x micrograd (aim >= 2x)")
    print("MLP step, batch 64 x width 256, float64:")
    print(f"  numpy      {r['mlp_numpy_ms']:8.3f} ms")
    print(f"  Tensor     {r['mlp_tensor_ms']:8.3f} ms")
    print(f"  Tensor / numpy = {r['mlp_tensor_over_numpy']:.3f} (aim <= 1.2)")


if __name__ == "__main__":
    main()
