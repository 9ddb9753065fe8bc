"""Tests of module 18: conceptual questions.

Wherever a computation exists, the judge computes the answer with the library here (autograd,
the layers' own parameter counts, a simulation) and asks the question for several arguments;
only the multiple-choice and naming questions compare with a fixed answer.
"""

from __future__ import annotations

import math

import numpy as np

from microgradrnn import Tensor, Value, nn
from microgradrnn.experiments.models import CharLM
from microgradrnn.functional import cross_entropy, embedding
from microgradrnn.grading.learner import as_array, as_float
from microgradrnn.optim import clip_grad_norm_


def _int(learner, name: str, *args) -> int:
    got = learner.call(name, *args)
    assert type(got) is int, f"expected an int from {name}{args}, got {got!r}"[:200]
    return got


def _num(learner, name: str, *args) -> float:
    return as_float(learner.call(name, *args), f"the answer of {name}{args}")


def _choice(learner, name: str, *args) -> str:
    got = learner.call(name, *args)
    assert type(got) is str, f"expected a str from {name}, got {got!r}"[:200]
    return got.strip().lower()


def _slope_max(fn: str) -> float:
    x = Tensor(np.linspace(-20.0, 20.0, 400_001), requires_grad=True)
    getattr(x, fn)().sum().backward()
    return float(x.grad.max())


def _eq(got: float, want: float, what: str, tol: float = 1e-9) -> None:
    assert math.isfinite(got) and abs(got - want) <= tol * max(1.0, abs(want)), (
        f"expected {what} {want:.8g}, got {got!r}"
    )


# -- module 0 ------------------------------------------------------------------------------


def test_q00_window_count(learner):
    for n, w, k in ((10, 5, 1), (30, 7, 3), (5, 5, 1), (4, 5, 1)):
        want = sum(1 for i in range(n) if i + w - 1 + k < n)  # every start whose target fits
        got = _int(learner, "q00_window_count", n, w, k)
        assert got == want, f"expected {want} pairs for length {n}, window {w}, horizon {k}, got {got}"


def test_q00_discrete_versus_categorical(learner):
    got = _choice(learner, "q00_discrete_versus_categorical")
    assert got == "b", f"expected 'b' (discrete in time, continuous in value), got {got!r}"


def test_q00_least_squares_needs_normality(learner):
    got = _choice(learner, "q00_least_squares_needs_normality")
    assert got == "c", f"expected 'c', got {got!r}"


# -- module 1 ------------------------------------------------------------------------------


def test_q01_reused_node_gradient(learner):
    for x0 in (0.5, -2.0, 3.0):
        x = Value(x0)
        (x * x + x).backward()
        _eq(_num(learner, "q01_reused_node_gradient", x0), x.grad, f"dy/dx at x={x0}")


def test_q01_second_backward_gradient(learner):
    for x0 in (1.5, -0.5):
        x = Value(x0)
        y = x * x
        y.backward()
        y.backward()
        _eq(
            _num(learner, "q01_second_backward_gradient", x0),
            x.grad,
            f"x.grad after two backward() at x={x0}",
        )


def test_q01_tanh_gradient(learner):
    for x0 in (0.0, 0.7, -2.5):
        x = Value(x0)
        x.tanh().backward()
        _eq(_num(learner, "q01_tanh_gradient", x0), x.grad, f"d tanh/dx at {x0}")


# -- module 2 ------------------------------------------------------------------------------


def test_q02_largest_sigmoid_slope(learner):
    _eq(_num(learner, "q02_largest_sigmoid_slope"), _slope_max("sigmoid"), "max sigmoid'", tol=1e-6)


def test_q02_cross_entropy_gradient(learner):
    rng = np.random.default_rng(0)
    # The last logits are a confident model's: exp(800) overflows unless the maximum is taken out.
    for target, logits in ((0, rng.standard_normal(5) * 2), (3, rng.standard_normal(5) * 2),
                           (1, np.array([800.0, 799.0, 0.0, -3.0, 2.0]))):
        t = Tensor(logits[None], requires_grad=True)
        cross_entropy(t, np.array([target])).backward()
        got = as_array(learner.q02_cross_entropy_gradient(logits, target), "the gradient", "ndarray")
        assert got.shape == (5,) and np.allclose(got, t.grad[0], atol=1e-12), (
            f"expected {np.round(t.grad[0], 4)}, got {np.round(got, 4)}"
        )


def test_q02_sigmoid_steps_to_one_millionth(learner):
    gamma = _slope_max("sigmoid")
    for scale in (1.0, 2.0, 3.5):
        want = next(n for n in range(1, 10_000) if (gamma * scale) ** n < 1e-6)
        got = _int(learner, "q02_sigmoid_steps_to_one_millionth", scale)
        assert got == want, f"expected {want} layers for weights of size {scale}, got {got}"


