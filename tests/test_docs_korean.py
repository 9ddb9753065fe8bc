"""The Korean edition of the site: every English page has a Korean twin that says the same.

A twin (``page.ko.md`` beside ``page.md``, built by mkdocs-static-i18n into ``ko/``) must keep
the page's skeleton: as many headings at each level, the same display and inline equations,
the same figure, exercise and number placeholders, as many code blocks; and its prose must be
Korean, not English left untranslated. The API reference (``docs/reference/``) is generated
from the English docstrings and has no twin.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

from microgradrnn.grading import load_manifest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
ENGLISH = sorted(
    [DOCS / "index.md", DOCS / "glossary.md"]
    + list((DOCS / "modules").glob("*.md"))
    + list((DOCS / "howto").glob("*.md")),
)
ENGLISH = [p for p in ENGLISH if not p.name.endswith(".ko.md")]

_FENCE = re.compile(r"^(?P<fence>```+|~~~+)[^\n]*\n.*?^(?P=fence)[ \t]*$", re.DOTALL | re.MULTILINE)
_DISPLAY = re.compile(r"\$\$(.+?)\$\$", re.DOTALL)
_INLINE = re.compile(r"(?<![\\$])\$(?!\$)(.+?)(?<![\\$])\$")
_CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.DOTALL)
_FIGURE = re.compile(r"<!-- figure: [A-Za-z0-9_]+ -->")
_NUMBER = re.compile(r"\{\{\s*num\.[A-Za-z0-9_]+\s*\}\}")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_LINK_TARGET = re.compile(r"\]\([^)]*\)")
_HANGUL = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")


def twin(page: Path) -> Path:
    return page.with_suffix(".ko.md")


def _read(page: Path) -> str:
    return page.read_text(encoding="utf-8")


def _without_code(md: str) -> str:
    return _CODE_SPAN.sub(" ", _FENCE.sub("\n", md))


def headings(md: str) -> Counter[int]:
    """How many headings of each level (``#`` = 1) the Markdown has, outside code blocks."""
    return Counter(len(m.group(1)) for m in re.finditer(r"^(#{1,6})\s", _FENCE.sub("\n", md), re.MULTILINE))


def display_math(md: str) -> list[str]:
    return [" ".join(m.split()) for m in _DISPLAY.findall(_without_code(md))]


def inline_math(md: str) -> Counter[str]:
    """The inline formulas, as a multiset: Korean word order may move them within a sentence."""
    text = _DISPLAY.sub(" ", _without_code(md))
    return Counter(" ".join(m.split()) for m in _INLINE.findall(text))


def placeholders(md: str) -> dict[str, object]:
    return {
        "figures": _FIGURE.findall(md),
        "exercises": md.count("<!-- exercises -->"),
        "numbers": Counter(" ".join(n.split()) for n in _NUMBER.findall(md)),
    }


def hangul_share(md: str) -> float:
    """Hangul syllables among the letters of the prose: code, math, placeholders, URLs left out."""
    text = _without_code(md)
    text = _DISPLAY.sub(" ", text)
    text = _INLINE.sub(" ", text)
    text = _NUMBER.sub(" ", _COMMENT.sub(" ", text))
    text = _LINK_TARGET.sub("]", text)
    text = re.sub(r"<[^>]+>", " ", text)  # HTML tags and their attributes
    letters = [c for c in text if c.isalpha()]
    return sum(1 for c in letters if _HANGUL.match(c)) / max(1, len(letters))


IDS = [str(p.relative_to(DOCS)) for p in ENGLISH]


def test_the_english_pages_are_found() -> None:
    names = set(IDS)
    assert {"index.md", "glossary.md", "modules/index.md", "modules/08-lstm.md", "howto/check.md"} <= names
    # every module of the manifest, the course index and the challenge-track index
    assert len([n for n in names if n.startswith("modules/")]) == len(load_manifest()) + 2


@pytest.mark.parametrize("page", ENGLISH, ids=IDS)
def test_every_english_page_has_a_korean_twin(page: Path) -> None:
    assert twin(page).is_file(), f"no Korean twin docs/{twin(page).relative_to(DOCS)}"


@pytest.mark.parametrize("page", ENGLISH, ids=IDS)
def test_twin_has_the_same_sections(page: Path) -> None:
    ko = twin(page)
    if not ko.is_file():
        pytest.skip("no twin (reported by the test above)")
    assert headings(_read(ko)) == headings(_read(page))


@pytest.mark.parametrize("page", ENGLISH, ids=IDS)
def test_twin_has_the_same_equations(page: Path) -> None:
    ko = twin(page)
    if not ko.is_file():
        pytest.skip("no twin (reported by the test above)")
    en_md, ko_md = _read(page), _read(ko)
    assert display_math(ko_md) == display_math(en_md)
    missing, extra = inline_math(en_md) - inline_math(ko_md), inline_math(ko_md) - inline_math(en_md)
    assert not missing and not extra, f"inline math missing: {dict(missing)}, added: {dict(extra)}"


@pytest.mark.parametrize("page", ENGLISH, ids=IDS)
def test_twin_has_the_same_figures_exercises_numbers_and_code_blocks(page: Path) -> None:
    ko = twin(page)
    if not ko.is_file():
        pytest.skip("no twin (reported by the test above)")
    en_md, ko_md = _read(page), _read(ko)
    assert placeholders(ko_md) == placeholders(en_md)
    assert len(_FENCE.findall(ko_md)) == len(_FENCE.findall(en_md))


@pytest.mark.parametrize("page", ENGLISH, ids=IDS)
def test_twin_is_mostly_korean(page: Path) -> None:
    ko = twin(page)
    if not ko.is_file():
        pytest.skip("no twin (reported by the test above)")
    share = hangul_share(_read(ko))
    assert share > 0.5, f"only {share:.0%} of the letters of {ko.name} are Hangul"


def test_the_korean_share_tells_english_from_korean() -> None:
    english = "The forget gate $f_t$ keeps 20% of the cell state: `c = f * c`."
    korean = "망각 게이트 $f_t$는 셀 상태(cell state)의 20%를 남깁니다: `c = f * c`."
    assert hangul_share(english) == 0
    assert hangul_share(korean) > 0.5
    assert hangul_share(_read(DOCS / "modules" / "08-lstm.md")) < 0.2


def test_the_skeleton_checks_see_a_lost_equation_heading_and_figure() -> None:
    md = (
        "# A\n\n## B\n\n$$x = 1$$\n\nwith $a$ and $b$.\n\n<!-- figure: rnn -->\n\n"
        "```python\n# no heading\n```\n"
    )
    assert headings(md) == Counter({1: 1, 2: 1})
    assert display_math(md) == ["x = 1"]
    assert inline_math(md) == Counter({"a": 1, "b": 1})
    assert placeholders(md)["figures"] == ["<!-- figure: rnn -->"]
    broken = md.replace("## B", "B").replace("$b$", "b").replace("<!-- figure: rnn -->", "")
    assert headings(broken) != headings(md)
    assert inline_math(broken) != inline_math(md)
    assert placeholders(broken) != placeholders(md)


# ----------------------------------------------------------------------------- exercises hook


def _exercises_hook() -> ModuleType:
    hooks = DOCS / "_hooks"
    if str(hooks) not in sys.path:
        sys.path.insert(0, str(hooks))
    spec = importlib.util.spec_from_file_location("docs_exercises_ko", hooks / "docs_exercises.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


MANIFEST = """
[[module]]
number = 8
name = "m08_lstm"
title = "LSTM"
korean = "장단기 메모리"
page = "modules/08-lstm.md"

[[module.exercise]]
id = "8.1"
function = "lstm_step"
title = "One LSTM step"
hints = ["Split the gates.", "The gate order is i, f, g, o."]
hints_ko = ["게이트를 나누세요.", "게이트 순서는 i, f, g, o입니다."]
tests = { test_lstm_step = 3 }

[[module.exercise]]
id = "8.2"
function = "lstm_param_count"
title = "Parameter count"
hints = ["Four blocks of weights."]
tests = { test_param_count = 1 }
"""


@pytest.fixture
def course(tmp_path: Path):
    pytest.importorskip("tomllib")
    pytest.importorskip("mkdocs")
    hook = _exercises_hook()
    (tmp_path / "manifest.toml").write_text(MANIFEST, encoding="utf-8")
    [module] = hook.load_manifest(tmp_path / "manifest.toml")
    return hook, module, hook.load_translations(tmp_path / "manifest.toml")


def test_korean_page_gets_korean_labels_and_korean_hints(course, tmp_path: Path) -> None:
    hook, module, translations = course
    md = hook.render_module(module, tmp_path, None, "ko", translations)
    assert "모듈 8의 연습 문제는 2개이고, 모두 합쳐 4점입니다." in md
    assert '!!! question "연습 문제 8.1 · lstm_step · 3점"' in md
    assert "| 테스트 | 점수 |" in md
    assert '??? tip "힌트 2"\n\n        게이트 순서는 i, f, g, o입니다.' in md
    assert "The gate order" not in md  # the Korean hints replace the English ones


def test_korean_page_falls_back_to_english_hints(course, tmp_path: Path) -> None:
    hook, module, translations = course
    md = hook.render_module(module, tmp_path, None, "ko", translations)
    exercise_2 = md[md.index("연습 문제 8.2") :]
    assert '??? tip "힌트 1"\n\n        Four blocks of weights.' in exercise_2


def test_english_page_is_unchanged_by_the_translations(course, tmp_path: Path) -> None:
    hook, module, translations = course
    md = hook.render_module(module, tmp_path, None, "en", translations)
    assert '!!! question "Exercise 8.1 · lstm_step · 3 points"' in md
    assert '??? tip "Hint 2"\n\n        The gate order is i, f, g, o.' in md
    assert "게이트" not in md


def test_page_language_comes_from_the_suffix() -> None:
    hook = _exercises_hook()
    assert hook.page_language("modules/08-lstm.ko.md") == ("ko", "modules/08-lstm.md")
    assert hook.page_language("modules/08-lstm.md") == ("en", "modules/08-lstm.md")
    assert hook.page_language("howto/check.md") == ("en", "howto/check.md")


# ----------------------------------------------------------------------------- the built site


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("tomllib")
    pytest.importorskip("mkdocs_static_i18n")
    pytest.importorskip("material")
    out = tmp_path_factory.mktemp("site")
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{proc.stderr[-4000:]}"
    return out


def _figures(page_html: str) -> list[str]:
    return re.findall(r'<figure class="mgr-figure".*?</figure>', page_html, re.DOTALL)


def test_built_korean_module_page_has_the_same_figures_and_korean_exercises(site: Path) -> None:
    en = (site / "modules" / "08-lstm.html").read_text(encoding="utf-8")
    ko = (site / "ko" / "modules" / "08-lstm.html").read_text(encoding="utf-8")
    assert '<html lang="ko"' in ko
    assert _figures(ko) and [f.split("<figcaption>")[0] for f in _figures(ko)] == [
        f.split("<figcaption>")[0] for f in _figures(en)
    ]
    assert "<math" in ko and "arithmatex" not in ko
    assert "연습 문제 8.1 · " in ko and "Exercise 8.1 · " not in ko
    assert "{{" not in ko and "<!-- exercises -->" not in ko
    # the language switch, both ways
    assert 'hreflang="en"' in ko and 'hreflang="ko"' in en


def test_korean_pages_are_in_the_search_index(site: Path) -> None:
    import json

    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert "ko" in index["config"]["lang"]
    korean = [d for d in index["docs"] if d["location"].startswith("ko/modules/07-")]
    assert korean and any("기울기 소실" in d["text"] or "기울기 소실" in d["title"] for d in korean)
    # the copy for pages opened from disk is the final, bilingual index
    script = (site / "search" / "search_index.js").read_text(encoding="utf-8")
    assert script == "var __index = " + (site / "search" / "search_index.json").read_text(encoding="utf-8")
