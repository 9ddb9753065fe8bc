"""The words of ``microgradrnn check`` in English and Korean: one catalogue, one lookup.

Every message is an English template (``str.format`` fields in braces); :data:`KO` maps it
to its Korean version, in the terms of the course notes (연습 문제, 힌트, 스텁, 기울기 ...).
:func:`say` formats a template in the chosen language; a template missing from the
catalogue is shown in English, and the tests keep the catalogue complete.

The language is ``--lang`` when given, else the locale (``LC_ALL``, then ``LC_MESSAGES``, then
``LANG``, the first that is set): Korean when it starts with ``ko``, English otherwise.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

LANGUAGES = ("en", "ko")

KO: dict[str, str] = {
    # the scoreboard
    "Checking {path}": "{path} 검사 중",
    "checking {names} …": "{names} 검사 중 …",
    "{modules} with exercises": "연습 문제가 있는 {modules}",
    " ({skipped} without exercises yet)": " (연습 문제가 아직 없는 모듈 {skipped}개)",
    "; each is judged in its own process, your code in another.":
        ". 모듈마다 따로 프로세스에서 채점하며, 여러분의 코드는 또 다른 프로세스에서 실행됩니다.",
    "No exercises listed yet for {names}.": "{names}에는 아직 연습 문제가 없습니다.",
    "not implemented yet: write {function} in exercises/{filename}":
        "아직 구현하지 않았습니다: exercises/{filename}에 {function}을(를) 작성하세요",
    "hint {n}: {text}": "힌트 {n}: {text}",
    "read {url}": "읽을 곳: {url}",
    "read the page: `microgradrnn docs {number}` builds it and prints where it is":
        "페이지 읽기: `microgradrnn docs {number}`가 사이트를 빌드하고 페이지의 위치를 알려 줍니다",
    "open the notebook {name} (`microgradrnn notebooks DIR` copies the notebooks into DIR)":
        "노트북 {name}을(를) 여세요 (`microgradrnn notebooks DIR`가 노트북을 DIR에 복사합니다)",
    "open the notebook {path}": "노트북을 여세요: {path}",
    "Summary": "요약",
    "Total  {score} / {max_score} points": "합계  {score} / {max_score}점",
    "({modules}, {seconds} s)": "({modules}, {seconds}초)",
    "The tests of {names} could not run.": "{names}의 테스트를 실행할 수 없었습니다.",
    "Next up: exercise {id} {function} in exercises/{filename}":
        "다음 차례: exercises/{filename}의 연습 문제 {id} {function}",
    "Everything passes. Well done!": "모두 통과했습니다. 잘했어요!",
    "Hints unlock one at a time: hint 1 after a failing check, hint 2 when it fails again.":
        "힌트는 하나씩 열립니다. 검사에 실패하면 힌트 1, 다시 실패하면 힌트 2가 나옵니다.",
    # usage errors
    "microgradrnn check: --timeout and --test-timeout must be positive":
        "microgradrnn check: --timeout과 --test-timeout은 양수여야 합니다",
    "microgradrnn check: --exercises {given}: {path} does not exist":
        "microgradrnn check: --exercises {given}: {path}이(가) 없습니다",
    "microgradrnn check: --exercises {given}: {path} is not a folder":
        "microgradrnn check: --exercises {given}: {path}은(는) 폴더가 아닙니다",
    "microgradrnn check: no exercises/ folder found here or above; run `microgradrnn start DIR` to lay "
    "out the course, or pass --exercises DIR":
        "microgradrnn check: 이 폴더와 그 위에서 exercises/ 폴더를 찾지 못했습니다. `microgradrnn start "
        "DIR`로 강의 파일을 펼치거나 --exercises DIR를 주세요",
    "interrupted": "중단됨",
    # reasons the grader gives, shown as they come (see translate)
    "{filename} is missing from the submission": "{filename} 파일이 없습니다",
    "not run: the module used up its {seconds} s":
        "실행하지 않음: 모듈이 제한 시간 {seconds}초를 다 썼습니다",
    "test not found in the test file": "테스트 파일에 이 테스트가 없습니다",
    "the tests could not run ({why})": "테스트를 실행할 수 없었습니다 ({why})",
    # microgradrnn docs
    "Building the site into {path} (a minute or two) …": "{path}에 사이트를 빌드하는 중 (1~2분) …",
    "The site is up to date: {path}": "사이트가 최신입니다: {path}",
    "microgradrnn docs: building the site needs the docs extra (missing: {missing}). Install it with:":
        "microgradrnn docs: 사이트를 빌드하려면 docs 추가 패키지가 필요합니다 (없는 것: {missing}). "
        "다음으로 설치하세요:",
    "microgradrnn docs: no docs/ and mkdocs.yml here or above, nor in the checkout this package was "
    "installed from. The notebooks hold the same pages: `microgradrnn notebooks DIR` copies them.":
        "microgradrnn docs: 이 폴더와 그 위에도, 이 패키지를 설치한 체크아웃에도 docs/와 mkdocs.yml이 "
        "없습니다. 노트북에 같은 내용이 있으니 `microgradrnn notebooks DIR`로 복사하세요.",
    "microgradrnn docs: the build did not write {path}":
        "microgradrnn docs: 빌드가 {path}을(를) 쓰지 않았습니다",
    "microgradrnn docs: {error}": "microgradrnn docs: {error}",
    "Opening {url}": "여는 중: {url}",
}

# A count of modules reads differently in each language: English needs its plural.
_MODULES = {"en": ("{n} module", "{n} modules"), "ko": ("모듈 {n}개", "모듈 {n}개")}


def choose_language(option: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """``"ko"`` or ``"en"``: ``option`` (``--lang``) when given, else the locale."""
    if option in LANGUAGES:
        return option
    environ = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        if value:  # the first that is set decides, as in POSIX
            return "ko" if value.lower().startswith("ko") else "en"
    return "en"


def say(lang: str, template: str, **fields: object) -> str:
    """``template`` in ``lang``, its fields filled in."""
    text = KO.get(template, template) if lang == "ko" else template
    return text.format(**fields)


def modules(lang: str, n: int) -> str:
    """``n`` modules, e.g. ``"1 module"``, ``"3 modules"``, ``"모듈 3개"``."""
    one, many = _MODULES.get(lang, _MODULES["en"])
    return (one if n == 1 else many).format(n=n)


def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", template)
    regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts))
    return re.compile(regex + r"\Z", re.DOTALL)


# The grader's own reasons: English made by the runner, recognised and shown in Korean.
_REASONS = [(t, _pattern(t)) for t in (
    "{filename} is missing from the submission",
    "not run: the module used up its {seconds} s",
    "test not found in the test file",
)]
_COULD_NOT_RUN = re.compile(r"the tests could not run \((?P<why>.*)\)(?P<tail>:?)\Z")


def translate(lang: str, text: str) -> str:
    """A reason the grader wrote in English, in ``lang`` when the catalogue knows its first line.

    The tests' own messages (expected this, got that) stay as they are.
    """
    if lang == "en":
        return text
    head, sep, rest = text.partition("\n")
    for template, pattern in _REASONS:
        match = pattern.match(head)
        if match:
            return say(lang, template, **match.groupdict()) + sep + rest
    match = _COULD_NOT_RUN.match(head)
    if match:
        return say(lang, "the tests could not run ({why})", why=match["why"]) + match["tail"] + sep + rest
    return text
