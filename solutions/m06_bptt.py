"""Module 6 · Back-propagation through time (BPTT, 시간에 따른 역전파).

An unrolled RNN is one long feed-forward graph whose layers share their weights, so it is
trained with ordinary back-propagation run backwards through the time steps. The loss of
a sequence is the sum of the losses of its steps; the gradient of a shared weight is the
sum of its gradients at every step.

The cell, in batch rows as in module 4 (a<0> given, t = 1..T):

    a<t> = tanh(x<t> @ W_ax.T + a<t-1> @ W_aa.T + b_a)

* Exercise 6.1 ``sequence_loss``: the loss summed over the time steps.
* Exercise 6.2 ``bptt``: the backward pass through time, by hand, in numpy.
* Exercise 6.3 ``truncated_bptt``: cut the graph every k steps but keep the state.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from microgradrnn import Tensor


def sequence_loss(logits: Tensor, targets: np.ndarray) -> Tensor:
    """Exercise 6.1 (5 points): cross-entropy summed over time steps, averaged over the batch.

    At step t the model scores the C classes with ``logits[t]`` (shape (B, C)); the loss of
    the step is the mean over the batch of -log softmax(logits[t])[targets[t]]. The loss of
    the sequence is the *sum* over the T steps, so every step counts in full, as in the
    notes: "the difference between the output at every step and the truth".

    Use Tensor operations (``log_softmax``, integer-array indexing, ``sum``) so the result
    back-propagates into ``logits``.

    Args:
        logits: Tensor of shape (T, B, C).
        targets: integer array of shape (T, B), values in [0, C).

    Returns:
        A one-element Tensor (shape ()).
    """
    # ---- solution ----
    T, B = targets.shape
    logp = logits.log_softmax(axis=-1)
    picked = logp[np.arange(T)[:, None], np.arange(B)[None, :], targets]
    return -picked.sum() / B
    # ---- end of solution ----


def bptt(
    xs: np.ndarray,
    a0: np.ndarray,
    W_ax: np.ndarray,
    W_aa: np.ndarray,
    b_a: np.ndarray,
    das: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Exercise 6.2 (10 points): back-propagation through time for a tanh RNN, by hand.

    The loss is L = sum over t = 1..T of <a<t>, das[t-1]>: ``das[t-1]`` is the gradient
    the loss sends *directly* into a<t> (for example from an output layer at step t). But
    a<t> also feeds a<t+1>, so the gradient that reaches it is more than ``das[t-1]``: the
    page's recurrence for delta<t> says how much more. Compute the gradients of L with
    respect to the three shared weights (each the sum of its shares over the steps) and
    with respect to a<0>.

    The forward pass's states are needed on the way back, so keep them. numpy only: no
    Tensor, no autograd (the tests compare your numbers with the library's autograd).

    Args:
        xs: inputs, shape (T, B, I).
        a0: initial state, shape (B, H).
        W_ax: (H, I).  W_aa: (H, H).  b_a: (H,).
        das: direct upstream gradients dL/da<t> for t = 1..T, shape (T, B, H).

    Returns:
        ``(dW_ax, dW_aa, db_a, da0)``: float64 arrays of the shapes of W_ax, W_aa, b_a, a0.
    """
    # ---- solution ----
    states = [a0]
    for x in xs:
        states.append(np.tanh(x @ W_ax.T + states[-1] @ W_aa.T + b_a))
    dW_ax, dW_aa, db_a = np.zeros_like(W_ax), np.zeros_like(W_aa), np.zeros_like(b_a)
    da_next = np.zeros_like(a0)
    for t in reversed(range(len(xs))):
        dz = (das[t] + da_next) * (1.0 - states[t + 1] ** 2)
        dW_ax += dz.T @ xs[t]
        dW_aa += dz.T @ states[t]
        db_a += dz.sum(axis=0)
        da_next = dz @ W_aa
    return dW_ax, dW_aa, db_a, da_next
    # ---- end of solution ----


def truncated_bptt(
    xs: Tensor,
    a0: Tensor,
    W_ax: Tensor,
    W_aa: Tensor,
    b_a: Tensor,
    k: int,
    loss_fn: Callable[[list[Tensor], int], Tensor],
) -> list[float]:
    """Exercise 6.3 (9 points): truncated BPTT: back-propagate k steps at a time.

    A long sequence makes one huge graph. Truncated BPTT cuts it into chunks of k steps
    (the last chunk may be shorter): the hidden state is carried from one chunk to the next,
    so the forward pass is exactly the untruncated one, but it is cut from the graph at the
    start of every chunk after the first (same numbers, no parents), so each backward pass
    goes back at most k steps and never reaches an earlier chunk.

    For each chunk, starting at step ``start`` (0, k, 2k, ...):

    1. from the carried state (cut, except for the first chunk, which starts from ``a0``
       itself, so that its gradient reaches ``a0``), run the cell of this module on the
       chunk's inputs, collecting the new hidden states in a list;
    2. ``loss = loss_fn(states, start)``, a one-element Tensor, and back-propagate it
       (gradients add up in the weights' ``.grad`` over the chunks, as they would before
       an optimizer step);
    3. carry the chunk's last state on to the next chunk.

    Args:
        xs: inputs, Tensor of shape (T, B, I) (it may require grad).
        a0: initial state, Tensor of shape (B, H).
        W_ax, W_aa, b_a: the weights, Tensors with requires_grad=True.
        k: chunk length, >= 1.
        loss_fn: ``loss_fn(states, start)`` gets the chunk's hidden states (a list of
            Tensors of shape (B, H), a<start+1>, ...) and the chunk's first step index.

    Returns:
        The loss of every chunk, as Python floats, in order.
    """
    # ---- solution ----
    a, losses = a0, []
    for start in range(0, xs.shape[0], k):
        if start > 0:
            a = a.detach()
        states = []
        for t in range(start, min(start + k, xs.shape[0])):
            a = (xs[t] @ W_ax.T + a @ W_aa.T + b_a).tanh()
            states.append(a)
        loss = loss_fn(states, start)
        loss.backward()
        losses.append(loss.item())
    return losses
    # ---- end of solution ----
