"""Module 10: bidirectional, stacked and regularised RNNs (양방향·다층 RNN).

Words depend on what comes before and after them, so a bidirectional RNN reads the
sequence both ways and puts the two hidden states side by side. Stacking layers
(each layer reading the whole output sequence of the one below: Keras'
``return_sequences=True``) adds capacity. Recurrent dropout fights over-fitting with
one dropout mask per sequence, the same at every time step.

In this module a *cell* is any callable ``cell(x_t, h) -> h_next`` taking an input of
shape (B, I) and a state of shape (B, H) (or ``None`` for zeros), with an attribute
``hidden_size`` = H, such as ``microgradrnn.nn.RNNCell`` and ``nn.GRUCell``.
Sequences are Tensors of shape (T, B, features), time first.

Run ``microgradrnn check m10_bidirectional_stacked`` to grade this file.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from microgradrnn import Tensor, concat, stack

Cell = Callable[[Tensor, Tensor | None], Tensor]


def bidirectional(forward_cell: Cell, backward_cell: Cell, x: Tensor) -> tuple[Tensor, Tensor]:
    """Exercise 10.1 (7 points): run one cell forward and another over the reversed sequence.

    The forward cell reads x[0], x[1], ..., x[T-1]; the backward cell reads x[T-1], ...,
    x[0]. Each starts from ``None`` (zeros). ``hf[t]`` is the forward state after reading
    x[t], ``hb[t]`` the backward state after reading x[t] (so hb[t] has seen x[t..T-1]).

    Args:
        x: shape (T, B, I).

    Returns:
        ``(output, h_n)``, as PyTorch's bidirectional layers:
        ``output`` of shape (T, B, 2H), ``output[t] = concat([hf[t], hb[t]], axis=-1)``;
        ``h_n`` of shape (2, B, H), the final state of each direction:
        ``h_n[0] = hf[T-1]`` and ``h_n[1] = hb[0]`` (the backward cell finishes at t = 0).
        Both built with Tensor ops (``concat``, ``stack``) so gradients flow.
    """
    T = x.shape[0]
    hf, hb = [], [None] * T
    h = None
    for t in range(T):
        h = forward_cell(x[t], h)
        hf.append(h)
    h = None
    for t in reversed(range(T)):
        h = backward_cell(x[t], h)
        hb[t] = h
    output = stack([concat([hf[t], hb[t]], axis=-1) for t in range(T)], axis=0)
    return output, stack([hf[-1], hb[0]], axis=0)


def stacked(cells: Sequence[Cell], x: Tensor, return_sequences: bool = True) -> Tensor:
    """Exercise 10.2 (5 points): a stack of recurrent layers.

    Layer 0 runs ``cells[0]`` over x (from ``None``, zeros); layer k runs ``cells[k]``
    over the whole output sequence of layer k-1 (its hidden state at every step).

    Args:
        cells: one cell per layer, bottom first.
        x: shape (T, B, I).
        return_sequences: as in Keras.

    Returns:
        With ``return_sequences=True`` the top layer's states at every step, shape
        (T, B, H_top); otherwise only its last state, shape (B, H_top).
    """
    inputs = [x[t] for t in range(x.shape[0])]
    for cell in cells:
        h, outputs = None, []
        for x_t in inputs:
            h = cell(x_t, h)
            outputs.append(h)
        inputs = outputs
    return stack(inputs, axis=0) if return_sequences else inputs[-1]


def recurrent_dropout_mask(shape: tuple[int, ...], p: float, seed: int) -> np.ndarray:
    """Exercise 10.3 (5 points): an inverted-dropout mask.

    With ``rng = np.random.default_rng(seed)``, each entry is kept when
    ``rng.random(shape) >= p`` (probability 1 - p) and dropped otherwise. Kept entries
    are ``1 / (1 - p)`` so that the expected value of ``mask * h`` is h; dropped are 0.

    Args:
        shape: the mask's shape, e.g. (B, H).
        p: drop probability, ``0 <= p < 1``; anything else raises ``ValueError``.
        seed: the same seed gives the same mask.

    Returns:
        A float64 numpy array of ``shape``.
    """
    if not 0 <= p < 1:
        raise ValueError(f"the drop probability p must be in [0, 1), got {p}")
    keep = np.random.default_rng(seed).random(shape) >= p
    return keep / (1.0 - p)


def run_with_recurrent_dropout(
    cell: Cell, x: Tensor, p: float, seed: int, training: bool = True
) -> tuple[Tensor, np.ndarray]:
    """Exercise 10.4 (4 points): recurrent dropout with one mask for the whole sequence.

    Draw one mask ``recurrent_dropout_mask((B, cell.hidden_size), p, seed)`` (all ones
    when ``training`` is False), start from a zero state h of shape (B, H), and at every
    step call ``h = cell(x[t], h * mask)``: the mask drops units of the state on its way
    into the recurrent step, the *same* units at every step (Gal & Ghahramani 2016;
    Keras' ``recurrent_dropout``). The input x[t] is passed unchanged.

    Args:
        x: shape (T, B, I).

    Returns:
        ``(outputs, mask)``: the states after every step, a Tensor of shape (T, B, H),
        and the mask used, a numpy array of shape (B, H).
    """
    B, H = x.shape[1], cell.hidden_size
    mask = recurrent_dropout_mask((B, H), p, seed) if training else np.ones((B, H))
    h = Tensor(np.zeros((B, H)))
    outputs = []
    for t in range(x.shape[0]):
        h = cell(x[t], h * Tensor(mask))
        outputs.append(h)
    return stack(outputs, axis=0), mask
