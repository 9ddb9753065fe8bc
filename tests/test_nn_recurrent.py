"""Sequence layers RNN/LSTM/GRU: PyTorch parity (stored fixtures and live), shapes, scopes, dropout."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from nn_helpers import assert_matches_fixture, leaves, load_fixture, params_of

from microgradrnn import Tensor, gradcheck
from microgradrnn.graph import topological_order
from microgradrnn.nn import (
    GRU,
    KINDS,
    LSTM,
    RNN,
    GRUCell,
    Kind,
    LSTMCell,
    RNNBase,
    RNNCell,
    ScalarLSTMCell,
    kinds,
)

I, H, T, B = 3, 4, 5, 2

FIXTURE_LAYERS = {
    "rnn_tanh_2layer_bidir": lambda: RNN(I, H, num_layers=2, bidirectional=True, seed=0),
    "rnn_relu_2layer_bidir": lambda: RNN(I, H, 2, "relu", bidirectional=True, seed=0),
    "lstm_2layer_bidir": lambda: LSTM(I, H, num_layers=2, bidirectional=True, seed=0),
    "gru_2layer_bidir": lambda: GRU(I, H, num_layers=2, bidirectional=True, seed=0),
}


def _run(layer, x, h0, c0=None):
    if isinstance(layer, LSTM):
        output, (h_n, c_n) = layer(x, (h0, c0))
        return {"output": output, "h_n": h_n, "c_n": c_n}
    output, h_n = layer(x, h0)
    return {"output": output, "h_n": h_n}


@pytest.mark.parametrize("name", list(FIXTURE_LAYERS))
def test_layer_matches_torch_fixture(name):
    fx = load_fixture(name)
    layer = FIXTURE_LAYERS[name]()
    state = params_of(fx)
    assert list(state) == [n for n, _ in layer.named_parameters()]  # same names, same order
    layer.load_state_dict(state)
    inputs = leaves(fx, "x", "h0", "c0")
    outputs = _run(layer, inputs["x"], inputs["h0"], inputs.get("c0"))
    assert_matches_fixture(fx, layer, outputs, inputs)


@pytest.mark.parametrize("name", list(FIXTURE_LAYERS))
def test_reverse_direction_final_state_is_first_row_of_output(name):
    fx = load_fixture(name)
    layer = FIXTURE_LAYERS[name]()
    layer.load_state_dict(params_of(fx))
    out = _run(layer, Tensor(fx["x"]), Tensor(fx["h0"]), Tensor(fx["c0"]) if "c0" in fx else None)
    output, h_n = out["output"].data, out["h_n"].data
    # last layer: h_n[-2] is forward (ends at t = T-1), h_n[-1] is reverse (ends at t = 0)
    np.testing.assert_allclose(h_n[-2], output[-1, :, :H], atol=1e-12)
    np.testing.assert_allclose(h_n[-1], output[0, :, H:], atol=1e-12)
    assert np.abs(h_n[-1] - output[-1, :, H:]).max() > 1e-3
    # and torch agrees, in the stored fixture itself
    np.testing.assert_allclose(fx["h_n"][-1], fx["output"][0, :, H:], atol=1e-12)


def test_parameter_names_shapes_and_counts():
    lstm = LSTM(3, 5, num_layers=2, bidirectional=True, seed=0)
    shapes = {n: p.shape for n, p in lstm.named_parameters()}
    assert shapes["weight_ih_l0"] == (20, 3) and shapes["weight_ih_l1"] == (20, 10)
    assert shapes["weight_hh_l1_reverse"] == (20, 5) and shapes["bias_hh_l0_reverse"] == (20,)
    assert all(p.label == n for n, p in lstm.named_parameters())
    one = LSTM(3, 5, seed=0)
    assert one.num_parameters() == 4 * (5 * 3 + 5 * 5 + 2 * 5)
    assert GRU(3, 5, seed=0).num_parameters() == 3 * (5 * 3 + 5 * 5 + 2 * 5)
    assert RNN(3, 5, seed=0).num_parameters() == 1 * (5 * 3 + 5 * 5 + 2 * 5)
    assert [n for n, _ in RNN(3, 5, bias=False, seed=0).named_parameters()] == [
        "weight_ih_l0",
        "weight_hh_l0",
    ]


def test_shapes_batch_first_unbatched_and_default_state():
    rng = np.random.default_rng(0)
    lstm = LSTM(3, 4, num_layers=2, bidirectional=True, seed=1)
    x = rng.standard_normal((5, 2, 3))
    out, (h, c) = lstm(x)
    assert out.shape == (5, 2, 8) and h.shape == (4, 2, 4) and c.shape == (4, 2, 4)
    bf = LSTM(3, 4, num_layers=2, bidirectional=True, batch_first=True, seed=1)
    out_bf, (h_bf, _) = bf(x.transpose(1, 0, 2))
    assert out_bf.shape == (2, 5, 8)
    np.testing.assert_allclose(out_bf.data.transpose(1, 0, 2), out.data, atol=1e-13)
    np.testing.assert_allclose(h_bf.data, h.data, atol=1e-13)
    out_u, (h_u, c_u) = lstm(x[:, 0])
    assert out_u.shape == (5, 8) and h_u.shape == (4, 4) and c_u.shape == (4, 4)
    np.testing.assert_allclose(out_u.data, out.data[:, 0], atol=1e-13)
    out_u2, _ = lstm(x[:, 0], (np.zeros((4, 4)), np.zeros((4, 4))))
    np.testing.assert_allclose(out_u2.data, out_u.data)
    gru = GRU(3, 4, seed=1)
    o, h = gru(x)
    assert o.shape == (5, 2, 4) and h.shape == (1, 2, 4)
    np.testing.assert_allclose(h.data[0], o.data[-1])


def test_wrong_shapes_name_expected_and_got():
    lstm = LSTM(3, 4, num_layers=2, seed=0)
    with pytest.raises(ValueError, match=r"input_size is 3 but .* 7"):
        lstm(np.zeros((5, 2, 7)))
    with pytest.raises(ValueError, match=r"\(seq_len, batch, input_size\).*got \(5,\)"):
        lstm(np.zeros(5))
    with pytest.raises(ValueError, match=r"h_0 of shape \(2, 2, 4\).*got \(1, 2, 4\)"):
        lstm(np.zeros((5, 2, 3)), (np.zeros((1, 2, 4)), np.zeros((2, 2, 4))))
    with pytest.raises(ValueError, match=r"c_0 of shape \(2, 2, 4\)"):
        lstm(np.zeros((5, 2, 3)), (np.zeros((2, 2, 4)), np.zeros((2, 3, 4))))
    with pytest.raises(TypeError, match="pair"):
        lstm(np.zeros((5, 2, 3)), np.zeros((2, 2, 4)))
    with pytest.raises(ValueError, match=r"\(batch, seq_len, input_size\)"):
        GRU(3, 4, batch_first=True)(np.zeros((1, 2, 3, 4)))
    with pytest.raises(ValueError, match="dropout"):
        RNN(3, 4, dropout=1.5)


def test_layer_arguments_at_their_boundaries():
    for cls in (RNN, LSTM, GRU):
        small = cls(1, 1, num_layers=1, dropout=0.0, recurrent_dropout=1.0, seed=0)
        assert small(np.ones((2, 1)))[0].shape == (2, 1)
        cls(1, 1, dropout=1.0, recurrent_dropout=0.0)  # both ends of [0, 1] are allowed
        for sizes in [(0, 4, 1), (3, 0, 1), (3, 4, 0), (-1, 4, 1), (3, -1, 1), (3, 4, -1)]:
            got = ", ".join(map(str, sizes))
            with pytest.raises(ValueError, match=rf"{cls.__name__}: input_size, hidden_size and num_layers "
                               rf"must be positive, got {got}"):
                cls(*sizes[:2], num_layers=sizes[2])
        for what in ("dropout", "recurrent_dropout"):
            for p in (-1e-9, 1.0 + 1e-9):
                with pytest.raises(ValueError, match=rf"{cls.__name__}: {what} must be a probability "
                                   rf"in \[0, 1\], got {p}"):
                    cls(3, 4, **{what: p})
    with pytest.raises(ValueError, match=r"LSTM: the input sequence is empty \(seq_len 0\)"):
        LSTM(3, 4)(np.zeros((0, 2, 3)))
    one_step, (h, _) = LSTM(3, 4, seed=0)(np.ones((1, 2, 3)))  # the shortest sequence there is
    assert one_step.shape == (1, 2, 4)
    np.testing.assert_array_equal(h.data[0], one_step.data[0])
    with pytest.raises(ValueError, match=r"GRU: input_size is 3 but the input's last dimension is 2 "
                       r"\(input shape \(5, 1, 2\)\)"):
        GRU(3, 4)(np.zeros((5, 1, 2)))
    nested = np.zeros((5, 2, 3)).tolist()  # input given as nested lists: its shape is named all the same
    named = r"GRU: expected h_0 of shape \(1, 2, 4\) for input \(5, 2, 3\), got \(2, 2, 4\)"
    for given in (nested, Tensor(np.zeros((5, 2, 3)))):
        with pytest.raises(ValueError, match=named):
            GRU(3, 4)(given, np.zeros((2, 2, 4)))
    for bad in [(np.zeros((1, 2, 4)),), (np.zeros((1, 2, 4)),) * 3, np.zeros((1, 2, 4))]:
        with pytest.raises(TypeError, match=r"LSTM: the initial state must be a pair \(h_0, c_0\)"):
            LSTM(3, 4)(np.zeros((5, 2, 3)), bad)


def test_layer_repr_shows_what_differs_from_the_defaults():
    assert repr(RNN(3, 4)) == "RNN(3, 4)"
    assert repr(RNN(3, 4, nonlinearity="relu", bias=False)) == "RNN(3, 4, bias=False, nonlinearity='relu')"
    everything = LSTM(2, 3, num_layers=2, bias=False, batch_first=True, dropout=0.5, bidirectional=True,
                      recurrent_dropout=0.25)
    assert repr(everything) == (
        "LSTM(2, 3, num_layers=2, bias=False, batch_first=True, dropout=0.5, bidirectional=True, "
        "recurrent_dropout=0.25)"
    )
    assert repr(GRU(2, 3, variant="original")) == "GRU(2, 3, variant='original')"


def test_rnnbase_unrolls_a_cell_class_with_the_kinds_defaults():
    x = np.random.default_rng(0).standard_normal((4, 2, 3))
    for cell, layer_cls, default in [
        (RNNCell, RNN, ("nonlinearity", "tanh")),
        (GRUCell, GRU, ("variant", "pytorch")),
        (LSTMCell, LSTM, ("forget_bias", 0.0)),
    ]:
        unrolled, ref = RNNBase(cell, input_size=3, hidden_size=4, seed=1), layer_cls(3, 4, seed=1)
        assert getattr(unrolled, default[0]) == default[1] and repr(unrolled) == "RNNBase(3, 4)"
        assert [n for n, _ in unrolled.named_parameters()] == [n for n, _ in ref.named_parameters()]
        for (_, p), (_, q) in zip(unrolled.named_parameters(), ref.named_parameters()):
            np.testing.assert_array_equal(p.data, q.data)
        np.testing.assert_array_equal(unrolled(x)[0].data, ref(x)[0].data)
        deep, ref = RNNBase(cell, 3, 4, num_layers=2, seed=1), layer_cls(3, 4, num_layers=2, seed=1)
        np.testing.assert_array_equal(deep(x)[0].data, ref(x)[0].data)  # training: no dropout by default
    with pytest.raises(TypeError):
        RNNBase(RNNCell, 3, 4, 1, True, False, 0.0, False, 0.5)  # recurrent_dropout is keyword-only


def test_rnn_and_lstm_add_their_two_biases_once_per_sequence_and_gru_keeps_both():
    x = np.ones((3, 1, 2))
    for layer, per_step in [
        (RNN(2, 3, seed=0), False), (LSTM(2, 3, seed=0), False), (GRU(2, 3, seed=0), True)
    ]:
        out = layer(x)[0]
        b_hh = layer.bias_hh_l0._node
        users = [n for n in topological_order(out.sum()) if any(p is b_hh for p in n._parents)]
        if per_step:  # b_hn sits inside the reset gate: b_hh is added at each of the 3 steps
            assert len(users) == 3
        else:  # b_ih + b_hh, once
            assert len(users) == 1 and {id(p) for p in users[0]._parents} == {id(layer.bias_ih_l0._node),
                                                                                id(layer.bias_hh_l0._node)}


def test_each_step_in_its_time_scope_with_cell_names():
    lstm = LSTM(2, 3, num_layers=2, bidirectional=True, seed=0)
    out, (h, c) = lstm(np.ones((3, 1, 2)))
    scopes = {n.scope for n in topological_order(out.sum())}
    for t in range(3):
        for cell in ["lstm", "lstm reverse", "lstm l1", "lstm l1 reverse"]:
            assert (f"t={t}", cell, "forget gate") in scopes
            assert (f"t={t}", cell, "cell state") in scopes
    assert not any(s and s[0] == "t=3" for s in scopes)
    hs = [n for n in topological_order(out.sum()) if n.label == "h"]
    assert len(hs) == 3 * 4 and all(n.scope[-1] == "hidden state" for n in hs)
    gru_scopes = {n.scope for n in topological_order(GRU(2, 3, seed=0)(np.ones((2, 2)))[0].sum())}
    assert ("t=1", "gru", "reset gate") in gru_scopes


def test_reverse_direction_is_scoped_by_input_position():
    rnn = RNN(1, 1, bidirectional=True, seed=0)
    x = Tensor(np.zeros((3, 1)), requires_grad=True)
    out, h_n = rnn(x)
    # the reverse cell's final state was computed at t=0
    assert h_n.data.shape == (2, 1)
    reverse_h = [n for n in topological_order(out.sum()) if n.label == "h" and n.scope[1] == "rnn reverse"]
    assert sorted(n.scope[0] for n in reverse_h) == ["t=0", "t=1", "t=2"]


def test_sequence_gradients_by_central_differences():
    rng = np.random.default_rng(3)
    for layer in [
        LSTM(2, 2, num_layers=2, bidirectional=True, seed=4),
        GRU(2, 2, num_layers=2, bidirectional=True, seed=4),
        RNN(2, 2, num_layers=2, bidirectional=True, seed=4, batch_first=True),
    ]:
        seq = (2, 3) if layer.batch_first else (3, 2)  # T = 3 steps, B = 2 sequences
        x = Tensor(rng.standard_normal((*seq, 2)), requires_grad=True)
        h0 = Tensor(rng.standard_normal((4, 2, 2)), requires_grad=True)
        c0 = Tensor(rng.standard_normal((4, 2, 2)), requires_grad=True)
        up = Tensor(rng.standard_normal((*seq, 4)))

        def f(x, h0, c0, *params, layer=layer, up=up):
            if isinstance(layer, LSTM):
                out, (h, c) = layer(x, (h0, c0))
                return (out * up).sum() + (h * h).sum() + c.sum()
            out, h = layer(x, h0)
            return (out * up).sum() + (h * h).sum() + (c0 * 0).sum()

        assert gradcheck(f, [x, h0, c0, *layer.parameters()], eps=1e-5, tol=1e-6)


def test_dropout_between_layers_only_in_training():
    x = np.random.default_rng(0).standard_normal((4, 2, 3))
    lstm = LSTM(3, 5, num_layers=2, dropout=0.5, seed=0)
    a, _ = lstm(x)
    b, _ = lstm(x)
    assert np.abs(a.data - b.data).max() > 1e-6  # fresh masks each call
    lstm.eval()
    c, _ = lstm(x)
    nodrop = LSTM(3, 5, num_layers=2, seed=0)
    np.testing.assert_allclose(c.data, nodrop(x)[0].data)
    # p = 1 drops every input of the second layer: it then runs on zeros, whatever the first says
    cut = LSTM(3, 5, num_layers=2, dropout=1.0, seed=0)
    second = LSTM(5, 5, seed=1)
    second.load_state_dict({k.replace("_l1", "_l0"): v for k, v in cut.state_dict().items() if "_l1" in k})
    np.testing.assert_array_equal(cut(x)[0].data, second(np.zeros((4, 2, 5)))[0].data)
    # one layer: nothing to drop between layers
    single = LSTM(3, 5, dropout=0.5, seed=0)
    np.testing.assert_allclose(single(x)[0].data, LSTM(3, 5, seed=0)(x)[0].data)


def test_recurrent_dropout_uses_one_mask_for_all_steps():
    rnn = RNN(1, 6, recurrent_dropout=0.5, seed=2)
    x = Tensor(np.ones((4, 1, 1)))
    out, _ = rnn(x)
    masks = [
        n
        for n in topological_order(out.sum())
        if n._op == "*" and len(n._parents) == 2 and not n._parents[1].requires_grad
    ]
    assert len(masks) == 3  # steps 1..3 (step 0 masks the constant zero state: no node is recorded)
    mask_ids = {id(n._parents[1]) for n in masks}
    assert len(mask_ids) == 1  # the very same mask tensor at every step
    mask = masks[0]._parents[1].data
    assert set(np.unique(mask)) <= {0.0, 2.0} and (mask == 0).any()
    rnn.eval()
    e, _ = rnn(x)
    np.testing.assert_allclose(e.data, RNN(1, 6, seed=2)(x)[0].data)


def test_state_dict_roundtrip_via_npz(tmp_path):
    a = GRU(3, 4, num_layers=2, bidirectional=True, seed=0)
    b = GRU(3, 4, num_layers=2, bidirectional=True, seed=1)
    a.save(tmp_path / "gru.npz")
    b.load(tmp_path / "gru.npz")
    x = np.ones((2, 1, 3))
    np.testing.assert_array_equal(a(x)[0].data, b(x)[0].data)


def test_layer_init_is_seeded_and_fills_pytorchs_bound():
    for cls in (RNN, LSTM, GRU):
        a, b = cls(3, 16, num_layers=2, bidirectional=True, seed=7), cls(3, 16, num_layers=2, seed=8)
        for name, p in a.named_parameters():  # U(-1/4, 1/4), near both ends, none beyond
            assert -0.25 <= p.data.min() < -0.1 and 0.1 < p.data.max() <= 0.25, name
        again = cls(3, 16, num_layers=2, bidirectional=True, seed=7)
        for (_, p), (_, q) in zip(a.named_parameters(), again.named_parameters()):
            np.testing.assert_array_equal(p.data, q.data)
        assert not np.array_equal(a.weight_hh_l1.data, b.weight_hh_l1.data)


def test_forget_bias_for_every_lstm_layer():
    lstm = LSTM(2, 3, num_layers=2, bidirectional=True, forget_bias=1.0, seed=0)
    plain = LSTM(2, 3, num_layers=2, bidirectional=True, seed=0)
    for (name, p), (_, q) in zip(lstm.named_parameters(), plain.named_parameters()):
        expected = np.r_[0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0] if name.startswith("bias_ih") else 0
        np.testing.assert_allclose(p.data - q.data, np.broadcast_to(expected, p.shape), atol=1e-15)


def test_kinds_registry_builds_each_kinds_layer_and_routes_its_options():
    assert list(KINDS) == ["rnn", "lstm", "gru"] and KINDS["gru"].name == "gru"
    with pytest.raises(dataclasses.FrozenInstanceError):
        KINDS["rnn"].title = "Elman"  # the one shared table cannot be edited by accident
    lstm = kinds.layer("lstm", 3, 4, num_layers=2, forget_bias=1.0, seed=0)
    assert type(lstm) is LSTM and lstm.num_layers == 2 and lstm.forget_bias == 1.0
    assert type(kinds.layer("gru", 3, 4, variant="original")) is GRU
    options = {"forget_bias": 1.0, "variant": "original", "nonlinearity": "relu"}
    assert kinds.kind_options("lstm", **options) == {"forget_bias": 1.0}
    assert kinds.kind_options("gru", **options) == {"variant": "original"}
    assert kinds.kind_options("rnn", **options) == {"nonlinearity": "relu"}
    unknown = r"unknown recurrent kind 'elman'; choose from \('rnn', 'lstm', 'gru'\)"
    with pytest.raises(ValueError, match=unknown):
        kinds.layer("elman", 3, 4)


def test_a_kind_without_a_layer_class_is_unrolled_by_rnnbase(monkeypatch):
    monkeypatch.setitem(KINDS, "lstm-unrolled", Kind(LSTMCell, ScalarLSTMCell, "LSTM", "an LSTM, unrolled"))
    unrolled = kinds.layer("lstm-unrolled", 3, 4, num_layers=2, seed=0)
    assert type(unrolled) is RNNBase and unrolled.cell_type is LSTMCell
    x = np.random.default_rng(0).standard_normal((5, 2, 3))
    out, (_, c) = unrolled(x)
    ref_out, (_, ref_c) = LSTM(3, 4, num_layers=2, seed=0)(x)
    np.testing.assert_array_equal(out.data, ref_out.data)
    np.testing.assert_array_equal(c.data, ref_c.data)


# -- live comparison with an installed PyTorch -------------------------------------------


@pytest.mark.torch
@pytest.mark.parametrize("trial", range(6))
def test_live_random_configurations_match_torch(trial):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(100 + trial)
    kind = ["rnn", "lstm", "gru"][trial % 3]
    cfg = {
        "num_layers": int(rng.integers(1, 4)),
        "bidirectional": bool(rng.integers(0, 2)),
        "batch_first": bool(rng.integers(0, 2)),
        "bias": bool(rng.integers(0, 4) > 0),
    }
    I_, H_, T_, B_ = (int(v) for v in rng.integers(1, 6, size=4))
    torch.manual_seed(trial)
    extra = {"nonlinearity": ["tanh", "relu"][trial % 2]} if kind == "rnn" else {}
    ref = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[kind](
        I_, H_, **cfg, **extra
    ).double()
    ours = {"rnn": RNN, "lstm": LSTM, "gru": GRU}[kind](I_, H_, **cfg, **extra, seed=0)
    ours.load_state_dict({k: v.detach().numpy() for k, v in ref.state_dict().items()})
    L = cfg["num_layers"] * (2 if cfg["bidirectional"] else 1)
    shape = (B_, T_, I_) if cfg["batch_first"] else (T_, B_, I_)
    x_np, h_np, c_np = (
        rng.standard_normal(shape),
        rng.standard_normal((L, B_, H_)),
        rng.standard_normal((L, B_, H_)),
    )
    xt = torch.tensor(x_np, requires_grad=True)
    ht = torch.tensor(h_np, requires_grad=True)
    ct = torch.tensor(c_np, requires_grad=True)
    x, h0, c0 = (Tensor(a, requires_grad=True) for a in (x_np, h_np, c_np))
    if kind == "lstm":
        out_t, (hn_t, cn_t) = ref(xt, (ht, ct))
        out, (hn, cn) = ours(x, (h0, c0))
        loss_t, loss = (
            out_t.tanh().sum() + hn_t.sum() + (cn_t**2).sum(),
            out.tanh().sum() + hn.sum() + (cn * cn).sum(),
        )
    else:
        out_t, hn_t = ref(xt, ht)
        out, hn = ours(x, h0)
        loss_t, loss = out_t.tanh().sum() + hn_t.sum(), out.tanh().sum() + hn.sum()
    np.testing.assert_allclose(out.data, out_t.detach().numpy(), atol=1e-10)
    np.testing.assert_allclose(hn.data, hn_t.detach().numpy(), atol=1e-10)
    loss_t.backward()
    loss.backward()
    np.testing.assert_allclose(x.grad, xt.grad.numpy(), atol=1e-10)
    np.testing.assert_allclose(h0.grad, ht.grad.numpy(), atol=1e-10)
    if kind == "lstm":
        np.testing.assert_allclose(c0.grad, ct.grad.numpy(), atol=1e-10)
    for name, p in ref.named_parameters():
        np.testing.assert_allclose(getattr(ours, name).grad, p.grad.numpy(), atol=1e-10, err_msg=name)
