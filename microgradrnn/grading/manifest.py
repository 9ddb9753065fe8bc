"""The course manifest: modules, their exercises, the tests that grade each one and their points.

The manifest is ``manifest.toml`` in a *course root*: a folder that also holds the test
files (``test_<module name>.py``) and the ``conftest.py`` that loads the code under test.
The course of this repository lives in ``tests/exercises/``. Loading it has no side
effects, so documentation tools can render exercise lists from it::

    from microgradrnn.grading import load_manifest

    manifest = load_manifest()            # the repository's course
    lstm = manifest.module(8)             # or manifest.module("m08_lstm")
    for exercise in lstm.exercises:
        print(exercise.id, exercise.title, exercise.points, exercise.hints[0])

An exercise may also carry Korean versions of its title and hints (``title_ko``,
``hints_ko``); :meth:`Exercise.title_in` and :meth:`Exercise.hints_in` pick a language and
fall back to English where there is no translation.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

MANIFEST_NAME = "manifest.toml"


class ManifestError(ValueError):
    """The manifest is missing, unreadable or inconsistent."""


@dataclass(frozen=True)
class TestSpec:
    """One test function of a module's test file and the points it is worth."""

    __test__ = False  # a dataclass named Test*, not a pytest test class

    name: str
    points: float


@dataclass(frozen=True)
class Exercise:
    """One exercise: a function the learner writes, graded by one or more tests."""

    id: str
    function: str
    title: str
    hints: tuple[str, ...]
    tests: tuple[TestSpec, ...]
    off_limits: tuple[str, ...] = ()  # library functions this exercise must not call (dotted names)
    title_ko: str = ""
    hints_ko: tuple[str, ...] = ()

    def title_in(self, lang: str) -> str:
        """The title in ``lang`` (``"en"`` or ``"ko"``), English when there is no translation."""
        return (self.title_ko if lang == "ko" else "") or self.title

    def hints_in(self, lang: str) -> tuple[str, ...]:
        """The hints in ``lang`` (``"en"`` or ``"ko"``), the English ones when there is no translation."""
        return (self.hints_ko if lang == "ko" else ()) or self.hints

    @property
    def points(self) -> float:
        """The most this exercise can score: the sum of its tests' points."""
        return float(sum(t.points for t in self.tests))


@dataclass(frozen=True)
class Module:
    """One module of the course: one docs page, one exercise file, one test file."""

    number: int
    name: str
    title: str
    korean: str
    page: str
    exercises: tuple[Exercise, ...]

    @property
    def points(self) -> float:
        """The most this module can score."""
        return float(sum(e.points for e in self.exercises))

    @property
    def filename(self) -> str:
        """The learner's file for this module, e.g. ``m08_lstm.py``."""
        return f"{self.name}.py"

    @property
    def test_filename(self) -> str:
        """The test file that grades this module, e.g. ``test_m08_lstm.py``."""
        return f"test_{self.name}.py"

    def exercise_of(self, test_name: str) -> Exercise | None:
        """The exercise a test function belongs to, or None if the manifest does not list it."""
        for exercise in self.exercises:
            if any(t.name == test_name for t in exercise.tests):
                return exercise
        return None


@dataclass(frozen=True)
class Manifest:
    """The whole course, in manifest order."""

    root: Path
    modules: tuple[Module, ...]

    def __iter__(self) -> Iterator[Module]:
        return iter(self.modules)

    def __len__(self) -> int:
        return len(self.modules)

    @property
    def points(self) -> float:
        """The most the whole course can score."""
        return float(sum(m.points for m in self.modules))

    def module(self, key: int | str) -> Module:
        """Find a module by number (``8``, ``"8"``, ``"08"``) or name (``"m08_lstm"``, ``"m08"``)."""
        text = str(key).strip()
        for module in self.modules:
            if text.isdigit() and int(text) == module.number:
                return module
            if text in (module.name, module.name.split("_", 1)[0]):
                return module
        known = ", ".join(f"{m.number} ({m.name})" for m in self.modules)
        raise KeyError(f"no module {key!r} in the course; known modules: {known}")

    def test_path(self, module: Module) -> Path:
        """Where the test file of ``module`` lives."""
        return self.root / module.test_filename


