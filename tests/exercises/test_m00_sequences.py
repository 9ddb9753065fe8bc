"""Tests of module 0: windows over a series, AR(p) fitting and forecasting, decomposition.

Each test calls the learner's code through ``learner`` (it runs in another process and sends
back plain data) and judges the answer here. Expected values come from series built from
known parts: an exactly autoregressive series must give back its coefficients, a trend plus
a zero-mean season must come apart again.
"""

from __future__ import annotations

import re

import numpy as np

from microgradrnn.grading.learner import as_array


def _array(result, what: str, shape: tuple[int, ...]) -> np.ndarray:
    got = as_array(result, what, "ndarray")
    assert got.shape == shape, f"expected {what} of shape {shape}, got {got.shape}"
    return got


def _windows(learner, series, window, horizon=1):
    result = learner.make_windows(series, window, horizon)
    assert isinstance(result, tuple) and len(result) == 2, f"expected a tuple (X, y), got {result!r}"[:300]
    n = len(series) - window - horizon + 1
    return _array(result[0], "X", (n, window)), _array(result[1], "y", (n,))


def _ar_series(c: float, phi: list[float], n: int, noise: float, seed: int) -> np.ndarray:
    """x[t] = c + sum_k phi[k-1] x[t-k] + noise, after a burn-in."""
    rng = np.random.default_rng(seed)
    p, burn = len(phi), 200
    x = list(rng.standard_normal(p))
    for _ in range(n + burn):
        x.append(c + sum(phi[k] * x[-1 - k] for k in range(p)) + noise * rng.standard_normal())
    return np.array(x[-n:])


def _seasonal_series(period: int, n: int, noise: float, seed: int):
    rng = np.random.default_rng(seed)
    t = np.arange(n, dtype=np.float64)
    trend = 3.0 + 0.05 * t
    pattern = rng.standard_normal(period)
    pattern -= pattern.mean()
    seasonal = np.resize(pattern, n)
    return trend + seasonal + noise * rng.standard_normal(n), trend, seasonal


def _decompose(learner, series, period):
    result = learner.decompose(series, period)
    assert isinstance(result, tuple) and len(result) == 3, (
        f"expected a tuple (trend, seasonal, residual), got {result!r}"[:300]
    )
    n = len(series)
    return tuple(_array(r, name, (n,)) for r, name in zip(result, ("trend", "seasonal", "residual")))


# -- 0.1 windows ------------------------------------------------------------------------------------


def test_windows_use_days_1_to_5_to_predict_day_6(learner):
    days = np.arange(1.0, 11.0)  # the price on days 1..10
    X, y = _windows(learner, days, 5)
    assert np.array_equal(X[0], [1, 2, 3, 4, 5]), f"expected X[0] = days 1-5, got {X[0]}"
    assert y[0] == 6, f"expected y[0] = day 6, got {y[0]}"
    assert np.array_equal(X[-1], [5, 6, 7, 8, 9]) and y[-1] == 10, (
        f"expected the last pair days 5-9 -> day 10, got {X[-1]} -> {y[-1]}"
    )


def test_windows_slide_one_step_at_a_time(learner):
    series = np.random.default_rng(0).standard_normal(30)
    for window in (4, 1):
        X, y = _windows(learner, series, window)
        for i in range(len(y)):
            assert np.array_equal(X[i], series[i : i + window]), (
                f"window {window}: expected X[{i}] = series[{i}:{i + window}], got {X[i]}"
            )
            assert y[i] == series[i + window], (
                f"window {window}: expected y[{i}] = series[{i + window}], got {y[i]}"
            )


def test_windows_horizon_moves_the_target_further_away(learner):
    series = np.arange(20.0) ** 2
    X, y = _windows(learner, series, 3, horizon=4)
    assert np.array_equal(X[0], series[0:3]), f"expected X[0] = series[0:3], got {X[0]}"
    assert np.array_equal(X[-1], series[13:16]), f"expected the last window series[13:16], got {X[-1]}"
    expected = series[3 + 4 - 1 :]
    assert np.array_equal(y, expected), f"expected y = series[6:], got {y[:4]} ..."
    # The shortest series that still holds one pair: window + horizon values.
    X, y = _windows(learner, np.arange(7.0), 3, horizon=4)
    assert np.array_equal(X, [[0, 1, 2]]) and np.array_equal(y, [6]), (
        f"expected the single pair [0, 1, 2] -> 6 from 7 values, got {X} -> {y}"
    )


