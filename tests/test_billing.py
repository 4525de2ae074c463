"""Billing facts: the dose-to-units calculator, why a code has no RVUs, and their CLI, API and page."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from codesearch.billing import billing_unit, parse_unit, payment_note, units_for_dose
from codesearch.cli import cli
from codesearch.enrich import is_drug
from codesearch.errors import QueryError
from codesearch.records import CodeRecord, DrugProduct
from codesearch.web import create_app

UNPARSED_FILE = Path(__file__).parent / "fixtures" / "unparsed_units.txt"
MIN_COVERAGE = 0.95


def drug(long: str, code: str = "J9999", dosages: tuple[str, ...] = ()) -> CodeRecord:
    """A drug code record with ``long`` as descriptor and crosswalk products of ``dosages``."""
    products = tuple(
        DrugProduct(ndc=f"00000-0000-{i:02d}", drug_name="Test", labeler="Lab", dosage=d,
                    package_size="1", package_quantity="1", billing_units="1", billing_units_per_package="1")
        for i, d in enumerate(dosages)
    )
    return CodeRecord(code=code, kind="code", short="test", long=long, status="active",
                      pricing_codes=("51",), betos="O1E", products=products)


OCTAGAM = drug("Injection, immune globulin, (octagam), intravenous, non-lyophilized (e.g., liquid), 500 mg", "J1568")


# -- units ---------------------------------------------------------------------------------------


def test_j1568_35_g_is_70_units():
    """J1568 (500 mg) for 35 g is 70 units, with the conversion and division shown."""
    answer = units_for_dose(OCTAGAM, "35 g")
    assert answer.units == 70
    assert answer.arithmetic == "35 g = 35000 mg; 35000 mg ÷ 500 mg per unit = 70 units"
    assert answer.billing_unit == "500 mg" and answer.unit_source == "descriptor"


@pytest.mark.parametrize(
    ("long", "dose", "units"),
    [
        ("Injection, filgrastim, 1 microgram", "0.48 mg", 480),
        ("Injection, x, 0.1 mg", "250 mcg", 3),
        ("Injection, x, 0.1 mg", "1.1 mg", 11),  # exact decimals: no float 11.000000000000002 → 12
        ("Injection, x, 10 mcg", "0.0001 g", 10),
        ("Injection, x, 1 gram", "1500 mg", 2),
        ("Injection, x, 50 mg", "1 gm", 20),
        ("Injection, x, per 50 mcg", "100 micrograms", 2),
    ],
)
def test_mass_conversions(long, dose, units):
    """g, mg and mcg (microgram) doses convert to the billing unit's measure."""
    assert units_for_dose(drug(long), dose).units == units


@pytest.mark.parametrize(
    ("long", "dose", "units"),
    [
        ("Factor viii (antihemophilic factor, human) per i.u.", "2500 units", 2500),
        ("Injection, epoetin alfa, (for non-esrd use), 1000 units", "2,500 IU", 3),
        ("Injection, heparin sodium, (heparin lock flush), per 10 units", "95 units", 10),
        ("Injection, x, 1 cc", "5 ml", 5),
        ("Injection, x, per 0.5 cc", "2 ml", 4),
        ("Skin substitute, per square centimeter", "25 sq cm", 25),
        ("Injection, interferon, alfa-2a, recombinant, 3 million units", "6 million units", 2),
    ],
)
def test_units_volume_and_other_measures(long, dose, units):
    """Units and IU, ml and cc, square centimetres and million units convert."""
    assert units_for_dose(drug(long), dose).units == units


def test_rounding_up():
    """A dose between whole units rounds up, and the text says so."""
    answer = units_for_dose(OCTAGAM, "1,250 mg")
    assert answer.units == 3
    assert answer.arithmetic == "1250 mg ÷ 500 mg per unit = 2.5, rounded up to 3 units"
    assert units_for_dose(OCTAGAM, "250 mg").units == 1


