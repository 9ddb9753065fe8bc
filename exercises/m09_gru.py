"""Module 9: GRU (게이트 순환 유닛).

The gated recurrent unit is a lighter LSTM: no separate cell state, two gates instead
of three. The reset gate r decides how much of the old state goes into the candidate,
the update gate z mixes the old state and the candidate. Two variants are published:
PyTorch (and cuDNN) apply r after the recurrent product, the original GRU (Cho et al.
2014) before it. They give different numbers from the same weights.

Fill in each function marked 'write your code here', then run
``microgradrnn check m09_gru`` to grade this file.
"""

from __future__ import annotations

from microgradrnn import Tensor


def gru_step(
    x: Tensor,
    h: Tensor,
    weight_ih: Tensor,
    weight_hh: Tensor,
    bias_ih: Tensor,
    bias_hh: Tensor,
) -> Tensor:
    """Exercise 9.1 (7 points): one GRU step in PyTorch's form.

    With H the hidden size and the rows of the weights stacked as gates r, z, n
    (rows 0..H-1 are r, H..2H-1 are z, 2H..3H-1 are n)::

        r  = sigmoid(x W_ir^T + b_ir + h W_hr^T + b_hr)          reset gate
        z  = sigmoid(x W_iz^T + b_iz + h W_hz^T + b_hz)          update gate
        n  = tanh(x W_in^T + b_in + r * (h W_hn^T + b_hn))       candidate
        h' = (1 - z) * n + z * h                                 hidden state

    Note where the reset gate goes: it multiplies the whole recurrent term
    ``h W_hn^T + b_hn``, bias included. Use Tensor ops only so gradients reach every
    argument.

    Args:
        x: input, shape (B, I).
        h: previous hidden state, shape (B, H).
        weight_ih: shape (3H, I).  weight_hh: shape (3H, H).
        bias_ih, bias_hh: shape (3H,) each.

    Returns:
        h', a Tensor of shape (B, H).
    """
    # ---- write your code here (about 7 lines) ----
    raise NotImplementedError("exercise 9.1: gru_step")


def gru_step_original(
    x: Tensor,
    h: Tensor,
    weight_ih: Tensor,
    weight_hh: Tensor,
    bias_ih: Tensor,
    bias_hh: Tensor,
) -> Tensor:
    """Exercise 9.2 (4 points): one step of the original GRU (Cho et al., 2014).

    The same as ``gru_step`` except for the candidate, where the reset gate multiplies
    the previous state *before* the recurrent product::

        n  = tanh(x W_in^T + b_in + (r * h) W_hn^T + b_hn)

    (r and z, the weights, their layout r, z, n, and h' = (1 - z) * n + z * h are
    unchanged.) Shapes as in ``gru_step``.

    Returns:
        h', a Tensor of shape (B, H).
    """
    # ---- write your code here (about 7 lines) ----
    raise NotImplementedError("exercise 9.2: gru_step_original")


def gru_param_count(input_size: int, hidden_size: int) -> int:
    """Exercise 9.3 (3 points): the number of parameters of one GRU cell.

    PyTorch's GRU cell has three gates (r, z, n), each with a (H, I) input weight, a
    (H, H) recurrent weight and two bias vectors of H numbers.

    Returns:
        The total number of parameters, an int (compare it with the LSTM's of module 8).
    """
    # ---- write your code here (about 1 line) ----
    raise NotImplementedError("exercise 9.3: gru_param_count")
