"""Module 18 (challenge): conceptual questions on the core track (개념 문제).

Each question is a function that returns the answer: a number, an array, or the letter of a
choice. Where an answer depends on its arguments (sizes, values), the course asks it for several
arguments and compares with what it computes with the library, so a remembered constant does
not pass. Work each one out on paper first, then check it here. The ``qNN_`` prefix names the
core module the question belongs to.

Fill in each function marked 'write your code here', then run
``microgradrnn check m18_questions`` to grade this file.
"""

from __future__ import annotations

import math  # noqa: F401

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
    # ---- write your code here (about 1 lines) ----
    raise NotImplementedError("exercise 18.1: q00_window_count")


def q00_discrete_versus_categorical() -> str:
    """Exercise 18.2 (1 point): daily closing prices of a stock form which kind of series?

    a. a discrete-time series of categorical values
    b. a discrete-time series of continuous values
    c. a continuous-time series of categorical values
    d. not a time series, because the gaps between trading days differ

    Return the letter, a str.
    """
    # ---- write your code here (about 1 lines) ----
    raise NotImplementedError("exercise 18.2: q00_discrete_versus_categorical")


def q00_least_squares_needs_normality() -> str:
    """Exercise 18.3 (1 point): what does fitting AR(p) by least squares need normal errors for?

    a. for the coefficient estimates to exist at all
    b. for the estimates to be unbiased
    c. only for exact small-sample tests and confidence intervals; the point estimates do not need it
    d. for the series to be stationary

    Return the letter, a str.
    """
    # ---- write your code here (about 1 lines) ----
    raise NotImplementedError("exercise 18.3: q00_least_squares_needs_normality")


# -- module 1: scalar autograd -------------------------------------------------------------


def q01_reused_node_gradient(x: float) -> float:
    """Exercise 18.4 (1 point): d/dx of y = x * x + x at ``x``, as autograd computes it (a float)."""
    # ---- write your code here (about 1 lines) ----
    raise NotImplementedError("exercise 18.4: q01_reused_node_gradient")


def q01_second_backward_gradient(x: float) -> float:
    """Exercise 18.5 (1 point): x.grad after calling ``y.backward()`` twice on y = x * x.

    In this library (as in micrograd), leaf gradients accumulate across calls and nothing is
    freed between them; ``x.grad`` starts at 0. Return the value of ``x.grad``, a float.
    (PyTorch would raise an error on the second call unless ``retain_graph=True``.)
    """
    # ---- write your code here (about 1 lines) ----
    raise NotImplementedError("exercise 18.5: q01_second_backward_gradient")


def q01_tanh_gradient(x: float) -> float:
    """Exercise 18.6 (1 point): d/dx tanh(x) at ``x``, a float."""
    # ---- write your code here (about 1 lines) ----
    raise NotImplementedError("exercise 18.6: q01_tanh_gradient")


# -- module 2: activations and losses ------------------------------------------------------


def q02_largest_sigmoid_slope() -> float:
    """Exercise 18.7 (1 point): the largest value of the sigmoid's derivative, a float."""
    # ---- write your code here (about 1 lines) ----
    raise NotImplementedError("exercise 18.7: q02_largest_sigmoid_slope")


def q02_cross_entropy_gradient(logits: Array, target: int) -> Array:
    """Exercise 18.8 (1 point): d/dlogits of -log softmax(logits)[target], finite for any finite logits.

    Args:
        logits: shape (V,).  target: an int in [0, V).

    Returns:
        A numpy array (V,).
    """
    # ---- write your code here (about 4 lines) ----
    raise NotImplementedError("exercise 18.8: q02_cross_entropy_gradient")


def q02_sigmoid_steps_to_one_millionth(scale: float) -> int:
    """Exercise 18.9 (1 point): how many sigmoid slopes can a chain multiply before the bound dies?

    A deep chain of sigmoids with weights of size ``scale`` multiplies the gradient by at most
    0.25 * ``scale`` per layer. For 0.25 * scale < 1, return the smallest number of layers n for
    which that bound, (0.25 * scale) ** n, is below 1e-6 (an int).
    """
    # ---- write your code here (about 1 lines) ----
    raise NotImplementedError("exercise 18.9: q02_sigmoid_steps_to_one_millionth")


# -- module 3: tensors ---------------------------------------------------------------------


def q03_bias_gradient(upstream: Array) -> Array:
    """Exercise 18.10 (1 point): the gradient of b in y = x @ W + b, with b (H,) broadcast over a batch.

    Args:
        upstream: d loss / d y, shape (B, H).

    Returns:
        d loss / d b, a numpy array (H,).
    """
    # ---- write your code here (about 1 lines) ----
    raise NotImplementedError("exercise 18.10: q03_bias_gradient")


