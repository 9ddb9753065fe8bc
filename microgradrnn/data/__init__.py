"""Small datasets that ship with the package: nothing is downloaded.

Text and labelled sets are read from files next to this module (their sources
and licences are in ``README.md`` here); sequence tasks are generated from a
seed with a numpy ``Generator``, so the same seed always gives the same arrays.

Shapes use ``n`` for the number of sequences and ``T`` for their length.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np

__all__ = [
    "AMBIGUOUS_WORDS",
    "POS_TAGS",
    "SyntheticSeries",
    "adding_problem",
    "copy_task",
    "load_pos",
    "load_sentiment",
    "load_text",
    "parity",
    "sine_waves",
    "synthetic_series",
    "text_path",
    "train_test_split",
]

_HERE = Path(__file__).resolve().parent
_TEXTS = {"shakespeare": "shakespeare.txt"}

POS_TAGS = ("NOUN", "VERB", "DET", "ADJ", "PRON", "ADP", "ADV", "CONJ", "PRT", "NUM", "PUNCT")
"""Tags used in ``pos.tsv``: the universal tagset, with PUNCT for punctuation."""

AMBIGUOUS_WORDS = ("report", "work", "play", "record", "run", "watch", "book", "call", "test")
"""Words that are nouns in some sentences of ``pos.tsv`` and verbs in others."""

T = TypeVar("T")


def text_path(name: str = "shakespeare") -> Path:
    """Path of a shipped text corpus (``"shakespeare"``: Macbeth and Julius Caesar)."""
    if name not in _TEXTS:
        raise ValueError(f"unknown text {name!r}; available: {sorted(_TEXTS)}")
    return _HERE / _TEXTS[name]


def load_text(name: str = "shakespeare") -> str:
    """The whole corpus as one string (ASCII, ``\\n`` line endings, about 220 KB)."""
    return text_path(name).read_text(encoding="utf-8")


def _check_positive(**values: int) -> None:
    for key, value in values.items():
        if int(value) != value or value < 1:
            raise ValueError(f"{key} must be a positive integer, got {value!r}")


def sine_waves(
    n_series: int,
    length: int,
    seed: int,
    freq_range: tuple[float, float] = (0.02, 0.08),
    amp_range: tuple[float, float] = (0.5, 1.0),
    noise_std: float = 0.0,
) -> np.ndarray:
    """Sine waves with random amplitude, frequency and phase.

    Row ``i`` is ``a_i * sin(2 pi f_i t + phi_i) + noise`` for ``t = 0..length-1``
    with ``f_i`` (cycles per step) uniform in ``freq_range``, ``a_i`` uniform in
    ``amp_range`` and ``phi_i`` uniform in ``[0, 2 pi)``.

    Returns:
        float64 array of shape ``(n_series, length)``.
    """
    _check_positive(n_series=n_series, length=length)
    rng = np.random.default_rng(seed)
    freq = rng.uniform(*freq_range, size=(n_series, 1))
    amp = rng.uniform(*amp_range, size=(n_series, 1))
    phase = rng.uniform(0.0, 2 * np.pi, size=(n_series, 1))
    t = np.arange(length)[None, :]
    waves = amp * np.sin(2 * np.pi * freq * t + phase)
    if noise_std > 0:
        waves = waves + rng.normal(0.0, noise_std, size=waves.shape)
    return waves


@dataclass(frozen=True)
class SyntheticSeries:
    """A series and the four components it is the sum of, each of shape ``(T,)``.

    ``series = trend + seasonal + cycle + noise``: trend (추세), seasonality
    (계절성, fixed period ``season_period``), cycle (주기, slow swings whose
    length wanders around ``cycle_period``) and irregularity (불규칙성, noise).
    """

    series: np.ndarray
    trend: np.ndarray
    seasonal: np.ndarray
    cycle: np.ndarray
    noise: np.ndarray
    season_period: int
    cycle_period: float


def synthetic_series(
    length: int,
    seed: int,
    trend: float = 0.02,
    season_period: int = 12,
    season_amplitude: float = 1.0,
    cycle_period: float = 60.0,
    cycle_amplitude: float = 0.5,
    noise_std: float = 0.2,
    level: float = 0.0,
) -> SyntheticSeries:
    """A series built from trend + seasonality + cycle + noise, for forecasting exercises.

    The trend is the line ``level + trend * t``; the seasonal part repeats every
    ``season_period`` steps exactly (a fixed random shape, zero mean over a
    period); the cycle is a sine whose period drifts by a random walk around
    ``cycle_period`` (so, unlike the season, it is not exactly periodic); the
    noise is Gaussian with standard deviation ``noise_std``.

    Returns:
        a ``SyntheticSeries`` whose arrays all have shape ``(length,)``.
    """
    _check_positive(length=length, season_period=season_period)
    if cycle_period <= 0:
        raise ValueError(f"cycle_period must be positive, got {cycle_period!r}")
    rng = np.random.default_rng(seed)
    t = np.arange(length, dtype=np.float64)
    trend_part = level + trend * t
    # A smooth season: two harmonics with random weights and phases.
    k = np.arange(season_period)
    shape = np.zeros(season_period)
    for harmonic in (1, 2):
        w, phi = rng.normal(), rng.uniform(0, 2 * np.pi)
        shape += w * np.sin(2 * np.pi * harmonic * k / season_period + phi)
    shape -= shape.mean()
    peak = np.abs(shape).max()
    shape = shape / peak if peak > 0 else shape
    seasonal = season_amplitude * shape[np.arange(length) % season_period]
    periods = cycle_period * np.exp(np.cumsum(rng.normal(0.0, 0.05, size=length)))
    periods = np.clip(periods, cycle_period / 2, cycle_period * 2)
    phase = rng.uniform(0, 2 * np.pi) + np.cumsum(2 * np.pi / periods)
    cycle = cycle_amplitude * np.sin(phase)
    noise = rng.normal(0.0, noise_std, size=length)
    return SyntheticSeries(
        series=trend_part + seasonal + cycle + noise,
        trend=trend_part,
        seasonal=seasonal,
        cycle=cycle,
        noise=noise,
        season_period=season_period,
        cycle_period=float(cycle_period),
    )


def adding_problem(n: int, T: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The adding problem of Hochreiter & Schmidhuber (1997).

    Channel 0 of each step holds a value drawn from U(0, 1); channel 1 is a
    marker, 1 at exactly two steps (one in the first half ``[0, T//2)``, one in
    the second half ``[T//2, T)``) and 0 elsewhere. The target is the sum of the
    two marked values. Always predicting 1.0 scores an MSE of 1/6 ≈ 0.167 (the
    variance of a sum of two U(0, 1)), the baseline a model has to beat.

    Returns:
        ``X`` float64 of shape ``(n, T, 2)`` and ``y`` float64 of shape ``(n,)``.
    """
    _check_positive(n=n)
    if T < 2:
        raise ValueError(f"T must be at least 2 (one marker per half), got {T!r}")
    rng = np.random.default_rng(seed)
    values = rng.uniform(0.0, 1.0, size=(n, T))
    half = T // 2
    first = rng.integers(0, half, size=n)
    second = rng.integers(half, T, size=n)
    markers = np.zeros((n, T))
    rows = np.arange(n)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    X = np.stack([values, markers], axis=-1)
    y = values[rows, first] + values[rows, second]
    return X, y


