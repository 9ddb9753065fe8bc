"""Module 4 · The RNN cell (순환 신경망 셀): one set of weights, applied at every time step.

In the notes' symbols, with hidden state a<t>, input x<t> and output y<t>:

    a<t> = tanh(W_aa a<t-1> + W_ax x<t> + b_a)
    y<t> = softmax(W_ya a<t> + b_y)

The notes write column vectors. Here a batch of B sequences is processed at once, so every
vector is a row of a matrix, and ``W_ax x<t>`` becomes ``x @ W_ax.T`` (the same numbers,
B of them side by side). The weight shapes are the notes' (and PyTorch's ``weight_ih`` /
``weight_hh``):

    W_ax (H, I)   W_aa (H, H)   b_a (H,)   W_ya (O, H)   b_y (O,)

with I the input size, H the hidden size, O the output size.

You get the Tensor engine: ``@``, ``+``, ``.T``, ``.tanh()``, ``.softmax(axis)`` and
``stack`` all back-propagate, so writing the forward pass with them gives the gradients.

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

    Compute, for a batch of B rows,

        a_next = tanh(a_prev @ W_aa.T + x @ W_ax.T + b_a)      # a<t>,  shape (B, H)
        y_hat  = softmax(a_next @ W_ya.T + b_y)               # y<t>,  shape (B, O)

    where the softmax runs over the last axis, so each row of ``y_hat`` is a probability
    distribution over the O outputs (it sums to 1). Use Tensor operations only, so that
    gradients flow back to every argument.

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
    # ---- solution ----
    a_next = (a_prev @ W_aa.T + x @ W_ax.T + b_a).tanh()
    y_hat = (a_next @ W_ya.T + b_y).softmax(axis=-1)
    return a_next, y_hat
    # ---- end of solution ----


def rnn_forward(
    xs: Tensor, a0: Tensor, W_aa: Tensor, W_ax: Tensor, b_a: Tensor, W_ya: Tensor, b_y: Tensor
) -> tuple[Tensor, Tensor]:
    """Exercise 4.2 (6 points): unroll the cell over all T time steps.

    Start from ``a0`` and apply your ``rnn_cell_step`` to ``xs[0]``, ``xs[1]``, ...,
    ``xs[T-1]`` in turn, each time feeding the new hidden state into the next step. Every
    step uses the same five weights: that is what makes the network recurrent.

    Collect the hidden state and the output of every step and join each list along a
    new first axis with ``stack``, so that ``a[t]`` is a<t+1> (the state after reading
    ``xs[t]``) and ``y[t]`` its output.

    Args:
        xs: the input sequence, shape (T, B, I).
        a0: the initial hidden state, shape (B, H).
        W_aa, W_ax, b_a, W_ya, b_y: the weights, shapes as in ``rnn_cell_step``.

    Returns:
        ``(a, y)``: Tensors of shapes (T, B, H) and (T, B, O).
    """
    # ---- solution ----
    a, states, outputs = a0, [], []
    for t in range(xs.shape[0]):
        a, y = rnn_cell_step(xs[t], a, W_aa, W_ax, b_a, W_ya, b_y)
        states.append(a)
        outputs.append(y)
    return stack(states, axis=0), stack(outputs, axis=0)
    # ---- end of solution ----


def count_parameters(input_size: int, hidden_size: int, output_size: int) -> int:
    """Exercise 4.3 (3 points): the number of trainable numbers in the RNN of this module.

    Count every entry of the five parameters W_aa, W_ax, b_a, W_ya and b_y for the given
    sizes I, H and O. Note what is *not* an argument: the length of the sequence. The
    same weights serve every time step, so a model reading 5 words and one reading 5,000
    words have the same size.

    Args:
        input_size: I, the size of each input vector x<t>.
        hidden_size: H, the size of the hidden state a<t>.
        output_size: O, the size of each output y<t>.

    Returns:
        The number of parameters, a Python ``int``.
    """
    # ---- solution ----
    I, H, O = input_size, hidden_size, output_size
    return H * H + H * I + H + O * H + O
    # ---- end of solution ----
