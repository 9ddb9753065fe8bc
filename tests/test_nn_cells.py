"""Tensor and scalar cells: PyTorch parity from stored fixtures, classic-mistake guards, gradients, scopes."""

from __future__ import annotations

import numpy as np
import pytest
from nn_helpers import assert_matches_fixture, leaves, load_fixture, params_of

from microgradrnn import Tensor, Value, gradcheck, scope
from microgradrnn.graph import topological_order
from microgradrnn.nn import (
    GRUCell,
    LSTMCell,
    RNNCell,
    ScalarGRUCell,
    ScalarLSTMCell,
    ScalarRNNCell,
)

I, H = 3, 4


def _cell_for(name: str):
    return {
        "rnn_cell_tanh": lambda: RNNCell(I, H, nonlinearity="tanh", seed=0),
        "rnn_cell_relu": lambda: RNNCell(I, H, nonlinearity="relu", seed=0),
        "lstm_cell": lambda: LSTMCell(I, H, seed=0),
        "gru_cell": lambda: GRUCell(I, H, seed=0),
    }[name]()


def _run(cell, x, h0, c0=None):
    if isinstance(cell, LSTMCell):
        h1, c1 = cell(x, (h0, c0))
        return {"h1": h1, "c1": c1}
    return {"h1": cell(x, h0)}


@pytest.mark.parametrize("name", ["rnn_cell_tanh", "rnn_cell_relu", "lstm_cell", "gru_cell"])
def test_cell_matches_torch_fixture(name):
    fx = load_fixture(name)
    cell = _cell_for(name)
    cell.load_state_dict(params_of(fx))
    inputs = leaves(fx, "x", "h0", "c0")
    outputs = _run(cell, inputs["x"], inputs["h0"], inputs.get("c0"))
    assert_matches_fixture(fx, cell, outputs, inputs)


def test_relu_fixture_exercises_both_sides_of_the_kink():
    fx = load_fixture("rnn_cell_relu")
    assert (fx["h1"] == 0).any() and (fx["h1"] > 0).any()


def _permute_gates(w: np.ndarray, order: list[int], n_gates: int) -> np.ndarray:
    blocks = np.split(w, n_gates, axis=0)
    return np.concatenate([blocks[k] for k in order], axis=0)


@pytest.mark.parametrize("order", [[0, 1, 3, 2], [1, 0, 2, 3], [0, 2, 1, 3]], ids=["ifog", "figo", "igfo"])
def test_permuted_lstm_gate_order_does_not_match_torch(order):
    fx = load_fixture("lstm_cell")
    # Reading torch's i,f,g,o blocks in another order is the classic porting mistake.
    state = {k: _permute_gates(v, order, 4) for k, v in params_of(fx).items()}
    cell = LSTMCell(I, H, seed=0)
    cell.load_state_dict(state)
    h1, c1 = cell(Tensor(fx["x"]), (Tensor(fx["h0"]), Tensor(fx["c0"])))
    assert np.abs(h1.data - fx["h1"]).max() > 1e-2
    assert np.abs(c1.data - fx["c1"]).max() > 1e-2


def _cho_gru(x, h, w_ih, w_hh, b_ih, b_hh):
    """Cho et al. (2014): the reset gate multiplies h before the recurrent product."""
    sig = lambda a: 1 / (1 + np.exp(-a))  # noqa: E731
    W_ir, W_iz, W_in = np.split(w_ih, 3)
    W_hr, W_hz, W_hn = np.split(w_hh, 3)
    b_ir, b_iz, b_in = np.split(b_ih, 3)
    b_hr, b_hz, b_hn = np.split(b_hh, 3)
    r = sig(x @ W_ir.T + b_ir + h @ W_hr.T + b_hr)
    z = sig(x @ W_iz.T + b_iz + h @ W_hz.T + b_hz)
    n = np.tanh(x @ W_in.T + b_in + (r * h) @ W_hn.T + b_hn)
    return (1 - z) * n + z * h


def test_original_gru_differs_from_torch_but_matches_cho_formula():
    fx = load_fixture("gru_cell")
    p = params_of(fx)
    cell = GRUCell(I, H, seed=0, variant="original")
    cell.load_state_dict(p)
    h1 = cell(Tensor(fx["x"]), Tensor(fx["h0"]))
    assert np.abs(h1.data - fx["h1"]).max() > 1e-3
    expected = _cho_gru(fx["x"], fx["h0"], p["weight_ih"], p["weight_hh"], p["bias_ih"], p["bias_hh"])
    np.testing.assert_allclose(h1.data, expected, rtol=0, atol=1e-12)


