"""The PFS relative value file reader, its discovery in Settings, and RVUs in built records."""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path

import pytest

from codesearch.build import build_index
from codesearch.config import Settings
from codesearch.errors import CorpusFileError
from codesearch.index import open_index
from codesearch.records import PFS_STATUS, CodeRecord
from codesearch.sources.pfs import read_pfs

# Each column's name as CMS splits it over rows 6-10 of the file (the last is the HCPCS row).
COLUMNS_2025 = [
    ("", "", "", "", "HCPCS"), ("", "", "", "", "MOD"), ("", "", "", "", "DESCRIPTION"),
    ("", "", "", "STATUS", "CODE"), ("", "NOT USED", "FOR", "MEDICARE ", "PAYMENT"),
    ("", "", "", "WORK", "RVU"), ("", "", "", "NON-FAC", "PE RVU"), ("", "", "NON-FAC", "NA", "INDICATOR"),
    ("", "", "", "FACILITY", "PE RVU"), ("", "", "FACILITY ", "NA", "INDICATOR"), ("", "", "", "MP", "RVU"),
    ("", "", "", "NON-FACILITY", "TOTAL"), ("", "", "", "FACILITY", "TOTAL"), ("", "", "", "PCTC", "IND"),
    ("", "", "", "GLOB", "DAYS"), ("", "", "", "PRE", "OP"), ("", "", "", "INTRA", "OP"), ("", "", "", "POST", "OP"),
    ("", "", "", "MULT", "PROC"), ("", "", "", "BILAT", "SURG"), ("", "", "", "ASST", "SURG"),
    ("", "", "", "CO-", "SURG"), ("", "", "", "TEAM", "SURG"), ("", "", "", "ENDO", "BASE"),
    ("", "", "", "CONV", "FACTOR"), ("", "PHYSICIAN", "SUPERVISION OF", "DIAGNOSTIC", "PROCEDURES"),
    ("", "", "", "CALCULATION", "FLAG"), ("", "DIAGNOSTIC", "IMAGING", "FAMILY", "INDICATOR"),
    ("NON-FACILITY", "PE USED", "FOR OPPS", "PAYMENT", "AMOUNT"),
    ("FACILITY", "PE USED", "FOR OPPS", "PAYMENT", "AMOUNT"), ("", "MP USED", "FOR OPPS", "PAYMENT", "AMOUNT"),
]
PRIC_IND = ("", "", "", "PRIC", "IND")
KEYS = {  # joined column name → the short key the rows below use
    "HCPCS": "code", "MOD": "mod", "DESCRIPTION": "desc", "STATUS CODE": "status", "WORK RVU": "work",
    "NON-FAC PE RVU": "pe_nf", "FACILITY PE RVU": "pe_f", "MP RVU": "mp", "NON-FACILITY TOTAL": "total_nf",
    "FACILITY TOTAL": "total_f", "GLOB DAYS": "glob", "CONV FACTOR": "cf", "PRIC IND": "pric",
}
ROWS = [
    {"code": "G2211", "desc": "Complex e/m visit add on", "status": "A", "work": "0.33", "pe_nf": "0.13",
     "pe_f": "0.13", "mp": "0.02", "total_nf": "0.48", "total_f": "0.48", "glob": "ZZZ"},
    {"code": "G0130", "desc": "Single energy x-ray study", "status": "A", "work": "0.22", "pe_nf": "0.90",
     "pe_f": "0.90", "mp": "0.02", "total_nf": "1.14", "total_f": "1.14", "glob": "XXX"},
    {"code": "G0130", "mod": "26", "desc": "Single energy x-ray study", "status": "A", "work": "0.22",
     "pe_nf": "0.10", "pe_f": "0.10", "mp": "0.01", "total_nf": "0.33", "total_f": "0.33", "glob": "XXX"},
    {"code": "G0130", "mod": "TC", "desc": "Single energy x-ray study", "status": "A", "work": "0.00",
     "pe_nf": "0.80", "pe_f": "0.80", "mp": "0.01", "total_nf": "0.81", "total_f": "0.81", "glob": "XXX"},
    {"code": "J1568", "desc": "Octagam injection", "status": "E", "glob": "XXX"},
    {"code": "99999", "desc": "a CPT row, skipped", "status": "A", "work": "1.00"},
]


