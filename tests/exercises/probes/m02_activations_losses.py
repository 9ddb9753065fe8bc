"""Probes of module 2: call the learner's function where numpy's warnings are errors.

Overflow, division by zero and invalid values raise ``FloatingPointError``, any other warning
raises as an exception, so a learner's function that warns comes back as that error. The
result goes back as it came; the judge decides whether it is right.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np


def quiet(m: Any, function: str, *args: Any, **kwargs: Any) -> Any:
    """``function(*args, **kwargs)`` of the learner's module, with every warning an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
            return getattr(m, function)(*args, **kwargs)
