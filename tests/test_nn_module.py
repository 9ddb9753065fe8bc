"""Module bookkeeping (names, modes, state dicts, files) and truncated BPTT."""

from __future__ import annotations

import numpy as np
import pytest

from microgradrnn import Tensor
from microgradrnn.bptt import chunks, detach_state, truncated_bptt
from microgradrnn.draw.graph_view import GraphView
from microgradrnn.draw.roles import is_parameter
from microgradrnn.graph import topological_order
from microgradrnn.nn import LSTM, Dropout, Embedding, Linear, LSTMCell, Module, Parameter
from microgradrnn.optim import SGD


class Tagger(Module):
    def __init__(self):
        self.embed = Embedding(5, 3, seed=0)
        self.cell = LSTMCell(3, 4, seed=1)
        self.heads = [Linear(4, 2, seed=2), Linear(4, 2, seed=3)]
        self.drop = Dropout(0.5, seed=0)
        self.scale = Parameter(np.ones(1), label="scale")


def test_named_parameters_follow_torch_naming():
    names = [n for n, _ in Tagger().named_parameters()]
    assert names == [
        "scale",
        "embed.weight",
        "cell.weight_ih",
        "cell.weight_hh",
        "cell.bias_ih",
        "cell.bias_hh",
        "heads.0.weight",
        "heads.0.bias",
        "heads.1.weight",
        "heads.1.bias",
    ]
    m = Tagger()
    m.other = m.cell  # shared module: its parameters are listed once
    assert len(m.parameters()) == 10


def test_parameter_is_a_labelled_leaf():
    p = Parameter(np.zeros((2, 3)), label="w")
    assert isinstance(p, Tensor) and p.requires_grad and p.is_leaf and p.label == "w"
    assert repr(p).startswith("Parameter(")
    # drawings know a parameter by its mark, whatever its name, and a trainable tensor is not one
    assert is_parameter(Parameter(np.ones(1), label="scale"), used_in_steps=set())
    assert not is_parameter(Tensor(np.ones(1), requires_grad=True, label="scale"), used_in_steps=set())
    # ... and the mark is on its graph node, which is what a drawing reads
    scale, x = Parameter(np.ones(1), label="scale"), Tensor(np.ones(1), requires_grad=True, label="x")
    graph = GraphView([scale * x])
    assert [graph.roles[i] for i in range(2)] == ["parameter", "input"]


def test_train_eval_reaches_every_submodule():
    m = Tagger()
    assert m.training and m.drop.training
    m.eval()
    assert not m.drop.training and not m.heads[1].training
    m.train()
    assert m.cell.training


def test_zero_grad():
    m = Tagger()
    (m.cell(Tensor(np.ones(3)))[0].sum() * m.scale).sum().backward()
    assert np.abs(m.cell.weight_hh.grad).sum() == 0 and np.abs(m.cell.weight_ih.grad).sum() > 0
    m.zero_grad()
    assert all(np.all(p.grad == 0) for p in m.parameters())


def test_load_state_dict_strict_errors_name_keys_and_shapes():
    m = Tagger()
    sd = m.state_dict()
    sd["cell.weight_ih"][0, 0] = 42.0
    m.load_state_dict(sd)
    assert m.cell.weight_ih.data[0, 0] == 42.0
    missing = dict(sd)
    del missing["heads.1.bias"]
    with pytest.raises(KeyError, match=r"missing keys \['heads.1.bias'\]"):
        m.load_state_dict(missing)
    with pytest.raises(KeyError, match=r"unexpected keys \['extra'\]"):
        m.load_state_dict({**sd, "extra": np.zeros(1)})
    m.load_state_dict(missing, strict=False)
    bad = dict(sd)
    bad["embed.weight"] = np.zeros((5, 4))
    before = m.cell.weight_ih.data.copy()
    bad["cell.weight_ih"] = before + 1
    with pytest.raises(ValueError, match=r"'embed.weight' has shape \(5, 4\).*\(5, 3\)"):
        m.load_state_dict(bad)
    np.testing.assert_array_equal(m.cell.weight_ih.data, before)  # nothing half-loaded
    for shape in [(5, 2), (3, 5), (15,)]:  # smaller, transposed, flattened: all refused by name
        with pytest.raises(ValueError, match=rf"'embed.weight' has shape \({shape[0]},"):
            m.load_state_dict({**sd, "embed.weight": np.zeros(shape)})


def test_save_and_load_npz(tmp_path):
    a, b = Tagger(), Tagger()
    for p in a.parameters():
        p.data += 1.0
    a.save(tmp_path / "tagger.npz")
    w = b.heads[0].weight
    b.load(tmp_path / "tagger.npz")
    assert b.heads[0].weight is w  # loaded in place
    for (_, p), (_, q) in zip(a.named_parameters(), b.named_parameters()):
        np.testing.assert_array_equal(p.data, q.data)


class _Wrapper(Module):
    def __init__(self):
        self.inner = Tagger()
        self.pair = (Linear(1, 1, seed=0), Dropout(0.25))


def test_repr_indents_every_level_and_forward_must_be_defined():
    assert repr(Dropout(0.1)) == "Dropout(p=0.1)"
    assert repr(_Wrapper()) == "\n".join([
        "_Wrapper(",
        "  (inner): Tagger(",
        "    (embed): Embedding(5, 3)",
        "    (cell): LSTMCell(3, 4)",
        "    (heads.0): Linear(in_features=4, out_features=2, bias=True)",
        "    (heads.1): Linear(in_features=4, out_features=2, bias=True)",
        "    (drop): Dropout(p=0.5)",
        "  )",
        "  (pair.0): Linear(in_features=1, out_features=1, bias=True)",
        "  (pair.1): Dropout(p=0.25)",
        ")",
    ])
    with pytest.raises(NotImplementedError, match=r"Tagger does not define forward\(\)"):
        Tagger()(np.zeros(3))


