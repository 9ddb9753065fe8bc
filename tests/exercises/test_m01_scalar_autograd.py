"""Tests of module 1: scalar autograd (backward rules, topological sort, the backward driver).

The judge describes each graph as plain data (:class:`_Graph`), the probes of
``probes/m01_scalar_autograd.py`` build it with the learner's ``Scalar`` in the runner and
send back every node's gradient, or an order as node indices. The expected gradients are
central differences of the graph's function, evaluated here; the expected order is checked
against the graph the judge built.
"""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from microgradrnn.grading.learner import LearnerError, as_array, as_float

DEFAULT_RECURSION_LIMIT = 1000
RULES = "backward_add_mul_pow"
TANH_EXP = "backward_tanh_exp"
OPS = ("", "+", "*", "**", "tanh", "exp")  # the probes' op codes


def _apply(op: str, p: list[float], n: float) -> float:
    if op == "+":
        return sum(p)
    if op == "*":
        return p[0] * p[1]
    if op == "**":
        return p[0] ** n
    return math.tanh(p[0]) if op == "tanh" else math.exp(p[0])


class _Graph:
    """A graph of scalars described as plain data: ``[data, op, parent indices, exponent]`` per node."""

    def __init__(self) -> None:
        self.spec: list[list] = []

    def leaf(self, x: float) -> int:
        self.spec.append([float(x), "", [], 0.0])
        return len(self.spec) - 1

    def op(self, op: str, *parents: int, exponent: float = 0.0) -> int:
        value = _apply(op, [self.spec[j][0] for j in parents], exponent)
        self.spec.append([value, op, list(parents), float(exponent)])
        return len(self.spec) - 1

    def values(self, leaves: dict[int, float] | None = None) -> list[float]:
        """Every node's value, with some leaves replaced (the judge's own forward pass)."""
        out: list[float] = []
        for i, (data, op, parents, n) in enumerate(self.spec):
            if op == "":
                out.append((leaves or {}).get(i, data))
            else:
                out.append(_apply(op, [out[j] for j in parents], n))
        return out

    def central(self, root: int, leaf: int, eps: float = 1e-6) -> float:
        """d(root)/d(leaf) by central differences."""
        x = self.spec[leaf][0]
        up, down = self.values({leaf: x + eps})[root], self.values({leaf: x - eps})[root]
        return (up - down) / (2 * eps)

    def packed(self) -> dict[str, np.ndarray]:
        """The graph as the probes take it: arrays, which cross to the runner fast."""
        return {
            "data": np.array([n[0] for n in self.spec], dtype=np.float64),
            "op": np.array([OPS.index(n[1]) for n in self.spec], dtype=np.int64),
            "count": np.array([len(n[2]) for n in self.spec], dtype=np.int64),
            "exponent": np.array([n[3] for n in self.spec], dtype=np.float64),
            "parents": np.array([p for n in self.spec for p in n[2]], dtype=np.int64),
        }

    def reachable(self, root: int) -> set[int]:
        seen, todo = set(), [root]
        while todo:
            i = todo.pop()
            if i not in seen:
                seen.add(i)
                todo.extend(self.spec[i][2])
        return seen


def _grads(answer, count: int) -> list[float]:
    """The probe's gradients: an array when every .grad was a plain number, else each value as it was."""
    if isinstance(answer, np.ndarray):
        got = as_array(answer, "the gradients", "ndarray")
        assert got.shape == (count,), f"expected {count} gradients, got shape {got.shape}"
        return got.tolist()
    assert isinstance(answer, list) and len(answer) == count, f"expected {count} gradients, got {answer!r}"[
        :300
    ]
    return [as_float(g, f"node {i}'s .grad") for i, g in enumerate(answer)]


def _close(got: float, expected: float, what: str, tol: float = 1e-6) -> None:
    assert math.isclose(got, expected, rel_tol=tol, abs_tol=tol), (
        f"{what}: expected {expected:.8g}, got {got:.8g}"
    )


def _central(f, x: float, eps: float = 1e-6) -> float:
    return (f(x + eps) - f(x - eps)) / (2 * eps)


def _rule(learner, g: _Graph, grads: list[float], steps: list) -> list[float]:
    return _grads(learner.probe("rules", g.packed(), grads, steps), len(g.spec))


def _no_recursion_error(call, what: str):
    try:
        return call()
    except LearnerError as err:
        if err.is_a("RecursionError"):
            pytest.fail(f"expected {what} without recursion, got RecursionError on a 10,000-deep chain")
        raise


def _deep_chain(depth: int) -> tuple[_Graph, int, int]:
    """leaf * 1 * 1 * ... (depth multiplications, each by its own constant leaf)."""
    g = _Graph()
    leaf = node = g.leaf(0.5)
    for _ in range(depth):
        node = g.op("*", node, g.leaf(1.0))
    return g, leaf, node


