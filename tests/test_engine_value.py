"""The scalar engine's every operator in both operand orders, its boundaries and edge cases.

The central-difference checks of test_engine_ops test smooth points; these pin the exact
numbers and the places where the code branches: a reflected operator, a base of 0, an
exponent of exactly 1, the edge of a domain, the overflow of exp.
"""

from __future__ import annotations

import math
import operator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microgradrnn import Value, detect_anomaly, gradcheck, no_grad, scope

# (name, f(x, y) on plain floats, d/dx, d/dy) at points inside every op's domain
OPS = {
    "+": (lambda x, y: x + y, lambda x, y: 1.0, lambda x, y: 1.0),
    "-": (lambda x, y: x - y, lambda x, y: 1.0, lambda x, y: -1.0),
    "*": (lambda x, y: x * y, lambda x, y: y, lambda x, y: x),
    "/": (lambda x, y: x / y, lambda x, y: 1 / y, lambda x, y: -x / y**2),
    "**": (lambda x, y: x**y, lambda x, y: y * x ** (y - 1), lambda x, y: x**y * math.log(x)),
}
PAIRS = [(2.0, 3.0), (3.0, 2.0), (0.5, -1.5), (1.7, 0.25)]


def _apply(op: str, a, b):
    return {
        "+": operator.add,
        "-": operator.sub,
        "*": operator.mul,
        "/": operator.truediv,
        "**": operator.pow,
    }[op](a, b)


@pytest.mark.parametrize("op", list(OPS))
@pytest.mark.parametrize("x, y", PAIRS)
def test_every_operator_with_two_values_gives_the_number_and_both_gradients(op, x, y):
    f, dx, dy = OPS[op]
    a, b = Value(x), Value(y)
    out = _apply(op, a, b)
    out.backward()
    assert out.data == pytest.approx(f(x, y), rel=1e-12)
    assert a.grad == pytest.approx(dx(x, y), rel=1e-12)
    assert b.grad == pytest.approx(dy(x, y), rel=1e-12)


@pytest.mark.parametrize("op", list(OPS))
@pytest.mark.parametrize("x, y", PAIRS)
@pytest.mark.parametrize("number", [float, int], ids=["float", "int"])
def test_a_plain_number_on_either_side_gives_the_same_result_as_a_value(op, x, y, number):
    if number is int:
        y = float(round(y)) or 2.0
    f, dx, dy = OPS[op]
    v = Value(x)
    right = _apply(op, v, number(y))  # Value op number: __add__, __mul__, ...
    right.backward()
    assert right.data == pytest.approx(f(x, y), rel=1e-12)
    assert v.grad == pytest.approx(dx(x, y), rel=1e-12)
    if op == "**":
        y = abs(y)  # a negative base has no real power for every exponent
    w = Value(x)
    left = _apply(op, number(y), w)  # number op Value: __radd__, __rmul__, ...
    left.backward()
    assert left.data == pytest.approx(f(y, x), rel=1e-12)
    assert w.grad == pytest.approx(dy(y, x), rel=1e-12)
    # the number becomes a leaf Value, first in argument order where it was written first
    assert isinstance(left, Value) and left._parents[1] is w and left._parents[0].data == y


def test_two_times_x_is_twice_x_and_its_gradient_is_two():
    x = Value(3.0)
    y = 2 * x
    y.backward()
    assert y.data == 6.0 and x.grad == 2.0
    x = Value(3.0)
    y = 2.0 / x
    y.backward()
    assert y.data == pytest.approx(2 / 3) and x.grad == pytest.approx(-2 / 9)
    x = Value(3.0)
    y = 2 - x
    y.backward()
    assert y.data == -1.0 and x.grad == -1.0
    x = Value(3.0)
    y = 2**x
    y.backward()
    assert y.data == 8.0 and x.grad == pytest.approx(8 * math.log(2))


def test_division_refuses_zero_only():
    for d in (-1.0, 1.0, -0.5, 1e-300):
        x = Value(3.0)
        out = x / d
        out.backward()
        assert out.data == 3.0 / d and x.grad == 1.0 / d
    y = Value(1e-300)
    (3.0 / y).backward()  # 1 / y**2 overflows: an infinite slope, not a ZeroDivisionError
    assert y.grad == -math.inf
    for zero in (0, 0.0, -0.0, Value(0.0)):
        with pytest.raises(ZeroDivisionError, match=r"Value division by zero \(3.0 / 0\)"):
            Value(3.0) / zero
    with pytest.raises(ZeroDivisionError, match="Value division by zero"):
        2.0 / Value(0.0)


