"""Tests of module 14: LSTM and GRU backward by hand.

The learner's numpy forward and backward run in the runner (a probe hands the learner's own
cache to the learner's own backward); the judge runs the library's cells on the same weights
with autograd, here, and compares. The tolerances are tight (1e-10) and one test per
sequence backward is large, so gradients estimated by finite differences do not pass.
"""

from __future__ import annotations

import numpy as np
import pytest

from microgradrnn import Tensor, nn
from microgradrnn.grading.learner import as_array

LSTM_NAMES = ("dx", "dh_prev", "dc_prev", "dweight_ih", "dweight_hh", "dbias_ih", "dbias_hh")
GRU_NAMES = ("dx", "dh_prev", "dweight_ih", "dweight_hh", "dbias_ih", "dbias_hh")
PARAMS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def _weights(cell) -> list[np.ndarray]:
    return [getattr(cell, p).data.copy() for p in PARAMS]


def _load(cell, weights) -> None:
    for p, w in zip(PARAMS, weights):
        getattr(cell, p).data[...] = w
        getattr(cell, p).zero_grad()


def _arrays(result, names, what: str) -> list[np.ndarray]:
    assert isinstance(result, (tuple, list)) and len(result) == len(names), (
        f"expected {what} as a tuple of {len(names)} arrays ({', '.join(names)}), got {result!r}"[:300]
    )
    return [as_array(r, n, "ndarray") for r, n in zip(result, names)]


def _compare(got: list[np.ndarray], want: list[np.ndarray], names, atol: float = 1e-10) -> None:
    for name, g, w in zip(names, got, want):
        assert g.shape == w.shape, f"expected {name} of shape {w.shape}, got {g.shape}"
        assert np.all(np.isfinite(g)), f"expected finite numbers in {name}, got {g.ravel()[:4]}"
        assert np.allclose(g, w, rtol=1e-9, atol=atol), (
            f"expected {name} {np.round(w.ravel()[:4], 6)}, got {np.round(g.ravel()[:4], 6)}"
            f" (largest error {np.max(np.abs(g - w)):.2e})"
        )


def _setup(kind: str, seed: int, B: int = 3, I: int = 4, H: int = 5, T: int | None = None, **options):
    cls = nn.LSTMCell if kind == "lstm" else nn.GRUCell
    cell = cls(I, H, seed=seed, **options)
    rng = np.random.default_rng(seed + 1000)
    for p in PARAMS:  # weights larger than the default init, so the gates are far from 0.5
        getattr(cell, p).data[...] = rng.uniform(-1.0, 1.0, getattr(cell, p).shape)
    x = rng.standard_normal((B, I) if T is None else (T, B, I))
    h, c = rng.standard_normal((B, H)), rng.standard_normal((B, H))
    return cell, x, h, c, rng


# -- the judge's reference: the library's cells and autograd -------------------------------


def _lstm_reference(cell, x, h, c, dhs, dc_last=None):
    """Outputs and gradients of the library's LSTM over x (T, B, I) with upstream dhs (T, B, H)."""
    xs = [Tensor(x_t, requires_grad=True) for x_t in x]
    h0, c0 = Tensor(h, requires_grad=True), Tensor(c, requires_grad=True)
    state, loss, hs = (h0, c0), None, []
    for x_t, dh in zip(xs, dhs):
        state = cell(x_t, state)
        hs.append(state[0].data)
        term = (state[0] * Tensor(dh)).sum()
        loss = term if loss is None else loss + term
    if dc_last is not None:
        loss = loss + (state[1] * Tensor(dc_last)).sum()
    loss.backward()
    dx = np.stack([t.grad for t in xs])
    return np.stack(hs), state[1].data, [dx, h0.grad, c0.grad] + [getattr(cell, p).grad for p in PARAMS]