def _all_cells(bias=True):
    return [
        RNNCell(2, 3, bias, seed=1),
        RNNCell(2, 3, bias, "relu", seed=1),
        LSTMCell(2, 3, bias, seed=1),
        GRUCell(2, 3, bias, seed=1),
        GRUCell(2, 3, bias, seed=1, variant="original"),
    ]


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("k", range(5))
def test_cell_gradients_by_central_differences(k, bias):
    cell = _all_cells(bias)[k]
    rng = np.random.default_rng(k)
    x = Tensor(rng.standard_normal((2, 2)), requires_grad=True)
    h = Tensor(rng.standard_normal((2, 3)), requires_grad=True)
    c = Tensor(rng.standard_normal((2, 3)), requires_grad=True)
    up = Tensor(rng.standard_normal((2, 3)))

    def f(x, h, c, *params):
        if isinstance(cell, LSTMCell):
            h1, c1 = cell(x, (h, c))
            return (h1 * up).sum() + (c1 * c1).sum()
        return (cell(x, h) * up).sum() + (c * 0).sum()

    assert gradcheck(f, [x, h, c, *cell.parameters()], tol=1e-6)


@pytest.mark.parametrize(
    "cell, gates",
    [(RNNCell(5, 7, seed=0), 1), (LSTMCell(5, 7, seed=0), 4), (GRUCell(5, 7, seed=0), 3)],
    ids=["rnn", "lstm", "gru"],
)
def test_parameter_count_formula(cell, gates):
    I_, H_ = 5, 7
    assert cell.num_parameters() == gates * (H_ * I_ + H_ * H_ + 2 * H_)
    assert [n for n, _ in cell.named_parameters()] == ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]
    assert cell.weight_ih.shape == (gates * H_, I_) and cell.bias_hh.shape == (gates * H_,)
    assert all(p.label == n for n, p in cell.named_parameters())


def test_init_is_seeded_and_within_pytorch_bound():
    a, b, c = LSTMCell(3, 16, seed=5), LSTMCell(3, 16, seed=5), LSTMCell(3, 16, seed=6)
    for (_, pa), (_, pb), (_, pc) in zip(a.named_parameters(), b.named_parameters(), c.named_parameters()):
        np.testing.assert_array_equal(pa.data, pb.data)
        assert not np.array_equal(pa.data, pc.data)
        assert np.abs(pa.data).max() <= 1 / np.sqrt(16)
    gen = np.random.default_rng(1)
    assert not np.array_equal(RNNCell(2, 2, seed=gen).weight_ih.data, RNNCell(2, 2, seed=gen).weight_ih.data)
    for cell in (RNNCell(3, 16, seed=0), LSTMCell(3, 16, seed=0), GRUCell(3, 16, seed=0)):
        for name, p in cell.named_parameters():  # U(-1/4, 1/4) is filled out to near both ends
            assert -0.25 <= p.data.min() < -0.15 and 0.15 < p.data.max() <= 0.25, name


def test_forget_bias_adds_to_the_forget_slice_only():
    plain, biased = LSTMCell(3, 4, seed=2), LSTMCell(3, 4, seed=2, forget_bias=1.0)
    diff = biased.bias_ih.data - plain.bias_ih.data
    np.testing.assert_allclose(diff, np.r_[np.zeros(4), np.ones(4), np.zeros(8)])
    np.testing.assert_array_equal(biased.bias_hh.data, plain.bias_hh.data)


def test_unbatched_input_and_default_zero_state():
    cell = LSTMCell(3, 4, seed=0)
    x = np.arange(3.0)
    h, c = cell(Tensor(x))
    hb, cb = cell(Tensor(x[None]), (Tensor(np.zeros((1, 4))), Tensor(np.zeros((1, 4)))))
    assert h.shape == (4,) and c.shape == (4,)
    np.testing.assert_allclose(h.data, hb.data[0])
    g = GRUCell(3, 4, seed=0)
    assert g(x).shape == (4,) and g(np.ones((2, 3))).shape == (2, 4)


def test_bad_shapes_name_expected_and_got():
    cell = LSTMCell(3, 4, seed=0)
    with pytest.raises(ValueError, match=r"\(batch, 3\).*got \(2, 5\)"):
        cell(np.zeros((2, 5)))
    with pytest.raises(ValueError, match=r"state of shape \(2, 4\), got \(2, 3\)"):
        cell(np.zeros((2, 3)), (np.zeros((2, 3)), np.zeros((2, 4))))
    with pytest.raises(TypeError, match="pair"):
        cell(np.zeros((2, 3)), np.zeros((2, 4)))
    with pytest.raises(ValueError, match="nonlinearity"):
        RNNCell(2, 2, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="variant"):
        GRUCell(2, 2, variant="keras")