# -- module 3 ------------------------------------------------------------------------------


def _linear_grads(x: np.ndarray, W: np.ndarray, b: np.ndarray, up: np.ndarray):  # noqa: ANN202
    Wt, bt = Tensor(W, requires_grad=True), Tensor(b, requires_grad=True)
    ((Tensor(x) @ Wt + bt) * Tensor(up)).sum().backward()
    return Wt.grad, bt.grad


def test_q03_bias_gradient(learner):
    rng = np.random.default_rng(1)
    x, W, b, up = (
        rng.standard_normal((4, 3)),
        rng.standard_normal((3, 2)),
        rng.standard_normal(2),
        rng.standard_normal((4, 2)),
    )
    want = _linear_grads(x, W, b, up)[1]
    got = as_array(learner.q03_bias_gradient(up), "d loss / d b", "ndarray")
    assert got.shape == want.shape and np.allclose(got, want), (
        f"expected {np.round(want, 4)}, got {np.round(got, 4)}"
    )


def test_q03_weight_gradient(learner):
    rng = np.random.default_rng(2)
    x, W, b, up = (
        rng.standard_normal((4, 3)),
        rng.standard_normal((3, 2)),
        rng.standard_normal(2),
        rng.standard_normal((4, 2)),
    )
    want = _linear_grads(x, W, b, up)[0]
    got = as_array(learner.q03_weight_gradient(x, up), "d loss / d W", "ndarray")
    assert got.shape == want.shape and np.allclose(got, want), (
        f"expected {np.round(want[0], 4)}, got {np.round(got.ravel()[:2], 4)}"
    )


# -- module 4 ------------------------------------------------------------------------------


def test_q04_rnn_params_one_bias(learner):
    for I, H in ((3, 4), (32, 32), (1, 10)):
        want = nn.RNNCell(I, H, bias=False, seed=0).num_parameters() + H
        got = _int(learner, "q04_rnn_params_one_bias", I, H)
        assert got == want, f"expected {want} for I={I}, H={H} with one bias, got {got}"


def test_q04_rnn_params_two_biases(learner):
    for I, H in ((3, 4), (32, 32)):
        want = nn.RNNCell(I, H, seed=0).num_parameters()
        got = _int(learner, "q04_rnn_params_two_biases", I, H)
        assert got == want, f"expected {want} for I={I}, H={H}, got {got}"


def test_q04_params_for_longer_sequences(learner):
    for T in (1, 10, 1000):
        layer = nn.RNN(3, 5, seed=0)
        layer(Tensor(np.zeros((min(T, 20), 1, 3))))  # running it adds no parameter
        want = layer.num_parameters()
        got = _int(learner, "q04_params_for_longer_sequences", 3, 5, T)
        assert got == want, f"expected {want} parameters over {T} steps, got {got}"


# -- module 5 ------------------------------------------------------------------------------


def test_q05_problem_type(learner):
    want = {
        "sentiment": "many-to-one",
        "tagging": "many-to-many",
        "generation": "one-to-many",
        "translation": "seq2seq",
    }
    for task, kind in want.items():
        got = _choice(learner, "q05_problem_type", task)
        assert got == kind, f"expected {kind!r} for {task}, got {got!r}"


# -- module 6 ------------------------------------------------------------------------------


def _scalar_rnn_gradient(w: float, T: int, k: int | None = None) -> float:
    h0 = Tensor(np.array([0.3]), requires_grad=True)
    h = h0
    for t in range(1, T + 1):
        h = Tensor(np.array([w])) * h + Tensor(np.array([0.1 * t]))
        if k is not None and t % k == 0 and t < T:
            h = h.detach()
    if not h.requires_grad:
        return 0.0
    h.sum().backward()
    return float(h0.grad[0]) if h0.grad is not None else 0.0


def test_q06_linear_rnn_gradient(learner):
    for w, T in ((0.9, 10), (1.1, 25), (-0.5, 7)):
        _eq(
            _num(learner, "q06_linear_rnn_gradient", w, T),
            _scalar_rnn_gradient(w, T),
            f"dh_T/dh_0, w={w}, T={T}",
        )


def test_q06_truncated_gradient(learner):
    for w, T, k in ((0.9, 10, 4), (1.2, 6, 6), (0.8, 5, 10)):
        want = _scalar_rnn_gradient(w, T, k)
        _eq(_num(learner, "q06_truncated_gradient", w, T, k), want, f"dh_T/dh_0 truncated, T={T}, k={k}")


# -- module 7 ------------------------------------------------------------------------------


