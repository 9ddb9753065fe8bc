"""A second, different set of mistakes for the course: the slips a learner makes that
cosmic-ray's operators do not plant (see ``mutation.py`` for those).

    python benchmarks/slips.py [--modules 8 9] [--workers 2]

Each slip is made in one place inside a learner's answer (``mutation.answer_lines``) of
``solutions/mNN_*.py``, and that module's exercise tests are run against the changed copy:

* ``+=`` made ``=`` (a gradient that replaces instead of accumulating);
* a transpose dropped (``W.T`` -> ``W``);
* one activation for another (``tanh`` <-> ``sigmoid``, ``relu`` -> ``tanh``, ``exp`` -> ``tanh``);
* the first two positional arguments of a call swapped (not of ``min``, ``max`` and the like);
* a reduction over another axis (``axis=k`` -> ``axis=0``, or ``-1`` when k is 0) or
  ``keepdims`` flipped;
* a call such as ``.detach()``, ``.copy()`` or ``reversed(...)`` left out;
* a loop that runs one step too few (``range(n)`` -> ``range(n - 1)``, ``range(a, b)`` ->
  ``range(a + 1, b)``).

Prints killed / made per module and every slip that survived. A slip recorded in
``tests/exercises/equivalent_mutants.toml`` under operator ``slip/<kind>`` is counted apart.
Slow (a test run per slip); never a test.
"""

from __future__ import annotations

import argparse
import ast
import copy
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mutation import REPO, answer_lines, equivalents  # noqa: E402

SWAPS = {"tanh": "sigmoid", "sigmoid": "tanh", "relu": "tanh", "exp": "tanh"}
DROPPABLE = {"detach", "copy", "clone"}
SYMMETRIC = {"min", "max", "maximum", "minimum", "add", "multiply"}  # swapping their arguments is no slip


def slips(tree: ast.AST, lines: set[int]) -> Iterator[tuple[str, ast.AST, ast.AST]]:
    """(kind, node, replacement) for every slip inside ``lines``."""
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) not in lines:
            continue
        if isinstance(node, ast.AugAssign):
            yield "augassign", node, ast.Assign(targets=[node.target], value=node.value, lineno=node.lineno)
        elif isinstance(node, ast.Attribute) and node.attr == "T" and isinstance(node.ctx, ast.Load):
            yield "transpose", node, node.value
        elif isinstance(node, ast.Call):
            fn = node.func
            name = fn.attr if isinstance(fn, ast.Attribute) else fn.id if isinstance(fn, ast.Name) else None
            if name in SWAPS:
                other = copy.deepcopy(node)
                if isinstance(other.func, ast.Attribute):
                    other.func.attr = SWAPS[name]
                else:
                    other.func.id = SWAPS[name]
                yield "activation", node, other
            if isinstance(fn, ast.Attribute) and name in DROPPABLE and not node.args:
                yield "dropped-call", node, fn.value
            if name == "reversed" and len(node.args) == 1:
                yield "dropped-call", node, node.args[0]
            if name == "range" and node.args:  # a loop bound off by one: one step too few
                other = copy.deepcopy(node)
                if len(node.args) == 1:
                    other.args[0] = ast.BinOp(node.args[0], ast.Sub(), ast.Constant(1))
                else:
                    other.args[0] = ast.BinOp(node.args[0], ast.Add(), ast.Constant(1))
                yield "range-bound", node, other
            if (len(node.args) >= 2 and name not in SYMMETRIC
                    and not any(isinstance(a, ast.Starred) for a in node.args[:2])):
                other = copy.deepcopy(node)
                other.args[0], other.args[1] = other.args[1], other.args[0]
                if ast.unparse(other) != ast.unparse(node):
                    yield "swapped-args", node, other
            for i, kw in enumerate(node.keywords):
                if kw.arg in ("axis", "dim") and isinstance(kw.value, (ast.Constant, ast.UnaryOp)):
                    value = ast.literal_eval(kw.value)
                    if isinstance(value, int):
                        other = copy.deepcopy(node)
                        other.keywords[i].value = ast.Constant(0 if value != 0 else -1)
                        yield "axis", node, other
                if kw.arg in ("keepdims", "keepdim") and isinstance(kw.value, ast.Constant):
                    other = copy.deepcopy(node)
                    other.keywords[i].value = ast.Constant(not kw.value.value)
                    yield "keepdims", node, other


