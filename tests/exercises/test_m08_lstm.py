"""Tests of module 8: LSTM.

Each test calls the learner's code through ``learner`` (it runs in another process and sends
back plain data) and judges the answer against the library's own cell, computed here.
"""

from __future__ import annotations

import numpy as np

from microgradrnn import Tensor, nn
from microgradrnn.grading.learner import as_array


def _pair(result, what: str) -> tuple[np.ndarray, np.ndarray]:
    assert isinstance(result, (tuple, list)) and len(result) == 2, (
        f"expected {what} as a tuple (h, c), got {result!r}"[:300]
    )
    return as_array(result[0], "h", "Tensor"), as_array(result[1], "c", "Tensor")


def _cell_and_inputs(seed: int, B: int = 3, I: int = 4, H: int = 5):
    cell = nn.LSTMCell(I, H, seed=seed)
    rng = np.random.default_rng(seed + 100)
    x, h, c = rng.standard_normal((B, I)), rng.standard_normal((B, H)), rng.standard_normal((B, H))
    return cell, x, h, c


def _weights(cell) -> list[Tensor]:
    return [Tensor(p.data.copy()) for p in (cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)]


def _gate_bias(H: int, **gates: float) -> np.ndarray:
    """A (4H,) bias, gates in order i, f, g, o, each gate's slice set to the given value (0 otherwise)."""
    return np.concatenate([np.full(H, gates.get(g, 0.0)) for g in "ifgo"])


def _library_step(x, h, c, W_ih, W_hh, b_ih, b_hh) -> tuple[np.ndarray, np.ndarray]:
    cell = nn.LSTMCell(W_ih.shape[1], W_hh.shape[1], seed=0)
    for p, v in zip((cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh), (W_ih, W_hh, b_ih, b_hh)):
        p.data[...] = v
    h2, c2 = cell(Tensor(x), (Tensor(h), Tensor(c)))
    return h2.data, c2.data


# -- 8.1 one LSTM step ---------------------------------------------------------------------


def test_lstm_step_matches_library_cell(learner):
    for seed in (0, 1):
        cell, x, h, c = _cell_and_inputs(seed)
        expected_h, expected_c = (t.data for t in cell(Tensor(x), (Tensor(h), Tensor(c))))
        got_h, got_c = _pair(learner.lstm_step(Tensor(x), Tensor(h), Tensor(c), *_weights(cell)),
                             "the result")
        assert got_h.shape == expected_h.shape, f"expected h of shape {expected_h.shape}, got {got_h.shape}"
        assert np.allclose(got_c, expected_c, atol=1e-12), (
            f"expected c' {np.round(expected_c[0], 5)}, got {np.round(got_c[0], 5)} (gate order i, f, g, o?)"
        )
        assert np.allclose(got_h, expected_h, atol=1e-12), (
            f"expected h' {np.round(expected_h[0], 5)}, got {np.round(got_h[0], 5)}"
        )


def test_forget_gate_zero_erases_cell(learner):
    cell, x, h, c = _cell_and_inputs(2)
    W_ih, W_hh, _, b_hh = _weights(cell)
    b_ih = _gate_bias(5, f=-1000.0)  # f = sigmoid(-1000) = 0
    for c0 in (c, c * 7.0):
        got_h, got_c = _pair(
            learner.lstm_step(Tensor(x), Tensor(h), Tensor(c0), W_ih, W_hh, Tensor(b_ih), b_hh), "the result"
        )
        want_h, want_c = _library_step(x, h, c0, W_ih.data, W_hh.data, b_ih, b_hh.data)
        assert np.allclose(got_c, want_c) and np.allclose(got_h, want_h), (
            f"expected c' = i * g alone when f = 0: {np.round(want_c[0], 4)}, got {np.round(got_c[0], 4)}"
        )


def test_forget_gate_one_keeps_cell(learner):
    cell, x, h, c = _cell_and_inputs(3)
    W_ih, W_hh, _, b_hh = _weights(cell)
    b_ih = _gate_bias(5, i=-1000.0, f=1000.0)  # keep everything, write nothing
    got_h, got = _pair(learner.lstm_step(Tensor(x), Tensor(h), Tensor(c), W_ih, W_hh, Tensor(b_ih), b_hh),
                       "the result")
    assert np.allclose(got, c), (
        f"expected c' == c when f = 1 and i = 0: {np.round(c[0], 4)}, got {np.round(got[0], 4)}"
    )
    # Passing the old state through is not an LSTM step: h' = o * tanh(c) must follow.
    want_h, _ = _library_step(x, h, c, W_ih.data, W_hh.data, b_ih, b_hh.data)
    assert np.allclose(got_h, want_h), f"expected h' {np.round(want_h[0], 4)}, got {np.round(got_h[0], 4)}"


