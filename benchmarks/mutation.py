"""Mutation testing with cosmic-ray: do the tests catch small mistakes planted in the code?

    python benchmarks/mutation.py course [--modules 8 9] [--workers 2]
    python benchmarks/mutation.py library [--files value.py tensor.py] [--workers 2]

``course`` plants mistakes in ``solutions/mNN_*.py`` and runs that module's exercise tests;
``library`` plants them in the engine, the layers and the optimizers and runs the library's
own tests. Each target is mutated in a private copy of the checkout, so targets run side by
side. In the course, only mutants inside the learner's answers count (the bodies of the functions a
stub leaves to write); a scaffold the stub shares is not something a learner gets wrong.
Prints, per file, the mutants made, killed, survived, and those recorded as equivalent
(a mutant that cannot change behaviour) in ``tests/exercises/equivalent_mutants.toml`` or
``benchmarks/equivalent_mutants.toml`` (file, operator, the line's code, one line of
reason); then every survivor. The score is killed / (mutants - equivalent - incompetent).

The operators are the plausible slips: arithmetic and comparison operators swapped, numbers
off by one, booleans flipped, ``and``/``or``, ``break``/``continue``, unary signs, and a loop
made to run zero times. Bitwise and shift operators are left out (the code has none to
swap), and so is turning an operator into ``**``, ``//`` or ``%``, to keep the run short.
Slow: several minutes per file on two cores; never a test.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[1]
EXCLUDED_OPERATORS = [
    r"core/ReplaceBinaryOperator_.*_(BitOr|BitAnd|BitXor|LShift|RShift)$",
    r"core/ReplaceBinaryOperator_(BitOr|BitAnd|BitXor|LShift|RShift)_.*",
    r"core/ReplaceBinaryOperator_.*_(FloorDiv|Mod|Pow)$",
    r"core/ReplaceComparisonOperator_.*_(Is|IsNot|In|NotIn)$",
    r"core/ReplaceComparisonOperator_(Is|IsNot|In|NotIn)_.*",
    r"core/RemoveDecorator",
    r"core/ExceptionReplacer",
    r"core/VariableInserter",
    r"core/VariableReplacer",
]
LIBRARY = {
    # file -> the tests that own it, the most focused (and quickest to fail) first: with -x
    # a mutant is done at its first failure, so most cost a second or two
    "microgradrnn/value.py": "tests/test_engine_value.py tests/test_engine_ops.py tests/test_engine_graph.py",
    "microgradrnn/tensor.py": "tests/test_engine_tensor.py tests/test_engine_ops.py "
    "tests/test_engine_dtype_axes.py tests/test_engine_graph.py tests/test_engine_memory.py "
    "tests/test_nn_functional.py",
    "microgradrnn/graph.py": "tests/test_engine_graph.py tests/test_engine_memory.py "
    "tests/test_engine_value.py",
    "microgradrnn/shapes.py": "tests/test_engine_tensor.py tests/test_engine_dtype_axes.py "
    "tests/test_engine_ops.py",
    "microgradrnn/joining.py": "tests/test_engine_tensor.py tests/test_engine_dtype_axes.py "
    "tests/test_engine_ops.py",
    "microgradrnn/functional.py": "tests/test_functional.py tests/test_nn_functional.py",
    "microgradrnn/gradcheck.py": "tests/test_gradcheck.py tests/test_engine_ops.py",
    "microgradrnn/optim.py": "tests/test_optim_rules.py tests/test_optim.py",
    "microgradrnn/nn/cells.py": "tests/test_nn_cells.py tests/test_nn_recurrent.py",
    "microgradrnn/nn/recurrent.py": "tests/test_nn_recurrent.py",
    "microgradrnn/nn/module.py": "tests/test_nn_module.py",
    "microgradrnn/nn/linear.py": "tests/test_nn_module.py tests/test_nn_functional.py",
    "microgradrnn/nn/scalar_cells.py": "tests/test_nn_cells.py",
    "microgradrnn/nn/layers.py": "tests/test_nn_module.py tests/test_nn_functional.py",
    "microgradrnn/nn/kinds.py": "tests/test_nn_cells.py tests/test_nn_recurrent.py",
}


@dataclass
class Outcome:
    """The mutants of one file."""

    file: str
    total: int = 0
    killed: int = 0
    equivalent: int = 0
    incompetent: int = 0
    survivors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def score(self) -> float:
        judged = self.total - self.equivalent - self.incompetent
        return 100.0 * self.killed / judged if judged else 100.0


def equivalents() -> dict[tuple[str, str, str], str]:
    """Recorded equivalent mutants: (file, operator, the original line's text) -> reason.

    The line's text, not its number, names the place, so a record survives edits elsewhere.
    """
    out = {}
    for path in (REPO / "tests" / "exercises" / "equivalent_mutants.toml", REPO / "benchmarks" /
                 "equivalent_mutants.toml"):
        if path.is_file():
            for item in tomllib.loads(path.read_text(encoding="utf-8")).get("mutant", []):
                out[(item["file"], item["operator"], item["code"].strip())] = item["reason"]
    return out


def answer_lines(solution: Path) -> set[int] | None:
    """Lines of ``solution`` that are the learner's answers: the bodies of the functions that
    raise NotImplementedError in the stub of the same name. The rest (a scaffold class, the
    imports) is the same in the stub, so a mistake there is not a mistake a learner makes.
    None when there is no stub (every line counts)."""
    stub = REPO / "exercises" / solution.name
    if not stub.is_file():
        return None

    def functions(tree: ast.AST) -> dict[str, ast.FunctionDef]:
        out = {}
        for node in ast.walk(tree):
            for child in ast.iter_child_nodes(node):
                if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    owner = node.name + "." if isinstance(node, ast.ClassDef) else ""
                    out[owner + child.name] = child
        return out

    def raises_not_implemented(fn: ast.FunctionDef) -> bool:
        return any(isinstance(n, ast.Raise) and "NotImplementedError" in ast.unparse(n) for n in ast.walk(fn))

    stubs = functions(ast.parse(stub.read_text(encoding="utf-8")))
    answers = {name for name, fn in stubs.items() if raises_not_implemented(fn)}
    lines: set[int] = set()
    for name, fn in functions(ast.parse(solution.read_text(encoding="utf-8"))).items():
        if name in answers:
            first = fn.body[1].lineno if ast.get_docstring(fn) and len(fn.body) > 1 else fn.body[0].lineno
            lines.update(range(first, fn.end_lineno + 1))
    return lines


def _ranges(lines: set[int]) -> list[str]:
    """``{3, 4, 5, 9}`` -> ``["3-5", "9-9"]``, the line filter's notation."""
    out: list[str] = []
    for n in sorted(lines):
        if out and int(out[-1].split("-")[1]) == n - 1:
            out[-1] = f"{out[-1].split('-')[0]}-{n}"
        else:
            out.append(f"{n}-{n}")
    return out


def _copy_checkout(dest: Path) -> None:
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=REPO, capture_output=True,
                           text=True, check=True).stdout.split()
    for name in files:
        source = REPO / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)


