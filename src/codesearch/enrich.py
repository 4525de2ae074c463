"""Enrichment: brand names, abbreviations and plain-language text added to records.

The abbreviation map has two parts in ``corpus/``: ``abbreviations_inventory.tsv``, generated
by ``tools/derive_abbreviations.py`` from the Medical Abbreviation Meta-Inventory (CC BY 4.0,
see NOTICE), and ``abbreviations.tsv``, written by hand for what the inventory does not say
(supply and orthotics jargon, drug classes). The plain-language lexicon and lay vocabulary are
authored in ``corpus/`` too; all of them ship as the package data ``codesearch/lexicon/*.tsv``.
Brand names come from the ASP crosswalk and from the names CMS puts in parentheses in drug
descriptors. The lay vocabulary is applied at query time only (:mod:`codesearch.expand`),
word by word, so it adds nothing to the records.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from codesearch.errors import CorpusFileError
from codesearch.records import CodeRecord, DrugProduct
from codesearch.schema import abbreviation_key, stems, words


#: The lexicon files, each required: a missing one is an error naming it.
LEXICON_FILES = (
    "abbreviations.tsv", "abbreviations_inventory.tsv", "plain_language.tsv", "sections.tsv", "lay_words.tsv",
)

#: Where an abbreviation sense comes from.
HAND_WRITTEN = "project"
INVENTORY = "inventory"


@dataclass(frozen=True)
class Abbreviation:
    """One sense of an abbreviation: ``IVIG`` → ``immune globulin intravenous``.

    ``frequency`` is the sense's share of the abbreviation's uses in clinical notes (from the
    meta-inventory); a hand-written sense counts as 1, as common as any.
    """

    abbreviation: str
    expansion: str
    frequency: float = 1.0
    source: str = HAND_WRITTEN

    @property
    def key(self) -> str:
        return abbreviation_key(self.abbreviation)


#: The kinds of row of ``lay_words.tsv``: what the lay word names (README, "Lay vocabulary").
LAY_KINDS = frozenset({
    "anatomy", "condition", "symptom", "procedure", "device", "drug-class", "substance",
    "modifier-word", "idiom",
})
_FORM_RE = re.compile(r"^-?[a-z]{2,}-?$")


@dataclass(frozen=True)
class LayWord:
    """An everyday word or phrase and one descriptor word, phrase or combining form it means.

    ``clinical`` is a descriptor word or phrase ("belly" → ``abdominal``) or a combining form:
    ``hyper-`` starts a descriptor word, ``-itis`` ends one, ``-hepat-`` is inside one.
    """

    lay: str
    clinical: str
    kind: str

    @property
    def is_form(self) -> bool:
        return self.clinical.startswith("-") or self.clinical.endswith("-")


@dataclass(frozen=True)
class Lexicon:
    """The project's authored vocabulary: abbreviations, plain language, lay words, section sentences."""

    abbreviations: tuple[Abbreviation, ...] = ()
    plain: tuple[tuple[str, str], ...] = ()  # (clinical term, plain phrase)
    sections: Mapping[str, str] = field(default_factory=dict)  # "section:E" / "betos:D1E" → sentence
    lay: tuple[LayWord, ...] = ()

    @classmethod
    def load(cls, folder: str | Path) -> Lexicon:
        """Read the :data:`LEXICON_FILES` from ``folder``.

        Every file is required: a missing or unreadable one is a CorpusFileError naming it,
        never an empty lexicon (which would silently drop abbreviations and plain words).
        """
        folder = Path(folder)
        abbreviations = tuple(
            Abbreviation(r["abbreviation"], r["expansion"])
            for r in _read_tsv(folder / "abbreviations.tsv", ("abbreviation", "expansion"))
        ) + tuple(
            Abbreviation(r["abbreviation"], r["sense"], float(r["frequency"]), INVENTORY)
            for r in _read_tsv(
                folder / "abbreviations_inventory.tsv", ("abbreviation", "sense", "frequency"),
                numbers=("frequency",),
            )
        )
        plain = tuple(
            (r["term"], r["plain"]) for r in _read_tsv(folder / "plain_language.tsv", ("term", "plain"))
        )
        sections = {
            f"{r['kind'].lower()}:{r['key'].upper()}": r["text"]
            for r in _read_tsv(folder / "sections.tsv", ("kind", "key", "text"))
        }
        lay_path = folder / "lay_words.tsv"
        lay = tuple(
            LayWord(r["lay"].lower(), r["clinical"].lower(), r["kind"])
            for r in _read_tsv(lay_path, ("lay", "clinical", "kind"), {"kind": LAY_KINDS},
                               check={"clinical": _check_lay_target})
        )
        return cls(abbreviations, plain, sections, lay)

    def to_dict(self) -> dict:
        return {
            "abbreviations": [[a.abbreviation, a.expansion, a.frequency, a.source] for a in self.abbreviations],
            "plain": [list(p) for p in self.plain],
            "sections": dict(self.sections),
            "lay": [[w.lay, w.clinical, w.kind] for w in self.lay],
        }

    @classmethod
    def from_dict(cls, data: dict) -> Lexicon:
        return cls(
            tuple(Abbreviation(*a) for a in data.get("abbreviations", ())),
            tuple((t, p) for t, p in data.get("plain", ())),
            dict(data.get("sections", {})),
            tuple(LayWord(*row) for row in data.get("lay", ())),
        )