def test_output_gate_zero_gives_zero_hidden_state(learner):
    cell, x, h, c = _cell_and_inputs(4)
    W_ih, W_hh, _, b_hh = _weights(cell)
    b_ih = _gate_bias(5, o=-1000.0)
    got_h, got_c = _pair(learner.lstm_step(Tensor(x), Tensor(h), Tensor(c), W_ih, W_hh, Tensor(b_ih), b_hh),
                         "the result")
    _, want_c = _library_step(x, h, c, W_ih.data, W_hh.data, b_ih, b_hh.data)
    assert np.allclose(got_h, 0.0), f"expected h' == 0 when the output gate is 0, got {np.round(got_h[0], 4)}"
    assert np.allclose(got_c, want_c), (
        f"expected the cell state to carry on when only the output gate is 0: {np.round(want_c[0], 4)},"
        f" got {np.round(got_c[0], 4)}"
    )


def test_gradients_flow_to_all_weights(learner):
    cell, x, h, c = _cell_and_inputs(5, B=2, I=3, H=2)
    values = [x, h, c] + [p.data.copy() for p in (cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)]
    rng = np.random.default_rng(6)
    gh, gc = rng.standard_normal((2, 2)), rng.standard_normal((2, 2))
    answer = learner.backward("lstm_step", [Tensor(v, requires_grad=True) for v in values], [gh, gc])

    xs = [Tensor(v, requires_grad=True) for v in values[:3]]
    for p, v in zip((cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh), values[3:]):
        p.data[...] = v
    h2, c2 = cell(xs[0], (xs[1], xs[2]))
    ((h2 * Tensor(gh)).sum() + (c2 * Tensor(gc)).sum()).backward()
    params = (cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)
    expected = [t.grad for t in xs] + [p.grad for p in params]

    names = ("x", "h", "c", "weight_ih", "weight_hh", "bias_ih", "bias_hh")
    for name, got, want in zip(names, answer["grads"], expected):
        assert got is not None, f"expected a gradient for {name}, got none (is the graph broken by .data?)"
        got = as_array(got, f"the gradient of {name}", "ndarray")
        assert got.shape == want.shape and np.allclose(got, want, atol=1e-9), (
            f"expected d(loss)/d({name}) {np.round(want.ravel()[:4], 5)}, got {np.round(got.ravel()[:4], 5)}"
        )


# -- 8.2 gate order ------------------------------------------------------------------------


def test_gate_slice_picks_rows_in_i_f_g_o_order(learner):
    H = 3
    weight = np.concatenate([np.full((H, 2), k, dtype=float) for k in range(4)])  # i=0, f=1, g=2, o=3
    for k, gate in enumerate("ifgo"):
        got = as_array(learner.gate_slice(weight, gate), f"the {gate!r} slice", "ndarray")
        assert got.shape == (H, 2), f"expected shape ({H}, 2) for gate {gate!r}, got {got.shape}"
        assert np.all(got == k), (
            f"expected the rows of gate {gate!r} (block {k} of i, f, g, o), got {got[:, 0]}"
        )
    bias = np.repeat(np.arange(4.0), H)
    got = as_array(learner.gate_slice(bias, "f"), "the forget slice of a bias", "ndarray")
    assert got.shape == (H,) and np.all(got == 1), f"expected the forget slice of a bias [1, 1, 1], got {got}"


def test_gate_slice_rejects_unknown_gate(learner):
    got = as_array(learner.gate_slice(np.arange(8.0), "o"), "the 'o' slice", "ndarray")
    assert np.array_equal(got, [6.0, 7.0]), f"expected the last quarter [6, 7] for gate 'o', got {got}"
    with learner.raises(ValueError):
        learner.gate_slice(np.zeros((8, 2)), "forget")
    with learner.raises(ValueError):
        learner.gate_slice(np.zeros((6, 2)), "i")
    with learner.raises(ValueError):  # a bias of the wrong size too
        learner.gate_slice(np.zeros(6), "i")


# -- 8.3 forget-gate bias ------------------------------------------------------------------


