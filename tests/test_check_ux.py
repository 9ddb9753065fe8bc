"""`microgradrnn check` for a learner: Korean, hints that unlock in order, progress, pointers to built pages.

Also `microgradrnn docs`, which builds the site those pointers lead to.
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import io
import json
import os
import re
import shutil
import string
import sys
from pathlib import Path

import pytest

from microgradrnn import cli
from microgradrnn.course import site
from microgradrnn.grading import load_manifest
from microgradrnn.grading.commands import _width, register, run_check
from microgradrnn.grading.hintstate import STATE_NAME, HintState
from microgradrnn.grading.messages import KO, choose_language, say, translate
from microgradrnn.grading.runner import run_course

REPO = Path(__file__).resolve().parents[1]
HANGUL = re.compile(r"[\uac00-\ud7a3]")

MANIFEST = """
[[module]]
number = 1
name = "t01_arith"
title = "Arithmetic"
korean = "산수"
page = "modules/01-arith.md"

[[module.exercise]]
id = "1.1"
function = "add"
title = "Adding"
title_ko = "더하기"
hints = ["Think of the plus sign.", "Return a + b."]
hints_ko = ["더하기 기호를 떠올려 보세요.", "a + b를 돌려주세요."]
tests = { test_add = 2 }

[[module]]
number = 2
name = "t02_slow"
title = "Slow"
page = "modules/02-slow.md"

[[module.exercise]]
id = "2.1"
function = "slow"
title = "Slowly"
hints = ["Take your time."]
tests = { test_slow = 1 }
"""

TESTS_1 = """
from microgradrnn.grading.learner import as_float


def test_add(learner):
    got = as_float(learner.add(1.0, 2.0), "add(1, 2)")
    assert got == 3.0, f"add(1, 2): expected 3.0, got {got}"
"""

TESTS_2 = """
from microgradrnn.grading.learner import as_float


def test_slow(learner):
    assert as_float(learner.slow(), "slow()") == 1.0
"""

STUB = """
def add(a, b):
    raise NotImplementedError("exercise 1.1: add")
"""
WRONG = "def add(a, b):\n    return a - b\n"
RIGHT = "def add(a, b):\n    return a + b\n"
SLOW = "def slow():\n    return 1.0\n"

MKDOCS = "site_name: t\nuse_directory_urls: false\n"


@pytest.fixture(autouse=True)
def english_locale(monkeypatch):
    """No locale of the machine leaks in: each test sets the one it is about."""
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A checkout of a two-module course: tests/exercises/ and exercises/ (no docs yet)."""
    root = tmp_path / "repo"
    course = root / "tests" / "exercises"
    course.mkdir(parents=True)
    (course / "manifest.toml").write_text(MANIFEST, encoding="utf-8")
    (course / "test_t01_arith.py").write_text(TESTS_1, encoding="utf-8")
    (course / "test_t02_slow.py").write_text(TESTS_2, encoding="utf-8")
    shutil.copyfile(REPO / "tests" / "exercises" / "conftest.py", course / "conftest.py")
    (root / "exercises").mkdir()
    write(root, STUB)
    (root / "exercises" / "t02_slow.py").write_text(SLOW, encoding="utf-8")
    return root


def write(root: Path, source: str) -> None:
    (root / "exercises" / "t01_arith.py").write_text(source, encoding="utf-8")


def with_docs(root: Path) -> Path:
    (root / "mkdocs.yml").write_text(MKDOCS, encoding="utf-8")
    (root / "docs" / "modules").mkdir(parents=True)
    (root / "docs" / "index.md").write_text("# Home\n", encoding="utf-8")
    (root / "docs" / "modules" / "01-arith.md").write_text("# Arithmetic\n", encoding="utf-8")
    (root / "docs" / "modules" / "02-slow.md").write_text("# Slow\n", encoding="utf-8")
    return root


def check(root: Path, *argv: str) -> tuple[int, str]:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    args = parser.parse_args(["check", *argv, "--exercises", str(root / "exercises")])
    out = io.StringIO()
    status = run_check(args, out)
    return status, out.getvalue()


