"""Tests of module 9: GRU."""

from __future__ import annotations

import numpy as np
import pytest

from microgradrnn import Tensor, nn, numerical_grad, rel_error


@pytest.fixture(scope="module")
def m(load_exercise):
    return load_exercise("m09_gru")


def _h(result) -> np.ndarray:
    assert isinstance(result, Tensor), f"expected h' as a Tensor, got {type(result).__name__}"
    return np.asarray(result.data, dtype=np.float64)


def _cell_and_inputs(seed: int, B: int = 3, I: int = 4, H: int = 5, variant: str = "pytorch"):
    cell = nn.GRUCell(I, H, seed=seed, variant=variant)
    rng = np.random.default_rng(seed + 100)
    return cell, rng.standard_normal((B, I)), rng.standard_normal((B, H))


def _weights(cell) -> list[Tensor]:
    return [Tensor(p.data.copy()) for p in (cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)]


def _gate_bias(H: int, **gates: float) -> np.ndarray:
    """A (3H,) bias, gates in order r, z, n, each gate's slice set to the given value (0 otherwise)."""
    return np.concatenate([np.full(H, gates.get(g, 0.0)) for g in "rzn"])


def _check_grads(step):
    cell, x, h = _cell_and_inputs(5, B=2, I=3, H=2)
    args = [Tensor(a, requires_grad=True) for a in (x, h)] + [
        Tensor(p.data.copy(), requires_grad=True)
        for p in (cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)
    ]
    g = Tensor(np.random.default_rng(6).standard_normal((2, 2)))

    def loss(*a):
        return (step(*a) * g).sum()

    loss(*args).backward()
    names = ("x", "h", "weight_ih", "weight_hh", "bias_ih", "bias_hh")
    for name, t, num in zip(names, args, numerical_grad(loss, args)):
        err = rel_error(t.grad, num)
        assert err < 1e-6, (
            f"expected d(loss)/d({name}) to match central differences, got relative error {err:.3g}"
        )


# -- 9.1 PyTorch's GRU step ----------------------------------------------------------------


def test_gru_step_matches_library_cell(m):
    for seed in (0, 1):
        cell, x, h = _cell_and_inputs(seed)
        expected = cell(Tensor(x), Tensor(h)).data
        got = _h(m.gru_step(Tensor(x), Tensor(h), *_weights(cell)))
        assert got.shape == expected.shape, f"expected shape {expected.shape}, got {got.shape}"
        assert np.allclose(got, expected, atol=1e-12), (
            f"expected h' {np.round(expected[0], 5)}, got {np.round(got[0], 5)}\n"
            "(gate order r, z, n? the reset gate on h W_hn^T + b_hn?)"
        )


def test_update_gate_one_keeps_hidden_state(m):
    cell, x, h = _cell_and_inputs(2)
    W_ih, W_hh, _, b_hh = _weights(cell)
    got = _h(m.gru_step(Tensor(x), Tensor(h), W_ih, W_hh, Tensor(_gate_bias(5, z=1000.0)), b_hh))
    assert np.allclose(got, h), (
        f"expected h' == h when z = 1, got {np.round(got[0], 4)} for h {np.round(h[0], 4)}"
    )


def test_reset_zero_drops_the_whole_recurrent_term(m):
    # With r = 0 and z = 0, PyTorch's form gives h' = tanh(W_in x + b_in): b_hn is reset too.
    cell, x, h = _cell_and_inputs(3)
    W_ih, W_hh, _, b_hh = _weights(cell)
    b_ih = _gate_bias(5, r=-1000.0, z=-1000.0) + np.r_[np.zeros(10), cell.bias_ih.data[10:]]
    got = _h(m.gru_step(Tensor(x), Tensor(h), W_ih, W_hh, Tensor(b_ih), b_hh))
    expected = np.tanh(x @ cell.weight_ih.data[10:].T + cell.bias_ih.data[10:])
    assert np.allclose(got, expected), (
        f"expected h' = tanh(W_in x + b_in) = {np.round(expected[0], 4)} when r = z = 0, "
        f"got {np.round(got[0], 4)}"
    )


def test_gru_step_gradients_match_central_differences(m):
    _check_grads(m.gru_step)


# -- 9.2 the original GRU ------------------------------------------------------------------


def test_original_gru_matches_library_original_variant(m):
    cell, x, h = _cell_and_inputs(7, variant="original")
    expected = cell(Tensor(x), Tensor(h)).data
    got = _h(m.gru_step_original(Tensor(x), Tensor(h), *_weights(cell)))
    assert np.allclose(got, expected, atol=1e-12), (
        f"expected h' {np.round(expected[0], 5)}, got {np.round(got[0], 5)} (reset gate before W_hn?)"
    )


def test_original_gru_differs_from_pytorch_form(m):
    cell, x, h = _cell_and_inputs(8)
    pytorch_form = cell(Tensor(x), Tensor(h)).data
    got = _h(m.gru_step_original(Tensor(x), Tensor(h), *_weights(cell)))
    gap = np.abs(got - pytorch_form).max()
    assert gap > 1e-3, (
        f"expected the original GRU to differ from PyTorch's form on the same weights, got a gap {gap:.2g}"
    )


def test_original_gru_gradients_match_central_differences(m):
    _check_grads(m.gru_step_original)


# -- 9.3 parameter count -------------------------------------------------------------------


def _count(m, I: int, H: int) -> int:
    got = m.gru_param_count(I, H)
    assert isinstance(got, (int, np.integer)), f"expected an int, got {type(got).__name__}"
    return int(got)


def test_gru_param_count_matches_library_cell(m):
    for I, H in ((3, 5), (10, 1), (1, 7)):
        expected = nn.GRUCell(I, H, seed=0).num_parameters()
        got = _count(m, I, H)
        assert got == expected, f"expected {expected} parameters for I={I}, H={H}, got {got}"


def test_gru_has_three_quarters_of_lstm_parameters(m):
    for I, H in ((4, 6), (32, 128)):
        lstm = nn.LSTMCell(I, H, seed=0).num_parameters()
        ratio = _count(m, I, H) / lstm
        assert np.isclose(ratio, 0.75), f"expected GRU/LSTM = 3/4 for I={I}, H={H}, got {ratio:.4f}"
