"""Module 11: text into numbers (텍스트 벡터화).

A network reads numbers, not words. Text is cut into tokens (characters, words or
n-grams), each token gets an index from a vocabulary, and the index becomes a vector:
a one-hot vector, a hashed one-hot vector when the vocabulary is too big to list
(at the price of collisions, 해시 충돌), or a learned embedding row.

Fill in each function marked 'write your code here', then run
``microgradrnn check m11_text_vectorization`` to grade this file.
"""

from __future__ import annotations

import re  # noqa: F401 (yours to use)
import zlib  # noqa: F401 (yours to use)
from collections import Counter  # noqa: F401 (yours to use)

import numpy as np

PAD, UNK = "<pad>", "<unk>"


def tokenize(text: str, level: str = "word") -> list[str]:
    """Exercise 11.1 (3 points): cut a text into tokens.

    - ``level="char"``: every character is a token, exactly as written (spaces, case and
      punctuation kept): ``"Hi!"`` -> ``["H", "i", "!"]``.
    - ``level="word"``: lowercase the text; a word is a maximal run of word characters
      (the regex class ``\\w``: letters of any script, digits, underscore) and
      apostrophes, and everything else only separates words:
      ``"I love eating, don't you?"`` -> ``["i", "love", "eating", "don't", "you"]``.
    - any other level raises ``ValueError`` naming the level.

    Returns:
        The tokens in their order in the text.
    """
    # ---- write your code here (about 5 lines) ----
    raise NotImplementedError("exercise 11.1: tokenize")


def build_vocab(tokens: list[str], min_freq: int = 1, max_size: int | None = None) -> dict[str, int]:
    """Exercise 11.2 (5 points): a vocabulary, token -> index, in a stable order.

    - Index 0 is ``"<pad>"`` and index 1 is ``"<unk>"``, always.
    - Then every distinct token seen at least ``min_freq`` times, the most frequent first;
      tokens with the same count are in alphabetical order (Python's string order,
      ``sorted``). Indices are 2, 3, 4, ... with no gaps.
    - ``max_size``, when given, caps the total size *including* the two special tokens:
      only the first ``max_size - 2`` tokens of that order are kept (the order decides
      which of several tokens with the same count make the cut). The two special tokens
      are always there, so a ``max_size`` of 2 or less keeps only them.

    Example: ``["b", "a", "c", "a", "b", "d", "a"]`` -> ``{"<pad>": 0, "<unk>": 1,
    "a": 2, "b": 3, "c": 4, "d": 5}`` (a three times, b twice, then c and d by name).

    Returns:
        A dict mapping each kept token to its index.
    """
    # ---- write your code here (about 8 lines) ----
    raise NotImplementedError("exercise 11.2: build_vocab")


def encode(tokens: list[str], vocab: dict[str, int], length: int | None = None) -> list[int]:
    """Exercise 11.3 (3 points): token indices, with unknowns and padding.

    Each token becomes ``vocab[token]``; a token missing from the vocabulary becomes the
    index of ``"<unk>"``. When ``length`` is given the result has exactly that length:
    cut at the end if longer, filled at the end with the index of ``"<pad>"`` if shorter.

    Returns:
        A list of ints.
    """
    # ---- write your code here (about 4 lines) ----
    raise NotImplementedError("exercise 11.3: encode")


def one_hot(indices: np.ndarray, num_classes: int) -> np.ndarray:
    """Exercise 11.4 (3 points): one-hot vectors (원-핫 인코딩).

    Args:
        indices: integers of any shape S, each in ``0 .. num_classes - 1``.
        num_classes: the vocabulary size V.

    Returns:
        A float64 array of shape S + (V,): 1.0 at position ``indices[...]`` of the last
        axis, 0.0 elsewhere. An index outside ``0 .. V-1`` raises ``ValueError``.
    """
    # ---- write your code here (about 4 lines) ----
    raise NotImplementedError("exercise 11.4: one_hot")


def hash_tokens(tokens: list[str], num_buckets: int) -> tuple[list[int], int]:
    """Exercise 11.5 (4 points): the hashing trick (원-핫 해싱), and how many tokens collide.

    Instead of a vocabulary, each token goes to bucket
    ``zlib.crc32(token.encode("utf-8")) % num_buckets``. Use crc32, not Python's
    ``hash()``: ``hash`` of a string changes from one Python process to the next
    (it is salted), so the buckets would not be reproducible.

    The collision count counts *tokens*, not pairs: it is the number of distinct tokens
    minus the number of distinct buckets they fill. A bucket holding k >= 1 distinct
    tokens adds k - 1 (the first of them is not a collision, every further one is): a
    bucket of three distinct tokens adds 2, not the 3 pairs among them. Only distinct
    tokens count: a token repeated in the text never collides with itself.

    Returns:
        ``(buckets, collisions)``: one bucket per token, in order, and the count.
    """
    # ---- write your code here (about 4 lines) ----
    raise NotImplementedError("exercise 11.5: hash_tokens")


def embedding_forward(weight: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """Exercise 11.6 (2 points): look up embedding rows.

    Args:
        weight: the embedding table, shape (V, D): row i is the vector of token i.
        indices: integers of any shape S.

    Returns:
        Shape S + (D,): the row of ``weight`` for every index (the same as multiplying
        the one-hot vectors by ``weight``, without building them).
    """
    # ---- write your code here (about 1 line) ----
    raise NotImplementedError("exercise 11.6: embedding_forward")


def embedding_backward(grad_output: np.ndarray, indices: np.ndarray, num_embeddings: int) -> np.ndarray:
    """Exercise 11.7 (4 points): the gradient of the lookup with respect to the table.

    Args:
        grad_output: dL/d(output), shape S + (D,), the upstream gradient of
            ``embedding_forward(weight, indices)``.
        indices: the same integers of shape S.
        num_embeddings: V, the number of rows of the table.

    Returns:
        dL/dweight, shape (V, D): row i is the *sum* of the upstream gradient rows of
        every position whose index is i (a token used twice gets both contributions);
        rows never looked up are zero.
    """
    # ---- write your code here (about 4 lines) ----
    raise NotImplementedError("exercise 11.7: embedding_backward")
