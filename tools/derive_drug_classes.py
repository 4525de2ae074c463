"""Derive ``corpus/drug_classes.tsv``, drug → the class ICD-10-CM names it by, from DrugCentral.

A development tool, run from the checkout (not part of the package)::

    .venv/bin/python tools/derive_drug_classes.py --drugcentral PATH/drug-to-class.tsv   # writes the file
    .venv/bin/python tools/derive_drug_classes.py --drugcentral PATH/drug-to-class.tsv --check

ICD-10-CM names most drugs only by their class: a lorazepam overdose is T42.4 "Poisoning by
benzodiazepines", a patient on apixaban Z79.01 "Long term (current) use of anticoagulants", an
allergy to amoxicillin Z88.0 "Allergy status to penicillin". DrugCentral (Ursu et al., University
of New Mexico) gives each drug its classes — FDA's established pharmacologic classes, MeSH's
pharmacological actions, ChEBI's roles; the file read here is ``rephetio/drug-to-class.tsv`` of
github.com/dhimmel/drugcentral (``drugbank_name``, ``class_name``). A pair becomes a row (drug,
class) when

1. the class, read in natural order ("Antidepressive Agents, Tricyclic" → tricyclic
   antidepressive agents) and without a closing general word (agents, drugs), is what an
   ICD-10-CM drug text names: the object of "Poisoning by", "Adverse effect of", "Underdosing
   of", "Long term (current) use of" or "Allergy status to" in T36-T50, Z79 or Z88 (one item of
   an "and" or "or" list, less "other" and "unspecified"), whole or its last words ("hypoglycemic" of
   "oral hypoglycemic drugs"), stem for stem; the reading kept is the class's own words;
2. the class is given to at most :data:`MAX_CLASS_DRUGS` drugs (MeSH's "Enzyme Inhibitors",
   "Cardiovascular Agents" are given to hundreds and say nothing a searcher means);
3. the drug's name has at most three words, and the drug texts do not name the drug itself
   (T40.41 "Poisoning by fentanyl", T39.01 "aspirin": its own codes, not its class's); of its classes, the :data:`MAX_CLASSES` given to
   the fewest drugs are kept (warfarin: anticoagulant, not also "hematologic").

DrugCentral is released under CC BY 4.0; NOTICE credits it. The output is sorted, so a second run
reproduces it byte for byte.
"""

from __future__ import annotations

import csv
import re
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from codesearch.records import SYSTEM_ICD10CM, CodeRecord
from codesearch.schema import stems

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generated import pairs_tool  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "corpus" / "drug_classes.tsv"
#: A class given to more drugs than this is too broad to be what a searcher means.
MAX_CLASS_DRUGS = 60
#: A drug's classes kept, those given to the fewest drugs first (the most specific).
MAX_CLASSES = 2
#: The ICD-10-CM categories that name a drug by its class, and the words before the class.
DRUG_CATEGORIES = re.compile(r"T3[6-9]|T4\d|T50|Z79|Z88")
LEADS = ("poisoning by ", "adverse effect of ", "underdosing of ", "long term (current) use of ",
         "allergy status to ")
GENERAL_ENDINGS = ("agents", "agent", "drugs", "drug")
_BRACKETS = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")


def natural(name: str) -> str:
    """A class name in natural order: "Analgesics, Opioid" → "opioid analgesics"."""
    parts = [p.strip() for p in name.split(",") if p.strip()]
    return " ".join(reversed(parts)).lower()


def reading(name: str) -> str:
    """The class as a searcher would name it: natural order, no closing general word."""
    words = natural(name).split()
    while len(words) > 1 and words[-1] in GENERAL_ENDINGS:
        words.pop()
    return " ".join(words)


def named_classes(records: Sequence[CodeRecord]) -> set[tuple[str, ...]]:
    """The stems of every class (and every closing run of its words) the drug texts name; a
    drug they name itself ("fentanyl", "aspirin") is among them too."""
    found: set[tuple[str, ...]] = set()
    for r in records:
        if r.system != SYSTEM_ICD10CM or not DRUG_CATEGORIES.match(r.code):
            continue
        for text in (r.long, *r.synonyms):
            low = text.lower()
            lead = next((lead for lead in LEADS if low.startswith(lead)), None)
            if lead is None:
                continue
            target = _BRACKETS.sub(" ", low[len(lead):].split(",")[0])
            for item in re.split(r" and | or ", target):
                words = [w for w in item.split() if w not in ("other", "unspecified")]
                while words and words[-1] in GENERAL_ENDINGS:
                    words.pop()
                s = stems(" ".join(words))
                found.update(s[i:] for i in range(len(s)))
    return {s for s in found if s}


def read_pairs(path: Path) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return [(r["drugbank_name"].strip().lower(), r["class_name"].strip())
                for r in csv.DictReader(f, delimiter="\t") if r["class_name"].strip()]


def derive(pairs: Sequence[tuple[str, str]], records: Sequence[CodeRecord]) -> list[tuple[str, str]]:
    named = named_classes(records)
    given = Counter(name for _, name in set(pairs))
    rows: set[tuple[str, str]] = set()
    for drug, name in pairs:
        if given[name] > MAX_CLASS_DRUGS or not 1 <= len(drug.split()) <= 3 or stems(drug) in named:
            continue  # too broad a class, too long a name, or a drug the texts name themselves
        text = reading(name)
        if stems(text) in named:
            rows.add((drug, text))
    # One row per class reading a drug has ("anticoagulant" and "anticoagulants" are one), the
    # MAX_CLASSES given to the fewest drugs: warfarin an anticoagulant before a hematologic agent.
    readings: dict[tuple[str, tuple[str, ...]], str] = {}
    for drug, text in sorted(rows):
        readings.setdefault((drug, stems(text)), text)
    size = Counter(key for (_, key) in readings)
    by_drug: dict[str, list[tuple[int, str]]] = {}
    for (drug, key), text in readings.items():
        by_drug.setdefault(drug, []).append((size[key], text))
    return sorted((drug, text) for drug, found in by_drug.items() for _, text in sorted(found)[:MAX_CLASSES])


def main(argv: Sequence[str] | None = None) -> int:
    return pairs_tool(
        argv, doc=__doc__, source="drugcentral", source_help="DrugCentral drug-to-class.tsv (dhimmel/drugcentral)",
        read=read_pairs, derive=derive, header=("drug", "class"), comments=(
            "GENERATED by tools/derive_drug_classes.py from DrugCentral's drug classes (FDA, MeSH, ChEBI;",
            "as github.com/dhimmel/drugcentral gives them); do not edit by hand. CC BY 4.0; see NOTICE.",
        ), summary=lambda pairs, rows: (f"{len(pairs)} pairs; {len(rows)} rows: {len({d for d, _ in rows})} drugs, "
                                        f"{len({c for _, c in rows})} classes"),
        output=OUTPUT, tool="derive_drug_classes.py")


if __name__ == "__main__":
    sys.exit(main())
