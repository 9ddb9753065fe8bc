"""Tests of module 4: the RNN cell, unrolled over time, and its parameter count.

The reference is the cell's two equations written directly in numpy, in the notes'
column-vector form (W_aa @ a + W_ax @ x + b_a, one sequence at a time), so a transposed
weight or a missing term shows up as a wrong number.
"""

from __future__ import annotations

import numpy as np
import pytest

from microgradrnn import Tensor
from microgradrnn.gradcheck import numerical_grad, rel_error


@pytest.fixture(scope="module")
def m(load_exercise):
    return load_exercise("m04_rnn_cell")


NAMES = ("W_aa", "W_ax", "b_a", "W_ya", "b_y")


def _weights(seed: int, I: int, H: int, O: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "W_aa": rng.standard_normal((H, H)) * 0.6,
        "W_ax": rng.standard_normal((H, I)) * 0.6,
        "b_a": rng.standard_normal(H) * 0.3,
        "W_ya": rng.standard_normal((O, H)) * 0.8,
        "b_y": rng.standard_normal(O) * 0.3,
    }


def _tensors(w: dict[str, np.ndarray], requires_grad: bool = False) -> list[Tensor]:
    return [Tensor(w[n].copy(), requires_grad=requires_grad) for n in NAMES]


def _reference_step(x, a_prev, w):
    """The notes' equations for each sequence of the batch separately (column vectors)."""
    a_next, y_hat = [], []
    for b in range(x.shape[0]):
        a = np.tanh(w["W_aa"] @ a_prev[b] + w["W_ax"] @ x[b] + w["b_a"])
        z = w["W_ya"] @ a + w["b_y"]
        e = np.exp(z - z.max())
        a_next.append(a)
        y_hat.append(e / e.sum())
    return np.array(a_next), np.array(y_hat)


def _reference_forward(xs, a0, w):
    a, states, outputs = a0, [], []
    for x in xs:
        a, y = _reference_step(x, a, w)
        states.append(a)
        outputs.append(y)
    return np.array(states), np.array(outputs)


def _pair(result, shapes, what: str) -> tuple[np.ndarray, np.ndarray]:
    assert isinstance(result, tuple) and len(result) == 2, (
        f"expected {what} to return a tuple of two Tensors, got {type(result).__name__}"
    )
    arrays = []
    for r, shape, name in zip(result, shapes, ("first", "second")):
        assert isinstance(r, Tensor), f"expected the {name} result to be a Tensor, got {type(r).__name__}"
        got = np.asarray(r.data, dtype=np.float64)
        assert got.shape == shape, f"expected the {name} result of shape {shape}, got {got.shape}"
        arrays.append(got)
    return arrays[0], arrays[1]


def _assert_close(got, expected, what: str, tol: float = 1e-9) -> None:
    assert np.allclose(got, expected, rtol=tol, atol=tol), (
        f"{what}: expected {np.round(expected.ravel()[:4], 6)} ..., got {np.round(got.ravel()[:4], 6)} ..."
    )


# -- 4.1 one cell step ------------------------------------------------------------------------------


def test_cell_step_hidden_state_matches_the_equation(m):
    for seed, (B, I, H, O) in enumerate([(2, 3, 4, 5), (3, 4, 4, 4), (1, 1, 2, 3)]):
        w = _weights(seed, I, H, O)
        rng = np.random.default_rng(100 + seed)
        x, a_prev = rng.standard_normal((B, I)), rng.standard_normal((B, H))
        a, _ = _pair(
            m.rnn_cell_step(Tensor(x), Tensor(a_prev), *_tensors(w)), ((B, H), (B, O)), "rnn_cell_step"
        )
        expected, _ = _reference_step(x, a_prev, w)
        _assert_close(a, expected, f"a<t> for B={B}, I={I}, H={H}, O={O}")


def test_cell_step_output_is_a_softmax_over_the_outputs(m):
    for seed, (B, I, H, O) in enumerate([(2, 3, 4, 5), (3, 4, 4, 4)]):
        w = _weights(seed, I, H, O)
        rng = np.random.default_rng(200 + seed)
        x, a_prev = rng.standard_normal((B, I)), rng.standard_normal((B, H))
        _, y = _pair(
            m.rnn_cell_step(Tensor(x), Tensor(a_prev), *_tensors(w)), ((B, H), (B, O)), "rnn_cell_step"
        )
        _assert_close(y.sum(axis=1), np.ones(B), "each row of y<t> sums to 1")
        _, expected = _reference_step(x, a_prev, w)
        _assert_close(y, expected, f"y<t> for B={B}, I={I}, H={H}, O={O}")


def test_cell_step_gradients_match_central_differences(m):
    B, I, H, O = 2, 3, 4, 3
    w = _weights(7, I, H, O)
    rng = np.random.default_rng(8)
    inputs = [Tensor(rng.standard_normal((B, I)), requires_grad=True)]
    inputs.append(Tensor(rng.standard_normal((B, H)), requires_grad=True))
    inputs += _tensors(w, requires_grad=True)
    ra, ry = rng.standard_normal((B, H)), rng.standard_normal((B, O))

    def loss(*args):
        a, y = m.rnn_cell_step(*args)
        return (a * Tensor(ra)).sum() + (y * Tensor(ry)).sum()

    out = loss(*inputs)
    assert isinstance(out, Tensor) and out.requires_grad, "expected the results to be Tensors in the graph"
    out.backward()
    numeric = numerical_grad(loss, inputs)
    for name, t, g in zip(("x", "a_prev") + NAMES, inputs, numeric):
        err = rel_error(t.grad, g)
        assert err < 1e-6, f"gradient of {name}: expected relative error < 1e-6, got {err:.2g}"


