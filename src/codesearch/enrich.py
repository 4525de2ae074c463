"""Enrichment: brand names, abbreviations and plain-language text added to records.

The abbreviation map and plain-language lexicon are authored by the project in
``corpus/`` (see its README) and ship as the package data ``codesearch/lexicon/*.tsv``; brand names come from the ASP crosswalk and from the
names CMS puts in parentheses in drug descriptors.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from codesearch.errors import CorpusFileError
from codesearch.records import CodeRecord, DrugProduct
from codesearch.schema import abbreviation_key, stems, words


@dataclass(frozen=True)
class Abbreviation:
    """One sense of an abbreviation: ``IVIG`` → ``immune globulin intravenous``."""

    abbreviation: str
    expansion: str

    @property
    def key(self) -> str:
        return abbreviation_key(self.abbreviation)


@dataclass(frozen=True)
class Lexicon:
    """The project's authored vocabulary: abbreviations, plain language, section sentences."""

    abbreviations: tuple[Abbreviation, ...] = ()
    plain: tuple[tuple[str, str], ...] = ()  # (clinical term, plain phrase)
    sections: Mapping[str, str] = field(default_factory=dict)  # "section:E" / "betos:D1E" → sentence

    @classmethod
    def load(cls, folder: str | Path) -> Lexicon:
        """Read ``abbreviations.tsv``, ``plain_language.tsv`` and ``sections.tsv`` from ``folder``.

        Every file is required: a missing or unreadable one is a CorpusFileError naming it,
        never an empty lexicon (which would silently drop abbreviations and plain words).
        """
        folder = Path(folder)
        abbreviations = tuple(
            Abbreviation(r["abbreviation"], r["expansion"])
            for r in _read_tsv(folder / "abbreviations.tsv", ("abbreviation", "expansion"))
        )
        plain = tuple(
            (r["term"], r["plain"]) for r in _read_tsv(folder / "plain_language.tsv", ("term", "plain"))
        )
        sections = {
            f"{r['kind'].lower()}:{r['key'].upper()}": r["text"]
            for r in _read_tsv(folder / "sections.tsv", ("kind", "key", "text"))
        }
        return cls(abbreviations, plain, sections)

    def to_dict(self) -> dict:
        return {
            "abbreviations": [[a.abbreviation, a.expansion] for a in self.abbreviations],
            "plain": [list(p) for p in self.plain],
            "sections": dict(self.sections),
        }

    @classmethod
    def from_dict(cls, data: dict) -> Lexicon:
        return cls(
            tuple(Abbreviation(a, e) for a, e in data.get("abbreviations", ())),
            tuple((t, p) for t, p in data.get("plain", ())),
            dict(data.get("sections", {})),
        )


