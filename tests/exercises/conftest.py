"""Load the exercise files under test from one folder: the learner's, the solutions, or a submission.

The folder is ``$MICROGRADRNN_TARGET`` when set, else ``solutions/`` of this checkout, so a
plain ``pytest`` proves the reference answers right (``microgradrnn check`` points the
tests at your ``exercises/``). Every exercise test reaches the code under test only through
the ``load_exercise`` fixture, so the same tests grade any folder.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def target_dir() -> Path:
    """The folder whose ``mNN_<topic>.py`` files are being graded."""
    return Path(os.environ.get("MICROGRADRNN_TARGET", ROOT / "solutions")).resolve()


def load_module(name: str) -> ModuleType:
    """Import ``<target>/<name>.py`` under its own name, fresh for each test module."""
    path = target_dir() / f"{name}.py"
    if not path.is_file():
        raise FileNotFoundError(f"{name}.py not found in {path.parent}")
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def load_exercise():
    """``load_exercise("m08_lstm")`` returns the module under test."""
    cache: dict[str, ModuleType] = {}

    def load(name: str) -> ModuleType:
        if name not in cache:
            cache[name] = load_module(name)
        return cache[name]

    return load