def test_cell_sizes_at_their_boundary_and_option_checks():
    for cls in (RNNCell, LSTMCell, GRUCell, ScalarRNNCell, ScalarLSTMCell, ScalarGRUCell):
        cell = cls(1, 1, seed=0)  # the smallest sizes there are
        assert cell.input_size == 1 and cell.hidden_size == 1
        for sizes in [(0, 3), (3, 0), (-1, 3), (3, -1)]:
            with pytest.raises(ValueError, match=rf"must be positive, got {sizes[0]} and {sizes[1]}"):
                cls(*sizes)
    with pytest.raises(ValueError, match="LSTMCell: forget_bias needs bias=True"):
        LSTMCell(3, 4, bias=False, forget_bias=1.0)
    assert LSTMCell(3, 4, bias=False, forget_bias=0.0).bias_ih is None
    with pytest.raises(TypeError, match=r"GRUCell: unexpected option\(s\) \['forget_bias'\]"):
        GRUCell.check_options("GRUCell", True, {"forget_bias": 1.0})
    with pytest.raises(ValueError, match="RNNCell: nonlinearity must be 'tanh' or 'relu', got 'sigmoid'"):
        RNNCell(2, 2, nonlinearity="sigmoid")


def test_cell_repr_shows_what_differs_from_the_defaults():
    assert repr(RNNCell(2, 3)) == "RNNCell(2, 3)"
    assert repr(RNNCell(2, 3, False, "relu")) == "RNNCell(2, 3, bias=False, nonlinearity='relu')"
    assert repr(GRUCell(2, 3, variant="original")) == "GRUCell(2, 3, variant='original')"
    assert repr(LSTMCell(4, 5, bias=False)) == "LSTMCell(4, 5, bias=False)"


class _ReluFirstCell(RNNCell):
    """A kind of its own whose default sorts after the other choice."""

    choices = {"nonlinearity": ("relu", "tanh")}


def test_options_repr_compares_with_the_kinds_own_default():
    assert repr(_ReluFirstCell(2, 3, nonlinearity="tanh")) == "_ReluFirstCell(2, 3, nonlinearity='tanh')"
    assert repr(_ReluFirstCell(2, 3, nonlinearity="relu")) == "_ReluFirstCell(2, 3)"
    assert _ReluFirstCell.check_choices("cell", {}) == {"nonlinearity": "relu"}


def test_input_and_state_shapes_refused_on_both_sides():
    cell = GRUCell(3, 4, seed=0)
    for bad in [(2, 2), (2, 4), (4,), (2, 1, 3), ()]:
        with pytest.raises(ValueError, match=r"GRUCell: expected input of shape \(batch, 3\) or \(3,\), got"):
            cell(np.zeros(bad))
    for bad in [(2, 3), (2, 5), (1, 4), (3, 4), (4,)]:
        with pytest.raises(ValueError, match=r"expected a state of shape \(2, 4\), got"):
            cell(np.zeros((2, 3)), np.zeros(bad))
    lstm = LSTMCell(3, 4, seed=0)
    x, h, c = np.zeros((2, 3)), np.zeros((2, 4)), np.ones((2, 4))
    np.testing.assert_array_equal(lstm(x, [h, c])[1].data, lstm(x, (h, c))[1].data)  # a list pair too
    for state in [(h,), (h, c, c)]:
        with pytest.raises(TypeError, match=r"LSTMCell: the state must be a pair \(h, c\)"):
            lstm(x, state)


def test_cell_arguments_by_name_seed_keyword_only_and_defaults_filled_in():
    for cls, extra in [(RNNCell, {"nonlinearity": "relu"}), (LSTMCell, {}), (GRUCell, {})]:
        cell = cls(input_size=2, hidden_size=3, bias=False, seed=0, name="mine", **extra)
        assert (cell.input_size, cell.hidden_size, cell.bias_ih, cell.name) == (2, 3, None, "mine")
        np.testing.assert_array_equal(cell.weight_ih.data, cls(2, 3, False, seed=0, **extra).weight_ih.data)
        with pytest.raises(TypeError):
            cls(2, 3, True, *extra.values(), 0)  # the seed is keyword-only
    assert RNNCell.check_choices("RNN", {}) == {"nonlinearity": "tanh"}  # the first allowed value
    assert GRUCell.check_choices("GRU", {}) == {"variant": "pytorch"}
    assert LSTMCell.check_options("LSTM", True, {}) == {"forget_bias": 0.0}


