"""Module 13: beyond recurrence (순환을 넘어서).

An RNN must finish step t-1 before it can start step t, so it is hard to run in
parallel. A 1D convolution looks at a window of K steps at every position at once, and
attention lets every output look at every input state directly (at a cost of O(T^2)
for a whole sequence, the price the Transformer pays). You will write both forwards
with Tensor ops, so their gradients come for free.

Run ``microgradrnn check m13_beyond_recurrence`` to grade this file.
"""

from __future__ import annotations

import math

import numpy as np

from microgradrnn import Tensor


def conv1d(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """Exercise 13.1 (6 points): a 1D convolution over time, valid padding, stride 1.

    Output channel o at step t is bias[o] plus the weighted sum of the window of K input
    steps that starts at step t, over every input channel; ``weight[o, c, k]`` weighs
    channel c of the k-th step of the window. As in PyTorch's ``Conv1d`` the kernel is
    not flipped (a cross-correlation: ``weight[o, :, 0]`` meets the window's first step).
    No padding: only windows that fit inside the sequence, so the output is K - 1 steps
    shorter than the input.

    Args:
        x: shape (B, T, C_in), batch first with channels last (the layout of the RNN
            layers of this course; PyTorch's ``Conv1d`` wants (B, C_in, T)).
        weight: shape (C_out, C_in, K), PyTorch's layout.
        bias: shape (C_out,), or None for no bias.

    Returns:
        A Tensor of shape (B, T - K + 1, C_out) built from Tensor ops, so that gradients
        reach ``x``, ``weight`` and ``bias``. Raises ``ValueError`` naming both sizes
        when T < K or when the channel counts of ``x`` and ``weight`` differ.
    """
    B, T, C_in = x.shape
    C_out, C_w, K = weight.shape
    if C_in != C_w:
        raise ValueError(f"x has {C_in} channels but weight expects {C_w}")
    if T < K:
        raise ValueError(f"sequence length T={T} is shorter than the kernel size K={K}")
    T_out = T - K + 1
    out = x[:, 0:T_out, :] @ weight[:, :, 0].T
    for k in range(1, K):
        out = out + x[:, k : k + T_out, :] @ weight[:, :, k].T
    return out if bias is None else out + bias


def attention(
    query: Tensor, keys: Tensor, values: Tensor, mask: np.ndarray | None = None
) -> tuple[Tensor, Tensor]:
    """Exercise 13.2 (7 points): scaled dot-product attention over encoder states.

    A decoder state (the query) scores every encoder state (the keys): the score of step
    t is the dot product of the query with key t, divided by sqrt(H). The scores become
    weights by a softmax over the T time steps of each row, and the context is the sum
    of the values weighted by them.

    With ``mask`` (bool, shape (B, T)), positions where it is False (padding) get a
    weight of exactly 0 and the softmax runs over the others only; every row of the
    mask has at least one True.

    Args:
        query: shape (B, H).
        keys: shape (B, T, H).
        values: shape (B, T, H).
        mask: None, or a bool numpy array of shape (B, T).

    Returns:
        ``(context, weights)``: Tensors of shapes (B, H) and (B, T), built from Tensor
        ops so gradients reach query, keys and values; each row of weights sums to 1.
    """
    B, T, H = keys.shape
    scores = (keys * query.reshape(B, 1, H)).sum(axis=2) / math.sqrt(H)
    if mask is not None:
        scores = scores + Tensor(np.where(mask, 0.0, -np.inf))
    weights = scores.softmax(axis=1)
    context = (weights.reshape(B, T, 1) * values).sum(axis=1)
    return context, weights
