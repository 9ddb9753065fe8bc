"""Module 7: vanishing and exploding gradients (기울기 소실/폭발).

Back-propagation through time multiplies by the same recurrent matrix at every step.
When that product shrinks, the gradient reaching early steps vanishes; when it grows,
it explodes and the loss turns into inf or NaN. You will measure the gradient at every
time step, clip gradients two ways, and provoke both failures on purpose.

Fill in each function marked 'write your code here' in ``exercises/``, then run
``microgradrnn check m07_vanishing_exploding`` to grade it.
"""

from __future__ import annotations

import numpy as np

from microgradrnn import Tensor


def grad_norm_per_step(
    x: np.ndarray,
    weight_ih: np.ndarray,
    weight_hh: np.ndarray,
    bias: np.ndarray,
    h0: np.ndarray | None = None,
) -> np.ndarray:
    """Exercise 7.1 (5 points): the norm of dL/dh_t at every time step of a tanh RNN.

    The RNN is the tanh cell of module 4 in PyTorch's names: for each sequence of the
    batch, h_t = tanh(W_ih x_t + W_hh h_{t-1} + b) for t = 0..T-1, starting from ``h0``
    (zeros when None), with the weights stored (out, in) as in module 4. The loss is the
    sum of every number of the last hidden state, L = sum of h_{T-1}.

    Let the library's autograd find dL/dh_t (shape (B, H)) for every t; only the hidden
    states that are part of the graph receive a gradient.

    Args:
        x: inputs, shape (T, B, I).
        weight_ih: shape (H, I).
        weight_hh: shape (H, H).
        bias: shape (H,).
        h0: initial hidden state, shape (B, H), or None for zeros.

    Returns:
        A float64 numpy array of shape (T,): entry t is the Euclidean norm of dL/dh_t
        taken over all its B*H numbers; entry 0 is the first time step.
    """
    # ---- solution ----
    W_ih = Tensor(weight_ih, requires_grad=True)
    W_hh = Tensor(weight_hh, requires_grad=True)
    b = Tensor(bias, requires_grad=True)
    h = Tensor(np.zeros((x.shape[1], weight_hh.shape[0])) if h0 is None else h0)
    hs = []
    for t in range(x.shape[0]):
        h = (Tensor(x[t]) @ W_ih.T + h @ W_hh.T + b).tanh()
        hs.append(h)
    h.sum().backward()
    return np.array([np.linalg.norm(h_t.grad) for h_t in hs])
    # ---- end of solution ----


def clip_grad_value(grads: list[np.ndarray], clip_value: float) -> list[np.ndarray]:
    """Exercise 7.2 (3 points): clip every gradient number into [-clip_value, clip_value].

    Args:
        grads: gradients, numpy arrays of any shapes.
        clip_value: a positive number.

    Returns:
        A new list of new arrays, same shapes as ``grads``: each number above
        ``clip_value`` becomes ``clip_value``, each below ``-clip_value`` becomes
        ``-clip_value``, the rest are unchanged. The input arrays are not modified.
    """
    # ---- solution ----
    return [np.clip(g, -clip_value, clip_value) for g in grads]
    # ---- end of solution ----


def clip_grad_norm(grads: list[np.ndarray], max_norm: float) -> tuple[list[np.ndarray], float]:
    """Exercise 7.3 (7 points): rescale gradients so that their global norm is at most max_norm.

    The global norm is the Euclidean norm of all numbers of all arrays taken together, as
    if they were one long vector. When it is above ``max_norm``, every array is scaled by
    one and the same factor, so that the global norm becomes ``max_norm`` and the direction
    of the whole gradient is kept; otherwise the arrays come back with their values as
    they were.

    Args:
        grads: gradients, numpy arrays of any shapes.
        max_norm: a positive number.

    Returns:
        ``(clipped, total_norm)``: a new list of new arrays (the inputs are not modified)
        and the global norm *before* clipping, as a float.
    """
    # ---- solution ----
    total_norm = float(np.sqrt(sum(float(np.sum(g**2)) for g in grads)))
    factor = max_norm / total_norm if total_norm > max_norm else 1.0
    return [g * factor for g in grads], total_norm
    # ---- end of solution ----


def failure_experiment(
    scale: float, T: int = 30, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The fixed RNN of exercise 7.4 (given, not an exercise): ``(x, weight_ih, weight_hh, bias)``.

    H = 8 hidden units, I = 1 input, B = 1. With ``rng = np.random.default_rng(seed)``,
    in this order: ``Q`` is the Q factor of ``np.linalg.qr(rng.standard_normal((8, 8)))``
    (an orthogonal matrix), ``weight_ih = rng.standard_normal((8, 1))``,
    ``x = 0.01 * rng.standard_normal((T, 1, 1))``; ``weight_hh = scale * Q`` and
    ``bias`` is zeros. Feed it to ``grad_norm_per_step``.
    """
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.standard_normal((8, 8)))
    weight_ih = rng.standard_normal((8, 1))
    x = 0.01 * rng.standard_normal((T, 1, 1))
    return x, weight_ih, scale * q, np.zeros(8)


def failure_scales() -> tuple[float, float]:
    """Exercise 7.4 (4 points): provoke a vanishing and an exploding gradient on purpose.

    For the RNN of ``failure_experiment(scale)`` (T = 30, seed 0) the ratio
    ``norms[0] / norms[-1]`` (``norms = grad_norm_per_step(*failure_experiment(scale))``)
    says how much of the gradient at the last step survives back to the first.

    Returns:
        ``(vanishing_scale, exploding_scale)``: a scale below 1 whose ratio is below
        1e-3, and a scale above 1 whose ratio is above 1e3.
    """
    # ---- solution ----
    return 0.5, 2.5
    # ---- end of solution ----
