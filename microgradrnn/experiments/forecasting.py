"""Forecasting a synthetic series one step ahead: a recurrent network against AR(p).

The series is trend + seasonality + cycle + noise (``microgradrnn.data.synthetic_series``).
The linear trend fitted on the training part is removed and the rest scaled to unit
variance; both models then see the same numbers. AR(p) predicts the next value as a
least-squares linear function of the last p; the recurrent network reads the whole history
one value at a time, so its state can carry the season's phase and a filtered level further
back than any p-value window.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from microgradrnn.data import synthetic_series
from microgradrnn.experiments.models import SequenceRegressor
from microgradrnn.functional import mse_loss
from microgradrnn.graph import no_grad
from microgradrnn.optim import Adam
from microgradrnn.plot import line_chart
from microgradrnn.tensor import Tensor
from microgradrnn.training import Callback, train_step

__all__ = ["ForecastResult", "ar_fit", "ar_predict", "forecasting_experiment"]


def ar_fit(series: np.ndarray, p: int) -> np.ndarray:
    """Least-squares AR(p) coefficients ``[c, a_1, ..., a_p]`` for x_t ≈ c + a_1 x_{t-1} + ... + a_p x_{t-p}.

    ``series`` has shape (n,) with n > 2p; returns shape (p + 1,).
    """
    x = np.asarray(series, dtype=np.float64)
    if x.ndim != 1 or len(x) <= 2 * p or p < 1:
        raise ValueError(f"ar_fit needs a 1-D series longer than 2p (p={p}), got shape {x.shape}")
    rows = np.stack([x[p - k : len(x) - k] for k in range(1, p + 1)], axis=1)
    design = np.concatenate([np.ones((len(rows), 1)), rows], axis=1)
    coef, *_ = np.linalg.lstsq(design, x[p:], rcond=None)
    return coef


def ar_predict(series: np.ndarray, coef: np.ndarray) -> np.ndarray:
    """One-step-ahead AR predictions: element t (t >= p) predicts ``series[t]`` from the p before it.

    Returns shape (n,) with NaN for the first p positions, which have no full window.
    """
    x = np.asarray(series, dtype=np.float64)
    p = len(coef) - 1
    out = np.full(len(x), np.nan)
    rows = np.stack([x[p - k : len(x) - k] for k in range(1, p + 1)], axis=1)
    out[p:] = coef[0] + rows @ coef[1:]
    return out


@dataclass
class ForecastResult:
    """One-step-ahead test MSEs (in the series' own units) and the predictions behind them.

    ``mse`` maps "RNN (<cell>)", f"AR({p})" and "last value" to the MSE over the test
    part; ``noise_mse`` is the variance of the noise added, the floor no forecaster can beat.
    """

    mse: dict[str, float]
    noise_mse: float
    series: np.ndarray
    predictions: dict[str, np.ndarray]
    split: int
    losses: np.ndarray
    model: SequenceRegressor = field(repr=False)

    @property
    def rnn_mse(self) -> float:
        return next(v for k, v in self.mse.items() if k.startswith("RNN"))

    @property
    def ar_mse(self) -> float:
        return next(v for k, v in self.mse.items() if k.startswith("AR"))

    def chart(self, last: int = 120) -> str:
        """SVG: the last ``last`` steps of the test part with both models' one-step forecasts."""
        sl = slice(len(self.series) - last, len(self.series))
        x = np.arange(len(self.series))[sl]
        series = {"series": self.series[sl]}
        series.update({k: v[sl] for k, v in self.predictions.items() if k != "last value"})
        return line_chart(series, x=x, title="One-step-ahead forecasts on the test part",
                          xlabel="time step t", ylabel="value")


def forecasting_experiment(
    length: int = 600,
    p: int = 12,
    cell: str = "gru",
    hidden_size: int = 24,
    steps: int = 300,
    window: int = 48,
    warmup: int = 12,
    batch_size: int = 16,
    lr: float = 0.01,
    test_fraction: float = 0.25,
    seed: int = 0,
    callback: Callback | None = None,
) -> ForecastResult:
    """Fit AR(p) and train a recurrent forecaster on the first part of a series, score both on the rest.

    The network is trained on random windows of ``window`` values of the training part,
    predicting each next value (many-to-many, MSE over the steps after ``warmup``, which
    only settle the state). For the test, it reads the whole series from the start, and its
    prediction at step t-1 is its forecast of value t, as for AR(p) and the last-value baseline.
    """
    s = synthetic_series(length, seed=seed)
    split = int(round(length * (1 - test_fraction)))
    t = np.arange(length)
    slope, intercept = np.polyfit(t[:split], s.series[:split], 1)
    resid = s.series - (intercept + slope * t)
    scale = float(resid[:split].std())
    z = resid / scale

    coef = ar_fit(z[:split], p)
    ar = ar_predict(z, coef)

    rng = np.random.default_rng(seed)
    model = SequenceRegressor(cell, 1, hidden_size, many_to_many=True, seed=rng)
    opt = Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        starts = rng.integers(0, split - window, size=batch_size)
        chunk = np.stack([z[a : a + window + 1] for a in starts])
        pred, _ = model(Tensor(chunk[:, :-1, None]))
        loss = mse_loss(pred[:, warmup:, 0], Tensor(chunk[:, warmup + 1 :]))
        train_step(loss, opt, model.parameters(), losses, callback)
    with no_grad():
        out, _ = model(Tensor(z[None, :-1, None]))
    rnn = np.concatenate([[np.nan], out.data[0, :, 0]])

    def original_units(pred: np.ndarray) -> np.ndarray:
        return pred * scale + intercept + slope * t

    predictions = {
        f"RNN ({cell.upper()})": original_units(rnn),
        f"AR({p})": original_units(ar),
        "last value": np.concatenate([[np.nan], s.series[:-1]]),
    }
    mse = {k: float(np.mean((v[split:] - s.series[split:]) ** 2)) for k, v in predictions.items()}
    return ForecastResult(mse, float(np.var(s.noise)), s.series, predictions, split, np.array(losses), model)
