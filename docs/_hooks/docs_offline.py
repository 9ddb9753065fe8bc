"""MkDocs hook: the search index as a script, for a site opened from disk.

Opened from file://, Material's bundle cannot fetch ``search/search_index.json``; it loads
``search/search_index.js`` with a script tag instead and reads the global ``__index``. This
writes that file next to the JSON one after the build (the search plugin's ``on_post_build``
runs before the hooks'). ``javascripts/file-search.js`` does the other half: the search worker.
"""

from __future__ import annotations

from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority


# After mkdocs-static-i18n (priority -100), which rewrites the index with every language's pages.
@event_priority(-110)
def on_post_build(config) -> None:
    index = Path(config.site_dir) / "search" / "search_index.json"
    if not index.is_file():
        raise PluginError(f"no search index at {index}: is the search plugin enabled?")
    script = index.with_suffix(".js")
    script.write_text("var __index = " + index.read_text(encoding="utf-8"), encoding="utf-8")