def test_negation_and_a_value_used_on_both_sides():
    x = Value(1.5)
    y = -x
    y.backward()
    assert y.data == -1.5 and x.grad == -1.0
    x = Value(1.5)
    (x - x).backward()
    assert x.grad == 0.0
    x = Value(1.5)
    (x / x).backward()
    assert x.grad == pytest.approx(0.0, abs=1e-15)
    x = Value(1.5)
    (x**x).backward()
    assert x.grad == pytest.approx(1.5**1.5 * (math.log(1.5) + 1))


@settings(max_examples=30, deadline=None)
@given(x=st.floats(-4, 4).filter(lambda x: abs(x) > 0.1), y=st.floats(-4, 4))
def test_reflected_operators_match_the_forward_ones_for_any_numbers(x, y):
    for op in ("+", "-", "*", "/"):
        left, right = _apply(op, y, Value(x)), _apply(op, Value(y), Value(x))
        assert left.data == right.data
    assert gradcheck(lambda a: 2.5 * a - 1.5 / (a * a + 1.0) + (0.5 - a) * 3, [Value(x)])


# -- power ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "base, exp, value, d_base",
    [
        (0.0, 2.0, 0.0, 0.0),
        (0.0, 1.0, 0.0, 1.0),  # d(x**1)/dx = 1 everywhere, at 0 too
        (0.0, 3.0, 0.0, 0.0),
        (0.0, 0.5, 0.0, 0.0),  # exponent below 1: infinite slope, reported as 0
        (0.0, 0.0, 1.0, 0.0),  # 0 ** 0 is 1, a constant
        (2.0, 0.0, 1.0, 0.0),
        (-2.0, 3.0, -8.0, 12.0),  # negative base, integer exponent
        (-2.0, 2.0, 4.0, -4.0),
        (-2.0, -1.0, -0.5, -0.25),  # negative exponent
        (4.0, -0.5, 0.5, -0.0625),
        (1.0, 0.5, 1.0, 0.5),
    ],
)
def test_pow_at_the_edges_gives_the_number_and_the_base_gradient(base, exp, value, d_base):
    a = Value(base)
    out = a**exp
    out.backward()
    assert out.data == pytest.approx(value, rel=1e-12)
    assert a.grad == pytest.approx(d_base, rel=1e-12)


@pytest.mark.parametrize(
    "base, exp, d_exp",
    [
        (2.0, 3.0, 8.0 * math.log(2.0)),
        (0.5, -1.0, 2.0 * math.log(0.5)),
        (1.0, 2.0, 0.0),  # ln 1 = 0
        (0.0, 2.0, 0.0),  # base 0 (and below) only admits a constant exponent: 0
        (-2.0, 2.0, 0.0),
    ],
)
def test_pow_exponent_gradient_is_out_times_ln_base_and_zero_off_the_positive_axis(base, exp, d_exp):
    a, b = Value(base), Value(exp)
    out = a**b
    out.backward()
    assert b.grad == pytest.approx(d_exp, rel=1e-12, abs=1e-300)


def test_pow_refuses_undefined_results_by_name():
    with pytest.raises(ZeroDivisionError, match=r"0 \*\* -1"):
        Value(0.0) ** -1.0
    with pytest.raises(ZeroDivisionError, match="undefined"):
        Value(0.0) ** Value(-0.5)
    with pytest.raises(ValueError, match="not a real number"):
        Value(-8.0) ** (1 / 3)
    with pytest.raises(ValueError, match="not a real number"):
        Value(-1.0) ** Value(0.5)


# -- functions -------------------------------------------------------------------------


def test_exp_is_exact_up_to_the_float_limit_and_inf_past_it():
    for x in (-2.0, 0.0, 1.0, 700.0, 709.0, 709.7):
        v = Value(x)
        out = v.exp()
        out.backward()
        assert out.data == math.exp(x) and v.grad == math.exp(x)
    big = Value(710.0).exp()
    assert big.data == math.inf
    assert Value(1e6).exp().data == math.inf


