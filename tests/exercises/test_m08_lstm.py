"""Tests of module 8: LSTM."""

from __future__ import annotations

import numpy as np
import pytest

from microgradrnn import Tensor, nn, numerical_grad, rel_error


@pytest.fixture(scope="module")
def m(load_exercise):
    return load_exercise("m08_lstm")


def _pair(result, what: str) -> tuple[np.ndarray, np.ndarray]:
    assert isinstance(result, tuple) and len(result) == 2, (
        f"expected {what} as a tuple (h, c), got {result!r}"
    )
    for r in result:
        assert isinstance(r, Tensor), f"expected h and c as Tensors, got {type(r).__name__}"
    return np.asarray(result[0].data, dtype=np.float64), np.asarray(result[1].data, dtype=np.float64)


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


# -- 8.1 one LSTM step ---------------------------------------------------------------------


def test_lstm_step_matches_library_cell(m):
    for seed in (0, 1):
        cell, x, h, c = _cell_and_inputs(seed)
        expected_h, expected_c = (t.data for t in cell(Tensor(x), (Tensor(h), Tensor(c))))
        got_h, got_c = _pair(m.lstm_step(Tensor(x), Tensor(h), Tensor(c), *_weights(cell)), "the result")
        assert got_h.shape == expected_h.shape, f"expected h of shape {expected_h.shape}, got {got_h.shape}"
        assert np.allclose(got_c, expected_c, atol=1e-12), (
            f"expected c' {np.round(expected_c[0], 5)}, got {np.round(got_c[0], 5)} (gate order i, f, g, o?)"
        )
        assert np.allclose(got_h, expected_h, atol=1e-12), (
            f"expected h' {np.round(expected_h[0], 5)}, got {np.round(got_h[0], 5)}"
        )


def test_forget_gate_zero_erases_cell(m):
    cell, x, h, c = _cell_and_inputs(2)
    W_ih, W_hh, _, b_hh = _weights(cell)
    b_ih = Tensor(_gate_bias(5, f=-1000.0))  # f = sigmoid(-1000) = 0
    _, c1 = _pair(m.lstm_step(Tensor(x), Tensor(h), Tensor(c), W_ih, W_hh, b_ih, b_hh), "the result")
    _, c2 = _pair(m.lstm_step(Tensor(x), Tensor(h), Tensor(c * 7.0), W_ih, W_hh, b_ih, b_hh), "the result")
    assert np.allclose(c1, c2), f"expected c' not to depend on c when f = 0, got {c1[0]} and {c2[0]}"


def test_forget_gate_one_keeps_cell(m):
    cell, x, h, c = _cell_and_inputs(3)
    W_ih, W_hh, _, b_hh = _weights(cell)
    b_ih = Tensor(_gate_bias(5, i=-1000.0, f=1000.0))  # keep everything, write nothing
    _, got = _pair(m.lstm_step(Tensor(x), Tensor(h), Tensor(c), W_ih, W_hh, b_ih, b_hh), "the result")
    assert np.allclose(got, c), (
        f"expected c' == c when f = 1 and i = 0: {np.round(c[0], 4)}, got {np.round(got[0], 4)}"
    )


def test_output_gate_zero_gives_zero_hidden_state(m):
    cell, x, h, c = _cell_and_inputs(4)
    W_ih, W_hh, _, b_hh = _weights(cell)
    b_ih = Tensor(_gate_bias(5, o=-1000.0))
    got_h, got_c = _pair(m.lstm_step(Tensor(x), Tensor(h), Tensor(c), W_ih, W_hh, b_ih, b_hh), "the result")
    assert np.allclose(got_h, 0.0), f"expected h' == 0 when the output gate is 0, got {np.round(got_h[0], 4)}"
    assert not np.allclose(got_c, 0.0), "expected the cell state to carry on when only the output gate is 0"


def test_gradients_flow_to_all_weights(m):
    cell, x, h, c = _cell_and_inputs(5, B=2, I=3, H=2)
    args = [Tensor(a, requires_grad=True) for a in (x, h, c)] + [
        Tensor(p.data.copy(), requires_grad=True)
        for p in (cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)
    ]
    rng = np.random.default_rng(6)
    gh, gc = Tensor(rng.standard_normal((2, 2))), Tensor(rng.standard_normal((2, 2)))

    def loss(*a):
        h_next, c_next = m.lstm_step(*a)
        return (h_next * gh).sum() + (c_next * gc).sum()

    loss(*args).backward()
    names = ("x", "h", "c", "weight_ih", "weight_hh", "bias_ih", "bias_hh")
    for name, t, num in zip(names, args, numerical_grad(loss, args)):
        err = rel_error(t.grad, num)
        assert err < 1e-6, (
            f"expected d(loss)/d({name}) to match central differences, got relative error {err:.3g}"
        )


# -- 8.2 gate order ------------------------------------------------------------------------


