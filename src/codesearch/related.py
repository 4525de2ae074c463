"""Code pages: the whole record of a code, its NDC products and the codes related to it."""

from __future__ import annotations

import bisect
import re

from codesearch.billing import billing_facts
from codesearch.describe import plain_language
from codesearch.enrich import is_drug
from codesearch.records import SYSTEM_ICD10CM, SYSTEMS, CodeRecord
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
    if not record.active:
        when = f" on {record.termination_date}" if record.termination_date else ""
        use = f"; report {' or '.join(record.xrefs)} instead" if record.xrefs else ""
        return [f"Not billable: {record.code} was terminated{when}. Claims for services after that date "
                f"are rejected{use}."]
    if record.system == SYSTEM_ICD10CM:
        return ["Billable: this is a complete ICD-10-CM code, valid as a diagnosis on claims.",
                "Follow the tabular list notes on this page (Excludes1, Excludes2, code first, use "
                "additional code, code also) when coding."]
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
    data["plain"] = plain_language(record, index.lexicon)
    data["is_drug"] = is_drug(record)
    data["billable_now"] = record.active
    data["replacements"] = [
        {"code": x, "title": index.records[x].long} for x in record.xrefs if x in index.records
    ] if not record.active else []
    data["related"] = related_codes(index, record)
    data["billing_notes"] = billing_notes(record)
    if record.system == SYSTEM_ICD10CM:
        data["billable"] = True
        data["categories"] = [_category_link(a) for a in record.ancestors]
        data["title"] = record.long
        data["notes"] = [{"field": name, "heading": heading, "notes": list(getattr(record, name))}
                         for name, heading in ICD_NOTES if getattr(record, name)]
    # RVU rows with meanings and estimates, the why-no-RVUs sentence, the drug billing unit:
    data.update(billing_facts(record))
    return data


#: ICD-10-CM tabular notes as shown on pages: record field, heading.
ICD_NOTES = (
    ("includes", "Includes"),
    ("excludes1", "Excludes1 (never coded together with this code)"),
    ("excludes2", "Excludes2 (not part of this condition; may be coded together)"),
    ("code_first", "Code first"),
    ("use_additional_code", "Use additional code"),
    ("code_also", "Code also"),
)


def _category_link(entry: str) -> dict:
    code, _, title = entry.partition(" ")
    return {"code": code, "title": title}


def _sorted_codes(index) -> list[str]:
    cached = getattr(index, "_sorted_codes", None)
    if cached is None or cached[0] is not index.records:
        cached = (index.records, sorted(index.records))
        index._sorted_codes = cached
    return cached[1]


def category_page(index, code: str) -> dict | None:
    """An ICD-10-CM category that is not billable itself (E11, E11.6): its title and billable codes.

    The index holds billable codes only; a category is found from the codes under it, and its
    title from their recorded ancestors. None when no ICD-10-CM code lies under ``code``.
    """
    name = code.strip().upper()
    if "." not in name and len(name) > 3:  # e116 → E11.6
        name = f"{name[:3]}.{name[3:]}"
    start = name + ("." if "." not in name else "")
    codes = _sorted_codes(index)
    i = bisect.bisect_left(codes, start)
    under = []
    while i < len(codes) and codes[i].startswith(start):
        record = index.records[codes[i]]
        if record.system == SYSTEM_ICD10CM:
            under.append(record)
        i += 1
    if not under:
        return None
    first = under[0]
    lineage = [_category_link(a) for a in first.ancestors]
    mine = next((i for i, c in enumerate(lineage) if c["code"] == name), None)
    if mine is None:
        return None
    return {
        "code": name,
        "title": lineage[mine]["title"],
        "system": SYSTEM_ICD10CM,
        "system_name": SYSTEMS[SYSTEM_ICD10CM],
        "chapter": first.chapter,
        "block": first.block,
        "billable": False,
        "parents": lineage[:mine],
        # A category's notes hold for every code under it: the notes all its codes share.
        "notes": [
            {"field": name, "heading": heading, "notes": shared}
            for name, heading in ICD_NOTES
            if (shared := [n for n in getattr(first, name) if all(n in getattr(r, name) for r in under)])
        ],
        "codes": [{"code": r.code, "title": r.long} for r in under],
    }
