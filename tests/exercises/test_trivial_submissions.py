"""Code that does nothing earns nothing: trivial submissions score 0 points in every module.

Each kind of trivial submission is every stub of ``exercises/`` with the body of each exercise
function (one whose body raises ``NotImplementedError``) replaced by a single ``return``,
signatures and docstrings kept:

* ``none``: ``return None``;
* ``zero``: ``return 0.0``;
* ``nan``: ``return float("nan")``;
* ``first_argument``: returns its first argument unchanged;
* ``equals_everything``: returns an object that claims to equal everything: a float subclass
  whose comparisons are all true, that converts to an array of itself, indexes, iterates
  and calls to itself.

The exercise tests grade each folder in a pytest subprocess (``MICROGRADRNN_TARGET`` pointing
at it, a JUnit XML report read back); a test that passes earns its manifest points, and the
total must be 0 for every module and kind.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from microgradrnn.grading import load_manifest

MANIFEST = load_manifest()
COURSE = MANIFEST.root
REPO = COURSE.parents[1]
STUBS = REPO / "exercises"

KINDS = ("none", "zero", "nan", "first_argument", "equals_everything")

EVERYTHING = '''
class _EqualsEverything(float):
    """Claims to equal, and to be ordered like, anything it is compared with."""

    def __new__(cls):
        return super().__new__(cls, 0.0)

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __lt__ = __le__ = __gt__ = __ge__ = __eq__
    __hash__ = float.__hash__

    def __array__(self, dtype=None, copy=None):
        import numpy

        return numpy.array(self, dtype=object)

    def __getitem__(self, index):
        return self

    def __iter__(self):
        return iter((self, self))

    def __len__(self):
        return 2

    def __call__(self, *args, **kwargs):
        return self

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return self
'''


def _is_exercise(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(
        isinstance(stmt, ast.Raise)
        and stmt.exc is not None
        and "NotImplementedError" in ast.unparse(stmt.exc)
        for stmt in fn.body
    )


def _returned(kind: str, fn: ast.FunctionDef | ast.AsyncFunctionDef, method: bool) -> ast.expr:
    if fn.name == "__init__":
        return ast.Constant(None)
    params = [*fn.args.posonlyargs, *fn.args.args][1 if method else 0 :]
    source = {
        "none": "None",
        "zero": "0.0",
        "nan": "float('nan')",
        "first_argument": params[0].arg if params else "None",
        "equals_everything": "_EqualsEverything()",
    }[kind]
    return ast.parse(source, mode="eval").body


def trivial_source(stub: str, kind: str) -> str:
    """The stub's source with every exercise body replaced by the ``kind`` of trivial return."""
    tree = ast.parse(stub)
    count = 0

    def rewrite(body: list[ast.stmt], method: bool) -> None:
        nonlocal count
        for node in body:
            if isinstance(node, ast.ClassDef):
                rewrite(node.body, True)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _is_exercise(node):
                doc = node.body[:1] if ast.get_docstring(node) is not None else []
                node.body = [*doc, ast.Return(_returned(kind, node, method))]
                count += 1

    rewrite(tree.body, False)
    assert count, "no exercise function (a body raising NotImplementedError) in the stub"
    if kind == "equals_everything":
        at = 0  # after the module docstring and `from __future__` imports, which must come first
        while at < len(tree.body) and (
            (at == 0 and ast.get_docstring(tree) is not None)
            or (isinstance(tree.body[at], ast.ImportFrom) and tree.body[at].module == "__future__")
        ):
            at += 1
        tree.body[at:at] = ast.parse(EVERYTHING).body
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"


def _graded_modules():
    for module in MANIFEST:
        stub, tests = STUBS / module.filename, MANIFEST.test_path(module)
        if not module.exercises or not stub.is_file() or not tests.is_file():
            continue
        yield pytest.param(module, id=module.name)


MODULES = list(_graded_modules())
READY = [p.values[0] for p in MODULES]


def _passed_tests(report: Path) -> dict[str, set[str]]:
    """Test names (parametrization stripped) that passed, by test file stem."""
    passed: dict[str, set[str]] = {}
    failed: set[tuple[str, str]] = set()
    for case in ET.parse(report).getroot().iter("testcase"):
        stem = case.get("classname", "").rsplit(".", 1)[-1]
        name = case.get("name", "").split("[", 1)[0]
        if any(child.tag in ("failure", "error", "skipped") for child in case):
            failed.add((stem, name))
        else:
            passed.setdefault(stem, set()).add(name)
    # A parametrized test earns its points only if every case passes.
    return {stem: {n for n in names if (stem, n) not in failed} for stem, names in passed.items()}


WORKERS = 2  # kinds graded at once; the machine has two cores


def _grade(kind: str, tmp_root: Path) -> dict[str, set[str]]:
    """Write the ``kind`` of trivial submission, grade it with the exercise tests, return what passed."""
    folder = tmp_root / kind
    folder.mkdir(parents=True)
    for module in READY:
        text = (STUBS / module.filename).read_text(encoding="utf-8")
        (folder / module.filename).write_text(trivial_source(text, kind), encoding="utf-8")
    report = tmp_root / f"{kind}.xml"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MICROGRADRNN_")}
    env["MICROGRADRNN_TARGET"] = str(folder)
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-o",
        "addopts=",
        f"--junitxml={report}",
        *(str(MANIFEST.test_path(m)) for m in READY),
    ]
    done = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=1800)
    assert report.is_file(), f"pytest wrote no report (exit {done.returncode}): {done.stderr[-2000:]}"
    return _passed_tests(report)


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict[str, dict[str, set[str]]]:
    """What passed, by kind of trivial submission, then by test file."""
    root = tmp_path_factory.mktemp("trivial")
    with ThreadPoolExecutor(WORKERS) as pool:
        return dict(zip(KINDS, pool.map(lambda kind: _grade(kind, root), KINDS)))


def test_the_rewrite_keeps_signatures_and_returns_the_trivial_value():
    stub = '''"""Doc."""

from __future__ import annotations


def f(x: int, y: int = 2) -> int:
    """Say what."""
    # ---- write your code here ----
    raise NotImplementedError("exercise 0.1: f")


def given(x):
    return x + 1


class C:
    def method(self, a):
        raise NotImplementedError("exercise 0.2: method")
'''
    results = {}
    for kind in KINDS:
        namespace: dict = {}
        exec(compile(trivial_source(stub, kind), "<trivial>", "exec"), namespace)
        assert namespace["given"](1) == 2, f"{kind}: a function that is not an exercise must stay as it was"
        assert namespace["f"].__doc__ == "Say what.", f"{kind}: the docstring must stay"
        results[kind] = (namespace["f"](5), namespace["C"]().method(7))
    assert results["none"] == (None, None) and results["zero"] == (0.0, 0.0)
    assert results["first_argument"] == (5, 7)
    assert all(v != v for v in results["nan"]), f"expected nan, got {results['nan']}"
    weird = results["equals_everything"][0]
    assert weird == 123 and weird == "anything" and weird[0] is weird and len(weird) == 2


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("module", MODULES)
def test_trivial_submission_scores_zero(module, kind, graded):
    passed = graded[kind].get(Path(module.test_filename).stem, set())
    earned = {t.name: t.points for e in module.exercises for t in e.tests if t.name in passed}
    assert not earned, (
        f"{module.name}: a submission whose every function returns {kind.replace('_', ' ')} earns "
        f"{sum(earned.values()):g} points, from "
        + ", ".join(f"{n} ({p:g})" for n, p in sorted(earned.items()))
    )
