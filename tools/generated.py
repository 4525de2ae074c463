"""What the tools that derive ``corpus/`` files share: a built index's records, what the code
texts say word after word, rendering a generated TSV and writing it, or, with ``--check``, failing when the shipped file is
no longer what the sources give; and the command line of a tool that pairs a source file's rows with a built index's
records (:func:`pairs_tool`)."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from codesearch.schema import stems

ROOT = Path(__file__).resolve().parents[1]
_CLAUSE_BREAK = re.compile(r"[,;:()\[\]]")  # a run of words does not cross a comma


def stem_runs(texts: Iterable[str], longest: int | None = None) -> set[tuple[str, ...]]:
    """Every run of stems (of at most ``longest``) that one clause of one of ``texts`` says,
    one word after another, after the index's own analysis."""
    runs: set[tuple[str, ...]] = set()
    for text in texts:
        for piece in _CLAUSE_BREAK.split(text):
            s = stems(piece)
            for i in range(len(s)):
                for n in range(1, min(longest or len(s), len(s) - i) + 1):
                    runs.add(s[i:i + n])
    return runs


def index_records(index_dir: Path) -> list:
    """The records of a built index, as loaded and enriched (crosswalk products and brands)."""
    from codesearch.index import open_index

    return list(open_index(index_dir).records.values())


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


def pairs_tool(argv: Sequence[str] | None, *, doc: str, source: str, source_help: str,
               read: Callable[[Path], list], derive: Callable[[list, list], list], header: Sequence[str],
               comments: Sequence[str], summary: Callable[[list, list], str], output: Path, tool: str) -> int:
    """The command line of a tool that reads a source file (``--<source> PATH``), keeps its pairs
    the records of a built index (``--index``) allow and writes them (``--out``) or, with
    ``--check``, fails when the shipped file differs."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument(f"--{source}", dest="source", type=Path, required=True, help=source_help)
    parser.add_argument("--index", type=Path, default=ROOT / "index", help="a built index (default: index)")
    parser.add_argument("--out", type=Path, default=output)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    pairs = read(args.source)
    rows = derive(pairs, index_records(args.index))
    print(summary(pairs, rows), file=sys.stderr)
    return write_or_check([(args.out, render_tsv(header, comments, rows))], args.check, tool)
