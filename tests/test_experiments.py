"""Cheap, seeded versions of the classic experiments, with assertions on what they must show.

The full-size adding problem (T = 50) is marked ``slow`` and runs only with ``pytest -m slow``.
"""

from __future__ import annotations

import numpy as np
import pytest

from microgradrnn.experiments import (
    BASELINE_MSE,
    adding_experiment,
    ar_fit,
    ar_predict,
    exploding_gradients,
    forecasting_experiment,
    gradient_norms,
    tagging_experiment,
    train_adding,
)


def test_gradient_norm_of_tanh_rnn_vanishes_far_faster_than_lstm():
    r = gradient_norms(T=60, hidden_size=16, seed=0)
    assert set(r.norms) == {"rnn", "lstm", "gru"}
    assert all(n.shape == (60,) and np.all(np.isfinite(n)) and np.all(n > 0) for n in r.norms.values())
    # dL/dh_{T-1} is all ones: its norm is sqrt(batch * hidden).
    assert np.isclose(r.norms["rnn"][-1], np.sqrt(8 * 16))
    rnn, lstm = r.decay_ratio("rnn"), r.decay_ratio("lstm")
    assert rnn < 1e-8, f"expected the tanh RNN's gradient to vanish over 60 steps, got ratio {rnn:.3g}"
    assert rnn < 1e-4 * lstm, f"expected LSTM to keep far more gradient: rnn {rnn:.3g}, lstm {lstm:.3g}"
    assert r.decay_per_step("rnn") < r.decay_per_step("lstm") < 1.0
    assert r.chart().startswith("<svg")


def test_rnn_gradient_decays_roughly_geometrically():
    n = gradient_norms(T=60, hidden_size=16, cells=("rnn",), seed=1).norms["rnn"]
    log_n = np.log(n[:-10])  # leave out the last steps, where the decay has not settled
    slope, _ = np.polyfit(np.arange(len(log_n)), log_n, 1)
    residual = log_n - np.polyval(np.polyfit(np.arange(len(log_n)), log_n, 1), np.arange(len(log_n)))
    assert slope > 0.1, f"expected log-norm rising towards the loss, got slope {slope:.3g}"
    assert np.abs(residual).max() < 0.25 * slope * len(log_n), "expected a near-straight line on a log scale"


def test_clipping_rescues_training_with_a_large_recurrent_weight():
    r = exploding_gradients(steps=100, seed=0)
    free, clipped = r.losses.values()
    free_norm, clipped_norm = r.grad_norms.values()
    assert len(free) < 100 or not np.isfinite(free[-1]), "expected the unclipped run to diverge"
    assert free_norm.max() > 1e4, f"expected an exploding gradient norm, got max {free_norm.max():.3g}"
    assert len(clipped) == 100 and np.all(np.isfinite(clipped))
    assert clipped[-20:].mean() < 0.5 * r.baseline_mse, (
        f"expected the clipped run below half the predict-zero MSE {r.baseline_mse:.3f}, "
        f"got {clipped[-20:].mean():.3f}"
    )
    assert np.all(np.isfinite(clipped_norm))
    assert r.chart().startswith("<svg") and r.norm_chart().startswith("<svg")


def test_adding_problem_short_gru_solves_it_rnn_stays_at_baseline():
    r = adding_experiment(T=10, steps=150, hidden_size=16, batch_size=32, lr=0.02, cells=("rnn", "gru"),
                          seed=0)
    mse = r.mse
    assert mse["gru"] < 0.1 * BASELINE_MSE, f"expected GRU far below {BASELINE_MSE:.3f}, got {mse['gru']:.4f}"
    assert mse["rnn"] > 0.6 * BASELINE_MSE, f"expected tanh RNN near {BASELINE_MSE:.3f}, got {mse['rnn']:.4f}"
    assert r.chart().startswith("<svg")


def test_experiments_are_deterministic_for_a_seed():
    a = train_adding("lstm", T=8, steps=5, hidden_size=8, batch_size=8, n_test=16, seed=3)
    b = train_adding("lstm", T=8, steps=5, hidden_size=8, batch_size=8, n_test=16, seed=3)
    c = train_adding("lstm", T=8, steps=5, hidden_size=8, batch_size=8, n_test=16, seed=4)
    assert np.array_equal(a.losses, b.losses) and a.test_mse == b.test_mse
    assert not np.array_equal(a.losses, c.losses)
    g1, g2 = gradient_norms(T=20, seed=5), gradient_norms(T=20, seed=5)
    assert all(np.array_equal(g1.norms[k], g2.norms[k]) for k in g1.norms)
    assert g1.chart() == g2.chart()
    e1, e2 = exploding_gradients(steps=10, T=10, seed=2), exploding_gradients(steps=10, T=10, seed=2)
    assert all(np.array_equal(e1.losses[k], e2.losses[k]) for k in e1.losses)


def test_bidirectional_tagger_beats_one_directional_on_ambiguous_words():
    r = tagging_experiment(epochs=4, hidden_size=16, embedding_dim=16, seed=0)
    one, both = r.one, r.both
    assert one.n_ambiguous == both.n_ambiguous > 20 and one.n_initial == both.n_initial > 5
    assert both.ambiguous_accuracy > one.ambiguous_accuracy, (
        f"expected bidirectional > one-directional on ambiguous words, "
        f"got {both.ambiguous_accuracy:.2f} vs {one.ambiguous_accuracy:.2f}"
    )
    gap = both.initial_accuracy - one.initial_accuracy
    assert gap > 0.2, f"expected a gap > 0.2 on sentence-initial ambiguous words, got {gap:.2f}"
    assert both.accuracy > 0.9 and one.accuracy > 0.85
    assert r.chart().startswith("<svg")


def test_ar_fit_recovers_the_coefficients_of_an_ar_process():
    rng = np.random.default_rng(0)
    x = np.zeros(5000)
    for t in range(2, len(x)):
        x[t] = 0.3 + 0.6 * x[t - 1] - 0.2 * x[t - 2] + 0.1 * rng.standard_normal()
    coef = ar_fit(x, 2)
    assert np.allclose(coef, [0.3, 0.6, -0.2], atol=0.03), f"expected [0.3, 0.6, -0.2], got {coef}"
    pred = ar_predict(x, coef)
    assert np.all(np.isnan(pred[:2])) and np.isclose(pred[2], coef[0] + coef[1] * x[1] + coef[2] * x[0])
    with pytest.raises(ValueError, match="longer than 2p"):
        ar_fit(x[:4], 2)


def test_recurrent_forecaster_beats_the_ar_baseline():
    r = forecasting_experiment(length=400, steps=100, hidden_size=16, seed=0)
    assert set(r.mse) == {"RNN (GRU)", "AR(12)", "last value"}
    assert r.rnn_mse < r.ar_mse < r.mse["last value"], f"expected RNN < AR(12) < last value, got {r.mse}"
    assert r.rnn_mse > r.noise_mse * 0.8, "a forecaster cannot beat the noise by much"
    assert r.chart().startswith("<svg")


@pytest.mark.slow
def test_adding_problem_at_T50_lstm_and_gru_solve_it_rnn_does_not():
    r = adding_experiment(T=50, steps=1000, seed=0)
    mse = r.mse
    assert mse["lstm"] < 0.1 * BASELINE_MSE and mse["gru"] < 0.1 * BASELINE_MSE, f"got {mse}"
    assert mse["rnn"] > 0.8 * BASELINE_MSE, f"expected the tanh RNN near the baseline, got {mse}"
