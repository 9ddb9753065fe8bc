"""The course site built on the learner's machine (``microgradrnn docs``), and where its pages are.

The raw pages under ``docs/`` hold placeholders: the exercises, hints, points, figures and
numbers are filled in by the build's hooks. So a pointer to a page must point to the built
site. It is built with mkdocs (the ``docs`` extra) into ``.microgradrnn/site/`` of the
checkout (git-ignored), and rebuilt when any docs source is newer than the last good build.

A stamp file beside the site, written only after a build succeeded, says the site is
complete: a build that failed half-way is never pointed to.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from . import course_source

CACHE = Path(".microgradrnn")
SITE = CACHE / "site"
STAMP = CACHE / "site.built"
# import names of the docs extra (pyproject.toml [project.optional-dependencies] docs)
DOCS_EXTRA = ("mkdocs", "material", "mkdocs_static_i18n", "mkdocstrings_handlers.python", "pymdownx",
              "latex2mathml", "mkdocs_glightbox")
# what the build reads: the pages and hooks, the config, the manifest (exercises and hints) and
# the library (figures, numbers, API reference). Not exercises/: those are the learner's edits.
SOURCES = ("docs", "mkdocs.yml", "tests/exercises/manifest.toml", "microgradrnn")
BUILD_TIMEOUT = 900.0


class DocsError(RuntimeError):
    """The site cannot be built here; the message says why and what to do."""


def is_docs_root(folder: Path) -> bool:
    """Whether ``folder`` is a checkout that can build the site: ``mkdocs.yml`` beside ``docs/``."""
    return (folder / "mkdocs.yml").is_file() and (folder / "docs").is_dir()


def find_docs_root(start: Path | None = None) -> Path | None:
    """The checkout holding the docs sources: ``start`` or a folder above it, else this package's clone."""
    start = (start or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if is_docs_root(folder):
            return folder
    clone = course_source()
    return clone if is_docs_root(clone) else None


def missing_extra() -> list[str]:
    """The docs extra's packages that cannot be imported (by import name)."""
    missing = []
    for name in DOCS_EXTRA:
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            missing.append(name)
    return missing


def install_command(root: Path) -> str:
    """The command that installs the docs extra into the running Python."""
    return f'{Path(sys.executable).name} -m pip install -e "{root}[docs]"'


def _files(root: Path) -> Iterator[Path]:
    for name in SOURCES:
        path = root / name
        if path.is_file():
            yield path
        elif path.is_dir():
            for folder, dirs, files in os.walk(path):
                dirs[:] = [d for d in dirs if d != "__pycache__" and not d.startswith(".")]
                for file in files:
                    if not file.endswith(".pyc"):
                        yield Path(folder) / file


def sources_mtime(root: Path) -> float:
    """The newest modification time among the docs sources of ``root``."""
    return max((p.stat().st_mtime for p in _files(root)), default=0.0)


def is_built(root: Path) -> bool:
    """A complete build exists (it may be older than the sources)."""
    return (root / STAMP).is_file() and (root / SITE).is_dir()


def is_stale(root: Path) -> bool:
    """No complete build, or a docs source changed after it."""
    if not is_built(root):
        return True
    return sources_mtime(root) > (root / STAMP).stat().st_mtime


def build(root: Path, *, quiet: bool = True) -> None:
    """Build the site of ``root`` into ``root/.microgradrnn/site``; raises :class:`DocsError`."""
    missing = missing_extra()
    if missing:
        raise DocsError("missing the docs extra: " + ", ".join(missing))
    (root / CACHE).mkdir(exist_ok=True)
    (root / STAMP).unlink(missing_ok=True)
    argv = [sys.executable, "-m", "mkdocs", "build", "--config-file", str(root / "mkdocs.yml"),
            "--site-dir", str(root / SITE), *(["--quiet"] if quiet else [])]
    try:
        done = subprocess.run(argv, cwd=root, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=BUILD_TIMEOUT)
    except subprocess.TimeoutExpired as err:
        raise DocsError(f"mkdocs took longer than {BUILD_TIMEOUT:g} s") from err
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-15:])
        raise DocsError(f"mkdocs exited with {done.returncode}:\n{tail}")
    (root / STAMP).write_text("built from the docs sources of this checkout\n", encoding="utf-8")


def _directory_urls(root: Path) -> bool:
    try:
        text = (root / "mkdocs.yml").read_text(encoding="utf-8")
    except OSError:
        return True
    return not re.search(r"^use_directory_urls:\s*false\b", text, re.MULTILINE | re.IGNORECASE)


def page_path(root: Path, page: str = "index.md", lang: str = "en") -> Path:
    """Where the built site of ``root`` holds the docs page ``page`` (``modules/08-lstm.md``) in ``lang``.

    The Korean edition lives under ``ko/``; a page it lacks falls back to the English one.
    """
    stem = page.removesuffix(".md")
    if _directory_urls(root) and Path(stem).name != "index":
        rel = f"{stem}/index.html"
    else:
        rel = f"{stem}.html"
    english = root / SITE / rel
    if lang != "en":
        translated = root / SITE / lang / rel
        if translated.is_file() or not english.is_file():
            return translated
    return english


def built_page(root: Path, page: str, lang: str = "en") -> Path | None:
    """The built page, when a complete build holds it."""
    path = page_path(root, page, lang)
    return path if is_built(root) and path.is_file() else None