def test_q07_clip_global_norm(learner):
    rng = np.random.default_rng(3)
    # Gradients of norm 1e-9, far below max_norm, too: their scale is 1, whatever keeps it finite.
    for max_norm, size in ((0.5, 1.0), (100.0, 1.0), (1.0, 1e-9)):
        grads = [rng.standard_normal((3, 2)) * size, rng.standard_normal(4) * size]
        params = [Tensor(np.zeros_like(g), requires_grad=True) for g in grads]
        for p, g in zip(params, grads):
            p.grad = g.copy()
        clip_grad_norm_(params, max_norm)
        got = learner.q07_clip_global_norm(grads, max_norm)
        assert isinstance(got, list) and len(got) == 2, f"expected a list of two arrays, got {got!r}"[:200]
        for k, (g, p) in enumerate(zip(got, params)):
            g = as_array(g, f"gradient {k}", "ndarray")
            assert g.shape == p.grad.shape and np.allclose(g, p.grad, rtol=1e-6, atol=1e-15), (
                f"expected clipped gradient {k} {np.round(p.grad.ravel()[:3], 4)},"
                f" got {np.round(g.ravel()[:3], 4)}"
            )


def test_q07_vanishing_guaranteed_below(learner):
    for activation in ("sigmoid", "tanh"):
        want = 1.0 / _slope_max(activation)
        _eq(
            _num(learner, "q07_vanishing_guaranteed_below", activation),
            want,
            f"1/gamma for {activation}",
            tol=1e-5,
        )


# -- module 8 ------------------------------------------------------------------------------


def test_q08_cell_path_derivative(learner):
    cell = nn.LSTMCell(3, 4, seed=4)
    rng = np.random.default_rng(5)
    x, h, c = rng.standard_normal((2, 3)), rng.standard_normal((2, 4)), rng.standard_normal((2, 4))
    ct = Tensor(c, requires_grad=True)
    _, c_next = cell(Tensor(x), (Tensor(h), ct))
    c_next.sum().backward()  # c_next[b, j] depends on c[b, j] alone, so this is the diagonal
    weights = [p.data for p in (cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)]
    got = as_array(learner.q08_cell_path_derivative(x, h, c, *weights), "d c_t / d c_{t-1}", "ndarray")
    assert got.shape == ct.grad.shape and np.allclose(got, ct.grad, atol=1e-12), (
        f"expected {np.round(ct.grad[0], 4)}, got {np.round(got.ravel()[:4], 4)}"
    )


def test_q08_keras_lstm_params(learner):
    for I, H in ((32, 32), (10, 3)):
        want = nn.LSTMCell(I, H, bias=False, seed=0).num_parameters() + 4 * H  # one bias per gate block
        got = _int(learner, "q08_keras_lstm_params", I, H)
        assert got == want, f"expected {want} for Keras LSTM({H}) on {I} features, got {got}"


def test_q08_torch_lstm_params(learner):
    for I, H in ((32, 32), (10, 3)):
        want = nn.LSTMCell(I, H, seed=0).num_parameters()
        got = _int(learner, "q08_torch_lstm_params", I, H)
        assert got == want, f"expected {want} for LSTMCell({I}, {H}), got {got}"


def test_q08_kept_share(learner):
    for bias in (1.0, -2.0, 4.0):
        cell = nn.LSTMCell(2, 3, seed=0)
        for p in cell.parameters():
            p.data[:] = 0.0
        cell.bias_ih.data[3:6] = bias
        c = np.array([[1.0, -2.0, 0.5]])
        _, c_next = cell(Tensor(np.zeros((1, 2))), (Tensor(np.zeros((1, 3))), Tensor(c)))
        _eq(
            _num(learner, "q08_kept_share", bias),
            float(c_next.data[0, 0] / c[0, 0]),
            f"c_t / c_(t-1) at bias {bias}",
        )


# -- module 9 ------------------------------------------------------------------------------


def test_q09_gru_blocks(learner):
    cell = nn.GRUCell(2, 5, seed=0)
    want = cell.weight_ih.shape[0] // 5
    got = _int(learner, "q09_gru_blocks")
    assert got == want, f"expected {want} blocks (r, z, n), got {got}"


def test_q09_torch_gru_params(learner):
    for I, H in ((32, 32), (4, 7)):
        want = nn.GRUCell(I, H, seed=0).num_parameters()
        got = _int(learner, "q09_torch_gru_params", I, H)
        assert got == want, f"expected {want} for GRUCell({I}, {H}), got {got}"


def test_q09_keras_gru_params(learner):
    for I, H in ((32, 32), (4, 7)):
        for reset_after, biases in ((True, 2), (False, 1)):
            want = nn.GRUCell(I, H, bias=False, seed=0).num_parameters() + biases * 3 * H
            got = _int(learner, "q09_keras_gru_params", I, H, reset_after)
            assert got == want, (
                f"expected {want} for Keras GRU({H}, reset_after={reset_after}) on {I}, got {got}"
            )


