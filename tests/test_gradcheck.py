"""The gradient checker itself: exact central differences, the tolerance's edge, every input checked.

A checker that passes everything would let every other test in the suite pass too, so
these pin its numbers exactly: with eps = 0.5 and x = 1 every float below is exact.
"""

from __future__ import annotations

import numpy as np
import pytest

from microgradrnn import Tensor, Value, gradcheck, rel_error
from microgradrnn.gradcheck import analytic_grad, numerical_grad


def test_central_difference_of_a_cube_is_the_slope_plus_eps_squared():
    # (f(1 + e) - f(1 - e)) / (2 e) = 3 + e^2 for f = x^3: 3.25 at e = 0.5, exactly
    v = Value(1.0)
    t = Tensor([1.0, 2.0], requires_grad=True)
    (gv,) = numerical_grad(lambda x: x**3, [v], eps=0.5)
    (gt,) = numerical_grad(lambda x: (x**3).sum(), [t], eps=0.5)
    assert gv == 3.25
    np.testing.assert_array_equal(gt, [3.25, 12.25])
    assert v.data == 1.0 and t.data.tolist() == [1.0, 2.0]  # every nudge undone
    assert gt.dtype == np.float64 and gt.shape == (2,)


def test_numerical_grad_of_several_inputs_of_both_kinds_and_shapes():
    a = Tensor(2.0, requires_grad=True)
    W = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    ga, gW = numerical_grad(lambda a, W: (W * a).sum() * a, [a, W], eps=0.5)
    assert ga.shape == () and ga == pytest.approx(2 * 2.0 * 15.0)  # d(a^2 sum W)/da = 2 a sum W
    gx, gy = numerical_grad(lambda x, y: x * y * y, [Value(3.0), Value(2.0)], eps=0.5)
    assert (gx, gy) == (4.0, 12.0)
    np.testing.assert_allclose(gW, np.full((2, 3), 4.0))
    assert gW.shape == (2, 3)
    (g,) = numerical_grad(lambda x: 7.0, [Value(1.0)])  # a plain number output
    assert g == 0.0
    with pytest.raises(TypeError, match="Values or Tensors, got ndarray"):
        numerical_grad(lambda x: x, [np.ones(2)])


def test_numerical_grad_does_not_record_a_graph():
    v = Value(1.0)
    seen = []
    numerical_grad(lambda x: seen.append(x * 2) or seen[-1], [v])
    assert all(out._parents == () for out in seen)


def test_output_must_be_one_number():
    t = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match=r"one output number, got shape \(2,\)"):
        numerical_grad(lambda x: x * 2, [t])
    (g,) = numerical_grad(lambda x: (x * 2).sum().reshape(1, 1), [t], eps=0.5)
    np.testing.assert_array_equal(g, [2.0, 2.0])


def test_analytic_grad_clears_old_gradients_first():
    v = Value(3.0)
    v.grad = 100.0
    t = Tensor([1.0, 2.0], requires_grad=True)
    t.grad = np.array([50.0, 50.0])
    (gv,) = analytic_grad(lambda v: v * v, [v])
    assert gv == 6.0
    (gt,) = analytic_grad(lambda t: (t * 3.0).sum(), [t])
    np.testing.assert_array_equal(gt, [3.0, 3.0])
    gt += 1.0  # a copy, not the tensor's own gradient
    np.testing.assert_array_equal(t.grad, [3.0, 3.0])


def test_rel_error_edges():
    assert rel_error([0.0, 0.0], [0.0, 0.0]) == 0.0  # 0 / 1e-8, not 0 / 0
    assert rel_error([1e-9], [-1e-9]) == pytest.approx(0.2)  # the 1e-8 floor
    assert rel_error([2.0], [-2.0]) == 1.0
    assert rel_error([3.0, 1.0], [1.0, 1.0]) == 0.5  # the largest element
    assert rel_error([1.0, 1.0], [1.0, 3.0]) == 0.5
    assert rel_error(np.zeros((0, 3)), np.zeros((0, 3))) == 0.0
    assert rel_error(Value(1.0), 3.0) == 0.5 and rel_error(Tensor([1.0]), Tensor([3.0])) == 0.5
    assert isinstance(rel_error([1.0], [3.0]), float)


def test_gradcheck_fails_just_past_the_tolerance_and_passes_at_it():
    # backprop says 3 and central differences with eps = 0.5 say 3.25: relative error 0.04
    err = rel_error(3.0, 3.25)
    assert err == pytest.approx(0.04)
    assert gradcheck(lambda x: x**3, [Value(1.0)], eps=0.5, tol=err) is True
    assert gradcheck(lambda x: x**3, [Value(1.0)], eps=0.5, tol=err * 0.999, raise_on_failure=False) is False
    with pytest.raises(AssertionError, match=r"input 0: relative error 0.04 > 0.03"):
        gradcheck(lambda x: x**3, [Value(1.0)], eps=0.5, tol=0.03)


def test_gradcheck_checks_every_input_and_names_the_wrong_one():
    a = Tensor([0.5, 1.5], requires_grad=True)
    b = Tensor([2.0, -1.0], requires_grad=True)

    def wrong_in_b(a, b):  # b's second use is cut from the graph
        return (a * b).sum() + (b * Tensor(b.data)).sum()

    with pytest.raises(AssertionError, match="input 1"):
        gradcheck(wrong_in_b, [a, b])
    assert gradcheck(wrong_in_b, [a, b], raise_on_failure=False) is False
    assert gradcheck(lambda a, b: (a * b).sum(), [a, b]) is True


def test_gradcheck_needs_tensors_that_require_grad():
    with pytest.raises(ValueError, match=r"input 1 \(shape \(2,\)\) needs requires_grad=True"):
        gradcheck(lambda a, b: (a * b).sum(), [Tensor([1.0, 2.0], requires_grad=True), Tensor([1.0, 2.0])])


def test_default_eps_and_tolerance_are_tight():
    # x^3 at x = 2: the default eps = 1e-6 leaves an error of eps^2 = 1e-12
    (g,) = numerical_grad(lambda x: x**3, [Value(2.0)])
    assert g == pytest.approx(12.0, rel=1e-8)
    # a part cut from the graph (Value(x.data)) that backprop misses: relative errors of
    # 2e-5 and 1e-7, either side of the default tolerance 1e-6
    assert not gradcheck(lambda x: x + Value(x.data) * 4e-5, [Value(1.0)], raise_on_failure=False)
    assert gradcheck(lambda x: x + Value(x.data) * 2e-7, [Value(1.0)])


def test_shapes_must_match_in_either_order_and_an_empty_output_is_not_one_number():
    for a, b in [([1.0], [1.0, 2.0]), ([1.0, 2.0], [1.0]), (np.zeros((2, 1)), np.zeros((1, 2)))]:
        with pytest.raises(ValueError, match="shapes differ"):
            rel_error(a, b)
    t = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match=r"one output number, got shape \(0,\)"):
        numerical_grad(lambda x: x[:0], [t])


def test_the_failure_message_shows_both_gradients_to_six_decimals():
    x = Tensor([1.0], requires_grad=True)

    def half_cut(x):  # backprop sees 0.1234567, the differences 0.6234567
        return (x * 0.1234567 + Tensor(x.data) * 0.5).sum()

    with pytest.raises(AssertionError, match=r"backprop:  \[0\.123457\]\n  numerical: \[0\.623457\]"):
        gradcheck(half_cut, [x])