def test_windows_reject_impossible_sizes(learner):
    # (length, window, horizon), and the numbers the message must name.
    for length, window, horizon in [(6, 4, 3), (7, 5, 4), (9, 0, 2), (9, 3, 0), (3, 8, 1)]:
        with learner.raises(ValueError) as caught:
            learner.make_windows(np.arange(float(length)), window, horizon)
        message = caught[0].message
        bad = [window] if window < 1 else [horizon] if horizon < 1 else [length, window, horizon]
        found = set(re.findall(r"-?\d+", message))
        assert {str(n) for n in bad} <= found, (
            f"expected the message for length {length}, window {window}, horizon {horizon} to name "
            f"{', '.join(map(str, bad))}, got {message!r}"
        )


# -- 0.2 AR(p) fit ----------------------------------------------------------------------------------


def test_fit_ar_recovers_an_exact_ar2_series(learner):
    # No noise: the series satisfies x[t] = c + phi_1 x[t-1] + phi_2 x[t-2] exactly (a sine around 5.6).
    c, phi = 0.5, [2 * np.cos(0.3), -1.0]
    x = [5.0, 6.0]
    for _ in range(100):
        x.append(c + phi[0] * x[-1] + phi[1] * x[-2])
    coef = _array(learner.fit_ar(np.array(x), 2), "coefficients", (3,))
    expected = np.array([c, *phi])
    assert np.allclose(coef, expected, atol=1e-6), f"expected [c, phi_1, phi_2] = {expected}, got {coef}"


def test_fit_ar_recovers_noisy_ar3_coefficients(learner):
    c, phi = 1.0, [0.5, -0.3, 0.2]
    x = _ar_series(c, phi, 4000, noise=0.1, seed=1)
    coef = _array(learner.fit_ar(x, 3), "coefficients", (4,))
    assert np.allclose(coef[1:], phi, atol=0.05), f"expected phi close to {phi}, got {np.round(coef[1:], 3)}"
    assert abs(coef[0] - c) < 0.1, f"expected c close to {c}, got {coef[0]:.3f}"


def test_fit_ar_minimises_the_squared_one_step_error(learner):
    x = np.cumsum(np.random.default_rng(2).standard_normal(60))  # a random walk: no exact AR fit
    coef = _array(learner.fit_ar(x, 2), "coefficients", (3,))
    # The least-squares answer, solved here: the normal equations of the lag regression.
    design = np.column_stack([np.ones(58), x[1:-1], x[:-2]])
    best = np.linalg.solve(design.T @ design, design.T @ x[2:])
    assert np.allclose(coef, best, atol=1e-8), f"expected the least-squares minimum {best}, got {coef}"


# -- 0.3 AR forecast --------------------------------------------------------------------------------


def test_forecast_one_step_applies_the_coefficients(learner):
    series = np.array([9.0, 1.0, 2.0, 4.0])
    coef = np.array([0.5, 0.3, -0.2, 0.1])
    got = _array(learner.forecast_ar(series, coef, 1), "forecast", (1,))
    expected = 0.5 + 0.3 * 4.0 - 0.2 * 2.0 + 0.1 * 1.0
    assert np.isclose(got[0], expected), (
        f"expected c + 0.3*x[-1] - 0.2*x[-2] + 0.1*x[-3] = {expected}, got {got[0]}"
    )


def test_forecast_feeds_its_own_predictions_back(learner):
    # An exactly AR(2) series: the recursive forecast must continue it.
    c, phi = 0.2, [1.6, -0.9]
    x = [1.0, 0.0]
    for _ in range(60):
        x.append(c + phi[0] * x[-1] + phi[1] * x[-2])
    x = np.array(x)
    got = _array(learner.forecast_ar(x[:40], np.array([c, *phi]), 22), "forecast", (22,))
    assert np.allclose(got, x[40:], atol=1e-9), f"expected the continuation {x[40:43]} ..., got {got[:3]} ..."


