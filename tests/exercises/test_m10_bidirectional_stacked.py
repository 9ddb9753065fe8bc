"""Tests of module 10: bidirectional, stacked and regularised RNNs.

The learner's wrappers take cells, so a probe builds library cells from seeds in the runner
and the tests build the same cells from the same seeds here; what is right comes from the
library's own sequence layers (``nn.RNN``, ``nn.GRU``: bidirectional, stacked, with recurrent
dropout) loaded with those cells' weights.
"""

from __future__ import annotations

import numpy as np

from microgradrnn import Tensor, nn
from microgradrnn.functional import dropout_mask
from microgradrnn.grading.learner import as_array

CELLS = {"rnn": nn.RNNCell, "gru": nn.GRUCell}
LAYERS = {"rnn": nn.RNN, "gru": nn.GRU}


def _cell(spec):
    kind, input_size, hidden_size, seed = spec
    return CELLS[kind](input_size, hidden_size, seed=seed)


def _params(cell) -> tuple:
    return cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh


def _layer(kind: str, specs: list, num_layers: int = 1, bidirectional: bool = False, **kwargs):
    """A library layer whose (layer, direction) cells carry the weights of the cells of ``specs``,
    listed layer 0 forward, layer 0 reverse, layer 1 forward, ..."""
    I, H = specs[0][1], specs[0][2]
    seed = kwargs.pop("seed", 0)
    layer = LAYERS[kind](I, H, num_layers=num_layers, bidirectional=bidirectional, seed=seed, **kwargs)
    D = 2 if bidirectional else 1
    cells = [_cell(s) for s in specs]
    for k, cell in enumerate(cells):
        for mine, theirs in zip(layer.cell_parameters(k // D, k % D), _params(cell)):
            mine.data[...] = theirs.data
    return layer, cells


def _sequence(seed: int, T: int = 5, B: int = 2, I: int = 3) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((T, B, I))


def _pair(result, what: str) -> tuple[np.ndarray, np.ndarray]:
    assert isinstance(result, (tuple, list)) and len(result) == 2, f"expected {what}, got {result!r}"[:300]
    return as_array(result[0], "the first item", "Tensor"), as_array(result[1], "the second item", "Tensor")


def _close(got: np.ndarray, want: np.ndarray, what: str, atol: float = 1e-12) -> None:
    assert got.shape == want.shape, f"expected {what} of shape {want.shape}, got {got.shape}"
    assert np.allclose(got, want, atol=atol), (
        f"expected {what} {np.round(want.ravel()[:4], 4)}..., got {np.round(got.ravel()[:4], 4)}..."
    )


def _grads_close(answer: dict, x: Tensor, layer, slots: list[tuple[int, int]]) -> None:
    got_x = as_array(answer["x"], "the gradient of x", "ndarray") if answer["x"] is not None else None
    assert got_x is not None, "expected a gradient for x, got none (is the graph broken by .data?)"
    _close(got_x, x.grad, "d(loss)/dx", atol=1e-10)
    names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
    for k, ((lay, direction), grads) in enumerate(zip(slots, answer["params"])):
        for name, got, p in zip(names, grads, layer.cell_parameters(lay, direction)):
            assert got is not None, f"expected a gradient for {name} of cell {k}, got none"
            got = as_array(got, f"the gradient of {name}", "ndarray")
            _close(got, p.grad, f"d(loss)/d({name}) of cell {k}", atol=1e-10)


# -- 10.1 bidirectional --------------------------------------------------------------------

FWD, BWD = ("rnn", 3, 4, 1), ("rnn", 3, 4, 2)


def _bidir(learner, x, fwd=FWD, bwd=BWD) -> tuple[np.ndarray, np.ndarray]:
    return _pair(learner.probe("bidirectional", fwd, bwd, x), "a tuple (output, h_n)")


def _library_bidir(x, fwd=FWD, bwd=BWD, kind="rnn") -> tuple[np.ndarray, np.ndarray]:
    layer, _ = _layer(kind, [fwd, bwd], bidirectional=True)
    out, h_n = layer(Tensor(x))
    return out.data, h_n.data


def test_bidirectional_matches_library_layer(learner):
    for kind, x in (("rnn", _sequence(2)), ("gru", _sequence(3, T=4, B=3))):
        fwd, bwd = (kind, 3, 4, 11), (kind, 3, 4, 12)
        want_out, want_h = _library_bidir(x, fwd, bwd, kind)
        out, h_n = _bidir(learner, x, fwd, bwd)
        _close(out, want_out, f"output of the {kind} pair")
        _close(h_n, want_h, f"h_n of the {kind} pair")


def test_reverse_half_depends_only_on_later_inputs(learner):
    x = _sequence(4, T=6)
    x2 = x.copy()
    x2[3] += 1.0  # change the input at t = 3 only
    base, _ = _bidir(learner, x)
    changed, _ = _bidir(learner, x2)
    _close(base, _library_bidir(x)[0], "output")
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


def test_h_n_reverse_is_first_output_step(learner):
    x = _sequence(6)
    out, h_n = _bidir(learner, x)
    want_out, want_h = _library_bidir(x)
    H = 4
    _close(out, want_out, "output")
    assert h_n.shape == (2, 2, H), f"expected h_n of shape (2, 2, {H}), got {h_n.shape}"
    assert np.allclose(h_n[0], want_out[-1, :, :H]), "expected h_n[0] (forward) == output[-1, :, :H]"
    assert np.allclose(h_n[1], want_out[0, :, H:]), (
        "expected h_n[1] (reverse) == output[0, :, H:]: the reverse pass ends at t = 0"
    )
    _close(h_n, want_h, "h_n")


def test_bidirectional_gradients_flow(learner):
    fwd, bwd = ("gru", 2, 2, 7), ("gru", 2, 2, 8)
    x = _sequence(8, T=3, B=1, I=2)
    g = np.random.default_rng(9).standard_normal((3, 1, 4))
    answer = learner.probe("bidirectional", fwd, bwd, x, g)
    layer, _ = _layer("gru", [fwd, bwd], bidirectional=True)
    xt = Tensor(x, requires_grad=True)
    (layer(xt)[0] * Tensor(g)).sum().backward()
    _grads_close(answer, xt, layer, [(0, 0), (0, 1)])


# -- 10.2 stacked --------------------------------------------------------------------------


def _stacked(learner, specs, x, return_sequences=True) -> np.ndarray:
    return as_array(learner.probe("stacked", specs, x, return_sequences), "the result", "Tensor")


def test_stack_matches_library_two_layer_rnn(learner):
    specs = [("rnn", 3, 4, 10), ("rnn", 4, 4, 20)]
    x = _sequence(11)
    layer, _ = _layer("rnn", specs, num_layers=2)
    _close(_stacked(learner, specs, x), layer(Tensor(x))[0].data, "the top layer's states")


def test_stack_matches_library_two_layer_gru(learner):
    specs = [("gru", 3, 4, 12), ("gru", 4, 4, 22)]
    x = _sequence(13)
    layer, _ = _layer("gru", specs, num_layers=2)
    _close(_stacked(learner, specs, x), layer(Tensor(x))[0].data, "the top layer's states")
    g = np.random.default_rng(14).standard_normal((5, 2, 4))
    answer = learner.probe("stacked", specs, x, True, g)
    xt = Tensor(x, requires_grad=True)
    (layer(xt)[0] * Tensor(g)).sum().backward()
    _grads_close(answer, xt, layer, [(0, 0), (1, 0)])


def test_stack_return_last_state(learner):
    specs = [("rnn", 3, 4, 14), ("rnn", 4, 4, 24)]
    x = _sequence(15)
    layer, _ = _layer("rnn", specs, num_layers=2)
    _, h_n = layer(Tensor(x))
    _close(_stacked(learner, specs, x, return_sequences=False), h_n.data[1],
           "the top layer's last state (return_sequences=False)")


def test_stack_layers_of_different_sizes(learner):
    specs = [("rnn", 3, 6, 1), ("gru", 6, 2, 2), ("rnn", 2, 5, 3)]
    x = _sequence(16, T=4)
    cells = [_cell(s) for s in specs]
    h: list = [None, None, None]
    states = []
    for t in range(4):
        inp = Tensor(x[t])
        for k, cell in enumerate(cells):
            h[k] = inp = cell(inp, h[k])
        states.append(h[2].data)
    _close(_stacked(learner, specs, x), np.stack(states), "the top cell's states")


# -- 10.3 recurrent dropout mask -----------------------------------------------------------


def _mask(learner, shape, p, seed) -> np.ndarray:
    got = learner.recurrent_dropout_mask(tuple(shape), p, seed)
    assert isinstance(got, np.ndarray) and got.dtype == np.float64, (
        f"expected a float64 numpy array, got {getattr(got, 'dtype', type(got).__name__)}"
    )
    got = as_array(got, "the mask", "ndarray")
    assert got.shape == tuple(shape), f"expected shape {tuple(shape)}, got {got.shape}"
    return got


def _library_mask(shape, p, seed) -> np.ndarray:
    return dropout_mask(tuple(shape), p, np.random.default_rng(seed)).data


def test_mask_values_are_zero_or_inverse_keep(learner):
    got = _mask(learner, (20, 30), 0.2, 0)
    values = set(np.unique(got).round(12))
    assert values == {0.0, 1.25}, f"expected only 0 and 1/(1-0.2) = 1.25, got {sorted(values)}"
    assert np.array_equal(got, _library_mask((20, 30), 0.2, 0)), (
        "expected entry i kept exactly when the i-th draw of default_rng(seed).random(shape) is >= p"
    )


def test_mask_keep_fraction_near_one_minus_p(learner):
    for p in (0.2, 0.5, 0.8):
        got = _mask(learner, (200, 100), p, 1)
        kept = float(np.mean(got > 0))
        assert abs(kept - (1 - p)) < 0.02, (
            f"expected a kept fraction near {1 - p:.2f} for p={p}, got {kept:.3f}"
        )
        assert np.allclose(got[got > 0], 1 / (1 - p)), f"expected kept entries 1/(1-p) = {1 / (1 - p):.3f}"


def test_mask_preserves_expectation(learner):
    mean = float(_mask(learner, (300, 100), 0.3, 2).mean())
    assert abs(mean - 1.0) < 0.03, f"expected the mask's mean near 1 (inverted dropout), got {mean:.4f}"
    assert np.all(_mask(learner, (4, 5), 0.0, 3) == 1.0), "expected all ones for p = 0"


def test_mask_is_seeded(learner):
    a, b, c = (_mask(learner, (10, 10), 0.5, s) for s in (7, 7, 8))
    assert np.array_equal(a, _library_mask((10, 10), 0.5, 7)), "expected the mask drawn from default_rng(7)"
    assert np.array_equal(a, b), "expected the same mask for the same seed, got two different masks"
    assert not np.array_equal(a, c), "expected different masks for seeds 7 and 8, got the same"


def test_mask_rejects_bad_p(learner):
    assert np.array_equal(_mask(learner, (3, 4), 0.5, 0), _library_mask((3, 4), 0.5, 0)), (
        "expected a correct mask for p = 0.5"
    )
    for p in (1.0, -0.1, 1.5):
        with learner.raises(ValueError):
            learner.recurrent_dropout_mask((2, 2), p, 0)


# -- 10.4 recurrent dropout on a GRU: one mask, on the recurrent product only -----------------

GRU_SPEC = ("gru", 3, 6, 5)


def _library_dropout(x, p, seed, training=True, bias_ih=None, spec=GRU_SPEC):
    """The library GRU layer with recurrent dropout, its mask drawn from default_rng(seed)."""
    gen = np.random.default_rng(0)  # the layer's own generator: initialisation, then its masks
    layer, (cell,) = _layer("gru", [spec], recurrent_dropout=p, seed=gen)
    if bias_ih is not None:
        layer.bias_ih_l0.data[...] = bias_ih
        cell.bias_ih.data[...] = bias_ih
    gen.bit_generator.state = np.random.default_rng(seed).bit_generator.state  # next draw: the mask
    layer.train(training)
    B, H = x.shape[1], spec[2]
    mask = _library_mask((B, H), p, seed) if training and p else np.ones((B, H))
    return layer, cell, mask


def _dropout(learner, x, p, seed, training=True, bias_ih=None):
    result = learner.probe("recurrent_dropout", GRU_SPEC, x, p, seed, training, bias_ih)
    assert isinstance(result, (tuple, list)) and len(result) == 2, (
        f"expected a tuple (outputs, mask), got {result!r}"[:300]
    )
    out = as_array(result[0], "the outputs", "Tensor")
    mask = as_array(result[1], "the mask", "ndarray")
    return out, mask


def test_recurrent_dropout_matches_library_layer(learner):
    for p, seed, T in ((0.5, 4, 5), (0.25, 9, 4)):
        x = _sequence(20 + seed, T=T, B=3)
        layer, _, want_mask = _library_dropout(x, p, seed)
        want = layer(Tensor(x))[0].data
        out, mask = _dropout(learner, x, p, seed)
        _close(mask, want_mask, f"the mask for p={p}, seed={seed}")
        _close(out, want, f"the states of the library GRU with recurrent_dropout={p}", atol=1e-10)


def test_carried_state_is_not_masked(learner):
    H = GRU_SPEC[2]
    bias_ih = np.concatenate([np.zeros(H), np.full(H, 2.0), np.zeros(H)])  # z near 0.9: mostly carried over
    x = _sequence(30, T=5, B=3)
    layer, cell, mask = _library_dropout(x, 0.5, 3, bias_ih=bias_ih)
    want = layer(Tensor(x))[0].data
    out, _ = _dropout(learner, x, 0.5, 3, bias_ih=bias_ih)
    h, wrong = Tensor(np.zeros((3, H))), []
    for t in range(5):  # the variant that masks the whole state, carried part included
        h = cell(Tensor(x[t]), h * Tensor(mask))
        wrong.append(h.data)
    assert out.shape == want.shape, f"expected outputs of shape {want.shape}, got {out.shape}"
    assert not np.allclose(out, np.stack(wrong)), (
        "expected the carried state z * h unmasked, got the GRU run on h * mask (carried state masked too)"
    )
    _close(out, want, "the states (the mask on h only inside the recurrent product)", atol=1e-10)


def test_no_dropout_in_eval(learner):
    x = _sequence(22, T=4)
    layer, _, _ = _library_dropout(x, 0.5, 6, training=False)
    out, mask = _dropout(learner, x, 0.5, 6, training=False)
    assert mask.shape == (2, 6) and np.all(mask == 1.0), (
        f"expected a (2, 6) mask of ones when training=False, got {np.unique(mask)}"
    )
    _close(out, layer(Tensor(x))[0].data, "the plain GRU's states when training=False", atol=1e-10)


def test_recurrent_dropout_gradients_match_library(learner):
    x = _sequence(23, T=3, B=2)
    g = np.random.default_rng(24).standard_normal((3, 2, 6))
    answer = learner.probe("recurrent_dropout", GRU_SPEC, x, 0.5, 8, True, None, g)
    layer, _, _ = _library_dropout(x, 0.5, 8)
    xt = Tensor(x, requires_grad=True)
    (layer(xt)[0] * Tensor(g)).sum().backward()
    _grads_close(answer, xt, layer, [(0, 0)])
