"""Tests of module 1: scalar autograd (backward rules, topological sort, the backward driver)."""

from __future__ import annotations

import math
import random
import sys

import pytest

import microgradrnn
import microgradrnn.graph


@pytest.fixture(scope="module")
def m(load_exercise):
    return load_exercise("m01_scalar_autograd")


def _grad(node, what: str) -> float:
    assert isinstance(node.grad, (int, float)), (
        f"expected {what}.grad to be a float, got {type(node.grad).__name__}"
    )
    return float(node.grad)


def _close(got: float, expected: float, what: str, tol: float = 1e-6) -> None:
    assert math.isclose(got, expected, rel_tol=tol, abs_tol=tol), (
        f"{what}: expected {expected:.8g}, got {got:.8g}"
    )


def _central(f, x: float, eps: float = 1e-6) -> float:
    return (f(x + eps) - f(x - eps)) / (2 * eps)


# -- reference pieces the driver tests stand on, so exercise 1.4 is graded on its own ----------------


def _reference_rules(node) -> None:
    g = node.grad
    if node._op == "+":
        for p in node._parents:
            p.grad += g
    elif node._op == "*":
        a, b = node._parents
        a.grad += b.data * g
        b.grad += a.data * g
    elif node._op == "**":
        (a,) = node._parents
        a.grad += node._exponent * a.data ** (node._exponent - 1) * g
    elif node._op == "tanh":
        node._parents[0].grad += (1 - node.data**2) * g
    elif node._op == "exp":
        node._parents[0].grad += node.data * g


@pytest.fixture
def reference_parts(m, monkeypatch):
    """Replace the learner's rules and sort by known-good ones (only ``_parents`` is used)."""
    monkeypatch.setattr(m, "backward_add_mul_pow", _reference_rules)
    monkeypatch.setattr(m, "backward_tanh_exp", _reference_rules)
    monkeypatch.setattr(m, "topological_sort", microgradrnn.graph.topological_order)
    return m


@pytest.fixture
def default_recursion_limit():
    saved = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)
    yield
    sys.setrecursionlimit(saved)


def _deep_chain(m, depth: int):
    leaf = m.Scalar(0.5)
    node = leaf
    for _ in range(depth):
        node = m.Scalar(node.data * 1.0, (node, m.Scalar(1.0)), "*")
    return leaf, node


# -- 1.1 add, mul, pow ------------------------------------------------------------------------------


def test_add_passes_upstream_gradient_to_both_inputs(m):
    a, b = m.Scalar(2.0), m.Scalar(-3.0)
    out = a + b
    out.grad = 1.5
    m.backward_add_mul_pow(out)
    _close(_grad(a, "a"), 1.5, "d(a+b)/da * 1.5")
    _close(_grad(b, "b"), 1.5, "d(a+b)/db * 1.5")


def test_mul_gradient_is_the_other_input_times_upstream(m):
    a, b = m.Scalar(2.0), m.Scalar(-3.0)
    out = a * b
    out.grad = 0.5
    m.backward_add_mul_pow(out)
    _close(_grad(a, "a"), -1.5, "d(a*b)/da * 0.5 = b * 0.5")
    _close(_grad(b, "b"), 1.0, "d(a*b)/db * 0.5 = a * 0.5")


def test_pow_gradient_matches_central_differences(m):
    for base, n in [(1.7, 3.0), (2.5, -1.0), (0.8, 0.5), (-1.3, 2.0), (3.0, 0.0)]:
        a = m.Scalar(base)
        out = a**n
        out.grad = 0.7
        m.backward_add_mul_pow(out)
        expected = 0.7 * _central(lambda x, n=n: x**n, base)
        _close(_grad(a, "a"), expected, f"d({base} ** {n})/da * 0.7", tol=1e-5)


def test_add_mul_pow_accumulate_into_existing_gradients(m):
    a, b = m.Scalar(2.0), m.Scalar(5.0)
    a.grad, b.grad = 10.0, 20.0
    out = a * b
    out.grad = 1.0
    m.backward_add_mul_pow(out)
    _close(_grad(a, "a"), 15.0, "a.grad after += (10 before, local 5)")
    _close(_grad(b, "b"), 22.0, "b.grad after += (20 before, local 2)")
    a = m.Scalar(3.0)
    out = a * a
    out.grad = 1.0
    m.backward_add_mul_pow(out)
    _close(_grad(a, "a"), 6.0, "d(a*a)/da at a=3 (two uses must add up)")
    a = m.Scalar(3.0)
    out = a + a
    out.grad = 1.0
    m.backward_add_mul_pow(out)
    _close(_grad(a, "a"), 2.0, "d(a+a)/da (two uses must add up)")
    a = m.Scalar(2.0)
    a.grad = 1.0
    out = a**2
    out.grad = 1.0
    m.backward_add_mul_pow(out)
    _close(_grad(a, "a"), 5.0, "a.grad after += through ** (1 before, local 4)")