def run_one(file: str, tests: str, known: dict[tuple[str, str, str], str]) -> Outcome:
    started = time.monotonic()
    outcome = Outcome(file)
    source = (REPO / file).read_text(encoding="utf-8").splitlines()
    answers = answer_lines(REPO / file) if file.startswith("solutions/") else None
    with tempfile.TemporaryDirectory(prefix="mutation-") as tmp:
        work = Path(tmp)
        _copy_checkout(work)
        config = work / "cosmic-ray.toml"
        excluded = ", ".join(json.dumps(x) for x in EXCLUDED_OPERATORS)
        config.write_text(
            "[cosmic-ray]\n"
            f'module-path = "{file}"\n'
            "timeout = 120.0\n"
            "excluded-modules = []\n"
            f'test-command = "{sys.executable} -m pytest -x -q -p no:cacheprovider'
            f' -m \\"not slow\\" {tests}"\n'
            "[cosmic-ray.distributor]\nname = \"local\"\n"
            f"[cosmic-ray.filters.operators-filter]\nexclude-operators = [{excluded}]\n"
            + ("" if answers is None else "[cosmic-ray.filters.line-filter.lines]\n"
               f"{json.dumps(file)} = {json.dumps(_ranges(answers))}\n"),
            encoding="utf-8",
        )
        session = work / "session.sqlite"
        env = {**os.environ, "PYTHONPATH": str(work), "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
        run = {"cwd": work, "env": env, "check": True, "capture_output": True}
        subprocess.run(["cosmic-ray", "init", str(config), str(session)], **run)
        subprocess.run(["cr-filter-operators", str(session), str(config)], **run)
        if answers is not None:  # the scaffold's mutants are never run
            subprocess.run(["cr-filter-lines", str(session), "--config", str(config)], **run)
        subprocess.run(["cosmic-ray", "exec", str(config), str(session)], **run)
        dump = subprocess.run(["cosmic-ray", "dump", str(session)], **run, text=True).stdout
    for line in dump.splitlines():
        item, result = json.loads(line)
        if result is None:
            continue
        mutation = item["mutations"][0]
        if result.get("test_outcome") is None and result.get("worker_outcome") == "skipped":
            continue
        operator = mutation["operator_name"].removeprefix("core/")
        row = int(mutation["start_pos"][0])
        if answers is not None and row not in answers:  # starts in the scaffold, reaches an answer
            continue
        outcome.total += 1
        code = source[row - 1].strip() if row <= len(source) else ""
        if result.get("test_outcome") == "killed" or result.get("worker_outcome") == "timeout":
            outcome.killed += 1
        elif result.get("test_outcome") == "incompetent":
            outcome.incompetent += 1
        elif (file, operator, code) in known:
            outcome.equivalent += 1
        else:
            diff = [d for d in (result.get("diff") or "").splitlines() if re.match(r"^[+-](?![+-])", d)]
            outcome.survivors.append(f"{file}:{row} {operator}: " + " | ".join(d.strip() for d in diff)[:200])
    outcome.seconds = time.monotonic() - started
    return outcome


def _row(o: Outcome) -> str:
    return (f"{o.file:44} {o.total:8} {o.killed:7} {o.equivalent:6} {o.incompetent:6} {len(o.survivors):8}"
            f" {o.score:6.1f}% {o.seconds:5.0f}s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("target", choices=("course", "library"))
    parser.add_argument("--modules", nargs="*", type=int, help="course modules, in this order (default: all)")
    parser.add_argument("--files", nargs="*", help="library files, e.g. value.py nn/cells.py (default: all)")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    if shutil.which("cosmic-ray") is None:
        print("cosmic-ray is not installed: pip install -e '.[bench]'")
        return 2
    if args.target == "course":
        paths = {int(p.name[1:3]): p for p in (REPO / "solutions").glob("m[0-9][0-9]_*.py")}
        order = args.modules if args.modules is not None else sorted(paths)
        jobs = {f"solutions/{paths[n].name}": f"tests/exercises/test_{paths[n].stem}.py" for n in order}
    else:
        jobs = {f: t for f, t in LIBRARY.items()
                if args.files is None or f.removeprefix("microgradrnn/") in args.files}
    known = equivalents()
    header = (f"{'file':44} {'mutants':>8} {'killed':>7} {'equiv':>6} {'incomp':>6} {'survived':>8}"
              f" {'score':>7} {'time':>6}")
    print(header, flush=True)
    outcomes = []
    with ThreadPoolExecutor(max_workers=max(1, args.workers)) as pool:
        futures = [pool.submit(run_one, file, tests, known) for file, tests in jobs.items()]
        for future in as_completed(futures):  # a line per file as soon as it is done
            outcomes.append(future.result())
            print(_row(outcomes[-1]), flush=True)
            for survivor in outcomes[-1].survivors:
                print(f"    survived: {survivor}", flush=True)
    outcomes.sort(key=lambda o: o.file)
    print("\n" + header)
    for o in outcomes:
        print(_row(o))
    survivors = [s for o in outcomes for s in o.survivors]
    if survivors:
        print("\nSurviving mutants (kill each with a test, or record it as equivalent with a reason):")
        print("\n".join(f"  {s}" for s in survivors))
    return 0


if __name__ == "__main__":
    sys.exit(main())