def _check_lay_target(value: str) -> str | None:
    """Why a lay row's clinical value is malformed, or None: a combining form is letters only."""
    if (value.startswith("-") or value.endswith("-")) and not _FORM_RE.match(value.lower()):
        return f"combining form {value!r} must be letters with a leading and/or trailing hyphen"
    return None


def _read_tsv(
    path: Path,
    columns: Sequence[str],
    choices: Mapping[str, frozenset[str]] | None = None,
    check: Mapping[str, Callable[[str], str | None]] | None = None,
    numbers: Sequence[str] = (),
) -> list[dict[str, str]]:
    """Rows of an authored TSV as dicts; errors name the file's own line numbers.

    ``choices`` limits a column to a set of values; ``check`` returns why a value is malformed;
    ``numbers`` are columns that must hold a number from 0 to 1.
    """
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
        for column, allowed in (choices or {}).items():
            if values[column] not in allowed:
                raise CorpusFileError(
                    path, f"{values[column]!r} is not one of {', '.join(sorted(allowed))}",
                    row=lineno, column=column,
                )
        for column, checker in (check or {}).items():
            problem = checker(values[column])
            if problem:
                raise CorpusFileError(path, problem, row=lineno, column=column)
        for c in numbers:
            try:
                ok = 0.0 <= float(values[c]) <= 1.0
            except ValueError:
                ok = False
            if not ok:
                raise CorpusFileError(path, f"not a number from 0 to 1: {values[c]!r}", row=lineno, column=c)
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


def sense_token(key: str, expansion: str) -> str:
    """The ``abbrev`` field token of a code that names a sense exactly: ``htn=hypertens``."""
    return key + "=" + "_".join(sorted(set(stems(expansion))))


# Stems a term adds to say it is unspecified: "Chest pain, unspecified", "Pulmonary embolism
# NOS", "Urinary tract infection, site not specified".
_UNSPECIFIED_STEMS = frozenset(stems("unspecified NOS site not specified"))
_NONESSENTIAL_RE = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")


