"""Module 5 · Problem types (문제 유형): one RNN, four ways to read and write sequences.

The same cell serves every problem; what changes is where the inputs come in and which
hidden states are turned into outputs:

* many-to-one (classification, forecasting): read the whole sequence, answer once from the
  last hidden state ("I love eating => pizza");
* many-to-many (tagging): answer at every step, e.g. whether "report" or "work" is a noun
  or a verb, which depends on the words before it;
* encoder: read the whole sequence into one fixed-size vector;
* one-to-many (generation): start from one input and feed each output back in as the
  next input.

``RNNWeights`` (given) holds the five parameters of module 4 and runs one step of the cell
and the output layer. Batches are rows: ``xs`` has shape (T, B, I), ``xs[t]`` is step t.

* Exercise 5.1 ``many_to_one``
* Exercise 5.2 ``tag_each_step``
* Exercise 5.3 ``encode``
* Exercise 5.4 ``generate``
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from microgradrnn import Tensor, no_grad, stack  # noqa: F401 (for your code)


@dataclass
class RNNWeights:
    """The five parameters of an RNN (given: you do not need to change it).

    Shapes: ``W_ax`` (H, I), ``W_aa`` (H, H), ``b_a`` (H,), ``W_ya`` (O, H), ``b_y`` (O,).
    """

    W_ax: Tensor
    W_aa: Tensor
    b_a: Tensor
    W_ya: Tensor
    b_y: Tensor

    @property
    def hidden_size(self) -> int:
        return self.W_aa.shape[0]

    def step(self, x: Tensor, a: Tensor) -> Tensor:
        """One step of the cell: a<t> = tanh(a<t-1> @ W_aa.T + x<t> @ W_ax.T + b_a), shape (B, H)."""
        return (a @ self.W_aa.T + x @ self.W_ax.T + self.b_a).tanh()

    def head(self, a: Tensor) -> Tensor:
        """The output layer without its softmax: logits = a @ W_ya.T + b_y, shape (B, O)."""
        return a @ self.W_ya.T + self.b_y

    def zeros(self, batch: int) -> Tensor:
        """The initial hidden state a<0> = 0, shape (batch, H)."""
        return Tensor(np.zeros((batch, self.hidden_size)))

    @classmethod
    def random(cls, input_size: int, hidden_size: int, output_size: int, seed: int = 0) -> RNNWeights:
        """Small random weights (requires_grad=True), the same for the same seed."""
        rng = np.random.default_rng(seed)
        shapes = [(hidden_size, input_size), (hidden_size, hidden_size), (hidden_size,)]
        shapes += [(output_size, hidden_size), (output_size,)]
        return cls(*(Tensor(rng.standard_normal(s) * 0.5, requires_grad=True) for s in shapes))


def many_to_one(w: RNNWeights, xs: Tensor) -> Tensor:
    """Exercise 5.1 (5 points): read a whole sequence, answer once.

    Run the cell over ``xs[0]``, ..., ``xs[T-1]`` from a zero state (``w.zeros(B)``), then
    apply the output layer ``w.head`` to the *last* hidden state only. This is the
    sentiment classifier, and "I love eating => pizza": the answer may depend on every
    word, and comes after the last one.

    Args:
        w: the weights.
        xs: the inputs, shape (T, B, I).

    Returns:
        The logits, a Tensor of shape (B, O).
    """
    # ---- solution ----
    a = w.zeros(xs.shape[1])
    for t in range(xs.shape[0]):
        a = w.step(xs[t], a)
    return w.head(a)
    # ---- end of solution ----


def tag_each_step(w: RNNWeights, xs: Tensor) -> Tensor:
    """Exercise 5.2 (6 points): one answer per input (many-to-many, as in tagging).

    Run the cell from a zero state and apply ``w.head`` to the hidden state of *every*
    step, so output t can use inputs 0..t, never a later one: "I will report" and "the
    report" get different tags for "report" because of the words before it.

    Args:
        w: the weights.
        xs: the inputs, shape (T, B, I).

    Returns:
        The logits of every step, a Tensor of shape (T, B, O) (use ``stack``).
    """
    # ---- solution ----
    a, outputs = w.zeros(xs.shape[1]), []
    for t in range(xs.shape[0]):
        a = w.step(xs[t], a)
        outputs.append(w.head(a))
    return stack(outputs, axis=0)
    # ---- end of solution ----


def encode(w: RNNWeights, xs: Tensor, lengths: list[int]) -> Tensor:
    """Exercise 5.3 (6 points): a batch of sequences of different lengths into fixed vectors.

    The encoder of the notes reads all the words and keeps one fixed-size vector. In a
    batch, shorter sequences are padded at the end to the longest length T, so sequence b
    is really only ``xs[:lengths[b], b]``. Its vector must be the hidden state after its
    own last real step (step ``lengths[b] - 1``), untouched by the padding after it.

    Run the cell from a zero state over all T steps and return, for each sequence b, its
    state after step ``lengths[b] - 1``, as one Tensor that back-propagates into the
    weights (and into nothing of the padding).

    Args:
        w: the weights.
        xs: the padded inputs, shape (T, B, I).
        lengths: B integers, 1 <= lengths[b] <= T.

    Returns:
        A Tensor of shape (B, H).
    """
    # ---- solution ----
    a, states = w.zeros(xs.shape[1]), []
    for t in range(xs.shape[0]):
        a = w.step(xs[t], a)
        states.append(a)
    last = np.asarray(lengths) - 1
    return stack(states, axis=0)[last, np.arange(len(last))]
    # ---- end of solution ----


def generate(w: RNNWeights, start: int, steps: int, seed: int | None = None) -> list[int]:
    """Exercise 5.4 (7 points): one input, many outputs, each fed back as the next input.

    The inputs and the outputs are the same V tokens (so I = O = V). Start from token
    ``start`` and a zero state (``w.zeros(1)``). At each of ``steps`` steps, run one step of
    the cell and the output layer, choose the next token, record it, and feed that token
    back in as the next input. A token goes in as its one-hot row, shape (1, V).

    Choosing: with ``seed=None`` take the most likely token (greedy decoding); with an
    int seed draw it from the softmax of the logits, using one
    ``np.random.default_rng(seed)`` for the whole sequence, so the same seed gives the
    same tokens. Nothing is trained here, so no graph needs to be kept (``no_grad``).

    Args:
        w: the weights, with ``W_ax`` of shape (H, V) and ``W_ya`` of shape (V, H).
        start: the first input token, 0 <= start < V.
        steps: how many tokens to generate.
        seed: None for greedy decoding, an int for reproducible sampling.

    Returns:
        The ``steps`` generated tokens, a list of Python ints.
    """
    # ---- solution ----
    V = w.W_ya.shape[0]
    rng = None if seed is None else np.random.default_rng(seed)
    tokens, token, a = [], start, w.zeros(1)
    with no_grad():
        for _ in range(steps):
            a = w.step(Tensor(np.eye(V)[[token]]), a)
            logits = w.head(a)
            if rng is None:
                token = int(np.argmax(logits.data[0]))
            else:
                token = int(rng.choice(V, p=logits.softmax(axis=-1).data[0]))
            tokens.append(token)
    return tokens
    # ---- end of solution ----