def test_counts_and_dtypes_of_parameters():
    m = _Wrapper()
    assert m.num_parameters() == 1 + 5 * 3 + 4 * 4 * (3 + 4 + 2) + 2 * (4 * 2 + 2) + (1 + 1)
    assert [n for n, _ in m.named_parameters()][-2:] == ["pair.0.weight", "pair.0.bias"]
    assert Parameter(np.ones(2, dtype=np.float32)).dtype == np.float64  # float64 unless asked
    assert Parameter(np.ones(2), dtype=np.float32).dtype == np.float32
    t = Tensor([1.0, 2.0])
    p = Parameter(t)
    p.data[0] = 5.0
    assert t.data[0] == 1.0  # a copy, not a view of the tensor it came from
    from_list = Parameter([[1, 2]])  # nested lists of ints too, as float64
    assert from_list.dtype == np.float64 and from_list.data.tolist() == [[1.0, 2.0]]


def test_load_state_dict_non_strict_loads_every_key_it_has_and_reads_torch_like_values():
    m = Tagger()
    sd = {k: v + 1.0 for k, v in m.state_dict().items()}
    del sd["embed.weight"]  # an early key missing: the keys after it still load
    before = m.embed.weight.data.copy()
    m.load_state_dict(sd, strict=False)
    np.testing.assert_array_equal(m.embed.weight.data, before)
    np.testing.assert_array_equal(m.heads[1].bias.data, sd["heads.1.bias"])

    class TorchLike:  # what a torch tensor offers: detach(), then numpy conversion
        def __init__(self, array):
            self.array = array

        def detach(self):
            return self.array

        def __array__(self, dtype=None, copy=None):
            raise AssertionError("converted without detach()")

    m.load_state_dict({k: TorchLike(v * 0 + 3.0) for k, v in m.state_dict().items()})
    assert np.all(m.cell.weight_hh.data == 3.0)
    both = dict(m.state_dict())
    del both["scale"]
    both["extra"] = np.zeros(1)
    with pytest.raises(KeyError, match=r"into Tagger: missing keys \['scale'\]; unexpected keys \['extra'\] "
                       r"\(expected keys: \['scale', 'embed.weight', "):
        m.load_state_dict(both)


def test_load_from_file_is_strict_unless_told(tmp_path):
    a = Linear(2, 3, seed=0)
    a.save(tmp_path / "lin.npz")
    b = Linear(2, 3, bias=False, seed=1)
    with pytest.raises(KeyError, match=r"unexpected keys \['bias'\]"):
        b.load(tmp_path / "lin.npz")
    assert b.load(tmp_path / "lin.npz", strict=False) is b
    np.testing.assert_array_equal(b.weight.data, a.weight.data)


def test_detach_state_cuts_the_graph():
    lstm = LSTM(2, 3, seed=0)
    x = Tensor(np.random.default_rng(0).standard_normal((6, 1, 2)), requires_grad=True)
    out1, state = lstm(x[:3])
    cut = detach_state(state)
    assert all(not s.requires_grad and s.is_leaf for s in cut)
    out2, _ = lstm(x[3:], cut)
    out2.sum().backward()
    assert np.all(x.grad[:3] == 0) and np.any(x.grad[3:] != 0)  # nothing flows past the cut
    x.zero_grad()
    out2_uncut, _ = lstm(x[3:], state)
    out2_uncut.sum().backward()
    assert np.any(x.grad[:3] != 0)  # without the cut it would
    second = topological_order(out2.sum())  # kept alive, so ids are not reused
    ids = {id(n) for n in second}
    assert not any(id(n) in ids for n in topological_order(out1.sum()) if n._parents)


def test_truncated_bptt_carries_state_and_limits_backward():
    rng = np.random.default_rng(0)
    xs, ys = rng.standard_normal((12, 2, 2)), rng.standard_normal((12, 2, 3))
    lstm = LSTM(2, 3, seed=0)
    opt = SGD(lstm.parameters(), lr=0.1)
    seen_lengths, graph_sizes = [], []

    def step(x, y, state):
        seen_lengths.append(x.shape[0])
        if state is not None:
            assert all(s.is_leaf for s in state)
        out, state = lstm(x, state)
        loss = ((out - Tensor(y)) ** 2).mean()
        graph_sizes.append(len(topological_order(loss)))
        return loss, state

    def update(loss):
        opt.zero_grad()
        loss.backward()
        opt.step()

    start = (Tensor(np.zeros((1, 2, 3))), Tensor(np.zeros((1, 2, 3))))
    losses, final = truncated_bptt(step, xs, ys, k=5, state=start, on_loss=update)
    assert seen_lengths == [5, 5, 2] and len(losses) == 3
    assert graph_sizes[0] == graph_sizes[1]  # the second chunk's graph does not include the first
    assert final[0].shape == (1, 2, 3) and not final[0].requires_grad
    pieces = list(chunks(xs, Tensor(ys), k=5))
    assert isinstance(pieces[0][0], np.ndarray) and isinstance(pieces[0][1], Tensor)
    with pytest.raises(ValueError, match="different lengths"):
        list(chunks(xs, ys[:5], k=5))
