"""Probes of module 6: truncated BPTT takes a loss function and leaves gradients in its Tensors.

``truncated`` builds the Tensors from plain arrays here, in the runner, hands the learner's
``truncated_bptt`` a loss function that records the states it is shown, and sends back what
came out: the chunk losses it returned, the states each chunk showed, and the gradients its
backward passes left in the inputs and weights. The judge computes the right answers itself.
"""

from __future__ import annotations

import numpy as np

from microgradrnn import Tensor


def truncated(m, p: dict, k: int, R: np.ndarray) -> dict:
    """Run ``m.truncated_bptt`` with ``loss_fn(states, start) = sum_i <states[i], R[start + i]>``.

    ``p`` holds the arrays xs, a0, W_ax, W_aa, b_a; all five become Tensors that require grad.
    """
    names = ("xs", "a0", "W_ax", "W_aa", "b_a")
    tensors = {n: Tensor(np.array(p[n], dtype=np.float64), requires_grad=True) for n in names}
    weights = np.asarray(R, dtype=np.float64)
    seen: list[list] = []

    def loss_fn(states, start):
        total = None
        for i, s in enumerate(states):
            seen.append([int(start) + i, np.array(s.data, dtype=np.float64)])
            term = (s * Tensor(weights[int(start) + i])).sum()
            total = term if total is None else total + term
        return total

    losses = m.truncated_bptt(*(tensors[n] for n in names), k, loss_fn)
    return {
        "losses": losses,
        "seen": seen,
        "grads": {n: None if t.grad is None else np.array(t.grad) for n, t in tensors.items()},
    }