# -- 4.2 unrolling ----------------------------------------------------------------------------------


def test_unroll_returns_every_hidden_state(m):
    T, B, I, H, O = 5, 2, 3, 4, 3
    w = _weights(3, I, H, O)
    rng = np.random.default_rng(4)
    xs, a0 = rng.standard_normal((T, B, I)), rng.standard_normal((B, H))
    a, _ = _pair(m.rnn_forward(Tensor(xs), Tensor(a0), *_tensors(w)), ((T, B, H), (T, B, O)), "rnn_forward")
    expected, _ = _reference_forward(xs, a0, w)
    _assert_close(a, expected, "hidden states a<1..T>")


def test_unroll_outputs_match_the_equations(m):
    T, B, I, H, O = 6, 3, 2, 3, 4
    w = _weights(5, I, H, O)
    rng = np.random.default_rng(6)
    xs, a0 = rng.standard_normal((T, B, I)), rng.standard_normal((B, H))
    _, y = _pair(m.rnn_forward(Tensor(xs), Tensor(a0), *_tensors(w)), ((T, B, H), (T, B, O)), "rnn_forward")
    _, expected = _reference_forward(xs, a0, w)
    _assert_close(y, expected, "outputs y<1..T>")


def test_unroll_of_one_step_is_one_cell_step(m):
    B, I, H, O = 2, 3, 4, 5
    w = _weights(9, I, H, O)
    rng = np.random.default_rng(10)
    x, a0 = rng.standard_normal((1, B, I)), rng.standard_normal((B, H))
    a, y = _pair(m.rnn_forward(Tensor(x), Tensor(a0), *_tensors(w)), ((1, B, H), (1, B, O)), "rnn_forward")
    ea, ey = _reference_step(x[0], a0, w)
    _assert_close(a[0], ea, "a<1> of a one-step sequence")
    _assert_close(y[0], ey, "y<1> of a one-step sequence")


def test_unroll_gradients_sum_over_the_shared_weights(m):
    T, B, I, H, O = 4, 1, 2, 3, 2
    w = _weights(11, I, H, O)
    rng = np.random.default_rng(12)
    xs = Tensor(rng.standard_normal((T, B, I)), requires_grad=True)
    a0 = Tensor(rng.standard_normal((B, H)), requires_grad=True)
    params = _tensors(w, requires_grad=True)
    ra, ry = rng.standard_normal((T, B, H)), rng.standard_normal((T, B, O))

    def loss(*args):
        a, y = m.rnn_forward(*args)
        return (a * Tensor(ra)).sum() + (y * Tensor(ry)).sum()

    inputs = [xs, a0, *params]
    out = loss(*inputs)
    assert isinstance(out, Tensor) and out.requires_grad, "expected the results to be Tensors in the graph"
    out.backward()
    numeric = numerical_grad(loss, inputs)
    for name, t, g in zip(("xs", "a0") + NAMES, inputs, numeric):
        err = rel_error(t.grad, g)
        assert err < 1e-6, f"gradient of {name} over {T} steps: expected relative error < 1e-6, got {err:.2g}"


# -- 4.3 parameter count ----------------------------------------------------------------------------


def test_count_parameters_equals_the_sizes_of_the_five_weights(m):
    for I, H, O in [(3, 4, 5), (1, 1, 1), (10, 32, 7), (100, 64, 100)]:
        w = _weights(0, I, H, O)
        expected = sum(a.size for a in w.values())
        got = m.count_parameters(I, H, O)
        assert isinstance(got, (int, np.integer)) and not isinstance(got, bool), (
            f"expected an int, got {type(got).__name__}"
        )
        assert int(got) == expected, f"parameters for I={I}, H={H}, O={O}: expected {expected}, got {got}"


def test_count_parameters_grows_as_each_weight_does(m):
    # One more input adds a column to W_ax (H numbers); one more output a row to W_ya and an entry
    # to b_y (H + 1); one more hidden unit a row and a column to W_aa, a row to W_ax, an entry to b_a
    # and a column to W_ya (2H + 1 + I + 1 + O).
    I, H, O = 4, 6, 3

    def count(i, h, o) -> int:
        got = m.count_parameters(i, h, o)
        assert isinstance(got, (int, np.integer)), f"expected an int, got {type(got).__name__}"
        return int(got)

    base = count(I, H, O)
    for what, got, expected in [
        ("one more input", count(I + 1, H, O) - base, H),
        ("one more output", count(I, H, O + 1) - base, H + 1),
        ("one more hidden unit", count(I, H + 1, O) - base, 2 * H + 1 + I + 1 + O),
    ]:
        assert got == expected, f"{what}: expected {expected} more parameters, got {got}"
