"""Synthetic one-letter typos: how often a misspelled brand or condition word is still found.

A development tool, run from the checkout::

    .venv/bin/python tools/typo_probe.py INDEX [--brands 400] [--words 500] [--seed 7] [--show 20]

Judged typo queries are few; this makes many, the four ways people slip — a letter dropped,
doubled, swapped with the next or replaced (a vowel by a vowel, a consonant by a consonant), never
the first letter and, but for a swap with it, not the last — and counts:

- **brands**: crosswalk brand names of four letters or more, typed misspelled with nothing else;
  found when a code listing the brand is in the top five;
- **words**: the most frequent ICD-10-CM descriptor words of six letters or more; found when the
  expansion reads the misspelling as the word (a correction, or an alternative of that text).

Typos that are themselves a brand or a descriptor word are skipped. The seed fixes the sample,
so two builds are compared on the same typos. Prints counts per kind of typo and brand length,
and the first ``--show`` misses.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from collections import Counter

from codesearch.expand import expand
from codesearch.index import open_index
from codesearch.search import search

KINDS = ("del", "dup", "swap", "sub")


def misspell(word: str, kind: str, rng: random.Random) -> str:
    """``word`` with one slip of ``kind`` at a letter that is neither the first nor the last (a
    swap exchanges it with the next, which may be the last)."""
    i = rng.randrange(1, len(word) - 1)
    if kind == "del":
        return word[:i] + word[i + 1:]
    if kind == "dup":
        return word[:i] + word[i] + word[i:]
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    return word[:i] + rng.choice("aeiou" if word[i] in "aeiou" else "bcdfgklmnprstvz") + word[i + 1:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("index")
    parser.add_argument("--brands", type=int, default=400)
    parser.add_argument("--words", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--show", type=int, default=20)
    args = parser.parse_args(argv)
    index = open_index(args.index)
    rng = random.Random(args.seed)

    brands: dict[str, set[str]] = {}
    counts: Counter[str] = Counter()
    for code, record in sorted(index.records.items()):
        for brand in getattr(record, "brands", ()):
            if brand.isalpha() and len(brand) >= 4:
                brands.setdefault(brand.lower(), set()).add(code)
        if record.system == "ICD10CM":
            counts.update(w for w in re.findall(r"[a-z]+", record.long.lower()) if len(w) >= 6)

    stats: Counter[tuple] = Counter()
    misses: list[tuple] = []

    def brand_found(brand: str, typed: str) -> bool:
        return bool({r.code for r in search(index, typed + " ", limit=5).results} & brands[brand])

    def word_found(word: str, typed: str) -> bool:
        exp = expand(index, typed + " ")
        return exp.corrections.get(typed) == word or any(
            a.text == word for part in exp.parts for a in part.alternatives)

    names = sorted(brands)
    rng.shuffle(names)
    words = [w for w, _ in counts.most_common(3000)]
    rng.shuffle(words)
    for what, sample, known, found_by in (("brand", names[: args.brands], brands, brand_found),
                                          ("word", words[: args.words], counts, word_found)):
        for meant in sample:
            length = "6+" if what == "word" else "4" if len(meant) == 4 else "5-8" if len(meant) <= 8 else "9+"
            for kind in KINDS:
                typed = misspell(meant, kind, rng)
                if typed == meant or typed in known:
                    continue
                found = found_by(meant, typed)
                stats[what, length, kind, found] += 1
                if not found:
                    misses.append((what, meant, typed))
    for what in ("brand", "word"):
        for length in ("4", "5-8", "9+", "6+"):
            row = {k: (stats[what, length, k, True], stats[what, length, k, True] + stats[what, length, k, False])
                   for k in KINDS}
            if any(n for _, n in row.values()):
                print(f"{what:5} {length:>3} letters  " + "  ".join(f"{k} {f}/{n}" for k, (f, n) in row.items()))
    for miss in misses[: args.show]:
        print("  missed:", *miss)
    return 0


if __name__ == "__main__":
    sys.exit(main())
