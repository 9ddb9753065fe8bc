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


def render_math(page_html: str, where: str) -> str:
    """Replace every arithmatex span of ``page_html`` by MathML."""

    def replace(match: re.Match[str]) -> str:
        body = html.unescape(match.group("body").strip())
        display = match.group("tag") == "div"
        found = (_BLOCK if display else _INLINE).match(body)
        if found is None:
            raise PluginError(f"{where}: unexpected math markup {body!r}")
        try:
            mathml = latex_to_mathml(found.group("tex"), display)
        except ValueError as exc:
            raise PluginError(f"{where}: {exc}") from exc
        if display:
            return f'<div class="math-display">{mathml}</div>'
        return mathml

    return _SPAN.sub(replace, page_html)


def on_page_content(html_text: str, page, config, files) -> str:  # noqa: ARG001 (hook signature)
    return render_math(html_text, page.file.src_uri)
