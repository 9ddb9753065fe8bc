"""Module 4 · The RNN cell (순환 신경망 셀): one set of weights, applied at every time step.

The cell's two equations are on the page (docs/modules/04-rnn-cell.md), in the notes'
symbols: the hidden state a<t> comes from a<t-1> and the input x<t> through tanh, and the
output y<t> is a softmax of the hidden state.

The notes write one sequence as column vectors. Here a batch of B sequences is processed at
once, and every vector is a *row*: x is (B, I), a is (B, H), y is (B, O). The weights keep
the notes' shapes (out, in), as PyTorch's ``weight_ih`` / ``weight_hh`` do:

    W_ax (H, I)   W_aa (H, H)   b_a (H,)   W_ya (O, H)   b_y (O,)

with I the input size, H the hidden size, O the output size. Working out how a matrix of
shape (out, in) acts on a batch of rows is part of exercise 4.1.

You get the Tensor engine: its arithmetic, matrix product, transpose, ``tanh``, ``softmax``
and ``stack`` all back-propagate, so a forward pass written with them gives the gradients.

* Exercise 4.1 ``rnn_cell_step``: one time step.
* Exercise 4.2 ``rnn_forward``: unroll the cell over T steps.
* Exercise 4.3 ``count_parameters``: the size of the model.
"""

from __future__ import annotations

from microgradrnn import Tensor, stack  # noqa: F401 (stack is for your code)


def rnn_cell_step(
    x: Tensor, a_prev: Tensor, W_aa: Tensor, W_ax: Tensor, b_a: Tensor, W_ya: Tensor, b_y: Tensor
) -> tuple[Tensor, Tensor]:
    """Exercise 4.1 (6 points): one step of the RNN cell.

    Compute the new hidden state a<t> from the previous state and the input, and the
    output y<t> from the new state, for every row of the batch: the page's two equations
    with a softmax as the output activation. The softmax runs over the O outputs of each
    row, so every row of ``y_hat`` is a probability distribution (it sums to 1).

    Use Tensor operations only, so that gradients flow back to every argument.

    Args:
        x: the input x<t>, shape (B, I).
        a_prev: the previous hidden state a<t-1>, shape (B, H).
        W_aa: hidden-to-hidden weights, shape (H, H).
        W_ax: input-to-hidden weights, shape (H, I).
        b_a: hidden bias, shape (H,).
        W_ya: hidden-to-output weights, shape (O, H).
        b_y: output bias, shape (O,).

    Returns:
        ``(a_next, y_hat)``: Tensors of shapes (B, H) and (B, O).
    """
    # ---- write your code here (about 3 lines) ----
    raise NotImplementedError("exercise 4.1: rnn_cell_step")


def rnn_forward(
    xs: Tensor, a0: Tensor, W_aa: Tensor, W_ax: Tensor, b_a: Tensor, W_ya: Tensor, b_y: Tensor
) -> tuple[Tensor, Tensor]:
    """Exercise 4.2 (6 points): unroll the cell over all T time steps.

    Start from ``a0`` and read ``xs[0]``, ``xs[1]``, ..., ``xs[T-1]`` in turn with your
    ``rnn_cell_step``, each step starting from the state the previous one produced. Every
    step uses the same five weights: that is what makes the network recurrent.

    Return the hidden state and the output of every step, each joined along a new first
    (time) axis: ``a[t]`` is the state after reading ``xs[t]`` (a<t+1> in the notes'
    counting, a<0> being ``a0``) and ``y[t]`` its output.

    Args:
        xs: the input sequence, shape (T, B, I).
        a0: the initial hidden state, shape (B, H).
        W_aa, W_ax, b_a, W_ya, b_y: the weights, shapes as in ``rnn_cell_step``.

    Returns:
        ``(a, y)``: Tensors of shapes (T, B, H) and (T, B, O).
    """
    # ---- write your code here (about 6 lines) ----
    raise NotImplementedError("exercise 4.2: rnn_forward")


def count_parameters(input_size: int, hidden_size: int, output_size: int) -> int:
    """Exercise 4.3 (3 points): the number of trainable numbers in the RNN of this module.

    Count every entry of the five parameters W_aa, W_ax, b_a, W_ya and b_y for the given
    sizes I, H and O. Note what is *not* an argument: the length of the sequence.

    Args:
        input_size: I, the size of each input vector x<t>.
        hidden_size: H, the size of the hidden state a<t>.
        output_size: O, the size of each output y<t>.

    Returns:
        The number of parameters, a Python ``int``.
    """
    # ---- write your code here (about 2 lines) ----
    raise NotImplementedError("exercise 4.3: count_parameters")
