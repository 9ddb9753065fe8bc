"""Module 16 (challenge): perplexity of a character model (퍼플렉서티).

A language model gives every next character a probability. Its per-token cross-entropy is the
negative log-likelihood (NLL) of the character that came, -ln p(x_t | x_<t); the perplexity is
exp of the mean NLL over the real (unpadded) tokens. A model that guesses uniformly among V
characters has an NLL of ln V at every token, so its perplexity is V: perplexity reads as "as
unsure as a uniform choice among that many characters".

Fill in each function marked 'write your code here', then run
``microgradrnn check m16_perplexity`` to grade this file.
"""

from __future__ import annotations

import math  # noqa: F401

import numpy as np

from microgradrnn.experiments.models import CharLM  # noqa: F401
from microgradrnn.graph import no_grad  # noqa: F401

Array = np.ndarray


def token_nll(logits: Array, targets: Array) -> Array:
    """Exercise 16.1 (4 points): the negative log-likelihood of every target token, stably.

    Args:
        logits: unnormalised scores, shape (B, T, V) (any size; entries may be as large as
            1e4 in magnitude, so exponentiate only what cannot overflow).
        targets: int array of shape (B, T), each in [0, V).

    Returns:
        A float array of shape (B, T): -log softmax(logits[b, t])[targets[b, t]].
    """
    # ---- write your code here (about 4 lines) ----
    raise NotImplementedError("exercise 16.1: token_nll")


def perplexity(nll: Array, mask: Array) -> float:
    """Exercise 16.2 (3 points): exp of the mean NLL over the tokens the mask keeps.

    Args:
        nll: per-token negative log-likelihoods, shape (B, T).
        mask: shape (B, T), 1 (or True) for a real token and 0 for padding; padded entries
            of ``nll`` may hold anything, even inf or nan, and must not count.

    Returns:
        The perplexity, a float. Raises ``ValueError`` when the mask keeps no token.
    """
    # ---- write your code here (about 4 lines) ----
    raise NotImplementedError("exercise 16.2: perplexity")


def bits_per_character(nll: Array, mask: Array) -> float:
    """Exercise 16.3 (2 points): the mean NLL over the kept tokens, in bits instead of nats.

    Args:
        nll, mask: as in ``perplexity``.

    Returns:
        The mean NLL divided by ln 2, a float (log2 of the perplexity).
    """
    # ---- write your code here (about 1 lines) ----
    raise NotImplementedError("exercise 16.3: bits_per_character")


def model_perplexity(state_dict: dict[str, Array], ids: Array, lengths: Array) -> float:
    """Exercise 16.4 (5 points): the perplexity of a character model on padded sequences.

    The model is the library's ``CharLM`` (``microgradrnn.experiments.models``): an
    embedding, one LSTM layer and a linear head, batch first. ``state_dict`` holds its weights
    under the names of ``CharLM.state_dict()``; read the sizes V, E and H from their shapes.
    Each row of ``ids`` is one sequence; row b holds ``lengths[b]`` real characters, then
    padding (any ids). The model reads ids[:, :-1] and predicts ids[:, 1:]: the prediction at
    position t counts when the target, ids[b, t + 1], is a real character.

    Args:
        state_dict: name -> numpy array, as ``CharLM.state_dict()`` returns it.
        ids: int array (B, L).  lengths: int array (B,), each between 2 and L.

    Returns:
        The perplexity over every counted prediction of every row, a float.
    """
    # ---- write your code here (about 9 lines) ----
    raise NotImplementedError("exercise 16.4: model_perplexity")
