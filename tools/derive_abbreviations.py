"""Derive ``corpus/abbreviations_inventory.tsv`` from the Medical Abbreviation Meta-Inventory.

A development tool, run from the checkout (not part of the package)::

    .venv/bin/python tools/derive_abbreviations.py            # writes corpus/abbreviations_inventory.tsv
    .venv/bin/python tools/derive_abbreviations.py --check    # fails if the shipped file is stale

It reads only the CC BY 4.0 parts of the meta-inventory (Vanderbilt clinic notes and discharge
summaries, Stetson, Columbia), never its CC BY-SA Wikipedia parts, and keeps a sense when:

1. its share among the abbreviation's senses reaches ``MIN_SHARE`` in at least one inventory
   (rarer senses are sampling noise: "MI" → miles, "DM" → initials of a doctor);
2. it is not prescription shorthand (qd, bid, po: every content word is a dosing-schedule or
   route-by-mouth word, which names no billable concept);
3. the abbreviation is not an English stop word ("US", "OR": the analyzer drops those words, so a
   query cannot tell them from prose);
4. it reaches the descriptor vocabulary: after the index's own analysis (stemming, stop words),
   every content word of the sense occurs in the descriptor, short descriptor or inclusion terms
   of at least one HCPCS or ICD-10-CM code. Two relaxations: a word the descriptors only print
   hyphenated ("gastroesophageal" vs "gastro-esophageal") is respelled the descriptors' way, and
   a one-character word (a digit or letter: "hepatitis c virus", "lumbar 1") is no evidence either
   way, so it is not required (the index keeps such words since schema 6; requiring them would
   drop HCV → "hepatitis c virus", which no descriptor prints whole).

Senses of one abbreviation are merged across inventories by UMLS CUI or by equal stems
("pulmonary embolus" / "pulmonary embolism" share C0034065). A merged sense's frequency is the
mean of its share over the inventories that list the abbreviation (0 where an inventory lists
the abbreviation but not the sense; Columbia gives no counts, so each of its senses has an equal
share). The output is sorted and contains no dates, so a second run reproduces it byte for byte.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from whoosh.analysis import STOP_WORDS

from codesearch.config import PROJECT_ROOT, Settings
from codesearch.expand import hyphenated_compounds
from codesearch.records import CodeRecord
from codesearch.schema import abbreviation_key, stems, words
from codesearch.sources.hcpcs import read_hcpcs
from codesearch.sources.icd10cm import read_icd10cm

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generated import write_or_check  # noqa: E402

#: The CC BY 4.0 inventories read, file name → source label. The Wikipedia files
#: (``5-wikipedia_*``, ``wikipedia-list/``) are CC BY-SA and are never read.
INVENTORIES = {
    "4-vanderbilt_vanderbilt_clinic_notes.txt": "vanderbilt_clinic",
    "4-vanderbilt_vanderbilt_discharge_sums.txt": "vanderbilt_discharge",
    "6-stetson_sense_distribution_448.txt": "stetson",
    "7-columbia_obgyn.txt": "columbia",
}

#: A sense is kept only if some inventory gives it at least this share of its abbreviation's
#: uses. Vanderbilt's shares come from samples of a few dozen to a few hundred notes, so a
#: share under 2% is one or two sightings: "MI" → miles (0.2%), "DM" → dextromethorphan (1-2%),
#: "CAD" → computer-aided detection (0.4%). "AF" → atrial fibrillation (2-10%) stays.
MIN_SHARE = 0.02

#: Words of prescription directions (sig codes): a sense made only of these (qd → daily,
#: bid → twice a day, po → by mouth, qhs → at bedtime) names no billable concept, and
#: "mouth" or "daily" would attach it to unrelated codes.
DOSING_WORDS = frozenset(
    "daily day days twice three four time times every other once hour hours hourly night nightly "
    "morning evening bedtime week weekly month monthly needed meal meals before after mouth oral "
    "orally per os bis ter quater quaque die hora somni pro re nata ante post cibum".split()
)

#: Words of prose rather than medicine: a sense made only of these ("BC" → because, "AKA" →
#: also known as, "RD" → road, "DTR" → daughter) names no billable concept, yet its words
#: occur somewhere among 84,000 descriptors ("underdosing ... because of financial hardship").
#: Time units are not among them: the codes state gestation and ages in weeks, months and years
#: ("32 weeks gestation of pregnancy"), so "wks", "mos" and "yrs" are kept.
NON_CLINICAL_WORDS = frozenset(
    "because also known versus regarding otherwise each great word message report repeat recommend "
    "recommendations continue start establish evaluate estimated adjusted adjacent alternate "
    "alternating average point plan assessment miss mrs ms mr brother father mother daughter "
    "woman man junior doctor doctors manager company road street east room television phone "
    "telephone gymnasium center december".split()
)

OUTPUT = PROJECT_ROOT / "corpus" / "abbreviations_inventory.tsv"

HEADER = """\
# GENERATED by tools/derive_abbreviations.py -- do not edit by hand; regenerate with
#     .venv/bin/python tools/derive_abbreviations.py
# Derived from the Medical Abbreviation Meta-Inventory (Grossman Liu L, Grossman RH, Mitchell EG,
# et al., "A deep database of medical abbreviations and acronyms for natural language
# processing", Scientific Data 8 (2021), doi:10.1038/s41597-021-00929-4), CC BY 4.0: its
# Vanderbilt (clinic notes, discharge summaries), Stetson and Columbia sense inventories.
# Changes: senses filtered to those whose words occur in HCPCS or ICD-10-CM descriptors,
# merged across inventories, frequencies averaged. See NOTICE.
# frequency: mean share of the sense among its abbreviation's uses in the inventories listing
# the abbreviation; sources: the inventories listing the sense; cui: UMLS CUIs where given.
"""


@dataclass(frozen=True)
class InventoryRow:
    """One (abbreviation, sense) line of one inventory."""

    source: str
    abbreviation: str  # as the inventory keys it (lowercase for Vanderbilt and Stetson)
    sense: str
    share: float  # of the abbreviation's uses in that inventory
    cuis: tuple[str, ...] = ()
    forms: tuple[tuple[str, int], ...] = ()  # spellings seen in notes, with counts


@dataclass
class Sense:
    """A sense merged over inventories."""

    key: str
    wordings: list[str] = field(default_factory=list)
    shares: dict[str, float] = field(default_factory=dict)
    cuis: set[str] = field(default_factory=set)

    def add(self, row: InventoryRow) -> None:
        if row.sense not in self.wordings:
            self.wordings.append(row.sense)
        self.shares[row.source] = self.shares.get(row.source, 0.0) + row.share
        self.cuis.update(row.cuis)


@dataclass(frozen=True)
class Entry:
    """A row of the generated file."""

    abbreviation: str
    sense: str
    frequency: float
    sources: tuple[str, ...]
    cuis: tuple[str, ...]


# -- reading the inventories -------------------------------------------------------------------

_FORM_RE = re.compile(r"^(.*)_([0-9]+)$")


def _forms(variation: str) -> tuple[tuple[str, int], ...]:
    out = []
    for item in variation.split("|"):
        m = _FORM_RE.match(item.strip())
        if m and m.group(1).strip("."):
            out.append((m.group(1).strip("."), int(m.group(2))))
    return tuple(out)


def _sense_text(text: str) -> str:
    return " ".join(text.lower().split())


def read_vanderbilt(path: Path, source: str) -> list[InventoryRow]:
    """abbreviation, sense, variation, CUI, frequency (tab-separated, with a header)."""
    rows = []
    lines = path.read_text(encoding="utf-8").splitlines()
    for lineno, line in enumerate(lines[1:], start=2):
        cells = line.split("\t")
        if len(cells) != 5:
            raise SystemExit(f"{path}: line {lineno}: expected 5 tab-separated columns, got {len(cells)}")
        abbreviation, sense, variation, cui, share = cells
        cuis = tuple(c.upper() for c in cui.split("|") if c and c != "null")
        rows.append(InventoryRow(source, abbreviation, _sense_text(sense), float(share), cuis, _forms(variation)))
    return rows


def read_stetson(path: Path, source: str) -> list[InventoryRow]:
    """abbreviation, sense, frequency (tab-separated, no header)."""
    rows = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        cells = line.split("\t")
        if len(cells) != 3:
            raise SystemExit(f"{path}: line {lineno}: expected 3 tab-separated columns, got {len(cells)}")
        rows.append(InventoryRow(source, cells[0], _sense_text(cells[1]), float(cells[2])))
    return rows


def read_columbia(path: Path, source: str) -> list[InventoryRow]:
    """abbreviation and sense separated by the first space; no counts (senses share equally)."""
    pairs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            abbreviation, _, sense = line.strip().partition(" ")
            pairs.append((abbreviation, _sense_text(sense)))
    return [InventoryRow(source, a, s, 1.0, (), ((a, 1),)) for a, s in pairs]


def read_inventories(folder: Path) -> list[InventoryRow]:
    """Every row of the CC BY 4.0 inventories in ``folder``."""
    rows: list[InventoryRow] = []
    for name, source in INVENTORIES.items():
        path = folder / name
        if not path.exists():
            raise SystemExit(f"{path}: missing (the meta-inventory's {source} inventory)")
        reader = read_vanderbilt if name.startswith("4-") else read_stetson if name.startswith("6-") else read_columbia
        rows += reader(path, source)
    return normalize_shares(rows)


def normalize_shares(rows: Sequence[InventoryRow]) -> list[InventoryRow]:
    """Shares that sum to 1 per inventory and abbreviation key.

    An inventory may list one abbreviation under two spellings that share a key ("bp" and
    "b_p", each with shares summing to 1), and Columbia gives no counts at all.
    """
    totals: Counter[tuple[str, str]] = Counter()
    for row in rows:
        totals[row.source, abbreviation_key(row.abbreviation)] += row.share
    return [
        dataclasses.replace(row, share=row.share / totals[row.source, abbreviation_key(row.abbreviation)])
        if totals[row.source, abbreviation_key(row.abbreviation)] else row
        for row in rows
    ]


# -- the descriptor vocabulary ---------------------------------------------------------------


class Vocabulary:
    """Which codes each descriptor stem occurs in, as enrichment reads a record."""

    def __init__(self, records: Iterable[CodeRecord]):
        records = list(records)
        self.systems: list[str] = []
        self.is_code: list[bool] = []
        self.postings: dict[str, set[int]] = defaultdict(set)
        for i, record in enumerate(records):
            self.systems.append(record.system)
            self.is_code.append(record.kind != "modifier")
            for text in (record.long, record.short, *record.synonyms):
                for stem in content_stems(text):
                    self.postings[stem].add(i)
        # "gastroesophageal" → "gastro-esophageal", the way the descriptors print it (the
        # expander's own table of the texts' hyphenated compounds).
        self.respell = hyphenated_compounds(records)

    def reached(self, text: str) -> set[int]:
        """Records whose text holds every content stem of ``text``."""
        needed = content_stems(text)
        if not needed:
            return set()
        found = set(self.postings.get(needed[0], ()))
        for stem in needed[1:]:
            found &= self.postings.get(stem, set())
            if not found:
                break
        return found

    def descriptor_spelling(self, text: str) -> str:
        """``text`` with words the descriptors also print hyphenated spelled that way."""
        return " ".join(self.respell.get(w, w) for w in text.split())


# -- derivation --------------------------------------------------------------------------------


def content_stems(text: str) -> tuple[str, ...]:
    """The stems of ``text`` that say which vocabulary it reaches: one-character ones say nothing."""
    return tuple(s for s in stems(text) if len(s) > 1)


def _wordings(text: str) -> list[str]:
    """A sense as written, then without and inside its parenthesis: "bis in die (twice a day)"."""
    out = [text]
    m = re.match(r"^(.*?)\s*\((.*)\)\s*$", text)
    if m:
        out += [w for w in (m.group(1), m.group(2)) if w.strip()]
    return out


def _only(text: str, vocabulary: frozenset[str]) -> bool:
    content = [w for w in words(text) if w not in STOP_WORDS]
    return bool(content) and all(w in vocabulary for w in content)


def is_dosing(text: str) -> bool:
    """Whether every content word of a sense is a prescription-direction word."""
    return _only(text, DOSING_WORDS)


def is_prose(text: str) -> bool:
    """Whether every content word of a sense is an everyday non-clinical word."""
    return _only(text, NON_CLINICAL_WORDS)


def merge_senses(rows: Sequence[InventoryRow]) -> dict[str, list[Sense]]:
    """Abbreviation key → its senses, merged across inventories by CUI or equal stems."""
    by_key: dict[str, list[InventoryRow]] = defaultdict(list)
    for row in rows:
        by_key[abbreviation_key(row.abbreviation)].append(row)
    out: dict[str, list[Sense]] = {}
    for key, group in by_key.items():
        senses: list[Sense] = []
        for row in group:
            row_stems = frozenset(content_stems(row.sense))
            match = next(
                (
                    s for s in senses
                    if (row.cuis and s.cuis & set(row.cuis))
                    or any(frozenset(content_stems(w)) == row_stems for w in s.wordings)
                ),
                None,
            )
            if match is None:
                match = Sense(key)
                senses.append(match)
            match.add(row)
        out[key] = senses
    return out


def display_forms(rows: Sequence[InventoryRow]) -> dict[str, str]:
    """Abbreviation key → the spelling most often seen in notes ("HTN", "AFib"); upper case if none."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        for form, n in row.forms:
            if abbreviation_key(form) == abbreviation_key(row.abbreviation):
                counts[abbreviation_key(row.abbreviation)][form] += n
    out = {}
    for row in rows:
        key = abbreviation_key(row.abbreviation)
        if key not in out:
            seen = counts.get(key)
            # Most seen; among equals the form with more capitals ("HTN" before "htn").
            out[key] = (
                min(seen.items(), key=lambda fc: (-fc[1], -sum(ch.isupper() for ch in fc[0]), fc[0]))[0]
                if seen else row.abbreviation.upper()
            )
    return out


