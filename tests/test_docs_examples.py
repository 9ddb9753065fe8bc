"""The code on the home page runs as written: the ten-minute tour must not drift from the API."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _python_blocks(page: str) -> list[str]:
    text = (DOCS / page).read_text(encoding="utf-8")
    return re.findall(r"^```python\n(.*?)^```", text, re.DOTALL | re.MULTILINE)


@pytest.mark.parametrize("page", ["index.md", "modules/01-scalar-autograd.md", "modules/03-tensors.md"])
def test_page_code_runs(page: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = _python_blocks(page)
    assert blocks, f"no python code on {page}"
    monkeypatch.chdir(tmp_path)  # the tour writes rnn.svg
    namespace: dict = {}
    for i, block in enumerate(blocks):
        exec(compile(block, f"{page}[block {i}]", "exec"), namespace)  # noqa: S102 (our own docs)


def test_tour_prints_what_it_says() -> None:
    from microgradrnn import Value

    w, x, b = Value(0.5), Value(2.0), Value(-0.3)
    y = (w * x + b).tanh()
    y.backward()
    assert str(y.data).startswith("0.604") and str(w.grad).startswith("1.26")
