"""Bring a blind writer's judged queries in as a new held-out split, unread.

Development tool, run from the checkout::

    .venv/bin/python tools/blind_split.py WRITER_FOLDER NAME   # e.g. /work/blind/heldout9 heldout9

Copies ``any.tsv`` and ``icd10cm.tsv`` from the writer's folder (written to
docs/relevance-brief.md) to ``tests/relevance/NAME/``, dropping every row whose query (case and
spacing aside) equals a query of a split or probe list that has been read (``tuning*``,
``tools/probes``, ``tools/lay_probes``): a query seen while tuning measures nothing new; for a split to be read
(NAME ``tuning…``), every row equal to a held-out split's query too, so reading it shows none. Adds a
comment line saying how many were dropped and prints counts only, never a query, so the person
running it learns nothing the split tests. Then wire NAME into ``evaluate.SPLITS``, the
``eval --split`` choice, the README and the thresholds, and commit before any change it measures.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def normal(query: str) -> str:
    return " ".join(query.lower().split())


def read_queries(heldout: bool = False) -> set[str]:
    """The queries of the read splits and probe lists; with ``heldout``, of the held-out splits too."""
    from codesearch.evaluate import load_judgements

    folders = [*sorted(ROOT.glob("tests/relevance/tuning*")), ROOT / "tools" / "probes", ROOT / "tools" / "lay_probes"]
    if heldout:
        folders += sorted(ROOT.glob("tests/relevance/heldout*"))
    return {normal(j.query) for j in load_judgements([f for f in folders if f.is_dir()])}


def main(source: str, name: str) -> None:
    # A split to be read (tuning…) must not show anyone a held-out query either.
    to_be_read = name.startswith("tuning")
    seen = read_queries(heldout=to_be_read)
    target = ROOT / "tests" / "relevance" / name
    target.mkdir(parents=True, exist_ok=True)
    for filename in ("any.tsv", "icd10cm.tsv"):
        header, *body = (Path(source) / filename).read_text(encoding="utf-8").splitlines()
        comments = [line for line in body if line.startswith("#")]
        rows = [line for line in body if line.strip() and not line.startswith("#")]
        kept = [line for line in rows if normal(line.split("\t")[1]) not in seen]
        which = "a read split's, probe list's or held-out split's" if to_be_read else "a read split's or probe list's"
        note = (f"# committed {date.today()} by the lead: {len(rows) - len(kept)} rows whose query equals {which} "
                "query were dropped mechanically, unread")
        (target / filename).write_text("\n".join([header, note, *comments, *kept]) + "\n", encoding="utf-8")
        print(f"{filename}: {len(rows)} rows, {len(kept)} kept, {len(rows) - len(kept)} dropped")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