@dataclass
class Report:
    """What a derivation kept and dropped, and what it reaches."""

    inventory_rows: int = 0
    dropped: Counter[str] = field(default_factory=Counter)
    entries: list[Entry] = field(default_factory=list)
    reached: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))

    def lines(self) -> list[str]:
        abbreviations = {abbreviation_key(e.abbreviation) for e in self.entries}
        out = [
            f"inventory rows read: {self.inventory_rows}",
            f"abbreviations kept: {len(abbreviations)}; senses kept: {len(self.entries)}",
        ]
        out += [f"senses dropped ({reason}): {n}" for reason, n in sorted(self.dropped.items())]
        out += [f"codes reachable in {system}: {len(docs)}" for system, docs in sorted(self.reached.items())]
        return out


def derive(rows: Sequence[InventoryRow], vocabulary: Vocabulary) -> Report:
    """The kept senses of ``rows``, best first per abbreviation, and a report of what was dropped."""
    report = Report(inventory_rows=len(rows))
    sources_listing: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        sources_listing[abbreviation_key(row.abbreviation)].add(row.source)
    forms = display_forms(rows)
    for key, senses in sorted(merge_senses(rows).items()):
        if len(key) < 2 or key in STOP_WORDS:
            # Query expansion never reads a single letter as an abbreviation, and the
            # analyzer drops stop words ("US", "OR") from queries and descriptors alike.
            report.dropped["abbreviation is one letter or a stop word"] += len(senses)
            continue
        listing = sources_listing[key]
        for sense in senses:
            if max(sense.shares.values()) < MIN_SHARE:
                report.dropped[f"share under {MIN_SHARE:g} in every inventory"] += 1
                continue
            if all(is_dosing(w) for w in sense.wordings):
                report.dropped["prescription shorthand"] += 1
                continue
            if all(is_prose(w) for w in sense.wordings):
                report.dropped["not a clinical concept"] += 1
                continue
            if all(abbreviation_key(w) == key for w in sense.wordings):
                report.dropped["sense is the abbreviation itself"] += 1
                continue
            candidates = []
            for wording in sense.wordings:
                for text in _wordings(wording):
                    for spelled in dict.fromkeys((text, vocabulary.descriptor_spelling(text))):
                        if is_dosing(spelled) or is_prose(spelled):
                            continue
                        docs = vocabulary.reached(spelled)
                        if docs:
                            candidates.append((-len(docs), len(spelled), spelled, docs))
            if not candidates:
                report.dropped["words reach no code's descriptor"] += 1
                continue
            _, _, text, docs = min(candidates, key=lambda c: c[:3])
            frequency = sum(sense.shares.values()) / len(listing)
            report.entries.append(
                Entry(forms[key], text, round(frequency, 4), tuple(sorted(sense.shares)), tuple(sorted(sense.cuis)))
            )
            for doc in docs:
                if vocabulary.is_code[doc]:
                    report.reached[vocabulary.systems[doc]].add(doc)
    # Two inventory senses may land on one wording ("pe": pulmonary embolus/embolism): merge.
    merged: dict[tuple[str, str], Entry] = {}
    for e in report.entries:
        k = (abbreviation_key(e.abbreviation), e.sense)
        if k in merged:
            old = merged[k]
            e = Entry(
                old.abbreviation, e.sense, round(old.frequency + e.frequency, 4),
                tuple(sorted(set(old.sources) | set(e.sources))), tuple(sorted(set(old.cuis) | set(e.cuis))),
            )
        merged[k] = e
    report.entries = sorted(
        merged.values(), key=lambda e: (abbreviation_key(e.abbreviation), -e.frequency, e.sense)
    )
    return report


