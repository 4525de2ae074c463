"""Typed records passed between pipeline stages, and the HCPCS code tables they use.

The code tables are transcribed from CMS's HCPCS record layout (public domain), which
ships beside the release as ``HCPCS_record_layout.txt``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

SYSTEM_HCPCS = "HCPCS"
SYSTEM_ICD10CM = "ICD10CM"
SYSTEM_CPT = "CPT"
#: Every code system, with the name shown to users.
SYSTEMS: dict[str, str] = {
    SYSTEM_HCPCS: "HCPCS Level II",
    SYSTEM_ICD10CM: "ICD-10-CM",
    SYSTEM_CPT: "CPT (your licensed file)",
}

#: Section names of HCPCS Level II, keyed by the code's first letter.
SECTIONS: dict[str, str] = {
    "A": "Transportation services including ambulance, medical and surgical supplies",
    "B": "Enteral and parenteral therapy",
    "C": "Outpatient prospective payment system (temporary hospital codes)",
    "E": "Durable medical equipment",
    "G": "Procedures and professional services (temporary)",
    "H": "Alcohol and drug abuse treatment, behavioral health services",
    "J": "Drugs administered other than oral method, chemotherapy drugs",
    "K": "Temporary codes for durable medical equipment",
    "L": "Orthotic and prosthetic procedures and devices",
    "M": "Medical services and quality measures",
    "P": "Pathology and laboratory services",
    "Q": "Temporary codes: drugs, biologicals and other items",
    "R": "Diagnostic radiology services",
    "S": "Temporary national codes (non-Medicare)",
    "T": "National codes established for state Medicaid agencies",
    "U": "Laboratory tests (coronavirus and other temporary codes)",
    "V": "Vision, hearing and speech-language pathology services",
}
MODIFIER_SECTION = "Modifiers"

#: Berenson-Eggers type of service categories (record layout, BETOS_TB).
BETOS: dict[str, str] = {
    "M1A": "Office visits - new", "M1B": "Office visits - established",
    "M2A": "Hospital visit - initial", "M2B": "Hospital visit - subsequent",
    "M2C": "Hospital visit - critical care", "M3": "Emergency room visit",
    "M4A": "Home visit", "M4B": "Nursing home visit",
    "M5A": "Specialist - pathology", "M5B": "Specialist - psychiatry",
    "M5C": "Specialist - ophthalmology", "M5D": "Specialist - other", "M6": "Consultations",
    "P0": "Anesthesia", "P1A": "Major procedure - breast", "P1B": "Major procedure - colectomy",
    "P1C": "Major procedure - cholecystectomy", "P1D": "Major procedure - TURP",
    "P1E": "Major procedure - hysterectomy",
    "P1F": "Major procedure - exploration/decompression/excision of disc",
    "P1G": "Major procedure - other", "P2A": "Major procedure, cardiovascular - CABG",
    "P2B": "Major procedure, cardiovascular - aneurysm repair",
    "P2C": "Major procedure, cardiovascular - thromboendarterectomy",
    "P2D": "Major procedure, cardiovascular - coronary angioplasty (PTCA)",
    "P2E": "Major procedure, cardiovascular - pacemaker insertion",
    "P2F": "Major procedure, cardiovascular - other",
    "P3A": "Major procedure, orthopedic - hip fracture repair",
    "P3B": "Major procedure, orthopedic - hip replacement",
    "P3C": "Major procedure, orthopedic - knee replacement",
    "P3D": "Major procedure, orthopedic - other",
    "P4A": "Eye procedure - corneal transplant",
    "P4B": "Eye procedure - cataract removal/lens insertion",
    "P4C": "Eye procedure - retinal detachment",
    "P4D": "Eye procedure - treatment of retinal lesions", "P4E": "Eye procedure - other",
    "P5A": "Ambulatory procedures - skin", "P5B": "Ambulatory procedures - musculoskeletal",
    "P5C": "Ambulatory procedures - inguinal hernia repair",
    "P5D": "Ambulatory procedures - lithotripsy", "P5E": "Ambulatory procedures - other",
    "P6A": "Minor procedures - skin", "P6B": "Minor procedures - musculoskeletal",
    "P6C": "Minor procedures - other (Medicare fee schedule)",
    "P6D": "Minor procedures - other (non-Medicare fee schedule)",
    "P7A": "Oncology - radiation therapy", "P7B": "Oncology - other",
    "P8A": "Endoscopy - arthroscopy", "P8B": "Endoscopy - upper gastrointestinal",
    "P8C": "Endoscopy - sigmoidoscopy", "P8D": "Endoscopy - colonoscopy",
    "P8E": "Endoscopy - cystoscopy", "P8F": "Endoscopy - bronchoscopy",
    "P8G": "Endoscopy - laparoscopic cholecystectomy", "P8H": "Endoscopy - laryngoscopy",
    "P8I": "Endoscopy - other", "P9A": "Dialysis services (Medicare fee schedule)",
    "P9B": "Dialysis services (non-Medicare fee schedule)",
    "I1A": "Standard imaging - chest", "I1B": "Standard imaging - musculoskeletal",
    "I1C": "Standard imaging - breast", "I1D": "Standard imaging - contrast gastrointestinal",
    "I1E": "Standard imaging - nuclear medicine", "I1F": "Standard imaging - other",
    "I2A": "Advanced imaging - CAT/CT/CTA: brain/head/neck",
    "I2B": "Advanced imaging - CAT/CT/CTA: other",
    "I2C": "Advanced imaging - MRI/MRA: brain/head/neck",
    "I2D": "Advanced imaging - MRI/MRA: other",
    "I3A": "Echography/ultrasonography - eye", "I3B": "Echography/ultrasonography - abdomen/pelvis",
    "I3C": "Echography/ultrasonography - heart",
    "I3D": "Echography/ultrasonography - carotid arteries",
    "I3E": "Echography/ultrasonography - prostate, transrectal",
    "I3F": "Echography/ultrasonography - other",
    "I4A": "Imaging/procedure - heart including cardiac catheterization",
    "I4B": "Imaging/procedure - other",
    "T1A": "Lab tests - routine venipuncture (non-Medicare fee schedule)",
    "T1B": "Lab tests - automated general profiles", "T1C": "Lab tests - urinalysis",
    "T1D": "Lab tests - blood counts", "T1E": "Lab tests - glucose",
    "T1F": "Lab tests - bacterial cultures", "T1G": "Lab tests - other (Medicare fee schedule)",
    "T1H": "Lab tests - other (non-Medicare fee schedule)",
    "T2A": "Other tests - electrocardiograms", "T2B": "Other tests - cardiovascular stress tests",
    "T2C": "Other tests - EKG monitoring", "T2D": "Other tests - other",
    "D1A": "Medical/surgical supplies", "D1B": "Hospital beds", "D1C": "Oxygen and supplies",
    "D1D": "Wheelchairs", "D1E": "Other DME", "D1F": "Prosthetic/orthotic devices",
    "D1G": "Drugs administered through DME", "O1A": "Ambulance", "O1B": "Chiropractic",
    "O1C": "Enteral and parenteral", "O1D": "Chemotherapy", "O1E": "Other drugs",
    "O1F": "Hearing and speech services", "O1G": "Immunizations/vaccinations",
    "Y1": "Other - Medicare fee schedule", "Y2": "Other - non-Medicare fee schedule",
    "Z1": "Local codes", "Z2": "Undefined codes",
}

#: Medicare coverage codes (record layout, field 16).
COVERAGE: dict[str, str] = {
    "C": "Carrier judgment",
    "D": "Special coverage instructions apply",
    "I": "Not payable by Medicare",
    "M": "Non-covered by Medicare",
    "S": "Non-covered by Medicare statute",
}

#: Part B pricing indicators (record layout, field 9).
PRICING: dict[str, str] = {
    "00": "Service not separately priced by Part B",
    "11": "Price established using national RVUs",
    "12": "Price established using national anesthesia base units",
    "13": "Price established by carriers",
    "21": "Clinical lab fee schedule: price subject to national limitation amount",
    "22": "Clinical lab fee schedule: price established by carriers",
    "31": "Frequently serviced DME",
    "32": "Inexpensive and routinely purchased DME",
    "33": "Oxygen and oxygen equipment",
    "34": "DME supplies",
    "35": "Surgical dressings",
    "36": "Capped rental DME",
    "37": "Ostomy, tracheostomy and urological supplies",
    "38": "Orthotics, prosthetics, prosthetic devices and vision services",
    "39": "Parenteral and enteral nutrition",
    "45": "Customized DME items",
    "46": "Carrier priced DME (not otherwise classified, individual determination)",
    "51": "Drugs",
    "52": "Reasonable charge",
    "53": "Statute",
    "54": "Vaccinations",
    "55": "Splints and casts",
    "56": "Intraocular lenses inserted in a physician's office",
    "57": "Other carrier priced",
    "99": "Value not established",
}

#: Action codes (record layout, field 30).
ACTIONS: dict[str, str] = {
    "A": "Add procedure or modifier code",
    "B": "Change in both administrative data field and long description",
    "C": "Change in long description",
    "D": "Discontinue procedure or modifier code",
    "F": "Change in administrative data field",
    "N": "No maintenance for this code",
    "P": "Payment change",
    "R": "Re-activate discontinued/deleted procedure or modifier code",
    "S": "Change in short description",
    "T": "Miscellaneous change (BETOS, type of service)",
}

#: CMS type of service codes (record layout, CMS_TYPE_SRVC_TB).
TYPE_OF_SERVICE: dict[str, str] = {
    "1": "Medical care", "2": "Surgery", "3": "Consultation", "4": "Diagnostic radiology",
    "5": "Diagnostic laboratory", "6": "Therapeutic radiology", "7": "Anesthesia",
    "8": "Assistant at surgery", "9": "Other medical items or services", "0": "Whole blood",
    "A": "Used durable medical equipment", "B": "High risk screening mammography",
    "C": "Low risk screening mammography", "D": "Ambulance",
    "E": "Enteral/parenteral nutrients/supplies", "F": "Ambulatory surgical center",
    "G": "Immunosuppressive drugs", "H": "Hospice services",
    "I": "Purchase of DME (installment basis)", "J": "Diabetic shoes",
    "K": "Hearing items and services", "L": "ESRD supplies",
    "M": "Monthly capitation payment for dialysis", "N": "Kidney donor",
    "P": "Lump sum purchase of DME, prosthetics, orthotics", "Q": "Vision items or services",
    "R": "Rental of DME", "S": "Surgical dressings or other medical supplies",
    "T": "Outpatient mental health limitation", "U": "Occupational therapy",
    "V": "Pneumococcal/flu vaccine", "W": "Physical therapy",
    "Y": "Second opinion on elective surgery", "Z": "Third opinion on elective surgery",
}


def normalize_system(name: str) -> str:
    """The canonical system name for what a user typed (``icd10cm``, ``ICD-10-CM`` → ``ICD10CM``).

    Raises ValueError for an unknown system.
    """
    key = "".join(ch for ch in name.upper() if ch.isalnum())
    aliases = {"HCPCS": SYSTEM_HCPCS, "HCPCSLEVELII": SYSTEM_HCPCS, "ICD10CM": SYSTEM_ICD10CM,
               "ICD10": SYSTEM_ICD10CM, "ICD": SYSTEM_ICD10CM, "CPT": SYSTEM_CPT}
    if key not in aliases:
        raise ValueError(f"unknown code system {name!r}; known: hcpcs, icd10cm, cpt")
    return aliases[key]


def code_key(text: str) -> str:
    """Normalise a typed code for lookup: uppercase, no dots or spaces (``e11.9`` → ``E119``)."""
    return text.strip().upper().replace(".", "")


@dataclass(frozen=True, slots=True)
class DrugProduct:
    """One NDC row of the ASP NDC-HCPCS crosswalk."""

    ndc: str  # 5-4-2 with dashes, as CMS prints it
    drug_name: str
    labeler: str
    dosage: str  # the HCPCS billing unit, e.g. "500 MG"
    package_size: str
    package_quantity: str
    billing_units: str  # billable units per NDC unit
    billing_units_per_package: str

    @property
    def ndc11(self) -> str:
        """The NDC as 11 digits without dashes."""
        return self.ndc.replace("-", "")


#: Physician fee schedule status codes (PFS relative value file), in codesearch's own words.
PFS_STATUS: dict[str, str] = {
    "A": "Active: paid separately under the physician fee schedule when covered",
    "B": "Bundled: never paid separately; payment is included in other services",
    "C": "Carrier priced: the Medicare contractor sets the payment, so no national RVUs",
    "D": "Deleted this year (claims accepted for a grace period)",
    "E": "Excluded from the physician fee schedule by regulation; paid another way when covered",
    "F": "Deleted or discontinued, with no grace period",
    "G": "Not valid for Medicare: another code is used (with a grace period)",
    "H": "Deleted modifier: this code-modifier combination is no longer valid",
    "I": "Not valid for Medicare: another code is used (no grace period)",
    "J": "Anesthesia service: paid on anesthesia base and time units, not RVUs",
    "M": "Measurement code: reported for quality programs only, not paid",
    "N": "Not covered by Medicare",
    "P": "Bundled or excluded: no separate fee schedule payment",
    "R": "Restricted coverage: paid only in the special cases the coverage rules allow",
    "T": "Injection: paid only when no other fee schedule service is billed that day by the same provider",
    "X": "Excluded by statute: not a physician service in the law's definition (e.g. ambulance, lab)",
}
#: Label for the national payment estimate (total RVUs x conversion factor).
NATIONAL_ESTIMATE_LABEL = "national estimate before geographic adjustment"


@dataclass(frozen=True, slots=True)
class FeeScheduleRow:
    """One row of the physician fee schedule relative value file for a code.

    ``modifier`` is empty for the global (whole-service) row, else 26, TC, 53, ...
    """

    modifier: str
    status: str
    work_rvu: float
    nonfacility_pe_rvu: float
    facility_pe_rvu: float
    mp_rvu: float
    nonfacility_total: float
    facility_total: float
    global_days: str
    conversion_factor: float
    pricing_indicator: str = ""  # the PFS's own PRIC IND column (2026 files on)

    @property
    def status_meaning(self) -> str:
        return PFS_STATUS.get(self.status, "")

    @property
    def has_rvus(self) -> bool:
        return any((self.work_rvu, self.nonfacility_total, self.facility_total))

    def estimate(self, total: float) -> float:
        """A total RVU times the conversion factor, in dollars (no geographic adjustment)."""
        return round(total * self.conversion_factor + 1e-9, 2)

    def describe(self) -> dict[str, Any]:
        """The row with its status meaning and national payment estimates."""
        out = dataclasses.asdict(self)
        out.update(
            status_meaning=self.status_meaning,
            nonfacility_estimate=self.estimate(self.nonfacility_total),
            facility_estimate=self.estimate(self.facility_total),
            estimate_label=NATIONAL_ESTIMATE_LABEL,
        )
        return out


@dataclass(frozen=True, slots=True)
class CodeRecord:
    """One HCPCS code or modifier, as loaded and then enriched."""

    code: str
    kind: str  # "code" or "modifier"
    short: str
    long: str
    status: str  # "active" or "terminated"
    system: str = SYSTEM_HCPCS
    add_date: str | None = None
    action_effective_date: str | None = None
    termination_date: str | None = None
    action_code: str = ""
    betos: str = ""
    coverage_code: str = ""
    pricing_codes: tuple[str, ...] = ()
    type_of_service: tuple[str, ...] = ()
    xrefs: tuple[str, ...] = ()
    # Medicare coverage manual sections the code is listed under ("CIM 60-9", "MCM 2100.1").
    manual_refs: tuple[str, ...] = ()
    # ICD-10-CM: inclusion terms (searched as synonyms) and where the code sits.
    synonyms: tuple[str, ...] = ()
    chapter: str = ""
    block: str = ""
    parent: str = ""
    # Added by enrichment:
    products: tuple[DrugProduct, ...] = ()
    brands: tuple[str, ...] = ()
    abbreviations: tuple[str, ...] = ()
    # Abbreviation senses a descriptor or inclusion term names exactly ("htn=hypertens" on I10),
    # as :func:`codesearch.enrich.sense_token` writes them; indexed in `abbrev` beside the keys.
    named_senses: tuple[str, ...] = ()
    plain: str = ""  # shown: the category in plain words, then the everyday words below
    plain_terms: tuple[str, ...] = ()  # everyday words from the lexicon, indexed as `plain`
    # Added from the physician fee schedule relative value file (global row first):
    rvus: tuple[FeeScheduleRow, ...] = ()
    # ICD-10-CM tabular-list notes, the code's own then its categories' (see sources/icd10cm.py):
    includes: tuple[str, ...] = ()
    excludes1: tuple[str, ...] = ()
    excludes2: tuple[str, ...] = ()
    code_first: tuple[str, ...] = ()
    use_additional_code: tuple[str, ...] = ()
    code_also: tuple[str, ...] = ()
    # The categories above an ICD-10-CM code, outermost first, as "CODE description" ("E11 Type 2 ...").
    ancestors: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """The code as typed without punctuation: ``E11.9`` → ``E119``."""
        return code_key(self.code)

    @property
    def section_letter(self) -> str:
        """The HCPCS section letter ("" for modifiers and other systems)."""
        return self.code[:1] if self.kind == "code" and self.system == SYSTEM_HCPCS else ""

    @property
    def section(self) -> str:
        if self.kind == "modifier":
            return MODIFIER_SECTION
        if self.system == SYSTEM_ICD10CM:
            return self.chapter
        if self.system == SYSTEM_CPT:
            return SYSTEMS[SYSTEM_CPT]
        return SECTIONS.get(self.section_letter, "")

    @property
    def betos_description(self) -> str:
        return BETOS.get(self.betos, "")

    @property
    def coverage(self) -> str:
        return COVERAGE.get(self.coverage_code, "")

    @property
    def pricing(self) -> tuple[str, ...]:
        return tuple(PRICING.get(p, p) for p in self.pricing_codes)

    @property
    def action(self) -> str:
        return ACTIONS.get(self.action_code, "")

    @property
    def active(self) -> bool:
        return self.status == "active"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the stored fields (derived names are left out).

        The same as ``dataclasses.asdict`` (whose deep copy of every value took most of a
        build's time writing the record store), field by field.
        """
        out = {name: getattr(self, name) for name in _RECORD_FIELDS}
        out["products"] = tuple({n: getattr(p, n) for n in _PRODUCT_FIELDS} for p in self.products)
        out["rvus"] = tuple({n: getattr(r, n) for n in _RVU_FIELDS} for r in self.rvus)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CodeRecord:
        """Rebuild a record from :meth:`to_dict` output."""
        data = dict(data)
        data["products"] = tuple(DrugProduct(**p) for p in data.get("products", ()))
        data["rvus"] = tuple(FeeScheduleRow(**r) for r in data.get("rvus", ()))
        for name in ("pricing_codes", "type_of_service", "xrefs", "manual_refs", "brands", "abbreviations", "named_senses",
                     "plain_terms", "synonyms", "includes", "excludes1", "excludes2", "code_first",
                     "use_additional_code", "code_also", "ancestors"):
            data[name] = tuple(data.get(name, ()))
        return cls(**data)

    def describe(self) -> dict[str, Any]:
        """The whole record with the code tables' meanings, for pages and `show`."""
        out = self.to_dict()
        out.update(
            system_name=SYSTEMS.get(self.system, self.system),
            section_letter=self.section_letter,
            section=self.section,
            betos_description=self.betos_description,
            coverage=self.coverage,
            pricing=list(self.pricing),
            action=self.action,
            type_of_service_descriptions=[TYPE_OF_SERVICE.get(t, t) for t in self.type_of_service],
            rvus=[r.describe() for r in self.rvus],
        )
        return out


_RECORD_FIELDS = tuple(f.name for f in dataclasses.fields(CodeRecord))
_PRODUCT_FIELDS = tuple(f.name for f in dataclasses.fields(DrugProduct))
_RVU_FIELDS = tuple(f.name for f in dataclasses.fields(FeeScheduleRow))
