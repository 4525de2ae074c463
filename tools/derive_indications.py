"""Derive ``corpus/indications.tsv``, condition → the drugs labelled for it, from NLM's LabeledIn.

A development tool, run from the checkout (not part of the package)::

    .venv/bin/python tools/derive_indications.py --labeledin PATH/indications.tsv   # writes the file
    .venv/bin/python tools/derive_indications.py --labeledin PATH/indications.tsv --check

People name a drug by what it is for: "shot for schizophrenia", "iv medicine for nausea",
"infusion for crohns". LabeledIn (Khare, Li, Lu; NLM, 2014) catalogues the indications that FDA
drug labels state, each drug an RxNorm ingredient and each indication a UMLS concept; the file
read here is its structured results with names (``labeledin/data/indications.tsv`` of
github.com/dhimmel/indications: ``rxnorm_name``, ``disease_mesh_name``, the MeSH heading).
A pair becomes a row (condition, drug) when

1. some active HCPCS code's descriptor says the drug word after word (the row's term), and
2. the condition, its MeSH heading read in natural order ("Arthritis, Rheumatoid" → rheumatoid
   arthritis), is said word after word by some ICD-10-CM text: the condition a searcher types
   is one the code texts name; a site's neoplasms ("Breast Neoplasms") are written as the
   site's cancer ("breast cancer", as people type it) when a malignant neoplasm's text names
   the site; and
3. the drug is labelled for at most :data:`MAX_CONDITIONS` conditions.

LabeledIn is a U.S. Government work in the public domain; NOTICE credits it. The output is
sorted, so a second run reproduces it byte for byte.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Sequence
from pathlib import Path

from codesearch.records import SYSTEM_HCPCS, SYSTEM_ICD10CM, CodeRecord
from codesearch.schema import stems

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generated import render_tsv, stem_runs, write_or_check  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "corpus" / "indications.tsv"
#: A drug labelled for more conditions than this (the corticosteroids: 40 to 70; the broad antibiotics) is named by its
#: class, not by any one condition.
MAX_CONDITIONS = 8
#: MeSH headings too general to tell a searcher what a drug is for.
TOO_GENERAL = frozenset({"disease", "neoplasms", "infection", "infections", "syndrome", "skin diseases"})
#: A MeSH heading for the neoplasms of a site ("Breast Neoplasms") is typed as that site's cancer.
NEOPLASMS = " neoplasms"


def natural(heading: str) -> str:
    """A MeSH heading in natural order: "Diabetes Mellitus, Type 2" → "type 2 diabetes mellitus"."""
    parts = [p.strip() for p in heading.split(",") if p.strip()]
    return " ".join(reversed(parts)).lower()


def read_pairs(path: Path) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return [(r["rxnorm_name"].strip().lower(), r["disease_mesh_name"].strip())
                for r in csv.DictReader(f, delimiter="\t") if r["disease_mesh_name"].strip()]


def derive(pairs: Sequence[tuple[str, str]], records: Sequence[CodeRecord]) -> list[tuple[str, str]]:
    drugs = stem_runs(r.long for r in records if r.system == SYSTEM_HCPCS and r.status == "active" and r.kind == "code")
    icd = [t for r in records if r.system == SYSTEM_ICD10CM for t in (r.long, r.short, *r.synonyms)]
    conditions = stem_runs(icd)
    cancers = stem_runs(t for t in icd if "malignant neoplasm" in t.lower())
    found: dict[str, set[str]] = {}
    for drug, heading in pairs:
        condition = natural(heading)
        if condition in TOO_GENERAL or not stems(drug) or not stems(condition):
            continue
        if condition.endswith(NEOPLASMS):  # "breast neoplasms": said as the site's cancer
            site = condition[: -len(NEOPLASMS)]
            known = tuple(stems(site)) in cancers
            condition = f"{site} cancer"
        else:
            known = tuple(stems(condition)) in conditions
        if tuple(stems(drug)) in drugs and known:
            found.setdefault(drug, set()).add(condition)
    return sorted((c, drug) for drug, cs in found.items() if len(cs) <= MAX_CONDITIONS for c in cs)


def read_records(index_dir: Path) -> list[CodeRecord]:
    from codesearch.index import open_index

    return list(open_index(index_dir).records.values())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labeledin", type=Path, required=True, help="LabeledIn indications with names (TSV)")
    parser.add_argument("--index", type=Path, default=ROOT / "index", help="a built index (default: index)")
    parser.add_argument("--out", type=Path, default=OUTPUT)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    pairs = read_pairs(args.labeledin)
    rows = derive(pairs, read_records(args.index))
    text = render_tsv(("condition", "drug"), (
        "GENERATED by tools/derive_indications.py from NLM's LabeledIn (drug labels' indications,",
        "names as github.com/dhimmel/indications gives them); do not edit by hand. Public domain; see NOTICE.",
    ), rows)
    print(f"{len(pairs)} named pairs; {len(rows)} rows: {len({c for c, _ in rows})} conditions, "
          f"{len({d for _, d in rows})} drugs", file=sys.stderr)
    return write_or_check([(args.out, text)], args.check, "derive_indications.py")


if __name__ == "__main__":
    sys.exit(main())
