"""Module 17 (challenge): when gradients explode and when they vanish (기울기 소실/폭발의 조건).

Back-propagating one step of h_t = act(W h_{t-1} + b) multiplies the gradient by the
Jacobian diag(act'(a_t)) W. With gamma the largest value act' can take (a quarter for the
sigmoid, one for tanh), its norm is at most gamma * ||W||_2. So gamma * ||W||_2 < 1
guarantees vanishing, while gamma * ||W||_2 > 1 only makes exploding possible: whether it
happens depends on where the pre-activations a_t sit. Here you find one RNN of each kind;
the course measures the gradient growth of what you return itself, with the library.

Matrices act on column vectors (W h); every state is a vector of H numbers, no batch.

Fill in each function marked 'write your code here', then run
``microgradrnn check m17_gradient_regimes`` to grade this file.
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
    # ---- write your code here (about 4 lines) ----
    raise NotImplementedError("exercise 17.1: max_derivative")


def step_jacobian(W: Array, b: Array, h_prev: Array, activation: str) -> Array:
    """Exercise 17.2 (3 points): the Jacobian of one RNN step with respect to the state.

    For h = act(W h_prev + b), the matrix J with J[i, j] = d h[i] / d h_prev[j].

    Args:
        W: (H, H).  b: (H,).  h_prev: (H,).
        activation: ``"sigmoid"`` or ``"tanh"``; any other name raises ``ValueError``.

    Returns:
        J, a numpy array of shape (H, H).
    """
    # ---- write your code here (about 9 lines) ----
    raise NotImplementedError("exercise 17.2: step_jacobian")


def vanishing_guaranteed(W: Array, activation: str) -> bool:
    """Exercise 17.3 (2 points): does the bound alone prove that the gradient vanishes?

    Args:
        W: (H, H) recurrent matrix.  activation: ``"sigmoid"``, ``"tanh"`` or ``"relu"``.

    Returns:
        True when every step's Jacobian has a norm below 1 whatever the states are, judged
        from gamma and the spectral norm of W alone; False otherwise (then the gradient
        may vanish or explode: the bound cannot tell).
    """
    # ---- write your code here (about 1 lines) ----
    raise NotImplementedError("exercise 17.3: vanishing_guaranteed")


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
    # ---- write your code here (about 6 lines) ----
    raise NotImplementedError("exercise 17.4: exploding_sigmoid_rnn")


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
    # ---- write your code here (about 4 lines) ----
    raise NotImplementedError("exercise 17.5: saturating_tanh_rnn")
