"""The ``microgradrnn`` command: one sub-command per job, each registered by the module that owns it."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

# Each module exposes ``register(subparsers)``, which adds its sub-commands and sets
# ``func`` on them; ``func(args)`` returns the exit status.
COMMAND_MODULES: tuple[str, ...] = (
    "microgradrnn.grading.commands",  # check, grade
    "microgradrnn.grading.instructor",  # gradescope, grade-all
    "microgradrnn.course.command",  # start, notebooks, docs
    "microgradrnn.draw.command",  # draw
    "microgradrnn.demos.command",  # train
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command registered."""
    parser = argparse.ArgumentParser(
        prog="microgradrnn",
        description="Recurrent neural networks from the ground up: check exercises, grade, read the docs,"
        " draw, train.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``microgradrnn`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except BrokenPipeError:
        # The reader went away (`microgradrnn check | head`): stop quietly, and keep Python's
        # final flush of stdout from raising the same error again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
