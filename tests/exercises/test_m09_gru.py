"""Tests of module 9: GRU.

Each test calls the learner's code through ``learner`` (it runs in another process and sends
back plain data) and judges the answer against the library's own GRU cell, built here from
the same seed, and central differences of it in float64.
"""

from __future__ import annotations

import numpy as np

from microgradrnn import Tensor, nn, numerical_grad, rel_error
from microgradrnn.grading.learner import as_array


def _h(result, shape=None) -> np.ndarray:
    got = as_array(result, "h'", "Tensor")
    assert shape is None or got.shape == shape, f"expected h' of shape {shape}, got {got.shape}"
    return got


def _cell_and_inputs(seed: int, B: int = 3, I: int = 4, H: int = 5, variant: str = "pytorch"):
    cell = nn.GRUCell(I, H, seed=seed, variant=variant)
    rng = np.random.default_rng(seed + 100)
    return cell, rng.standard_normal((B, I)), rng.standard_normal((B, H))


def _weights(cell) -> list[Tensor]:
    return [Tensor(p.data.copy()) for p in (cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)]


def _gate_bias(H: int, **gates: float) -> np.ndarray:
    """A (3H,) bias, gates in order r, z, n, each gate's slice set to the given value (0 otherwise)."""
    return np.concatenate([np.full(H, gates.get(g, 0.0)) for g in "rzn"])


def _check_grads(learner, function: str, variant: str) -> None:
    """The learner's gradients against central differences of the library's cell of ``variant``."""
    cell, x, h = _cell_and_inputs(5, B=2, I=3, H=2)
    values = [x, h] + [p.data.copy() for p in (cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)]
    g = np.random.default_rng(6).standard_normal((2, 2))
    answer = learner.backward(function, [Tensor(v, requires_grad=True) for v in values], [g])
    _h(answer["result"], (2, 2))

    def loss(*a):
        return (nn.gru_cell(*a, variant=variant) * Tensor(g)).sum()

    inputs = [Tensor(v.copy(), requires_grad=True) for v in values]
    names = ("x", "h", "weight_ih", "weight_hh", "bias_ih", "bias_hh")
    for name, got, num in zip(names, answer["grads"], numerical_grad(loss, inputs)):
        assert got is not None, f"expected a gradient for {name}, got none (graph cut by .data?)"
        err = rel_error(as_array(got, f"the gradient of {name}", "ndarray"), num)
        assert err < 1e-6, (
            f"expected d(loss)/d({name}) to match central differences, got relative error {err:.3g}"
        )


# -- 9.1 PyTorch's GRU step ----------------------------------------------------------------


def test_gru_step_matches_library_cell(learner):
    for seed in (0, 1):
        cell, x, h = _cell_and_inputs(seed)
        expected = cell(Tensor(x), Tensor(h)).data
        got = _h(learner.gru_step(Tensor(x), Tensor(h), *_weights(cell)))
        assert got.shape == expected.shape, f"expected shape {expected.shape}, got {got.shape}"
        assert np.allclose(got, expected, atol=1e-12), (
            f"expected h' {np.round(expected[0], 5)}, got {np.round(got[0], 5)}\n"
            "(gate order r, z, n? the reset gate on h W_hn^T + b_hn?)"
        )


def test_update_gate_one_keeps_hidden_state(learner):
    cell, x, h = _cell_and_inputs(2)
    W_ih, W_hh, _, b_hh = _weights(cell)
    keep = Tensor(_gate_bias(5, z=1000.0))
    got = _h(learner.gru_step(Tensor(x), Tensor(h), W_ih, W_hh, keep, b_hh), h.shape)
    assert np.allclose(got, h), (
        f"expected h' == h when z = 1, got {np.round(got[0], 4)} for h {np.round(h[0], 4)}"
    )
    # Returning h unchanged also "keeps" it: at z = 0 the same step must move all the way to n.
    b_ih = _gate_bias(5, z=-1000.0)
    got = _h(learner.gru_step(Tensor(x), Tensor(h), W_ih, W_hh, Tensor(b_ih), b_hh), h.shape)
    cell.bias_ih.data[:] = b_ih
    expected = cell(Tensor(x), Tensor(h)).data
    assert np.allclose(got, expected), (
        f"expected h' == n = {np.round(expected[0], 4)} when z = 0, got {np.round(got[0], 4)}"
    )


