"""The ``start``, ``notebooks`` and ``docs`` sub-commands: the course in a folder of the learner's own."""

from __future__ import annotations

import argparse
import sys
import webbrowser
from pathlib import Path

DOCS_EPILOG = """The site is built with mkdocs (the docs extra) into .microgradrnn/site/ of the checkout,
when it is missing or older than the docs sources; building takes a minute or two.

exit status:
  0  the page exists (and was opened, with --open)
  1  the site could not be built here (no docs sources, the docs extra missing, a failed build)
  2  the command was used wrongly (no such module)"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``start``, ``notebooks`` and ``docs`` to the ``microgradrnn`` command."""
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

    docs = subparsers.add_parser(
        "docs",
        help="build the course site on this machine and print (or open) a module's page",
        description="Build the course site (only when it is missing or out of date) and print the local "
        "address of MODULE's page, or of the home page. The built page holds what the raw docs/*.md "
        "files leave to the build: the exercises, hints, points, figures and numbers.",
        epilog=DOCS_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    docs.add_argument("module", nargs="?",
                      help="a module number (8) or name (m08_lstm); default: the home page")
    docs.add_argument("--open", action="store_true", help="open the page in the web browser too")
    docs.add_argument("--lang", choices=("en", "ko"),
                      help="the edition: en or ko (default: ko when the locale is Korean, else en)")
    docs.set_defaults(func=run_docs)


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


def run_docs(args: argparse.Namespace) -> int:
    """``microgradrnn docs``: 0 the page exists, 1 the site cannot be built here, 2 bad usage."""
    from ..grading.manifest import ManifestError, load_manifest
    from ..grading.messages import choose_language, say
    from . import site

    lang = choose_language(args.lang)
    err = sys.stderr
    root = site.find_docs_root()
    if root is None:
        print(say(lang, "microgradrnn docs: no docs/ and mkdocs.yml here or above, nor in the checkout this "
                        "package was installed from. The notebooks hold the same pages: `microgradrnn "
                        "notebooks DIR` copies them."), file=err)
        return 1
    page = "index.md"
    if args.module is not None:
        try:
            page = load_manifest(root / "tests" / "exercises").module(args.module).page
        except (KeyError, ManifestError) as error:
            print(say(lang, "microgradrnn docs: {error}", error=error.args[0]), file=err)
            return 2
    if site.is_stale(root):
        missing = site.missing_extra()
        if missing:
            print(say(lang, "microgradrnn docs: building the site needs the docs extra (missing: {missing}). "
                            "Install it with:", missing=", ".join(missing)), file=err)
            print(f"  {site.install_command(root)}", file=err)
            return 1
        print(say(lang, "Building the site into {path} (a minute or two) …", path=root / site.SITE),
              file=err, flush=True)
        try:
            site.build(root)
        except site.DocsError as error:
            print(say(lang, "microgradrnn docs: {error}", error=error), file=err)
            return 1
    path = site.page_path(root, page, lang)
    if not path.is_file():
        print(say(lang, "microgradrnn docs: the build did not write {path}", path=path), file=err)
        return 1
    url = path.as_uri()
    print(url)
    if args.open:
        print(say(lang, "Opening {url}", url=url), file=err)
        webbrowser.open(url)
    return 0
