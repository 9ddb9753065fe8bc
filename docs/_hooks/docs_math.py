"""MkDocs hook: turn the LaTeX that ``pymdownx.arithmatex`` marks into MathML at build time.

Arithmatex (``generic: true``) protects ``$...$`` and ``$$...$$`` from Markdown and wraps
them as ``<span class="arithmatex">\\(...\\)</span>`` / ``<div class="arithmatex">\\[...\\]</div>``.
This hook replaces each span by the MathML that ``latex2mathml`` produces, so browsers render
the equations natively: no script, no CDN, works from disk.

A formula latex2mathml cannot translate fails the build with the page and the formula.
"""

from __future__ import annotations

import html
import logging
import re

from latex2mathml.converter import convert
from mkdocs.exceptions import PluginError

log = logging.getLogger("mkdocs.hooks.math")

_SPAN = re.compile(
    r'<(?P<tag>span|div) class="arithmatex">(?P<body>.*?)</(?P=tag)>',
    re.DOTALL,
)
_INLINE = re.compile(r"^\\\((?P<tex>.*)\\\)$", re.DOTALL)
_BLOCK = re.compile(r"^\\\[(?P<tex>.*)\\\]$", re.DOTALL)
# latex2mathml passes unknown commands through as text (<mi>\foo</mi>) and breaks on a bare
# `&` outside a table environment; both mean the formula would display wrong.
_UNKNOWN_COMMAND = re.compile(r">\\[A-Za-z]+<")
_STRAY_AMPERSAND = re.compile(r">&<")
# A row-spacing argument such as `\\[4pt]` is printed as text instead of being applied.
_LITERAL_LENGTH = re.compile(r"<mn>[0-9.]+(pt|em|ex|mm)</mn>")


def latex_to_mathml(tex: str, display: bool) -> str:
    """One formula to a ``<math>`` element; raises ``ValueError`` if it would render wrong."""
    try:
        mathml = convert(tex.strip(), display="block" if display else "inline")
    except Exception as exc:  # latex2mathml raises many unrelated exception types
        raise ValueError(f"latex2mathml cannot convert {tex!r}: {exc}") from exc
    bad = _UNKNOWN_COMMAND.search(mathml) or _STRAY_AMPERSAND.search(mathml) or _LITERAL_LENGTH.search(mathml)
    if bad:
        raise ValueError(f"unsupported LaTeX in {tex!r} (near {bad.group(0)!r})")
    return mathml


_TOKEN = re.compile(r"\\(?:begin|end|left|right)\b|\\qquad\b|\\[{}]|[{}]|\\[A-Za-z]+|\\.|[^\\{}]+")


def split_formulas(tex: str) -> list[str]:
    """The formulas of a display that ``\\qquad`` sets side by side, each on its own.

    Only a ``\\qquad`` at the top level splits: not inside braces, an environment
    (``aligned``, ``cases``) or a ``\\left ... \\right`` pair. Set apart, the formulas can wrap
    onto separate lines in a narrow column instead of running out of it.
    """
    parts: list[str] = []
    depth = 0
    start = 0
    for token in _TOKEN.finditer(tex):
        text = token.group(0)
        if text in ("{", "\\begin", "\\left"):
            depth += 1
        elif text in ("}", "\\end", "\\right"):
            depth -= 1
        elif text == "\\qquad" and depth == 0:
            parts.append(tex[start : token.start()])
            start = token.end()
    parts.append(tex[start:])
    return [p.strip() for p in parts if p.strip()]


def display_math(tex: str) -> str:
    """A display equation; side-by-side formulas become items that wrap (see extra.css)."""
    formulas = split_formulas(tex)
    if len(formulas) == 1:
        return f'<div class="math-display">{latex_to_mathml(tex, True)}</div>'
    items = "".join(f'<span class="math-part">{latex_to_mathml(f, True)}</span>' for f in formulas)
    return f'<div class="math-display math-split">{items}</div>'


def render_math(page_html: str, where: str) -> str:
    """Replace every arithmatex span of ``page_html`` by MathML."""

    def replace(match: re.Match[str]) -> str:
        body = html.unescape(match.group("body").strip())
        display = match.group("tag") == "div"
        found = (_BLOCK if display else _INLINE).match(body)
        if found is None:
            raise PluginError(f"{where}: unexpected math markup {body!r}")
        try:
            if display:
                return display_math(found.group("tex"))
            return latex_to_mathml(found.group("tex"), display)
        except ValueError as exc:
            raise PluginError(f"{where}: {exc}") from exc

    return _SPAN.sub(replace, page_html)


def on_page_content(html_text: str, page, config, files) -> str:  # noqa: ARG001 (hook signature)
    return render_math(html_text, page.file.src_uri)