def copy_task(
    n: int, T: int, n_symbols: int, delay: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """The copy-memory task: read ``T`` symbols, wait, then write them back.

    Token ids: 0 is blank, ``1..n_symbols`` are data symbols, ``n_symbols + 1``
    is the "go" marker (so the vocabulary has ``n_symbols + 2`` entries). The
    input is the ``T`` symbols, ``delay - 1`` blanks, the marker, then ``T``
    blanks; the target is ``T + delay`` blanks followed by the ``T`` symbols.
    Guessing blank then uniform symbols gives a cross-entropy of
    ``T * log(n_symbols) / (2T + delay)`` per step.

    Returns:
        ``X`` and ``y``, int64 of shape ``(n, 2 * T + delay)``.
    """
    _check_positive(n=n, T=T, n_symbols=n_symbols, delay=delay)
    rng = np.random.default_rng(seed)
    symbols = rng.integers(1, n_symbols + 1, size=(n, T))
    length = 2 * T + delay
    X = np.zeros((n, length), dtype=np.int64)
    y = np.zeros((n, length), dtype=np.int64)
    X[:, :T] = symbols
    X[:, T + delay - 1] = n_symbols + 1
    y[:, T + delay :] = symbols
    return X, y


def parity(n: int, T: int, seed: int, running: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Random bit strings and their parity (1 when the number of ones is odd).

    Returns:
        ``X`` float64 of shape ``(n, T, 1)`` with entries 0.0 or 1.0, and ``y``
        int64 of shape ``(n,)``, or ``(n, T)`` with the parity of every prefix
        when ``running`` is true.
    """
    _check_positive(n=n, T=T)
    rng = np.random.default_rng(seed)
    bits = rng.integers(0, 2, size=(n, T))
    prefix = np.cumsum(bits, axis=1) % 2
    y = prefix if running else prefix[:, -1]
    return bits[..., None].astype(np.float64), y.astype(np.int64)


def _data_lines(filename: str) -> list[str]:
    text = (_HERE / filename).read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def load_pos() -> list[tuple[list[str], list[str]]]:
    """The part-of-speech set: 456 sentences as ``(words, tags)`` of equal length.

    Tags come from ``POS_TAGS``. The words in ``AMBIGUOUS_WORDS`` are nouns or
    verbs by context; when one opens a sentence only the next word decides
    ("Book a table ." vs "Book sales rose ."). Words keep their case.
    """
    out = []
    for line in _data_lines("pos.tsv"):
        words, tags = (part.split(" ") for part in line.split("\t"))
        out.append((words, tags))
    return out


def load_sentiment() -> list[tuple[str, int]]:
    """The sentiment set: 400 short reviews as ``(text, label)``, label 1 positive, 0 negative.

    Texts are lower case with tokens separated by single spaces.
    """
    out = []
    for line in _data_lines("sentiment.tsv"):
        label, text = line.split("\t")
        out.append((text, 1 if label == "pos" else 0))
    return out


def train_test_split(
    items: Sequence[T], test_fraction: float = 0.2, seed: int = 0
) -> tuple[list[T], list[T]]:
    """Shuffle ``items`` with ``seed`` and split off ``test_fraction`` of them as a test set.

    Returns:
        ``(train, test)`` lists; ``len(test) == round(test_fraction * len(items))``.
    """
    if not 0.0 <= test_fraction <= 1.0:
        raise ValueError(f"test_fraction must be in [0, 1], got {test_fraction!r}")
    order = np.random.default_rng(seed).permutation(len(items))
    n_test = round(test_fraction * len(items))
    test = [items[i] for i in order[:n_test]]
    train = [items[i] for i in order[n_test:]]
    return train, test
