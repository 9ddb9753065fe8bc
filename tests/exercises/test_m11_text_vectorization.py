"""Tests of module 11: text into numbers.

The learner's functions take and return plain data (strings, lists, dicts, numpy arrays), so
each test calls them through ``learner`` and judges the answer here: against the library's
embedding and autograd, ``zlib.crc32`` and counts written out in the test.
"""

from __future__ import annotations

import zlib

import numpy as np

from microgradrnn import Tensor, numerical_grad
from microgradrnn.functional import embedding
from microgradrnn.grading.learner import as_array


def _str_list(result, what: str) -> list[str]:
    assert type(result) is list and all(type(t) is str for t in result), (
        f"expected {what} as a list of strings, got {result!r}"[:300]
    )
    return result


def _int_list(result, what: str) -> list[int]:
    assert type(result) is list and all(type(i) is int for i in result), (
        f"expected {what} as a list of ints, got {result!r}"[:300]
    )
    return result


def _vocab(result) -> dict[str, int]:
    assert type(result) is dict and all(type(k) is str and type(v) is int for k, v in result.items()), (
        f"expected the vocabulary as a dict of str -> int, got {result!r}"[:300]
    )
    return result


def _float_array(result, what: str) -> np.ndarray:
    assert isinstance(result, np.ndarray) and result.dtype == np.float64, (
        f"expected {what} as a float64 numpy array, got {getattr(result, 'dtype', type(result).__name__)}"
    )
    return as_array(result, what, "ndarray")


# -- 11.1 tokenize ------------------------------------------------------------------------


def test_char_tokens_keep_every_character(learner):
    got = _str_list(learner.tokenize("Hi, you!", level="char"), "the tokens")
    expected = ["H", "i", ",", " ", "y", "o", "u", "!"]
    assert got == expected, f"expected {expected}, got {got}"


def test_word_tokens_lowercase_and_split_on_punctuation(learner):
    got = _str_list(learner.tokenize("I love eating, don't you?  Pizza-2 times!", level="word"), "the tokens")
    expected = ["i", "love", "eating", "don't", "you", "pizza", "2", "times"]
    assert got == expected, f"expected {expected}, got {got}"
    got = _str_list(learner.tokenize("텍스트 벡터화.", level="word"), "the tokens")
    assert got == ["텍스트", "벡터화"], f"expected ['텍스트', '벡터화'], got {got}"
    got = _str_list(learner.tokenize("snake_case\tand\nTABS", "word"), "the tokens")
    assert got == ["snake_case", "and", "tabs"], f"expected ['snake_case', 'and', 'tabs'], got {got}"


def test_unknown_level_raises_value_error(learner):
    got = _str_list(learner.tokenize("Some text", level="word"), "the tokens")
    assert got == ["some", "text"], f"expected ['some', 'text'] at word level, got {got}"
    # Names before, between and after "char" and "word" in alphabetical order: only an exact
    # match is a level.
    for level in ("bpe", "sentence", "wordpiece", "Char"):
        with learner.raises(ValueError):
            learner.tokenize("some text", level=level)


# -- 11.2 vocabulary ----------------------------------------------------------------------

LETTERS = "b a c a b d a".split()  # a three times, b twice, c and d once


def test_vocab_special_tokens_first(learner):
    vocab = _vocab(learner.build_vocab(["y", "x", "y"]))
    assert vocab == {"<pad>": 0, "<unk>": 1, "y": 2, "x": 3}, (
        f"expected <pad> at 0, <unk> at 1, then y and x, got {vocab}"
    )


def test_vocab_orders_by_frequency_then_alphabet(learner):
    tokens = "the cat sat on the mat the cat ate".split()
    # counts: the 3, cat 2, then ate mat on sat once each, by name
    expected = {"<pad>": 0, "<unk>": 1, "the": 2, "cat": 3, "ate": 4, "mat": 5, "on": 6, "sat": 7}
    got = _vocab(learner.build_vocab(tokens))
    assert got == expected, f"expected {expected}, got {got}"
    got = _vocab(learner.build_vocab(["b", "B", "a", "b", "B", "é", "a", "_"]))
    expected = {"<pad>": 0, "<unk>": 1, "B": 2, "a": 3, "b": 4, "_": 5, "é": 6}  # Python's string order
    assert got == expected, f"expected ties in sorted() order {expected}, got {got}"


def test_vocab_min_freq_drops_rare_tokens(learner):
    expected = {"<pad>": 0, "<unk>": 1, "a": 2, "b": 3}
    got = _vocab(learner.build_vocab(LETTERS, min_freq=2))
    assert got == expected, f"expected only the tokens seen at least twice {expected}, got {got}"
    got = _vocab(learner.build_vocab(LETTERS, min_freq=4))
    assert got == {"<pad>": 0, "<unk>": 1}, f"expected only the special tokens for min_freq=4, got {got}"