def q03_weight_gradient(x: Array, upstream: Array) -> Array:
    """Exercise 18.11 (1 point): the gradient of W in y = x @ W.

    Args:
        x: (B, I).  upstream: d loss / d y, (B, H).

    Returns:
        d loss / d W, a numpy array (I, H).
    """
    # ---- write your code here (about 1 lines) ----
    raise NotImplementedError("exercise 18.11: q03_weight_gradient")


# -- module 4: the RNN cell ----------------------------------------------------------------


def q04_rnn_params_one_bias(input_size: int, hidden_size: int) -> int:
    """Exercise 18.12 (1 point): parameters of an RNN cell with one bias vector (the notes, Keras)."""
    # ---- write your code here (about 1 lines) ----
    raise NotImplementedError("exercise 18.12: q04_rnn_params_one_bias")


def q04_rnn_params_two_biases(input_size: int, hidden_size: int) -> int:
    """Exercise 18.13 (1 point): parameters of PyTorch's ``RNNCell`` (two bias vectors)."""
    # ---- write your code here (about 1 lines) ----
    raise NotImplementedError("exercise 18.13: q04_rnn_params_two_biases")


def q04_params_for_longer_sequences(input_size: int, hidden_size: int, steps: int) -> int:
    """Exercise 18.14 (1 point): parameters of a PyTorch-layout RNN layer unrolled over ``steps`` steps."""
    # ---- write your code here (about 1 lines) ----
    raise NotImplementedError("exercise 18.14: q04_params_for_longer_sequences")


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
    # ---- write your code here (about 2 lines) ----
    raise NotImplementedError("exercise 18.15: q05_problem_type")


# -- module 6: BPTT ------------------------------------------------------------------------


def q06_linear_rnn_gradient(w: float, steps: int) -> float:
    """Exercise 18.16 (1 point): d h_T / d h_0 of the scalar RNN h_t = w h_{t-1} + x_t over T = ``steps``."""
    # ---- write your code here (about 1 lines) ----
    raise NotImplementedError("exercise 18.16: q06_linear_rnn_gradient")


def q06_truncated_gradient(w: float, steps: int, k: int) -> float:
    """Exercise 18.17 (1 point): the same gradient with truncated BPTT.

    The graph is cut (``detach``) after every ``k`` steps counted from the start: the state after
    steps k, 2k, ... is detached before the next step reads it. Return d h_T / d h_0 as autograd
    sees it (T = ``steps``, a float).
    """
    # ---- write your code here (about 1 lines) ----
    raise NotImplementedError("exercise 18.17: q06_truncated_gradient")


# -- module 7: vanishing and exploding -----------------------------------------------------


def q07_clip_global_norm(grads: list[Array], max_norm: float) -> list[Array]:
    """Exercise 18.18 (1 point): gradients after clipping their global norm to ``max_norm``.

    Returns a list of new arrays (the inputs are not modified), each scaled by the same factor.
    """
    # ---- write your code here (about 3 lines) ----
    raise NotImplementedError("exercise 18.18: q07_clip_global_norm")


def q07_vanishing_guaranteed_below(activation: str) -> float:
    """Exercise 18.19 (1 point): the ||W||_2 below which an RNN's gradient must vanish.

    For ``"sigmoid"`` or ``"tanh"``: the largest spectral norm of W for which gamma * ||W||_2 < 1
    holds whenever ||W||_2 is below it (return 1 / gamma, a float).
    """
    # ---- write your code here (about 1 lines) ----
    raise NotImplementedError("exercise 18.19: q07_vanishing_guaranteed_below")


# -- module 8: LSTM ------------------------------------------------------------------------


def q08_cell_path_derivative(
    x: Array, h: Array, c: Array, weight_ih: Array, weight_hh: Array, bias_ih: Array, bias_hh: Array
) -> Array:
    """Exercise 18.20 (1 point): the diagonal of d c_t / d c_{t-1} of one LSTM step.

    The gates read x and h, not c, so c_{t-1} reaches c_t by one path only. Arguments as in
    exercise 8.1, as numpy arrays; return a numpy array (B, H): entry [b, j] is
    d c_t[b, j] / d c_{t-1}[b, j].
    """
    # ---- write your code here (about 3 lines) ----
    raise NotImplementedError("exercise 18.20: q08_cell_path_derivative")


def q08_keras_lstm_params(input_dim: int, units: int) -> int:
    """Exercise 18.21 (1 point): parameters of Keras' ``LSTM(units)`` on ``input_dim`` features (one bias)."""
    # ---- write your code here (about 1 lines) ----
    raise NotImplementedError("exercise 18.21: q08_keras_lstm_params")


def q08_torch_lstm_params(input_size: int, hidden_size: int) -> int:
    """Exercise 18.22 (1 point): parameters of PyTorch's ``LSTMCell(input_size, hidden_size)``."""
    # ---- write your code here (about 1 lines) ----
    raise NotImplementedError("exercise 18.22: q08_torch_lstm_params")


