"""Module 3 · Tensors (텐서): the perceptron as ``x @ W + b`` and how its gradients flow.

The notes' perceptron multiplies the inputs by weights, adds a bias and applies an
activation ("w곱해서 ... b 더하고"). For a batch of N inputs at once that is one matrix
product and one broadcast addition:

    h = x @ W + b        x (N, I), W (I, O), b (O,) -> h (N, O)

Here you write, in plain numpy, the backward pass the library's Tensor runs for these two
operations. Every function receives the upstream gradient G = d(loss)/d(result), of the
result's shape, and returns the gradient of each input, of that input's shape.

* Exercise 3.1 ``matmul_backward``: the two gradients of ``A @ B``.
* Exercise 3.2 ``unbroadcast``: sum a gradient back to the shape of a broadcast input.
* Exercise 3.3 ``linear_backward``: the three gradients of ``x @ W + b``.
"""

from __future__ import annotations

import numpy as np


def matmul_backward(A: np.ndarray, B: np.ndarray, G: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Exercise 3.1 (5 points): gradients of C = A @ B.

    Given G = dL/dC, the gradient of some loss L with respect to the product, return the
    gradients of L with respect to each factor (the page derives them entry by entry).

    Args:
        A: shape (n, k).
        B: shape (k, m).
        G: the upstream gradient, shape (n, m).

    Returns:
        ``(dA, dB)``: float64 arrays of shapes (n, k) and (k, m).
    """
    # ---- write your code here (1 line) ----
    raise NotImplementedError("exercise 3.1: matmul_backward")


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Exercise 3.2 (6 points): sum ``grad`` back to ``shape``, undoing numpy broadcasting.

    An input of ``shape`` was broadcast to the shape of ``grad`` (by numpy's rules: axes
    added in front, axes of size 1 stretched), as a bias (O,) added to (N, O) or a column
    (N, 1) added to (N, O). Each of its numbers was used in several places, so its
    gradient is the sum of the gradients of all those places. Return that gradient, of
    exactly ``shape``, size-1 axes included.

    The library's ``microgradrnn.tensor.unbroadcast`` is off limits: this is the exercise.

    Args:
        grad: the gradient of the broadcast result, any shape that ``shape`` broadcasts to.
        shape: the shape of the input, e.g. ``(3,)``, ``(4, 1)`` or ``()``.

    Returns:
        float64 array of exactly ``shape``.
    """
    # ---- write your code here (about 8 lines) ----
    raise NotImplementedError("exercise 3.2: unbroadcast")


def linear_backward(
    x: np.ndarray, W: np.ndarray, b: np.ndarray, G: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exercise 3.3 (5 points): gradients of the perceptron layer h = x @ W + b.

    ``x @ W`` is a matrix product, and ``b`` of shape (O,) is broadcast over the N rows of
    the result: your two functions above are the pieces.

    Args:
        x: the inputs, shape (N, I).
        W: the weights, shape (I, O).
        b: the bias, shape (O,).
        G: the upstream gradient dL/dh, shape (N, O).

    Returns:
        ``(dx, dW, db)``: float64 arrays of shapes (N, I), (I, O) and (O,).
    """
    # ---- write your code here (about 2 lines) ----
    raise NotImplementedError("exercise 3.3: linear_backward")