def term_bounds(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """The stems a term requires and the stems it allows, "unspecified" words left out.

    ICD-10-CM puts nonessential modifiers in parentheses: "Coronary (artery) disease" names
    both "coronary disease" and "coronary artery disease".
    """
    allowed = frozenset(stems(text)) - _UNSPECIFIED_STEMS
    if "(" not in text and "[" not in text:
        return allowed, allowed
    return frozenset(stems(_NONESSENTIAL_RE.sub(" ", text))) - _UNSPECIFIED_STEMS, allowed


_BRACKETED_RE = re.compile(r"\[([^\[\]]+)\]")
#: Bracketed words that are no synonym of a title: a side, an ordinal, a hedge.
_NOT_SYNONYMS = frozenset({"right", "left", "other", "1st", "2nd", "any part"})


def title_synonyms(record: CodeRecord) -> tuple[str, ...]:
    """The synonyms the titles of an ICD-10-CM code's categories give in square brackets.

    "Zoster [herpes zoster]" (B02) names herpes zoster for B02.9 "Zoster without complications";
    "Fracture of navicular [scaphoid] bone of wrist" (S62.0) names scaphoid for the codes under it.
    The tabular list carries a category's inclusion terms down to its codes; its title's own
    synonyms hold for them just the same.
    """
    out: list[str] = []
    for ancestor in record.ancestors:
        for inner in _BRACKETED_RE.findall(ancestor):
            term = inner.strip()
            if (len(term) >= 4 and "," not in term and term.lower() not in _NOT_SYNONYMS
                    and any(ch.islower() for ch in term) and term not in out and term not in record.synonyms):
                out.append(term)
    return tuple(out)


class Enricher:
    """Adds products, brand names, abbreviations and plain-language text to records."""

    def __init__(self, lexicon: Lexicon, crosswalk: Mapping[str, Sequence[DrugProduct]]):
        self.lexicon = lexicon
        self.crosswalk = crosswalk
        self.labelers = sorted({p.labeler for ps in crosswalk.values() for p in ps if p.labeler})
        self.abbreviation_keys = {a.key for a in lexicon.abbreviations}
        # Abbreviations by the first stem of their expansion: a record is only checked
        # against the senses whose first word it contains.
        self._abbr: dict[str, list[tuple[Abbreviation, frozenset[str]]]] = {}
        # Senses by each of their stems, and abbreviations by key, to find the terms that
        # name one exactly.
        self._senses: dict[str, list[tuple[frozenset[str], Abbreviation]]] = {}
        self._by_key: dict[tuple[str, ...], list[Abbreviation]] = {}
        for a in lexicon.abbreviations:
            needed = stems(a.expansion)
            if needed:
                self._abbr.setdefault(needed[0], []).append((a, frozenset(needed)))
                for stem in set(needed):
                    self._senses.setdefault(stem, []).append((frozenset(needed), a))
            self._by_key.setdefault(stems(a.key)[:1], []).append(a)
        # Lexicon terms by their first stem, so a descriptor is scanned once per token.
        self._plain: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for term, phrase in lexicon.plain:
            run = stems(term)
            if run:
                self._plain.setdefault(run[0], []).append((run, phrase))

    def enrich(self, record: CodeRecord) -> CodeRecord:
        """The record with its products, brands, abbreviations and plain text filled in."""
        if record.system == "ICD10CM" and record.ancestors:
            record = dataclasses.replace(record, synonyms=record.synonyms + title_synonyms(record))
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
                if needed <= token_set
            }
        )
        named = self.named_senses(record)
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
            named_senses=named,
            plain=self.plain_text(record, phrases),
            plain_terms=tuple(phrases),
        )

    def named_senses(self, record: CodeRecord) -> tuple[str, ...]:
        """Sense tokens of the abbreviations the code's title or an inclusion term names exactly.

        I10's "hypertension (arterial) (benign) ..." names HTN's sense; G45.9's inclusion term
        "TIA" is the abbreviation itself; "Chest pain, unspecified" names CP's first sense.
        """
        out: set[str] = set()
        for text in (record.short, record.long, *record.synonyms):
            required, allowed = term_bounds(text)
            if not required:
                continue
            for a in self._by_key.get(tuple(required), ()) if len(required) == 1 else ():
                out.add(sense_token(a.key, a.expansion))
            for sense, a in self._senses.get(min(required), ()):
                if required <= sense <= allowed:
                    out.add(sense_token(a.key, a.expansion))
        return tuple(sorted(out))

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


def lay_index(lexicon: Lexicon) -> dict[tuple[str, ...], list[LayWord]]:
    """Lay word or phrase (as stems, stop words dropped) → its rows, in file order.

    Keyed by stems so "bruises" finds the row written as "bruise".
    """
    out: dict[tuple[str, ...], list[LayWord]] = {}
    for row in lexicon.lay:
        key = stems(row.lay)
        if key and row not in out.setdefault(key, []):
            out[key].append(row)
    return out
