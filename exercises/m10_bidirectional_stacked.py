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

Fill in each function marked 'write your code here', then run
``microgradrnn check m10_bidirectional_stacked`` to grade this file.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from microgradrnn import Tensor, concat, stack  # noqa: F401 (yours to use)

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
    # ---- write your code here (about 12 lines) ----
    raise NotImplementedError("exercise 10.1: bidirectional")


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
    # ---- write your code here (about 8 lines) ----
    raise NotImplementedError("exercise 10.2: stacked")


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
    # ---- write your code here (about 4 lines) ----
    raise NotImplementedError("exercise 10.3: recurrent_dropout_mask")


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
    # ---- write your code here (about 8 lines) ----
    raise NotImplementedError("exercise 10.4: run_with_recurrent_dropout")
