"""Tests of module 4: the RNN cell, unrolled over time, and its parameter count.

Each test calls the learner's code through ``learner`` (it runs in another process and sends
back plain data). The reference is the cell's two equations written here in numpy, in the
notes' column-vector form (W_aa @ a + W_ax @ x + b_a, one sequence at a time), so a
transposed weight or a missing term shows up as a wrong number; gradients are compared with
central differences of that reference, in float64.
"""

from __future__ import annotations

import numpy as np

from microgradrnn import Tensor
from microgradrnn.grading.learner import as_array

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


def _central_differences(f, arrays: list[np.ndarray], eps: float = 1e-6) -> list[np.ndarray]:
    """d f / d each array, by central differences in float64 (f returns a float)."""
    grads = []
    for arr in arrays:
        g = np.zeros_like(arr)
        for i in np.ndindex(arr.shape):
            keep = arr[i]
            arr[i] = keep + eps
            up = f()
            arr[i] = keep - eps
            down = f()
            arr[i] = keep
            g[i] = (up - down) / (2 * eps)
        grads.append(g)
    return grads


def _pair(result, shapes, what: str) -> tuple[np.ndarray, np.ndarray]:
    assert isinstance(result, (tuple, list)) and len(result) == 2, (
        f"expected {what} to return a tuple of two Tensors, got {result!r}"[:300]
    )
    arrays = []
    for r, shape, name in zip(result, shapes, ("first", "second")):
        got = as_array(r, f"the {name} result", "Tensor")
        assert got.shape == shape, f"expected the {name} result of shape {shape}, got {got.shape}"
        arrays.append(got)
    return arrays[0], arrays[1]


def _assert_close(got, expected, what: str, tol: float = 1e-9) -> None:
    assert np.allclose(got, expected, rtol=tol, atol=tol), (
        f"{what}: expected {np.round(expected.ravel()[:4], 6)} ..., got {np.round(got.ravel()[:4], 6)} ..."
    )


def _assert_grads(answer, names, expected, what: str) -> None:
    grads = answer["grads"]
    for name, got, want in zip(names, grads, expected):
        assert got is not None, f"{what}: expected a gradient for {name}, got none (graph cut by .data?)"
        got = as_array(got, f"the gradient of {name}", "ndarray")
        assert got.shape == want.shape and np.allclose(got, want, rtol=1e-6, atol=1e-8), (
            f"{what}, gradient of {name}: expected {np.round(want.ravel()[:4], 5)} ..., "
            f"got {np.round(got.ravel()[:4], 5)} ..."
        )


# -- 4.1 one cell step ------------------------------------------------------------------------------


def test_cell_step_hidden_state_matches_the_equation(learner):
    for seed, (B, I, H, O) in enumerate([(2, 3, 4, 5), (3, 4, 4, 4), (1, 1, 2, 3)]):
        w = _weights(seed, I, H, O)
        rng = np.random.default_rng(100 + seed)
        x, a_prev = rng.standard_normal((B, I)), rng.standard_normal((B, H))
        a, _ = _pair(
            learner.rnn_cell_step(Tensor(x), Tensor(a_prev), *_tensors(w)), ((B, H), (B, O)), "rnn_cell_step"
        )
        expected, _ = _reference_step(x, a_prev, w)
        _assert_close(a, expected, f"a<t> for B={B}, I={I}, H={H}, O={O}")


def test_cell_step_output_is_a_softmax_over_the_outputs(learner):
    for seed, (B, I, H, O) in enumerate([(2, 3, 4, 5), (3, 4, 4, 4)]):
        w = _weights(seed, I, H, O)
        rng = np.random.default_rng(200 + seed)
        x, a_prev = rng.standard_normal((B, I)), rng.standard_normal((B, H))
        _, y = _pair(
            learner.rnn_cell_step(Tensor(x), Tensor(a_prev), *_tensors(w)), ((B, H), (B, O)), "rnn_cell_step"
        )
        _assert_close(y.sum(axis=1), np.ones(B), "each row of y<t> sums to 1")
        _, expected = _reference_step(x, a_prev, w)
        _assert_close(y, expected, f"y<t> for B={B}, I={I}, H={H}, O={O}")


def test_cell_step_gradients_match_central_differences(learner):
    B, I, H, O = 2, 3, 4, 3
    w = _weights(7, I, H, O)
    rng = np.random.default_rng(8)
    x, a_prev = rng.standard_normal((B, I)), rng.standard_normal((B, H))
    ra, ry = rng.standard_normal((B, H)), rng.standard_normal((B, O))
    arrays = [x, a_prev] + [w[n] for n in NAMES]
    inputs = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    answer = learner.backward("rnn_cell_step", inputs, [ra, ry])
    _pair(answer["result"], ((B, H), (B, O)), "rnn_cell_step")

    def loss() -> float:
        a, y = _reference_step(x, a_prev, w)
        return float((a * ra).sum() + (y * ry).sum())

    _assert_grads(answer, ("x", "a_prev") + NAMES, _central_differences(loss, arrays), "one step")


