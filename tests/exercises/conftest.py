"""The judge's side of every exercise test: a ``learner`` handle on the code under test.

The folder under test is ``$MICROGRADRNN_TARGET`` when set, else ``solutions/`` of this
checkout, so a plain ``pytest`` proves the reference answers right (``microgradrnn check``
points the tests at your ``exercises/``; ``microgradrnn grade`` at a submission).

These test files never import the code under test. ``learner.fn(...)`` runs ``fn`` of the
exercise file in a runner process and returns plain data (see
:mod:`microgradrnn.grading.learner`); ``learner.probe("name", ...)`` runs a function of
``probes/<module>.py`` there, for tests that must drive the learner's code (a graph, a
backward pass, a training loop) before anything can come back. Each test then judges what
came back against values it computes itself, here, where submitted code never ran.

The grader sets ``$MICROGRADRNN_RUNNER`` (a JSON object: ``launch`` argv prefix, ``env``,
``python``, ``limits``, ``cwd``, ``uid``) to start the runner inside its sandbox.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from microgradrnn.grading.learner import DEFAULT_TEST_SECONDS, Learner
from microgradrnn.grading.manifest import load_manifest

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
MANIFEST = load_manifest(HERE)


def target_dir() -> Path:
    """The folder whose ``mNN_<topic>.py`` files are being graded."""
    return Path(os.environ.get("MICROGRADRNN_TARGET", ROOT / "solutions")).resolve()


def _module_of(test_file: Path):  # noqa: ANN202 - a manifest Module
    stem = test_file.stem
    for module in MANIFEST:
        if stem == f"test_{module.name}" or stem.startswith(f"test_{module.name}_"):
            return module
    raise LookupError(f"{test_file.name}: no module of the manifest matches this test file's name")


def _probe_files(test_file: Path, module_name: str) -> list[Path]:
    """The course's probes for the module, then those beside a hidden test file."""
    files = [HERE / "probes" / f"{module_name}.py", test_file.parent / "probes" / f"{module_name}.py"]
    return list(dict.fromkeys(p.resolve() for p in files if p.is_file()))


@pytest.fixture(scope="module")
def learner(request):
    """The handle on the exercise file of this test file's module."""
    test_file = Path(str(request.fspath)).resolve()
    module = _module_of(test_file)
    config = json.loads(os.environ.get("MICROGRADRNN_RUNNER", "{}"))
    kwargs = {k: config[k] for k in ("launch", "env", "python", "limits", "cwd", "uid") if k in config}
    handle = Learner(module.name, target_dir(), _probe_files(test_file, module.name), **kwargs)
    handle.manifest_module = module
    yield handle
    handle.close()


@pytest.fixture(autouse=True)
def _one_test_one_limit(request):
    """Give each test its exercise (for the integrity watch) and its own time limit."""
    if "learner" not in request.fixturenames:
        yield
        return
    handle: Learner = request.getfixturevalue("learner")
    exercise = handle.manifest_module.exercise_of(request.node.originalname)
    marker = request.node.get_closest_marker("time_limit")
    seconds = float(marker.args[0]) if marker else float(
        os.environ.get("MICROGRADRNN_TEST_SECONDS", DEFAULT_TEST_SECONDS)
    )
    handle.start_test(exercise.id if exercise else "", list(exercise.off_limits) if exercise else [], seconds)
    yield
    if handle.output:
        request.node.user_properties.append(("learner_output", "".join(handle.output)))
