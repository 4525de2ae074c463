"""End to end on the real CMS files in ../shared/corpus."""

from __future__ import annotations


import pytest

from codesearch.build import build_index
from codesearch.errors import CorpusFileError
from codesearch.index import open_index
from codesearch.search import search

IVIG_FAMILY = {"J1459", "J1568", "J1569", "J1561", "J1557"}
# Every active intravenous immune globulin code (the judged set's IVIG row).
IVIG_ALL = IVIG_FAMILY | {"J1552", "J1554", "J1556", "J1566", "J1572", "J1576", "J1599", "Q2052"}


def codes(res):
    return [r.code for r in res.results]


def test_counts_match_the_release(real_index):
    """The October 2025 release has 8,463 codes (7,258 active) and 383 modifiers."""
    counts = real_index.manifest["counts"]
    assert counts["codes"] == 8463
    assert counts["codes_active"] == 7258
    assert counts["modifiers"] == 383
    assert real_index.get("J1568").long.startswith("Injection, immune globulin, (octagam)")


@pytest.mark.parametrize("q", ["octagam", "J1568", "j1568", "octagan", "octa", "68982-0840-01", "68982084001"])
def test_octagam_queries_put_j1568_first(real_index, q):
    """Brand, code in any case, typo, prefix and NDC all find J1568 first."""
    assert codes(search(real_index, q))[0] == "J1568"


def test_code_prefix_lists_family_in_order(real_index):
    """J156 lists the HCPCS J156x codes in code order, then the ICD-10-CM J15.6x codes in code order."""
    got = codes(search(real_index, "J156", system="hcpcs"))
    assert got == sorted(got) and got[0] == "J1560" and "J1568" in got
    mixed = codes(search(real_index, "J156", limit=20))
    hcpcs, icd = [c for c in mixed if "." not in c], [c for c in mixed if "." in c]
    assert mixed == hcpcs + icd and hcpcs == sorted(hcpcs) and icd == sorted(icd)
    assert "J15.61" in mixed and "J1568" in mixed


def test_immune_globulin_returns_ivig_family(real_index):
    """'immune globulin' returns the intravenous immune globulin family."""
    got = set(codes(search(real_index, "immune globulin", limit=50)))
    assert IVIG_FAMILY <= got


def test_ivig_abbreviation(real_index):
    """IVIG finds the intravenous immune globulin family in the top 20."""
    got = set(codes(search(real_index, "IVIG", limit=20)))
    assert len(IVIG_FAMILY & got) >= 4


@pytest.mark.parametrize(
    ("q", "expected", "within"),
    [("TIA", "G45.9", 3), ("HTN", "I10", 1), ("CHF", "I50.9", 5), ("COPD", "J44.9", 3), ("MI", "I21.9", 3),
     ("UTI", "N39.0", 5), ("DVT", "I82.409", 5), ("PE", "I26.99", 5), ("CKD", "N18.9", 5), ("GERD", "K21.9", 3),
     ("AFib", "I48.91", 3), ("afib", "I48.91", 3), ("SOB", "R06.02", 3), ("CP", "R07.9", 3), ("CAD", "I25.10", 5)],
)
def test_clinician_shorthand_reaches_icd10cm(real_index, q, expected, within):
    """Inventory abbreviations find the diagnosis a clinician means, within system=icd10cm."""
    assert expected in codes(search(real_index, q, system="icd10cm", prefix=False))[:within]


def test_abbreviation_reason_names_the_sense(real_index):
    """The reason of an abbreviation match names the sense: HTN → hypertension."""
    top = search(real_index, "HTN", system="icd10cm").results[0]
    assert "abbreviation HTN (hypertension)" in top.matched


def test_ivig_still_finds_immune_globulin_j_codes(real_index):
    """After the inventory took over IVIG, its top five are intravenous immune globulin codes."""
    got = codes(search(real_index, "IVIG", limit=5))
    assert set(got) <= IVIG_ALL


@pytest.mark.parametrize(
    ("q", "prefixes"),
    [("AFO", ("L",)), ("TENS", ("E07",)), ("G-CSF", ("J", "Q5")), ("TPN", ("B4", "B5", "B9", "S936"))],
)
def test_hand_written_and_hcpcs_shorthand_still_work(real_index, q, prefixes):
    """Supply jargon the inventory lacks (AFO, TENS) and HCPCS shorthand still find their codes."""
    assert all(code.startswith(prefixes) for code in codes(search(real_index, q, limit=3)))


@pytest.mark.parametrize(
    ("q", "expected"),
    [("Keytruda", "J9271"), ("keytrudda", "J9271"), ("pembro", "J9271"), ("cpap", "E0601"),
     ("breathing machine for sleep apnea", "E0601")],
)
def test_examples_first(real_index, q, expected):
    """The issue's examples put the expected code first."""
    assert codes(search(real_index, q))[0] == expected


def test_antibody_infusion_finds_immune_globulins(real_index):
    """Plain words 'antibody infusion' reach the IV immune globulin codes."""
    got = codes(search(real_index, "antibody infusion", limit=10))
    assert got[0] in IVIG_ALL
    assert len(IVIG_ALL & set(got)) >= 6


def test_flu_shot(real_index):
    """'flu shot' finds G0008 and influenza vaccine Q-codes."""
    got = codes(search(real_index, "flu shot", limit=10))
    assert "G0008" in got
    assert any(c.startswith("Q20") for c in got)


def test_keytruda_why(real_index):
    """The result says it matched through the brand name."""
    res = search(real_index, "Keytruda")
    assert "brand name Keytruda" in res.results[0].matched


def test_truncated_release_keeps_old_index(real_settings, real_index, tmp_path):
    """A truncated XLSX fails with a one-line error and the previous index keeps answering."""
    before = real_index.version
    bad = tmp_path / "HCPC2025_OCT_ANWEB.xlsx"
    data = real_settings.hcpcs_path().read_bytes()
    bad.write_bytes(data[: len(data) // 2])
    from dataclasses import replace

    with pytest.raises(CorpusFileError) as info:
        build_index(replace(real_settings, hcpcs_file=bad))
    assert str(bad) in str(info.value) and "\n" not in str(info.value)
    reopened = open_index(real_settings.index_dir)
    assert reopened.version == before
    assert codes(search(reopened, "octagam"))[0] == "J1568"
    reopened.close()
    assert not list((real_settings.index_dir / "builds").glob(".tmp-*"))


def test_pages_cut_one_order(real_index):
    """Pages of 10 at increasing offsets equal one page of 50: no code skipped or repeated."""
    whole = codes(search(real_index, "injection", limit=50))
    paged = [c for off in range(0, 50, 10) for c in codes(search(real_index, "injection", limit=10, offset=off))]
    assert paged == whole and len(set(whole)) == 50