def _gru_reference(cell, x, h, dhs):
    xs = [Tensor(x_t, requires_grad=True) for x_t in x]
    h0 = Tensor(h, requires_grad=True)
    state, loss, hs = h0, None, []
    for x_t, dh in zip(xs, dhs):
        state = cell(x_t, state)
        hs.append(state.data)
        term = (state * Tensor(dh)).sum()
        loss = term if loss is None else loss + term
    loss.backward()
    dx = np.stack([t.grad for t in xs])
    return np.stack(hs), [dx, h0.grad] + [getattr(cell, p).grad for p in PARAMS]


# -- 14.1 LSTM step forward ----------------------------------------------------------------


def test_lstm_step_forward_matches_library_cell(learner):
    for seed in (0, 1):
        cell, x, h, c, _ = _setup("lstm", seed)
        (want_h,), want_c, _ = _lstm_reference(cell, x[None], h, c, np.zeros((1, *h.shape)))
        got = learner.lstm_step_forward(x, h, c, *_weights(cell))
        assert isinstance(got, (tuple, list)) and len(got) == 3, (
            f"expected (h_next, c_next, cache), got {got!r}"[:300]
        )
        got_h, got_c = as_array(got[0], "h_next", "ndarray"), as_array(got[1], "c_next", "ndarray")
        _compare([got_c, got_h], [want_c, want_h], ("c_next", "h_next"), atol=1e-12)


def test_lstm_step_forward_saturated_gates_stay_finite(learner):
    cell, x, h, c, _ = _setup("lstm", 2)
    weights = _weights(cell)
    weights[2] = weights[2] * 800.0  # |pre-activations| in the hundreds: a naive sigmoid overflows
    _load(cell, weights)
    (want_h,), want_c, _ = _lstm_reference(cell, x[None], h, c, np.zeros((1, *h.shape)))
    got = learner.lstm_step_forward(x, h, c, *weights)
    assert isinstance(got, (tuple, list)) and len(got) == 3, (
        f"expected (h_next, c_next, cache), got {got!r}"[:300]
    )
    _compare([as_array(got[1], "c_next", "ndarray"), as_array(got[0], "h_next", "ndarray")],
             [want_c, want_h], ("c_next", "h_next"), atol=1e-12)


# -- 14.2 LSTM step backward ---------------------------------------------------------------


def test_lstm_step_backward_matches_autograd(learner):
    for seed in (3, 4):
        cell, x, h, c, rng = _setup("lstm", seed)
        dh, dc = rng.standard_normal(h.shape), rng.standard_normal(c.shape)
        _, _, want = _lstm_reference(cell, x[None], h, c, dh[None], dc_last=dc)
        want[0] = want[0][0]
        got = learner.probe("lstm_step_grads", x, h, c, *_weights(cell), dh, dc)
        _compare(_arrays(got, LSTM_NAMES, "the step's gradients"), want, LSTM_NAMES)


def test_lstm_step_backward_cell_gradient_alone_flows_through_forget_gate(learner):
    # Upstream only on c: dh_prev, dx and the weights get gradient through the gates,
    # and dc_prev is dc * f.
    cell, x, h, c, rng = _setup("lstm", 5)
    dc = rng.standard_normal(c.shape)
    _, _, want = _lstm_reference(cell, x[None], h, c, np.zeros((1, *h.shape)), dc_last=dc)
    want[0] = want[0][0]
    got = learner.probe("lstm_step_grads", x, h, c, *_weights(cell), np.zeros_like(h), dc)
    _compare(_arrays(got, LSTM_NAMES, "the step's gradients"), want, LSTM_NAMES)


def test_lstm_step_backward_hidden_gradient_alone_reaches_the_cell(learner):
    cell, x, h, c, rng = _setup("lstm", 6)
    dh = rng.standard_normal(h.shape)
    _, _, want = _lstm_reference(cell, x[None], h, c, dh[None])
    want[0] = want[0][0]
    got = _arrays(learner.probe("lstm_step_grads", x, h, c, *_weights(cell), dh, np.zeros_like(c)),
                  LSTM_NAMES, "the step's gradients")
    assert np.abs(want[2]).max() > 1e-3  # the test means something: h' depends on c through c'
    _compare(got, want, LSTM_NAMES)


# -- 14.3 LSTM forward over a sequence -----------------------------------------------------


