"""Every off-limits name in the manifest names something the library has (a rename would
otherwise quietly lift the ban)."""

from __future__ import annotations

import pytest

from microgradrnn.grading import load_manifest
from microgradrnn.grading.integrity import resolve

NAMES = sorted({name for m in load_manifest() for e in m.exercises for name in e.off_limits})


@pytest.mark.parametrize("name", NAMES)
def test_off_limits_name_resolves(name):
    assert callable(resolve(name)), f"{name} is off limits in the manifest but is not a function or class"
