from __future__ import annotations

from collections import Counter, defaultdict

import numpy as np
import pytest

from microgradrnn import data
from microgradrnn.data import make_pos, make_sentiment


def test_text_is_large_clean_ascii_with_provenance():
    text = data.load_text()
    assert len(text.encode("utf-8")) >= 100_000
    assert text.isascii() and "\r" not in text and "\t" not in text
    assert "<" not in text and "Gutenberg" not in text
    assert all(ch == "\n" or ch.isprintable() for ch in set(text))
    assert text.startswith("MACBETH") and text.endswith("THE END\n")
    readme = (data.text_path().parent / "README.md").read_text(encoding="utf-8")
    for fact in ("public domain", "shakespeare.txt", "pos.tsv", "sentiment.tsv", "MIT"):
        assert fact in readme


def test_unknown_text_name_is_refused():
    with pytest.raises(ValueError, match="available"):
        data.load_text("tolstoy")


def test_sine_waves_shape_range_and_seed():
    w = data.sine_waves(5, 200, seed=1, amp_range=(0.5, 1.0))
    assert w.shape == (5, 200) and w.dtype == np.float64
    peaks = np.abs(w).max(axis=1)
    assert np.all(peaks <= 1.0) and np.all(peaks > 0.45)
    assert np.array_equal(w, data.sine_waves(5, 200, seed=1))
    assert not np.allclose(w, data.sine_waves(5, 200, seed=2))


def test_synthetic_series_components():
    s = data.synthetic_series(240, seed=3, trend=0.05, season_period=12, noise_std=0.2)
    parts = (s.series, s.trend, s.seasonal, s.cycle, s.noise)
    assert all(p.shape == (240,) for p in parts)
    np.testing.assert_allclose(s.series, s.trend + s.seasonal + s.cycle + s.noise)
    np.testing.assert_allclose(np.diff(s.trend), 0.05)
    np.testing.assert_allclose(s.seasonal[12:], s.seasonal[:-12])
    assert abs(s.seasonal[:12].mean()) < 1e-12
    assert 0.15 < s.noise.std() < 0.25
    # The cycle is not locked to a fixed period, unlike the season.
    assert not np.allclose(s.cycle[60:], s.cycle[:-60], atol=0.05)
    again = data.synthetic_series(240, seed=3, trend=0.05, season_period=12, noise_std=0.2)
    assert np.array_equal(s.series, again.series)
    assert not np.allclose(s.series, data.synthetic_series(240, seed=4).series)


def test_adding_problem_markers_targets_and_baseline():
    X, y = data.adding_problem(20_000, 50, seed=0)
    assert X.shape == (20_000, 50, 2) and y.shape == (20_000,)
    assert X.dtype == np.float64 and y.dtype == np.float64
    markers = X[..., 1]
    assert np.all(markers[:, :25].sum(axis=1) == 1)
    assert np.all(markers[:, 25:].sum(axis=1) == 1)
    np.testing.assert_allclose(y, (X[..., 0] * markers).sum(axis=1))
    assert np.all((X[..., 0] >= 0) & (X[..., 0] < 1))
    assert abs(np.mean((y - 1.0) ** 2) - 1 / 6) < 0.005
    assert np.array_equal(X, data.adding_problem(20_000, 50, seed=0)[0])
    assert not np.array_equal(X, data.adding_problem(20_000, 50, seed=1)[0])


def test_adding_problem_rejects_short_sequences():
    with pytest.raises(ValueError, match="T must be"):
        data.adding_problem(4, 1, seed=0)


def test_copy_task_layout():
    X, y = data.copy_task(8, T=5, n_symbols=4, delay=3, seed=0)
    assert X.shape == y.shape == (8, 13) and X.dtype == np.int64
    assert np.array_equal(y[:, 8:], X[:, :5])
    assert np.all((X[:, :5] >= 1) & (X[:, :5] <= 4))
    assert np.all(X[:, 7] == 5) and np.all(X[:, 5:7] == 0) and np.all(X[:, 8:] == 0)
    assert np.all(y[:, :8] == 0)
    assert np.array_equal(X, data.copy_task(8, 5, 4, 3, seed=0)[0])
    assert not np.array_equal(X, data.copy_task(8, 5, 4, 3, seed=1)[0])
    with pytest.raises(ValueError, match="delay"):
        data.copy_task(8, 5, 4, 0, seed=0)


