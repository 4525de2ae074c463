"""Check the lay vocabulary against a built index: what each row reaches, and rows reaching nothing.

    .venv/bin/python tools/lay_coverage.py [INDEX_DIR]     # default: index

Prints rows by kind, then every row whose clinical target reaches no code: a word or phrase
no code's descriptor, inclusion terms or short text holds (all its words in one field), or a
combining form no vocabulary word contains. Then the idioms a code already holds word for word
(an inclusion term such as "hay fever"): they need no row. Exit status 1 if any row reaches
nothing.
"""

from __future__ import annotations

import sys
from collections import Counter

import numpy as np

from codesearch.expand import DESCRIPTOR_FIELDS, expander_for
from codesearch.index import open_index
from codesearch.schema import stems


def reached(index, clinical: str) -> int:
    """How many codes hold every word of ``clinical`` in one descriptor field."""
    docs: set[int] = set()
    for fieldname in DESCRIPTOR_FIELDS:
        words = stems(clinical)
        if not words:
            continue
        found = index.table.postings(fieldname, words[0])[0]
        for w in words[1:]:
            found = np.intersect1d(found, index.table.postings(fieldname, w)[0])
        docs.update(int(d) for d in found)
    return len(docs)


def main(index_dir: str = "index") -> int:
    index = open_index(index_dir)
    expander = expander_for(index)
    rows = index.lexicon.lay
    kinds = Counter(r.kind for r in rows)
    print(f"{len(rows)} rows, {len({r.lay for r in rows})} lay words and phrases")
    for kind, n in kinds.most_common():
        print(f"  {kind:14} {n}")
    forms = [r for r in rows if r.is_form]
    print(f"  of which combining forms: {len(forms)}")
    dead = []
    for r in rows:
        n = len(expander._form_words(r.clinical)) if r.is_form else reached(index, r.clinical)
        if n == 0:
            dead.append(r)
    for r in dead:
        print(f"reaches nothing: {r.lay!r} -> {r.clinical!r} ({r.kind})")
    print(f"{len(dead)} rows reach nothing")
    texts = [" | ".join((rec.long, *rec.synonyms)).lower() for rec in index.records.values()]
    idioms = sorted({r.lay for r in rows if r.kind == "idiom"})
    literal = [lay for lay in idioms if any(lay in text for text in texts)]
    for lay in literal:
        print(f"idiom already in a descriptor or inclusion term: {lay!r}")
    return 1 if dead else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
