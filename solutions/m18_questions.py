"""Module 18 (challenge): conceptual questions on the core track (개념 문제).

Each question is a function that returns the answer: a number, an array, or the letter of a
choice. Where an answer depends on its arguments (sizes, values), the course asks it for several
arguments and compares with what it computes with the library, so a remembered constant does
not pass. Work each one out on paper first, then check it here. The ``qNN_`` prefix names the
core module the question belongs to.

Run ``microgradrnn check m18_questions`` to grade this file.
"""

from __future__ import annotations

import math

import numpy as np

Array = np.ndarray


# -- module 0: sequences -------------------------------------------------------------------


def q00_window_count(length: int, window: int, horizon: int) -> int:
    """Exercise 18.1 (1 point): how many (window, target) pairs does a series give?

    A series of ``length`` values is cut into windows of ``window`` consecutive values, each
    paired with the value ``horizon`` steps after the window's last value; windows slide by
    one step and every pair lies wholly inside the series. Return the number of pairs (0 if
    none fits), an int.
    """
    return max(length - window - horizon + 1, 0)


def q00_discrete_versus_categorical() -> str:
    """Exercise 18.2 (1 point): daily closing prices of a stock form which kind of series?

    a. a discrete-time series of categorical values
    b. a discrete-time series of continuous values
    c. a continuous-time series of categorical values
    d. not a time series, because the gaps between trading days differ

    Return the letter, a str.
    """
    return "b"


def q00_least_squares_needs_normality() -> str:
    """Exercise 18.3 (1 point): what does fitting AR(p) by least squares need normal errors for?

    a. for the coefficient estimates to exist at all
    b. for the estimates to be unbiased
    c. only for exact small-sample tests and confidence intervals; the point estimates do not need it
    d. for the series to be stationary

    Return the letter, a str.
    """
    return "c"


# -- module 1: scalar autograd -------------------------------------------------------------


def q01_reused_node_gradient(x: float) -> float:
    """Exercise 18.4 (1 point): d/dx of y = x * x + x at ``x``, as autograd computes it (a float)."""
    return 2.0 * x + 1.0


def q01_second_backward_gradient(x: float) -> float:
    """Exercise 18.5 (1 point): x.grad after calling ``y.backward()`` twice on y = x * x.

    In this library (as in micrograd), leaf gradients accumulate across calls and nothing is
    freed between them; ``x.grad`` starts at 0. Return the value of ``x.grad``, a float.
    (PyTorch would raise an error on the second call unless ``retain_graph=True``.)
    """
    return 2.0 * (2.0 * x)


def q01_tanh_gradient(x: float) -> float:
    """Exercise 18.6 (1 point): d/dx tanh(x) at ``x``, a float."""
    return 1.0 - math.tanh(x) ** 2


# -- module 2: activations and losses ------------------------------------------------------


def q02_largest_sigmoid_slope() -> float:
    """Exercise 18.7 (1 point): the largest value of the sigmoid's derivative, a float."""
    return 0.25


def q02_cross_entropy_gradient(logits: Array, target: int) -> Array:
    """Exercise 18.8 (1 point): d/dlogits of -log softmax(logits)[target], finite for any finite logits.

    Args:
        logits: shape (V,).  target: an int in [0, V).

    Returns:
        A numpy array (V,).
    """
    p = np.exp(logits - logits.max())
    p /= p.sum()
    p[target] -= 1.0
    return p


def q02_sigmoid_steps_to_one_millionth(scale: float) -> int:
    """Exercise 18.9 (1 point): how many sigmoid slopes can a chain multiply before the bound dies?

    A deep chain of sigmoids with weights of size ``scale`` multiplies the gradient by at most
    0.25 * ``scale`` per layer. For 0.25 * scale < 1, return the smallest number of layers n for
    which that bound, (0.25 * scale) ** n, is below 1e-6 (an int).
    """
    return math.floor(math.log(1e-6) / math.log(0.25 * scale)) + 1


# -- module 3: tensors ---------------------------------------------------------------------


def q03_bias_gradient(upstream: Array) -> Array:
    """Exercise 18.10 (1 point): the gradient of b in y = x @ W + b, with b (H,) broadcast over a batch.

    Args:
        upstream: d loss / d y, shape (B, H).

    Returns:
        d loss / d b, a numpy array (H,).
    """
    return upstream.sum(axis=0)


