"""Which descriptor words most need everyday words, and how many codes everyday words reach.

    .venv/bin/python tools/lay_candidates.py [INDEX_DIR] [--top N] [--group G]    # default: index, 40

The lay vocabulary (``corpus/lay_words.tsv``) is written by descriptor word, not by query: this
lists, for each HCPCS section of equipment and supplies (A, B, E, K, L, V) and each ICD-10-CM
chapter, the descriptor words carried by the most active codes — counted in the descriptor's
head (its first words, before "for", "with", "of", …: what the code *is*) and anywhere in it —
and which of them no everyday word reaches yet (no lay row or plain-language term names it and
no combining form of a lay row is part of it; "phrase": only as part of a longer term). Words are compared as stems; a stem is shown in
its most common spelling. Then coverage: the share of each group's codes that at least one
everyday word reaches (a lay row's descriptor word or phrase, all of whose words are in one of
the code's fields — short or long descriptor, inclusion terms — or a plain-language term the
code carries) — and the share whose descriptor head such a word or term lies wholly within,
what a query naming the thing in everyday words needs. ``--group`` limits the listing to one group (``E``, ``S00-T88``).
"""

from __future__ import annotations

import re
import sys
from collections import Counter, defaultdict

from codesearch.index import open_index
from codesearch.ranking import descriptor_head
from codesearch.schema import stems

#: The HCPCS sections of equipment, orthotics, prosthetics and supplies.
HCPCS_SECTIONS = ("A", "B", "E", "K", "L", "V")
#: Stems that say how much, which side or which encounter, not what a code is: never listed.
GENERIC = frozenset(stems(
    "each any type per includes including unspecified other specified initial subsequent encounter "
    "sequela right left bilateral side part site nos elsewhere classified not otherwise use used "
    "without only all one two three more less than greater equal size length width inch inches "
    "replacement month supply unit units pair set system item items adjustable fixed custom "
    "fabricated prefabricated fitting adjustment molded patient model shelf off trimmed bent "
    "assembled customized fit specific routine healing delayed nonunion malunion closed open "
    "fracture's with"
)) | {"x", "s", "d", "a"}
_CHAPTER_RE = re.compile(r"\(([A-Z][0-9]{2}-[A-Z][0-9]{2})\)\s*$")
_SURFACE_RE = re.compile(r"[a-z][a-z\-']+")


def group_of(record) -> str | None:
    """The group a code is counted in: its HCPCS section letter, or its ICD-10-CM chapter's range."""
    if record.kind == "modifier" or record.status != "active":
        return None
    if record.system == "HCPCS":
        return record.section_letter if record.section_letter in HCPCS_SECTIONS else None
    if record.system == "ICD10CM":
        m = _CHAPTER_RE.search(record.chapter)
        return m.group(1) if m else None
    return None


class Reach:
    """What the everyday vocabulary reaches: descriptor stems named, and codes matched."""

    def __init__(self, lexicon):
        self.targets: list[frozenset[str]] = []
        for row in lexicon.lay:
            if not row.is_form and stems(row.clinical):
                self.targets.append(frozenset(stems(row.clinical)))
        for term, _ in lexicon.plain:
            if stems(term):
                self.targets.append(frozenset(stems(term)))
        self.named: set[str] = {s for t in self.targets if len(t) == 1 for s in t}
        self.in_phrase: set[str] = {s for t in self.targets for s in t}
        self.forms = sorted({row.clinical.strip("-") for row in lexicon.lay if row.is_form})
        # A code is checked only against the targets one of its stems starts.
        self._by_stem: dict[str, list[frozenset[str]]] = defaultdict(list)
        for t in set(self.targets):
            self._by_stem[min(t)].append(t)

    def word_reached(self, stem: str, surface: str) -> str:
        """How an everyday word reaches a descriptor word: "word", "form", "phrase" (only as part
        of a longer term) or "" (not at all)."""
        if stem in self.named:
            return "word"
        if any(f in surface for f in self.forms if len(f) >= 4):
            return "form"
        return "phrase" if stem in self.in_phrase else ""

    def reaches(self, have: set[str]) -> bool:
        """Whether a lay or plain-language target lies wholly within the stems ``have``."""
        return any(t <= have for s in have for t in self._by_stem.get(s, ()))

    def code_reached(self, record) -> bool:
        """Whether some everyday word reaches the code (see the module docstring)."""
        if record.plain_terms:
            return True
        return any(self.reaches(set(stems(text))) for text in (record.short, record.long, *record.synonyms))


def main(*args: str) -> int:
    argv = list(args)
    top, only = 40, None
    if "--top" in argv:
        i = argv.index("--top")
        top = int(argv[i + 1])
        del argv[i : i + 2]
    if "--group" in argv:
        i = argv.index("--group")
        only = argv[i + 1]
        del argv[i : i + 2]
    index = open_index(argv[0] if argv else "index")
    reach = Reach(index.lexicon)
    head_count: dict[str, Counter] = defaultdict(Counter)
    any_count: dict[str, Counter] = defaultdict(Counter)
    surface: dict[str, Counter] = defaultdict(Counter)
    codes: Counter = Counter()
    reached: Counter = Counter()
    head_reached: Counter = Counter()
    titles: dict[str, str] = {}
    for record in index.records.values():
        group = group_of(record)
        if group is None:
            continue
        codes[group] += 1
        reached[group] += reach.code_reached(record)
        head = set(descriptor_head(lambda w: stems(w), record.long))
        head_reached[group] += reach.reaches(head)
        if record.system == "ICD10CM":
            titles[group] = record.chapter
        for w in _SURFACE_RE.findall(record.long.lower()):
            for s in stems(w)[:1]:
                surface[s][w] += 1
        for s in head:
            head_count[group][s] += 1
        for s in set(stems(record.long)):
            any_count[group][s] += 1
    groups = sorted(codes, key=lambda g: (len(g) > 1, g))
    for group in groups:
        if only and group != only:
            continue
        print(f"\n== {group} {titles.get(group, '')}: {codes[group]} active codes")
        ranked = sorted(any_count[group], key=lambda s: (-head_count[group][s], -any_count[group][s], s))
        shown = 0
        for s in ranked:
            if s in GENERIC or not s.isalpha() or len(s) < 3:
                continue
            word = surface[s].most_common(1)[0][0] if surface[s] else s
            how = reach.word_reached(s, word)
            print(f"  {word:24} head {head_count[group][s]:5}  any {any_count[group][s]:5}  "
                  f"{'reached by ' + how if how else 'NO LAY WORD'}")
            shown += 1
            if shown >= top:
                break
    print("\ncoverage: share of codes an everyday word reaches in any field | in the descriptor's head")
    totals = [0, 0, 0]
    for system, names in (("HCPCS", [g for g in groups if len(g) == 1]), ("ICD-10-CM", [g for g in groups if len(g) > 1])):
        n = sum(codes[g] for g in names)
        r = sum(reached[g] for g in names)
        h = sum(head_reached[g] for g in names)
        totals = [totals[0] + n, totals[1] + r, totals[2] + h]
        print(f"  {system:9} {n:6} codes  any {r / max(n, 1):.3f}  head {h / max(n, 1):.3f}")
        for g in names:
            print(f"    {g:8} {codes[g]:6} codes  any {reached[g] / codes[g]:.3f}  head {head_reached[g] / codes[g]:.3f}"
                  f"  {titles.get(g, '')[:50]}")
    n, r, h = totals
    print(f"  {'all':9} {n:6} codes  any {r / max(n, 1):.3f}  head {h / max(n, 1):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
