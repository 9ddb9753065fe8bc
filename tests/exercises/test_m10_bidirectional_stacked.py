"""Tests of module 10: bidirectional, stacked and regularised RNNs."""

from __future__ import annotations

import numpy as np
import pytest

from microgradrnn import Tensor, nn, numerical_grad, rel_error


@pytest.fixture(scope="module")
def m(load_exercise):
    return load_exercise("m10_bidirectional_stacked")


def _tensor(result, what: str) -> np.ndarray:
    assert isinstance(result, Tensor), f"expected {what} as a Tensor, got {type(result).__name__}"
    return np.asarray(result.data, dtype=np.float64)


def _copy_cell(cell, layer_module, layer: int, direction: int):
    """Give ``cell`` the weights of one layer and direction of a library sequence layer."""
    for mine, theirs in zip(
        (cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh),
        layer_module.cell_parameters(layer, direction),
    ):
        mine.data[...] = theirs.data
    return cell


def _sequence(seed: int, T: int = 5, B: int = 2, I: int = 3) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((T, B, I))


def _bidir(m, fwd, bwd, x):
    result = m.bidirectional(fwd, bwd, Tensor(x))
    assert isinstance(result, tuple) and len(result) == 2, f"expected a tuple (output, h_n), got {result!r}"
    return _tensor(result[0], "output"), _tensor(result[1], "h_n")


def _two_cells(seed: int, I: int = 3, H: int = 4):
    layer = nn.RNN(I, H, bidirectional=True, seed=seed)
    fwd = _copy_cell(nn.RNNCell(I, H, seed=0), layer, 0, 0)
    bwd = _copy_cell(nn.RNNCell(I, H, seed=0), layer, 0, 1)
    return layer, fwd, bwd


# -- 10.1 bidirectional --------------------------------------------------------------------


def test_bidirectional_matches_library_layer(m):
    layer, fwd, bwd = _two_cells(1)
    x = _sequence(2)
    expected_out, expected_h = (t.data for t in layer(Tensor(x)))
    out, h_n = _bidir(m, fwd, bwd, x)
    assert out.shape == expected_out.shape, f"expected output of shape {expected_out.shape}, got {out.shape}"
    assert h_n.shape == expected_h.shape, f"expected h_n of shape {expected_h.shape}, got {h_n.shape}"
    assert np.allclose(out, expected_out, atol=1e-12), (
        f"expected output[0, 0] {np.round(expected_out[0, 0], 4)}, got {np.round(out[0, 0], 4)}"
    )
    assert np.allclose(h_n, expected_h, atol=1e-12), (
        f"expected h_n[:, 0] {np.round(expected_h[:, 0], 4)}, got {np.round(h_n[:, 0], 4)}"
    )


def test_reverse_half_depends_only_on_later_inputs(m):
    _, fwd, bwd = _two_cells(3)
    x = _sequence(4, T=6)
    base, _ = _bidir(m, fwd, bwd, x)
    x2 = x.copy()
    x2[3] += 1.0  # change the input at t = 3 only
    changed, _ = _bidir(m, fwd, bwd, x2)
    H = 4
    for t in range(6):
        fwd_moved = not np.allclose(base[t, :, :H], changed[t, :, :H])
        bwd_moved = not np.allclose(base[t, :, H:], changed[t, :, H:])
        assert fwd_moved == (t >= 3), (
            f"expected the forward half at t={t} to {'' if t >= 3 else 'not '}change"
        )
        assert bwd_moved == (t <= 3), (
            f"expected the reverse half at t={t} to {'' if t <= 3 else 'not '}change when x[3] changes"
        )


def test_h_n_reverse_is_first_output_step(m):
    _, fwd, bwd = _two_cells(5)
    out, h_n = _bidir(m, fwd, bwd, _sequence(6))
    H = 4
    assert np.allclose(h_n[1], out[0, :, H:]), "expected h_n[1] (reverse) == output[0, :, H:], got a mismatch"
    assert np.allclose(h_n[0], out[-1, :, :H]), (
        "expected h_n[0] (forward) == output[-1, :, :H], got a mismatch"
    )
    assert not np.allclose(h_n[1], out[-1, :, H:]), (
        "expected h_n[1] != output[-1, :, H:] (the reverse pass ends at t=0)"
    )