def write_pfs(path: Path, rows=ROWS, *, year: int = 2025, cf: str = "32.3465", drop: str | None = None) -> Path:
    """Write a PPRRVU CSV the way CMS ships it: nine banner rows, names split over rows 6-10, CRLF."""
    columns = list(COLUMNS_2025)
    if year >= 2026:  # 2026 files add PRIC IND after TEAM SURG
        columns.insert(columns.index(("", "", "", "TEAM", "SURG")) + 1, PRIC_IND)
    names = [" ".join(" ".join(p.split()) for p in parts if p.strip()) for parts in columns]
    if drop is not None:
        keep = [i for i, n in enumerate(names) if n != drop]
        columns, names = [columns[i] for i in keep], [names[i] for i in keep]
    width = len(columns)

    def line(cells) -> str:
        cells = list(cells) + [""] * (width - len(cells))
        return ",".join(f'"{c}"' if "," in c else c for c in cells)

    lines = [
        line(["", "", f"{year} National Physician Fee Schedule Relative Value File October Release"]),
        line(["", "", "CPT codes and descriptions only are copyright 2024 American Medical Association."]),
        line(["", "", "Dental codes (D codes) are copyright 2025/26 American Dental Association."]),
        line(["", "", " "]),
        line(["", "", "RELEASED 09/11/2025"]),
    ]
    for r in range(5):
        lines.append(line([parts[r] for parts in columns]))
    for row in rows:
        values = {"work": "0.00", "pe_nf": "0.00", "pe_f": "0.00", "mp": "0.00", "total_nf": "0.00",
                  "total_f": "0.00", "cf": cf, "pric": "1", **row}
        lines.append(line([values.get(KEYS.get(n, ""), "") for n in names]))
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("ascii"))
    return path


def test_reads_cms_layout(tmp_path):
    """Columns named over rows 6-10 are found; values, global days and conversion factor are read."""
    pfs = read_pfs(write_pfs(tmp_path / "PPRRVU2025_Oct.csv"))
    (g2211,) = pfs["G2211"]
    assert (g2211.status, g2211.work_rvu, g2211.nonfacility_pe_rvu, g2211.facility_pe_rvu) == ("A", 0.33, 0.13, 0.13)
    assert (g2211.mp_rvu, g2211.nonfacility_total, g2211.facility_total) == (0.02, 0.48, 0.48)
    assert g2211.global_days == "ZZZ" and g2211.conversion_factor == 32.3465 and g2211.modifier == ""
    assert g2211.status_meaning == PFS_STATUS["A"]


def test_modifier_rows_kept_apart(tmp_path):
    """The global row comes first; 26 and TC rows are separate rows with their own RVUs."""
    rows = read_pfs(write_pfs(tmp_path / "p.csv"))["G0130"]
    assert [r.modifier for r in rows] == ["", "26", "TC"]
    assert rows[0].work_rvu == 0.22 and rows[2].work_rvu == 0.0 and rows[2].nonfacility_total == 0.81


def test_cpt_rows_skipped_and_zero_rvus_kept(tmp_path):
    """CPT rows are not loaded; a status E drug row is kept with zero RVUs."""
    pfs = read_pfs(write_pfs(tmp_path / "p.csv"))
    assert "99999" not in pfs
    (j1568,) = pfs["J1568"]
    assert j1568.status == "E" and not j1568.has_rvus


def test_national_estimate(tmp_path):
    """The estimate is total RVUs times the conversion factor, labelled as national and unadjusted."""
    (row,) = read_pfs(write_pfs(tmp_path / "p.csv"))["G2211"]
    d = row.describe()
    assert d["nonfacility_estimate"] == round(0.48 * 32.3465, 2) == 15.53
    assert d["estimate_label"] == "national estimate before geographic adjustment"


def test_2026_layout_with_pric_ind(tmp_path):
    """A 2026 file with PRIC IND after TEAM SURG is read by names: later columns are not shifted."""
    path = write_pfs(tmp_path / "PPRRVU2026_Jan_nonQPP.csv", year=2026, cf="33.4009")
    (g2211,) = read_pfs(path)["G2211"]
    assert g2211.conversion_factor == 33.4009
    assert g2211.work_rvu == 0.33 and g2211.global_days == "ZZZ"
    assert g2211.pricing_indicator == "1"


def test_missing_column_names_it(tmp_path):
    """A file without WORK RVU fails naming the file, the column and the header row."""
    path = write_pfs(tmp_path / "p.csv", drop="WORK RVU")
    with pytest.raises(CorpusFileError) as info:
        read_pfs(path)
    assert "WORK RVU" in str(info.value) and str(path) in str(info.value)
    assert info.value.row == 10


def test_malformed_number_names_row_and_column(tmp_path):
    """A malformed RVU fails naming the row number and the column."""
    rows = [dict(ROWS[0]), {**ROWS[4], "pe_nf": "1.2.3"}]
    path = write_pfs(tmp_path / "p.csv", rows)
    with pytest.raises(CorpusFileError) as info:
        read_pfs(path)
    assert info.value.row == 12 and info.value.column == "NON-FAC PE RVU"
    assert "1.2.3" in str(info.value)


def test_missing_file_and_no_header(tmp_path):
    """A missing file and a CSV without the HCPCS header row are CorpusFileErrors."""
    with pytest.raises(CorpusFileError, match="file not found"):
        read_pfs(tmp_path / "absent.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b,c\n1,2,3\n", encoding="ascii")
    with pytest.raises(CorpusFileError, match="HCPCS"):
        read_pfs(bad)


