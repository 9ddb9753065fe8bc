"""Module 9: GRU (게이트 순환 유닛).

The gated recurrent unit is a lighter LSTM: no separate cell state, and two gates where
the LSTM has three. The reset gate r decides how much of the old state goes into the
candidate state n; the update gate z mixes the old state and the candidate. The weights
stack three blocks of rows, r, z and n: the two gates and the candidate. Two variants
are published: PyTorch (and cuDNN) apply r after the recurrent product, the original GRU
(Cho et al. 2014) before it. They give different numbers from the same weights.

The equations are on the page (docs/modules/09-gru.md). Fill in each function marked
'write your code here' in ``exercises/``, then run ``microgradrnn check m09_gru`` to
grade it.
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

    Compute the reset gate r, the update gate z, the candidate n and the new hidden
    state h' of the page's equations (PyTorch's form), for every row of the batch.

    Conventions: the rows of every weight and bias are stacked in three blocks of H, in
    the order r, z, n (rows 0..H-1 are r, H..2H-1 are z, 2H..3H-1 are n), and each block
    of rows acts on a batch of row vectors as in module 4. In this form the reset gate
    multiplies the candidate's whole recurrent term, its hidden bias included. z = 1 keeps
    the old state. Use Tensor ops only so gradients reach every argument.

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

    The same as ``gru_step`` except for the candidate n: here the reset gate acts on the
    previous state *before* the recurrent product (the page's second form of n). The two
    gates, the layout r, z, n of the weights and the last line, h' from z, n and h, are
    unchanged. Shapes as in ``gru_step``.

    Returns:
        h', a Tensor of shape (B, H).
    """
    # ---- write your code here (about 7 lines) ----
    raise NotImplementedError("exercise 9.2: gru_step_original")


def gru_param_count(input_size: int, hidden_size: int) -> int:
    """Exercise 9.3 (3 points): the number of parameters of one GRU cell, PyTorch's layout.

    The cell holds ``weight_ih``, ``weight_hh``, ``bias_ih`` and ``bias_hh``, with the
    shapes given in ``gru_step``: three blocks of rows, for the two gates r and z and the
    candidate n. Count every number of the four.

    Returns:
        The total number of parameters, an int (compare it with the LSTM's of module 8).
    """
    # ---- write your code here (about 1 line) ----
    raise NotImplementedError("exercise 9.3: gru_param_count")