def test_vocab_max_size_counts_special_tokens(learner):
    cases = [  # (max_size, min_freq, expected tokens after the two special ones)
        (5, 1, ["a", "b", "c"]),  # 5 places in all: 2 special, then 3 tokens
        (4, 1, ["a", "b"]),
        (3, 1, ["a"]),
        (2, 1, []),  # only the special tokens
        (1, 1, []),
        (10, 1, ["a", "b", "c", "d"]),  # room to spare: nothing is cut
        (5, 2, ["a", "b"]),  # min_freq first, then the cap
    ]
    for max_size, min_freq, tokens in cases:
        expected = {"<pad>": 0, "<unk>": 1, **{t: i + 2 for i, t in enumerate(tokens)}}
        got = _vocab(learner.build_vocab(LETTERS, min_freq=min_freq, max_size=max_size))
        assert got == expected, f"expected {expected} for max_size={max_size}, min_freq={min_freq}, got {got}"
    ties = "d c b a e e".split()  # e twice, then a, b, c, d tied: the cut keeps them by name
    got = _vocab(learner.build_vocab(ties, max_size=5))
    expected = {"<pad>": 0, "<unk>": 1, "e": 2, "a": 3, "b": 4}
    assert got == expected, (
        f"expected the cut to keep tied tokens in alphabetical order {expected}, got {got}"
    )


# -- 11.3 encode --------------------------------------------------------------------------

VOCAB = {"<pad>": 0, "<unk>": 1, "i": 2, "love": 3, "pizza": 4}
ODD = {"<unk>": 7, "<pad>": 9, "i": 2, "love": 3, "pizza": 4}  # special tokens at other places


def test_encode_maps_unknown_to_unk(learner):
    got = _int_list(learner.encode(["i", "love", "sushi", "pizza"], dict(VOCAB)), "the indices")
    assert got == [2, 3, 1, 4], f"expected [2, 3, 1, 4], got {got}"
    got = _int_list(learner.encode(["sushi", "i"], dict(ODD)), "the indices")
    assert got == [7, 2], f"expected the index of <unk> in this vocabulary, [7, 2], got {got}"


def test_encode_pads_at_end(learner):
    got = _int_list(learner.encode(["love", "pizza"], dict(VOCAB), length=5), "the indices")
    assert got == [3, 4, 0, 0, 0], f"expected [3, 4, 0, 0, 0], got {got}"
    got = _int_list(learner.encode(["love", "x"], dict(ODD), length=4), "the indices")
    assert got == [3, 7, 9, 9], f"expected the index of <pad> in this vocabulary, [3, 7, 9, 9], got {got}"
    got = _int_list(learner.encode(["i", "love"], dict(VOCAB), length=2), "the indices")
    assert got == [2, 3], f"expected [2, 3] when the length already fits, got {got}"


def test_encode_truncates_at_end(learner):
    got = _int_list(learner.encode(["i", "love", "love", "pizza"], dict(VOCAB), length=2), "the indices")
    assert got == [2, 3], f"expected [2, 3], got {got}"
    got = _int_list(learner.encode(["i", "love", "pizza"], dict(VOCAB), length=0), "the indices")
    assert got == [], f"expected [] for length 0, got {got}"


# -- 11.4 one-hot -------------------------------------------------------------------------


def test_one_hot_shape_and_positions(learner):
    idx = np.array([[0, 3, 1], [2, 2, 4]])
    got = _float_array(learner.one_hot(idx, 5), "the one-hot vectors")
    expected = np.eye(5)[idx]
    assert got.shape == (2, 3, 5), f"expected shape (2, 3, 5), got {got.shape}"
    assert np.array_equal(got, expected), (
        f"expected rows of the 5x5 identity {expected.tolist()}, got {got.tolist()}"
    )
    got = _float_array(learner.one_hot(np.array([1, 0]), 3), "the one-hot vectors")
    assert np.array_equal(got, [[0, 1, 0], [1, 0, 0]]), f"expected [[0, 1, 0], [1, 0, 0]], got {got.tolist()}"


def test_one_hot_out_of_range_raises(learner):
    got = _float_array(learner.one_hot(np.array([4, 0]), 5), "the one-hot vectors")
    assert np.array_equal(got, np.eye(5)[[4, 0]]), f"expected index 4 of 5 to be valid, got {got.tolist()}"
    with learner.raises(ValueError):
        learner.one_hot(np.array([0, 5]), 5)
    with learner.raises(ValueError):
        learner.one_hot(np.array([-1, 2]), 5)
    with learner.raises(ValueError):
        learner.one_hot(np.array([1, 9]), 5)
    # Valid indices need not include 0.
    got = _float_array(learner.one_hot(np.array([[3], [2]]), 5), "the one-hot vectors")
    assert np.array_equal(got, np.eye(5)[[[3], [2]]]), f"expected rows 3 and 2 of eye(5), got {got.tolist()}"


# -- 11.5 hashing trick -------------------------------------------------------------------


def _crc_bucket(token: str, n: int) -> int:
    return zlib.crc32(token.encode("utf-8")) % n