def hint_lines(out: str) -> list[str]:
    return [line.strip() for line in out.splitlines() if re.match(r"\s*(hint|힌트) \d:", line)]


# --------------------------------------------------------------------------- Korean


def test_language_comes_from_the_option_then_the_locale():
    assert choose_language(None, {"LANG": "ko_KR.UTF-8"}) == "ko"
    assert choose_language(None, {"LC_MESSAGES": "ko_KR", "LANG": "en_US.UTF-8"}) == "ko"
    assert choose_language(None, {"LC_ALL": "en_US.UTF-8", "LANG": "ko_KR.UTF-8"}) == "en"
    assert choose_language(None, {"LC_ALL": "", "LANG": "ko"}) == "ko"  # an empty variable is unset
    assert choose_language(None, {"LANG": "C.UTF-8"}) == choose_language(None, {}) == "en"
    assert choose_language("en", {"LANG": "ko_KR.UTF-8"}) == "en"
    assert choose_language("ko", {"LANG": "C"}) == "ko"


def test_korean_locale_prints_korean_messages_and_hints(repo, monkeypatch):
    monkeypatch.setenv("LANG", "ko_KR.UTF-8")
    monkeypatch.setenv("COLUMNS", "60")
    write(repo, WRONG)
    status, out = check(repo, "1")
    # Hangul takes two columns: the lines fit the terminal counted in columns (paths aside)
    assert max(_width(line) for line in out.splitlines() if "/" not in line) <= 60
    assert status == 1
    assert "검사 중" in out and "합계  0 / 2점" in out
    assert "다음 차례: exercises/t01_arith.py의 연습 문제 1.1" in out
    assert "1.1   더하기 (add)" in out
    assert hint_lines(out) == ["힌트 1: 더하기 기호를 떠올려 보세요."]
    assert "expected 3.0, got -1.0" in out  # the test's own message is left as it is
    assert "Total" not in out and "hint 1" not in out and "Next up" not in out


def test_lang_option_overrides_the_locale(repo, monkeypatch):
    write(repo, WRONG)
    monkeypatch.setenv("LANG", "ko_KR.UTF-8")
    status, out = check(repo, "1", "--lang", "en")
    assert status == 1 and "Total  0 / 2 points" in out and not HANGUL.search(out.replace("산수", ""))
    assert hint_lines(out) == ["hint 1: Think of the plus sign."]
    monkeypatch.setenv("LANG", "C.UTF-8")
    status, out = check(repo, "1", "--lang", "ko")
    assert "합계" in out and hint_lines(out)[0].startswith("힌트 1: 더하기")


def test_korean_usage_errors(repo, monkeypatch, capsys):
    monkeypatch.setenv("LC_ALL", "ko_KR.UTF-8")
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    args = parser.parse_args(["check", "--exercises", str(repo / "nowhere")])
    assert run_check(args, io.StringIO()) == 2
    assert "nowhere이(가) 없습니다" in capsys.readouterr().err


def test_the_graders_own_reasons_are_translated_and_the_tests_messages_kept():
    assert translate("ko", "m08_lstm.py is missing from the submission") == "m08_lstm.py 파일이 없습니다"
    assert translate("ko", "the tests could not run (pytest exited with 4):\nlast log line") == (
        "테스트를 실행할 수 없었습니다 (pytest exited with 4):\nlast log line")
    assert translate("ko", "add(1, 2): expected 3.0, got -1.0") == "add(1, 2): expected 3.0, got -1.0"
    assert translate("en", "test not found in the test file") == "test not found in the test file"


def _say_literals(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node.args[1].value for node in ast.walk(tree)
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "say" and len(node.args) > 1
            and isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str)]


def test_the_catalogue_covers_every_message_with_the_same_fields():
    used = _say_literals(REPO / "microgradrnn" / "grading" / "commands.py")
    used += _say_literals(REPO / "microgradrnn" / "course" / "command.py")
    assert len(used) > 20
    assert [t for t in used if t not in KO] == []

    def fields(template: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name}

    assert {en: fields(en) for en in KO} == {en: fields(ko) for en, ko in KO.items()}
    assert all(HANGUL.search(ko) for en, ko in KO.items() if en != "microgradrnn docs: {error}")