def q08_kept_share(forget_bias: float) -> float:
    """Exercise 18.23 (1 point): the share of c an LSTM keeps in one step when all weights are 0.

    Every weight and every bias is 0 except the forget gate's total bias ``forget_bias``, and
    the input is 0. Return c_t / c_{t-1} (the same for every unit), a float.
    """
    # ---- write your code here (about 1 lines) ----
    raise NotImplementedError("exercise 18.23: q08_kept_share")


# -- module 9: GRU -------------------------------------------------------------------------


def q09_gru_blocks() -> int:
    """Exercise 18.24 (1 point): how many H-row blocks are stacked in a GRU's ``weight_ih``?"""
    # ---- write your code here (about 1 lines) ----
    raise NotImplementedError("exercise 18.24: q09_gru_blocks")


def q09_torch_gru_params(input_size: int, hidden_size: int) -> int:
    """Exercise 18.25 (1 point): parameters of PyTorch's ``GRUCell(input_size, hidden_size)``."""
    # ---- write your code here (about 1 lines) ----
    raise NotImplementedError("exercise 18.25: q09_torch_gru_params")


def q09_keras_gru_params(input_dim: int, units: int, reset_after: bool) -> int:
    """Exercise 18.26 (1 point): parameters of Keras' ``GRU(units, reset_after=...)``.

    With ``reset_after=True`` (TF2's default; PyTorch's form) the recurrent product has its own
    bias, so there are two bias vectors per block; with ``reset_after=False`` there is one.
    """
    # ---- write your code here (about 1 lines) ----
    raise NotImplementedError("exercise 18.26: q09_keras_gru_params")


# -- module 10: bidirectional and stacked --------------------------------------------------


def q10_bidirectional_features(hidden_size: int) -> int:
    """Exercise 18.27 (1 point): output features per step of a bidirectional layer of hidden size H."""
    # ---- write your code here (about 1 lines) ----
    raise NotImplementedError("exercise 18.27: q10_bidirectional_features")


def q10_stacked_lstm_params(input_size: int, hidden_size: int, num_layers: int) -> int:
    """Exercise 18.28 (1 point): parameters of PyTorch's ``LSTM(input_size, hidden_size, num_layers)``."""
    # ---- write your code here (about 2 lines) ----
    raise NotImplementedError("exercise 18.28: q10_stacked_lstm_params")


# -- module 11: text into numbers ----------------------------------------------------------


def q11_embedding_gradient(ids: Array, upstream: Array, vocab_size: int) -> Array:
    """Exercise 18.29 (1 point): the gradient of an embedding table after one lookup.

    Args:
        ids: int array (N,) of looked-up rows (repeats allowed).  upstream: (N, E), the gradient
            of each looked-up vector.  vocab_size: V.

    Returns:
        d loss / d table, a numpy array (V, E).
    """
    # ---- write your code here (about 3 lines) ----
    raise NotImplementedError("exercise 18.29: q11_embedding_gradient")


def q11_expected_collision_pairs(n_words: int, buckets: int) -> float:
    """Exercise 18.30 (1 point): the expected number of colliding pairs when hashing.

    ``n_words`` distinct words are hashed uniformly and independently into ``buckets`` buckets.
    Return the expected number of unordered pairs of words that share a bucket, a float.
    """
    # ---- write your code here (about 1 lines) ----
    raise NotImplementedError("exercise 18.30: q11_expected_collision_pairs")


# -- module 12: applications ---------------------------------------------------------------


def q12_initial_loss(vocab_size: int) -> float:
    """Exercise 18.31 (1 point): the loss of a character model whose scores are all equal (a float)."""
    # ---- write your code here (about 1 lines) ----
    raise NotImplementedError("exercise 18.31: q12_initial_loss")


def q12_temperature_probabilities(logits: Array, temperature: float) -> Array:
    """Exercise 18.32 (1 point): sampling probabilities at a temperature, shape (V,) like ``logits``.

    Finite for any finite logits, as in exercise 12.4: large ones must not overflow.
    """
    # ---- write your code here (about 3 lines) ----
    raise NotImplementedError("exercise 18.32: q12_temperature_probabilities")


# -- module 13: beyond recurrence ----------------------------------------------------------


def q13_attention_scores(length: int) -> int:
    """Exercise 18.33 (1 point): how many scores does self-attention over ``length`` positions compute?"""
    # ---- write your code here (about 1 lines) ----
    raise NotImplementedError("exercise 18.33: q13_attention_scores")


def q13_conv_receptive_field(kernel_size: int, layers: int) -> int:
    """Exercise 18.34 (1 point): how many input steps does one output of stacked 1D convolutions see?

    ``layers`` convolutions, each with a kernel of ``kernel_size`` steps, stride 1, no dilation,
    stacked one on another. Return the number of input positions one output of the last layer
    depends on, an int.
    """
    # ---- write your code here (about 1 lines) ----
    raise NotImplementedError("exercise 18.34: q13_conv_receptive_field")
