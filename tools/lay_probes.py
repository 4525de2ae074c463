"""Measure the everyday-word probes in ``tools/lay_probes/`` against a built index.

    .venv/bin/python tools/lay_probes.py [INDEX_DIR] [--all]     # default: index

The probes are everyday queries for HCPCS equipment and supplies and for ICD-10-CM conditions
(``hcpcs.tsv``, ``icd10cm.tsv``; each searched within the system it is named after), written
from the official files to see whether the vocabulary reaches queries no row was written for:
``first/`` was written before the lay vocabulary was extended (its failures were then looked
at), ``fresh/`` after the first rows were written and before it was ever run, so no row was
written with its queries in view. They are not part of the judged suite. Prints hit@1,
hit@5 and MRR@10 per file, then every probe missing the top 5 (``--all``: every probe) with its
rank and the first three codes returned.
"""

from __future__ import annotations

import sys
from pathlib import Path

from codesearch.evaluate import codesearch_ranker, evaluate, first_relevant_rank, load_judgements
from codesearch.index import open_index

PROBES = Path(__file__).resolve().parent / "lay_probes"


def main(*args: str) -> int:
    show_all = "--all" in args
    rest = [a for a in args if a != "--all"]
    index = open_index(rest[0] if rest else "index")
    ranker = codesearch_ranker(index)
    for path in sorted(PROBES.rglob("*.tsv")):
        judgements = load_judgements([path])
        m = evaluate(judgements, ranker)["overall"]
        print(f"{path.parent.name}/{path.name}: {m.queries} probes, hit@1 {m.hit1:.3f}, hit@5 {m.hit5:.3f}, MRR@10 {m.mrr10:.3f}")
        for j in judgements:
            codes = ranker(j)
            rank = first_relevant_rank(codes, j.relevant)
            if show_all or rank is None or rank > 5:
                print(f"  {rank or '-':>2}  {j.query!r:40} -> {' '.join(codes[:3])}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