# -- 1.1 add, mul, pow ------------------------------------------------------------------------------


def test_add_passes_upstream_gradient_to_both_inputs(learner):
    g = _Graph()
    a, b = g.leaf(2.0), g.leaf(-3.0)
    out = g.op("+", a, b)
    got = _rule(learner, g, [0.0, 0.0, 1.5], [[RULES, out]])
    _close(got[a], 1.5, "d(a+b)/da * 1.5")
    _close(got[b], 1.5, "d(a+b)/db * 1.5")


def test_mul_gradient_is_the_other_input_times_upstream(learner):
    g = _Graph()
    a, b = g.leaf(2.0), g.leaf(-3.0)
    out = g.op("*", a, b)
    got = _rule(learner, g, [0.0, 0.0, 0.5], [[RULES, out]])
    _close(got[a], -1.5, "d(a*b)/da * 0.5 = b * 0.5")
    _close(got[b], 1.0, "d(a*b)/db * 0.5 = a * 0.5")


def test_pow_gradient_matches_central_differences(learner):
    for base, n in [(1.7, 3.0), (2.5, -1.0), (0.8, 0.5), (-1.3, 2.0), (3.0, 0.0)]:
        g = _Graph()
        a = g.leaf(base)
        out = g.op("**", a, exponent=n)
        got = _rule(learner, g, [0.0, 0.7], [[RULES, out]])
        _close(got[a], 0.7 * g.central(out, a), f"d({base} ** {n})/da * 0.7", tol=1e-5)


def test_add_mul_pow_accumulate_into_existing_gradients(learner):
    cases = [
        # (op, parents' values, their gradients before, exponent, their gradients after)
        ("*", (2.0, 5.0), (10.0, 20.0), 0.0, (15.0, 22.0)),
        ("+", (2.0, 5.0), (10.0, 20.0), 0.0, (11.0, 21.0)),
        ("**", (2.0,), (1.0,), 2.0, (5.0,)),
    ]
    for op, values, before, n, after in cases:
        g = _Graph()
        parents = [g.leaf(v) for v in values]
        out = g.op(op, *parents, exponent=n)
        got = _rule(learner, g, [*before, 1.0], [[RULES, out]])
        for i, want in zip(parents, after):
            _close(got[i], want, f"parent {i}'s .grad after {op} with {before[i]} before (+=, not =)")
    for op, want in (("*", 6.0), ("+", 2.0)):
        g = _Graph()
        a = g.leaf(3.0)
        out = g.op(op, a, a)
        got = _rule(learner, g, [0.0, 1.0], [[RULES, out]])
        _close(got[a], want, f"d(a {op} a)/da at a=3 (two uses must add up)")


def test_add_mul_pow_accumulate_across_different_operations(learner):
    # x feeds a sum, a product and a power; the rules run node by node from the root down.
    g = _Graph()
    x, y = g.leaf(0.7), g.leaf(-1.3)
    s, p, q = g.op("+", x, y), g.op("*", x, y), g.op("**", x, exponent=3.0)
    r = g.op("*", s, p)
    root = g.op("+", r, q)
    for order in ([root, r, q, p, s], [root, r, s, p, q], [root, q, r, p, s]):
        grads = [0.0] * len(g.spec)
        grads[root] = 1.0
        got = _rule(learner, g, grads, [[RULES, i] for i in order])
        _close(
            got[x], g.central(root, x), f"d root/dx through +, * and ** (rules in node order {order})", 1e-5
        )
        _close(got[y], g.central(root, y), f"d root/dy through + and * (rules in node order {order})", 1e-5)


# -- 1.2 tanh, exp ----------------------------------------------------------------------------------


def test_tanh_gradient_matches_central_differences(learner):
    for v in (-2.0, -0.3, 0.0, 0.9, 3.5):
        g = _Graph()
        a = g.leaf(v)
        out = g.op("tanh", a)
        got = _rule(learner, g, [0.0, -1.3], [[TANH_EXP, out]])
        _close(got[a], -1.3 * _central(math.tanh, v), f"d tanh({v})/da * -1.3")


def test_exp_gradient_matches_central_differences(learner):
    for v in (-3.0, -0.5, 0.0, 1.2, 4.0):
        g = _Graph()
        a = g.leaf(v)
        out = g.op("exp", a)
        got = _rule(learner, g, [0.0, 0.4], [[TANH_EXP, out]])
        _close(got[a], 0.4 * _central(math.exp, v), f"d exp({v})/da * 0.4", tol=1e-5)