def test_up_to_units():
    """'up to 4 mg' bills one unit per 4 mg or part of it."""
    record = drug("Injection, x, up to 4 mg")
    assert units_for_dose(record, "4 mg").units == 1
    answer = units_for_dose(record, "6 mg")
    assert answer.units == 2 and "up to 4 mg per unit" in answer.arithmetic


@settings(max_examples=200, deadline=None)
@given(st.decimals(min_value=Decimal("0.001"), max_value=Decimal("100000"), places=3))
def test_units_cover_the_dose_and_no_more(amount):
    """For any dose, units × 500 mg covers it and one unit fewer would not."""
    units = units_for_dose(OCTAGAM, f"{amount} mg").units
    assert units * 500 >= amount > (units - 1) * 500


def test_ml_for_mg_drug_is_query_error():
    """A volume dose for a mass-billed drug is refused, naming both measures."""
    with pytest.raises(QueryError, match="cannot be converted") as info:
        units_for_dose(OCTAGAM, "5 ml")
    assert "500 mg" in str(info.value) and info.value.parameter == "dose"


@pytest.mark.parametrize("dose", ["", "  ", "abc", "35", "mg", "-5 mg", "0 mg", "35 furlongs"])
def test_unreadable_dose_is_query_error(dose):
    """Empty, unit-less, zero, negative and unknown-unit doses are QueryErrors."""
    with pytest.raises(QueryError):
        units_for_dose(OCTAGAM, dose)


def test_code_without_unit_is_query_error():
    """A code whose billing unit cannot be read is refused with its code in the message."""
    with pytest.raises(QueryError, match="J3490"):
        units_for_dose(drug("Unclassified drugs", "J3490"), "5 mg")


# -- reading the billing unit ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Injection, x, 500 mg", "500 mg"),
        ("Injection, x, per 1000 units", "1000 units"),
        ("Injection, x, 10 micrograms", "10 mcg"),
        ("Injection, x, 1 ml", "1 ml"),
        ("Injection, x, up to 4 mg", "up to 4 mg"),
        ("Injection, x, 0.1 mg", "0.1 mg"),
        ("Injection, x, per 50 mcg", "50 mcg"),
        ("Injection, x, 1 g", "1 g"),
        ("Injection, streptozocin, 1 gram", "1 g"),
        ("Injection, x, per 10 units", "10 units"),
        ("Injection, vasopressin (baxter), 1 unit", "1 unit"),
        ("Factor ix, complex, per i.u.", "1 IU"),
        ("Injection, x, 1 cc", "1 cc"),
        ("Injection, x, 5mg", "5 mg"),
        ("Injection, penicillin g potassium, up to 600,000 units", "up to 600000 units"),
        ("Injection, argatroban, 1 mg (for esrd on dialysis)", "1 mg"),
        ("Injection, thyrotropin alpha, 0.9 mg, provided in 1.1 mg vial", "0.9 mg"),
        ("Injection, piperacillin sodium/tazobactam sodium, 1 gram/0.125 grams (1.125 grams)", "1.125 g"),
        ("Palingen or promatrx, 0.36 mg per 0.25 cc", "0.25 cc"),
        ("Skin substitute, per square centimeter", "1 sq cm"),
        ("Injection, aldesleukin, per single use vial", "1 vial"),
        ("Ondansetron 1 mg, oral, fda approved prescription anti-emetic, not to exceed a 48 hour dosage regimen",
         "1 mg"),
    ],
)
def test_parse_descriptor_units(text, label):
    """Billing units written the many ways HCPCS descriptors write them."""
    unit = parse_unit(text)
    assert unit is not None and str(unit) == label


@pytest.mark.parametrize(
    ("dosage", "label"),
    [("500 MG", "500 mg"), ("1000 UNITS", "1000 units"), ("1.125 GM", "1.125 g"), ("UP TO 0.50 MG", "up to 0.5 mg"),
     (".625 GM", "0.625 g"), ("75MG (50MG cft/25MG taz)", "75 mg"), ("1 SQ CM", "1 sq cm")],
)
def test_parse_crosswalk_dosage(dosage, label):
    """The crosswalk's HCPCS dosage column parses the same way."""
    unit = parse_unit(dosage, source="crosswalk")
    assert unit is not None and str(unit) == label and unit.source == "crosswalk"


