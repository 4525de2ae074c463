"""Code pages: the whole record of a code, its NDC products and the codes related to it."""

from __future__ import annotations

import re
from collections import defaultdict

from codesearch.billing import billing_facts
from codesearch.enrich import is_drug
from codesearch.records import CodeRecord
from codesearch.schema import stems

_GENERIC_RE = re.compile(r"^(?:injection|inj)[,.]?\s+([a-z][a-z]+)(?:-[a-z]{4})?\b", re.I)

#: Billing notes shown on code pages, by kind of code (authored here, not from CMS text).
BILLING_NOTES = {
    "drug": [
        "Report the 11-digit NDC of the product given on the claim with the HCPCS code (N4 qualifier "
        "on electronic claims), as most payers require it for Part B drugs.",
        "Bill units as the dose given divided by the unit in the descriptor, rounded up; "
        "discarded drug from a single-dose vial is reported on its own line with modifier JW, or JZ when none was discarded.",
        "Administration (the injection or infusion itself) is billed separately from the drug.",
    ],
    "E": [
        "Durable medical equipment is billed to the DME MAC; many items need a written order "
        "and proof of medical necessity, and rentals use modifiers such as RR, NU or UE.",
    ],
    "L": ["Orthotics and prosthetics are billed to the DME MAC; use RT/LT for the side and KX where the policy requires it."],
    "A": ["Supplies and ambulance services: check the payer's policy for quantity limits and required modifiers."],
    "G": ["G codes are CMS's own procedure and service codes; some are Medicare-only and others are used by commercial payers."],
    "Q": ["Q codes are temporary national codes; a permanent code may replace them in a later release."],
    "S": ["S codes are used by private payers and Medicaid, not by Medicare."],
    "modifier": ["Modifiers are appended to a code to tell the payer more about the service."],
}


def generic_name(record: CodeRecord) -> str | None:
    """The generic drug name a drug descriptor starts with, without a biosimilar suffix."""
    m = _GENERIC_RE.match(record.long)
    return m.group(1).lower() if m and is_drug(record) else None


def _generic_map(index) -> dict[str, list[str]]:
    cached = getattr(index, "_generic_map", None)
    if cached is None or cached[0] is not index.records:
        groups: dict[str, list[str]] = defaultdict(list)
        for code, record in index.records.items():
            name = generic_name(record)
            if name and name not in {"immune", "unclassified", "not", "drug"}:
                groups[name].append(code)
        cached = (index.records, dict(groups))
        index._generic_map = cached
    return cached[1]


def related_codes(index, record: CodeRecord) -> list[dict]:
    """Codes of the same drug (other products, biosimilars), replacements and replaced codes."""
    out: dict[str, str] = {}
    for xref in record.xrefs:
        if xref in index.records and xref != record.code:
            out[xref] = "replacement" if not record.active else "cross-reference"
    for other in index.records.values():
        if record.code in other.xrefs and other.code != record.code:
            out.setdefault(other.code, "replaced code" if not other.active else "cross-reference")
    name = generic_name(record)
    if name:
        for code in _generic_map(index).get(name, ()):
            if code != record.code:
                out.setdefault(code, f"same drug ({name})")
    brands = {b.lower() for b in record.brands}
    if brands:
        for other in index.records.values():
            if other.code != record.code and brands & {b.lower() for b in other.brands}:
                out.setdefault(other.code, "same brand")
    return [
        {"code": code, "title": index.records[code].short, "status": index.records[code].status, "relation": why}
        for code, why in sorted(out.items())
    ]


def billing_notes(record: CodeRecord) -> list[str]:
    """Billing and documentation notes for the kind of code."""
    if record.kind == "modifier":
        return BILLING_NOTES["modifier"]
    if is_drug(record):
        return BILLING_NOTES["drug"]
    return BILLING_NOTES.get(record.section_letter, [])


def abbreviation_sense(index, record: CodeRecord, abbreviation: str) -> str:
    """The sense of an abbreviation on a code: the most frequent one its descriptors spell out."""
    words = set(stems(record.long)) | set(stems(record.short))
    for synonym in record.synonyms:
        words |= set(stems(synonym))
    senses = sorted((a for a in index.lexicon.abbreviations if a.abbreviation == abbreviation),
                    key=lambda a: -a.frequency)
    spelled = [a.expansion for a in senses if set(stems(a.expansion)) <= words]
    return (spelled or [a.expansion for a in senses] or [""])[0]


def code_details(index, record: CodeRecord) -> dict:
    """Everything a code page shows, as JSON-ready data."""
    data = record.describe()
    data["abbreviations"] = [
        {"abbreviation": a, "expansion": abbreviation_sense(index, record, a)} for a in record.abbreviations
    ]
    data["is_drug"] = is_drug(record)
    data["related"] = related_codes(index, record)
    data["billing_notes"] = billing_notes(record)
    # RVU rows with meanings and estimates, the why-no-RVUs sentence, the drug billing unit:
    data.update(billing_facts(record))
    return data