def _scopes(root):
    return {n.scope for n in topological_order(root)}


def test_cells_run_in_their_scope_with_one_subscope_per_gate():
    h, c = LSTMCell(2, 3, seed=0)(Tensor(np.ones((1, 2))))
    scopes = _scopes(h)
    for gate in ["input gate", "forget gate", "cell candidate", "output gate", "cell state", "hidden state"]:
        assert ("lstm", gate) in scopes
    assert h.label == "h" and c.label == "c" and h.scope == ("lstm", "hidden state")
    assert c.scope == ("lstm", "cell state")
    g = GRUCell(2, 3, seed=0)(Tensor(np.ones((1, 2))))
    assert {("gru", s) for s in ["reset gate", "update gate", "candidate", "hidden state"]} <= _scopes(g)
    with scope("t=3"):
        r = RNNCell(2, 3, seed=0, name="rnn l1")(Tensor(np.ones(2)))
    assert r.scope == ("t=3", "rnn l1", "hidden state")


# -- scalar cells ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "tensor_cell, scalar_cls",
    [
        (RNNCell(2, 3, seed=3), ScalarRNNCell),
        (RNNCell(2, 3, nonlinearity="relu", seed=3), ScalarRNNCell),
        (LSTMCell(2, 3, seed=3, forget_bias=1.0), ScalarLSTMCell),
        (GRUCell(2, 3, seed=3), ScalarGRUCell),
        (GRUCell(2, 3, seed=3, variant="original"), ScalarGRUCell),
        (LSTMCell(2, 3, bias=False, seed=3), ScalarLSTMCell),
    ],
    ids=["rnn", "rnn-relu", "lstm", "gru", "gru-original", "lstm-nobias"],
)
def test_scalar_and_tensor_cells_agree_on_values_and_gradients(tensor_cell, scalar_cls):
    scalar = scalar_cls.from_tensor_cell(tensor_cell)
    rng = np.random.default_rng(0)
    x, h0, c0 = rng.standard_normal(2), rng.standard_normal(3), rng.standard_normal(3)
    xt = Tensor(x, requires_grad=True)
    xs = [Value(v) for v in x]
    if isinstance(tensor_cell, LSTMCell):
        ht, ct = tensor_cell(xt, (Tensor(h0), Tensor(c0)))
        hs, cs = scalar(xs, (list(h0), list(c0)))
        np.testing.assert_allclose([v.data for v in cs], ct.data, atol=1e-12)
    else:
        ht = tensor_cell(xt, Tensor(h0))
        hs = scalar(xs, list(h0))
    np.testing.assert_allclose([v.data for v in hs], ht.data, atol=1e-12)
    # Gradients of the same loss agree too, for every weight and the input.
    weights = np.arange(1.0, 4.0)
    (ht * Tensor(weights)).sum().backward()
    loss = hs[0] * weights[0] + hs[1] * weights[1] + hs[2] * weights[2]
    loss.backward()
    np.testing.assert_allclose([v.grad for v in xs], xt.grad, atol=1e-12)
    for name, p in tensor_cell.named_parameters():
        ours = np.array(
            [[v.grad for v in row] for row in getattr(scalar, name)]
            if p.ndim == 2
            else [v.grad for v in getattr(scalar, name)]
        )
        np.testing.assert_allclose(ours, p.grad, atol=1e-12, err_msg=name)
    tensor_cell.zero_grad()