def test_lstm_forward_matches_library_over_a_sequence(learner):
    cell, x, h, c, _ = _setup("lstm", 7, T=6)
    want_hs, _, _ = _lstm_reference(cell, x, h, c, np.zeros((6, *h.shape)))
    got = learner.lstm_forward(x, h, c, *_weights(cell))
    assert isinstance(got, (tuple, list)) and len(got) == 2, f"expected (hs, cache), got {got!r}"[:300]
    _compare([as_array(got[0], "hs", "ndarray")], [want_hs], ("hs",), atol=1e-12)


# -- 14.4 LSTM backward through time -------------------------------------------------------


def test_lstm_backward_matches_autograd_over_a_sequence(learner):
    cell, x, h, c, rng = _setup("lstm", 8, T=5)
    dhs = rng.standard_normal((5, *h.shape))
    _, _, want = _lstm_reference(cell, x, h, c, dhs)
    got = learner.probe("lstm_sequence_grads", x, h, c, *_weights(cell), dhs)
    names = ("dx", "dh0", "dc0", *LSTM_NAMES[3:])
    _compare(_arrays(got, names, "the sequence's gradients"), want, names)


def test_lstm_backward_of_a_single_step(learner):
    # T = 1: the sequence is one step, so its gradients are the step's own.
    cell, x, h, c, rng = _setup("lstm", 11, T=1)
    dhs = rng.standard_normal((1, *h.shape))
    _, _, want = _lstm_reference(cell, x, h, c, dhs)
    got = learner.probe("lstm_sequence_grads", x, h, c, *_weights(cell), dhs)
    names = ("dx", "dh0", "dc0", *LSTM_NAMES[3:])
    _compare(_arrays(got, names, "the one-step sequence's gradients"), want, names)


def test_lstm_backward_loss_on_last_step_reaches_the_first_input(learner):
    # Many-to-one: only h_T has a loss; every earlier step is reached through h and c alone.
    cell, x, h, c, rng = _setup("lstm", 9, T=7, B=2)
    dhs = np.zeros((7, *h.shape))
    dhs[-1] = rng.standard_normal(h.shape)
    _, _, want = _lstm_reference(cell, x, h, c, dhs)
    got = _arrays(learner.probe("lstm_sequence_grads", x, h, c, *_weights(cell), dhs),
                  ("dx", "dh0", "dc0", *LSTM_NAMES[3:]), "the sequence's gradients")
    assert np.abs(want[0][0]).max() > 1e-6
    _compare(got, want, ("dx", "dh0", "dc0", *LSTM_NAMES[3:]))


@pytest.mark.time_limit(10)
def test_lstm_backward_handles_a_long_wide_sequence(learner):
    # 60 steps, H = 48: about 28,000 parameters. A backward written out runs in milliseconds;
    # finite differences would need a forward pass per parameter.
    cell, x, h, c, rng = _setup("lstm", 10, B=4, I=24, H=48, T=60)
    dhs = rng.standard_normal((60, *h.shape))
    _, _, want = _lstm_reference(cell, x, h, c, dhs)
    got = learner.probe("lstm_sequence_grads", x, h, c, *_weights(cell), dhs)
    names = ("dx", "dh0", "dc0", *LSTM_NAMES[3:])
    _compare(_arrays(got, names, "the sequence's gradients"), want, names, atol=1e-9)


# -- 14.5 GRU step forward -----------------------------------------------------------------


@pytest.mark.parametrize("variant", ["pytorch", "original"])
def test_gru_step_forward_matches_library_cell(learner, variant):
    for seed in (11, 12):
        cell, x, h, _, _ = _setup("gru", seed, variant=variant)
        (want,), _ = _gru_reference(cell, x[None], h, np.zeros((1, *h.shape)))
        got = learner.gru_step_forward(x, h, *_weights(cell), variant)
        assert isinstance(got, (tuple, list)) and len(got) == 2, (
            f"expected (h_next, cache), got {got!r}"[:300]
        )
        _compare([as_array(got[0], "h_next", "ndarray")], [want], (f"h_next ({variant})",), atol=1e-12)


