"""The docs site builds with ``mkdocs build --strict`` and shows what the course promises.

One build (module-scoped) is shared by every test here. Skipped when the docs extras
(``pip install -e ".[docs]"``) are not installed.
"""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # the docs stack needs Python 3.11+
pytest.importorskip("mkdocs")
pytest.importorskip("material")
pytest.importorskip("latex2mathml")
pytest.importorskip("mkdocstrings_handlers.python")

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / "tests" / "exercises" / "manifest.toml"


def _modules() -> list[dict]:
    with MANIFEST.open("rb") as fh:
        return tomllib.load(fh)["module"]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
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


def _page(site: Path, src: str) -> str:
    path = site / Path(src).with_suffix(".html")
    assert path.is_file(), f"no built page for docs/{src}"
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("module", _modules(), ids=lambda m: m["name"])
def test_module_page_has_picture_math_and_korean(site: Path, module: dict) -> None:
    page = _page(site, module["page"])
    figures = re.findall(r'<figure class="mgr-figure".*?</figure>', page, re.DOTALL)
    assert figures, f"{module['page']}: no generated picture"
    assert all("<svg" in f for f in figures), f"{module['page']}: a figure without SVG"
    assert "<math" in page, f"{module['page']}: no equation rendered to MathML"
    assert "arithmatex" not in page, f"{module['page']}: math left unconverted"
    assert module["korean"] in page, f"{module['page']}: Korean term {module['korean']!r} missing"


@pytest.mark.parametrize("module", _modules(), ids=lambda m: m["name"])
def test_module_page_lists_every_exercise_with_points(site: Path, module: dict) -> None:
    page = _page(site, module["page"])
    assert "<!-- exercises -->" not in page
    for ex in module.get("exercise", []):
        points = sum(ex["tests"].values())
        unit = "point" if points == 1 else "points"
        title = f"Exercise {ex['id']} · {ex['function']} · {points} {unit}"
        assert title in page, f"{module['page']}: {title!r} not listed"
        for test_name, pts in ex["tests"].items():
            assert re.search(rf"<code>{re.escape(test_name)}</code></td>\s*<td[^>]*>{pts}</td>", page), (
                f"{module['page']}: test {test_name} ({pts} points) of exercise {ex['id']} not listed"
            )


class _ResourceFinder(HTMLParser):
    """Collects every URL the browser would fetch by itself (not plain hyperlinks)."""

    FETCHING = {
        "script": "src",
        "img": "src",
        "iframe": "src",
        "embed": "src",
        "source": "src",
        "audio": "src",
        "video": "src",
        "track": "src",
        "object": "data",
    }

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in self.FETCHING and a.get(self.FETCHING[tag]):
            self.urls.append(a[self.FETCHING[tag]] or "")
        if tag == "link" and a.get("href") and (a.get("rel") or "") != "canonical":
            self.urls.append(a["href"] or "")
        if tag == "image":  # SVG <image href=...>
            self.urls += [v or "" for k, v in attrs if k in ("href", "xlink:href")]
        if a.get("style"):
            self.urls += _css_urls(a["style"] or "")
        self._in_style = tag == "style"

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.urls += _css_urls(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False


def _css_urls(css: str) -> list[str]:
    found = re.findall(r"url\(\s*['\"]?([^'\")]+)", css)
    found += re.findall(r"@import\s+['\"]([^'\"]+)", css)
    return found


def _external(url: str) -> bool:
    return bool(re.match(r"^(https?:)?//", url.strip(), re.IGNORECASE))


def test_site_fetches_nothing_from_the_network(site: Path) -> None:
    offenders = []
    for path in sorted(site.rglob("*.html")):
        finder = _ResourceFinder()
        finder.feed(path.read_text(encoding="utf-8"))
        offenders += [f"{path.relative_to(site)}: {u}" for u in finder.urls if _external(u)]
    for path in sorted(site.rglob("*.css")):
        offenders += [
            f"{path.relative_to(site)}: {u}"
            for u in _css_urls(path.read_text(encoding="utf-8"))
            if _external(u)
        ]
    assert not offenders, "external resources in the built site:\n" + "\n".join(offenders[:20])


def test_home_and_lstm_pages_show_the_setup_and_gate_equations(site: Path) -> None:
    home = html.unescape(re.sub(r"<[^>]+>", "", _page(site, "index.md")))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = [c.strip() for c in re.findall(r"```bash\n(.*?)```", readme, flags=re.S)[:2]]
    assert commands[0] == "pip install -e . && microgradrnn check"
    for command in commands:  # the site shows README's two set-up commands, word for word
        assert command in home, command
    lstm = _page(site, "modules/08-lstm.md")
    assert lstm.count('<div class="math-display"><math') >= 6, "LSTM page lacks its gate equations"


def test_search_works_from_a_server_and_from_disk(site: Path) -> None:
    index = (site / "search" / "search_index.json").read_text(encoding="utf-8")
    # Opened from file://, Material's bundle loads the index as a script setting `__index`.
    script = (site / "search" / "search_index.js").read_text(encoding="utf-8")
    assert script == "var __index = " + index
    # ...and the search worker runs through our stand-in, loaded before the bundle.
    home = _page(site, "index.md")
    assert home.index('src="javascripts/file-search.js"') < home.index('src="assets/javascripts/bundle.')
