"""Module 10: bidirectional, stacked and regularised RNNs (양방향·다층 RNN).

Words depend on what comes before and after them, so a bidirectional RNN reads the
sequence both ways and puts the two hidden states side by side. Stacking layers
(each layer reading the whole output sequence of the one below: Keras'
``return_sequences=True``) adds capacity. Recurrent dropout fights over-fitting with
one dropout mask per sequence, the same at every time step, on the state's way into
the recurrent product.

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

from microgradrnn import Tensor, concat, nn, stack  # noqa: F401 (yours to use)

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
        ``output`` of shape (T, B, 2H): at every t, hf[t] then hb[t] side by side on
        the feature axis (forward in ``[..., :H]``, backward in ``[..., H:]``);
        ``h_n`` of shape (2, B, H), the final state of each direction: the forward
        one after x[T-1], then the backward one, which finishes at t = 0.
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
    cell: nn.GRUCell, x: Tensor, p: float, seed: int, training: bool = True
) -> tuple[Tensor, np.ndarray]:
    """Exercise 10.4 (5 points): a GRU over a sequence with recurrent dropout, one mask per sequence.

    Recurrent (variational) dropout, as the library's ``nn.GRU(..., recurrent_dropout=p)``
    and Keras' ``recurrent_dropout`` do it (Gal & Ghahramani 2016):

    - one mask for the whole sequence, ``recurrent_dropout_mask((B, H), p, seed)`` of
      exercise 10.3, drawn once (a mask of ones when ``training`` is False);
    - at every step the mask multiplies h only where h enters the recurrent product
      (``h W_hh^T + b_hh``, all three gates), so the *same* units are dropped at every step;
    - the state the update gate carries over (the ``z * h`` term) is the unmasked h,
      and the input x[t] is not masked either.

    For a plain RNN this is the same as calling the cell on ``h * mask``; for a GRU it is
    not, which is why this function runs the GRU equations itself (PyTorch's form of
    module 9, gates stacked r, z, n) with ``cell``'s parameters, from a zero state.

    Args:
        cell: a ``nn.GRUCell`` (PyTorch variant): ``weight_ih`` (3H, I), ``weight_hh``
            (3H, H), ``bias_ih`` and ``bias_hh`` (3H,), ``hidden_size`` H.
        x: shape (T, B, I).
        p: drop probability, as in exercise 10.3.
        seed: the mask's seed.
        training: False runs the GRU without dropout.

    Returns:
        ``(outputs, mask)``: the hidden state after every step, a Tensor of shape
        (T, B, H) built from Tensor ops (gradients reach the cell's parameters and x),
        and the mask used, a float64 numpy array of shape (B, H).
    """
    # ---- write your code here (about 14 lines) ----
    raise NotImplementedError("exercise 10.4: run_with_recurrent_dropout")
