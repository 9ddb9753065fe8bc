"""Tests of module 11: text into numbers."""

from __future__ import annotations

import zlib

import numpy as np
import pytest

from microgradrnn import Tensor, numerical_grad


@pytest.fixture(scope="module")
def m(load_exercise):
    return load_exercise("m11_text_vectorization")


def _str_list(result, what: str) -> list[str]:
    assert isinstance(result, list), f"expected {what} as a list, got {type(result).__name__}"
    assert all(type(t) is str for t in result), f"expected {what} to hold strings, got {result!r}"
    return result


def _int_list(result, what: str) -> list[int]:
    assert isinstance(result, list), f"expected {what} as a list, got {type(result).__name__}"
    assert all(isinstance(i, (int, np.integer)) and not isinstance(i, bool) for i in result), (
        f"expected {what} to hold ints, got {result!r}"
    )
    return [int(i) for i in result]


def _vocab(result) -> dict[str, int]:
    assert type(result) is dict, f"expected the vocabulary as a dict, got {type(result).__name__}"
    return {str(k): int(v) for k, v in result.items()}


def _array(result, what: str) -> np.ndarray:
    assert isinstance(result, np.ndarray), f"expected {what} as a numpy array, got {type(result).__name__}"
    return np.asarray(result, dtype=np.float64)


# -- 11.1 tokenize ------------------------------------------------------------------------


def test_char_tokens_keep_every_character(m):
    got = _str_list(m.tokenize("Hi, you!", level="char"), "the tokens")
    expected = ["H", "i", ",", " ", "y", "o", "u", "!"]
    assert got == expected, f"expected {expected}, got {got}"


def test_word_tokens_lowercase_and_split_on_punctuation(m):
    got = _str_list(m.tokenize("I love eating, don't you?  Pizza-2 times!", level="word"), "the tokens")
    expected = ["i", "love", "eating", "don't", "you", "pizza", "2", "times"]
    assert got == expected, f"expected {expected}, got {got}"
    got = _str_list(m.tokenize("텍스트 벡터화.", level="word"), "the tokens")
    assert got == ["텍스트", "벡터화"], f"expected ['텍스트', '벡터화'], got {got}"


def test_unknown_level_raises_value_error(m):
    with pytest.raises(ValueError):
        m.tokenize("some text", level="sentence")


# -- 11.2 vocabulary ----------------------------------------------------------------------


def test_vocab_special_tokens_first(m):
    vocab = _vocab(m.build_vocab(["x", "y", "x"]))
    got = (vocab.get("<pad>"), vocab.get("<unk>"))
    assert got == (0, 1), f"expected <pad> at 0 and <unk> at 1, got {got}"


def test_vocab_orders_by_frequency_then_alphabet(m):
    tokens = "the cat sat on the mat the cat ate".split()
    # counts: the 3, cat 2, then ate mat on sat once each, by name
    expected = {"<pad>": 0, "<unk>": 1, "the": 2, "cat": 3, "ate": 4, "mat": 5, "on": 6, "sat": 7}
    got = _vocab(m.build_vocab(tokens))
    assert got == expected, f"expected {expected}, got {got}"


def test_vocab_min_freq_drops_rare_tokens(m):
    tokens = "b a c a b d a".split()
    expected = {"<pad>": 0, "<unk>": 1, "a": 2, "b": 3}
    got = _vocab(m.build_vocab(tokens, min_freq=2))
    assert got == expected, f"expected {expected}, got {got}"


def test_vocab_max_size_counts_special_tokens(m):
    tokens = "b a c a b d a".split()
    expected = {"<pad>": 0, "<unk>": 1, "a": 2, "b": 3, "c": 4}
    got = _vocab(m.build_vocab(tokens, max_size=5))
    assert got == expected, f"expected {expected}, got {got}"


# -- 11.3 encode --------------------------------------------------------------------------

VOCAB = {"<pad>": 0, "<unk>": 1, "i": 2, "love": 3, "pizza": 4}


def test_encode_maps_unknown_to_unk(m):
    got = _int_list(m.encode(["i", "love", "sushi", "pizza"], dict(VOCAB)), "the indices")
    assert got == [2, 3, 1, 4], f"expected [2, 3, 1, 4], got {got}"


def test_encode_pads_at_end(m):
    got = _int_list(m.encode(["love", "pizza"], dict(VOCAB), length=5), "the indices")
    assert got == [3, 4, 0, 0, 0], f"expected [3, 4, 0, 0, 0], got {got}"


def test_encode_truncates_at_end(m):
    got = _int_list(m.encode(["i", "love", "love", "pizza"], dict(VOCAB), length=2), "the indices")
    assert got == [2, 3], f"expected [2, 3], got {got}"


# -- 11.4 one-hot -------------------------------------------------------------------------


