"""Stubs and solutions stay in step: the stub is the solution with the exercise bodies removed.

For every module with both an ``exercises/`` stub and a ``solutions/`` file, read with ast
(neither is imported): the same public names at the top level, and for every public
function, class and method the same signature (parameters, defaults, annotations,
decorators) and the same docstring. The module docstrings may differ: a stub's also says how
to fill it in and check it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from microgradrnn.grading import load_manifest

MANIFEST = load_manifest()
REPO = MANIFEST.root.parents[1]
PAIRS = [
    pytest.param(REPO / "exercises" / m.filename, REPO / "solutions" / m.filename, id=m.name)
    for m in MANIFEST
    if (REPO / "exercises" / m.filename).is_file() and (REPO / "solutions" / m.filename).is_file()
]

Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


def _public(name: str) -> bool:
    return not name.startswith("_") or (name.startswith("__") and name.endswith("__"))


def _names(tree: ast.Module) -> set[str]:
    """Public names a module defines at the top level (functions, classes, assignments)."""
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
    return {n for n in names if _public(n) and n != "__all__"}


def _signature(node: Definition) -> str:
    decorators = "".join(f"@{ast.unparse(d)} " for d in node.decorator_list)
    if isinstance(node, ast.ClassDef):
        bases = ", ".join(ast.unparse(b) for b in [*node.bases, *node.keywords])
        return f"{decorators}class {node.name}({bases})"
    returns = f" -> {ast.unparse(node.returns)}" if node.returns else ""
    return f"{decorators}def {node.name}({ast.unparse(node.args)}){returns}"


def _definitions(body: list[ast.stmt], prefix: str = "") -> dict[str, Definition]:
    """Every public function, class and method, by dotted name."""
    out: dict[str, Definition] = {}
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and _public(node.name):
            out[prefix + node.name] = node
            if isinstance(node, ast.ClassDef):
                out.update(_definitions(node.body, f"{prefix}{node.name}."))
    return out


def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


@pytest.mark.parametrize(("stub", "solution"), PAIRS)
def test_stub_and_solution_define_the_same_public_names(stub, solution):
    a, b = _names(_parse(stub)), _names(_parse(solution))
    assert a == b, f"{stub.name}: only in the stub: {sorted(a - b)}; only in the solution: {sorted(b - a)}"


@pytest.mark.parametrize(("stub", "solution"), PAIRS)
def test_stub_and_solution_have_the_same_signatures(stub, solution):
    a, b = _definitions(_parse(stub).body), _definitions(_parse(solution).body)
    assert sorted(a) == sorted(b), f"{stub.name}: different functions, classes or methods"
    differ = [
        f"  stub:     {_signature(a[n])}\n  solution: {_signature(b[n])}"
        for n in a
        if _signature(a[n]) != _signature(b[n])
    ]
    assert not differ, f"{stub.name}: signatures differ:\n" + "\n".join(differ)


@pytest.mark.parametrize(("stub", "solution"), PAIRS)
def test_stub_and_solution_have_the_same_docstrings(stub, solution):
    a, b = _definitions(_parse(stub).body), _definitions(_parse(solution).body)
    differ = [
        n
        for n in a
        if n in b and ast.get_docstring(a[n], clean=False) != ast.get_docstring(b[n], clean=False)
    ]
    assert not differ, f"{stub.name}: docstrings differ for {', '.join(differ)}"


def test_the_comparison_sees_a_changed_default_and_a_changed_docstring(tmp_path):
    base = 'def f(x: int, y: int = 1) -> int:\n    """Doc."""\n    return x\n'
    (tmp_path / "a.py").write_text(base)
    (tmp_path / "b.py").write_text(base.replace("y: int = 1", "y: int = 2"))
    (tmp_path / "c.py").write_text(base.replace("Doc.", "Other."))
    sig = {p.stem: _signature(_definitions(_parse(p).body)["f"]) for p in tmp_path.glob("*.py")}
    assert sig["a"] != sig["b"] and sig["a"] == sig["c"]
    doc = {p.stem: ast.get_docstring(_parse(p).body[0]) for p in tmp_path.glob("*.py")}
    assert doc["a"] == doc["b"] != doc["c"]
