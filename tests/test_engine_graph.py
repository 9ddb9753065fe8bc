"""The graph protocol both engines share: order, accumulation, scopes, no_grad, errors."""

from __future__ import annotations

import numpy as np
import pytest

from microgradrnn import Tensor, Value, detect_anomaly, no_grad, scope, topological_order


def test_a_node_used_twice_gets_the_summed_gradient():
    a = Value(3.0)
    b = a * a + a  # d/da = 2a + 1
    b.backward()
    assert a.grad == 7.0
    t = Tensor([3.0, -1.0], requires_grad=True)
    (t * t + t).sum().backward()
    np.testing.assert_allclose(t.grad, [7.0, -1.0])


def test_ten_thousand_step_chain_backpropagates_without_recursion_error():
    x = Value(1.0)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    y.backward()
    assert x.grad == pytest.approx(1.0001**10_000)
    t = Tensor([1.0], requires_grad=True)
    u = t
    for _ in range(10_000):
        u = (u * 0.5).tanh() + u * 0.5
    u.sum().backward()
    assert np.isfinite(t.grad).all() and t.grad[0] > 0


def test_topological_order_puts_parents_first_and_visits_each_node_once():
    a, b = Value(1.0), Value(2.0)
    c = a * b
    d = c + a
    e = d * c
    order = topological_order(e)
    assert order[-1] is e
    assert len(order) == len({id(n) for n in order})
    position = {id(n): i for i, n in enumerate(order)}
    for node in order:
        for parent in node._parents:
            assert position[id(parent)] < position[id(node)]


def test_parents_are_a_tuple_in_argument_order():
    a, b = Value(1.0), Value(2.0)
    c = a - b
    assert isinstance(c._parents, tuple) and c._parents == (a, b) and c._op == "-"
    x, y = Tensor([1.0], requires_grad=True), Tensor([2.0])
    z = y @ x
    assert z._parents == (y._node, x._node) and z._op == "@"  # a Tensor's parents are nodes


def test_backward_twice_doubles_leaf_gradients_and_zero_grad_resets():
    a = Value(2.0)
    b = (a * a).tanh()
    b.backward()
    once = a.grad
    b.backward()
    assert a.grad == pytest.approx(2 * once)  # leaves accumulate, intermediates start afresh
    b.zero_grad()
    assert a.grad == 0.0 and b.grad == 0.0
    t = Tensor([0.5, 1.5], requires_grad=True)
    loss = (t * t).tanh().sum()
    loss.backward(retain_graph=True)
    first = t.grad.copy()
    loss.backward()
    np.testing.assert_allclose(t.grad, 2 * first)
    t.zero_grad()
    np.testing.assert_allclose(t.grad, [0.0, 0.0])


def test_scopes_nest_and_tag_nodes_of_both_engines():
    a = Value(1.0)
    with scope("t=3"):
        with scope("lstm"):
            b = a * 2
            t = Tensor([1.0], requires_grad=True) * 2
        c = b + 1
    d = c * c
    assert b.scope == ("t=3", "lstm") and t.scope == ("t=3", "lstm")
    assert c.scope == ("t=3",) and d.scope == () and a.scope == ()
    with pytest.raises(ValueError):
        with scope(""):
            pass


def test_scope_is_restored_after_an_exception():
    with pytest.raises(RuntimeError):
        with scope("t=0"):
            raise RuntimeError
    assert Value(1.0).scope == ()


def test_no_grad_records_nothing_and_detach_cuts_the_graph():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with no_grad():
        y = x * 3
    assert not y.requires_grad and y._parents == ()
    z = (x.detach() * x).sum()
    z.backward()
    np.testing.assert_allclose(x.grad, [1.0, 2.0])  # only the non-detached factor counts
    with no_grad():
        v = Value(2.0) * Value(3.0)
    assert v._parents == ()


def test_tensor_requires_grad_follows_pytorch():
    x = Tensor([1.0])
    assert not (x * 2).requires_grad and x.grad is None
    w = Tensor([1.0], requires_grad=True)
    assert (x * w).requires_grad
    with pytest.raises(RuntimeError, match="does not require grad"):
        (x * 2).sum().backward()


