"""The equivalent-mutant records beside the mutation commands parse and still name real code."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import mutation  # noqa: E402


def test_every_equivalent_mutant_names_a_line_that_exists_with_a_reason():
    records = mutation.equivalents()
    assert records, "no equivalent mutants were read"
    lines = {file: {line.strip() for line in (ROOT / file).read_text(encoding="utf-8").splitlines()}
             for file, _, _ in records}
    stale = []
    for (file, operator, code), reason in records.items():
        if code not in lines[file] or not reason.strip() or not operator:
            stale.append(f"{file}: {operator}: {code}")
    assert not stale, "records whose line is gone (or without a reason):\n" + "\n".join(stale)