def test_reset_zero_drops_the_whole_recurrent_term(learner):
    # With r = 0 and z = 0, PyTorch's form gives h' = tanh(W_in x + b_in): b_hn is reset too.
    cell, x, h = _cell_and_inputs(3)
    W_ih, W_hh, _, b_hh = _weights(cell)
    b_ih = _gate_bias(5, r=-1000.0, z=-1000.0) + np.r_[np.zeros(10), cell.bias_ih.data[10:]]
    got = _h(learner.gru_step(Tensor(x), Tensor(h), W_ih, W_hh, Tensor(b_ih), b_hh))
    expected = np.tanh(x @ cell.weight_ih.data[10:].T + cell.bias_ih.data[10:])
    assert np.allclose(got, expected), (
        f"expected h' = tanh(W_in x + b_in) = {np.round(expected[0], 4)} when r = z = 0, "
        f"got {np.round(got[0], 4)}"
    )


def test_gru_step_gradients_match_central_differences(learner):
    _check_grads(learner, "gru_step", "pytorch")


# -- 9.2 the original GRU ------------------------------------------------------------------


def test_original_gru_matches_library_original_variant(learner):
    cell, x, h = _cell_and_inputs(7, variant="original")
    expected = cell(Tensor(x), Tensor(h)).data
    got = _h(learner.gru_step_original(Tensor(x), Tensor(h), *_weights(cell)))
    assert np.allclose(got, expected, atol=1e-12), (
        f"expected h' {np.round(expected[0], 5)}, got {np.round(got[0], 5)} (reset gate before W_hn?)"
    )


def test_original_gru_differs_from_pytorch_form(learner):
    # Large hidden biases make the two forms far apart: b_hn is reset in one and not the other.
    cell, x, h = _cell_and_inputs(8)
    cell.bias_hh.data[:] = np.random.default_rng(9).standard_normal(15) * 2
    pytorch_form = cell(Tensor(x), Tensor(h)).data
    original = nn.gru_cell(Tensor(x), Tensor(h), *_weights(cell), variant="original").data
    got = _h(learner.gru_step_original(Tensor(x), Tensor(h), *_weights(cell)), original.shape)
    pytorch = " (PyTorch's form: reset h before W_hn)" if np.allclose(got, pytorch_form) else ""
    assert np.allclose(got, original, atol=1e-12), (
        f"expected the original GRU's h' {np.round(original[0], 4)}, got {np.round(got[0], 4)}{pytorch}"
    )


def test_original_gru_gradients_match_central_differences(learner):
    _check_grads(learner, "gru_step_original", "original")


# -- 9.3 parameter count -------------------------------------------------------------------


def _count(learner, I: int, H: int) -> int:
    got = learner.gru_param_count(I, H)
    assert type(got) is int, f"expected an int, got {got!r}"[:200]
    return got


def test_gru_param_count_matches_library_cell(learner):
    for I, H in ((3, 5), (10, 1), (1, 7)):
        expected = nn.GRUCell(I, H, seed=0).num_parameters()
        got = _count(learner, I, H)
        assert got == expected, f"expected {expected} parameters for I={I}, H={H}, got {got}"


def test_gru_has_three_quarters_of_lstm_parameters(learner):
    for I, H in ((4, 6), (32, 128)):
        lstm = nn.LSTMCell(I, H, seed=0).num_parameters()
        ratio = _count(learner, I, H) / lstm
        assert np.isclose(ratio, 0.75), f"expected GRU/LSTM = 3/4 for I={I}, H={H}, got {ratio:.4f}"