@pytest.mark.parametrize("number", [m.number for m in load_manifest()])
def test_every_exercise_has_korean_hints_as_many_as_english(number):
    module = load_manifest().module(number)
    assert module.exercises
    for ex in module.exercises:
        assert len(ex.hints_ko) == len(ex.hints) > 0, ex.id
        assert ex.title_ko and HANGUL.search(ex.title_ko), ex.id
        assert all(HANGUL.search(h) for h in ex.hints_ko), ex.id
        assert ex.hints_in("ko") == ex.hints_ko and ex.hints_in("en") == ex.hints


def test_docs_hook_takes_korean_hints_from_the_loader():
    pytest.importorskip("mkdocs")
    hooks = REPO / "docs" / "_hooks"
    sys.path.insert(0, str(hooks))
    try:
        spec = importlib.util.spec_from_file_location("docs_exercises_checkux", hooks / "docs_exercises.py")
        hook = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = hook
        spec.loader.exec_module(hook)
    finally:
        sys.path.remove(str(hooks))
    module = load_manifest().module(8)
    md = hook.render_module(module, REPO, None, "ko", {})  # no translations but the loader's own
    assert module.exercises[0].hints_ko[1] in md and module.exercises[0].hints[1] not in md
    assert f"**{module.exercises[0].title_ko}.**" in md


# --------------------------------------------------------------------------- hints unlock in order


def test_hint_1_after_a_failure_hint_2_after_a_repeat(repo):
    status, out = check(repo, "1")
    assert status == 1 and hint_lines(out) == []  # an untouched stub has not been tried
    status, out = check(repo, "1")
    assert hint_lines(out) == [] and not (repo / "exercises" / STATE_NAME).exists()

    write(repo, WRONG)
    status, out = check(repo, "1")
    assert hint_lines(out) == ["hint 1: Think of the plus sign."]
    assert "Hints unlock one at a time" in out
    status, out = check(repo, "1")
    assert hint_lines(out) == ["hint 1: Think of the plus sign.", "hint 2: Return a + b."]
    assert "Hints unlock one at a time" not in out  # nothing left to unlock
    status, out = check(repo, "1")
    assert len(hint_lines(out)) == 2  # no hint 3 to show

    write(repo, RIGHT)
    status, out = check(repo, "1")
    assert status == 0 and hint_lines(out) == []
    data = json.loads((repo / "exercises" / STATE_NAME).read_text(encoding="utf-8"))
    assert data == {"version": 1, "failed_runs": {"1.1": 3}}  # a pass takes back no hint earned
    write(repo, WRONG)
    assert len(hint_lines(check(repo, "1")[1])) == 2


def test_a_corrupt_state_file_counts_as_empty_and_is_replaced(repo):
    state = repo / "exercises" / STATE_NAME
    state.write_bytes(b"\xff\x00{not json")
    write(repo, WRONG)
    status, out = check(repo, "1")
    assert status == 1 and hint_lines(out) == ["hint 1: Think of the plus sign."]
    assert json.loads(state.read_text(encoding="utf-8"))["failed_runs"] == {"1.1": 1}


@pytest.mark.parametrize("text,kept", [
    ("[1, 2]", {}),
    ('{"failed_runs": [1]}', {}),
    ('{"failed_runs": {"1.1": "2", "1.2": true, "1.3": -1, "1.4": 2.5, "1.5": 2}}', {"1.5": 2}),
    ("[" * 100_000, {}),
    ('{"failed_runs": {"1.1": 1}}' + " " * (2 << 20), {}),
])
def test_state_entries_that_make_no_sense_are_dropped(tmp_path, text, kept):
    (tmp_path / STATE_NAME).write_text(text, encoding="utf-8")
    assert HintState.load(tmp_path).failed_runs == kept


