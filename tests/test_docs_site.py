"""The built site as a reader meets it: search in Korean, the API reference, layout and math.

One ``mkdocs build --strict`` (module-scoped) is shared by every test here. Skipped when the
docs extras (``pip install -e ".[docs]"``) are not installed. The search test that runs
Material's own search worker needs Node.js and is skipped without it.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
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


def _text(page_html: str) -> str:
    """What a reader sees of the article: no tags, entities decoded."""
    article = re.search(r'<article class="md-content__inner.*?</article>', page_html, re.DOTALL)
    assert article, "no article in page"
    return html.unescape(re.sub(r"<[^>]+>", " ", article.group(0)))


# ---------------------------------------------------------------------------------------------
# Search


def _search_index(site: Path) -> dict:
    return json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))


def _tokens(text: str, separator: str) -> set[str]:
    """Material's tokenizer: tags are not text, the rest is split on the separator.

    The separator is a JavaScript regex; the one configured is also valid (and means the
    same) in Python, which ``re.compile`` checks here.
    """
    tokens: set[str] = set()
    for section in re.split(r"<[^>]*>", text):
        tokens.update(t.lower() for t in re.split(separator, section) if t)
    return tokens


def _pages_mentioning(site: Path, word: str) -> set[str]:
    """Module pages of both editions (``modules/NN-x.html``, ``ko/modules/NN-x.html``) showing ``word``."""
    return {
        p.relative_to(site).as_posix()
        for folder in (site / "modules", site / "ko" / "modules")
        for p in sorted(folder.glob("[0-9][0-9]-*.html"))
        if word in _text(p.read_text(encoding="utf-8"))
    }


def test_search_config_is_english_and_korean(site: Path) -> None:
    config = _search_index(site)["config"]
    assert config["lang"] == ["en", "ko"]
    # Material's worker loads the Korean stop-word filter from the built site, not a CDN.
    assert (site / "assets" / "javascripts" / "lunr" / "min" / "lunr.ko.min.js").is_file()


@pytest.mark.parametrize("word", ["기울기", "소실", "역전파", "순환", "자동"])
def test_korean_words_are_indexed_apart_from_brackets_and_slashes(site: Path, word: str) -> None:
    index = _search_index(site)
    separator = index["config"]["separator"]
    pages = _pages_mentioning(site, word)
    assert pages, f"no module page shows {word!r}: pick another word for this test"
    # Material searches each term as a prefix (기울기*), so 기울기가, 기울기를 match too.
    indexed = {
        doc["location"].split("#")[0]
        for doc in index["docs"]
        for field in ("title", "text")
        if any(t.startswith(word) for t in _tokens(doc[field], separator))
    }
    missing = pages - indexed
    assert not missing, f"{word!r} is glued to punctuation in the index of {sorted(missing)}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("(기울기 소실/폭발)", {"기울기", "소실", "폭발"}),
        ("7 · Vanishing gradients", {"7", "vanishing", "gradients"}),
        ("nn.RNN and RNNCell, v0.1", {"nn", "rnn", "and", "cell", "v0.1"}),
        ("「장단기 메모리」", {"장단기", "메모리"}),
    ],
)
def test_separator_splits_brackets_slashes_dots_and_camel_case(
    site: Path, text: str, expected: set[str]
) -> None:
    separator = _search_index(site)["config"]["separator"]
    assert expected <= _tokens(text, separator), _tokens(text, separator)


# Runs the search worker that the built site ships (assets/javascripts/workers/search.*.js) in
# a bare V8 context, as a browser's Worker would: setup message with the index, then queries.
_WORKER_RUNNER = r"""
"use strict"
const fs = require("fs"), path = require("path"), vm = require("vm")
const [site, ...queries] = process.argv.slice(1)
const workers = path.join(site, "assets/javascripts/workers")
const worker = fs.readdirSync(workers).find(f => /^search\..*\.js$/.test(f))
const listeners = [], replies = []
const ctx = { console, setTimeout, clearTimeout }
ctx.self = ctx
ctx.addEventListener = (type, fn) => listeners.push(fn)
ctx.postMessage = msg => replies.push(msg)
ctx.importScripts = (...urls) => {
  for (const url of urls)
    vm.runInContext(fs.readFileSync(path.resolve(workers, url), "utf8"), ctx, { filename: url })
}
vm.createContext(ctx)
vm.runInContext(fs.readFileSync(path.join(workers, worker), "utf8"), ctx)
const index = JSON.parse(fs.readFileSync(path.join(site, "search/search_index.json"), "utf8"))
async function send(data) {
  const before = replies.length
  for (const fn of listeners) await fn({ data })
  while (replies.length === before) await new Promise(r => setTimeout(r, 1))
  return replies[replies.length - 1]
}
;(async () => {
  const ready = await send({ type: 0, data: { ...index, options: { suggest: false } } })
  if (ready.type !== 1) throw new Error("search worker did not get ready")
  const out = {}
  for (const q of queries) {
    const res = await send({ type: 2, data: q })
    out[q] = res.data.items.map(group => group[0].location.split("#")[0])
  }
  process.stdout.write(JSON.stringify(out))
})().catch(err => { console.error(err); process.exit(1) })
"""


def _search(site: Path, *queries: str) -> dict[str, list[str]]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed: cannot run the site's search worker")
    proc = subprocess.run(
        [node, "-e", _WORKER_RUNNER, str(site), *queries],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Invalid query" not in proc.stderr, proc.stderr[-3000:]
    return json.loads(proc.stdout)


def test_searching_giulgi_finds_every_module_page_that_uses_it(site: Path) -> None:
    pages = _pages_mentioning(site, "기울기")
    assert "modules/07-vanishing-exploding.html" in pages
    found = _search(site, "기울기")["기울기"]
    assert pages <= set(found), f"search for 기울기 misses {sorted(pages - set(found))}"
    # A page about it comes before the glossary and the index pages.
    assert found[0] in pages, found


def test_each_module_is_found_by_its_korean_name(site: Path) -> None:
    queries = {m["korean"].split("/")[0].split("·")[0]: m["page"] for m in _modules()}
    results = _search(site, *queries)
    missing = {
        q: page
        for q, page in queries.items()
        if str(Path(page).with_suffix(".html")) not in results[q]
    }
    assert not missing, f"Korean searches that miss their module page: {missing}"


# ---------------------------------------------------------------------------------------------
# API reference

_REFERENCE_PAGES = sorted(p.name for p in (ROOT / "docs" / "reference").glob("*.md"))
_SOURCE_BLOCK = re.compile(r'<details class="mkdocstrings-source">.*?</details>', re.DOTALL)


def _reference_text(site: Path, name: str) -> str:
    """The page as rendered from docstrings, without the source listings (raw by design)."""
    return _text(_SOURCE_BLOCK.sub("", _page(site, f"reference/{name}")))


@pytest.mark.parametrize("name", _REFERENCE_PAGES)
def test_api_reference_shows_no_sphinx_markup(site: Path, name: str) -> None:
    text = _reference_text(site, name)
    raw = re.findall(r":(?:py:)?[a-z]+:`[^`]*`", text)
    assert not raw, f"reference/{name}: raw roles {raw[:5]}"
    literal = re.findall(r"\S::\s*$", text, re.MULTILINE)
    assert not literal, f"reference/{name}: reST literal markers {literal[:5]}"


@pytest.mark.parametrize("name", _REFERENCE_PAGES)
def test_api_signatures_and_bases_are_public(site: Path, name: str) -> None:
    page = _SOURCE_BLOCK.sub("", _page(site, f"reference/{name}"))
    signatures = [
        html.unescape(re.sub(r"<[^>]+>", "", s))
        for s in re.findall(r'<div class="[^"]*\bdoc-signature\b[^"]*">.*?</div>', page, re.DOTALL)
    ]
    assert signatures or name == "index.md", f"reference/{name}: no signatures found"
    private = [s for s in signatures if re.search(r"[(,]\s*_[a-z]\w*\s*[:=,)]", s)]
    assert not private, f"reference/{name}: private parameters in {private[:3]}"
    bases = re.findall(r'<p class="doc doc-class-bases">(.*?)</p>', page, re.DOTALL)
    private_bases = [b for b in bases if re.search(r">_\w+<", b) or re.search(r"\b_[A-Z]\w*", b)]
    assert not private_bases, f"reference/{name}: private base classes {private_bases[:3]}"


def test_value_signature_keeps_the_public_parameters(site: Path) -> None:
    page = _SOURCE_BLOCK.sub("", _page(site, "reference/engine.md"))
    start = page.index('id="microgradrnn.value.Value"')
    signature = html.unescape(re.sub(r"<[^>]+>", "", page[start : start + 4000]))
    assert re.search(r"Value\(\s*data: Number,\s*label: str \| None = None\s*\)", signature), signature[:600]


def test_rnn_cell_bases_name_the_public_module_class(site: Path) -> None:
    page = _page(site, "reference/nn.md")
    start = page.index('id="microgradrnn.nn.cells.RNNCell"')
    bases = re.search(r'<p class="doc doc-class-bases">(.*?)</p>', page[start:], re.DOTALL)
    assert bases and 'href="#microgradrnn.nn.module.Module"' in bases.group(1), bases


def test_roles_link_to_the_objects_they_name(site: Path) -> None:
    engine = _page(site, "reference/engine.md")
    # graph's module docstring: ":func:`backward` walks the graph once ..."
    link = r'<a class="autorefs[^"]*"[^>]*href="#microgradrnn\.graph\.backward"><code>backward</code>'
    assert re.search(link, engine)
    nn = _page(site, "reference/nn.md")
    # scalar_cells: ":class:`~microgradrnn.nn.RNNCell` from Values", an alias of nn.cells.RNNCell
    assert re.search(r'href="#microgradrnn\.nn\.cells\.RNNCell"><code>RNNCell</code></a>', nn)
    assert "<autoref" not in engine + nn


def _hooks_module(name: str):
    sys.path.insert(0, str(ROOT / "docs" / "_hooks"))
    try:
        return __import__(name)
    finally:
        sys.path.pop(0)


_PACKAGE = {
    "__init__.py": "from pkg.core import Thing\n",
    "sub.py": "",
    "core.py": '''
"""See :class:`Thing`, :func:`_helper`, :mod:`.sub`, :func:`nowhere` and :class:`pkg.Thing`.