def test_bidirectional_gradients_flow(m):
    _, fwd, bwd = _two_cells(7, I=2, H=2)
    x = Tensor(_sequence(8, T=3, B=1, I=2), requires_grad=True)
    g = np.random.default_rng(9).standard_normal((3, 1, 4))

    def loss(x):
        out, _ = m.bidirectional(fwd, bwd, x)
        return (out * Tensor(g)).sum()

    loss(x).backward()
    (num,) = numerical_grad(loss, [x])
    err = rel_error(x.grad, num)
    assert err < 1e-6, f"expected d(loss)/dx to match central differences, got relative error {err:.3g}"


# -- 10.2 stacked --------------------------------------------------------------------------


def _stack_cells(kind: str, seed: int, I: int = 3, H: int = 4):
    Layer, Cell = (nn.RNN, nn.RNNCell) if kind == "rnn" else (nn.GRU, nn.GRUCell)
    layer = Layer(I, H, num_layers=2, seed=seed)
    return layer, [_copy_cell(Cell(I, H, seed=0), layer, 0, 0), _copy_cell(Cell(H, H, seed=0), layer, 1, 0)]


def _stacked(m, cells, x, return_sequences=True):
    return _tensor(m.stacked(cells, Tensor(x), return_sequences=return_sequences), "the result")


def test_stack_matches_library_two_layer_rnn(m):
    layer, cells = _stack_cells("rnn", 10)
    x = _sequence(11)
    expected = layer(Tensor(x))[0].data
    got = _stacked(m, cells, x)
    assert got.shape == expected.shape, f"expected shape {expected.shape}, got {got.shape}"
    assert np.allclose(got, expected, atol=1e-12), (
        f"expected output[-1, 0] {np.round(expected[-1, 0], 4)}, got {np.round(got[-1, 0], 4)}"
    )


def test_stack_matches_library_two_layer_gru(m):
    layer, cells = _stack_cells("gru", 12)
    x = _sequence(13)
    expected = layer(Tensor(x))[0].data
    got = _stacked(m, cells, x)
    assert got.shape == expected.shape, f"expected shape {expected.shape}, got {got.shape}"
    assert np.allclose(got, expected, atol=1e-12), (
        f"expected output[-1, 0] {np.round(expected[-1, 0], 4)}, got {np.round(got[-1, 0], 4)}"
    )


def test_stack_return_last_state(m):
    layer, cells = _stack_cells("rnn", 14)
    x = _sequence(15)
    output, h_n = layer(Tensor(x))
    got = _stacked(m, cells, x, return_sequences=False)
    assert got.shape == (2, 4), f"expected shape (2, 4) with return_sequences=False, got {got.shape}"
    assert np.allclose(got, h_n.data[1]), (
        f"expected the top layer's last state {np.round(h_n.data[1, 0], 4)}, got {got}"
    )


def test_stack_layers_of_different_sizes(m):
    cells = [nn.RNNCell(3, 6, seed=1), nn.GRUCell(6, 2, seed=2), nn.RNNCell(2, 5, seed=3)]
    x = _sequence(16, T=4)
    got = _stacked(m, cells, x)
    assert got.shape == (4, 2, 5), f"expected shape (4, 2, 5) from the top cell of size 5, got {got.shape}"
    h = [None, None, None]
    for t in range(4):
        inp = Tensor(x[t])
        for k, cell in enumerate(cells):
            h[k] = inp = cell(inp, h[k])
    assert np.allclose(got[-1], h[2].data), (
        f"expected the last top state {np.round(h[2].data[0], 4)}, got {got[-1, 0]}"
    )


# -- 10.3 recurrent dropout mask -----------------------------------------------------------


def _mask(m, shape, p, seed) -> np.ndarray:
    got = m.recurrent_dropout_mask(shape, p, seed)
    assert isinstance(got, np.ndarray), f"expected a numpy array, got {type(got).__name__}"
    got = np.asarray(got, dtype=np.float64)
    assert got.shape == tuple(shape), f"expected shape {tuple(shape)}, got {got.shape}"
    return got


def test_mask_values_are_zero_or_inverse_keep(m):
    got = _mask(m, (20, 30), 0.2, 0)
    values = set(np.unique(got).round(12))
    assert values == {0.0, 1.25}, f"expected only 0 and 1/(1-0.2) = 1.25, got {sorted(values)}"


