"""Code pages: the whole record of a code, its NDC products and the codes related to it."""

from __future__ import annotations

import re

from codesearch.billing import billing_facts
from codesearch.enrich import is_drug
from codesearch.records import CodeRecord

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


_NOT_GENERIC = {"immune", "unclassified", "not", "drug"}


def links(record: CodeRecord) -> list[tuple[str, str]]:
    """What other code pages find this code by, stored at build time: the codes it names as
    cross-references, its brand names (lowercase) and its generic drug name."""
    out = [("xref", x) for x in record.xrefs if x != record.code]
    out += [("brand", b) for b in sorted({b.lower() for b in record.brands})]
    name = generic_name(record)
    if name and name not in _NOT_GENERIC:
        out.append(("generic", name))
    return out


def related_codes(index, record: CodeRecord) -> list[dict]:
    """Codes of the same drug (other products, biosimilars), replacements and replaced codes."""
    out: dict[str, str] = {}
    for xref in record.xrefs:
        if xref in index.records and xref != record.code:
            out[xref] = "replacement" if not record.active else "cross-reference"
    for code in index.linked("xref", record.code):
        other = index.records[code]
        out.setdefault(code, "replaced code" if not other.active else "cross-reference")
    name = generic_name(record)
    if name and name not in _NOT_GENERIC:
        for code in index.linked("generic", name):
            if code != record.code:
                out.setdefault(code, f"same drug ({name})")
    for brand in sorted({b.lower() for b in record.brands}):
        for code in index.linked("brand", brand):
            if code != record.code:
                out.setdefault(code, "same brand")
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


def code_details(index, record: CodeRecord) -> dict:
    """Everything a code page shows, as JSON-ready data."""
    data = record.describe()
    expansions = {a.abbreviation: a.expansion for a in index.lexicon.abbreviations}
    data["abbreviations"] = [
        {"abbreviation": a, "expansion": expansions.get(a, "")} for a in record.abbreviations
    ]
    data["is_drug"] = is_drug(record)
    data["related"] = related_codes(index, record)
    data["billing_notes"] = billing_notes(record)
    # RVU rows with meanings and estimates, the why-no-RVUs sentence, the drug billing unit:
    data.update(billing_facts(record))
    return data
