"""Probes of module 14: run the learner's forward, hand its own cache to its own backward.

The cache is the learner's design (any Python object), so it never leaves the runner: a
probe returns only the arrays the backward pass produced. It never knows the right answer.
"""

from __future__ import annotations


def lstm_step_grads(m, x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, dh, dc):  # noqa: ANN001, ANN201
    *_, cache = m.lstm_step_forward(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh)
    return m.lstm_step_backward(dh, dc, cache)


def lstm_sequence_grads(m, x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh, dhs):  # noqa: ANN001, ANN201
    hs, cache = m.lstm_forward(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh)
    return m.lstm_backward(dhs, cache)


def gru_step_grads(m, x, h, weight_ih, weight_hh, bias_ih, bias_hh, variant, dh):  # noqa: ANN001, ANN201
    _, cache = m.gru_step_forward(x, h, weight_ih, weight_hh, bias_ih, bias_hh, variant)
    return m.gru_step_backward(dh, cache)


def gru_sequence_grads(m, x, h0, weight_ih, weight_hh, bias_ih, bias_hh, variant, dhs):  # noqa: ANN001, ANN201
    hs, cache = m.gru_forward(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, variant)
    return m.gru_backward(dhs, cache)
