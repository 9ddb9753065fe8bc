"""Where the course lives, and laying it out for a learner (``microgradrnn start``).

A clone holds the course at its top level (``exercises/``, ``tests/exercises/``); an
installed wheel holds the same files, without the solutions, in ``microgradrnn/_course``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]


def course_source() -> Path:
    """The folder holding ``exercises/`` and ``tests/exercises/``: the wheel's copy, else the clone."""
    shipped = PACKAGE / "_course"
    if (shipped / "tests" / "exercises" / "manifest.toml").is_file():
        return shipped
    return PACKAGE.parent


def start(dest: str | Path, *, force: bool = False) -> list[Path]:
    """Copy the exercise stubs and the course's tests into ``dest``; return what was written.

    Files already in ``dest`` are kept (a learner's work is never overwritten) unless
    ``force``. ``dest/exercises`` is where the learner writes; ``microgradrnn check`` run
    inside ``dest`` finds both folders.
    """
    source = course_source()
    dest = Path(dest)
    written = []
    for folder, pattern in (("exercises", "m[0-9][0-9]_*.py"), ("tests/exercises", "*.*"),
                            ("tests/exercises/probes", "*.py")):
        for path in sorted((source / folder).glob(pattern)):
            if not path.is_file() or (folder == "tests/exercises" and not _course_test_file(path)):
                continue
            target = dest / folder / path.name
            if target.exists() and not force:
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
            written.append(target)
    return written


def _course_test_file(path: Path) -> bool:
    """The course's own files: not the checks of solutions/ that live beside them in a clone."""
    return path.name in ("manifest.toml", "conftest.py", "README.md") or (
        path.name.startswith("test_m") and path.name[6:8].isdigit()
    )


def notebooks(dest: str | Path, *, force: bool = False) -> list[Path]:
    """Copy the course's notebooks (``mNN_<topic>.ipynb``) into ``dest``; return what was written."""
    source = course_source()
    folder = source / "notebooks" if (source / "notebooks").is_dir() else source / "docs" / "notebooks"
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for path in sorted(folder.glob("m[0-9][0-9]_*.ipynb")):
        target = dest / path.name
        if target.exists() and not force:
            continue
        shutil.copyfile(path, target)
        written.append(target)
    return written