def test_forecast_of_a_constant_model_converges_to_its_mean(learner):
    got = _array(learner.forecast_ar(np.array([0.0]), np.array([1.0, 0.5]), 60), "forecast", (60,))
    expected = 2.0 * (1.0 - 0.5 ** np.arange(1, 61))  # x_k = 1 + x_{k-1} / 2 from x_0 = 0
    assert np.allclose(got, expected, atol=1e-12), (
        f"expected x = 1 + 0.5 x to rise from 0 towards 2: {expected[:3]} ..., got {got[:3]} ..."
    )


# -- 0.4 decomposition ------------------------------------------------------------------------------


def test_decompose_recovers_a_linear_trend_exactly(learner):
    for period in (7, 12):
        series, trend, _ = _seasonal_series(period, 10 * period, noise=0.0, seed=period)
        got, _, _ = _decompose(learner, series, period)
        half = period // 2
        inner = slice(half, len(series) - half)
        assert np.allclose(got[inner], trend[inner], atol=1e-9), (
            f"period {period}: expected the trend {np.round(trend[half : half + 3], 4)} ..., "
            f"got {np.round(got[half : half + 3], 4)} ..."
        )


def test_decompose_leaves_nan_where_the_window_does_not_fit(learner):
    for period in (5, 12):
        series, trend, seasonal = _seasonal_series(period, 6 * period, noise=0.0, seed=1)
        got_trend, got_seasonal, got_residual = _decompose(learner, series, period)
        half = period // 2
        expected = np.zeros(len(series), dtype=bool)
        expected[:half] = expected[len(series) - half :] = True
        assert np.array_equal(np.isnan(got_trend), expected), (
            f"period {period}: expected nan at the first and last {half} values, "
            f"got nan at {np.flatnonzero(np.isnan(got_trend))}"
        )
        assert np.allclose(got_trend[~expected], trend[~expected], atol=1e-9), (
            f"period {period}: expected the trend defined and right between the nan ends"
        )
        assert np.allclose(got_seasonal, seasonal, atol=1e-9), (
            f"period {period}: expected the seasonal part defined and right everywhere"
        )
        assert np.array_equal(np.isnan(got_residual), expected), (
            "expected the residual nan exactly where the trend is"
        )


def test_decompose_seasonal_repeats_and_sums_to_zero(learner):
    for period in (4, 7):
        series, _, seasonal = _seasonal_series(period, 8 * period, noise=0.0, seed=2)
        _, got, residual = _decompose(learner, series, period)
        assert np.allclose(got, seasonal, atol=1e-9), (
            f"period {period}: expected the season {np.round(seasonal[:period], 3)}, "
            f"got {np.round(got[:period], 3)}"
        )
        ok = ~np.isnan(residual)
        assert ok.sum() == len(series) - 2 * (period // 2) and np.allclose(residual[ok], 0, atol=1e-9), (
            "expected no residual without noise"
        )
    # A curved trend leaves a constant offset in series - trend: the season must still sum to 0.
    t = np.arange(60.0)
    _, got, _ = _decompose(learner, 0.02 * t**2 + np.resize([1.0, -2.0, 0.5, 0.5], 60), 4)
    assert abs(got[:4].sum()) < 1e-9 and np.allclose(got[:4], [1.0, -2.0, 0.5, 0.5], atol=1e-9), (
        f"expected the season [1, -2, 0.5, 0.5] summing to 0 on a curved trend, got {got[:4]}"
    )


def test_decompose_parts_add_up_and_survive_noise(learner):
    period = 12
    series, trend, seasonal = _seasonal_series(period, 240, noise=0.2, seed=3)
    got_trend, got_seasonal, got_residual = _decompose(learner, series, period)
    ok = ~np.isnan(got_trend)
    assert ok.sum() == 240 - period, f"expected the trend defined on {240 - period} values, got {ok.sum()}"
    total = got_trend + got_seasonal + got_residual
    assert np.allclose(total[ok], series[ok]), "expected trend + seasonal + residual == series"
    assert np.max(np.abs(got_trend[ok] - trend[ok])) < 0.25, (
        "expected the trend within 0.25 despite the noise"
    )
    assert np.max(np.abs(got_seasonal - seasonal)) < 0.15, (
        f"expected the season within 0.15, got off by {np.max(np.abs(got_seasonal - seasonal)):.3f}"
    )