def q03_weight_gradient(x: Array, upstream: Array) -> Array:
    """Exercise 18.11 (1 point): the gradient of W in y = x @ W.

    Args:
        x: (B, I).  upstream: d loss / d y, (B, H).

    Returns:
        d loss / d W, a numpy array (I, H).
    """
    return x.T @ upstream


# -- module 4: the RNN cell ----------------------------------------------------------------


def q04_rnn_params_one_bias(input_size: int, hidden_size: int) -> int:
    """Exercise 18.12 (1 point): parameters of an RNN cell with one bias vector (the notes, Keras)."""
    return hidden_size * (input_size + hidden_size + 1)


def q04_rnn_params_two_biases(input_size: int, hidden_size: int) -> int:
    """Exercise 18.13 (1 point): parameters of PyTorch's ``RNNCell`` (two bias vectors)."""
    return hidden_size * (input_size + hidden_size + 2)


def q04_params_for_longer_sequences(input_size: int, hidden_size: int, steps: int) -> int:
    """Exercise 18.14 (1 point): parameters of a PyTorch-layout RNN layer unrolled over ``steps`` steps."""
    return hidden_size * (input_size + hidden_size + 2)


# -- module 5: problem types ---------------------------------------------------------------


def q05_problem_type(task: str) -> str:
    """Exercise 18.15 (1 point): the shape of each task.

    Args:
        task: one of ``"sentiment"`` (a review -> positive or negative), ``"tagging"`` (a part of
            speech for every word), ``"generation"`` (a start token -> a sentence),
            ``"translation"`` (a sentence -> a sentence of another length).

    Returns:
        ``"many-to-one"``, ``"many-to-many"``, ``"one-to-many"`` or ``"seq2seq"``.
    """
    return {"sentiment": "many-to-one", "tagging": "many-to-many", "generation": "one-to-many",
            "translation": "seq2seq"}[task]


# -- module 6: BPTT ------------------------------------------------------------------------


def q06_linear_rnn_gradient(w: float, steps: int) -> float:
    """Exercise 18.16 (1 point): d h_T / d h_0 of the scalar RNN h_t = w h_{t-1} + x_t over T = ``steps``."""
    return w**steps


def q06_truncated_gradient(w: float, steps: int, k: int) -> float:
    """Exercise 18.17 (1 point): the same gradient with truncated BPTT.

    The graph is cut (``detach``) after every ``k`` steps counted from the start: the state after
    steps k, 2k, ... is detached before the next step reads it. Return d h_T / d h_0 as autograd
    sees it (T = ``steps``, a float).
    """
    return w**steps if steps <= k else 0.0


# -- module 7: vanishing and exploding -----------------------------------------------------


def q07_clip_global_norm(grads: list[Array], max_norm: float) -> list[Array]:
    """Exercise 18.18 (1 point): gradients after clipping their global norm to ``max_norm``.

    Returns a list of new arrays (the inputs are not modified), each scaled by the same factor.
    """
    total = math.sqrt(sum(float((g**2).sum()) for g in grads))
    scale = min(1.0, max_norm / (total + 1e-6))
    return [g * scale for g in grads]


def q07_vanishing_guaranteed_below(activation: str) -> float:
    """Exercise 18.19 (1 point): the ||W||_2 below which an RNN's gradient must vanish.

    For ``"sigmoid"`` or ``"tanh"``: the largest spectral norm of W for which gamma * ||W||_2 < 1
    holds whenever ||W||_2 is below it (return 1 / gamma, a float).
    """
    return {"sigmoid": 4.0, "tanh": 1.0}[activation]


# -- module 8: LSTM ------------------------------------------------------------------------


def q08_cell_path_derivative(
    x: Array, h: Array, c: Array, weight_ih: Array, weight_hh: Array, bias_ih: Array, bias_hh: Array
) -> Array:
    """Exercise 18.20 (1 point): the diagonal of d c_t / d c_{t-1} of one LSTM step.

    The gates read x and h, not c, so c_{t-1} reaches c_t by one path only. Arguments as in
    exercise 8.1, as numpy arrays; return a numpy array (B, H): entry [b, j] is
    d c_t[b, j] / d c_{t-1}[b, j].
    """
    H = h.shape[1]
    z = x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh
    return 1.0 / (1.0 + np.exp(-z[:, H : 2 * H]))


def q08_keras_lstm_params(input_dim: int, units: int) -> int:
    """Exercise 18.21 (1 point): parameters of Keras' ``LSTM(units)`` on ``input_dim`` features (one bias)."""
    return 4 * units * (input_dim + units + 1)


