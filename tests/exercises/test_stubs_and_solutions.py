"""Every exercise test fails on the untouched stubs and passes on the solutions, through the grader.

The stubs (``exercises/``) and the solutions (``solutions/``) are each graded once, the way
``microgradrnn grade`` grades (a judge process per module, the code in a sandboxed runner);
then each module is checked on its own. Every exercise test takes the ``learner`` fixture:
a test that never calls the learner's code would give points for nothing.
"""

from __future__ import annotations

import ast

import pytest

from microgradrnn.grading import load_manifest
from microgradrnn.grading.runner import CourseResult, ModuleResult, run_course

MANIFEST = load_manifest()
REPO = MANIFEST.root.parents[1]


READY = [
    m
    for m in MANIFEST
    if m.exercises
    and (REPO / "exercises" / m.filename).is_file()
    and (REPO / "solutions" / m.filename).is_file()
    and MANIFEST.test_path(m).is_file()
]
IDS = [m.name for m in READY]


def _grade(folder: str) -> CourseResult:
    return run_course(REPO / folder, modules=[m.name for m in READY])


@pytest.fixture(scope="module")
def stubs() -> dict[str, ModuleResult]:
    return {r.module.name: r for r in _grade("exercises").modules}


@pytest.fixture(scope="module")
def solutions() -> dict[str, ModuleResult]:
    return {r.module.name: r for r in _grade("solutions").modules}


def _test_functions(path) -> set[str]:  # noqa: ANN001
    """Names of the top-level test functions of a test file, read without importing it."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.name for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test")}


def _report(result: ModuleResult, want: str) -> str:
    lines = [f"{result.module.name}: {result.error}"] if result.error else []
    for ex in result.exercises:
        lines += [f"  {ex.exercise.id} {t.name}: {t.status} {t.reason}" for t in ex.tests if t.status != want]
    return "\n".join(lines)


pytestmark = pytest.mark.skipif(not READY, reason="no module has exercises, solutions and tests yet")


@pytest.mark.parametrize("module", READY, ids=IDS)
def test_every_exercise_test_calls_the_learner(module):
    tree = ast.parse(MANIFEST.test_path(module).read_text(encoding="utf-8"))
    tests = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test")]
    lonely = [n.name for n in tests if not any(a.arg == "learner" for a in n.args.args)]
    assert not lonely, f"{module.test_filename}: tests that never reach the learner's code: {lonely}"


@pytest.mark.parametrize("module", READY, ids=IDS)
def test_manifest_lists_exactly_the_tests_in_the_file(module):
    functions = _test_functions(MANIFEST.test_path(module))
    listed = {t.name for e in module.exercises for t in e.tests}
    assert set(functions) - listed == set(), f"tests missing from the manifest for {module.name}"
    assert listed - set(functions) == set(), f"manifest tests missing from {module.test_filename}"


@pytest.mark.parametrize("module", READY, ids=IDS)
def test_untouched_stubs_score_zero_on_every_test(stubs, module):
    result = stubs[module.name]
    assert not result.error, result.error
    passed = [t for e in result.exercises for t in e.tests if t.status == "passed"]
    assert result.score == 0 and not passed, "tests passing on the stub:\n" + _report(result, "failed")


@pytest.mark.parametrize("module", READY, ids=IDS)
def test_solutions_score_full_marks_on_every_test(solutions, module):
    result = solutions[module.name]
    assert result.score == result.max_score == module.points, _report(result, "passed")
