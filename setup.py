"""Build step that ships the course in the wheel: the stubs and the tests, never the solutions.

Everything else about the package is in pyproject.toml. In an editable install nothing is
copied: the course is read from the checkout itself.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
# (source folder, glob, destination inside microgradrnn/_course)
COURSE_FILES = [
    ("exercises", "m[0-9][0-9]_*.py", "exercises"),
    ("tests/exercises", "manifest.toml", "tests/exercises"),
    ("tests/exercises", "conftest.py", "tests/exercises"),
    ("tests/exercises", "README.md", "tests/exercises"),
    ("tests/exercises", "test_m[0-9][0-9]_*.py", "tests/exercises"),
    ("tests/exercises/probes", "*.py", "tests/exercises/probes"),
    ("docs/notebooks", "m[0-9][0-9]_*.ipynb", "notebooks"),
]


class BuildWithCourse(build_py):
    def run(self) -> None:
        super().run()
        course = Path(self.build_lib) / "microgradrnn" / "_course"
        for source, pattern, dest in COURSE_FILES:
            for path in sorted((ROOT / source).glob(pattern)):
                target = course / dest / path.name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target)


setup(cmdclass={"build_py": BuildWithCourse})
