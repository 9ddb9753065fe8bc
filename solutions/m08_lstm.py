"""Module 8: LSTM (장단기 메모리).

An LSTM carries two states from step to step: the cell state c (long-term memory)
and the hidden state h (short-term memory, also the output). Gates are sigmoids
between 0 and 1 that multiply what flows through them: a forget gate of 0.2 keeps
20 % of the old cell state. PyTorch stacks the three gates and the cell candidate
in one weight matrix, in the order i (input), f (forget), g (cell candidate), o (output).

The equations are on the page (docs/modules/08-lstm.md). Fill in each function marked
'write your code here' in ``exercises/``, then run ``microgradrnn check m08_lstm`` to
grade it.
"""

from __future__ import annotations

import numpy as np

from microgradrnn import Tensor

GATES = ("i", "f", "g", "o")


def lstm_step(
    x: Tensor,
    h: Tensor,
    c: Tensor,
    weight_ih: Tensor,
    weight_hh: Tensor,
    bias_ih: Tensor,
    bias_hh: Tensor,
) -> tuple[Tensor, Tensor]:
    """Exercise 8.1 (8 points): one LSTM step, PyTorch's equations and gate order.

    Compute the three gates (i, f, o), the cell candidate g, the new cell state c' and
    the new hidden state h' of the page's equations (PyTorch's form), for every row of
    the batch.

    Conventions: the rows of every weight and bias are stacked in four blocks of H, in
    PyTorch's gate order i, f, g, o (rows 0..H-1 are the input gate i, H..2H-1 the forget
    gate f, 2H..3H-1 the cell candidate g, 3H..4H-1 the output gate o), and each block of
    rows acts on a batch of row vectors as in module 4. The three gates squash with a
    sigmoid and the candidate with tanh. Use Tensor ops only (``@``, ``+``, ``*``, ``.T``,
    slicing, ``.sigmoid()``, ``.tanh()``) so gradients reach every argument.

    Args:
        x: input, shape (B, I).
        h, c: previous hidden and cell state, shape (B, H) each.
        weight_ih: shape (4H, I).  weight_hh: shape (4H, H).
        bias_ih, bias_hh: shape (4H,) each.

    Returns:
        ``(h_next, c_next)``, Tensors of shape (B, H) each.
    """
    # ---- solution ----
    H = h.shape[-1]
    z = x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh
    i = z[:, 0:H].sigmoid()
    f = z[:, H : 2 * H].sigmoid()
    g = z[:, 2 * H : 3 * H].tanh()
    o = z[:, 3 * H : 4 * H].sigmoid()
    c_next = f * c + i * g
    h_next = o * c_next.tanh()
    return h_next, c_next
    # ---- end of solution ----


def gate_slice(weight: np.ndarray, gate: str) -> np.ndarray:
    """Exercise 8.2 (3 points): the rows of one gate in a stacked LSTM weight or bias.

    Args:
        weight: ``weight_ih`` (4H, I), ``weight_hh`` (4H, H) or a bias (4H,), gates
            stacked in PyTorch's order i, f, g, o.
        gate: one of ``"i"``, ``"f"``, ``"g"``, ``"o"``.

    Returns:
        The H rows (first axis) of that gate: shape (H, I), (H, H) or (H,).
        Raises ``ValueError`` for any other gate name, or when the first axis is not
        a multiple of 4.
    """
    # ---- solution ----
    if gate not in GATES:
        raise ValueError(f"gate must be one of {GATES}, got {gate!r}")
    if weight.shape[0] % 4:
        raise ValueError(f"the first axis ({weight.shape[0]}) is not 4 gates of equal size")
    H = weight.shape[0] // 4
    k = GATES.index(gate)
    return weight[k * H : (k + 1) * H]
    # ---- end of solution ----


def forget_gate_bias(
    bias_ih: np.ndarray, bias_hh: np.ndarray, value: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """Exercise 8.3 (3 points): start the forget gate at a bias of ``value`` (1.0: remember).

    At initialisation a forget gate near sigmoid(0) = 0.5 halves the cell state at
    every step, so the memory fades fast. Setting the forget gate's total bias
    ``b_if + b_hf`` to 1 (Jozefowicz et al., 2015; Keras' ``unit_forget_bias``) starts it
    near sigmoid(1) = 0.73.

    Args:
        bias_ih, bias_hh: shape (4H,) each, gates in the order i, f, g, o.
        value: the forget gate's total bias.

    Returns:
        New arrays ``(new_bias_ih, new_bias_hh)`` (the inputs are not modified): the
        forget slice of ``new_bias_ih`` is ``value`` and that of ``new_bias_hh`` is 0, so
        that they add up to ``value``; the slices of the other gates are unchanged.
    """
    # ---- solution ----
    H = bias_ih.shape[0] // 4
    new_ih, new_hh = bias_ih.copy(), bias_hh.copy()
    new_ih[H : 2 * H] = value
    new_hh[H : 2 * H] = 0.0
    return new_ih, new_hh
    # ---- end of solution ----


def lstm_param_count(
    input_size: int, hidden_size: int, num_layers: int = 1, bidirectional: bool = False
) -> int:
    """Exercise 8.4 (4 points): the number of parameters of PyTorch's ``LSTM``.

    Count what the library's (and PyTorch's) ``LSTM`` learns: every layer's cells hold
    ``weight_ih``, ``weight_hh``, ``bias_ih`` and ``bias_hh``, shaped as in ``lstm_step``
    (two biases per cell, as PyTorch has; Keras has one). Layer 0 reads the input
    (I features); every later layer reads the output of the layer below, which has H
    features, or 2H when the layers are bidirectional (forward and reverse outputs side
    by side). A bidirectional layer has two cells (one per direction) with their own
    weights.

    Returns:
        The total number of parameters, an int.
    """
    # ---- solution ----
    directions = 2 if bidirectional else 1
    total = 0
    for layer in range(num_layers):
        inputs = input_size if layer == 0 else hidden_size * directions
        total += directions * 4 * (hidden_size * inputs + hidden_size * hidden_size + 2 * hidden_size)
    return total
    # ---- end of solution ----
