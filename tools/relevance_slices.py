"""Issue 11's slices of each judged split: ``python tools/relevance_slices.py [INDEX]``.

HCPCS categories (the HCPCS file, and `any.tsv` less its `intent_*` queries), ICD-10-CM within
the system (the `icd10cm.tsv` files) with its shorthand, lay-word and typo queries, the
`intent_*` queries (no filter, clearly about one system), and each split overall:
hit@1, hit@5 and MRR@10 as `codesearch eval` computes them.
"""

from __future__ import annotations

import sys

from codesearch.evaluate import SPLITS, codesearch_ranker, evaluate, load_judgements
from codesearch.index import open_index


def main(index_dir: str = "index") -> None:
    index = open_index(index_dir)
    rank = codesearch_ranker(index)

    def show(name: str, judged: list) -> None:
        if judged:
            m = evaluate(judged, rank)["overall"]
            print(f"  {name:<36} {len(judged):4d}  hit@1 {m.hit1:.3f}  hit@5 {m.hit5:.3f}  MRR@10 {m.mrr10:.3f}")

    for split in SPLITS:
        judged = load_judgements(split=split)
        icd = [j for j in judged if j.system == "ICD10CM"]
        print(split)
        show("HCPCS categories", [j for j in judged if j.system != "ICD10CM"
                                  and not j.category.startswith(("icd_", "intent_"))])
        show("ICD-10-CM within the system", icd)
        show("  clinician shorthand", [j for j in icd if j.category == "icd_shorthand"])
        show("  lay words", [j for j in icd if j.category in ("icd_lay", "icd_plain")])
        show("  typos", [j for j in icd if j.category == "icd_typo"])
        show("no filter, clearly one system", [j for j in judged if j.category.startswith("intent_")])
        show("overall", judged)
    index.close()


if __name__ == "__main__":
    main(*sys.argv[1:])