@pytest.mark.parametrize(
    "text",
    ["Injection, sulfamethoxazole 5 mg and trimethoprim 1 mg",
     "Albuterol, up to 2.5 mg and ipratropium bromide, up to 0.5 mg, fda-approved final product",
     "Injection, buprenorphine extended-release (sublocade), greater than 100 mg",
     "Unclassified drugs", "Hemophilia clotting factor, not otherwise classified"],
)
def test_no_single_unit(text):
    """Combinations, dose brackets and unclassified codes have no single billing unit."""
    assert parse_unit(text) is None


def test_crosswalk_fallback():
    """When the descriptor names no unit, the crosswalk's HCPCS dosage is used."""
    record = drug("Infusion, normal saline solution, sterile (500 ml = 1 unit)", "J7050", ("500 ML", "500 ML"))
    unit = billing_unit(record)
    assert str(unit) == "500 ml" and unit.source == "crosswalk"
    assert units_for_dose(record, "1 l").units == 2


# -- why there are no RVUs -------------------------------------------------------------------------


def test_why_none_j1568_asp(real_index):
    """J1568 (PFS status E, a Part B drug) is paid on ASP."""
    note = payment_note(real_index.get("J1568"))
    assert "Part B drug" in note and "ASP" in note and "average sales price + 6%" in note


def test_why_none_e0601_dmepos(real_index):
    """E0601 (CPAP, not on the PFS) is paid from the DMEPOS fee schedule."""
    assert "DMEPOS fee schedule" in payment_note(real_index.get("E0601"))


@pytest.mark.parametrize(
    ("code", "words"),
    [("A0425", "ambulance fee schedule"), ("P3000", "clinical laboratory fee schedule"),
     ("L3000", "DMEPOS"), ("G0219", "status N")],
)
def test_why_none_other_kinds(real_index, code, words):
    """Ambulance, lab, orthotics and PFS-listed codes without RVUs each get their own sentence."""
    assert words in payment_note(real_index.get(code))


def test_no_note_when_rvus(real_index):
    """A code with RVUs (G2211) needs no explanation."""
    assert payment_note(real_index.get("G2211")) is None


# -- coverage on the real release ------------------------------------------------------------------


def _listed_unparsed() -> set[str]:
    lines = UNPARSED_FILE.read_text(encoding="utf-8").splitlines()
    return {line.split()[0] for line in lines if line.strip() and not line.startswith("#")}


def test_billing_unit_coverage(real_index):
    """At least 95% of active J and Q drug codes parse, and the unparsed ones are exactly the listed ones."""
    drugs = [r for r in real_index.records.values()
             if r.kind == "code" and r.active and r.code[:1] in {"J", "Q"} and is_drug(r)]
    unparsed = {r.code for r in drugs if billing_unit(r) is None}
    share = 1 - len(unparsed) / len(drugs)
    assert share >= MIN_COVERAGE, f"only {share:.1%} of {len(drugs)} drug codes parse"
    listed = _listed_unparsed()
    regressed = sorted(unparsed - listed)
    assert not regressed, f"these codes no longer parse: {regressed}"
    fixed = sorted(listed - unparsed)
    assert not fixed, f"these codes parse now; remove them from {UNPARSED_FILE.name}: {fixed}"


# -- CLI, API and page -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def run_real(real_settings, real_index):
    """Invoke the CLI against the real index."""
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(
            cli, ["--data-dir", str(real_settings.data_dir), "--index", str(real_settings.index_dir), *args], obj={}
        )

    return invoke