Example::

    x = 1
"""
class _Base:
    pass
class Public:
    pass
class _Mid(Public):
    pass
class Thing(_Base, _Mid):
    """:meth:`go` and :meth:`~pkg.core.Thing.go`."""
    def __init__(self, a, _secret=1, b=2): ...
    def go(self): ...
def _helper(): ...
''',
}


def test_griffe_extension_resolves_roles_and_hides_private_names() -> None:
    griffe = pytest.importorskip("griffe")
    docs_view = _hooks_module("griffe_docs").DocsView
    with griffe.temporary_visited_package(
        "pkg", _PACKAGE, extensions=griffe.load_extensions(docs_view), resolve_aliases=True
    ) as pkg:
        core = pkg["core"]
        text = core.docstring.value
        thing = core["Thing"]
        assert '<autoref identifier="pkg.core.Thing" optional><code>Thing</code></autoref>' in text
        assert '<autoref identifier="pkg.sub" optional><code>sub</code></autoref>' in text
        # an alias resolves to where the object is defined, which is where it is rendered
        assert '<autoref identifier="pkg.core.Thing" optional><code>pkg.Thing</code></autoref>' in text
        assert "<code>nowhere</code>" in text and 'identifier="nowhere"' not in text
        assert "Example:\n\n    x = 1" in text
        assert thing.docstring.value == (
            '<autoref identifier="pkg.core.Thing.go" optional><code>go</code></autoref> and '
            '<autoref identifier="pkg.core.Thing.go" optional><code>go</code></autoref>.'
        )
        assert [p.name for p in thing["__init__"].parameters] == ["self", "a", "b"]
        assert [str(b) for b in thing.bases] == ["Public"]


# ---------------------------------------------------------------------------------------------
# Math: side-by-side formulas, the font


@pytest.mark.parametrize(
    ("tex", "parts"),
    [
        (r"a = b, \qquad c \le d", [r"a = b,", r"c \le d"]),
        (r"\left\lVert x \qquad y \right\rVert \qquad z", [r"\left\lVert x \qquad y \right\rVert", "z"]),
        (r"\begin{cases} a \qquad b \end{cases}", [r"\begin{cases} a \qquad b \end{cases}"]),
        (r"{x \qquad y} \qquad \{q", [r"{x \qquad y}", r"\{q"]),
        (r"a \quad b", [r"a \quad b"]),
    ],
)
def test_only_top_level_qquad_splits_a_display(tex: str, parts: list[str]) -> None:
    assert _hooks_module("docs_math").split_formulas(tex) == parts


def test_side_by_side_formulas_become_wrapping_items(site: Path) -> None:
    page = _page(site, "modules/07-vanishing-exploding.md")
    split = re.findall(r'<div class="math-display math-split">(.*?)</div>', page, re.DOTALL)
    assert split, "module 7's two bounds are no longer set apart"
    for block in split:
        parts = re.findall(r'<span class="math-part"><math[^>]*display="block"', block)
        assert len(parts) >= 2, block[:300]


def test_site_ships_an_open_math_font(site: Path) -> None:
    font = site / "stylesheets" / "fonts" / "STIXMath-Regular.otf"
    data = font.read_bytes()
    assert data[:4] == b"OTTO", "not an OpenType (CFF) font"
    # Big operators and their limits are laid out from the font's OpenType MATH table.
    num_tables = int.from_bytes(data[4:6], "big")
    tags = {data[12 + 16 * i : 16 + 16 * i] for i in range(num_tables)}
    assert b"MATH" in tags
    assert "SIL OPEN FONT LICENSE Version 1.1" in (font.parent / "OFL.txt").read_text(encoding="utf-8")
    css = (site / "stylesheets" / "extra.css").read_text(encoding="utf-8")
    assert 'url("fonts/STIXMath-Regular.otf")' in css
    assert re.search(r'math \{\s*font-family: [^;]*"STIX Math"', css)


# ---------------------------------------------------------------------------------------------
# 404 page


def test_404_links_are_relative_for_a_site_opened_from_disk(site: Path) -> None:
    page = (site / "404.html").read_text(encoding="utf-8")
    rooted = re.findall(r'\b(?:href|src)="/(?!/)[^"]*"', page)
    assert not rooted, f"404.html links from the file-system root: {rooted[:5]}"
    found = re.search(r'<script id="__config" type="application/json">(.*?)</script>', page)
    assert found, "no Material config in 404.html"
    config = json.loads(found.group(1))
    assert config["base"] == "."
    assert not config["search"].startswith("/")
    # Served (any depth), a <base> written before anything loads sends links to the root.
    assert page.index('document.write("<base href=\\"/\\">")') < page.index("<link")


def test_404_under_a_site_url_path_strips_that_path() -> None:
    relative_404 = _hooks_module("docs_offline").relative_404
    page = (
        '<html><head><link href="/course/assets/main.css"></head><body>'
        '<a href="/course/index.html">home</a><a href="https://example.org/x">out</a>'
        '<script id="__config" type="application/json">{"base": "/course/", '
        '"search": "/course/assets/search.js"}</script></body></html>'
    )
    out = relative_404(page, "/course/")
    assert 'href="./assets/main.css"' in out and 'href="./index.html"' in out
    assert 'href="https://example.org/x"' in out
    assert '"base": "."' in out and '"search": "assets/search.js"' in out
    assert 'd.base = "/course/"' in out


# ---------------------------------------------------------------------------------------------
# In a browser: headless Chromium driven over the DevTools protocol on a pipe (no extra
# packages). Skipped when no Chromium is installed (Debian: apt-get install chromium).


class _Chromium:
    """One headless Chromium; ``page(width, height)`` gives a tab with that viewport."""

    def __init__(self, binary: str) -> None:
        import fcntl

        to_r, self._to = os.pipe()
        self._from, from_w = os.pipe()
        # Chromium reads commands on fd 3 and writes replies on fd 4. Moved above 9 first, the
        # pipe ends cannot land on 3 or 4 before they are put there.
        r, w = (fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_r, from_w))
        os.close(to_r)
        os.close(from_w)
        self._profile = tempfile.TemporaryDirectory()
        flags = [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
            f"--user-data-dir={self._profile.name}", "--remote-debugging-pipe", "about:blank",
        ]  # fmt: skip
        self.proc = subprocess.Popen(
            ["bash", "-c", f'exec "$0" "$@" 3<&{r} 4>&{w} {r}<&- {w}>&-', binary, *flags],
            pass_fds=(r, w),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(r)
        os.close(w)
        self._buf = b""
        self._id = 0
        self._events: list[dict] = []

    def _read(self, timeout: float = 60) -> dict:
        import select

        while b"\0" not in self._buf:
            if not select.select([self._from], [], [], timeout)[0]:
                raise TimeoutError("Chromium did not answer")
            chunk = os.read(self._from, 1 << 16)
            if not chunk:
                raise RuntimeError("Chromium exited")
            self._buf += chunk
        message, self._buf = self._buf.split(b"\0", 1)
        return json.loads(message)

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        self._id += 1
        message = {"id": self._id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read()
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]
            self._events.append(reply)

    def wait_for(self, method: str, session: str, timeout: float = 60) -> None:
        end = time.monotonic() + timeout
        while not any(e.get("method") == method and e.get("sessionId") == session for e in self._events):
            self._events.append(self._read(max(0.1, end - time.monotonic())))
        self._events = [e for e in self._events if e.get("sessionId") != session]

    def page(self, width: int, height: int) -> _Tab:
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600}
        self.send("Emulation.setDeviceMetricsOverride", metrics, session)
        self.send("Page.enable", {}, session)
        return _Tab(self, session)

    def close(self) -> None:
        try:
            self.send("Browser.close")
            self.proc.wait(10)
        except Exception:
            self.proc.kill()
            self.proc.wait(10)
        os.close(self._to)
        os.close(self._from)
        self._profile.cleanup()


class _Tab:
    def __init__(self, browser: _Chromium, session: str) -> None:
        self.browser = browser
        self.session = session

    def goto(self, url: str) -> None:
        self.browser._events = [e for e in self.browser._events if e.get("sessionId") != self.session]
        self.browser.send("Page.navigate", {"url": url}, self.session)
        self.browser.wait_for("Page.loadEventFired", self.session)
        self.eval("document.fonts.ready")

    def eval(self, expression: str):
        params = {"expression": expression, "returnByValue": True, "awaitPromise": True}
        result = self.browser.send("Runtime.evaluate", params, self.session)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression[:80]}: {result['exceptionDetails']}")
        return result["result"].get("value")


@pytest.fixture(scope="module")
def chromium() -> Iterator[_Chromium]:
    binary = next((b for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)), None)
    if binary is None:
        pytest.skip("no Chromium installed")
    browser = _Chromium(shutil.which(binary) or binary)
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def served(site: Path) -> Iterator[str]:
    """The built site over HTTP on localhost; a missing page gets 404.html, as on a host."""
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    class Handler(SimpleHTTPRequestHandler):
        def send_error(self, code, message=None, explain=None):
            if code != 404:
                return super().send_error(code, message, explain)
            body = (site / "404.html").read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


# Elements whose right edge is past the viewport and that no scrolling box of their own
# contains: those are cut off (or push the page sideways) on a phone.
_OVERFLOW = r"""(() => {
  const vw = document.documentElement.clientWidth
  const contained = el => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement)
      if (getComputedStyle(p).overflowX !== "visible" && p.getBoundingClientRect().right <= vw + 0.5)
        return true
    return false
  }
  const out = []
  for (const el of document.querySelectorAll(".md-header *, .md-main *, .md-footer *")) {
    const r = el.getBoundingClientRect()
    if (!r.width || !r.height || r.right <= vw + 0.5) continue
    const s = getComputedStyle(el)
    if (s.visibility === "hidden" || s.position === "fixed") continue
    if (!contained(el))
      out.push(`${el.tagName.toLowerCase()}.${el.className} to ${Math.round(r.right)} px`)
  }
  return { vw, page: document.documentElement.scrollWidth, out: out.slice(0, 5) }
})()"""


def _reader_pages(site: Path) -> list[str]:
    return sorted(
        str(p.relative_to(site)) for p in site.rglob("*.html") if p.parent.name != "exercise-files"
    )


def _cut_at_phone_width(served: str, chromium: _Chromium, pages: list[str]) -> dict[str, dict]:
    tab = chromium.page(390, 844)
    cut = {}
    for page in pages:
        tab.goto(f"{served}/{page}")
        found = tab.eval(_OVERFLOW)
        assert found["vw"] == 390, found
        if found["out"] or found["page"] > found["vw"]:
            cut[page] = found
    return cut


# The pages the issue names (module 7's wide equation among them), and the widest ones.
_PHONE_PAGES = [
    "index.html",
    "modules/04-rnn-cell.html",
    "modules/06-bptt.html",
    "modules/07-vanishing-exploding.html",
    "modules/08-lstm.html",
    "glossary.html",
    "howto/pytorch.html",
    "reference/engine.html",
]


def test_pages_are_not_cut_off_at_phone_width(served: str, chromium: _Chromium) -> None:
    cut = _cut_at_phone_width(served, chromium, _PHONE_PAGES)
    assert not cut, f"wider than a 390 px phone: {cut}"


@pytest.mark.slow
def test_no_page_is_cut_off_at_phone_width(site: Path, served: str, chromium: _Chromium) -> None:
    cut = _cut_at_phone_width(served, chromium, _reader_pages(site))
    assert not cut, f"wider than a 390 px phone: {cut}"


# For each display sum or product with limits: the operator's height, the height of a line of
# body text, and the gaps between the operator and its limits.
_BIG_OPERATORS = r"""(() => {
  const probe = document.createElement("span")
  probe.textContent = "x"
  document.querySelector(".md-content__inner").appendChild(probe)
  const line = probe.getBoundingClientRect().height
  probe.remove()
  const found = []
  for (const mo of document.querySelectorAll(".math-display mo")) {
    const op = mo.textContent.trim(), box = mo.parentElement
    if (!["\u2211", "\u220f"].includes(op) || box.tagName.toLowerCase() !== "munderover") continue
    const [base, under, over] = [...box.children].map(c => c.getBoundingClientRect())
    const gaps = { under: under.top - base.bottom, over: base.top - over.bottom }
    found.push({ op, height: base.height, line, ...gaps })
  }
  return { found, fonts: [...document.fonts].filter(f => f.status === "loaded").map(f => f.family) }
})()"""


@pytest.mark.parametrize("page", ["modules/06-bptt.html", "modules/07-vanishing-exploding.html"])
def test_sums_and_products_render_large_with_their_limits_apart(
    served: str, chromium: _Chromium, page: str
) -> None:
    tab = chromium.page(1400, 1000)
    tab.goto(f"{served}/{page}")
    result = tab.eval(_BIG_OPERATORS)
    assert result["found"], f"{page}: no display sum or product with limits"
    assert "STIX Math" in result["fonts"], result["fonts"]
    for op in result["found"]:
        assert op["height"] >= 1.4 * op["line"], f"{page}: {op['op']} is text-sized: {op}"
        assert op["under"] > 0 and op["over"] > 0, f"{page}: {op['op']} touches its limits: {op}"


def _results(tab: _Tab, timeout: float = 20) -> list[str]:
    expression = '[...document.querySelectorAll(".md-search-result__link")].map(a => a.href)'
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        links = tab.eval(expression)
        if links:
            return links
        time.sleep(0.2)
    return []


def test_korean_search_works_from_disk(site: Path, chromium: _Chromium) -> None:
    tab = chromium.page(1400, 1000)
    # search.share: ?q= opens the search with that query, as a shared link does.
    tab.goto((site / "index.html").as_uri() + "?q=%EA%B8%B0%EC%9A%B8%EA%B8%B0")
    links = _results(tab)
    assert any("/modules/07-vanishing-exploding.html" in link for link in links), links


_STYLED = r"""(() => ({
  header: getComputedStyle(document.querySelector(".md-header")).backgroundColor,
  home: document.querySelector("a.md-logo").href,
  title: document.querySelector("h1").textContent,
}))()"""


def test_404_page_is_styled_from_disk_and_when_served_deep(
    site: Path, served: str, chromium: _Chromium
) -> None:
    tab = chromium.page(1400, 1000)
    for url, home in [
        ((site / "404.html").as_uri(), (site / "index.html").as_uri()),
        (f"{served}/modules/no-such-page.html", f"{served}/index.html"),
    ]:
        tab.goto(url)
        page = tab.eval(_STYLED)
        assert page["title"].startswith("404"), page
        assert page["header"] not in ("rgba(0, 0, 0, 0)", "transparent"), f"{url}: unstyled: {page}"
        assert page["home"] == home, page
    tab.goto((site / "404.html").as_uri() + "?q=%EC%86%8C%EC%8B%A4")
    assert any("/modules/07-vanishing-exploding.html" in link for link in _results(tab))