def test_log_domain_boundary_is_zero_exactly():
    with pytest.raises(ValueError, match="positive"):
        Value(0.0).log()
    with pytest.raises(ValueError, match="positive"):
        Value(-1e-300).log()
    tiny = Value(1e-300)
    out = tiny.log()
    out.backward()
    assert out.data == pytest.approx(math.log(1e-300)) and tiny.grad == pytest.approx(1e300)
    one = Value(1.0)
    out = one.log()
    out.backward()
    assert out.data == 0.0 and one.grad == 1.0


@pytest.mark.parametrize("x", [-800.0, -30.0, -1.0, -1e-3, 0.0, 1e-3, 1.0, 30.0, 800.0])
def test_sigmoid_both_branches_give_the_logistic_and_its_slope(x):
    v = Value(x)
    out = v.sigmoid()
    out.backward()
    s = 1.0 / (1.0 + math.exp(-x)) if x > -700 else 0.0  # the one-branch form, where it is safe
    assert out.data == pytest.approx(s, rel=1e-12, abs=1e-300)
    # s (1 - s) loses digits to cancellation where s is near 1
    assert v.grad == pytest.approx(s * (1 - s), rel=1e-9 if abs(x) < 2 else 1e-2, abs=1e-300)


def test_tanh_value_and_slope():
    v = Value(0.7)
    out = v.tanh()
    out.backward()
    assert out.data == math.tanh(0.7) and v.grad == pytest.approx(1 - math.tanh(0.7) ** 2)


@pytest.mark.parametrize(
    "x, y, slope", [(-2.0, 0.0, 0.0), (0.0, 0.0, 0.0), (1e-12, 1e-12, 1.0), (3.0, 3.0, 1.0)]
)
def test_relu_is_zero_at_and_below_zero_with_slope_zero_at_zero(x, y, slope):
    v = Value(x)
    out = v.relu()
    out.backward()
    assert out.data == y and v.grad == slope


# -- the node itself -------------------------------------------------------------------


def test_constructor_accepts_reals_and_refuses_the_rest():
    assert Value(3).data == 3.0 and type(Value(3).data) is float
    assert Value(True).data == 1.0
    import numpy as np

    assert type(Value(np.float32(0.5)).data) is float
    for bad in ("3", None, 1j, [1.0]):
        with pytest.raises(TypeError, match="real number"):
            Value(bad)


def test_a_new_value_starts_with_zero_gradient_and_records_parents_only_with_grad_on():
    a, b = Value(1.0), Value(2.0)
    c = a * b
    assert c.grad == 0.0 and c._parents == (a, b) and c._local == (2.0, 1.0) and c._op == "*"
    assert a.is_leaf and not c.is_leaf
    with no_grad():
        d = a * b
    assert d._parents == () and d._local == () and d._op == "*" and d.data == 2.0
    e = Value(5.0, label="e")
    assert e.label == "e" and e.scope == ()
    with scope("s"):
        assert Value(1.0).scope == ("s",)


def test_backward_seeds_one_or_the_given_gradient_and_accumulates():
    a = Value(2.0)
    b = a * 3
    b.backward()
    assert b.grad == 1.0 and a.grad == 3.0
    b.backward(2.0)
    assert b.grad == 2.0 and a.grad == 9.0  # intermediates afresh, leaves accumulate
    b.zero_grad()
    assert a.grad == 0.0 and b.grad == 0.0
    c = Value(1.0)
    c.backward()
    assert c.grad == 1.0


def test_anomaly_mode_checks_every_result_and_every_gradient():
    with detect_anomaly():
        with pytest.raises(FloatingPointError, match="result"):
            Value(math.inf)
        with pytest.raises(FloatingPointError, match="result"):
            Value(1e308) * 10
        x = Value(1e-200)
        y = x * 1e-200  # finite result, 0.0
        z = y * 1e300  # finite; its gradient to y is 1e300
        w = z * 1e300  # 1e100: d w / d y = 1e600 = inf
        with pytest.raises(FloatingPointError, match="gradient"):
            w.backward()
        ok = Value(2.0)
        (ok * ok).backward()
        assert ok.grad == 4.0
    Value(math.nan)  # outside anomaly mode: allowed


def test_repr_shows_data_grad_and_label():
    v = Value(1.5, label="w")
    v.grad = 0.25
    assert repr(v) == "Value(data=1.5, grad=0.25, label='w')"
    assert repr(Value(2.0)) == "Value(data=2, grad=0)"