def test_scalar_cell_layout_scopes_and_labels():
    cell = ScalarLSTMCell(2, 2, seed=0)
    assert len(cell.weight_ih) == 8 and len(cell.weight_ih[0]) == 2 and len(cell.bias_hh) == 8
    assert len(cell.parameters()) == 4 * (2 * 2 + 2 * 2 + 2 * 2)
    assert cell.weight_hh[5][1].label == "weight_hh[5,1]"
    h, c = cell([0.5, -1.0])
    assert [v.label for v in h] == ["h[0]", "h[1]"] and c[1].label == "c[1]"
    scopes = {n.scope for n in topological_order(h[0])}
    assert ("lstm", "forget gate") in scopes and ("lstm", "hidden state") in scopes
    # every multiply is its own node: h[0] needs input-gate unit 0, 2 input and 2 recurrent products
    muls = [n for n in topological_order(h[0]) if n._op == "*" and n.scope == ("lstm", "input gate")]
    assert len(muls) == 2 + 2
    with pytest.raises(ValueError, match="input of 2 numbers"):
        cell([1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="4 gate"):
        ScalarLSTMCell.from_tensor_cell(GRUCell(2, 2, seed=0))


def test_scalar_cell_init_names_options_and_refusals():
    a, b, c = ScalarRNNCell(3, 16, seed=5), ScalarRNNCell(3, 16, seed=5), ScalarRNNCell(3, 16, seed=6)
    values = np.array([v.data for v in a.parameters()])
    assert len(values) == 16 * 3 + 16 * 16 + 2 * 16
    for group in (a.weight_ih, a.weight_hh, a.bias_ih, a.bias_hh):  # each fills U(-1/sqrt(H), 1/sqrt(H))
        numbers = np.array([v.data for item in group for v in (item if isinstance(item, list) else [item])])
        assert -0.25 <= numbers.min() < -0.15 and 0.15 < numbers.max() <= 0.25
    np.testing.assert_array_equal(values, [v.data for v in b.parameters()])
    assert not np.array_equal(values, [v.data for v in c.parameters()])
    for cls in (ScalarRNNCell, ScalarLSTMCell, ScalarGRUCell):
        cell = cls(input_size=2, hidden_size=3, bias=False, seed=0, name="mine")  # by keyword
        assert (cell.input_size, cell.hidden_size, cell.bias_ih, cell.name) == (2, 3, None, "mine")
        with pytest.raises(TypeError):
            cls(2, 3, True, *(["tanh"] if cls is ScalarRNNCell else []), 0)  # the seed is keyword-only
        with_biases = cls(2, 3, seed=0)  # by default
        assert len(with_biases.parameters()) == cls.num_gates * (3 * 2 + 3 * 3 + 2 * 3)
    names = [n for n, _ in ScalarRNNCell(2, 1, seed=0).named_parameters()]
    assert names == ["weight_ih[0,0]", "weight_ih[0,1]", "weight_hh[0,0]", "bias_ih[0]", "bias_hh[0]"]
    assert [n for n, _ in ScalarGRUCell(1, 1, bias=False, seed=0).named_parameters()] == [
        "weight_ih[0,0]", "weight_ih[1,0]", "weight_ih[2,0]", "weight_hh[0,0]", "weight_hh[1,0]",
        "weight_hh[2,0]",
    ]
    cell = ScalarGRUCell(2, 2, seed=0)
    sum(cell([0.5, -1.0], [0.2, 0.3]), Value(0.0)).backward()
    assert any(v.grad != 0 for v in cell.parameters())
    cell.zero_grad()
    assert all(v.grad == 0.0 for v in cell.parameters())
    tensor = RNNCell(2, 3, nonlinearity="relu", seed=0, name="rnn l1")
    twin = ScalarRNNCell.from_tensor_cell(tensor)
    assert twin.name == "rnn l1" and twin.nonlinearity == "relu"
    assert ScalarRNNCell.from_tensor_cell(tensor, name="mine").name == "mine"
    assert ScalarGRUCell(2, 2, seed=0).name == "gru" and ScalarGRUCell(2, 2, seed=0).variant == "pytorch"
    one_gate = r"ScalarRNNCell.from_tensor_cell needs a cell with 1 gate\(s\), got LSTMCell"
    with pytest.raises(TypeError, match=one_gate):
        ScalarRNNCell.from_tensor_cell(LSTMCell(2, 2, seed=0))
    with pytest.raises(TypeError, match=r"ScalarLSTMCell: unexpected option\(s\) \['forget_bias'\]"):
        ScalarLSTMCell(2, 2, forget_bias=1.0)
    with pytest.raises(ValueError, match="ScalarRNNCell: nonlinearity must be 'tanh' or 'relu', got 's"):
        ScalarRNNCell(2, 2, nonlinearity="sigmoid")
    rnn = ScalarRNNCell(2, 2, seed=0)
    for x in ([1.0], [1.0, 2.0, 3.0]):
        with pytest.raises(ValueError, match=f"ScalarRNNCell: expected an input of 2 numbers, got {len(x)}"):
            rnn(x)
    for h in ([0.0], [0.0] * 3):
        with pytest.raises(ValueError, match=f"ScalarRNNCell: expected a state of 2 numbers, got {len(h)}"):
            rnn([1.0, 2.0], h)
    h = rnn([1.0, 2.0])  # the default state is zeros
    np.testing.assert_array_equal([v.data for v in h], [v.data for v in rnn([1.0, 2.0], [0.0, 0.0])])


def test_scalar_cell_gradcheck():
    cell = ScalarGRUCell(2, 2, seed=1)
    x = [Value(0.3), Value(-0.7)]

    def f(*values):
        h = cell(list(values[:2]), [0.1, -0.2])
        return h[0] * 2.0 + h[1]

    assert gradcheck(f, x + cell.parameters(), tol=1e-6)
