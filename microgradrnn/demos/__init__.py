"""Training demos: ``microgradrnn train {charlm,sine,adding,pos,sentiment}``.

Each demo is a function that trains a small model with sensible defaults (a few minutes at
most on two cores), deterministic for a seed, and returns a :class:`Result` (losses,
metrics, the model, samples for charlm). The command line adds a progress bar on stderr
and writes ``loss.svg``, ``metrics.json``, ``model.npz`` (and ``samples.txt`` or
``prediction.svg``) into ``--out`` (default ``./out/<demo>/``); the command itself is in
:mod:`microgradrnn.demos.command`.

>>> from microgradrnn.demos import train_sine
>>> result = train_sine(steps=300, seed=0)      # doctest: +SKIP
>>> result.metrics["test_mse"] < result.metrics["baseline_mse"]   # doctest: +SKIP
True
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

from microgradrnn.demos import pos, sentiment
from microgradrnn.demos.adding import train_adding_demo
from microgradrnn.demos.charlm import sample, train_charlm, vocabulary
from microgradrnn.demos.pos import train_pos
from microgradrnn.demos.progress import ProgressBar
from microgradrnn.demos.result import Result
from microgradrnn.demos.sentiment import classify, train_sentiment
from microgradrnn.demos.sine import train_sine

__all__ = [
    "DEMOS",
    "ProgressBar",
    "Result",
    "classify",
    "run_demo",
    "sample",
    "train_adding_demo",
    "train_charlm",
    "train_pos",
    "train_sentiment",
    "train_sine",
    "vocabulary",
]

DEMOS: dict[str, Callable[..., Result]] = {
    "charlm": train_charlm,
    "sine": train_sine,
    "adding": train_adding_demo,
    "pos": train_pos,
    "sentiment": train_sentiment,
}
"""Demo name -> training function (keyword arguments as documented on each)."""

# Epoch-based demos know how many batches they will take; the others take ``steps``.
_PLANNERS: dict[str, Callable[..., int]] = {"pos": pos.planned_steps, "sentiment": sentiment.planned_steps}

def run_demo(demo: str, out: str | Path | None = None, progress: bool = True, **kwargs: Any) -> Result:
    """Train ``demo`` with ``kwargs`` (a progress bar on stderr), save into ``out`` when given."""
    if demo not in DEMOS:
        raise ValueError(f"unknown demo {demo!r}; choose from {sorted(DEMOS)}")
    fn = DEMOS[demo]
    accepted = inspect.signature(fn).parameters
    unknown = sorted(set(kwargs) - set(accepted))
    if unknown:
        raise TypeError(f"demo {demo!r} takes no option(s) {unknown}")
    bar = None
    if progress:
        args = inspect.signature(fn).bind_partial(**kwargs)
        args.apply_defaults()
        planner = _PLANNERS.get(demo)
        total = planner(**args.arguments) if planner else args.arguments["steps"]
        bar = ProgressBar(total, desc=demo)
        kwargs["callback"] = bar
    result = fn(**kwargs)
    if bar is not None:
        bar.close()
    if out is not None:
        result.save(out)
    return result
