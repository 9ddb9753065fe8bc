"""The ``start`` sub-command: lay out the course in a folder of the learner's own."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``start`` to the ``microgradrnn`` command."""
    start = subparsers.add_parser(
        "start",
        help="copy the exercises and the course's tests into a folder of your own",
        description=(
            "Copy the exercise stubs (exercises/) and the course's tests (tests/exercises/) into DIR. "
            "Existing files are kept. Then `cd DIR` and run `microgradrnn check`."
        ),
    )
    start.add_argument("dir", metavar="DIR", help="the folder to create or fill")
    start.add_argument("--force", action="store_true", help="overwrite files that are already there")
    start.set_defaults(func=run_start)


def run_start(args: argparse.Namespace) -> int:
    from . import start

    dest = Path(args.dir)
    if dest.exists() and not dest.is_dir():
        print(f"microgradrnn start: {dest} exists and is not a folder")
        return 2
    written = start(dest, force=args.force)
    kept = "" if args.force else " (files already there were kept)"
    print(f"Wrote {len(written)} files to {dest.resolve()}{kept}.")
    print(f"Next: cd {dest} && microgradrnn check")
    return 0