def test_errors_name_shapes_and_ops():
    a, b = Tensor(np.ones((3, 4))), Tensor(np.ones((5, 4)))
    with pytest.raises(ValueError, match=r"'\+'.*\(3, 4\).*\(5, 4\)"):
        _ = a + b
    with pytest.raises(ValueError, match=r"'@'.*\(3, 4\) @ \(5, 4\)"):
        _ = a @ b
    w = Tensor(np.ones((2, 2)), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"shape \(2, 2\) needs an upstream gradient"):
        (w * 2).backward()
    (w * 2).backward(np.ones((2, 2)))
    np.testing.assert_allclose(w.grad, 2 * np.ones((2, 2)))
    with pytest.raises(ValueError, match="upstream gradient of shape"):
        (w * 2).backward(np.ones(3))


def test_anomaly_mode_names_the_first_op_that_produced_nan_or_inf():
    x = Tensor([1.0, -1.0], requires_grad=True)
    with detect_anomaly():
        y = x * 2
        with scope("t=4"):
            with pytest.raises(FloatingPointError, match=r"'log'.*t=4"):
                y.log()
        with pytest.raises(FloatingPointError, match="'exp'"):
            Value(800.0).exp()
    assert np.isnan(x.log().data[1])  # outside anomaly mode: nan, as in numpy and PyTorch


def test_anomaly_mode_catches_a_non_finite_gradient():
    x = Tensor([0.0], requires_grad=True)
    y = x**0.5  # forward 0 is fine; its derivative is infinite
    with detect_anomaly():
        with pytest.raises(FloatingPointError, match="gradient"):
            y.sum().backward()


def test_value_rejects_non_numbers_and_bad_domains():
    with pytest.raises(TypeError):
        Value("3")
    with pytest.raises(ValueError, match="positive"):
        Value(-1.0).log()
    with pytest.raises(ZeroDivisionError):
        Value(1.0) / 0
    with pytest.raises(ValueError, match="not a real number"):
        Value(-2.0) ** 0.5


def test_leaf_gradients_are_private_copies():
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()
    a.grad *= 0.0  # an optimizer or clipping updates .grad in place
    np.testing.assert_allclose(b.grad, [1.0, 1.0])


def test_numpy_scalars_on_the_left_defer_to_tensor():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = np.float64(2.0) * x
    assert isinstance(y, Tensor)
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [2.0, 2.0])


def test_pytorch_names_work_beside_numpy_names():
    rng = np.random.default_rng(6)
    x = Tensor(rng.normal(size=(2, 3, 4)), requires_grad=True)
    np.testing.assert_allclose(x.sum(dim=1, keepdim=True).data, x.data.sum(axis=1, keepdims=True))
    np.testing.assert_allclose(x.mean(dim=(0, 2)).data, x.data.mean(axis=(0, 2)))
    np.testing.assert_allclose(x.max(dim=-1).data, x.data.max(axis=-1))
    np.testing.assert_allclose(x.softmax(dim=0).data, x.softmax(axis=0).data)
    with pytest.raises(TypeError, match="axis= .* or dim="):
        x.sum(axis=0, dim=1)
    # transpose(d0, d1) swaps two axes, as in PyTorch, even where numpy would permute
    assert x.transpose(0, 2).shape == (4, 3, 2)
    m = Tensor(rng.normal(size=(2, 3)))
    np.testing.assert_allclose(m.transpose(0, 1).data, m.data.T)
    assert x.permute(2, 0, 1).shape == (4, 2, 3) and x.transpose(2, 0, 1).shape == (4, 2, 3)
    (x.transpose(0, 2) * Tensor(np.arange(24.0).reshape(4, 3, 2))).sum().backward(gradient=np.array(2.0))
    np.testing.assert_allclose(x.grad, 2 * np.arange(24.0).reshape(4, 3, 2).transpose(2, 1, 0))


def test_value_parents_are_visible_under_micrograds_name():
    a, b = Value(1.0), Value(2.0)
    c = a * b
    assert c._prev == {a, b} and c._op == "*"


def test_topological_order_of_several_roots_lists_shared_nodes_once():
    a = Value(1.0)
    b, c = a * 2, a + 3
    order = topological_order([b, c])
    assert order.count(a) == 1 and order.index(a) < order.index(b) < order.index(c)


