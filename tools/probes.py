"""Run the ranking probes: small judged lists, one per kind of query a ranking rule is for.

The probes (``tools/probes/<kind>/<system>.tsv``, the format of ``tests/relevance``) were written
before each rule, from the ICD-10-CM and HCPCS files and coding defaults, to show that a rule
helps a *kind* of query rather than one judged query. Development tool, run from the checkout::

    .venv/bin/python tools/probes.py [--failures] [KIND ...]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from codesearch.config import Settings
from codesearch.evaluate import codesearch_ranker, evaluate, failures, load_judgements
from codesearch.index import open_index

PROBES = Path(__file__).resolve().parent / "probes"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kinds", nargs="*", help="probe folders to run (default: all)")
    parser.add_argument("--failures", action="store_true", help="list probes whose answer is not first")
    args = parser.parse_args()
    index = open_index(Settings.from_env().index_dir)
    kinds = args.kinds or sorted(p.name for p in PROBES.iterdir() if p.is_dir())
    for kind in kinds:
        judgements = load_judgements([PROBES / kind])
        m = evaluate(judgements, codesearch_ranker(index))["overall"]
        print(f"{kind:16} {m.queries:3d} queries  hit@1 {m.hit1:.3f}  hit@5 {m.hit5:.3f}  MRR@10 {m.mrr10:.3f}")
        if args.failures:
            for j, rank, top in failures(judgements, codesearch_ranker(index), k=1):
                print(f"    {j.query!r:28} rank {rank}  want {' '.join(sorted(j.relevant)[:3])}  got {' '.join(top)}")


if __name__ == "__main__":
    main()
