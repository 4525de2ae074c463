"""What the tools that derive ``corpus/`` files share: rendering a generated TSV and writing it,
or, with ``--check``, failing when the shipped file is no longer what the sources give."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from pathlib import Path


def render_tsv(header: Sequence[str], comments: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A header line, ``# `` comment lines, then one tab-separated line per row."""
    lines = ["\t".join(header), *(f"# {c}" for c in comments), *("\t".join(r) for r in rows)]
    return "\n".join(lines) + "\n"


def write_or_check(outputs: Sequence[tuple[Path, str]], check: bool, tool: str) -> int:
    """Write each (path, text); with ``check``, write nothing and return 1 if any file differs."""
    if check:
        stale = [p for p, text in outputs if (p.read_text(encoding="utf-8") if p.exists() else "") != text]
        for path in stale:
            print(f"{path}: out of date; rerun tools/{tool}", file=sys.stderr)
        return 1 if stale else 0
    for path, text in outputs:
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}", file=sys.stderr)
    return 0
