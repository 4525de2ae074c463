"""Synthetic frames: does a query the engine answers still work said the way people wrap it?

A development tool, run from the checkout::

    .venv/bin/python tools/frame_probe.py INDEX [--show 3] [--split-glob 'tuning*']

Held-out writers and real users rarely type a bare condition; they write "my son has pink eye",
"pt c/o dizziness", "what is the code for shingles", "walker for my mom". Every judged query of
the read splits (``tests/relevance/tuning*``) found in the top five as typed is wrapped in each
frame below — conditions (the ``icd_`` categories, ``intent_icd``) in :data:`CONDITION_FRAMES`, items
(``intent_hcpcs``, ``plain``) in :data:`ITEM_FRAMES` — and searched the same way (within the
system for ``icd10cm.tsv``, with no filter for ``any.tsv``). A frame adds nothing the query is
about, so a query it loses points at a rule that fails for a kind of wording, not at one query.
Prints per frame how many of the found queries it loses, and the first ``--show`` of them.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from codesearch.evaluate import first_relevant_rank, load_judgements
from codesearch.index import open_index
from codesearch.search import search

ROOT = Path(__file__).resolve().parents[1]

#: Ways people wrap a condition: who has it, for how long, asking for its code.
CONDITION_FRAMES = (
    "patient with {}",
    "my son has {}",
    "she has {}",
    "pt c/o {}",
    "complaining of {}",
    "presents with {}",
    "{}, what code",
    "code for {}",
    "what is the icd 10 code for {}",
    "{} for 3 days",
    "{} since yesterday",
    "{} again",
    "adult with {}",
    "child with {}",
    "elderly man with {}",
    "worried about {}",
    "dx code for {}",
    "{} dx",
    "{} icd 10",
    "ER visit for {}",
    "{} symptoms",
    "my 5 year old has {}",
    "kid with {}",
    "how to code {}",
    "diagnosis: {}",
    "treatment for {}",
    "icd code {}",
    "{} code",
    "what is {}",
    "{} unspecified",
)
#: Ways people wrap an item or service: for whom, asking how to bill it.
ITEM_FRAMES = (
    "{} for my mom",
    "need a {}",
    "new {}",
    "{}, what code",
    "hcpcs code for {}",
    "how to bill {}",
    "{} for home use",
    "medicare {}",
    "cost of {}",
    "does medicare cover {}",
    "order {} for patient",
    "{} from dme supplier",
    "{} prescription",
    "{} hcpcs",
    "billing code {}",
    "{} code",
    "rental {}",
)
#: The categories framed: whole words about a condition, or about an item or service (not codes,
#: prefixes, NDCs or brands, which a frame would only pad).
CONDITION_CATEGORIES = ("icd_lay", "icd_plain", "icd_shorthand", "icd_term", "icd_typo", "intent_icd")
ITEM_CATEGORIES = ("intent_hcpcs", "plain")


def found(index, query: str, system: str | None, relevant) -> bool:
    rank = first_relevant_rank([r.code for r in search(index, query, limit=5, system=system).results], relevant)
    return rank is not None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("index")
    parser.add_argument("--show", type=int, default=3)
    parser.add_argument("--split-glob", default="tuning*")
    args = parser.parse_args(argv)
    index = open_index(args.index)
    paths = sorted(p for p in (ROOT / "tests" / "relevance").glob(args.split_glob)
                   if p.is_dir() and not p.name.startswith("heldout"))
    totals, lost = {}, {}
    # No read split matched: frame nothing (load_judgements of no folder would read every split).
    for j in load_judgements(paths) if paths else []:
        if j.category in CONDITION_CATEGORIES:
            frames = CONDITION_FRAMES
        elif j.category in ITEM_CATEGORIES:
            frames = ITEM_FRAMES
        else:
            continue
        if not found(index, j.query, j.system, j.relevant):
            continue
        for frame in frames:
            totals[frame] = totals.get(frame, 0) + 1
            framed = frame.format(j.query)
            if not found(index, framed, j.system, j.relevant):
                lost.setdefault(frame, []).append(framed)
    for frame in CONDITION_FRAMES + ITEM_FRAMES:
        misses = lost.get(frame, [])
        print(f"{frame!r:36} lost {len(misses):4d} of {totals.get(frame, 0)}")
        for q in misses[: args.show]:
            print(f"    {q}")
    print(f"all frames: lost {sum(map(len, lost.values()))} of {sum(totals.values())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
