"""Part-of-speech tagging: a bidirectional tagger against a left-to-right one.

In the shipped set (``microgradrnn.data.load_pos``) nine words such as "report" and
"book" are nouns in some sentences and verbs in others. Usually the previous word
decides ("the report", "we will report"), but when the word opens the sentence only
the next word can ("Book a table ." vs "Book sales rose ."): a left-to-right tagger has
to guess there, one that also reads right-to-left does not. Over all tokens the gap is
small (ambiguous words are a small share), so accuracy is reported on the ambiguous
words and on those that open a sentence as well.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from microgradrnn.data import AMBIGUOUS_WORDS, POS_TAGS, load_pos, train_test_split
from microgradrnn.experiments.models import Tagger
from microgradrnn.functional import cross_entropy
from microgradrnn.graph import no_grad
from microgradrnn.optim import Adam
from microgradrnn.plot import bar_chart
from microgradrnn.training import Callback, batch_stream, build_vocab, encode, train_step

__all__ = ["TaggerRun", "TaggingResult", "tag", "tagging_experiment", "train_tagger"]

Sentence = tuple[list[str], list[str]]


@dataclass
class TaggerRun:
    """A trained tagger: per-step training losses and test accuracies (fractions in [0, 1]).

    ``accuracy`` is over every test token, ``ambiguous_accuracy`` over the test tokens
    that are one of ``AMBIGUOUS_WORDS``, ``initial_accuracy`` over those that open a sentence.
    """

    bidirectional: bool
    losses: np.ndarray
    accuracy: float
    ambiguous_accuracy: float
    initial_accuracy: float
    n_ambiguous: int
    n_initial: int
    model: Tagger = field(repr=False)
    vocab: dict[str, int] = field(repr=False)


def _words(words: list[str]) -> list[str]:
    # Case is dropped so that a sentence-initial "Book" is the same word as "book":
    # only the context can then tell noun from verb.
    return [w.lower() for w in words]


def tag(model: Tagger, vocab: dict[str, int], words: list[str]) -> list[str]:
    """The tags ``model`` gives to the words of one sentence."""
    with no_grad():
        scores = model(encode(_words(words), vocab)[None, :])
    return [POS_TAGS[k] for k in scores.data[0].argmax(axis=-1)]


def _evaluate(model: Tagger, vocab: dict[str, int], test: list[Sentence]) -> tuple[float, ...]:
    hits = {"all": [], "ambiguous": [], "initial": []}
    for words, tags in test:
        for j, (w, predicted, gold) in enumerate(zip(words, tag(model, vocab, words), tags)):
            ok = predicted == gold
            hits["all"].append(ok)
            if w.lower() in AMBIGUOUS_WORDS:
                hits["ambiguous"].append(ok)
                if j == 0:
                    hits["initial"].append(ok)

    def mean(v: list[bool]) -> float:
        return float(np.mean(v)) if v else float("nan")

    return (mean(hits["all"]), mean(hits["ambiguous"]), mean(hits["initial"]),
            len(hits["ambiguous"]), len(hits["initial"]))


def train_tagger(
    bidirectional: bool = True,
    cell: str = "lstm",
    epochs: int = 12,
    embedding_dim: int = 24,
    hidden_size: int = 24,
    batch_size: int = 16,
    lr: float = 0.02,
    test_fraction: float = 0.25,
    seed: int = 0,
    steps: int | None = None,
    callback: Callback | None = None,
) -> TaggerRun:
    """Train a tagger on the shipped POS set and score it on a held-out part.

    The split depends on ``seed`` only, so a one-directional and a bidirectional run with
    the same seed see the same sentences. Batches hold sentences of equal length (no
    padding); Adam with gradient-norm clipping at 1, cross-entropy per token. With
    ``steps``, training takes exactly that many batches instead of ``epochs`` passes.
    """
    train, test = train_test_split(load_pos(), test_fraction=test_fraction, seed=seed)
    vocab = build_vocab(_words(w) for w, _ in train)
    tag_id = {t: i for i, t in enumerate(POS_TAGS)}
    X = [encode(_words(w), vocab) for w, _ in train]
    Y = [np.array([tag_id[t] for t in tags]) for _, tags in train]
    rng = np.random.default_rng(seed)
    model = Tagger(len(vocab), len(POS_TAGS), embedding_dim, hidden_size, cell=cell,
                   bidirectional=bidirectional, seed=rng)
    opt = Adam(model.parameters(), lr=lr)
    losses: list[float] = []
    for batch in batch_stream([len(x) for x in X], batch_size, rng, epochs, steps):
        scores = model(np.stack([X[i] for i in batch]))
        targets = np.stack([Y[i] for i in batch])
        loss = cross_entropy(scores.reshape(-1, len(POS_TAGS)), targets.reshape(-1))
        train_step(loss, opt, model.parameters(), losses, callback)
    acc, amb, ini, n_amb, n_ini = _evaluate(model, vocab, test)
    return TaggerRun(bidirectional, np.array(losses), acc, amb, ini, n_amb, n_ini, model, vocab)


@dataclass
class TaggingResult:
    """``one``: the left-to-right tagger; ``both``: the bidirectional one (same data, same seed)."""

    one: TaggerRun
    both: TaggerRun

    def chart(self) -> str:
        """SVG: test accuracy (%) of both taggers on all words, ambiguous words, sentence-initial ones."""
        values = {}
        for what, attr in (("all", "accuracy"), ("ambiguous", "ambiguous_accuracy"),
                           ("initial", "initial_accuracy")):
            values[f"{what} \u2192"] = 100 * getattr(self.one, attr)
            values[f"{what} \u2194"] = 100 * getattr(self.both, attr)
        title = "POS tagging, test accuracy: \u2192 left-to-right, \u2194 bidirectional"
        return bar_chart(values, title=title, ylabel="accuracy (%)")


def tagging_experiment(
    cell: str = "lstm",
    epochs: int = 12,
    embedding_dim: int = 24,
    hidden_size: int = 24,
    seed: int = 0,
    callback: Callback | None = None,
) -> TaggingResult:
    """Train a one-directional and a bidirectional tagger alike (see :func:`train_tagger`)."""
    kwargs = dict(cell=cell, epochs=epochs, embedding_dim=embedding_dim, hidden_size=hidden_size,
                  seed=seed, callback=callback)
    return TaggingResult(one=train_tagger(False, **kwargs), both=train_tagger(True, **kwargs))