def test_mask_keep_fraction_near_one_minus_p(m):
    for p in (0.2, 0.5, 0.8):
        kept = float(np.mean(_mask(m, (200, 100), p, 1) > 0))
        assert abs(kept - (1 - p)) < 0.02, (
            f"expected a kept fraction near {1 - p:.2f} for p={p}, got {kept:.3f}"
        )


def test_mask_preserves_expectation(m):
    mean = float(_mask(m, (300, 100), 0.3, 2).mean())
    assert abs(mean - 1.0) < 0.03, f"expected the mask's mean near 1 (inverted dropout), got {mean:.4f}"
    assert np.all(_mask(m, (4, 5), 0.0, 3) == 1.0), "expected all ones for p = 0"


def test_mask_is_seeded(m):
    a, b, c = _mask(m, (10, 10), 0.5, 7), _mask(m, (10, 10), 0.5, 7), _mask(m, (10, 10), 0.5, 8)
    assert np.array_equal(a, b), "expected the same mask for the same seed, got two different masks"
    assert not np.array_equal(a, c), "expected different masks for seeds 7 and 8, got the same"


def test_mask_rejects_bad_p(m):
    for p in (1.0, -0.1, 1.5):
        with pytest.raises(ValueError):
            m.recurrent_dropout_mask((2, 2), p, 0)


# -- 10.4 one mask for every step ----------------------------------------------------------


class RecordingCell:
    """An RNN cell that remembers the input and state it was given at every call."""

    def __init__(self, I: int, H: int, seed: int):
        self.cell, self.hidden_size = nn.RNNCell(I, H, seed=seed), H
        self.xs: list[np.ndarray] = []
        self.hs: list[np.ndarray] = []

    def __call__(self, x, h):
        assert h is not None, "expected the cell to be given a state, got None"
        self.xs.append(np.array(x.data))
        self.hs.append(np.array(h.data))
        return self.cell(x, h)


def _run(m, cell, x, p, seed, training=True):
    result = m.run_with_recurrent_dropout(cell, Tensor(x), p, seed, training=training)
    assert isinstance(result, tuple) and len(result) == 2, f"expected a tuple (outputs, mask), got {result!r}"
    out = _tensor(result[0], "outputs")
    assert isinstance(result[1], np.ndarray), (
        f"expected the mask as a numpy array, got {type(result[1]).__name__}"
    )
    return out, np.asarray(result[1], dtype=np.float64)


def test_same_mask_at_every_step(m):
    cell = RecordingCell(3, 6, seed=1)
    x = _sequence(20, T=5, B=3)
    out, mask = _run(m, cell, x, 0.5, 4)
    assert out.shape == (5, 3, 6), f"expected outputs of shape (5, 3, 6), got {out.shape}"
    assert mask.shape == (3, 6), f"expected a mask of shape (3, 6), got {mask.shape}"
    assert set(np.unique(mask).round(12)) <= {0.0, 2.0} and (mask == 0).any(), (
        f"expected a dropout mask of 0 and 2 for p = 0.5, got {np.unique(mask)}"
    )
    assert len(cell.hs) == 5, f"expected 5 calls of the cell, got {len(cell.hs)}"
    assert np.allclose(cell.hs[0], 0.0), "expected the first state to be zeros"
    for t in range(1, 5):
        assert np.allclose(cell.hs[t], out[t - 1] * mask), (
            f"expected the state given at t={t} to be outputs[{t - 1}] * mask (the same mask every step)"
        )


def test_input_passes_unchanged(m):
    cell = RecordingCell(3, 4, seed=2)
    x = _sequence(21, T=4)
    _run(m, cell, x, 0.5, 5)
    assert len(cell.xs) == 4 and all(np.allclose(cell.xs[t], x[t]) for t in range(4)), (
        "expected x[t] passed to the cell unchanged (recurrent dropout masks only the state)"
    )


def test_no_dropout_in_eval(m):
    cell = RecordingCell(3, 4, seed=3)
    x = _sequence(22, T=4)
    out, mask = _run(m, cell, x, 0.5, 6, training=False)
    assert np.all(mask == 1.0), f"expected a mask of ones when training=False, got {np.unique(mask)}"
    h = None
    for t in range(4):
        h = cell.cell(Tensor(x[t]), h)
    assert np.allclose(out[-1], h.data), "expected the plain RNN's states when training=False"