def _read_tsv(path: Path, columns: Sequence[str]) -> list[dict[str, str]]:
    """Rows of an authored TSV as dicts; errors name the file's own line numbers."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CorpusFileError(path, "lexicon file missing; codesearch cannot build without it") from None
    except UnicodeDecodeError as exc:
        raise CorpusFileError(path, f"not UTF-8 text: {exc.reason} at byte {exc.start}") from None
    except OSError as exc:
        raise CorpusFileError(path, f"lexicon file unreadable: {exc.strerror or exc}") from None
    header: list[str] | None = None
    rows = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = [c.strip() for c in line.split("\t")]
        if header is None:
            header = cells
            missing = [c for c in columns if c not in header]
            if missing:
                raise CorpusFileError(path, f"missing column(s) {', '.join(missing)} in the header", row=lineno)
            continue
        values = {c: (cells[header.index(c)] if header.index(c) < len(cells) else "") for c in columns}
        empty = [c for c in columns if not values[c]]
        if empty:
            raise CorpusFileError(path, "empty value", row=lineno, column=empty[0])
        rows.append(values)
    return rows


# Parenthesised words in drug descriptors that are not brand names.
_NOT_BRANDS = {
    "human", "recombinant", "ovine", "bovine", "porcine", "equine", "contraceptive", "endo",
    "cap", "b", "liquid", "lyophilized", "non-lyophilized", "for depot suspension",
}
_PAREN_RE = re.compile(r"\(([^()]{2,40})\)")
_BRANDISH_RE = re.compile(r"^[a-z][a-z0-9\- ]{2,}$")


def is_drug(record: CodeRecord) -> bool:
    """Whether a code is a drug or biological (the codes the crosswalk and brands concern)."""
    return (
        "51" in record.pricing_codes
        or record.betos in {"O1D", "O1E", "O1G", "D1G"}
        or record.long.lower().startswith(("injection", "inj,", "inj "))
    )


def descriptor_brands(record: CodeRecord, labelers: Iterable[str], abbreviation_keys: set[str]) -> list[str]:
    """Brand names CMS puts in parentheses in a drug descriptor: ``(octagam)`` → ``Octagam``."""
    if not is_drug(record):
        return []
    labeler_words = [labeler.lower() for labeler in labelers]
    out = []
    for inner in _PAREN_RE.findall(record.long):
        name = inner.strip().lower()
        if (
            not _BRANDISH_RE.match(name)
            or len(name.split()) > 3
            or name in _NOT_BRANDS
            or name.startswith(("e.g", "eg ", "i.e", "ie ", "for ", "not ", "non-", "use "))
            or abbreviation_key(name) in abbreviation_keys
            # "(baxter)", "(fresenius kabi)": a manufacturer, not a brand
            or any(lab.startswith(name) for lab in labeler_words)
        ):
            continue
        out.append(inner.strip().title() if inner.islower() else inner.strip())
    return out


def _contains_all(tokens: set[str], needed: tuple[str, ...]) -> bool:
    return bool(needed) and all(t in tokens for t in needed)


class Enricher:
    """Adds products, brand names, abbreviations and plain-language text to records."""

    def __init__(self, lexicon: Lexicon, crosswalk: Mapping[str, Sequence[DrugProduct]]):
        self.lexicon = lexicon
        self.crosswalk = crosswalk
        self.labelers = sorted({p.labeler for ps in crosswalk.values() for p in ps if p.labeler})
        self.abbreviation_keys = {a.key for a in lexicon.abbreviations}
        # Abbreviations by the first stem of their expansion: a record is only checked
        # against the senses whose first word it contains.
        self._abbr: dict[str, list[tuple[Abbreviation, tuple[str, ...]]]] = {}
        for a in lexicon.abbreviations:
            needed = stems(a.expansion)
            if needed:
                self._abbr.setdefault(needed[0], []).append((a, needed))
        # Lexicon terms by their first stem, so a descriptor is scanned once per token.
        self._plain: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for term, phrase in lexicon.plain:
            run = stems(term)
            if run:
                self._plain.setdefault(run[0], []).append((run, phrase))

    def enrich(self, record: CodeRecord) -> CodeRecord:
        """The record with its products, brands, abbreviations and plain text filled in."""
        products = tuple(self.crosswalk.get(record.code, ())) if record.kind == "code" else ()
        brands: list[str] = []
        generic_words = set(words(_PAREN_RE.sub(" ", record.long)))
        for name in [p.drug_name for p in products] + descriptor_brands(
            record, self.labelers, self.abbreviation_keys
        ):
            first = words(name)[:1]
            # A crosswalk "drug name" that is the descriptor's own generic name is no brand.
            if not first or first[0] in generic_words:
                continue
            if name.lower() not in {b.lower() for b in brands}:
                brands.append(name)
        token_list = list(stems(record.long)) + ["|"] + list(stems(record.short))
        for synonym in record.synonyms:
            token_list += ["|", *stems(synonym)]
        token_set = set(token_list)
        abbreviations = sorted(
            {
                a.abbreviation
                for token in token_set
                for a, needed in self._abbr.get(token, ())
                if _contains_all(token_set, needed)
            }
        )
        phrases: list[str] = []
        for i, token in enumerate(token_list):
            for run, phrase in self._plain.get(token, ()):
                if tuple(token_list[i : i + len(run)]) == run and phrase not in phrases:
                    phrases.append(phrase)
        return dataclasses.replace(
            record,
            products=products,
            brands=tuple(brands),
            abbreviations=tuple(abbreviations),
            plain=self.plain_text(record, phrases),
            plain_terms=tuple(phrases),
        )

    def category_sentence(self, record: CodeRecord) -> str:
        """The authored plain sentence for the code's BETOS category, else its section."""
        return self.lexicon.sections.get(f"betos:{record.betos}") or self.lexicon.sections.get(
            f"section:{record.section_letter}", ""
        )

    def plain_text(self, record: CodeRecord, phrases: Sequence[str]) -> str:
        """A plain-language text for a code: its category in everyday words, then synonyms."""
        parts = []
        sentence = self.category_sentence(record)
        if sentence:
            parts.append(sentence.rstrip(".") + ".")
        if phrases:
            parts.append("In everyday words: " + ", ".join(phrases) + ".")
        return " ".join(parts)


def plain_index(lexicon: Lexicon) -> dict[tuple[str, ...], list[str]]:
    """Plain phrase (as stems, stop words dropped) → the clinical terms it stands for.

    Keyed by stems so "antibody" finds the entry written as "antibodies".
    """
    out: dict[tuple[str, ...], list[str]] = {}
    for term, phrase in lexicon.plain:
        key = stems(phrase)
        if key and term not in out.setdefault(key, []):
            out[key].append(term)
    return out