def test_a_state_that_cannot_be_written_is_forgotten_quietly(repo):
    (repo / "exercises" / STATE_NAME).mkdir()  # not a file: unreadable and unreplaceable, even as root
    write(repo, WRONG)
    for _ in range(2):
        status, out = check(repo, "1")
        assert status == 1 and hint_lines(out) == ["hint 1: Think of the plus sign."]
    assert sorted(p.name for p in (repo / "exercises").iterdir()) == [STATE_NAME, "t01_arith.py",
                                                                       "t02_slow.py"]


def test_the_state_file_is_not_a_submitted_file(repo):
    write(repo, WRONG)
    check(repo, "1")
    result = run_course(repo / "exercises", course_root=repo / "tests" / "exercises", modules=[1],
                        isolation_level="none")
    assert (repo / "exercises" / STATE_NAME).is_file() and result.ignored == []


# --------------------------------------------------------------------------- progress


def test_each_module_is_shown_as_it_finishes_and_summed_up_in_course_order(repo):
    write(repo, RIGHT)
    # module 1 slow this time: its judge waits before testing
    (repo / "tests" / "exercises" / "test_t01_arith.py").write_text(
        "import time\n" + TESTS_1.replace('    got = as_float', '    time.sleep(4)\n    got = as_float'),
        encoding="utf-8")
    seen: list[str] = []
    result = run_course(repo / "exercises", course_root=repo / "tests" / "exercises", isolation_level="none",
                        on_module=lambda r: seen.append(r.module.name), workers=2)
    assert seen == ["t02_slow", "t01_arith"]
    assert [m.module.name for m in result.modules] == ["t01_arith", "t02_slow"]

    status, out = check(repo)
    assert status == 0
    assert out.index(" 2  Slow") < out.index(" 1  Arithmetic  산수")  # the blocks, as they finished
    summary = out[out.index("Summary"):]
    assert summary.index("1  Arithmetic") < summary.index("2  Slow")  # the summary, in course order
    assert "✓  1  Arithmetic" in summary and "Total  3 / 3 points" in summary


# --------------------------------------------------------------------------- pointers and `docs`


def test_without_docs_check_points_to_the_notebook(repo):
    status, out = check(repo, "1")
    assert "open the notebook t01_arith.ipynb (`microgradrnn notebooks DIR` copies" in out
    (repo / "notebooks").mkdir()
    (repo / "notebooks" / "t01_arith.ipynb").write_text("{}", encoding="utf-8")
    status, out = check(repo, "1")
    assert f"open the notebook\n    {repo / 'notebooks' / 't01_arith.ipynb'}\n" in out  # the path whole
    assert "docs/modules" not in out


def _docs(*argv: str) -> int:
    return cli.main(["docs", *argv])


def test_docs_builds_the_site_once_and_check_points_to_the_built_page(repo, monkeypatch, capsys):
    pytest.importorskip("mkdocs")
    monkeypatch.setattr(site, "missing_extra", lambda: [])  # this small site needs mkdocs alone
    with_docs(repo)
    status, out = check(repo, "1")
    assert "read the page: `microgradrnn docs 1` builds it" in out and "docs/modules" not in out

    monkeypatch.chdir(repo / "exercises")
    assert _docs("1") == 0
    captured = capsys.readouterr()
    page = repo / ".microgradrnn" / "site" / "modules" / "01-arith.html"
    assert captured.out.strip() == page.as_uri() and page.is_file()
    assert "Building the site" in captured.err
    assert not site.is_stale(repo)

    assert _docs("1") == 0  # up to date: no second build
    assert "Building" not in capsys.readouterr().err
    status, out = check(repo, "1")
    assert f"read\n    {page.as_uri()}\n" in out

    later = site.sources_mtime(repo) + 10
    os.utime(repo / "docs" / "modules" / "01-arith.md", (later, later))
    assert site.is_stale(repo)
    assert _docs() == 0  # the home page, rebuilt
    captured = capsys.readouterr()
    assert "Building the site" in captured.err
    assert captured.out.strip() == (repo / ".microgradrnn" / "site" / "index.html").as_uri()


