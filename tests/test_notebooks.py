"""The course's notebooks: one per module, in step with their sources, stored without outputs,
and run top to bottom against the solutions, each drawing at least one picture."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from microgradrnn.course import start
from microgradrnn.grading import load_manifest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
jupytext = pytest.importorskip("jupytext")

REPO = Path(__file__).resolve().parents[1]
FOLDER = REPO / "docs" / "notebooks"
MODULES = [m for m in load_manifest() if m.exercises]
PICTURES = ("image/svg+xml", "image/png")


def test_one_notebook_per_module():
    assert sorted(p.stem for p in FOLDER.glob("m*.ipynb")) == sorted(m.name for m in MODULES)


@pytest.mark.parametrize("module", MODULES, ids=[m.name for m in MODULES])
def test_notebook_matches_its_source_and_has_no_outputs(module):
    stored = json.loads((FOLDER / f"{module.name}.ipynb").read_text(encoding="utf-8"))
    source = jupytext.read(FOLDER / "src" / f"{module.name}.py")
    cells = [c["source"] if isinstance(c["source"], str) else "".join(c["source"]) for c in stored["cells"]]
    assert cells == [c["source"] for c in source.cells], (
        f"{module.name}.ipynb is out of step with src/{module.name}.py: run `python docs/notebooks/build.py`"
    )
    for cell in stored["cells"]:
        assert not cell.get("outputs") and not cell.get("execution_count"), "store notebooks without outputs"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    """A learner's folder whose exercises are the solutions."""
    folder = tmp_path_factory.mktemp("learner")
    start(folder)
    for path in (REPO / "solutions").glob("m[0-9][0-9]_*.py"):
        shutil.copy(path, folder / "exercises" / path.name)
    return folder


@pytest.mark.parametrize("module", MODULES, ids=[m.name for m in MODULES])
def test_notebook_runs_against_the_solutions(module, workspace):
    nb = nbformat.read(FOLDER / f"{module.name}.ipynb", as_version=4)
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(workspace)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any(k in o.get("data", {}) for o in outputs for k in PICTURES), "expected at least one picture"
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    full = rf"Total\s+{module.points:g}\s*/\s*{module.points:g}\b"
    assert re.search(full, text), f"expected the full scoreboard of {module.name}:\n{text}"