# -- 4.2 unrolling ----------------------------------------------------------------------------------


def test_unroll_returns_every_hidden_state(learner):
    T, B, I, H, O = 5, 2, 3, 4, 3
    w = _weights(3, I, H, O)
    rng = np.random.default_rng(4)
    xs, a0 = rng.standard_normal((T, B, I)), rng.standard_normal((B, H))
    a, _ = _pair(learner.rnn_forward(Tensor(xs), Tensor(a0), *_tensors(w)), ((T, B, H), (T, B, O)), "unroll")
    expected, _ = _reference_forward(xs, a0, w)
    _assert_close(a, expected, "hidden states a<1..T>")


def test_unroll_outputs_match_the_equations(learner):
    T, B, I, H, O = 6, 3, 2, 3, 4
    w = _weights(5, I, H, O)
    rng = np.random.default_rng(6)
    xs, a0 = rng.standard_normal((T, B, I)), rng.standard_normal((B, H))
    _, y = _pair(learner.rnn_forward(Tensor(xs), Tensor(a0), *_tensors(w)), ((T, B, H), (T, B, O)), "unroll")
    _, expected = _reference_forward(xs, a0, w)
    _assert_close(y, expected, "outputs y<1..T>")


def test_unroll_of_one_step_is_one_cell_step(learner):
    B, I, H, O = 2, 3, 4, 5
    w = _weights(9, I, H, O)
    rng = np.random.default_rng(10)
    x, a0 = rng.standard_normal((1, B, I)), rng.standard_normal((B, H))
    a, y = _pair(learner.rnn_forward(Tensor(x), Tensor(a0), *_tensors(w)), ((1, B, H), (1, B, O)), "unroll")
    ea, ey = _reference_step(x[0], a0, w)
    _assert_close(a[0], ea, "a<1> of a one-step sequence")
    _assert_close(y[0], ey, "y<1> of a one-step sequence")


def test_unroll_gradients_sum_over_the_shared_weights(learner):
    T, B, I, H, O = 4, 1, 2, 3, 2
    w = _weights(11, I, H, O)
    rng = np.random.default_rng(12)
    xs, a0 = rng.standard_normal((T, B, I)), rng.standard_normal((B, H))
    ra, ry = rng.standard_normal((T, B, H)), rng.standard_normal((T, B, O))
    arrays = [xs, a0] + [w[n] for n in NAMES]
    inputs = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    answer = learner.backward("rnn_forward", inputs, [ra, ry])
    _pair(answer["result"], ((T, B, H), (T, B, O)), "rnn_forward")

    def loss() -> float:
        a, y = _reference_forward(xs, a0, w)
        return float((a * ra).sum() + (y * ry).sum())

    _assert_grads(answer, ("xs", "a0") + NAMES, _central_differences(loss, arrays), f"over {T} steps")


# -- 4.3 parameter count ----------------------------------------------------------------------------


def _count(learner, I: int, H: int, O: int) -> int:
    got = learner.count_parameters(I, H, O)
    assert type(got) is int, f"expected an int, got {got!r}"[:200]
    return got


def test_count_parameters_equals_the_sizes_of_the_five_weights(learner):
    for I, H, O in [(3, 4, 5), (1, 1, 1), (10, 32, 7), (100, 64, 100)]:
        expected = sum(a.size for a in _weights(0, I, H, O).values())
        got = _count(learner, I, H, O)
        assert got == expected, f"parameters for I={I}, H={H}, O={O}: expected {expected}, got {got}"


def test_count_parameters_grows_as_each_weight_does(learner):
    # One more input adds a column to W_ax (H numbers); one more output a row to W_ya and an entry
    # to b_y (H + 1); one more hidden unit a row and a column to W_aa, a row to W_ax, an entry to b_a
    # and a column to W_ya (2H + 1 + I + 1 + O).
    I, H, O = 4, 6, 3
    base = _count(learner, I, H, O)
    for what, got, expected in [
        ("one more input", _count(learner, I + 1, H, O) - base, H),
        ("one more output", _count(learner, I, H, O + 1) - base, H + 1),
        ("one more hidden unit", _count(learner, I, H + 1, O) - base, 2 * H + 1 + I + 1 + O),
    ]:
        assert got == expected, f"{what}: expected {expected} more parameters, got {got}"
