"""MkDocs hook: the exercises of each module page, rendered from the course manifest.

``tests/exercises/manifest.toml`` lists every module (``page`` is its docs page) and every
exercise (``id``, ``function``, ``title``, ``hints``, ``tests = {name = points}``). Each module
page holds the marker ``<!-- exercises -->``; this hook replaces it by one admonition per
exercise (number, function, points, what to write, the tests that grade it) followed by
collapsible hints. The assignment text is the docstring of the stub in ``exercises/``, so the
page and the file a learner edits say the same thing.

Each stub file also becomes a page of its own (``exercise-files/mNN_topic.md``) showing the
file, so the link from the exercise works offline.

A Korean twin of a module page (``modules/NN-topic.ko.md``, built by mkdocs-static-i18n) gets
the same exercises with Korean labels, and with an exercise's ``hints_ko`` (and ``title_ko``)
from the manifest when it has them, its English ``hints`` (and ``title``) when it has not.
Korean pages link to a Korean stub page under ``ko/``.

A module page without the marker, or a marker on any other page, fails the build.
"""

from __future__ import annotations

import ast
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import tomllib
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File

from microgradrnn.grading.manifest import Exercise, Module
from microgradrnn.grading.manifest import load_manifest as read_course

log = logging.getLogger("mkdocs.hooks.exercises")

MARKER = "<!-- exercises -->"
_NUMBER_AND_POINTS = re.compile(r"^\s*Exercise [0-9.]+\s*(\(\d+ points?\))?\s*[:.]\s*")
MANIFEST = Path("tests") / "exercises" / "manifest.toml"
STUB_PAGES = "exercise-files"
_LOCALE_SUFFIX = re.compile(r"\.(?P<lang>[a-z]{2})(?=\.md$)")


@dataclass(frozen=True)
class Labels:
    """The words around an exercise, in one language of the site."""

    lang: str
    exercise: str
    hint: str
    test: str
    points_header: str
    full_assignment: str
    no_exercises_title: str
    no_exercises: str

    def points(self, n: float) -> str:
        if self.lang == "ko":
            return f"{n:g}점"
        return f"{n:g} point" if n == 1 else f"{n:g} points"

    def write(self, function: str, where: str, number: int) -> str:
        if self.lang == "ko":
            return f"{where}에 `{function}`을(를) 작성한 다음 `microgradrnn check {number}`을 실행하세요."
        return f"Write `{function}` in {where}, then run `microgradrnn check {number}`."

    def intro(self, number: int, count: int, total: float) -> str:
        if self.lang == "ko":
            return (
                f"모듈 {number}의 연습 문제는 {count}개이고, 모두 합쳐 {self.points(total)}입니다. "
                f"`microgradrnn check {number}`로 채점해 보세요."
            )
        return (
            f"Module {number} has {count} exercises worth "
            f"{self.points(total)} in all. Check them with `microgradrnn check {number}`."
        )


LABELS = {
    "en": Labels(
        lang="en",
        exercise="Exercise",
        hint="Hint",
        test="test",
        points_header="points",
        full_assignment="The full assignment (the docstring)",
        no_exercises_title="Exercises",
        no_exercises="The exercises of this module are not in the course manifest yet.",
    ),
    "ko": Labels(
        lang="ko",
        exercise="연습 문제",
        hint="힌트",
        test="테스트",
        points_header="점수",
        full_assignment="과제 전문 (스텁의 독스트링, 영어)",
        no_exercises_title="연습 문제",
        no_exercises="이 모듈의 연습 문제는 아직 강의 매니페스트에 없습니다.",
    ),
}


def page_language(src_uri: str) -> tuple[str, str]:
    """``(language, English page)`` of a docs page: ``modules/a.ko.md`` is ``("ko", "modules/a.md")``."""
    m = _LOCALE_SUFFIX.search(src_uri)
    if m and m.group("lang") in LABELS:
        return m.group("lang"), src_uri[: m.start()] + src_uri[m.end() :]
    return "en", src_uri


def load_translations(path: Path) -> dict[str, dict[str, object]]:
    """Per exercise id, translated fields of the manifest in languages the loader does not know.

    The course loader reads ``title_ko`` and ``hints_ko`` itself; this picks up any other
    ``hints_xx`` / ``title_xx`` a manifest may hold, read from the file itself.
    """
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    found: dict[str, dict[str, object]] = {}
    for module in data.get("module", []):
        for ex in module.get("exercise", []):
            extra = {k: v for k, v in ex.items() if re.fullmatch(r"(hints|title)_[a-z]{2}", k)}
            if extra:
                found[str(ex["id"])] = extra
    return found


def localized(ex: Exercise, field: str, lang: str, translations: dict[str, dict[str, object]]):
    """``ex``'s ``field`` (``"hints"`` or ``"title"``) in ``lang``, or in English if not translated."""
    english = getattr(ex, field)
    if lang == "en":
        return english
    known = getattr(ex, f"{field}_{lang}", None)  # the loader's own fields (title_ko, hints_ko)
    if known:
        return known
    value = translations.get(ex.id, {}).get(f"{field}_{lang}")
    if value is None:
        return english
    if field == "hints":
        return tuple([value] if isinstance(value, str) else [str(h) for h in value])
    return str(value)


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