def default_course_root() -> Path:
    """The course that came with this package: the wheel's copy, else ``<clone>/tests/exercises``."""
    from ..course import course_source

    return course_source() / "tests" / "exercises"


def load_manifest(course_root: str | Path | None = None) -> Manifest:
    """Read ``manifest.toml`` from ``course_root`` (default: this checkout's ``tests/exercises``).

    Raises ``ManifestError`` naming the entry at fault when the file is malformed:
    a module without a name, duplicate module names or exercise ids, a test listed
    twice, or points that are not positive numbers.
    """
    root = Path(course_root) if course_root is not None else default_course_root()
    path = root / MANIFEST_NAME
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise ManifestError(f"no {MANIFEST_NAME} in {root}") from err
    except tomllib.TOMLDecodeError as err:
        raise ManifestError(f"{path}: {err}") from err

    modules = tuple(_module(entry, path) for entry in data.get("module", []))
    _check_unique([m.name for m in modules], "module name", path)
    _check_unique([m.number for m in modules], "module number", path)
    _check_unique([e.id for m in modules for e in m.exercises], "exercise id", path)
    for module in modules:
        _check_unique([t.name for e in module.exercises for t in e.tests], f"test of {module.name}", path)
    return Manifest(root=root.resolve(), modules=modules)


def _module(entry: dict[str, Any], path: Path) -> Module:
    name = entry.get("name")
    if not isinstance(name, str) or not name.isidentifier():
        raise ManifestError(f"{path}: module entry {entry.get('number')!r} needs a `name` like m08_lstm")
    number = entry.get("number")
    if not isinstance(number, int):
        raise ManifestError(f"{path}: module {name} needs an integer `number`, got {number!r}")
    exercises = tuple(_exercise(e, name, path) for e in entry.get("exercise", []))
    return Module(
        number=number,
        name=name,
        title=str(entry.get("title", name)),
        korean=str(entry.get("korean", "")),
        page=str(entry.get("page", "")),
        exercises=exercises,
    )


def _exercise(entry: dict[str, Any], module: str, path: Path) -> Exercise:
    ex_id = str(entry.get("id", "")).strip()
    if not ex_id:
        raise ManifestError(f"{path}: an exercise of {module} has no `id`")
    tests_table = entry.get("tests", {})
    if not isinstance(tests_table, dict) or not tests_table:
        raise ManifestError(f"{path}: exercise {ex_id} needs `tests = {{ test_name = points, ... }}`")
    tests = []
    for name, points in tests_table.items():
        if isinstance(points, bool) or not isinstance(points, (int, float)) or points <= 0:
            raise ManifestError(f"{path}: exercise {ex_id}: {name} has points {points!r}, want a number > 0")
        if not name.startswith("test"):
            raise ManifestError(f"{path}: exercise {ex_id}: {name!r} is not a test function name")
        tests.append(TestSpec(name=name, points=float(points)))
    return Exercise(
        id=ex_id,
        function=str(entry.get("function", "")),
        title=str(entry.get("title", entry.get("function", ex_id))),
        hints=_texts(entry, "hints", ex_id, path),
        tests=tuple(tests),
        off_limits=tuple(str(n) for n in entry.get("off_limits", [])),
        title_ko=str(entry.get("title_ko", "")),
        hints_ko=_texts(entry, "hints_ko", ex_id, path),
    )


def _texts(entry: dict[str, Any], key: str, ex_id: str, path: Path) -> tuple[str, ...]:
    """A list of hints (a lone string is a list of one)."""
    value = entry.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ManifestError(f"{path}: exercise {ex_id}: `{key}` must be a list of strings")
    return tuple(value)


def _check_unique(values: list[Any], what: str, path: Path) -> None:
    seen: set[Any] = set()
    for value in values:
        if value in seen:
            raise ManifestError(f"{path}: duplicate {what} {value!r}")
        seen.add(value)