def q08_torch_lstm_params(input_size: int, hidden_size: int) -> int:
    """Exercise 18.22 (1 point): parameters of PyTorch's ``LSTMCell(input_size, hidden_size)``."""
    return 4 * hidden_size * (input_size + hidden_size + 2)


def q08_kept_share(forget_bias: float) -> float:
    """Exercise 18.23 (1 point): the share of c an LSTM keeps in one step when all weights are 0.

    Every weight and every bias is 0 except the forget gate's total bias ``forget_bias``, and
    the input is 0. Return c_t / c_{t-1} (the same for every unit), a float.
    """
    return 1.0 / (1.0 + math.exp(-forget_bias))


# -- module 9: GRU -------------------------------------------------------------------------


def q09_gru_blocks() -> int:
    """Exercise 18.24 (1 point): how many H-row blocks are stacked in a GRU's ``weight_ih``?"""
    return 3


def q09_torch_gru_params(input_size: int, hidden_size: int) -> int:
    """Exercise 18.25 (1 point): parameters of PyTorch's ``GRUCell(input_size, hidden_size)``."""
    return 3 * hidden_size * (input_size + hidden_size + 2)


def q09_keras_gru_params(input_dim: int, units: int, reset_after: bool) -> int:
    """Exercise 18.26 (1 point): parameters of Keras' ``GRU(units, reset_after=...)``.

    With ``reset_after=True`` (TF2's default; PyTorch's form) the recurrent product has its own
    bias, so there are two bias vectors per block; with ``reset_after=False`` there is one.
    """
    return 3 * units * (input_dim + units + (2 if reset_after else 1))


# -- module 10: bidirectional and stacked --------------------------------------------------


def q10_bidirectional_features(hidden_size: int) -> int:
    """Exercise 18.27 (1 point): output features per step of a bidirectional layer of hidden size H."""
    return 2 * hidden_size


def q10_stacked_lstm_params(input_size: int, hidden_size: int, num_layers: int) -> int:
    """Exercise 18.28 (1 point): parameters of PyTorch's ``LSTM(input_size, hidden_size, num_layers)``."""
    first = 4 * hidden_size * (input_size + hidden_size + 2)
    return first + (num_layers - 1) * 4 * hidden_size * (2 * hidden_size + 2)


# -- module 11: text into numbers ----------------------------------------------------------


def q11_embedding_gradient(ids: Array, upstream: Array, vocab_size: int) -> Array:
    """Exercise 18.29 (1 point): the gradient of an embedding table after one lookup.

    Args:
        ids: int array (N,) of looked-up rows (repeats allowed).  upstream: (N, E), the gradient
            of each looked-up vector.  vocab_size: V.

    Returns:
        d loss / d table, a numpy array (V, E).
    """
    grad = np.zeros((vocab_size, upstream.shape[1]))
    np.add.at(grad, ids, upstream)
    return grad


def q11_expected_collision_pairs(n_words: int, buckets: int) -> float:
    """Exercise 18.30 (1 point): the expected number of colliding pairs when hashing.

    ``n_words`` distinct words are hashed uniformly and independently into ``buckets`` buckets.
    Return the expected number of unordered pairs of words that share a bucket, a float.
    """
    return n_words * (n_words - 1) / 2 / buckets


# -- module 12: applications ---------------------------------------------------------------


def q12_initial_loss(vocab_size: int) -> float:
    """Exercise 18.31 (1 point): the loss of a character model whose scores are all equal (a float)."""
    return math.log(vocab_size)


def q12_temperature_probabilities(logits: Array, temperature: float) -> Array:
    """Exercise 18.32 (1 point): sampling probabilities at a temperature, shape (V,) like ``logits``.

    Finite for any finite logits, as in exercise 12.4: large ones must not overflow.
    """
    a = logits / temperature
    p = np.exp(a - a.max())
    return p / p.sum()


# -- module 13: beyond recurrence ----------------------------------------------------------


def q13_attention_scores(length: int) -> int:
    """Exercise 18.33 (1 point): how many scores does self-attention over ``length`` positions compute?"""
    return length * length


def q13_conv_receptive_field(kernel_size: int, layers: int) -> int:
    """Exercise 18.34 (1 point): how many input steps does one output of stacked 1D convolutions see?

    ``layers`` convolutions, each with a kernel of ``kernel_size`` steps, stride 1, no dilation,
    stacked one on another. Return the number of input positions one output of the last layer
    depends on, an int.
    """
    return layers * (kernel_size - 1) + 1