def render_exercise(
    ex: Exercise,
    module: Module,
    root: Path,
    stub_link: str | None,
    lang: str = "en",
    translations: dict[str, dict[str, object]] | None = None,
) -> str:
    """The Markdown of one exercise: an admonition with the assignment, tests and hints."""
    words = LABELS[lang]
    translations = translations or {}
    stub_path = f"exercises/{module.name}.py"
    doc = stub_docstring(root / stub_path, ex.function)
    body: list[str] = [f"**{md_text(localized(ex, 'title', lang, translations))}.**"]
    if doc:
        summary = doc.split("\n\n", 1)[0].replace("\n", " ")
        # The header already says the number and points that a stub's summary may repeat.
        summary = _NUMBER_AND_POINTS.sub("", summary, count=1)
        summary = summary[:1].upper() + summary[1:]
        body[0] += f" {md_text(summary)}"
    where = f"[`{stub_path}`]({stub_link})" if stub_link else f"`{stub_path}`"
    body.append(words.write(ex.function, where, module.number))
    if doc and "\n\n" in doc:
        body.append(
            f'??? abstract "{words.full_assignment}"\n\n' + _indent(f"```text\n{doc}\n```")
        )
    rows = "\n".join(f"| `{t.name}` | {t.points:g} |" for t in ex.tests)
    body.append(f"| {words.test} | {words.points_header} |\n|---|---:|\n{rows}")
    for i, hint in enumerate(localized(ex, "hints", lang, translations), start=1):
        body.append(f'??? tip "{words.hint} {i}"\n\n' + _indent(md_text(hint.strip())))
    header = f'!!! question "{words.exercise} {ex.id} · {ex.function} · {words.points(ex.points)}"'
    return header + "\n\n" + _indent("\n\n".join(body))


def render_module(
    module: Module,
    root: Path,
    stub_link: str | None,
    lang: str = "en",
    translations: dict[str, dict[str, object]] | None = None,
) -> str:
    """The Markdown that replaces the exercises marker on ``module``'s page (in ``lang``)."""
    words = LABELS[lang]
    if not module.exercises:
        log.info("%s: the manifest lists no exercise for module %d yet", module.page, module.number)
        return f'!!! info "{words.no_exercises_title}"\n\n    {words.no_exercises}\n'
    total = sum(ex.points for ex in module.exercises)
    intro = words.intro(module.number, len(module.exercises), total)
    parts = [intro] + [
        render_exercise(ex, module, root, stub_link, lang, translations) for ex in module.exercises
    ]
    return "\n\n".join(parts) + "\n"


def stub_page(module: Module, source: str, lang: str = "en", translated: bool = True) -> str:
    """A docs page that shows the stub file of ``module`` (its text in ``lang``).

    ``translated``: the module page has a twin in ``lang`` to link to.
    """
    if lang == "ko":
        page = module.page.removesuffix(".md") + ".ko.md" if translated else module.page
        title = f"{module.korean} ({module.title})" if module.korean else module.title
        text = (
            f"[모듈 {module.number}: {title}](../{page})의 연습 문제 파일입니다. "
            f"내 작업 폴더에서 고친 다음 `microgradrnn check {module.number}`을 실행하세요."
        )
    else:
        text = (
            f"The exercise file of [module {module.number}: {module.title}]"
            f"(../{module.page}). Edit it in your checkout, then run "
            f"`microgradrnn check {module.number}`."
        )
    return f"# `exercises/{module.name}.py`\n\n{text}\n\n```python\n{source.rstrip()}\n```\n"


class _State:
    root: Path = Path(".")
    modules: list[Module] = []
    by_page: dict[str, Module] = {}
    translations: dict[str, dict[str, object]] = {}


def on_config(config):
    _State.root = Path(config.config_file_path).resolve().parent
    manifest = _State.root / MANIFEST
    if not manifest.is_file():
        raise PluginError(f"course manifest not found: {manifest}")
    _State.modules = load_manifest(manifest)
    _State.by_page = {m.page: m for m in _State.modules}
    _State.translations = load_translations(manifest)
    return config


def _build_language(config) -> str:
    """The language mkdocs-static-i18n is building now (``en`` without the plugin)."""
    i18n = config.plugins.get("i18n")
    lang = getattr(i18n, "current_language", None) or "en"
    return lang if lang in LABELS else "en"


# After mkdocs-static-i18n's own on_files (priority -100): it sorts the pages of docs/ by
# language and cannot place a generated file, so the stub pages are added to its result.
@event_priority(-110)
def on_files(files, config):
    lang = _build_language(config)
    for module in _State.modules:
        if files.get_file_from_path(module.page) is None:
            raise PluginError(f"module {module.number} has no page docs/{module.page}")
        stub = _State.root / "exercises" / f"{module.name}.py"
        twin = Path(config.docs_dir) / (module.page.removesuffix(".md") + f".{lang}.md")
        translated = lang == "en" or twin.is_file()
        if stub.is_file():
            page = File.generated(
                config,
                f"{STUB_PAGES}/{module.name}.md",
                content=stub_page(module, stub.read_text(encoding="utf-8"), lang, translated),
            )
            if lang != "en":  # the Korean build writes its pages under ko/
                page.dest_uri = f"{lang}/{page.dest_uri}"
                page.url = page._get_url(config.use_directory_urls)
            files.append(page)
    return files


def on_page_markdown(markdown: str, page, config, files):  # noqa: ARG001 (hook signature)
    lang, english_page = page_language(page.file.src_uri)
    module = _State.by_page.get(english_page)
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
    rendered = render_module(module, _State.root, link, lang, _State.translations)
    return markdown.replace(MARKER, rendered)
