"""Billing facts for a code: its fee schedule RVUs, how it is paid when it has none, and
billing units for a dose of a drug.

The billing unit of a drug code is read from its long descriptor (``..., 500 mg``,
``per 1000 units``, ``up to 4 mg``) or, failing that, from the HCPCS dosage the ASP
crosswalk gives for its NDCs (``500 MG``). A dose is converted to that unit's measure
(g/mg/mcg, units/IU, ml/cc, ...) and divided by the unit, rounding up to whole units.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict, dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from codesearch.enrich import is_drug
from codesearch.errors import QueryError
from codesearch.records import CodeRecord, FeeScheduleRow

# -- measures --------------------------------------------------------------------------------

#: Spelling (lower case) → (canonical unit, measure, size in the measure's base unit).
_UNITS: dict[str, tuple[str, str, Decimal]] = {}


def _add(canonical: str, measure: str, size: str, *spellings: str) -> None:
    for s in (canonical.lower(), *spellings):
        _UNITS[s] = (canonical, measure, Decimal(size))


_add("g", "mass", "1000", "gm", "gms", "gram", "grams")
_add("mg", "mass", "1", "milligram", "milligrams", "mgs")
_add("mcg", "mass", "0.001", "microgram", "micrograms", "µg", "ug", "mcgs")
_add("units", "activity", "1", "unit", "usp unit", "usp units")
_add("IU", "activity", "1", "i.u.", "i.u", "international unit", "international units", "ius")
_add("million units", "activity", "1000000", "million unit", "million iu", "million i.u.",
     "million international units")
_add("ml", "volume", "1", "milliliter", "milliliters", "millilitre", "millilitres", "mls")
_add("cc", "volume", "1", "cubic centimeter", "cubic centimeters")
_add("l", "volume", "1000", "liter", "liters", "litre", "litres")
_add("sq cm", "area", "1", "square centimeter", "square centimeters", "square cenitmeter",
     "square cenitmeters", "cm2", "cm²", "sq. cm", "sqcm")
_add("mEq", "milliequivalents", "1", "milliequivalent", "milliequivalents")
_add("mCi", "radioactivity", "1", "millicurie", "millicuries")
_add("KIU", "kallikrein inhibitor units", "1", "kallikrein inhibitor units")
_add("vector genomes", "vector genomes", "1", "vector genome", "vg")
_add("billion vector genomes", "vector genomes", "1000000000", "billion vg")
_add("PFU", "plaque forming units", "1", "plaque forming units", "plaque-forming units")
_add("million PFU", "plaque forming units", "1000000", "million plaque forming units",
     "million plaque-forming units")
# Count units: only with "per" in a descriptor ("per vial", "per therapeutic dose").
COUNT_UNITS = {"vial", "dose", "treatment", "implant", "infusion"}
_add("vial", "vial", "1", "vials", "single use vial", "single-use vial", "single dose vial",
     "single-dose vial")
_add("dose", "dose", "1", "doses", "therapeutic dose", "therapeutic doses", "study dose")
_add("treatment", "treatment", "1", "treatments")
_add("implant", "implant", "1", "implants")
_add("infusion", "infusion", "1", "infusions")

# Longest spellings first so "usp units" wins over "units", "million units" over "units".
_UNIT_ALT = "|".join(
    re.escape(s).replace(r"\ ", r"\s+") for s in sorted(_UNITS, key=len, reverse=True)
)
_NUM = r"(?:\d+(?:\.\d+)?\s*x\s*10\^\d+|\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?|\.\d+)"
_SCIENTIFIC_RE = re.compile(r"^(\d+(?:\.\d+)?)\s*x\s*10\^(\d+)$")
# An amount and unit: "500 mg", "per 1000 units", "per i.u.", "up to 4 mg", "5mg".
_MEASURE_RE = re.compile(
    rf"(?<![\w.])(?P<upto>up\s+to\s+|not\s+to\s+exceed\s+)?(?P<per>per\s+(?:factor\s+[ivx]+\s+)?)?"
    rf"(?P<num>{_NUM})?\s*(?P<unit>{_UNIT_ALT})(?![\w])",
    re.I,
)
_PAREN_RE = re.compile(r"\([^()]*\)")
_BRACKET_RE = re.compile(r"\b(?:than|or equal to)\s*$", re.I)
# What a product contains or comes in is not its billing unit ("provided in 1.1 mg vial").
_CONTENT_RE = re.compile(r"\b(?:containing|provided in)\b.*", re.I)
# Segment breaks: commas (but not in 1,000), semicolons.
_SEGMENT_RE = re.compile(r";|,(?!\d{3}\b)")
# A dose a user types: "35 g", "1,000 units", ".5 mg", "250mcg".
_DOSE_RE = re.compile(rf"^\s*(?P<num>{_NUM})\s*(?P<unit>{_UNIT_ALT})\s*\.?\s*$", re.I)


def _unit_key(text: str) -> str:
    return " ".join(text.lower().split())


def _number(text: str) -> Decimal:
    m = _SCIENTIFIC_RE.match(text.strip())
    if m:  # 5x10^15
        exponent = m.group(2)
        if len(exponent.lstrip("+-0")) > 3:  # 10^1000 and beyond: no dose, and costly to expand
            raise ValueError("exponent too large")
        return Decimal(m.group(1)) * Decimal(10) ** int(exponent)
    return Decimal(text.replace(",", ""))


def _label(amount: Decimal, unit: str) -> str:
    """``2 vials``, ``1 vial``, ``500 mg``."""
    if unit == "units" and amount == 1:
        return "1 unit"
    plural = unit in COUNT_UNITS and amount != 1
    return f"{_fmt(amount)} {unit}{'s' if plural else ''}"


def _fmt(value: Decimal) -> str:
    """A decimal without exponent or trailing zeros: 35000, 0.5, 1.125."""
    text = format(value.normalize(), "f")
    return text if "." not in text else text.rstrip("0").rstrip(".")


@dataclass(frozen=True)
class BillingUnit:
    """What one billing unit of a code stands for: ``500 mg``, ``up to 4 mg``."""

    amount: Decimal
    unit: str  # canonical spelling: mg, mcg, g, units, IU, ml, cc, sq cm, ...
    measure: str  # mass, activity, volume, area, ...
    up_to: bool = False
    source: str = "descriptor"  # "descriptor" or "crosswalk"
    text: str = ""  # the words it was read from

    def __str__(self) -> str:
        return f"{'up to ' if self.up_to else ''}{_label(self.amount, self.unit)}"

    def to_dict(self) -> dict:
        return {"amount": float(self.amount), "unit": self.unit, "measure": self.measure,
                "up_to": self.up_to, "source": self.source, "text": self.text, "label": str(self)}


def _measures(text: str) -> list[re.Match]:
    found = []
    for m in _MEASURE_RE.finditer(text):
        count = _UNITS[_unit_key(m.group("unit"))][0] in COUNT_UNITS
        if _BRACKET_RE.search(text[: m.start()]):
            continue  # "greater than 100 mg": a dose bracket, not a unit
        if m.group("per") or (m.group("num") and not count):
            found.append(m)
    return found


def _unit_from_match(m: re.Match, source: str, text: str) -> BillingUnit:
    canonical, measure, _ = _UNITS[_unit_key(m.group("unit"))]
    amount = _number(m.group("num")) if m.group("num") else Decimal(1)
    return BillingUnit(amount, canonical, measure, bool(m.group("upto")), source, text.strip())


def parse_unit(text: str, source: str = "descriptor") -> BillingUnit | None:
    """The billing unit a descriptor or crosswalk dosage names, or None when there is no
    single clear one (combination products, dose brackets, no amount at all). Count units
    ("per vial", "per therapeutic dose") are units of one vial or dose.

    The last part of the text that names an amount is used: in ``Injection, X 8 mg,
    oral, ..., not to exceed a 48 hour dosage regimen`` that is ``8 mg``. Amounts in
    parentheses count only when the part has none outside them (``form (354 mg)``).
    """
    segments = [_CONTENT_RE.sub(" ", seg) for seg in _SEGMENT_RE.split(text)]
    for k in range(len(segments) - 1, -1, -1):
        segment = segments[k]
        bare = _PAREN_RE.sub(" ", segment)
        outside = _measures(bare)
        per = [m for m in outside if m.group("per")]
        chosen = None
        if len(outside) == 1:
            chosen = outside[0]
        elif len(outside) > 1 and len(per) == 1:
            # "0.36 mg per 0.25 cc": a concentration, billed per the "per" amount.
            chosen = per[0]
        if chosen is not None:
            before = _PAREN_RE.sub(" ", ",".join(segments[:k])) + "," + bare[: chosen.start()]
            earlier = _measures(before)
            if earlier and re.search(r"\band\b", before[earlier[-1].end():], re.I):
                return None  # "albuterol, up to 2.5 mg and ipratropium, up to 0.5 mg"
            return _unit_from_match(chosen, source, segment)
        inside = [m for p in _PAREN_RE.findall(segment) for m in _measures(p)]
        if len(inside) == 1 and (not outside or "/" in bare):
            # "dosage form (354 mg)"; "1 gram/0.125 grams (1.125 grams)": the total is the unit.
            return _unit_from_match(inside[0], source, segment)
        if outside or inside:
            return None  # several amounts: a combination, no single unit
    return None


def billing_unit(record: CodeRecord) -> BillingUnit | None:
    """The code's billing unit: from its descriptor, else the crosswalk's HCPCS dosage."""
    found = parse_unit(record.long)
    if found is not None:
        return found
    dosages = Counter(" ".join(p.dosage.split()) for p in record.products if p.dosage.strip())
    for dosage, _ in dosages.most_common():
        found = parse_unit(dosage, source="crosswalk")
        if found is not None:
            return found
    return None


@dataclass(frozen=True)
class UnitsAnswer:
    """Billing units for a dose of a drug code, with the arithmetic shown."""

    code: str
    dose: str
    units: int
    arithmetic: str
    billing_unit: str  # e.g. "500 mg"
    unit_source: str  # descriptor or crosswalk
    exact: float  # the dose divided by the unit, before rounding up

    def to_dict(self) -> dict:
        return asdict(self)


#: Largest dose amount accepted: far above any real dose, small enough for exact arithmetic.
MAX_DOSE = Decimal(10) ** 9


def parse_dose(dose: str) -> tuple[Decimal, str, str, Decimal]:
    """A typed dose as (amount, canonical unit, measure, size of the unit); QueryError if unreadable."""
    text = (dose or "").strip()
    if not text:
        raise QueryError("give a dose with its unit, such as \"35 g\" or \"250 mcg\"", parameter="dose")
    m = _DOSE_RE.match(text)
    if not m and _DOSE_RE.match(text.lstrip("-−–").lstrip()) and text[:1] in "-−–":
        raise QueryError(f"the dose must be positive, got {text[:40]!r}", parameter="dose")
    if not m:
        raise QueryError(
            f"cannot read the dose {text[:40]!r}: give a number and a unit, such as \"35 g\", "
            f"\"250 mcg\", \"1000 units\" or \"5 ml\"",
            parameter="dose",
        )
    try:
        amount = _number(m.group("num"))
    except (ArithmeticError, ValueError):
        raise QueryError(f"cannot read the number in {text[:40]!r}", parameter="dose") from None
    if not amount.is_finite() or amount > MAX_DOSE:
        raise QueryError(f"the dose {text[:40]!r} is too large (at most {MAX_DOSE:,} of a unit)", parameter="dose")
    if amount <= 0:
        raise QueryError(f"the dose must be positive (more than zero), got {text[:40]!r}", parameter="dose")
    canonical, measure, size = _UNITS[_unit_key(m.group("unit"))]
    return amount, canonical, measure, size


def units_for_dose(record: CodeRecord, dose: str) -> UnitsAnswer:
    """Billing units for ``dose`` of the drug ``record``: the dose over the unit, rounded up."""
    if record.kind != "code":
        raise QueryError(f"{record.code} is a modifier, not a drug code; it has no billing unit", parameter="code")
    unit = billing_unit(record)
    if unit is None:
        raise QueryError(
            f"{record.code} has no billing unit that can be read from its descriptor "
            f"({record.long[:80]!r}) or the crosswalk, so units cannot be calculated",
            parameter="code",
        )
    packages = _PACKAGES_RE.match((dose or "").strip())
    if packages and unit.measure != "vial":
        return _units_for_packages(record, unit, packages)
    amount, dose_unit, measure, dose_size = parse_dose(dose)
    if measure != unit.measure:
        raise QueryError(
            f"{record.code} is billed per {unit}, a {unit.measure} unit; a dose in {dose_unit} "
            f"({measure}) cannot be converted to it",
            parameter="dose",
        )
    steps = []
    given = _label(amount, dose_unit)
    # The dose in the billing unit's own spelling (g → mg, IU → units, cc → ml ...).
    in_unit = amount * dose_size / _UNITS[_unit_key(unit.unit)][2]
    if dose_unit != unit.unit:
        steps.append(f"{given} = {_label(in_unit, unit.unit)}")
    quotient = in_unit / unit.amount
    units = int(quotient.to_integral_value(rounding=ROUND_CEILING))
    per = f"{unit} per unit"
    label = "unit" if units == 1 else "units"
    if quotient == units:
        steps.append(f"{_label(in_unit, unit.unit)} ÷ {per} = {units} {label}")
    else:
        shown = quotient.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
        approx = "=" if shown == quotient else "≈"
        steps.append(
            f"{_label(in_unit, unit.unit)} ÷ {per} {approx} {_fmt(shown)}, rounded up to {units} {label}"
        )
    return UnitsAnswer(
        code=record.code,
        dose=given,
        units=units,
        arithmetic="; ".join(steps),
        billing_unit=str(unit),
        unit_source=unit.source,
        exact=float(quotient),
    )


#: "2 vials", "1 vial of 68982-0840-01": a count of NDC packages, billed through the crosswalk.
_PACKAGES_RE = re.compile(
    r"^(?P<num>\d+(?:\.\d+)?)\s*(?:vials?|packages?|packs?)\s*(?:of\s+)?(?P<ndc>\d{4,5}-\d{3,4}-\d{1,2}|\d{11})?$",
    re.I,
)


def _units_for_packages(record: CodeRecord, unit: BillingUnit, m: re.Match) -> UnitsAnswer:
    """Units for a count of vials: the crosswalk's billing units per NDC unit times the count."""
    count = Decimal(m.group("num"))
    if count <= 0:
        raise QueryError(f"the dose must be positive, got {m.group(0)[:40]!r}", parameter="dose")
    products = list(record.products)
    if m.group("ndc"):
        ndc = m.group("ndc").replace("-", "")
        products = [p for p in products if p.ndc11 == ndc.zfill(11) or p.ndc11 == ndc]
        if not products:
            raise QueryError(f"NDC {m.group('ndc')} is not one of {record.code}'s products in the crosswalk",
                             parameter="dose")
    vials = f"{_fmt(count)} vial{'' if count == 1 else 's'}"
    sizes = sorted({Decimal(p.billing_units) for p in products if _is_number(p.billing_units)})
    if not sizes:
        raise QueryError(f"the crosswalk gives no package size for {record.code}, so vials cannot be "
                         f"converted; give the dose in {unit.unit}", parameter="dose")
    if len(sizes) > 1:
        raise QueryError(
            f"a vial of {record.code} holds {_fmt(sizes[0])} to {_fmt(sizes[-1])} billing units depending on "
            f"the product; give the dose in {unit.unit}, or name the NDC, such as "
            f"\"{vials} {products[0].ndc}\"", parameter="dose")
    per = sizes[0]
    exact = count * per
    units = int(exact.to_integral_value(rounding=ROUND_CEILING))
    which = f"NDC {products[0].ndc}" if m.group("ndc") else f"every NDC of {record.code}"
    label = "unit" if units == 1 else "units"
    arithmetic = f"{vials} × {_fmt(per)} billing units per vial ({which}, crosswalk) = {_fmt(exact)}"
    arithmetic += f" {label}" if exact == units else f", rounded up to {units} {label}"
    return UnitsAnswer(code=record.code, dose=vials, units=units, arithmetic=arithmetic,
                       billing_unit=str(unit), unit_source="crosswalk", exact=float(exact))


