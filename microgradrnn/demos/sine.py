"""Next-value prediction on sine waves: a many-to-many regressor.

Each wave has its own amplitude, frequency and phase, so the model must work them out
from the values it has read. The baseline repeats the last value seen.
"""

from __future__ import annotations

import time

import numpy as np

from microgradrnn.data import sine_waves
from microgradrnn.demos.result import Result
from microgradrnn.experiments.models import SequenceRegressor
from microgradrnn.functional import mse_loss
from microgradrnn.graph import no_grad
from microgradrnn.optim import Adam
from microgradrnn.plot import line_chart
from microgradrnn.tensor import Tensor
from microgradrnn.training import Callback, train_step

__all__ = ["train_sine"]


def train_sine(
    steps: int = 400,
    seed: int = 0,
    hidden_size: int = 32,
    cell: str = "lstm",
    length: int = 50,
    warmup: int = 10,
    batch_size: int = 32,
    lr: float = 0.01,
    noise_std: float = 0.02,
    callback: Callback | None = None,
) -> Result:
    """Train a regressor to predict x_{t+1} from x_0..x_t on fresh batches of waves.

    Inputs (batch_size, length, 1) -> predictions (batch_size, length, 1); the loss is the
    MSE over steps after ``warmup`` (before that the phase and frequency are unknown).
    The test MSE on 256 new waves is compared with repeating the last value.
    """
    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    model = SequenceRegressor(cell, 1, hidden_size, many_to_many=True, seed=rng)
    opt = Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        w = sine_waves(batch_size, length + 1, seed=int(rng.integers(2**31)), noise_std=noise_std)
        pred, _ = model(Tensor(w[:, :-1, None]))
        loss = mse_loss(pred[:, warmup:, 0], Tensor(w[:, warmup + 1 :]))
        train_step(loss, opt, model.parameters(), losses, callback)
    test = sine_waves(256, length + 1, seed=int(rng.integers(2**31)), noise_std=noise_std)
    with no_grad():
        pred, _ = model(Tensor(test[:, :-1, None]))
    pred = pred.data[:, :, 0]
    mse = float(np.mean((pred[:, warmup:] - test[:, warmup + 1 :]) ** 2))
    last = float(np.mean((test[:, warmup:-1] - test[:, warmup + 1 :]) ** 2))
    chart = line_chart(
        {"wave": test[0, 1:], "prediction": pred[0], "repeat last value": test[0, :-1]},
        x=np.arange(1, length + 1),
        title="A test wave and the one-step-ahead predictions",
        xlabel="time step t",
        ylabel="x_t",
    )
    verdict = f"{last / mse:.1f} times lower" if 0 < mse < last else "not better"
    summary = [f"test MSE {mse:.5f}; baseline (repeat the last value) {last:.5f}: {verdict}"]
    return Result("sine", np.array(losses), {"test_mse": mse, "baseline_mse": last}, summary, model,
                  charts={"prediction.svg": chart}, seconds=time.perf_counter() - start)