def test_docs_open_opens_the_page(repo, monkeypatch, capsys):
    pytest.importorskip("mkdocs")
    monkeypatch.setattr(site, "missing_extra", lambda: [])
    monkeypatch.chdir(with_docs(repo))
    opened: list[str] = []
    monkeypatch.setattr("webbrowser.open", opened.append)
    assert _docs("2", "--open") == 0
    assert opened == [(repo / ".microgradrnn" / "site" / "modules" / "02-slow.html").as_uri()]


def test_a_failed_build_is_never_pointed_to(repo, monkeypatch, capsys):
    pytest.importorskip("mkdocs")
    monkeypatch.setattr(site, "missing_extra", lambda: [])
    monkeypatch.chdir(with_docs(repo))
    assert _docs("1") == 0 and site.is_built(repo)
    (repo / "mkdocs.yml").write_text(MKDOCS + "plugins:\n  - no-such-plugin\n", encoding="utf-8")
    later = site.sources_mtime(repo) + 10
    os.utime(repo / "mkdocs.yml", (later, later))
    assert _docs("1") == 1  # the old pages are still there, but no longer a complete build
    assert "mkdocs exited with" in capsys.readouterr().err
    assert not site.is_built(repo)
    assert "`microgradrnn docs 1` builds it" in check(repo, "1")[1]


def test_docs_without_the_docs_extra_says_how_to_install_it(repo, monkeypatch, capsys):
    monkeypatch.chdir(with_docs(repo))
    monkeypatch.setattr(site, "missing_extra", lambda: ["mkdocs_static_i18n"])
    assert _docs("1") == 1
    err = capsys.readouterr().err
    assert "needs the docs extra (missing: mkdocs_static_i18n)" in err
    assert f'-m pip install -e "{repo}[docs]"' in err


def test_docs_usage_and_missing_sources(repo, monkeypatch, capsys, tmp_path):
    monkeypatch.chdir(with_docs(repo))
    assert _docs("99") == 2 and "no module '99'" in capsys.readouterr().err
    bare = tmp_path / "bare"
    bare.mkdir()
    monkeypatch.chdir(bare)
    monkeypatch.setattr(site, "course_source", lambda: bare)  # an installed wheel: no docs sources
    assert _docs("1") == 1
    assert "microgradrnn notebooks DIR" in capsys.readouterr().err


def test_korean_edition_lives_under_ko_and_falls_back_to_english(tmp_path):
    (tmp_path / "mkdocs.yml").write_text(MKDOCS, encoding="utf-8")
    built = tmp_path / ".microgradrnn" / "site"
    (built / "modules").mkdir(parents=True)
    (built / "modules" / "01-arith.html").write_text("en", encoding="utf-8")
    assert site.page_path(tmp_path, "modules/01-arith.md", "ko") == built / "modules" / "01-arith.html"
    (built / "ko" / "modules").mkdir(parents=True)
    (built / "ko" / "modules" / "01-arith.html").write_text("ko", encoding="utf-8")
    assert site.page_path(tmp_path, "modules/01-arith.md", "ko") == built / "ko" / "modules" / "01-arith.html"
    assert site.page_path(tmp_path, "modules/01-arith.md", "en") == built / "modules" / "01-arith.html"
    assert site.built_page(tmp_path, "modules/01-arith.md") is None  # no stamp: not a complete build
    (tmp_path / "mkdocs.yml").write_text("site_name: t\n", encoding="utf-8")
    assert site.page_path(tmp_path, "modules/01-arith.md") == built / "modules" / "01-arith" / "index.html"
    assert site.page_path(tmp_path, "index.md") == built / "index.html"


def test_say_fills_the_korean_template():
    assert say("ko", "Total  {score} / {max_score} points", score="3", max_score="6") == "합계  3 / 6점"
    assert say("en", "Total  {score} / {max_score} points", score="3", max_score="6") == "Total  3 / 6 points"


def test_docs_and_check_are_registered():
    parser = cli.build_parser()
    assert parser.parse_args(["docs", "8", "--open", "--lang", "ko"]).func.__name__ == "run_docs"
    assert parser.parse_args(["check", "--lang", "ko"]).lang == "ko"
    with pytest.raises(SystemExit):
        parser.parse_args(["check", "--lang", "fr"])