def test_cli_show_g2211(run_real):
    """show G2211 prints work RVU 0.33 and global ZZZ."""
    result = run_real("show", "G2211")
    assert result.exit_code == 0, result.output
    assert re.search(r"Work RVU:\s+0\.33", result.output)
    assert re.search(r"Global days:\s+ZZZ", result.output)
    assert "national estimate before geographic adjustment" in result.output


def test_cli_show_j1568(run_real):
    """show J1568 says there are no RVUs because Part B drugs are paid on ASP, and lists NDCs."""
    result = run_real("show", "J1568")
    assert result.exit_code == 0, result.output
    assert "No RVUs" in result.output and "paid on ASP" in result.output
    assert "68982-0840-01" in result.output


def test_cli_units(run_real):
    """units J1568 "35 g" prints the arithmetic and 70 units."""
    result = run_real("units", "J1568", "35 g")
    assert result.exit_code == 0, result.output
    assert "35000 mg ÷ 500 mg per unit" in result.output
    assert result.output.strip().endswith("70 units")


def test_cli_units_bad_dose(run_real):
    """A dose that cannot convert is a one-line error and exit code 1."""
    result = run_real("units", "J1568", "5 ml")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert [line for line in result.output.splitlines() if line.startswith("Error")]


@pytest.fixture(scope="module")
def client(real_settings, real_index):
    """A test client of the app serving the real index."""
    return create_app({"CODESEARCH_INDEX_DIR": str(real_settings.index_dir), "TESTING": True}).test_client()


def test_api_code_has_rvus(client):
    """/api/codes/G2211 returns the RVU fields; J1568 returns the payment note and billing unit."""
    g = client.get("/api/codes/G2211").get_json()
    assert g["rvu"]["work_rvu"] == 0.33 and g["rvu"]["global_days"] == "ZZZ"
    assert g["has_rvus"] is True and g["payment_note"] is None
    assert g["rvu"]["estimate_label"] == "national estimate before geographic adjustment"
    j = client.get("/api/codes/J1568").get_json()
    assert j["rvu"]["status"] == "E" and "ASP" in j["payment_note"]
    assert j["billing_unit"]["label"] == "500 mg"


def test_api_units(client):
    """/api/codes/J1568/units?dose=35 g answers 70 units with the arithmetic."""
    body = client.get("/api/codes/j1568/units?dose=35%20g").get_json()
    assert body["code"] == "J1568" and body["units"] == 70 and body["dose"] == "35 g"
    assert body["arithmetic"].endswith("= 70 units")


@pytest.mark.parametrize("query", ["?dose=5%20ml", "?dose=abc", "", "?dose="])
def test_api_units_bad_dose_is_400(client, query):
    """A bad or missing dose is a 400 JSON error."""
    r = client.get(f"/api/codes/J1568/units{query}")
    assert r.status_code == 400 and r.mimetype == "application/json"
    assert r.get_json()["error"]["status"] == 400


def test_api_units_unknown_code_is_404(client):
    """An unknown code is a 404 JSON error."""
    assert client.get("/api/codes/J0000/units?dose=1%20mg").status_code == 404


def test_code_page_calculator(client):
    """The J1568 page has the calculator form and renders the answer for ?dose= server-side."""
    body = client.get("/codes/J1568").get_data(as_text=True)
    assert 'name="dose"' in body and "<form" in body and "paid on ASP" in body
    answered = client.get("/codes/J1568?dose=35+g").get_data(as_text=True)
    assert "70 units" in answered and "35000 mg ÷ 500 mg per unit" in answered
    refused = client.get("/codes/J1568?dose=5+ml")
    assert refused.status_code == 200 and "cannot be converted" in refused.get_data(as_text=True)
    assert "<script>" not in answered and not re.search(r"\son[a-z]+=", answered)


def test_code_page_rvus(client):
    """The G2211 page shows its RVUs and global days; E0601 says why it has none."""
    body = client.get("/codes/G2211").get_data(as_text=True)
    assert "0.33" in body and "ZZZ" in body and 'name="dose"' not in body
    assert "DMEPOS" in client.get("/codes/E0601").get_data(as_text=True)
