"""MkDocs hook: the exercises of each module page, rendered from the course manifest.

``tests/exercises/manifest.toml`` lists every module (``page`` is its docs page) and every
exercise (``id``, ``function``, ``title``, ``hints``, ``tests = {name = points}``). Each module
page holds the marker ``<!-- exercises -->``; this hook replaces it by one admonition per
exercise (number, function, points, what to write, the tests that grade it) followed by
collapsible hints. The assignment text is the docstring of the stub in ``exercises/``, so the
page and the file a learner edits say the same thing.

Each stub file also becomes a page of its own (``exercise-files/mNN_topic.md``) showing the
file, so the link from the exercise works offline.

A module page without the marker, or a marker on any other page, fails the build.
"""

from __future__ import annotations

import ast
import logging
import re
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

from microgradrnn.grading.manifest import Exercise, Module
from microgradrnn.grading.manifest import load_manifest as read_course

log = logging.getLogger("mkdocs.hooks.exercises")

MARKER = "<!-- exercises -->"
_NUMBER_AND_POINTS = re.compile(r"^\s*Exercise [0-9.]+\s*(\(\d+ points?\))?\s*[:.]\s*")
MANIFEST = Path("tests") / "exercises" / "manifest.toml"
STUB_PAGES = "exercise-files"


def load_manifest(path: Path) -> list[Module]:
    """The modules of the course, in order, from the manifest file at ``path``."""
    return list(read_course(path.parent).modules)


def stub_docstring(path: Path, name: str) -> str | None:
    """The docstring of function or class ``name`` in the Python file ``path``, if any."""
    if not path.is_file():
        return None
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if node.name == name:
                return ast.get_docstring(node)
    return None


_CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.DOTALL)


def md_text(text: str) -> str:
    """``text`` for Markdown: ``<`` and ``>`` outside code spans escaped, so ``<unk>`` shows."""
    out, last = [], 0
    for m in _CODE_SPAN.finditer(text):
        out.append(text[last : m.start()].replace("<", "&lt;").replace(">", "&gt;"))
        out.append(m.group(0))
        last = m.end()
    out.append(text[last:].replace("<", "&lt;").replace(">", "&gt;"))
    return "".join(out)


def _indent(text: str, by: int = 4) -> str:
    pad = " " * by
    return "\n".join(pad + line if line.strip() else "" for line in text.splitlines())


def _points(n: float) -> str:
    return f"{n:g} point" if n == 1 else f"{n:g} points"


def render_exercise(ex: Exercise, module: Module, root: Path, stub_link: str | None) -> str:
    """The Markdown of one exercise: an admonition with the assignment, tests and hints."""
    stub_path = f"exercises/{module.name}.py"
    doc = stub_docstring(root / stub_path, ex.function)
    body: list[str] = [f"**{md_text(ex.title)}.**"]
    if doc:
        summary = doc.split("\n\n", 1)[0].replace("\n", " ")
        # The header already says the number and points that a stub's summary may repeat.
        summary = _NUMBER_AND_POINTS.sub("", summary, count=1)
        summary = summary[:1].upper() + summary[1:]
        body[0] += f" {md_text(summary)}"
    where = f"[`{stub_path}`]({stub_link})" if stub_link else f"`{stub_path}`"
    body.append(f"Write `{ex.function}` in {where}, then run `microgradrnn check {module.number}`.")
    if doc and "\n\n" in doc:
        body.append(
            '??? abstract "The full assignment (the docstring)"\n\n' + _indent(f"```text\n{doc}\n```")
        )
    rows = "\n".join(f"| `{t.name}` | {t.points:g} |" for t in ex.tests)
    body.append(f"| test | points |\n|---|---:|\n{rows}")
    for i, hint in enumerate(ex.hints, start=1):
        body.append(f'??? tip "Hint {i}"\n\n' + _indent(md_text(hint.strip())))
    header = f'!!! question "Exercise {ex.id} · {ex.function} · {_points(ex.points)}"'
    return header + "\n\n" + _indent("\n\n".join(body))


def render_module(module: Module, root: Path, stub_link: str | None) -> str:
    """The Markdown that replaces the exercises marker on ``module``'s page."""
    if not module.exercises:
        log.info("%s: the manifest lists no exercise for module %d yet", module.page, module.number)
        return (
            '!!! info "Exercises"\n\n    The exercises of this module are not in the course manifest yet.\n'
        )
    total = sum(ex.points for ex in module.exercises)
    intro = (
        f"Module {module.number} has {len(module.exercises)} exercises worth "
        f"{_points(total)} in all. Check them with `microgradrnn check {module.number}`."
    )
    parts = [intro] + [render_exercise(ex, module, root, stub_link) for ex in module.exercises]
    return "\n\n".join(parts) + "\n"


def stub_page(module: Module, source: str) -> str:
    """A docs page that shows the stub file of ``module``."""
    return (
        f"# `exercises/{module.name}.py`\n\n"
        f"The exercise file of [module {module.number}: {module.title}]"
        f"(../{module.page}). Edit it in your checkout, then run "
        f"`microgradrnn check {module.number}`.\n\n"
        f"```python\n{source.rstrip()}\n```\n"
    )


class _State:
    root: Path = Path(".")
    modules: list[Module] = []
    by_page: dict[str, Module] = {}


def on_config(config):
    _State.root = Path(config.config_file_path).resolve().parent
    manifest = _State.root / MANIFEST
    if not manifest.is_file():
        raise PluginError(f"course manifest not found: {manifest}")
    _State.modules = load_manifest(manifest)
    _State.by_page = {m.page: m for m in _State.modules}
    return config


def on_files(files, config):
    for module in _State.modules:
        if files.get_file_from_path(module.page) is None:
            raise PluginError(f"module {module.number} has no page docs/{module.page}")
        stub = _State.root / "exercises" / f"{module.name}.py"
        if stub.is_file():
            files.append(
                File.generated(
                    config,
                    f"{STUB_PAGES}/{module.name}.md",
                    content=stub_page(module, stub.read_text(encoding="utf-8")),
                )
            )
    return files


def on_page_markdown(markdown: str, page, config, files):  # noqa: ARG001 (hook signature)
    module = _State.by_page.get(page.file.src_uri)
    count = markdown.count(MARKER)
    if module is None:
        if count:
            raise PluginError(f"{page.file.src_uri}: exercises marker on a page that is no module")
        return markdown
    if count != 1:
        raise PluginError(f"{page.file.src_uri}: expected one '{MARKER}' marker, found {count}")
    stub_uri = f"{STUB_PAGES}/{module.name}.md"
    link = f"../{stub_uri}" if files.get_file_from_path(stub_uri) else None
    if link is None:
        log.info("%s: exercises/%s.py does not exist yet", page.file.src_uri, module.name)
    return markdown.replace(MARKER, render_module(module, _State.root, link))