def _new_biases(learner, b_ih, b_hh, value=1.0, return_args=False):
    """The learner's new biases; ``value=None`` leaves the value to the function's default."""
    args = (b_ih, b_hh) if value is None else (b_ih, b_hh, value)
    answer = learner.call("forget_gate_bias", *args, return_args=return_args)
    result = answer["result"] if return_args else answer
    assert isinstance(result, (tuple, list)) and len(result) == 2, (
        f"expected a tuple of two arrays, got {result!r}"[:300]
    )
    pair = as_array(result[0], "the new b_ih", "ndarray"), as_array(result[1], "the new b_hh", "ndarray")
    return (pair, answer["args"]) if return_args else pair


def test_forget_bias_slices_sum_to_value(learner):
    rng = np.random.default_rng(7)
    H = 4
    b_ih, b_hh = rng.standard_normal(4 * H), rng.standard_normal(4 * H)
    f = slice(H, 2 * H)
    others = np.r_[0:H, 2 * H : 4 * H]
    for value in (1.0, 2.5):
        new_ih, new_hh = _new_biases(learner, b_ih, b_hh, value)
        assert np.allclose(new_ih[f] + new_hh[f], value), (
            f"expected b_if + b_hf == {value}, got {new_ih[f] + new_hh[f]}"
        )
        assert np.allclose(new_ih[others], b_ih[others]) and np.allclose(new_hh[others], b_hh[others]), (
            "expected the i, g and o slices unchanged, got them changed"
        )
    new_ih, new_hh = _new_biases(learner, b_ih, b_hh, None)  # no value given: the default, 1.0
    total = new_ih[f] + new_hh[f]
    assert np.allclose(total, 1.0), f"expected b_if + b_hf == 1 by default, got {total}"


def test_forget_bias_leaves_inputs_unchanged(learner):
    b_ih, b_hh = np.arange(8.0), np.arange(8.0) + 10
    (new_ih, new_hh), after = _new_biases(learner, b_ih, b_hh, 1.0, return_args=True)
    # A correct result first: a function that does nothing also leaves its inputs unchanged.
    assert np.allclose(new_ih[2:4] + new_hh[2:4], 1.0), (
        f"expected b_if + b_hf == 1, got {new_ih[2:4] + new_hh[2:4]}"
    )
    assert np.array_equal(after[0], b_ih) and np.array_equal(after[1], b_hh), (
        "expected the input biases unchanged, got them modified in place"
    )


def test_forget_bias_cell_keeps_sigmoid_of_one(learner):
    H, I = 3, 2
    cell = nn.LSTMCell(I, H, seed=8)
    rng = np.random.default_rng(9)
    b_ih = _gate_bias(H, i=0.3, f=-2.0, g=0.0, o=0.7)
    b_hh = _gate_bias(H, i=0.1, f=0.4, g=0.0, o=-0.2)
    new_ih, new_hh = _new_biases(learner, b_ih, b_hh, 1.0)
    cell.weight_ih.data[:] = 0.0
    cell.weight_hh.data[:] = 0.0
    cell.bias_ih.data[:], cell.bias_hh.data[:] = new_ih, new_hh
    c = rng.standard_normal((1, H))
    _, c_next = cell(Tensor(rng.standard_normal((1, I))), (Tensor(np.zeros((1, H))), Tensor(c)))
    keep = 1 / (1 + np.exp(-1.0))
    # g = tanh(0) = 0, so c' = f * c: the library cell keeps sigmoid(1) = 73 % of the memory.
    assert np.allclose(c_next.data, keep * c), f"expected c' = {keep:.4f} * c, got c'/c = {c_next.data / c}"


# -- 8.4 parameter count -------------------------------------------------------------------


def _count(learner, *args) -> int:
    got = learner.lstm_param_count(*args)
    assert type(got) is int, f"expected an int, got {got!r}"[:200]
    return got


def test_param_count_matches_library_cell(learner):
    for I, H in ((3, 5), (10, 1), (1, 7)):
        expected = nn.LSTMCell(I, H, seed=0).num_parameters()
        got = _count(learner, I, H)
        assert got == expected, f"expected {expected} parameters for I={I}, H={H}, got {got}"


def test_param_count_stacked_layers(learner):
    expected = nn.LSTM(3, 4, num_layers=3, seed=0).num_parameters()
    got = _count(learner, 3, 4, 3)
    assert got == expected, f"expected {expected} parameters for 3 layers, got {got}"


def test_param_count_bidirectional(learner):
    for layers in (1, 2):
        expected = nn.LSTM(3, 4, num_layers=layers, bidirectional=True, seed=0).num_parameters()
        got = _count(learner, 3, 4, layers, True)
        assert got == expected, (
            f"expected {expected} parameters for {layers} bidirectional layer(s), got {got}"
        )
