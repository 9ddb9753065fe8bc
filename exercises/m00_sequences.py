"""Module 0 · Sequence data and time series (시계열): before any neural network.

A time series is a sequence of values observed over time: a stock's closing price each
day, the temperature each hour. The notes forecast a closing price by "using days 1-5 to
predict day 6" (1~5일 데이터를 이용해서 6일 데이터를 예측함), and describe a series by its
trend (추세), cycle (주기), seasonality (계절성) and irregularity (불규칙성).

Everything here is plain numpy: these are the classical tools a recurrent network has to beat.

* Exercise 0.1 ``make_windows``: slice a series into (window, target) training pairs.
* Exercise 0.2 ``fit_ar``: fit an autoregressive AR(p) model by least squares.
* Exercise 0.3 ``forecast_ar``: forecast several steps ahead with an AR(p) model.
* Exercise 0.4 ``decompose``: split a series into trend, seasonality and residual.
"""

from __future__ import annotations

import numpy as np


def make_windows(series: np.ndarray, window: int, horizon: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Exercise 0.1 (5 points): slice a series into (window, target) pairs.

    Pair i takes ``window`` consecutive values starting at position i as its input, and as
    its target the value that lies ``horizon`` steps after the last of them (``horizon=1``
    is the very next value). With ``window=5, horizon=1`` the first pair is "days 1-5 ->
    day 6". List every pair whose target still lies inside the series, in order
    (i = 0, 1, ...).

    Args:
        series: the values, shape (L,).
        window: how many past values each input holds (>= 1).
        horizon: how many steps after the window the target lies (>= 1).

    Returns:
        ``(X, y)``: float64 arrays of shapes (N, window) and (N,), N = L - window - horizon + 1.

    Raises:
        ValueError: if ``window`` or ``horizon`` is below 1, or the series is too short
            for a single pair (N < 1); the message names the numbers at fault (the
            window or horizon below 1; else the length, the window and the horizon).
    """
    # ---- write your code here (about 12 lines) ----
    raise NotImplementedError("exercise 0.1: make_windows")


def fit_ar(series: np.ndarray, p: int) -> np.ndarray:
    """Exercise 0.2 (5 points): fit an AR(p) model by least squares.

    An autoregressive model of order p predicts each value as a constant plus a weighted
    sum of the p values before it ("auto": the series regresses on itself; the page has the
    equation). Find the constant c and the weights phi_1, ..., phi_p that minimise the sum
    of squared one-step errors over every value that has p values before it.

    Args:
        series: the values, shape (L,), with L > 2p.
        p: the order, >= 1.

    Returns:
        float64 array of shape (p + 1,): ``[c, phi_1, ..., phi_p]``, where phi_k weighs the
        value k steps back (phi_1 the most recent one).
    """
    # ---- write your code here (about 4 lines) ----
    raise NotImplementedError("exercise 0.2: fit_ar")


def forecast_ar(series: np.ndarray, coef: np.ndarray, steps: int) -> np.ndarray:
    """Exercise 0.3 (4 points): forecast ``steps`` values past the end of the series.

    ``coef = [c, phi_1, ..., phi_p]`` as returned by ``fit_ar``. The first forecast applies
    the model to the last p observed values. Every later forecast applies it again, with
    the forecasts made so far standing in for the values not yet observed (a recursive
    multi-step forecast).

    Args:
        series: the observed values, shape (L,), L >= p.
        coef: shape (p + 1,).
        steps: how many values to forecast, >= 1.

    Returns:
        float64 array of shape (steps,).
    """
    # ---- write your code here (about 8 lines) ----
    raise NotImplementedError("exercise 0.3: forecast_ar")


def decompose(series: np.ndarray, period: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exercise 0.4 (7 points): split a series into trend + seasonality + residual.

    The classical additive decomposition: the series is the sum of the three parts.

    1. **Trend** (추세): a centred moving average that spans exactly one period, so the
       seasonal ups and downs cancel. For an odd period it is the plain mean of the
       ``period`` values centred on t. For an even period it spans ``period + 1`` values
       centred on t, the two end values weighing half as much as the others (the weights
       still sum to 1). Where the window does not fit (the first and last ``period // 2``
       values) the trend is ``nan``.
    2. **Seasonality** (계절성): one number per position in the period (t % period): the
       average of the detrended series at that position, ignoring the ``nan`` ends, then
       shifted so the ``period`` numbers sum to 0; the pattern repeats over the whole length.
    3. **Residual** (불규칙성): what is left of the series (``nan`` where the trend is).

    Args:
        series: the values, shape (L,), at least two periods long.
        period: the length of one season, >= 2 (7 for days of a week, 12 for months).

    Returns:
        ``(trend, seasonal, residual)``: three float64 arrays of shape (L,).
    """
    # ---- write your code here (about 12 lines) ----
    raise NotImplementedError("exercise 0.4: decompose")
