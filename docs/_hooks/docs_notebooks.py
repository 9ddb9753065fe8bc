"""MkDocs hook: each module page links its notebook (``docs/notebooks/mNN_<topic>.ipynb``).

The notebook is copied into the site as a file to download, so the link works offline; the
same notebooks reach a learner through ``microgradrnn notebooks DIR``. A module page whose
notebook is missing fails the build.
"""

from __future__ import annotations

import re
from pathlib import Path

from mkdocs.exceptions import PluginError

PAGE = re.compile(r"^modules/(\d\d)-[^/]*?(\.ko)?\.md$")
LINK = (
    '\n\n!!! tip "{title}"\n'
    "    [{name}.ipynb]({href}){{: download }}: {text}\n"
)
TEXT = {
    "en": ("Notebook", "the idea in live code, a picture, your exercises checked inline, and one experiment "
           "to try. Or copy every notebook out with `microgradrnn notebooks DIR`."),
    "ko": ("노트북", "개념을 실행 가능한 코드와 그림으로 보고, 연습 문제를 바로 채점하고, "
           "실험 하나를 해 봅니다. `microgradrnn notebooks DIR` 로 모든 노트북을 복사할 수도 있습니다."),
}


def on_page_markdown(markdown: str, page, config, files) -> str:  # noqa: ANN001 - mkdocs hook signature
    match = PAGE.match(page.file.src_uri)
    if not match:
        return markdown
    folder = Path(config["docs_dir"]) / "notebooks"
    found = sorted(folder.glob(f"m{match.group(1)}_*.ipynb"))
    if not found:
        raise PluginError(f"{page.file.src_uri}: no notebook docs/notebooks/m{match.group(1)}_*.ipynb")
    title, text = TEXT["ko" if match.group(2) else "en"]
    href = f"../notebooks/{found[0].name}"
    return markdown + LINK.format(title=title, name=found[0].stem, href=href, text=text)
