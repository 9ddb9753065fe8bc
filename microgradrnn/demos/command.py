"""``microgradrnn train DEMO``: train one of the demos with a progress bar and save its results."""

from __future__ import annotations

import argparse
import inspect
import sys
from pathlib import Path
from typing import Any

from microgradrnn.demos import DEMOS, run_demo
from microgradrnn.nn import KINDS

__all__ = ["register"]

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
    p.add_argument("--cell", choices=tuple(KINDS), help="recurrent layer: "
                   + ", ".join(f"{name} ({kind.description})" for name, kind in KINDS.items()))
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
