"""Module 17 (challenge): when gradients explode and when they vanish (기울기 소실/폭발의 조건).

Back-propagating one step of h_t = act(W h_{t-1} + b) multiplies the gradient by the
Jacobian diag(act'(a_t)) W. With gamma the largest value act' can take (a quarter for the
sigmoid, one for tanh), its norm is at most gamma * ||W||_2. So gamma * ||W||_2 < 1
guarantees vanishing, while gamma * ||W||_2 > 1 only makes exploding possible: whether it
happens depends on where the pre-activations a_t sit. Here you find one RNN of each kind;
the course measures the gradient growth of what you return itself, with the library.

Matrices act on column vectors (W h); every state is a vector of H numbers, no batch.

Run ``microgradrnn check m17_gradient_regimes`` to grade this file.
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray


def max_derivative(activation: str) -> float:
    """Exercise 17.1 (2 points): gamma, the largest derivative of an activation.

    Args:
        activation: ``"sigmoid"``, ``"tanh"`` or ``"relu"`` (for ReLU, the derivative where
            it exists); any other name raises ``ValueError``.

    Returns:
        The maximum over all real a of act'(a), a float.
    """
    values = {"sigmoid": 0.25, "tanh": 1.0, "relu": 1.0}
    if activation not in values:
        raise ValueError(f"activation must be one of {sorted(values)}, got {activation!r}")
    return values[activation]


def step_jacobian(W: Array, b: Array, h_prev: Array, activation: str) -> Array:
    """Exercise 17.2 (3 points): the Jacobian of one RNN step with respect to the state.

    For h = act(W h_prev + b), the matrix J with J[i, j] = d h[i] / d h_prev[j].

    Args:
        W: (H, H).  b: (H,).  h_prev: (H,).
        activation: ``"sigmoid"`` or ``"tanh"``; any other name raises ``ValueError``.

    Returns:
        J, a numpy array of shape (H, H).
    """
    a = W @ h_prev + b
    if activation == "sigmoid":
        s = 1.0 / (1.0 + np.exp(-a))
        slope = s * (1.0 - s)
    elif activation == "tanh":
        slope = 1.0 - np.tanh(a) ** 2
    else:
        raise ValueError(f"activation must be 'sigmoid' or 'tanh', got {activation!r}")
    return slope[:, None] * W  # diag(act'(a)) W: row i scaled by the slope of unit i


def vanishing_guaranteed(W: Array, activation: str) -> bool:
    """Exercise 17.3 (2 points): does the bound alone prove that the gradient vanishes?

    Args:
        W: (H, H) recurrent matrix.  activation: ``"sigmoid"``, ``"tanh"`` or ``"relu"``.

    Returns:
        True when every step's Jacobian has a norm below 1 whatever the states are, judged
        from gamma and the spectral norm of W alone; False otherwise (then the gradient
        may vanish or explode: the bound cannot tell).
    """
    return bool(max_derivative(activation) * np.linalg.norm(W, 2) < 1.0)


def exploding_sigmoid_rnn(hidden_size: int, seed: int) -> dict[str, Array]:
    """Exercise 17.4 (4 points): a sigmoid RNN whose gradient explodes over 30 steps.

    The course runs h_t = sigmoid(W h_{t-1} + b) from your h0 for 30 steps, with no input,
    and measures the largest singular value of d h_30 / d h_0. It must be at least 1000.
    gamma * ||W||_2 > 1 is necessary; it is not enough if the pre-activations saturate.

    Args:
        hidden_size: H.  seed: make any random choice from it, so the result is repeatable.

    Returns:
        ``{"W": (H, H), "b": (H,), "h0": (H,)}``, numpy arrays of finite numbers.
    """
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((hidden_size, hidden_size)))
    W = 6.0 * Q  # ||W||_2 = 6: gamma * ||W|| = 1.5 per step
    h0 = np.full(hidden_size, 0.5)
    # a fixed point at h = 0.5, where a = W h + b = 0 and sigmoid' = 0.25, its largest
    return {"W": W, "b": -W @ h0, "h0": h0}


def saturating_tanh_rnn(hidden_size: int, seed: int) -> dict[str, Array]:
    """Exercise 17.5 (4 points): a tanh RNN with ||W||_2 >= 2 whose gradient still vanishes.

    The course runs h_t = tanh(W h_{t-1} + b) from your h0 for 30 steps, with no input,
    checks that the spectral norm of W is at least 2 (so gamma * ||W||_2 > 1: the bound
    allows exploding) and measures the largest singular value of d h_30 / d h_0. It must
    be at most 1e-3.

    Args:
        hidden_size: H.  seed: make any random choice from it.

    Returns:
        ``{"W": (H, H), "b": (H,), "h0": (H,)}``, numpy arrays of finite numbers.
    """
    signs = np.random.default_rng(seed).choice([-1.0, 1.0], size=hidden_size)
    # Every unit pushed far into a flat tail (a = 5 s + 3 s = 8 s), where tanh' is about 4e-7,
    # and kept there: h stays near s, so every step multiplies the gradient by about 2e-6.
    return {"W": 5.0 * np.eye(hidden_size), "b": 3.0 * signs, "h0": signs}