def render(entries: Iterable[Entry]) -> str:
    """The generated TSV: header comment, column names, one row per sense."""
    lines = [HEADER.rstrip("\n"), "abbreviation\tsense\tfrequency\tsources\tcui"]
    for e in entries:
        lines.append(f"{e.abbreviation}\t{e.sense}\t{e.frequency:.4f}\t{','.join(e.sources)}\t{','.join(e.cuis)}")
    return "\n".join(lines) + "\n"


def read_records(settings: Settings) -> list[CodeRecord]:
    """HCPCS and ICD-10-CM records from the data directory, through the project's loaders."""
    records = list(read_hcpcs(settings.hcpcs_path()))
    icd = settings.icd10cm_path()
    if icd is not None:
        records += read_icd10cm(icd)
    return records


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, help="code sources (default: the project's data directory)")
    parser.add_argument("--inventory", type=Path, help="meta-inventory folder (default: DATA_DIR/abbreviations/meta-inventory)")
    parser.add_argument("--out", type=Path, default=OUTPUT, help=f"output file (default: {OUTPUT})")
    parser.add_argument("--check", action="store_true", help="compare with --out instead of writing it")
    args = parser.parse_args(argv)
    settings = Settings.from_env(**({"data_dir": args.data_dir} if args.data_dir else {}))
    inventory = args.inventory or settings.data_dir / "abbreviations" / "meta-inventory"
    report = derive(read_inventories(inventory), Vocabulary(read_records(settings)))
    text = render(report.entries)
    for line in report.lines():
        print(line, file=sys.stderr)
    return write_or_check([(args.out, text)], args.check, "derive_abbreviations.py")

if __name__ == "__main__":
    sys.exit(main())
