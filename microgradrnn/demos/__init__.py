"""Training demos: ``microgradrnn train {charlm,sine,adding,pos,sentiment}``.

Each demo is a function that trains a small model with sensible defaults (a few minutes at
most on two cores), deterministic for a seed, and returns a :class:`Result` (losses,
metrics, the model, samples for charlm). The command line adds a progress bar on stderr
and writes ``loss.svg``, ``metrics.json``, ``model.npz`` (and ``samples.txt`` or
``prediction.svg``) into ``--out`` (default ``./out/<demo>/``).

>>> from microgradrnn.demos import train_sine
>>> result = train_sine(steps=300, seed=0)      # doctest: +SKIP
>>> result.metrics["test_mse"] < result.metrics["baseline_mse"]   # doctest: +SKIP
True
"""

from __future__ import annotations

import argparse
import inspect
import sys
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
from microgradrnn.experiments.models import CELLS

__all__ = [
    "DEMOS",
    "ProgressBar",
    "Result",
    "classify",
    "register",
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

_DESCRIPTIONS = {
    "charlm": "character-level LSTM on Shakespeare; prints samples at --temperature",
    "sine": "predict the next value of sine waves; MSE against repeating the last value",
    "adding": "the adding problem (T=--length); MSE against the 1/6 baseline",
    "pos": "bidirectional part-of-speech tagger; accuracy on the ambiguous words",
    "sentiment": "review sentiment, encoder + linear layer; test accuracy",
}

# Command-line option -> keyword of the demo functions; an option is passed only to the
# demos whose function takes that keyword, and only when given.
_OPTIONS = ("steps", "seed", "hidden_size", "cell", "lr", "batch_size", "temperature", "num_samples",
            "sample_length", "prompt", "length", "epochs")


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


def _command(args: argparse.Namespace) -> int:
    kwargs = {k: getattr(args, k) for k in _OPTIONS if getattr(args, k, None) is not None}
    accepted = inspect.signature(DEMOS[args.demo]).parameters
    ignored = sorted(k for k in kwargs if k not in accepted)
    if ignored:
        print(f"microgradrnn train {args.demo}: ignoring option(s) it does not use: "
              + ", ".join("--" + k.replace("_", "-") for k in ignored), file=sys.stderr)
        kwargs = {k: v for k, v in kwargs.items() if k in accepted}
    out = Path(args.out) if args.out else Path("out") / args.demo
    shown = ", ".join(f"{k}={v!r}" for k, v in kwargs.items()) or "defaults"
    print(f"microgradrnn train {args.demo} ({shown})", file=sys.stderr)
    try:
        result = run_demo(args.demo, out=out, progress=True, **kwargs)
    except ValueError as err:  # a bad option value the parser could not see, e.g. --prompt
        print(f"microgradrnn train {args.demo}: error: {err}", file=sys.stderr)
        return 2
    print(f"{args.demo}: {len(result.losses)} steps in {result.seconds:.1f} s, "
          f"final running loss {result.losses[-50:].mean():.4f}")
    for line in result.summary:
        print(line)
    for i, text in enumerate(result.samples):
        print(f"\n--- sample {i + 1} (temperature {result.metrics.get('temperature', 0):g}) ---\n{text}")
    print(f"\nwrote {out / 'loss.svg'} and the rest of the results into {out}/")
    return 0


def _count(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def register(subparsers: Any) -> None:
    """Add the ``train`` sub-command to the ``microgradrnn`` command."""
    p = subparsers.add_parser(
        "train",
        help="train a small demo model with a progress bar; saves a loss curve",
        description="Train one of the demo models (deterministic for a seed):\n"
        + "\n".join(f"  {k:<10} {v}" for k, v in _DESCRIPTIONS.items()),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("demo", choices=sorted(DEMOS), help="which demo to train")
    p.add_argument("--seed", type=int, metavar="S", help="random seed (default 0); same seed, same run")
    p.add_argument("--steps", type=_count, metavar="N", help="optimisation steps (default: each demo's own)")
    p.add_argument("--hidden", dest="hidden_size", type=_count, metavar="H", help="hidden size")
    p.add_argument("--cell", choices=CELLS, help="recurrent layer: tanh RNN, LSTM or GRU")
    p.add_argument("--lr", type=float, help="Adam's learning rate")
    p.add_argument("--batch-size", type=_count, help="sequences per step")
    p.add_argument("--epochs", type=_count, help="passes over the data (pos, sentiment)")
    p.add_argument("--length", type=_count, help="sequence length (sine, adding)")
    p.add_argument("--temperature", type=float, metavar="T", help="sampling temperature (charlm; 0.8)")
    p.add_argument("--samples", dest="num_samples", type=_count, metavar="K", help="samples (charlm)")
    p.add_argument("--sample-length", type=_count, help="characters per sample (charlm)")
    p.add_argument("--prompt", help="text each sample starts with (charlm)")
    p.add_argument("--out", metavar="DIR", help="output folder (default ./out/<demo>/)")
    p.set_defaults(func=_command)