# -- 1.2 tanh, exp ----------------------------------------------------------------------------------


def test_tanh_gradient_matches_central_differences(m):
    for x in (-2.0, -0.3, 0.0, 0.9, 3.5):
        a = m.Scalar(x)
        out = a.tanh()
        out.grad = -1.3
        m.backward_tanh_exp(out)
        _close(_grad(a, "a"), -1.3 * _central(math.tanh, x), f"d tanh({x})/da * -1.3")


def test_exp_gradient_matches_central_differences(m):
    for x in (-3.0, -0.5, 0.0, 1.2, 4.0):
        a = m.Scalar(x)
        out = a.exp()
        out.grad = 0.4
        m.backward_tanh_exp(out)
        _close(_grad(a, "a"), 0.4 * _central(math.exp, x), f"d exp({x})/da * 0.4", tol=1e-5)


def test_tanh_exp_accumulate_into_existing_gradients(m):
    a = m.Scalar(0.5)
    a.grad = 2.0
    out = a.tanh()
    out.grad = 1.0
    m.backward_tanh_exp(out)
    _close(_grad(a, "a"), 2.0 + (1 - math.tanh(0.5) ** 2), "a.grad after += through tanh (2 before)")
    a = m.Scalar(0.5)
    a.grad = -1.0
    out = a.exp()
    out.grad = 1.0
    m.backward_tanh_exp(out)
    _close(_grad(a, "a"), -1.0 + math.exp(0.5), "a.grad after += through exp (-1 before)")


# -- 1.3 topological sort ---------------------------------------------------------------------------


def _random_dag(m, seed: int):
    """A random DAG of Scalars: some nodes reachable from the root, some not, some parents repeated."""
    rng = random.Random(seed)
    nodes = [m.Scalar(rng.uniform(-1, 1)) for _ in range(6)]
    for _ in range(60):
        k = rng.choice((1, 2, 2, 3))
        parents = tuple(rng.choice(nodes) for _ in range(k))
        nodes.append(m.Scalar(0.0, parents, "+"))
    root = m.Scalar(0.0, tuple(rng.sample(nodes[40:], 4)), "+")
    reachable, todo = {}, [root]
    while todo:
        node = todo.pop()
        if id(node) not in reachable:
            reachable[id(node)] = node
            todo.extend(node._parents)
    return root, reachable


def _order(m, root) -> list:
    order = m.topological_sort(root)
    assert isinstance(order, list), f"expected a list of nodes, got {type(order).__name__}"
    assert all(isinstance(n, m.Scalar) for n in order), "expected every entry to be a Scalar node"
    return order


def test_topological_sort_puts_parents_first_on_random_dags(m):
    for seed in range(5):
        root, _ = _random_dag(m, seed)
        order = _order(m, root)
        position = {id(n): i for i, n in enumerate(order)}
        for i, node in enumerate(order):
            for p in node._parents:
                assert id(p) in position, f"expected every parent to be listed, node {i} has one missing"
                assert position[id(p)] < i, (
                    f"expected parents first, got a parent at {position[id(p)]} after {i}"
                )
        assert order[-1] is root, f"expected the root last, got it at position {position.get(id(root))}"


def test_topological_sort_lists_each_reachable_node_exactly_once(m):
    for seed in range(5):
        root, reachable = _random_dag(m, seed)
        order = _order(m, root)
        ids = [id(n) for n in order]
        assert len(ids) == len(set(ids)), (
            f"expected no repeats, got {len(ids) - len(set(ids))} repeated nodes"
        )
        assert set(ids) == set(reachable), (
            f"expected the {len(reachable)} nodes reachable from the root, got {len(set(ids))} "
            f"({len(set(ids) - set(reachable))} unreachable ones included)"
        )
    a = m.Scalar(2.0)
    b = a * a
    c = b + b
    order = _order(m, c)
    assert len(order) == 3, f"expected 3 nodes for c = (a*a) + (a*a) with b = a*a shared, got {len(order)}"


def test_topological_sort_handles_a_10000_deep_chain_without_recursion(m, default_recursion_limit):
    leaf, root = _deep_chain(m, 10_000)
    try:
        order = _order(m, root)
    except RecursionError:
        pytest.fail("expected an iterative sort, got RecursionError on a 10,000-deep chain")
    assert len(order) == 20_001, (
        f"expected 20001 nodes (chain, leaf and one constant per step), got {len(order)}"
    )
    assert order[0] is leaf or order[0]._parents == (), "expected a leaf first"
    assert order[-1] is root, "expected the root last"


