"""A character-level language model over the shipped Shakespeare text, and sampling from it.

The model reads characters and scores the next one at every step (many-to-many); its
loss starts near ln(V) (every character equally likely) and falls as it learns
spelling, then words, then the layout of a play. :func:`sample` generates text one
character at a time, each drawn from softmax(scores / temperature).
"""

from __future__ import annotations

import math
import time

import numpy as np

from microgradrnn.data import load_text
from microgradrnn.demos.result import Result
from microgradrnn.experiments.models import CharLM
from microgradrnn.functional import cross_entropy
from microgradrnn.graph import no_grad
from microgradrnn.optim import Adam
from microgradrnn.training import Callback, as_float, train_step

__all__ = ["sample", "train_charlm", "vocabulary"]


def vocabulary() -> str:
    """The model's characters in id order: every distinct character of the text, sorted."""
    return "".join(sorted(set(load_text())))


def sample(
    model: CharLM,
    chars: str,
    length: int = 300,
    temperature: float = 0.8,
    prompt: str = "\n",
    seed: int | np.random.Generator | None = 0,
) -> str:
    """``prompt`` followed by ``length`` characters drawn from ``model`` one at a time.

    ``chars`` is the vocabulary (character of id i at position i). The scores are divided
    by ``temperature``: below 1 the text is safer and more repetitive, above 1 wilder;
    0 always takes the most likely character. Characters of ``prompt`` outside the
    vocabulary are an error.
    """
    if temperature < 0:
        raise ValueError(f"temperature must be >= 0, got {temperature}")
    index = {c: i for i, c in enumerate(chars)}
    unknown = sorted(set(prompt) - set(index))
    if not prompt or unknown:
        raise ValueError(f"the prompt must be non-empty and use the model's characters; unknown: {unknown}")
    rng = np.random.default_rng(seed)
    out = list(prompt)
    with no_grad():
        scores, state = model(np.array([[index[c] for c in prompt]]))
        last = scores.data[0, -1]
        for _ in range(length):
            if temperature == 0:
                k = int(np.argmax(last))
            else:
                z = last / temperature
                p = np.exp(z - z.max())
                k = int(rng.choice(len(p), p=p / p.sum()))
            out.append(chars[k])
            scores, state = model(np.array([[k]]), state)
            last = scores.data[0, -1]
    return "".join(out)


def _loss(model: CharLM, chunk: np.ndarray) -> object:
    scores, _ = model(chunk[:, :-1])
    return cross_entropy(scores.reshape(-1, scores.shape[-1]), chunk[:, 1:].reshape(-1))


def train_charlm(
    steps: int = 1000,
    seed: int = 0,
    hidden_size: int = 128,
    cell: str = "lstm",
    seq_len: int = 64,
    batch_size: int = 32,
    lr: float = 3e-3,
    temperature: float = 0.8,
    num_samples: int = 3,
    sample_length: int = 300,
    prompt: str = "MACBETH.\n",
    callback: Callback | None = None,
) -> Result:
    """Train a character model on random ``seq_len``-character chunks of the text.

    The last 10% of the text is held out; the validation loss (nats per character) is
    measured on 16 chunks of it. Then ``num_samples`` samples of ``sample_length``
    characters are drawn at ``temperature``, each starting with ``prompt``.
    Inputs (batch_size, seq_len) ids -> scores (batch_size, seq_len, V).
    """
    start = time.perf_counter()
    text = load_text()
    chars = vocabulary()
    unknown = sorted(set(prompt) - set(chars))
    if not prompt or unknown:  # checked now rather than after minutes of training
        raise ValueError(f"the prompt must be non-empty and use the text's characters; unknown: {unknown}")
    if temperature < 0:
        raise ValueError(f"temperature must be >= 0, got {temperature}")
    index = {c: i for i, c in enumerate(chars)}
    data = np.array([index[c] for c in text], dtype=np.int64)
    cut = int(len(data) * 0.9)
    train, valid = data[:cut], data[cut:]
    rng = np.random.default_rng(seed)
    model = CharLM(len(chars), 32, hidden_size, cell=cell, seed=rng)
    opt = Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        starts = rng.integers(0, len(train) - seq_len - 1, size=batch_size)
        loss = _loss(model, np.stack([train[a : a + seq_len + 1] for a in starts]))
        train_step(loss, opt, model.parameters(), losses, callback)
    eval_len = 256
    offsets = np.linspace(0, len(valid) - eval_len - 1, 16).astype(int)
    with no_grad():
        val = as_float(_loss(model, np.stack([valid[a : a + eval_len + 1] for a in offsets])))
    samples = [sample(model, chars, sample_length, temperature, prompt, rng) for _ in range(num_samples)]
    uniform = math.log(len(chars))
    metrics = {"validation_loss": val, "bits_per_char": val / math.log(2), "uniform_loss": uniform,
               "temperature": temperature}
    summary = [
        f"validation loss {val:.3f} nats/char ({val / math.log(2):.2f} bits/char); "
        f"guessing uniformly among {len(chars)} characters: ln {len(chars)} = {uniform:.3f}",
    ]
    return Result("charlm", np.array(losses), metrics, summary, model, samples=samples,
                  seconds=time.perf_counter() - start)