def test_pfs_path_optional(tmp_path):
    """pfs_path is None without a pfs_rvu folder, else the newest CSV, preferring nonQPP over QPP."""
    settings = Settings(data_dir=tmp_path, index_dir=tmp_path / "ix")
    assert settings.pfs_path() is None
    folder = tmp_path / "pfs_rvu"
    folder.mkdir()
    assert settings.pfs_path() is None
    write_pfs(folder / "PPRRVU2026_Jan_QPP.csv", year=2026, cf="33.5675")
    write_pfs(folder / "PPRRVU2026_Jan_nonQPP.csv", year=2026, cf="33.4009")
    assert settings.pfs_path().name == "PPRRVU2026_Jan_nonQPP.csv"
    explicit = folder / "PPRRVU2026_Jan_QPP.csv"
    assert dataclasses.replace(settings, pfs_file=explicit).pfs_path() == explicit


def test_record_round_trip_with_rvus(tmp_path):
    """A record with RVU rows survives to_dict → JSON → from_dict unchanged."""
    rows = tuple(read_pfs(write_pfs(tmp_path / "p.csv"))["G0130"])
    record = CodeRecord(code="G0130", kind="code", short="s", long="l", status="active", rvus=rows)
    assert CodeRecord.from_dict(json.loads(json.dumps(record.to_dict()))) == record
    old = record.to_dict()
    del old["rvus"]  # records.jsonl of a build made before RVUs existed
    assert CodeRecord.from_dict(old).rvus == ()


def test_build_without_pfs_file(tiny_index):
    """A data directory without pfs_rvu/ still builds; records have no RVUs."""
    assert tiny_index.get("J1568").rvus == ()
    assert "pfs_rvu" not in {s["kind"] for s in tiny_index.manifest["sources"]}


def test_build_with_pfs_file(tiny_settings):
    """With a PFS file, records carry their rows and the manifest lists the file."""
    (tiny_settings.data_dir / "pfs_rvu").mkdir()
    write_pfs(tiny_settings.data_dir / "pfs_rvu" / "PPRRVU2025_Oct.csv", [*ROWS, {"code": "J9271", "status": "E"}])
    manifest = build_index(tiny_settings)
    assert "pfs_rvu" in {s["kind"] for s in manifest["sources"]}
    index = open_index(tiny_settings.index_dir)
    try:
        assert [r.status for r in index.get("J1568").rvus] == ["E"]
        assert index.get("E0601").rvus == ()
    finally:
        index.close()


def test_bad_pfs_file_fails_build(tiny_settings):
    """A malformed PFS file fails the build with a CorpusFileError naming it."""
    (tiny_settings.data_dir / "pfs_rvu").mkdir()
    bad = write_pfs(tiny_settings.data_dir / "pfs_rvu" / "PPRRVU2025_Oct.csv", drop="CONV FACTOR")
    with pytest.raises(CorpusFileError, match="CONV FACTOR") as info:
        build_index(tiny_settings)
    assert str(bad) in str(info.value)


# -- the real October 2025 file ------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_pfs(real_settings):
    """The real PFS relative value file, read once."""
    path = real_settings.pfs_path()
    assert path is not None, "the real corpus has no pfs_rvu file"
    return read_pfs(path)


def test_real_g2211(real_pfs):
    """G2211: work RVU 0.33, global ZZZ."""
    (row,) = real_pfs["G2211"]
    assert row.work_rvu == 0.33 and row.global_days == "ZZZ" and row.status == "A"


def test_real_g0438(real_pfs):
    """G0438: work RVU 2.60, non-facility total 4.96."""
    (row,) = real_pfs["G0438"]
    assert row.work_rvu == 2.60 and row.nonfacility_total == 4.96


def test_real_j1568_and_e0601(real_pfs):
    """J1568 is status E; E0601 (DME) has no row."""
    assert [r.status for r in real_pfs["J1568"]] == ["E"]
    assert "E0601" not in real_pfs


def test_real_counts(real_pfs):
    """5,149 codes and 34 modifier rows; every code has a global row and a known status."""
    assert len(real_pfs) == 5149
    assert sum(1 for rows in real_pfs.values() for r in rows if r.modifier) == 34
    assert all(rows[0].modifier == "" for rows in real_pfs.values())
    assert {r.status for rows in real_pfs.values() for r in rows} <= set(PFS_STATUS)
    assert {r.conversion_factor for rows in real_pfs.values() for r in rows} == {32.3465}


def test_real_read_is_fast(real_settings):
    """Reading the real file takes well under the build's time budget (CPU seconds: a loaded machine's other processes do not count)."""
    started = time.thread_time()
    read_pfs(real_settings.pfs_path())
    assert time.thread_time() - started < 2


def test_real_index_records_have_rvus(real_index):
    """The real index carries G2211's RVU row and lists the PFS file as a source."""
    assert real_index.get("G2211").rvus[0].work_rvu == 0.33
    assert real_index.get("E0601").rvus == ()
    assert "pfs_rvu" in {s["kind"] for s in real_index.manifest["sources"]}
