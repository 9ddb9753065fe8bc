"""Tests of module 16: perplexity.

The judge computes every reference with the library: log-softmax for the NLL, and its own
character model (built and briefly trained here, on the shipped text) for the perplexity of a
model; the learner receives only the model's weights and the padded sequences.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from microgradrnn import Tensor
from microgradrnn.data import load_text
from microgradrnn.experiments.models import CharLM
from microgradrnn.functional import cross_entropy
from microgradrnn.grading.learner import as_array, as_float
from microgradrnn.graph import no_grad
from microgradrnn.optim import Adam


def _nll(logits: np.ndarray, targets: np.ndarray) -> np.ndarray:
    log_probs = Tensor(logits).log_softmax(axis=-1).data
    return -np.take_along_axis(log_probs, targets[..., None], axis=-1)[..., 0]


def _close(got: float, want: float, what: str, rel: float = 1e-9) -> None:
    assert math.isfinite(got) and abs(got - want) <= rel * abs(want), (
        f"expected {what} {want:.10g}, got {got!r}"
    )


# -- 16.1 per-token NLL --------------------------------------------------------------------


def test_token_nll_matches_library_log_softmax(learner):
    rng = np.random.default_rng(0)
    for B, T, V in ((2, 3, 5), (1, 7, 11)):
        logits, targets = rng.standard_normal((B, T, V)) * 3, rng.integers(0, V, (B, T))
        got = as_array(learner.token_nll(logits, targets), "the NLL", "ndarray")
        want = _nll(logits, targets)
        assert got.shape == want.shape and np.allclose(got, want, atol=1e-12), (
            f"expected NLL {np.round(want.ravel()[:4], 5)}, got {np.round(got.ravel()[:4], 5)}"
        )


def test_token_nll_is_stable_for_huge_logits(learner):
    rng = np.random.default_rng(1)
    logits = rng.standard_normal((2, 4, 6)) * 1e4
    targets = rng.integers(0, 6, (2, 4))
    got = as_array(learner.token_nll(logits, targets), "the NLL", "ndarray")
    want = _nll(logits, targets)
    assert got.shape == want.shape and np.all(np.isfinite(got)), f"expected finite NLLs, got {got[0]}"
    assert np.allclose(got, want, rtol=1e-12, atol=1e-9), (
        f"expected NLL {np.round(want.ravel()[:4], 3)}, got {np.round(got.ravel()[:4], 3)}"
    )


# -- 16.2 perplexity -----------------------------------------------------------------------


def test_perplexity_is_exp_of_mean_nll_over_kept_tokens(learner):
    rng = np.random.default_rng(2)
    nll = rng.uniform(0.5, 3.0, (3, 6))
    mask = np.ones((3, 6), dtype=bool)
    mask[0, 4:], mask[2, 2:] = False, False
    want = math.exp(nll[mask].mean())
    padded = nll.copy()
    padded[~mask] = np.where(rng.random((~mask).sum()) < 0.5, np.inf, np.nan)
    for m in (mask, mask.astype(float)):
        got = as_float(learner.perplexity(padded, m), "the perplexity")
        _close(got, want, "exp(mean NLL over real tokens)")


def test_perplexity_of_a_uniform_guess_is_the_vocabulary_size(learner):
    for V in (7, 65):
        logits = np.zeros((2, 5, V))  # every character equally likely
        nll = _nll(logits, np.zeros((2, 5), dtype=int))
        _close(as_float(learner.perplexity(nll, np.ones((2, 5))), "the perplexity"), float(V),
               f"the perplexity of a uniform guess among V={V}")
    with learner.raises(ValueError):
        learner.perplexity(np.ones((2, 3)), np.zeros((2, 3)))


# -- 16.3 bits per character ---------------------------------------------------------------


def test_bits_per_character_is_mean_nll_in_bits(learner):
    rng = np.random.default_rng(3)
    nll, mask = rng.uniform(0.1, 4.0, (4, 5)), rng.random((4, 5)) < 0.7
    mask[0, 0] = True
    padded = np.where(mask, nll, np.nan)
    want = nll[mask].mean() / math.log(2)
    _close(as_float(learner.bits_per_character(padded, mask), "bits per character"), want, "mean NLL / ln 2")


# -- 16.4 the perplexity of a model --------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _text_ids() -> tuple[np.ndarray, int]:
    text = load_text()[:20_000]
    chars = sorted(set(text))
    return np.array([chars.index(c) for c in text]), len(chars)


@functools.lru_cache(maxsize=1)
def _trained_model() -> CharLM:
    """The judge's model: a small CharLM trained for 30 steps on the shipped text."""
    ids, V = _text_ids()
    model = CharLM(V, 8, 16, seed=4)
    optimizer, rng = Adam(model.parameters(), lr=0.02), np.random.default_rng(5)
    for _ in range(30):
        starts = rng.integers(0, len(ids) - 33, 8)
        chunk = np.stack([ids[s : s + 33] for s in starts])
        scores, _ = model(chunk[:, :-1])
        loss = cross_entropy(scores.reshape(-1, V), chunk[:, 1:].reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model


def _padded_batch(seed: int, V: int) -> tuple[np.ndarray, np.ndarray]:
    ids, _ = _text_ids()
    rng = np.random.default_rng(seed)
    lengths = np.array([24, 9, 17, 2])
    batch = rng.integers(0, V, (4, 24))  # padding: random ids, which must not count
    for b, (start, n) in enumerate(zip(rng.integers(10_000, 19_000, 4), lengths)):
        batch[b, :n] = ids[start : start + n]
    return batch, lengths


def _judge_perplexity(model: CharLM, batch: np.ndarray, lengths: np.ndarray) -> float:
    targets = batch[:, 1:].copy()
    targets[np.arange(targets.shape[1])[None, :] + 1 >= lengths[:, None]] = -100  # ignored
    with no_grad():
        scores, _ = model(batch[:, :-1])
        loss = cross_entropy(scores.reshape(-1, scores.shape[-1]), targets.reshape(-1), ignore_index=-100)
    return math.exp(float(loss.data))


def _state(model: CharLM) -> dict[str, np.ndarray]:
    return {k: v.copy() for k, v in model.state_dict().items()}


def test_model_perplexity_matches_the_judges_evaluation(learner):
    model = _trained_model()
    _, V = _text_ids()
    batch, lengths = _padded_batch(6, V)
    want = _judge_perplexity(model, batch, lengths)
    assert want < 0.8 * V  # the judge's model has learned something: a uniform guess is V
    got = as_float(learner.model_perplexity(_state(model), batch, lengths), "the perplexity")
    _close(got, want, "the perplexity of the judge's model on the real characters")


def test_model_perplexity_of_a_silent_head_is_the_vocabulary_size(learner):
    # A head that outputs 0 for every character is a uniform guess: NLL ln V, perplexity V.
    _, V = _text_ids()
    model = CharLM(V, 8, 16, seed=7)
    model.head.weight.data[:] = 0.0
    model.head.bias.data[:] = 0.0
    batch, lengths = _padded_batch(8, V)
    got = as_float(learner.model_perplexity(_state(model), batch, lengths), "the perplexity")
    _close(got, float(V), f"V = {V} (loss ln V = {math.log(V):.4f})")
    trained = _trained_model()
    want = _judge_perplexity(trained, batch, lengths)
    got = as_float(learner.model_perplexity(_state(trained), batch, lengths), "the perplexity")
    _close(got, want, "the perplexity of the trained model on the same batch")