def test_topological_order_works_on_any_object_with_parents():
    class Node:  # a learner's own node class: duck typing, no base class
        def __init__(self, *parents):
            self._parents = parents

    a = Node()
    b = Node(a, a)
    assert topological_order(b) == [a, b]


# -- the switches restore what they found, and the base protocol ---------------------------


def test_every_switch_restores_its_previous_state_even_after_an_error():
    from microgradrnn.graph import (
        anomaly_enabled,
        current_scope,
        is_grad_enabled,
        keep_grads,
        keeping_grads,
    )

    assert is_grad_enabled() and not keeping_grads() and not anomaly_enabled() and current_scope() == ()
    for switch, state, on in [
        (no_grad, is_grad_enabled, False),
        (keep_grads, keeping_grads, True),
        (detect_anomaly, anomaly_enabled, True),
    ]:
        with switch():
            assert state() is on
            with switch():  # nested: still on, and still on after the inner block
                assert state() is on
            assert state() is on
        assert state() is (not on)
        with pytest.raises(KeyError):
            with switch():
                raise KeyError
        assert state() is (not on)
    with scope("a") as path:
        assert path == ("a",) and current_scope() == ("a",)
        with scope("b") as inner:
            assert inner == ("a", "b") == current_scope()
        assert current_scope() == ("a",)
    assert current_scope() == ()


@pytest.mark.parametrize("bad", ["", None, 3, ("t",)])
def test_a_scope_name_is_a_non_empty_string(bad):
    with pytest.raises(ValueError, match="non-empty string"):
        scope(bad)


def test_describe_names_op_label_and_scope():
    from microgradrnn.graph import describe

    a = Value(1.0)
    assert describe(a) == "leaf"
    with scope("t=1"):
        with scope("gru"):
            b = (a * 2).named("h")
    assert b.label == "h"
    assert describe(b) == "'*' (label 'h') in scope t=1/gru"
    assert describe(a + 1) == "'+'"


def test_the_base_node_protocol():
    from microgradrnn.graph import Node

    n = Node()
    assert n.is_leaf and n._parents == () and n._op == "" and n.label is None and not n.released
    with scope("s"):
        m = Node((n,), "f", label="m")
    assert not m.is_leaf and m._prev == {n} and m.scope == ("s",) and m.label == "m"
    for method, args in [("_reset_grad", ()), ("_seed", (1.0,)), ("_propagate", ()), ("_release", ())]:
        with pytest.raises(NotImplementedError):
            getattr(m, method)(*args)


def test_backward_of_a_kept_graph_resets_intermediates_and_propagates_every_node():
    from microgradrnn.graph import backward

    a = Value(2.0)
    b = a * 3.0
    c = b * b  # dc/da = 2 b 3 = 36
    b.grad = 99.0  # stale: reset before the pass
    backward(c)
    assert c.grad == 1.0 and b.grad == 12.0 and a.grad == 36.0
    backward(c, 0.5)
    assert b.grad == 6.0 and a.grad == 36.0 + 18.0


def test_release_forgets_each_node_once_propagated_unless_keeping():
    from microgradrnn.graph import keep_grads

    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x * 2.0
    z = (y * y).sum()
    z.backward()
    assert z.released and y.released and z._parents == () and not x.released
    np.testing.assert_allclose(x.grad, 8 * x.data)
    x.zero_grad()
    y = x * 2.0
    z = (y * y).sum()
    with keep_grads():
        z.backward()
    assert not z.released and z._parents and y._parents == (y._parents[0], y._parents[1])
    z.backward()  # the kept graph goes back once more, released this time
    np.testing.assert_allclose(x.grad, 2 * 8 * x.data)


def test_topological_order_refuses_a_released_root_and_skips_repeated_roots():
    x = Tensor([1.0], requires_grad=True)
    y = (x * 2.0).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="released by an earlier backward"):
        topological_order(y)
    with pytest.raises(RuntimeError, match="released"):
        topological_order([Value(1.0), y])
    a = Value(1.0)
    b = a * 2
    two = b._parents[1]  # the constant 2 became a leaf
    assert topological_order([b, b, a]) == [a, two, b]
    assert topological_order((b,)) == [a, two, b]
    c = Value(5.0)
    assert topological_order([b, a, c]) == [a, two, b, c]  # a root already seen, then a new one
    assert topological_order(a) == [a]
