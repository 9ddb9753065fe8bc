"""What a Tensor backward pass keeps: leaves, the tensors you hold, and everything under keep_grads."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

from microgradrnn import Tensor, Value, keep_grads
from microgradrnn.draw import draw


def _chain(steps: int = 4):
    """A tanh recurrence; returns (W, the hidden states, weak references to the matmul results)."""
    W = Tensor(np.random.default_rng(0).normal(size=(3, 3)) * 0.5, requires_grad=True)
    h, hs, products = Tensor(np.ones((2, 3))), [], []
    for _ in range(steps):
        product = h @ W
        products.append(weakref.ref(product))
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
