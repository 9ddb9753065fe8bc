"""Module 2 · Activations and losses (활성화 함수와 손실 함수), in numpy.

The library's Tensor already has ``sigmoid``, ``log_softmax`` and friends; here you write
the numpy math behind them and see why it is written that way.

* Exercise 2.1 ``stable_sigmoid``: 1 / (1 + e^-x) without overflow at x = -1000.
* Exercise 2.2 ``log_softmax``: log-probabilities that survive logits of 1000.
* Exercise 2.3 ``cross_entropy``: the loss of a classifier, averaged over a batch.
* Exercise 2.4 ``cross_entropy_backward``: its gradient with respect to the logits.
* Exercise 2.5 ``activation_derivative``: sigmoid', tanh' and relu'.
* Exercise 2.6 ``largest_derivative``: how much each activation can pass a gradient on.
"""

from __future__ import annotations

import numpy as np


def stable_sigmoid(x: np.ndarray) -> np.ndarray:
    """Exercise 2.1 (5 points): the logistic sigmoid 1 / (1 + exp(-x)), elementwise, stable.

    Written as it stands, ``1 / (1 + np.exp(-x))`` overflows for x below about -709
    (exp(-x) is larger than the largest float) and numpy warns. Avoid ever computing exp
    of a large positive number: for x >= 0 use 1 / (1 + exp(-x)), for x < 0 the equal form
    exp(x) / (1 + exp(x)). Both only ever take exp of a number <= 0.

    Must run without any warning for every float, including +-1000.

    Args:
        x: array of any shape (or a number).

    Returns:
        float64 array of the same shape, every value in [0, 1].
    """
    # ---- write your code here (about 3 lines) ----
    raise NotImplementedError("exercise 2.1: stable_sigmoid")


def log_softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    """Exercise 2.2 (5 points): log(softmax(logits)) along ``axis``, stable for large logits.

    softmax(z)_i = exp(z_i) / sum_j exp(z_j), so log softmax(z)_i = z_i - log sum_j exp(z_j).
    exp(1000) overflows; subtract the largest logit m first (it cancels):

        log softmax(z)_i = (z_i - m) - log sum_j exp(z_j - m)

    Now every exp is of a number <= 0 and at least one term of the sum is 1.

    Args:
        logits: array of any shape with at least one axis.
        axis: the axis over which the probabilities sum to 1.

    Returns:
        float64 array of the shape of ``logits``; ``np.exp`` of it sums to 1 along ``axis``.
    """
    # ---- write your code here (about 3 lines) ----
    raise NotImplementedError("exercise 2.2: log_softmax")


def cross_entropy(logits: np.ndarray, targets: np.ndarray) -> float:
    """Exercise 2.3 (4 points): the mean cross-entropy loss of a batch.

    For N examples with C classes, the loss of example n is -log p_n[targets[n]], the
    negative log-probability the model gives the right class (p_n = softmax(logits[n])).
    Return the mean over the N examples. Use your ``log_softmax``.

    A model that knows nothing (all logits equal) scores log(C): with 27 characters,
    log 27 = 3.30 per character.

    Args:
        logits: shape (N, C), unnormalised scores.
        targets: shape (N,), integers in [0, C).

    Returns:
        The loss, a Python float.
    """
    # ---- write your code here (about 2 lines) ----
    raise NotImplementedError("exercise 2.3: cross_entropy")


def cross_entropy_backward(logits: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Exercise 2.4 (6 points): d(mean cross-entropy)/d(logits), without autograd.

    The derivative of -log softmax(z)[k] with respect to z is softmax(z) - onehot(k): push
    up the right class, push down the others in proportion to their probability. The loss
    is a mean over N examples, so each row is divided by N.

    Compute the softmax stably (``np.exp`` of your ``log_softmax``).

    Args:
        logits: shape (N, C).
        targets: shape (N,), integers in [0, C).

    Returns:
        float64 array of shape (N, C); each row sums to 0.
    """
    # ---- write your code here (about 4 lines) ----
    raise NotImplementedError("exercise 2.4: cross_entropy_backward")


def activation_derivative(name: str, x: np.ndarray) -> np.ndarray:
    """Exercise 2.5 (4 points): the derivative of an activation, elementwise.

    ``name`` is ``"sigmoid"``, ``"tanh"`` or ``"relu"``:

    * sigmoid'(x) = s (1 - s) with s = sigmoid(x) (use your ``stable_sigmoid``);
    * tanh'(x) = 1 - tanh(x)^2;
    * relu'(x) = 1 where x > 0, else 0 (0 at x = 0 too, as PyTorch does).

    Args:
        name: which activation.
        x: array of any shape.

    Returns:
        float64 array of the shape of ``x``.

    Raises:
        ValueError: for any other name (the message names it).
    """
    # ---- write your code here (about 8 lines) ----
    raise NotImplementedError("exercise 2.5: activation_derivative")


def largest_derivative(
    name: str, lo: float = -10.0, hi: float = 10.0, num: int = 20001
) -> tuple[float, float]:
    """Exercise 2.6 (3 points): where an activation's derivative is largest, and how large.

    Evaluate ``activation_derivative(name, x)`` on ``num`` evenly spaced points from ``lo``
    to ``hi`` (``np.linspace``) and return the point where it is largest and the value
    there (the first such point if several tie).

    This is the most a gradient can be multiplied by when it passes backward through the
    activation: sigmoid never passes more than a quarter of it, which is one reason
    recurrent networks, which multiply by it at every time step, use tanh.

    Args:
        name: ``"sigmoid"``, ``"tanh"`` or ``"relu"``.
        lo, hi, num: the grid.

    Returns:
        ``(x_max, d_max)``: two Python floats.
    """
    # ---- write your code here (about 4 lines) ----
    raise NotImplementedError("exercise 2.6: largest_derivative")