def test_topological_sort_does_not_call_the_library_sort(m, monkeypatch):
    def forbidden(root):
        raise AssertionError("expected your own sort, got a call to microgradrnn's topological_order")

    library_sort = microgradrnn.graph.topological_order
    monkeypatch.setattr(microgradrnn.graph, "topological_order", forbidden)
    monkeypatch.setattr(microgradrnn, "topological_order", forbidden)
    for name, value in list(vars(m).items()):
        if value is library_sort:
            monkeypatch.setattr(m, name, forbidden)
    root, reachable = _random_dag(m, 11)
    assert len(_order(m, root)) == len(reachable), "expected every reachable node once"


# -- 1.4 backward -----------------------------------------------------------------------------------


def _expression(m, x: float, y: float):
    a, b = m.Scalar(x), m.Scalar(y)
    c = a * b + a**2
    out = (c.tanh() * 2.0 - b).exp() / (1.0 + a * a)
    return a, b, out


def _f(x: float, y: float) -> float:
    c = x * y + x**2
    return math.exp(math.tanh(c) * 2.0 - y) / (1.0 + x * x)


def test_backward_matches_central_differences(reference_parts):
    m = reference_parts
    for x, y in [(0.3, -0.7), (-1.1, 0.4), (0.9, 1.5)]:
        a, b, out = _expression(m, x, y)
        m.backward(out)
        da = _central(lambda v, y=y: _f(v, y), x)
        db = _central(lambda v, x=x: _f(x, v), y)
        _close(_grad(a, "a"), da, f"d f/da at ({x}, {y})", tol=1e-5)
        _close(_grad(b, "b"), db, f"d f/db at ({x}, {y})", tol=1e-5)
        _close(_grad(out, "root"), 1.0, "root.grad")


def test_backward_sums_the_gradient_of_a_reused_node(reference_parts):
    m = reference_parts
    a = m.Scalar(3.0)
    b = a * a
    c = b + b
    m.backward(c)
    _close(_grad(a, "a"), 12.0, "d((a*a) + (a*a))/da at a=3 with a*a computed once")
    _close(_grad(b, "b"), 2.0, "d c/d b for c = b + b")
    x = m.Scalar(0.5)
    d = x.tanh()
    e = d * x + d.exp()
    m.backward(e)
    expected = _central(lambda v: math.tanh(v) * v + math.exp(math.tanh(v)), 0.5)
    _close(_grad(x, "x"), expected, "d(tanh(x)*x + exp(tanh(x)))/dx", tol=1e-5)


def test_backward_twice_doubles_leaf_gradients_only(reference_parts):
    m = reference_parts
    x = m.Scalar(1.0)
    y = x * 2.0
    z = y * 3.0
    m.backward(z)
    m.backward(z)
    _close(
        _grad(x, "x"), 12.0, "x.grad after two backward calls (6 each; intermediates recomputed, not summed)"
    )
    _close(_grad(y, "y"), 3.0, "y.grad (an intermediate) after two backward calls")
    _close(_grad(z, "z"), 1.0, "z.grad (the root) after two backward calls")


def test_backward_handles_a_10000_deep_chain_without_recursion(reference_parts, default_recursion_limit):
    m = reference_parts
    leaf, root = _deep_chain(m, 10_000)
    try:
        m.backward(root)
    except RecursionError:
        pytest.fail("expected an iterative backward, got RecursionError on a 10,000-deep chain")
    _close(_grad(leaf, "leaf"), 1.0, "d root/d leaf through 10,000 multiplications by 1")


# -- 1.5 zero_grad ----------------------------------------------------------------------------------


def test_zero_grad_resets_every_node_of_the_graph(reference_parts):
    m = reference_parts
    a, b, out = _expression(m, 0.3, -0.7)
    nodes = microgradrnn.graph.topological_order(out)
    for i, node in enumerate(nodes):
        node.grad = float(i + 1)
    m.zero_grad(out)
    left = [n.grad for n in nodes if n.grad != 0.0]
    assert not left, (
        f"expected every one of {len(nodes)} gradients to be 0, got {len(left)} nonzero: {left[:4]}"
    )


def test_zero_grad_reaches_the_bottom_of_a_deep_chain(reference_parts, default_recursion_limit):
    m = reference_parts
    leaf, root = _deep_chain(m, 10_000)
    leaf.grad = 5.0
    root.grad = 5.0
    try:
        m.zero_grad(root)
    except RecursionError:
        pytest.fail("expected zero_grad to work without recursion, got RecursionError")
    assert leaf.grad == 0.0 and root.grad == 0.0, (
        f"expected leaf and root grad 0, got {leaf.grad}, {root.grad}"
    )