# -- module 10 -----------------------------------------------------------------------------


def test_q10_bidirectional_features(learner):
    for H in (3, 8):
        out, _ = nn.GRU(2, H, bidirectional=True, seed=0)(Tensor(np.zeros((4, 1, 2))))
        got = _int(learner, "q10_bidirectional_features", H)
        assert got == out.shape[-1], f"expected {out.shape[-1]} features for H={H}, got {got}"


def test_q10_stacked_lstm_params(learner):
    for I, H, layers in ((3, 4, 2), (5, 2, 3), (6, 6, 1)):
        want = nn.LSTM(I, H, num_layers=layers, seed=0).num_parameters()
        got = _int(learner, "q10_stacked_lstm_params", I, H, layers)
        assert got == want, f"expected {want} for LSTM({I}, {H}, num_layers={layers}), got {got}"


# -- module 11 -----------------------------------------------------------------------------


def test_q11_embedding_gradient(learner):
    rng = np.random.default_rng(6)
    ids, up = np.array([1, 4, 1, 0, 1]), rng.standard_normal((5, 3))
    table = Tensor(rng.standard_normal((6, 3)), requires_grad=True)
    (embedding(ids, table) * Tensor(up)).sum().backward()
    got = as_array(learner.q11_embedding_gradient(ids, up, 6), "d loss / d table", "ndarray")
    assert got.shape == table.grad.shape and np.allclose(got, table.grad), (
        f"expected row 1 {np.round(table.grad[1], 4)} (three lookups add up),"
        f" got {np.round(got.ravel()[3:6], 4)}"
    )


def test_q11_expected_collision_pairs(learner):
    # Few words too, where n (n - 1) and n squared differ by a fifth.
    for n, N, runs in ((5, 10, 20000), (50, 100, 4000), (200, 1000, 4000)):
        rng = np.random.default_rng(7)
        counts = [np.bincount(rng.integers(0, N, n), minlength=N) for _ in range(runs)]
        simulated = float(np.mean([(c * (c - 1) // 2).sum() for c in counts]))
        got = _num(learner, "q11_expected_collision_pairs", n, N)
        assert abs(got - simulated) < 0.05 * simulated, (
            f"expected about {simulated:.2f} colliding pairs (simulated) for n={n}, N={N}, got {got}"
        )


# -- module 12 -----------------------------------------------------------------------------


def test_q12_initial_loss(learner):
    for V in (10, 68):
        model = CharLM(V, 4, 6, seed=0)
        model.head.weight.data[:] = 0.0
        model.head.bias.data[:] = 0.0
        ids = np.random.default_rng(8).integers(0, V, (2, 9))
        scores, _ = model(ids[:, :-1])
        loss = float(cross_entropy(scores.reshape(-1, V), ids[:, 1:].reshape(-1)).data)
        _eq(_num(learner, "q12_initial_loss", V), loss, f"the loss of equal scores over V={V}")


def test_q12_temperature_probabilities(learner):
    logits = np.array([2.0, 1.0, 0.0, -1.0])
    for T in (0.5, 1.0, 2.0):
        want = (Tensor(logits) / T).softmax(axis=-1).data
        got = as_array(learner.q12_temperature_probabilities(logits, T), "the probabilities", "ndarray")
        assert got.shape == want.shape and np.allclose(got, want), (
            f"expected {np.round(want, 4)} at T={T}, got {got}"
        )
    # Logits of a confident model: exp(800) overflows unless the maximum is taken out first.
    big = np.array([800.0, 799.0, 0.0])
    want = (Tensor(big) / 0.5).softmax(axis=-1).data
    got = as_array(learner.q12_temperature_probabilities(big, 0.5), "the probabilities", "ndarray")
    assert np.allclose(got, want), f"expected {np.round(want, 4)} for logits {big} at T=0.5, got {got}"


# -- module 13 -----------------------------------------------------------------------------


def test_q13_attention_scores(learner):
    for N in (4, 9):
        X = Tensor(np.random.default_rng(9).standard_normal((N, 3)))
        want = (X @ X.T).data.size  # every position scores every position
        got = _int(learner, "q13_attention_scores", N)
        assert got == want, f"expected {want} scores for {N} positions, got {got}"


def test_q13_conv_receptive_field(learner):
    for k, layers in ((3, 1), (3, 4), (5, 2)):
        impulse = np.zeros(100)
        impulse[50] = 1.0
        for _ in range(layers):  # where one input spreads to, layer by layer
            impulse = np.convolve(impulse, np.ones(k), mode="same")
        want = int((impulse > 0).sum())
        got = _int(learner, "q13_conv_receptive_field", k, layers)
        assert got == want, f"expected {want} input steps for {layers} layers of kernel {k}, got {got}"