def apply(source: str, node: ast.AST, replacement: ast.AST) -> str:
    """``source`` with ``node``'s text replaced by ``replacement`` (the rest untouched)."""
    lines = source.splitlines(keepends=True)
    start = sum(len(x) for x in lines[: node.lineno - 1]) + len(
        lines[node.lineno - 1].encode()[: node.col_offset].decode())
    end = sum(len(x) for x in lines[: node.end_lineno - 1]) + len(
        lines[node.end_lineno - 1].encode()[: node.end_col_offset].decode())
    text = ast.unparse(replacement)
    atoms = (ast.Name, ast.Attribute, ast.Call, ast.Subscript, ast.Constant)
    if isinstance(replacement, ast.expr) and not isinstance(replacement, atoms):
        text = f"({text})"
    return source[:start] + text + source[end:]


def run_module(path: Path, known: dict, workers: int) -> tuple[int, int, int, list[str]]:
    """(made, killed, equivalent, survivors) for one solution file."""
    source = path.read_text(encoding="utf-8")
    lines = answer_lines(path) or set(range(1, source.count("\n") + 2))
    made = list(slips(ast.parse(source), lines))
    test = REPO / "tests" / "exercises" / f"test_{path.stem}.py"
    relative = f"solutions/{path.name}"

    def one(item: tuple[str, ast.AST, ast.AST]) -> tuple[str, str, bool]:
        kind, node, replacement = item
        code = source.splitlines()[node.lineno - 1].strip()
        before, after = ast.unparse(node)[:70], ast.unparse(replacement)[:70]
        where = f"{relative}:{node.lineno} {kind}: {before} -> {after}"
        with tempfile.TemporaryDirectory(prefix="slip-") as tmp:
            target = Path(tmp) / "solutions"
            shutil.copytree(REPO / "solutions", target)
            (target / path.name).write_text(apply(source, node, replacement), encoding="utf-8")
            env = {**os.environ, "MICROGRADRNN_TARGET": str(target), "OMP_NUM_THREADS": "1",
                   "OPENBLAS_NUM_THREADS": "1"}
            try:
                run = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
                                      "-m", "not slow", str(test)], cwd=REPO, env=env,
                                     capture_output=True, timeout=300)
                killed = run.returncode != 0
            except subprocess.TimeoutExpired:
                killed = True
        return where, (relative, f"slip/{kind}", code), killed

    killed = equivalent = 0
    survivors = []
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for where, key, dead in pool.map(one, made):
            if dead:
                killed += 1
            elif key in known:
                equivalent += 1
            else:
                survivors.append(where)
    return len(made), killed, equivalent, survivors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--modules", nargs="*", type=int, help="course modules (default: all)")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    paths = {int(p.name[1:3]): p for p in (REPO / "solutions").glob("m[0-9][0-9]_*.py")}
    known = equivalents()
    print(f"{'file':44} {'slips':>6} {'killed':>7} {'equiv':>6} {'survived':>8} {'score':>7}", flush=True)
    for n in args.modules if args.modules is not None else sorted(paths):
        made, killed, equivalent, survivors = run_module(paths[n], known, args.workers)
        judged = made - equivalent
        score = 100.0 * killed / judged if judged else 100.0
        name = f"solutions/{paths[n].name}"
        print(f"{name:44} {made:6} {killed:7} {equivalent:6} {len(survivors):8} {score:6.1f}%", flush=True)
        for s in survivors:
            print(f"    survived: {s}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