def test_gate_slice_picks_rows_in_i_f_g_o_order(m):
    H = 3
    weight = np.concatenate([np.full((H, 2), k, dtype=float) for k in range(4)])  # i=0, f=1, g=2, o=3
    for k, gate in enumerate("ifgo"):
        got = m.gate_slice(weight.copy(), gate)
        assert isinstance(got, np.ndarray), f"expected a numpy array, got {type(got).__name__}"
        assert got.shape == (H, 2), f"expected shape ({H}, 2) for gate {gate!r}, got {got.shape}"
        assert np.all(got == k), (
            f"expected the rows of gate {gate!r} (block {k} of i, f, g, o), got {got[:, 0]}"
        )
    bias = np.repeat(np.arange(4.0), H)
    got = np.asarray(m.gate_slice(bias, "f"), dtype=np.float64)
    assert got.shape == (H,) and np.all(got == 1), f"expected the forget slice of a bias [1, 1, 1], got {got}"


def test_gate_slice_rejects_unknown_gate(m):
    with pytest.raises(ValueError):
        m.gate_slice(np.zeros((8, 2)), "forget")
    with pytest.raises(ValueError):
        m.gate_slice(np.zeros((6, 2)), "i")


# -- 8.3 forget-gate bias ------------------------------------------------------------------


def _new_biases(m, b_ih, b_hh, value=1.0):
    result = m.forget_gate_bias(b_ih, b_hh, value)
    assert isinstance(result, tuple) and len(result) == 2, f"expected a tuple of two arrays, got {result!r}"
    for r in result:
        assert isinstance(r, np.ndarray), f"expected numpy arrays, got {type(r).__name__}"
    return np.asarray(result[0], dtype=np.float64), np.asarray(result[1], dtype=np.float64)


def test_forget_bias_slices_sum_to_value(m):
    rng = np.random.default_rng(7)
    H = 4
    b_ih, b_hh = rng.standard_normal(4 * H), rng.standard_normal(4 * H)
    new_ih, new_hh = _new_biases(m, b_ih.copy(), b_hh.copy(), 1.0)
    f = slice(H, 2 * H)
    assert np.allclose(new_ih[f] + new_hh[f], 1.0), f"expected b_if + b_hf == 1, got {new_ih[f] + new_hh[f]}"
    others = np.r_[0:H, 2 * H : 4 * H]
    assert np.allclose(new_ih[others], b_ih[others]) and np.allclose(new_hh[others], b_hh[others]), (
        "expected the i, g and o slices unchanged, got them changed"
    )
    new_ih, new_hh = _new_biases(m, b_ih.copy(), b_hh.copy(), 2.5)
    assert np.allclose(new_ih[f] + new_hh[f], 2.5), (
        f"expected b_if + b_hf == 2.5, got {new_ih[f] + new_hh[f]}"
    )


def test_forget_bias_leaves_inputs_unchanged(m):
    b_ih, b_hh = np.arange(8.0), np.arange(8.0) + 10
    m.forget_gate_bias(b_ih, b_hh, 1.0)
    assert np.array_equal(b_ih, np.arange(8.0)) and np.array_equal(b_hh, np.arange(8.0) + 10), (
        "expected the input biases unchanged, got them modified in place"
    )


def test_forget_bias_cell_keeps_sigmoid_of_one(m):
    H, I = 3, 2
    cell = nn.LSTMCell(I, H, seed=8)
    rng = np.random.default_rng(9)
    b_ih = _gate_bias(H, i=0.3, f=-2.0, g=0.0, o=0.7)
    b_hh = _gate_bias(H, i=0.1, f=0.4, g=0.0, o=-0.2)
    new_ih, new_hh = _new_biases(m, b_ih, b_hh, 1.0)
    cell.weight_ih.data[:] = 0.0
    cell.weight_hh.data[:] = 0.0
    cell.bias_ih.data[:], cell.bias_hh.data[:] = new_ih, new_hh
    c = rng.standard_normal((1, H))
    _, c_next = cell(Tensor(rng.standard_normal((1, I))), (Tensor(np.zeros((1, H))), Tensor(c)))
    keep = 1 / (1 + np.exp(-1.0))
    # g = tanh(0) = 0, so c' = f * c: the library cell keeps sigmoid(1) = 73 % of the memory.
    assert np.allclose(c_next.data, keep * c), f"expected c' = {keep:.4f} * c, got c'/c = {c_next.data / c}"


# -- 8.4 parameter count -------------------------------------------------------------------


def _count(m, *args) -> int:
    got = m.lstm_param_count(*args)
    assert isinstance(got, (int, np.integer)), f"expected an int, got {type(got).__name__}"
    return int(got)


def test_param_count_matches_library_cell(m):
    for I, H in ((3, 5), (10, 1), (1, 7)):
        expected = nn.LSTMCell(I, H, seed=0).num_parameters()
        got = _count(m, I, H)
        assert got == expected, f"expected {expected} parameters for I={I}, H={H}, got {got}"


def test_param_count_stacked_layers(m):
    expected = nn.LSTM(3, 4, num_layers=3, seed=0).num_parameters()
    got = _count(m, 3, 4, 3)
    assert got == expected, f"expected {expected} parameters for 3 layers, got {got}"


def test_param_count_bidirectional(m):
    for layers in (1, 2):
        expected = nn.LSTM(3, 4, num_layers=layers, bidirectional=True, seed=0).num_parameters()
        got = _count(m, 3, 4, layers, True)
        assert got == expected, (
            f"expected {expected} parameters for {layers} bidirectional layer(s), got {got}"
        )
