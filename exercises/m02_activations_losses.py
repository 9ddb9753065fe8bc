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
    """Exercise 2.1 (5 points): the logistic sigmoid, elementwise, stable for every float.

    The textbook formula, computed as it stands, overflows for x below about -709
    (an exponential larger than the largest float) and numpy warns. Compute the same
    function so that nothing ever overflows (the page shows how): it must run without any
    warning for every float, including +-1000, and match the textbook formula to float
    precision wherever that one is safe.

    Args:
        x: array of any shape (or a number).

    Returns:
        float64 array of the same shape, every value in [0, 1].
    """
    # ---- write your code here (about 3 lines) ----
    raise NotImplementedError("exercise 2.1: stable_sigmoid")


def log_softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    """Exercise 2.2 (5 points): log(softmax(logits)) along ``axis``, stable for large logits.

    The log-probabilities of a softmax over ``axis``, computed without overflow for
    logits of 1000 and without taking the log of a probability that underflowed to 0.
    The page shows the shift that makes this safe.

    Args:
        logits: array of any shape with at least one axis.
        axis: the axis over which the probabilities sum to 1.

    Returns:
        float64 array of the shape of ``logits``; its exponential sums to 1 along ``axis``.
    """
    # ---- write your code here (about 3 lines) ----
    raise NotImplementedError("exercise 2.2: log_softmax")


def cross_entropy(logits: np.ndarray, targets: np.ndarray) -> float:
    """Exercise 2.3 (4 points): the mean cross-entropy loss of a batch.

    For N examples with C classes, the loss of one example is the negative
    log-probability that the softmax of its logits gives its right class. Return the mean
    over the N examples, computed stably (your ``log_softmax`` helps).

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

    The gradient of ``cross_entropy(logits, targets)`` with respect to every logit,
    derived by hand (the page derives it for one example; the loss here is the mean over
    N examples). Compute it stably for logits of 1000, and leave the ``logits`` array you
    were given unchanged.

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

    ``name`` is ``"sigmoid"``, ``"tanh"`` or ``"relu"`` (the page has the three
    derivatives). ReLU's derivative at x = 0 is taken as 0, as PyTorch does. It must run
    without any warning at +-1000.

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
    to ``hi``, both included, and return the point where it is largest and the value
    there (the first such point if several tie).

    This largest value, gamma (1/4 for sigmoid, 1 for tanh and ReLU), is the most the
    activation can pass a gradient on. Through time the gradient is multiplied at every
    step by the activation's derivatives and the recurrent weight matrix W together, so
    gamma alone decides nothing: the gradient is sure to vanish only when
    ||W|| < 1/gamma, and gamma * ||W|| > 1 is needed for it to explode but does not make it
    explode (module 7). A sigmoid RNN with a large enough W explodes too.

    Args:
        name: ``"sigmoid"``, ``"tanh"`` or ``"relu"``.
        lo, hi, num: the grid.

    Returns:
        ``(x_max, d_max)``: two Python floats.
    """
    # ---- write your code here (about 4 lines) ----
    raise NotImplementedError("exercise 2.6: largest_derivative")
