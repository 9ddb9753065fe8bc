"""The ``start`` and ``notebooks`` sub-commands: the course in a folder of the learner's own."""

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

    books = subparsers.add_parser(
        "notebooks",
        help="copy the course's Jupyter notebooks (one per module) into a folder",
        description="Copy the course's notebooks into DIR (existing files are kept). "
        "Open them from the folder where `microgradrnn check` finds your exercises/.",
    )
    books.add_argument("dir", metavar="DIR")
    books.add_argument("--force", action="store_true", help="overwrite notebooks that are already there")
    books.set_defaults(func=run_notebooks)


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


def run_notebooks(args: argparse.Namespace) -> int:
    from . import notebooks

    dest = Path(args.dir)
    if dest.exists() and not dest.is_dir():
        print(f"microgradrnn notebooks: {dest} exists and is not a folder")
        return 2
    written = notebooks(dest, force=args.force)
    print(f"Wrote {len(written)} notebooks to {dest.resolve()}.")
    return 0