def test_tanh_exp_accumulate_into_existing_gradients(learner):
    for op, before, local in (("tanh", 2.0, 1 - math.tanh(0.5) ** 2), ("exp", -1.0, math.exp(0.5))):
        g = _Graph()
        a = g.leaf(0.5)
        out = g.op(op, a)
        got = _rule(learner, g, [before, 1.0], [[TANH_EXP, out]])
        _close(got[a], before + local, f"a.grad after += through {op} ({before} before)")
    # One input, both operations: the second share adds to the first.
    g = _Graph()
    a = g.leaf(0.3)
    t, e = g.op("tanh", a), g.op("exp", a)
    got = _rule(learner, g, [0.0, 2.0, -0.5], [[TANH_EXP, t], [TANH_EXP, e]])
    _close(got[a], 2.0 * (1 - math.tanh(0.3) ** 2) - 0.5 * math.exp(0.3), "a.grad through tanh and exp")


# -- 1.3 topological sort ---------------------------------------------------------------------------


def _random_dag(seed: int) -> tuple[_Graph, int]:
    """A random DAG: some nodes reachable from the root, some not, some parents repeated."""
    rng = random.Random(seed)
    g = _Graph()
    nodes = [g.leaf(rng.uniform(-1, 1)) for _ in range(6)]
    for _ in range(60):
        k = rng.choice((1, 2, 2, 3))
        nodes.append(g.op("+", *(rng.choice(nodes) for _ in range(k))))
    root = g.op("+", *rng.sample(nodes[40:], 4))
    return g, root


def _order(learner, g: _Graph, root: int, recursion_limit: int | None = None) -> list[int]:
    answer = learner.probe("sort", g.packed(), root, recursion_limit)
    assert isinstance(answer, dict) and answer.get("type") == "list", (
        f"expected a list of nodes, got {answer.get('type') if isinstance(answer, dict) else answer!r}"
    )
    order = as_array(answer["order"], "the order", "ndarray").astype(int).tolist()
    assert all(i >= 0 for i in order), (
        f"expected only nodes of the graph, got {order.count(-1)} other objects"
    )
    return order


def _check_order(g: _Graph, root: int, order: list[int]) -> None:
    reachable = g.reachable(root)
    assert len(order) == len(set(order)), (
        f"expected no repeats, got {len(order) - len(set(order))} repeated nodes"
    )
    assert set(order) == reachable, (
        f"expected the {len(reachable)} nodes reachable from the root, got {len(order)} "
        f"({len(set(order) - reachable)} unreachable ones included)"
    )
    position = {n: i for i, n in enumerate(order)}
    for i, node in enumerate(order):
        for p in g.spec[node][2]:
            assert position[p] < i, f"expected parents first, got a parent at {position[p]} after {i}"
    assert order[-1] == root, f"expected the root last, got it at position {position[root]}"


def test_topological_sort_puts_parents_first_on_random_dags(learner):
    for seed in range(5):
        g, root = _random_dag(seed)
        order = _order(learner, g, root)
        position = {n: i for i, n in enumerate(order)}
        for i, node in enumerate(order):
            for p in g.spec[node][2]:
                assert p in position, f"expected every parent to be listed, node {i} has one missing"
                assert position[p] < i, f"expected parents first, got a parent at {position[p]} after {i}"
        assert order and order[-1] == root, f"expected the root last, got it at position {position.get(root)}"


def test_topological_sort_lists_each_reachable_node_exactly_once(learner):
    for seed in range(5):
        g, root = _random_dag(seed)
        order = _order(learner, g, root)
        reachable = g.reachable(root)
        assert len(order) == len(set(order)), (
            f"expected no repeats, got {len(order) - len(set(order))} repeated nodes"
        )
        assert set(order) == reachable, (
            f"expected the {len(reachable)} nodes reachable from the root, got {len(set(order))} "
            f"({len(set(order) - reachable)} unreachable ones included)"
        )
    g = _Graph()
    a = g.leaf(2.0)
    b = g.op("*", a, a)
    c = g.op("+", b, b)
    order = _order(learner, g, c)
    assert order == [a, b, c], f"expected [a, b, c] for c = b + b with b = a * a, got node order {order}"


def test_topological_sort_handles_a_10000_deep_chain_without_recursion(learner):
    g, leaf, root = _deep_chain(10_000)
    order = _no_recursion_error(
        lambda: _order(learner, g, root, DEFAULT_RECURSION_LIMIT), "an iterative sort"
    )
    assert len(order) == 20_001, (
        f"expected 20001 nodes (chain, leaf and one constant per step), got {len(order)}"
    )
    _check_order(g, root, order)