def _hash(learner, tokens, n):
    result = learner.hash_tokens(tokens, n)
    assert isinstance(result, tuple) and len(result) == 2, (
        f"expected a tuple (buckets, collisions), got {result!r}"[:300]
    )
    buckets = _int_list(result[0], "the buckets")
    assert type(result[1]) is int, f"expected the collision count as an int, got {result[1]!r}"
    return buckets, result[1]


def _colliding_words(n: int) -> tuple[list[str], list[str]]:
    """Distinct words in ``n`` buckets: one bucket of three, one of two, and four alone."""
    by_bucket: dict[int, list[str]] = {}
    for i in range(500):
        by_bucket.setdefault(_crc_bucket(f"w{i}", n), []).append(f"w{i}")
    buckets = list(by_bucket.values())
    three, two = buckets[0][:3], buckets[1][:2]
    alone = [ws[0] for ws in buckets[2:6]]
    return three + two + alone, alone


def test_hash_uses_crc32_buckets(learner):
    tokens = "the report on work was a good report 안녕".split()
    for n in (1000, 7):
        got, _ = _hash(learner, tokens, n)
        expected = [_crc_bucket(t, n) for t in tokens]
        assert got == expected, f"expected zlib.crc32 buckets {expected} of {n}, got {got}"


def test_hash_collision_count(learner):
    words, alone = _colliding_words(16)
    tokens = words + words[:4] + alone  # repeats are not collisions
    _, got = _hash(learner, tokens, 16)
    # tokens, not pairs: the bucket of three adds 2 (not 3 pairs), the bucket of two adds 1
    assert got == 3, (
        f"expected 3 colliding tokens (2 from a bucket of three, 1 from a bucket of two), got {got}"
    )
    _, none = _hash(learner, ["a", "a", "a"], 16)
    assert none == 0, f"expected 0 collisions for one repeated token, got {none}"
    many = [f"word{i}" for i in range(300)]
    _, got = _hash(learner, many + many[::3], 100)
    expected = len(set(many)) - len({_crc_bucket(w, 100) for w in many})
    assert got == expected, f"expected {expected} colliding tokens of 300 words in 100 buckets, got {got}"


# -- 11.6 / 11.7 embedding ----------------------------------------------------------------


def _table(seed: int = 0, V: int = 6, D: int = 3) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((V, D))


def test_embedding_forward_returns_rows(learner):
    W = _table()
    for idx in (np.array([[1, 4, 1], [0, 5, 2]]), np.array([3])):
        got = _float_array(learner.embedding_forward(W, idx), "the embeddings")
        expected = embedding(idx, Tensor(W)).data
        assert got.shape == expected.shape, (
            f"expected shape {expected.shape} for indices {idx.shape}, got {got.shape}"
        )
        assert np.allclose(got, expected), (
            f"expected {np.round(expected, 4).tolist()}, got {np.round(got, 4).tolist()}"
        )


def _library_table_grad(g: np.ndarray, idx: np.ndarray, V: int) -> np.ndarray:
    W = Tensor(np.zeros((V, g.shape[-1])), requires_grad=True)
    (embedding(idx, W) * Tensor(g)).sum().backward()
    return W.grad


def test_embedding_backward_adds_repeated_indices(learner):
    idx = np.array([2, 0, 2, 2])
    g = np.array([[1.0, 0.0], [0.0, 5.0], [2.0, 1.0], [4.0, -1.0]])
    got = _float_array(learner.embedding_backward(g, idx, 4), "the table gradient")
    expected = np.array([[0.0, 5.0], [0.0, 0.0], [7.0, 0.0], [0.0, 0.0]])
    assert got.shape == (4, 2), f"expected shape (4, 2), got {got.shape}"
    assert np.allclose(got, expected), (
        f"expected row 2 = the sum of its three uses [7, 0], got {got.tolist()} (overwritten, not added?)"
    )


def test_embedding_backward_matches_library_autograd(learner):
    idx = np.array([[0, 3, 3], [4, 0, 3]])
    g = np.random.default_rng(2).standard_normal((2, 3, 4))
    got = _float_array(learner.embedding_backward(g, idx, 7), "the table gradient")
    expected = _library_table_grad(g, idx, 7)
    assert got.shape == expected.shape, f"expected shape {expected.shape} (V rows), got {got.shape}"
    assert np.allclose(got, expected), (
        f"expected {np.round(expected, 4).tolist()}, got {np.round(got, 4).tolist()}"
    )


def test_embedding_backward_matches_central_differences(learner):
    W = Tensor(_table(3, V=4, D=2), requires_grad=True)
    idx = np.array([1, 1, 3, 1, 0])
    g = np.random.default_rng(4).standard_normal((5, 2))
    (expected,) = numerical_grad(lambda w: Tensor((w.data[idx] * g).sum()), [W])
    got = _float_array(learner.embedding_backward(g, idx, 4), "the table gradient")
    assert got.shape == expected.shape, f"expected shape {expected.shape}, got {got.shape}"
    assert np.allclose(got, expected, atol=1e-6), (
        f"expected {np.round(expected, 4).tolist()}, got {np.round(got, 4).tolist()}"
    )
