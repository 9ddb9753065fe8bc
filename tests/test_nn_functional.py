"""Losses and functional helpers against PyTorch's numbers; a character model starts at ln(V)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from nn_helpers import load_fixture

from microgradrnn import Tensor, gradcheck
from microgradrnn import functional as F
from microgradrnn.data import load_text
from microgradrnn.nn import LSTM, CrossEntropyLoss, Dropout, Embedding, Linear, MSELoss


def test_cross_entropy_with_ignore_index_matches_torch():
    fx = load_fixture("losses")
    logits = Tensor(fx["logits"], requires_grad=True)
    loss = F.cross_entropy(logits, fx["target"], ignore_index=-100)
    assert loss.item() == pytest.approx(float(fx["ce"]), abs=1e-12)
    loss.backward()
    np.testing.assert_allclose(logits.grad, fx["grad_logits"], atol=1e-12)
    assert np.all(logits.grad[fx["target"] == -100] == 0)  # padding rows get nothing
    summed = Tensor(fx["sum_logits"], requires_grad=True)
    loss = CrossEntropyLoss(reduction="sum")(summed, fx["target"])
    assert loss.item() == pytest.approx(float(fx["ce_sum"]), abs=1e-12)
    loss.backward()
    np.testing.assert_allclose(summed.grad, fx["grad_sum_logits"], atol=1e-12)


def test_mse_matches_torch():
    fx = load_fixture("losses")
    x = Tensor(fx["mse_input"], requires_grad=True)
    loss = MSELoss()(x, fx["mse_target"])
    assert loss.item() == pytest.approx(float(fx["mse"]), abs=1e-12)
    loss.backward()
    np.testing.assert_allclose(x.grad, fx["grad_mse_input"], atol=1e-12)
    assert F.mse_loss(x, fx["mse_target"], reduction="none").shape == (3, 4)


def test_cross_entropy_by_hand_and_edge_cases():
    logits = Tensor([[0.0, 0.0, math.log(2.0)]])
    assert F.cross_entropy(logits, [2]).item() == pytest.approx(-math.log(0.5))
    # large logits stay finite
    assert F.cross_entropy(Tensor([[1000.0, -1000.0]]), [0]).item() == pytest.approx(0.0)
    # unbatched (C,) with a single class index
    assert F.cross_entropy(Tensor([0.0, 0.0]), 1).item() == pytest.approx(math.log(2))
    # every row ignored: mean over nothing is nan, as in torch
    assert math.isnan(F.cross_entropy(Tensor([[1.0, 2.0]]), [-100]).item())
    assert F.cross_entropy(Tensor([[1.0, 2.0]]), [-1], ignore_index=-1, reduction="sum").item() == 0.0
    x = Tensor(np.random.default_rng(0).standard_normal((4, 3)), requires_grad=True)
    assert gradcheck(lambda x: F.cross_entropy(x, [0, 2, 1, -100]), [x])


def test_cross_entropy_errors_name_the_problem():
    with pytest.raises(IndexError, match="target 5 is out of range for 3 classes"):
        F.cross_entropy(Tensor(np.zeros((2, 3))), [0, 5])
    with pytest.raises(ValueError, match=r"targets of shape \(2,\).*got \(3,\)"):
        F.cross_entropy(Tensor(np.zeros((2, 3))), [0, 1, 2])
    with pytest.raises(ValueError, match=r"reshape\(-1, C\)"):
        F.cross_entropy(Tensor(np.zeros((2, 4, 3))), np.zeros((2, 4), dtype=int))
    with pytest.raises(TypeError, match="integers"):
        F.cross_entropy(Tensor(np.zeros((2, 3))), [0.5, 1.0])
    with pytest.raises(ValueError, match="reduction"):
        F.cross_entropy(Tensor(np.zeros((2, 3))), [0, 1], reduction="avg")
    with pytest.raises(ValueError, match=r"\(3, 4\) and target of shape \(4, 3\)"):
        F.mse_loss(Tensor(np.zeros((3, 4))), np.zeros((4, 3)))


def test_linear_and_embedding_layout_init_and_gradients():
    lin = Linear(4, 3, seed=0)
    assert [n for n, _ in lin.named_parameters()] == ["weight", "bias"]
    assert lin.weight.shape == (3, 4) and np.abs(lin.weight.data).max() <= 0.5
    x = Tensor(np.random.default_rng(1).standard_normal((2, 5, 4)), requires_grad=True)
    assert lin(x).shape == (2, 5, 3)
    assert gradcheck(lambda x, w, b: (lin(x) ** 2).sum(), [x, lin.weight, lin.bias])
    with pytest.raises(ValueError, match=r"expects 4"):
        lin(np.zeros((2, 3)))
    emb = Embedding(10, 3, padding_idx=0, seed=0)
    np.testing.assert_array_equal(emb.weight.data[0], 0.0)
    big = Embedding(1000, 50, seed=0).weight.data
    assert abs(big.mean()) < 0.02 and abs(big.std() - 1.0) < 0.02  # N(0, 1)
    idx = np.array([[1, 2, 1], [0, 3, 1]])
    out = emb(idx)
    assert out.shape == (2, 3, 3)
    (out * Tensor(np.ones((2, 3, 3)))).sum().backward()
    np.testing.assert_array_equal(emb.weight.grad[:, 0], [0, 3, 1, 1, 0, 0, 0, 0, 0, 0])
    with pytest.raises(IndexError, match="index 10 is out of range for 10"):
        emb([10])


def test_linear_init_fills_pytorchs_bound_and_takes_no_inputs():
    lin = Linear(100, 400, seed=0)
    for p in (lin.weight, lin.bias):  # U(-1/sqrt(100), 1/sqrt(100)): near both ends, none beyond
        assert -0.1 <= p.data.min() < -0.095 and 0.095 < p.data.max() <= 0.1
    np.testing.assert_array_equal(Linear(100, 400, seed=0).weight.data, lin.weight.data)
    assert Linear(4, 3).bias is not None and Linear(4, 3, bias=False).bias is None
    assert repr(Linear(4, 3, bias=False)) == "Linear(in_features=4, out_features=3, bias=False)"
    empty = Linear(0, 3, seed=0)  # no inputs: the bias alone, and the bound has nothing to scale by
    np.testing.assert_array_equal(empty.bias.data, np.zeros(3))
    np.testing.assert_array_equal(empty(np.zeros((2, 0))).data, np.zeros((2, 3)))


def test_embedding_padding_index_at_the_ends_of_the_table():
    for given, row in [(-10, 0), (-1, 9), (9, 9), (0, 0)]:
        emb = Embedding(10, 3, padding_idx=given, seed=0)
        assert emb.padding_idx == row and repr(emb) == f"Embedding(10, 3, padding_idx={row})"
        np.testing.assert_array_equal(emb.weight.data[row], 0.0)
        assert np.all(np.delete(emb.weight.data, row, axis=0) != 0.0)
        emb(np.array([row, (row + 1) % 10, row])).sum().backward()
        assert np.all(emb.weight.grad[row] == 0) and np.all(emb.weight.grad[(row + 1) % 10] == 1)
    assert repr(Embedding(10, 3)) == "Embedding(10, 3)"
    for given in (-11, 10, -12, 11):
        with pytest.raises(ValueError, match=f"padding_idx {given} is outside the table of 10 rows"):
            Embedding(10, 3, padding_idx=given)


def test_dropout_scaling_seed_and_eval():
    x = Tensor(np.ones((200, 50)))
    d = Dropout(0.25, seed=0)
    y = d(x).data
    assert set(np.unique(y)) == {0.0, 1 / 0.75}
    assert abs((y == 0).mean() - 0.25) < 0.02
    np.testing.assert_array_equal(Dropout(0.25, seed=0)(x).data, y)
    d.eval()
    assert d(x) is x
    assert np.all(F.dropout(x, 1.0, rng=0).data == 0)
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.dropout(x, 1.5)


def test_dropout_module_default_and_probability_at_its_bounds():
    x = Tensor(np.ones((100, 40)))
    d = Dropout(seed=1)
    assert d.p == 0.5 and repr(d) == "Dropout(p=0.5)"
    assert Dropout(p=0.25, seed=0).p == 0.25  # p by name as in torch.nn.Dropout(p=...)
    with pytest.raises(TypeError):
        Dropout(0.25, 0)  # the seed is keyword-only
    y = d(x).data
    assert set(np.unique(y)) == {0.0, 2.0} and abs((y == 0).mean() - 0.5) < 0.03
    assert np.all(Dropout(1.0, seed=0)(x).data == 0)  # both ends of [0, 1] are allowed
    np.testing.assert_array_equal(Dropout(0.0, seed=0)(x).data, x.data)
    for p in (-1e-9, -0.5, 1.0 + 1e-9, 1.5):
        with pytest.raises(ValueError, match=rf"Dropout: p must be a probability in \[0, 1\], got {p}"):
            Dropout(p)


def test_one_hot_and_softmax_wrappers():
    np.testing.assert_array_equal(F.one_hot([2, 0], 3).data, [[0, 0, 1], [1, 0, 0]])
    assert F.one_hot(np.array([[1, 4]])).shape == (1, 2, 5)
    s = F.softmax(Tensor([[1.0, 2.0, 3.0]]))
    assert s.data.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(np.exp(F.log_softmax(Tensor([[1.0, 2.0, 3.0]])).data), s.data)


def test_character_model_starts_at_log_vocabulary():
    text = load_text()[:2000]  # the shipped corpus
    vocab = sorted(set(text))
    V = len(vocab)
    ids = np.array([vocab.index(ch) for ch in text])
    T = 40
    starts = np.arange(0, len(ids) - T - 1, 97)
    x = np.stack([ids[s : s + T] for s in starts], axis=1)  # (T, B)
    y = np.stack([ids[s + 1 : s + T + 1] for s in starts], axis=1)
    emb, lstm, head = Embedding(V, 16, seed=0), LSTM(16, 32, seed=1), Linear(32, V, seed=2)
    out, _ = lstm(emb(x))
    loss = F.cross_entropy(head(out).reshape(-1, V), y.reshape(-1))
    assert abs(loss.item() - math.log(V)) < 0.05 * math.log(V)
