"""The adding problem (Hochreiter & Schmidhuber 1997): remembering two numbers over T steps.

Each sequence holds T random values and two markers; the target is the sum of the two
marked values. Predicting 1.0 every time scores an MSE of 1/6 (about 0.167), so a model
that has not learnt to carry the marked values to the end stays near that baseline.
At T = 50 an LSTM and a GRU get far below it; a tanh RNN, whose gradient has to travel
back through up to 50 multiplications by the recurrent weight, stays near it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from microgradrnn.data import adding_problem
from microgradrnn.experiments.models import CELLS, SequenceRegressor
from microgradrnn.functional import mse_loss
from microgradrnn.graph import no_grad
from microgradrnn.nn import KINDS
from microgradrnn.optim import Adam
from microgradrnn.plot import line_chart
from microgradrnn.tensor import Tensor
from microgradrnn.training import Callback, smooth, train_step

__all__ = ["BASELINE_MSE", "AddingResult", "AddingRun", "adding_experiment", "train_adding"]

BASELINE_MSE = 1.0 / 6.0
"""MSE of always predicting 1.0: the variance of the sum of two U(0, 1) values."""


@dataclass
class AddingRun:
    """One model trained on the adding problem: per-step training losses and held-out MSE."""

    cell: str
    T: int
    losses: np.ndarray
    test_mse: float
    model: SequenceRegressor = field(repr=False)


def _mse(model: SequenceRegressor, X: np.ndarray, y: np.ndarray) -> float:
    with no_grad():
        pred, _ = model(Tensor(X))
    return float(np.mean((pred.data.reshape(-1) - y) ** 2))


def train_adding(
    cell: str = "lstm",
    T: int = 50,
    hidden_size: int = 32,
    steps: int = 1000,
    batch_size: int = 64,
    lr: float = 0.01,
    n_test: int = 1000,
    seed: int = 0,
    callback: Callback | None = None,
) -> AddingRun:
    """Train a ``cell`` layer with a linear read-out on fresh batches of the adding problem.

    Adam with gradient-norm clipping at 1; inputs (batch_size, T, 2), targets (batch_size,).
    The test MSE is measured on ``n_test`` sequences never trained on.
    """
    if cell not in CELLS:
        raise ValueError(f"cell must be one of {CELLS}, got {cell!r}")
    rng = np.random.default_rng(seed)
    model = SequenceRegressor(cell, 2, hidden_size, seed=rng)
    opt = Adam(model.parameters(), lr=lr)
    X_test, y_test = adding_problem(n_test, T, seed=int(rng.integers(2**31)))
    losses = []
    for _ in range(steps):
        X, y = adding_problem(batch_size, T, seed=int(rng.integers(2**31)))
        pred, _ = model(Tensor(X))
        loss = mse_loss(pred.reshape(-1), Tensor(y))
        train_step(loss, opt, model.parameters(), losses, callback)
    return AddingRun(cell, T, np.array(losses), _mse(model, X_test, y_test), model)


@dataclass
class AddingResult:
    """``runs[cell]`` for each cell trained; ``mse[cell]`` is its held-out MSE."""

    runs: dict[str, AddingRun]
    baseline: float = BASELINE_MSE

    @property
    def mse(self) -> dict[str, float]:
        return {cell: run.test_mse for cell, run in self.runs.items()}

    def chart(self, window: int = 50) -> str:
        """SVG: training loss per step (running mean over ``window`` steps) and the 1/6 baseline."""
        series = {
            (KINDS[c].title if c in KINDS else c): smooth(r.losses, window) for c, r in self.runs.items()
        }
        n = max(len(r.losses) for r in self.runs.values())
        series["baseline 1/6 (predict 1.0)"] = np.full(n, self.baseline)
        T = next(iter(self.runs.values())).T
        return line_chart(series, title=f"The adding problem, T = {T}", xlabel="training step",
                          ylabel="MSE (running mean)", log_y=True)


def adding_experiment(
    T: int = 50,
    steps: int = 1000,
    hidden_size: int = 32,
    cells: tuple[str, ...] = CELLS,
    batch_size: int = 64,
    lr: float = 0.01,
    seed: int = 0,
    callback: Callback | None = None,
) -> AddingResult:
    """Train each of ``cells`` with the same seed and settings (see :func:`train_adding`)."""
    return AddingResult({
        cell: train_adding(cell, T, hidden_size, steps, batch_size, lr, seed=seed, callback=callback)
        for cell in cells
    })