def test_one_hot_shape_and_positions(m):
    idx = np.array([[0, 3, 1], [2, 2, 4]])
    got = _array(m.one_hot(idx, 5), "the one-hot vectors")
    assert got.shape == (2, 3, 5), f"expected shape (2, 3, 5), got {got.shape}"
    expected = np.eye(5)[idx]
    assert np.array_equal(got, expected), (
        f"expected rows of the 5x5 identity {expected.tolist()}, got {got.tolist()}"
    )


def test_one_hot_out_of_range_raises(m):
    with pytest.raises(ValueError):
        m.one_hot(np.array([0, 5]), 5)
    with pytest.raises(ValueError):
        m.one_hot(np.array([-1, 2]), 5)


# -- 11.5 hashing trick -------------------------------------------------------------------


def _crc_bucket(token: str, n: int) -> int:
    return zlib.crc32(token.encode("utf-8")) % n


def _hash(m, tokens, n):
    result = m.hash_tokens(tokens, n)
    assert isinstance(result, tuple) and len(result) == 2, (
        f"expected a tuple (buckets, collisions), got {type(result).__name__}"
    )
    buckets = _int_list(result[0], "the buckets")
    assert isinstance(result[1], (int, np.integer)), f"expected collisions as an int, got {result[1]!r}"
    return buckets, int(result[1])


def test_hash_uses_crc32_buckets(m):
    tokens = "the report on work was a good report 안녕".split()
    got, _ = _hash(m, tokens, 1000)
    expected = [_crc_bucket(t, 1000) for t in tokens]
    assert got == expected, f"expected zlib.crc32 buckets {expected}, got {got}"


def test_hash_collision_count(m):
    words = [f"word{i}" for i in range(40)]
    tokens = words + words[:10]  # repeats are not collisions
    _, got = _hash(m, tokens, 16)
    by_bucket: dict[int, set[str]] = {}
    for w in words:
        by_bucket.setdefault(_crc_bucket(w, 16), set()).add(w)
    expected = sum(len(ws) - 1 for ws in by_bucket.values())
    assert got == expected, f"expected {expected} colliding tokens in 16 buckets, got {got}"
    _, none = _hash(m, ["a", "a", "a"], 16)
    assert none == 0, f"expected 0 collisions for one repeated token, got {none}"


# -- 11.6 / 11.7 embedding ----------------------------------------------------------------


def _table(seed: int = 0, V: int = 6, D: int = 3) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((V, D))


def test_embedding_forward_returns_rows(m):
    W = _table()
    idx = np.array([[1, 4, 1], [0, 5, 2]])
    got = _array(m.embedding_forward(W, idx), "the embeddings")
    expected = np.eye(6)[idx] @ W  # one-hot times the table
    assert got.shape == (2, 3, 3), f"expected shape (2, 3, 3), got {got.shape}"
    assert np.allclose(got, expected), (
        f"expected {np.round(expected, 4).tolist()}, got {np.round(got, 4).tolist()}"
    )


def test_embedding_backward_adds_repeated_indices(m):
    idx = np.array([2, 0, 2, 2])
    g = np.array([[1.0, 0.0], [0.0, 5.0], [2.0, 1.0], [4.0, -1.0]])
    got = _array(m.embedding_backward(g, idx, 4), "the table gradient")
    expected = np.array([[0.0, 5.0], [0.0, 0.0], [7.0, 0.0], [0.0, 0.0]])
    assert got.shape == (4, 2), f"expected shape (4, 2), got {got.shape}"
    assert np.allclose(got, expected), (
        f"expected row 2 = the sum of its three uses [7, 0], got {got.tolist()} (overwritten, not added?)"
    )


def test_embedding_backward_matches_library_autograd(m):
    W = Tensor(_table(1, V=5, D=4), requires_grad=True)
    idx = np.array([[0, 3, 3], [4, 0, 3]])
    g = np.random.default_rng(2).standard_normal((2, 3, 4))
    W[idx].backward(g)
    got = _array(m.embedding_backward(g, idx, 5), "the table gradient")
    assert np.allclose(got, W.grad), (
        f"expected {np.round(W.grad, 4).tolist()}, got {np.round(got, 4).tolist()}"
    )


def test_embedding_backward_matches_central_differences(m):
    W = Tensor(_table(3, V=4, D=2), requires_grad=True)
    idx = np.array([1, 1, 3, 1, 0])
    g = np.random.default_rng(4).standard_normal((5, 2))
    (expected,) = numerical_grad(lambda w: Tensor((w.data[idx] * g).sum()), [W])
    got = _array(m.embedding_backward(g, idx, 4), "the table gradient")
    assert np.allclose(got, expected, atol=1e-6), (
        f"expected {np.round(expected, 4).tolist()}, got {np.round(got, 4).tolist()}"
    )