def _is_number(text: str) -> bool:
    try:
        return Decimal(text) > 0
    except (ArithmeticError, ValueError):
        return False


# -- fee schedule and payment ----------------------------------------------------------------

_DME_PRICING = {"31", "32", "33", "34", "35", "36", "37", "38", "39", "45", "46"}
_LAB_PRICING = {"21", "22"}


def global_row(record: CodeRecord) -> FeeScheduleRow | None:
    """The code's global (no modifier) row of the physician fee schedule, if listed."""
    return next((r for r in record.rvus if not r.modifier), None)


def has_rvus(record: CodeRecord) -> bool:
    """Whether the physician fee schedule gives the code relative value units."""
    return any(r.has_rvus for r in record.rvus)


def payment_note(record: CodeRecord) -> str | None:
    """For a code without RVUs, one sentence on how it is paid instead; None when it has RVUs."""
    if record.kind != "code" or has_rvus(record):
        return None
    row = global_row(record)
    pricing = set(record.pricing_codes)
    letter = record.section_letter
    if is_drug(record) or (row is not None and row.status == "E" and "51" in pricing):
        return (
            f"No RVUs: {record.code} is a Part B drug, and Part B drugs are paid on ASP "
            "(average sales price + 6%, per billing unit) from CMS's quarterly ASP drug pricing "
            "files, not from the physician fee schedule."
        )
    if record.code.startswith("A0"):
        return (
            f"No RVUs: {record.code} is an ambulance service, which Medicare pays under the "
            "ambulance fee schedule, not the physician fee schedule."
        )
    supply = letter == "A" and (record.code[1] in "45678" or record.betos.startswith("D1"))
    bundled = row is not None and row.status == "B"  # e.g. surgical trays: paid within the procedure
    if not bundled and (letter in {"E", "K", "L"} or pricing & _DME_PRICING or supply):
        return (
            f"No RVUs: {record.code} is durable medical equipment, a prosthetic, orthotic or "
            "supply, which Medicare pays from the DMEPOS fee schedule, not the physician fee schedule."
        )
    if letter == "P" or pricing & _LAB_PRICING:
        return (
            f"No RVUs: {record.code} is a laboratory service, which Medicare pays from the "
            "clinical laboratory fee schedule, not the physician fee schedule."
        )
    if row is not None:
        meaning = row.status_meaning or "no meaning on file"
        return (
            f"No RVUs: {record.code} is listed on the physician fee schedule with status "
            f"{row.status} ({meaning[:1].lower() + meaning[1:]}), so it has no relative value units."
        )
    return f"No RVUs: {record.code} is not on the physician fee schedule."


def billing_facts(record: CodeRecord) -> dict:
    """The JSON-ready billing facts of a code: RVU rows, the global row, the payment note
    and, for drugs, the billing unit the units calculator uses."""
    row = global_row(record)
    unit = billing_unit(record) if record.kind == "code" and is_drug(record) else None
    return {
        "rvus": [r.describe() for r in record.rvus],
        "rvu": row.describe() if row is not None else None,
        "modifier_rvus": [r.describe() for r in record.rvus if r.modifier],
        "has_rvus": has_rvus(record),
        "payment_note": payment_note(record),
        "billing_unit": unit.to_dict() if unit is not None else None,
    }


__all__ = [
    "BillingUnit", "UnitsAnswer", "billing_facts", "billing_unit", "global_row", "has_rvus",
    "parse_dose", "parse_unit", "payment_note", "units_for_dose",
]