def test_topological_sort_does_not_call_the_library_sort(learner):
    # The manifest puts microgradrnn.graph.topological_order off limits for this exercise:
    # a call into it fails here (and in every test of 1.3) however it was reached.
    g, root = _random_dag(11)
    _check_order(g, root, _order(learner, g, root))


# -- 1.4 backward -----------------------------------------------------------------------------------


def _expression(x: float, y: float) -> tuple[_Graph, int, int, int]:
    """exp(tanh(a*b + a**2) * 2 - b) / (1 + a*a), made of the five primitive operations."""
    g = _Graph()
    a, b = g.leaf(x), g.leaf(y)
    c = g.op("+", g.op("*", a, b), g.op("**", a, exponent=2.0))
    inner = g.op("+", g.op("*", g.op("tanh", c), g.leaf(2.0)), g.op("*", b, g.leaf(-1.0)))
    denominator = g.op("+", g.leaf(1.0), g.op("*", a, a))
    out = g.op("*", g.op("exp", inner), g.op("**", denominator, exponent=-1.0))
    return g, a, b, out


def _drive(learner, g: _Graph, root: int, function: str = "backward", **kwargs) -> list[float]:
    return _grads(learner.probe("drive", g.packed(), root, function, **kwargs), len(g.spec))


def test_backward_matches_central_differences(learner):
    for x, y in [(0.3, -0.7), (-1.1, 0.4), (0.9, 1.5)]:
        g, a, b, out = _expression(x, y)
        got = _drive(learner, g, out)
        _close(got[a], g.central(out, a), f"d f/da at ({x}, {y})", tol=1e-5)
        _close(got[b], g.central(out, b), f"d f/db at ({x}, {y})", tol=1e-5)
        _close(got[out], 1.0, "root.grad")


def test_backward_sums_the_gradient_of_a_reused_node(learner):
    g = _Graph()
    a = g.leaf(3.0)
    b = g.op("*", a, a)
    c = g.op("+", b, b)
    got = _drive(learner, g, c)
    _close(got[a], 12.0, "d((a*a) + (a*a))/da at a=3 with a*a computed once")
    _close(got[b], 2.0, "d c/d b for c = b + b")
    # x feeds tanh and a product; tanh(x) feeds a product and exp.
    g = _Graph()
    x = g.leaf(0.5)
    d = g.op("tanh", x)
    e = g.op("+", g.op("*", d, x), g.op("exp", d))
    got = _drive(learner, g, e)
    _close(got[x], g.central(e, x), "d(tanh(x)*x + exp(tanh(x)))/dx", tol=1e-5)


def test_backward_twice_doubles_leaf_gradients_only(learner):
    g = _Graph()
    x = g.leaf(1.0)
    y = g.op("*", x, g.leaf(2.0))
    z = g.op("*", y, g.leaf(3.0))
    got = _drive(learner, g, z, calls=2)
    _close(got[x], 12.0, "x.grad after two backward calls (6 each; intermediates recomputed, not summed)")
    _close(got[y], 3.0, "y.grad (an intermediate) after two backward calls")
    _close(got[z], 1.0, "z.grad (the root) after two backward calls")


def test_backward_handles_a_10000_deep_chain_without_recursion(learner):
    g, leaf, root = _deep_chain(10_000)
    got = _no_recursion_error(
        lambda: _drive(learner, g, root, recursion_limit=DEFAULT_RECURSION_LIMIT), "an iterative backward"
    )
    _close(got[leaf], 1.0, "d root/d leaf through 10,000 multiplications by 1")
    _close(got[1], 0.5, "d root/d (the first constant) = the leaf's value 0.5")


# -- 1.5 zero_grad ----------------------------------------------------------------------------------


def test_zero_grad_resets_every_node_of_the_graph(learner):
    g, _, _, out = _expression(0.3, -0.7)
    got = _drive(learner, g, out, "zero_grad", grads=[float(i + 1) for i in range(len(g.spec))])
    left = [v for v in got if v != 0.0]
    assert not left, (
        f"expected every one of {len(got)} gradients to be 0, got {len(left)} nonzero: {left[:4]}"
    )


def test_zero_grad_reaches_the_bottom_of_a_deep_chain(learner):
    g, leaf, root = _deep_chain(10_000)
    got = _no_recursion_error(
        lambda: _drive(
            learner, g, root, "zero_grad", grads=[5.0] * len(g.spec), recursion_limit=DEFAULT_RECURSION_LIMIT
        ),
        "zero_grad",
    )
    assert got[leaf] == 0.0 and got[root] == 0.0, (
        f"expected leaf and root grad 0, got {got[leaf]}, {got[root]}"
    )
    assert not any(got), f"expected all {len(got)} gradients 0, got {sum(1 for v in got if v)} nonzero"
