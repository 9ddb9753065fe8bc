"""What a Tensor backward pass keeps: leaves, the tensors you hold, and everything under keep_grads."""

from __future__ import annotations

import gc
import tracemalloc
import weakref

import numpy as np
import pytest

from microgradrnn import Tensor, Value, keep_grads
from microgradrnn.draw import draw
from microgradrnn.graph import topological_order


def _chain(steps: int = 4):
    """A tanh recurrence; returns (W, the hidden states, weak references to the matmul results)."""
    W = Tensor(np.random.default_rng(0).normal(size=(3, 3)) * 0.5, requires_grad=True)
    h, hs, products = Tensor(np.ones((2, 3))), [], []
    for _ in range(steps):
        product = h @ W
        products.append(weakref.ref(product._node))
        h = product.tanh()
        hs.append(h)
    del product
    return W, hs, products


def test_backward_frees_intermediates_nobody_holds_and_keeps_the_ones_you_hold():
    W, hs, products = _chain()
    hs[-1].sum().backward()
    gc.collect()
    assert all(p() is None for p in products), "tensors only the graph knew should be freed"
    reference = _chain()
    with keep_grads():
        reference[1][-1].sum().backward()
    np.testing.assert_allclose(W.grad, reference[0].grad)
    for h, kept in zip(hs, reference[1]):
        np.testing.assert_allclose(h.grad, kept.grad)  # the ones you hold keep their gradient
    assert hs[0].released and not hs[0].is_leaf and W.is_leaf


def test_keep_grads_keeps_the_graph_and_every_gradient():
    W, hs, products = _chain()
    with keep_grads():
        hs[-1].sum().backward()
    gc.collect()
    assert all(p() is not None and p().grad is not None for p in products)
    assert not hs[-1].released and hs[-1]._parents
    assert "fillcolor" in draw(hs[-1], grad_color=True).source


def test_a_released_graph_refuses_a_second_backward_and_a_drawing():
    _, hs, _ = _chain()
    loss = hs[-1].sum()
    loss.backward()
    with pytest.raises(RuntimeError, match="released by an earlier backward"):
        loss.backward()
    with pytest.raises(RuntimeError, match="keep_grads"):
        draw(hs, detail="cell")
    with pytest.raises(RuntimeError, match="released"):
        (hs[1] * 2.0).sum().backward()  # back through a released intermediate


def test_retain_graph_allows_a_second_backward_that_doubles_leaf_gradients():
    W, hs, _ = _chain()
    loss = hs[-1].sum()
    loss.backward(retain_graph=True)
    once = W.grad.copy()
    loss.backward()
    np.testing.assert_allclose(W.grad, 2 * once)


def test_value_graphs_are_always_kept():
    x = Value(0.5)
    y = (x * x).tanh()
    y.backward()
    y.backward()
    assert y._parents and x.grad == pytest.approx(2 * 2 * 0.5 * (1 - np.tanh(0.25) ** 2))


def test_slices_of_results_are_views_and_slices_of_leaves_are_copies():
    leaf = Tensor(np.arange(8.0).reshape(2, 4), requires_grad=True)
    z = leaf * 2.0
    assert np.shares_memory(z[:, :2].data, z.data)
    piece = leaf[:, :2]
    assert not np.shares_memory(piece.data, leaf.data)
    leaf.data += 1.0  # an optimizer step must not change a slice taken before it
    np.testing.assert_array_equal(piece.data, [[0.0, 1.0], [4.0, 5.0]])


def test_the_forward_pass_frees_the_arrays_no_backward_needs():
    x = Tensor([[0.5, -1.0]], requires_grad=True)
    doubled = x * 2.0
    freed = weakref.ref(doubled.data)
    y = (doubled + 1.0).tanh()  # + needs neither input; tanh keeps its own output
    node = doubled._node
    del doubled
    gc.collect()
    assert freed() is None and node.data is None and node.shape == (1, 2)
    assert y._parents[0]._parents[0] is node  # the graph still has the node
    y.sum().backward()
    np.testing.assert_allclose(x.grad, 2 * (1 - np.tanh(2 * x.data + 1) ** 2))


def test_keep_grads_keeps_every_array_and_drawings_show_data_where_it_exists():
    def build() -> Tensor:
        W = Tensor(np.eye(2), requires_grad=True, label="W")
        return ((Tensor(np.ones((1, 2))) @ W + 1.0) * 3.0).sum()

    with keep_grads():
        kept = build()
    nodes = topological_order(kept)
    assert all(n.data is not None for n in nodes)
    lean = build()
    gc.collect()
    missing = [n._op for n in topological_order(lean) if n.data is None]
    # @ and + feed ops that need nothing of them (* by a constant keeps only the constant),
    # and sum needs nothing of its input either.
    assert missing == ["@", "+", "*"]
    assert draw(kept).source.count("data ") == len(nodes)
    assert draw(lean).source.count("data ") == len(nodes) - 3


def test_an_lstm_forward_keeps_about_what_a_hand_written_one_caches():
    from microgradrnn.nn import LSTM

    T, B, H = 16, 32, 64  # arrays big enough to outweigh the Python objects of the graph
    layer = LSTM(H, H, seed=0)
    x = Tensor(np.random.default_rng(0).normal(size=(T, B, H)))
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    out, _ = layer(x)
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    per_step = held / (T * B * H * 8)
    # i, f, g, o, c, tanh(c), h and the stacked output: 8; keeping every intermediate was 26.
    assert per_step < 13, f"{per_step:.1f} (batch x hidden) arrays kept per step"
    out.sum().backward()
    assert layer.weight_hh_l0.grad.any()


def test_a_leaf_takes_new_data_and_requires_grad_only_on_floats():
    t = Tensor([1.0, 2.0], requires_grad=True)
    t.data = np.array([3.0, 4.0])
    assert t._node.data is t.data and draw(t).source.count("data [3, 4]") == 1
    with pytest.raises(TypeError, match="holds numbers"):
        t.data = None
    with pytest.raises(TypeError, match="floating-point"):
        Tensor([1, 2], dtype=np.int64).requires_grad_()
    with pytest.raises(RuntimeError, match="leaf"):
        (t * 2.0).requires_grad = False


def test_a_result_that_needs_no_gradient_is_a_leaf_and_keeps_its_data():
    w = Tensor([1.0, 2.0], requires_grad=True)
    y = Tensor([3.0, 4.0]) * 2.0 + w  # the product records nothing: a leaf of y's graph
    gc.collect()
    product = y._parents[0]
    assert product.is_leaf and product.data is not None
    np.testing.assert_array_equal(product.data, [6.0, 8.0])