def test_parity():
    X, y = data.parity(64, 9, seed=0)
    assert X.shape == (64, 9, 1) and y.shape == (64,) and y.dtype == np.int64
    assert set(np.unique(X)) <= {0.0, 1.0}
    np.testing.assert_array_equal(y, X[..., 0].sum(axis=1) % 2)
    _, running = data.parity(64, 9, seed=0, running=True)
    assert running.shape == (64, 9)
    np.testing.assert_array_equal(running[:, -1], y)
    assert 0 < y.mean() < 1
    assert not np.array_equal(X, data.parity(64, 9, seed=1)[0])


def test_pos_set_is_well_formed_and_regenerates():
    sentences = data.load_pos()
    assert len(sentences) >= 300
    for words, tags in sentences:
        assert len(words) == len(tags) > 0
        assert set(tags) <= set(data.POS_TAGS)
    regenerated = make_pos.generate()
    assert [(w, t) for w, t in regenerated] == sentences


def test_pos_ambiguous_words_need_right_context():
    by_left: dict[tuple, set[str]] = defaultdict(set)
    by_both: dict[tuple, set[str]] = defaultdict(set)
    tags_of: dict[str, Counter] = defaultdict(Counter)
    for words, tags in data.load_pos():
        lowered = [w.lower() for w in words]
        for i, (w, t) in enumerate(zip(lowered, tags)):
            if w not in data.AMBIGUOUS_WORDS:
                continue
            prev = lowered[i - 1] if i else "<s>"
            nxt = lowered[i + 1] if i + 1 < len(lowered) else "</s>"
            tags_of[w][t] += 1
            by_left[(prev, w)].add(t)
            by_both[(prev, w, nxt)].add(t)
    for w in data.AMBIGUOUS_WORDS:
        assert tags_of[w]["NOUN"] >= 5 and tags_of[w]["VERB"] >= 5, w
        # At the sentence start the left context cannot tell noun from verb...
        assert by_left[("<s>", w)] == {"NOUN", "VERB"}, w
    # ...but the words on both sides always can.
    assert all(len(t) == 1 for t in by_both.values())


def test_sentiment_set_balance_and_negation():
    rows = data.load_sentiment()
    assert len(rows) >= 400
    labels = [label for _, label in rows]
    assert set(labels) == {0, 1} and 0.45 < np.mean(labels) < 0.55
    texts = {text: label for text, label in rows}
    assert len(texts) == len(rows)
    assert all(text == text.lower() and "  " not in text for text in texts)
    negated_pos = [t for t, lab in texts.items() if lab == 1 and " not bad " in f" {t} "]
    plain_neg = [t for t, lab in texts.items() if lab == 0 and " bad " in f" {t} "
                 and " not " not in f" {t} "]
    negated_neg = [t for t, lab in texts.items() if lab == 0 and " not good " in f" {t} "]
    plain_pos = [t for t, lab in texts.items() if lab == 1 and " good " in f" {t} "
                 and " not " not in f" {t} "]
    assert negated_pos and plain_neg and negated_neg and plain_pos
    assert [(t, 1 if lab == "pos" else 0) for lab, t in make_sentiment.generate()] == rows


def test_train_test_split():
    items = list(range(100))
    train, test = data.train_test_split(items, test_fraction=0.25, seed=5)
    assert len(test) == 25 and sorted(train + test) == items
    assert data.train_test_split(items, 0.25, seed=5) == (train, test)
    assert data.train_test_split(items, 0.25, seed=6)[1] != test
    with pytest.raises(ValueError, match="test_fraction"):
        data.train_test_split(items, 1.5)
