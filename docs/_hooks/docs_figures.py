"""MkDocs hook: pictures drawn by the library at build time, so they never drift from the code.

A page asks for a picture with a marker on a line of its own::

    <!-- figure: lstm_cell_op -->

The name is a function registered in ``figure_catalog.py`` (beside this file). The hook runs
it, and puts the SVG it returns inline in the page with its caption, inside a link that
mkdocs-glightbox opens as a zoomable picture (the SVG again, as a data: URL, so the site
still works opened from disk). An unknown name or a figure that raises fails the build: a
picture never silently vanishes.
"""

from __future__ import annotations

import base64
import html
import logging
import re
import sys
import time
import traceback
from pathlib import Path

from mkdocs.exceptions import PluginError

log = logging.getLogger("mkdocs.hooks.figures")

MARKER = re.compile(r"<!-- figure: (?P<name>[A-Za-z0-9_]+) -->")

_catalog = None
_rendered: dict[str, str] = {}


def on_config(config):
    global _catalog
    root = str(Path(config.config_file_path).resolve().parent)
    # Build from a plain checkout too: the library is importable from the repo root.
    if root not in sys.path:
        sys.path.insert(0, root)
    here = str(Path(__file__).resolve().parent)
    if here not in sys.path:
        sys.path.insert(0, here)
    import figure_catalog

    _catalog = figure_catalog
    return config


def figure_html(name: str, where: str) -> str:
    """The ``<figure>`` element for figure ``name`` (rendered once per build)."""
    if name in _rendered:
        return _rendered[name]
    if name not in _catalog.FIGURES:
        known = ", ".join(sorted(_catalog.FIGURES))
        raise PluginError(f"{where}: unknown figure {name!r} (known: {known})")
    start = time.perf_counter()
    try:
        fig = _catalog.FIGURES[name]()
    except Exception as exc:
        detail = "".join(traceback.format_exception(exc)[-6:])
        raise PluginError(f"{where}: figure {name!r} failed: {exc}\n{detail}") from exc
    svg = _catalog.clean_svg(fig.svg, prefix=name)
    zoomed = "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
    caption = re.sub(r"<[^>]+>", "", fig.caption)
    out = (
        f'<figure class="mgr-figure" id="fig-{name}" data-search-exclude>\n'
        f'<a class="glightbox mgr-figure-body" href="{zoomed}" data-type="image" '
        f'data-description="{html.escape(caption, quote=True)}" title="Click to zoom">{svg}</a>\n'
        f"<figcaption>{fig.caption}</figcaption>\n</figure>"
    )
    log.debug("figure %s drawn in %.2f s", name, time.perf_counter() - start)
    _rendered[name] = out
    return out


def on_page_content(html_text: str, page, config, files):  # noqa: ARG001 (hook signature)
    where = page.file.src_uri
    return MARKER.sub(lambda m: figure_html(m.group("name"), where), html_text)