def test_gru_step_forward_variants_differ_and_reject_unknown(learner):
    cell, x, h, _, _ = _setup("gru", 13)
    got = [as_array(learner.gru_step_forward(x, h, *_weights(cell), v)[0], f"h_next ({v})", "ndarray")
           for v in ("pytorch", "original")]
    cell_orig = nn.GRUCell(4, 5, seed=0, variant="original")
    _load(cell_orig, _weights(cell))
    (want_orig,), _ = _gru_reference(cell_orig, x[None], h, np.zeros((1, *h.shape)))
    assert not np.allclose(got[0], got[1]), "expected the two variants to differ on the same weights"
    _compare([got[1]], [want_orig], ("h_next (original)",), atol=1e-12)
    with learner.raises(ValueError):
        learner.gru_step_forward(x, h, *_weights(cell), "keras")


# -- 14.6 GRU step backward ----------------------------------------------------------------


@pytest.mark.parametrize("variant", ["pytorch", "original"])
def test_gru_step_backward_matches_autograd(learner, variant):
    for seed in (14, 15):
        cell, x, h, _, rng = _setup("gru", seed, variant=variant)
        dh = rng.standard_normal(h.shape)
        _, want = _gru_reference(cell, x[None], h, dh[None])
        want[0] = want[0][0]
        got = learner.probe("gru_step_grads", x, h, *_weights(cell), variant, dh)
        _compare(_arrays(got, GRU_NAMES, f"the step's gradients ({variant})"), want, GRU_NAMES)


# -- 14.7 GRU forward over a sequence ------------------------------------------------------


@pytest.mark.parametrize("variant", ["pytorch", "original"])
def test_gru_forward_matches_library_over_a_sequence(learner, variant):
    cell, x, h, _, _ = _setup("gru", 16, T=6, variant=variant)
    want_hs, _ = _gru_reference(cell, x, h, np.zeros((6, *h.shape)))
    got = learner.gru_forward(x, h, *_weights(cell), variant)
    assert isinstance(got, (tuple, list)) and len(got) == 2, f"expected (hs, cache), got {got!r}"[:300]
    _compare([as_array(got[0], "hs", "ndarray")], [want_hs], (f"hs ({variant})",), atol=1e-12)


# -- 14.8 GRU backward through time --------------------------------------------------------


@pytest.mark.parametrize("variant", ["pytorch", "original"])
def test_gru_backward_matches_autograd_over_a_sequence(learner, variant):
    cell, x, h, _, rng = _setup("gru", 17, T=5, variant=variant)
    dhs = rng.standard_normal((5, *h.shape))
    _, want = _gru_reference(cell, x, h, dhs)
    got = learner.probe("gru_sequence_grads", x, h, *_weights(cell), variant, dhs)
    names = ("dx", "dh0", *GRU_NAMES[2:])
    _compare(_arrays(got, names, f"the sequence's gradients ({variant})"), want, names)


def test_gru_backward_of_a_single_step(learner):
    cell, x, h, _, rng = _setup("gru", 19, T=1, variant="pytorch")
    dhs = rng.standard_normal((1, *h.shape))
    _, want = _gru_reference(cell, x, h, dhs)
    got = learner.probe("gru_sequence_grads", x, h, *_weights(cell), "pytorch", dhs)
    names = ("dx", "dh0", *GRU_NAMES[2:])
    _compare(_arrays(got, names, "the one-step sequence's gradients"), want, names)


@pytest.mark.time_limit(10)
def test_gru_backward_handles_a_long_wide_sequence(learner):
    cell, x, h, _, rng = _setup("gru", 18, B=4, I=24, H=48, T=60, variant="original")
    dhs = rng.standard_normal((60, *h.shape))
    _, want = _gru_reference(cell, x, h, dhs)
    got = learner.probe("gru_sequence_grads", x, h, *_weights(cell), "original", dhs)
    names = ("dx", "dh0", *GRU_NAMES[2:])
    _compare(_arrays(got, names, "the sequence's gradients"), want, names, atol=1e-9)
