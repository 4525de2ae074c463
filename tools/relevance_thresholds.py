"""Print the THRESHOLDS table of tests/test_relevance.py from what the engine measures now.

Run from the checkout after `codesearch build`:  .venv/bin/python tools/relevance_thresholds.py [INDEX]
Each threshold is the measured hit@1, hit@5 or MRR@10 less MARGIN, floored to two decimals.
Paste the output over the table when relevance has improved; never lower a threshold to pass.
"""

from __future__ import annotations

import math
import sys

from codesearch.evaluate import SPLITS, codesearch_ranker, evaluate, load_judgements
from codesearch.index import open_index

MARGIN = 0.03


def floor(x: float) -> float:
    return max(0.0, math.floor((x - MARGIN) * 100 + 1e-9) / 100)


def main(index_dir: str = "index") -> None:
    index = open_index(index_dir)
    print("THRESHOLDS = {")
    for split in SPLITS:
        for cat, m in evaluate(load_judgements(split=split), codesearch_ranker(index)).items():
            print(f'    ("{split}", "{cat}"): ({floor(m.hit1):.2f}, {floor(m.hit5):.2f}, {floor(m.mrr10):.2f}),'
                  f"  # measured {m.hit1:.3f} {m.hit5:.3f} {m.mrr10:.3f}")
    print("}")
    index.close()


if __name__ == "__main__":
    main(*sys.argv[1:])
