"""MkDocs hook: a built site that also works opened from disk (file://).

- Search: opened from file://, Material's bundle cannot fetch ``search/search_index.json``;
  it loads ``search/search_index.js`` with a script tag instead and reads the global
  ``__index``. This writes that file next to the JSON one after the build (the search
  plugin's ``on_post_build`` runs before the hooks'). ``javascripts/file-search.js`` does the
  other half: the search worker.
- 404 page: a server sends it for a missing URL at any depth, so MkDocs writes its links
  from the site root (``/assets/...``), which from disk point at the root of the file
  system. This makes them relative (right from disk, where 404.html sits at the site root)
  and, for a page that is served, restores the root with a ``<base>`` element and Material's
  ``base`` setting before anything loads.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from urllib.parse import urlsplit

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority

_CONFIG = re.compile(r'(<script id="__config" type="application/json">)(.*?)(</script>)', re.DOTALL)


def relative_404(page_html: str, root: str) -> str:
    """The 404 page with site-root links made relative; ``root`` is the site's URL path."""
    page_html = re.sub(rf'\b(href|src)="{re.escape(root)}(?!/)', r'\1="./', page_html)

    def config(match: re.Match[str]) -> str:
        data = json.loads(match.group(2))
        data["base"] = "."
        if data.get("search", "").startswith(root):
            data["search"] = data["search"][len(root) :]
        return match.group(1) + json.dumps(data) + match.group(3)

    page_html, found = _CONFIG.subn(config, page_html)
    if not found:
        raise PluginError("404.html: no Material __config script to make relative")
    base_tag = json.dumps(f'<base href="{html.escape(root)}">')
    base = f'<script>if (location.protocol !== "file:") document.write({base_tag})</script>'
    restore = (
        '<script>if (location.protocol !== "file:") {'
        'const c = document.getElementById("__config"), d = JSON.parse(c.textContent);'
        f"d.base = {json.dumps(root)}; c.textContent = JSON.stringify(d)"
        "}</script>"
    )
    page_html = page_html.replace("<head>", "<head>" + base, 1)
    return _CONFIG.sub(lambda m: m.group(0) + restore, page_html, count=1)


_NOT_FOUND: dict[str, str] = {}  # language -> its 404 page, kept until every edition is built


def on_post_template(output_content: str, template_name: str, config) -> str:
    if template_name != "404.html":
        return output_content
    root = urlsplit(config.site_url or "/").path or "/"
    page = relative_404(output_content, root if root.endswith("/") else root + "/")
    _NOT_FOUND[str(config.theme.get("language") or "en")] = page
    return page


def _write_404s(site_dir: Path) -> None:
    """The default edition's 404 at the root, each other edition's in its own folder.

    mkdocs-static-i18n builds the Korean edition into the same site and would leave its 404
    page at the root, with links into ko/.
    """
    for language, page in _NOT_FOUND.items():
        target = site_dir / "404.html" if language == "en" else site_dir / language / "404.html"
        if target.parent.is_dir():
            target.write_text(page, encoding="utf-8")


# After mkdocs-static-i18n (priority -100), which rewrites the index with every language's pages.
@event_priority(-110)
def on_post_build(config) -> None:
    index = Path(config.site_dir) / "search" / "search_index.json"
    if not index.is_file():
        raise PluginError(f"no search index at {index}: is the search plugin enabled?")
    _write_404s(Path(config.site_dir))
    script = index.with_suffix(".js")
    script.write_text("var __index = " + index.read_text(encoding="utf-8"), encoding="utf-8")
