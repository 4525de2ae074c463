"""Tests for the HCPCS Level II release reader (XLSX and the CMS quarterly ZIP)."""

from __future__ import annotations

import os
import zipfile

import openpyxl
import pytest

from codesearch.errors import CorpusFileError
from codesearch.sources import read_hcpcs

from fixtures import HEADER, TINY_ROWS, hcpcs_row, write_xlsx, write_zip

TINY_CODES = ["GA", "E0601", "J1566", "J1568", "J1569", "J9271", "J9999", "Q0000"]


def with_cells(row: list, **cells) -> list:
    """A copy of an hcpcs_row with some columns (named as in HEADER, spaces as _) changed."""
    row = list(row)
    for name, value in cells.items():
        row[HEADER.index(name.replace("_", " "))] = value
    return row


def by_code(path) -> dict:
    return {r.code: r for r in read_hcpcs(path)}


def truncated_copy(src, dst):
    data = src.read_bytes()
    dst.write_bytes(data[: len(data) // 2])
    return dst


@pytest.fixture
def tiny_xlsx(tmp_path):
    return write_xlsx(tmp_path / "HCPC2025_OCT_ANWEB.xlsx")


# -- loading ------------------------------------------------------------------------------


def test_tiny_workbook_loads_every_code_in_file_order(tiny_xlsx):
    """Every code and modifier of the tiny release is yielded once, in file order."""
    assert [r.code for r in read_hcpcs(tiny_xlsx)] == TINY_CODES


def test_modifier_is_kept_with_padding_stripped(tiny_xlsx):
    """The left-padded '   GA' row (RECID 7) becomes a modifier record with code 'GA'."""
    ga = by_code(tiny_xlsx)["GA"]
    assert ga.kind == "modifier"
    assert ga.short == "Waiver of liability stmt"
    assert ga.section_letter == ""
    assert all(r.kind == "code" for r in read_hcpcs(tiny_xlsx) if r.code != "GA")


def test_continuation_row_joins_long_description(tiny_xlsx):
    """A RECID 4 row is appended to the previous J9999 long description with one space."""
    j9999 = by_code(tiny_xlsx)["J9999"]
    assert j9999.long == (
        "Not otherwise classified, antineoplastic drugs, with a longer description "
        "that continues on a second line"
    )
    assert j9999.short == "Chemotherapy drug"


def test_modifier_continuation_row_recid_8_is_joined(tmp_path):
    """A RECID 8 row continues the description of the modifier before it."""
    rows = [
        hcpcs_row("GA", "Waiver of liability", "Waiver stmt", recid="7"),
        hcpcs_row("GA", "statement on file", "", recid="8"),
    ]
    (ga,) = read_hcpcs(write_xlsx(tmp_path / "m.xlsx", rows))
    assert ga.long == "Waiver of liability statement on file"


def test_terminated_code_status_and_iso_termination_date(tiny_xlsx):
    """A code with TERM DT set is 'terminated' with the date as ISO YYYY-MM-DD."""
    records = by_code(tiny_xlsx)
    q = records["Q0000"]
    assert q.status == "terminated"
    assert q.active is False
    assert q.termination_date == "2020-12-31"
    assert q.action_code == "D"
    j = records["J1568"]
    assert j.status == "active" and j.termination_date is None


def test_dates_are_iso(tiny_xlsx):
    """ADD DT and ACT EFF DT (YYYYMMDD in the file) come out as ISO dates."""
    e = by_code(tiny_xlsx)["E0601"]
    assert e.add_date == "1988-01-01"
    assert e.action_effective_date == "2014-01-01"


def test_numeric_date_cells_are_read_as_dates(tmp_path):
    """A date stored as a number (20080101) is read like the text form."""
    row = with_cells(hcpcs_row("J1566", "Injection, x", "x"), ADD_DT=20080101, TERM_DT=20201231.0)
    (r,) = read_hcpcs(write_xlsx(tmp_path / "n.xlsx", [row]))
    assert (r.add_date, r.termination_date) == ("2008-01-01", "2020-12-31")


def test_pricing_xref_and_tos_tuples(tiny_xlsx):
    """Pricing, type-of-service and cross-reference columns become tuples of non-empty values."""
    records = by_code(tiny_xlsx)
    assert records["E0601"].pricing_codes == ("36",)
    assert records["E0601"].type_of_service == ("1",)
    assert records["E0601"].coverage_code == "D"
    assert records["E0601"].betos == "D1E"
    assert records["Q0000"].xrefs == ("J9271",)
    assert records["J1568"].xrefs == ()
    assert records["GA"].pricing_codes == ()


def test_group_columns_keep_order_and_drop_blanks(tmp_path):
    """PRICE1..4, TOS1..5 and XREF1..5 are read in column order, skipping empty cells."""
    row = with_cells(
        hcpcs_row("J1566", "Injection, x", "x", price="51", xref="J1567"),
        PRICE3="57", TOS2="", TOS3="F", XREF2="", XREF4="Q0001",
    )
    (r,) = read_hcpcs(write_xlsx(tmp_path / "g.xlsx", [row]))
    assert r.pricing_codes == ("51", "57")
    assert r.type_of_service == ("1", "F")
    assert r.xrefs == ("J1567", "Q0001")


def test_coverage_manual_references_keep_their_manual(tmp_path):
    """CIM1..3 and MCM1..3 are read in column order, each named by its manual; blanks skipped."""
    row = with_cells(hcpcs_row("E0110", "Crutches, forearm", "Crutch forearm pair"),
                     CIM1="60-9", CIM2="", MCM1="2100.1", MCM3="4107.8")
    (r,) = read_hcpcs(write_xlsx(tmp_path / "m.xlsx", [row]))
    assert r.manual_refs == ("CIM 60-9", "MCM 2100.1", "MCM 4107.8")
    (bare,) = read_hcpcs(write_xlsx(tmp_path / "n.xlsx", [hcpcs_row("E0118", "Crutch substitute", "x")]))
    assert bare.manual_refs == ()


def test_optional_group_columns_may_be_absent(tmp_path):
    """A header without PRICE/XREF/TOS columns still loads, with empty tuples."""
    header = ["HCPC", "RECID", "LONG DESCRIPTION", "SHORT DESCRIPTION", "COV", "BETOS",
              "ADD DT", "ACT EFF DT", "TERM DT", "ACTION CD"]
    row = ["J1566", "3", "Injection, x", "x", "C", "O1E", "20080101", "20080101", "", "N"]
    (r,) = read_hcpcs(write_xlsx(tmp_path / "o.xlsx", [row], header=header))
    assert (r.code, r.pricing_codes, r.xrefs, r.type_of_service, r.manual_refs) == ("J1566", (), (), (), ())


def test_cpt_looking_codes_are_skipped(tmp_path):
    """Level I (CPT) codes such as '99213', a numeric 99214 cell and '0001F' are never loaded."""
    rows = [
        TINY_ROWS[2],
        hcpcs_row("99213", "Office visit, established patient", "Office visit est"),
        hcpcs_row(99214, "Office visit, established patient, longer", "Office visit est"),
        hcpcs_row("0001F", "Heart failure composite", "Hf composite"),
        TINY_ROWS[3],
    ]
    assert [r.code for r in read_hcpcs(write_xlsx(tmp_path / "c.xlsx", rows))] == ["J1566", "J1568"]


def test_cpt_code_with_continuation_row_is_skipped_whole(tmp_path):
    """A skipped CPT code's own continuation row is skipped with it, not reported as orphaned."""
    rows = [
        hcpcs_row("99213", "Office visit, established patient,", "Office visit est"),
        hcpcs_row("99213", "low complexity", "", recid="4"),
        TINY_ROWS[2],
    ]
    try:
        codes = [r.code for r in read_hcpcs(write_xlsx(tmp_path / "c.xlsx", rows))]
    except CorpusFileError as exc:
        codes = f"CorpusFileError: {exc}"
    assert codes == ["J1566"]


def test_numeric_modifier_cell_is_read_as_text(tmp_path):
    """A two-digit modifier stored as the number 25 is the modifier '25'."""
    rows = [hcpcs_row(25, "Significant, separately identifiable service", "Sig sep id svc", recid="7")]
    (r,) = read_hcpcs(write_xlsx(tmp_path / "m.xlsx", rows))
    assert (r.code, r.kind) == ("25", "modifier")


def test_lowercase_code_is_uppercased(tmp_path):
    """A code typed in lower case is normalised to upper case."""
    (r,) = read_hcpcs(write_xlsx(tmp_path / "l.xlsx", [hcpcs_row("j1566", "Injection, x", "x")]))
    assert r.code == "J1566"


def test_blank_rows_are_skipped(tmp_path):
    """Entirely blank rows between codes are ignored."""
    rows = [TINY_ROWS[2], [None] * len(HEADER), [""] * len(HEADER), TINY_ROWS[3]]
    assert [r.code for r in read_hcpcs(write_xlsx(tmp_path / "b.xlsx", rows))] == ["J1566", "J1568"]


def test_short_description_falls_back_to_long(tmp_path):
    """A code with only a long description gets a 28-character short one from it."""
    long = "Injection, immune globulin, intravenous, 500 mg"
    (r,) = read_hcpcs(write_xlsx(tmp_path / "s.xlsx", [hcpcs_row("J1566", long, "")]))
    assert r.short == long[:28]
    assert r.long == long


def test_header_below_banner_rows_is_found(tmp_path):
    """A header row that is not the first row is found, and rows after it are read."""
    path = write_xlsx(tmp_path / "h.xlsx", [HEADER] + TINY_ROWS, header=["HCPCS release, for tests"])
    assert [r.code for r in read_hcpcs(path)] == TINY_CODES


def test_hcpc_sheet_is_found_among_other_sheets(tmp_path):
    """The HCPC sheet is used even when it is not the first sheet of the workbook."""
    wb = openpyxl.Workbook()
    wb.active.title = "README"
    wb.active.append(["Release notes"])
    ws = wb.create_sheet("HCPC2025_OCT_ANWEB")
    ws.append(HEADER)
    ws.append(TINY_ROWS[2])
    path = tmp_path / "two.xlsx"
    wb.save(path)
    assert [r.code for r in read_hcpcs(path)] == ["J1566"]


def test_zip_release_loads_same_records(tmp_path, tiny_xlsx):
    """CMS's quarterly ZIP holding the workbook yields exactly the workbook's records."""
    zipped = write_zip(tmp_path / "2025-alpha-numeric-hcpcs-file.zip", tiny_xlsx)
    assert list(read_hcpcs(zipped)) == list(read_hcpcs(tiny_xlsx))


def test_accepts_string_path(tiny_xlsx):
    """A str path works as well as a Path."""
    assert [r.code for r in read_hcpcs(str(tiny_xlsx))] == TINY_CODES


# -- errors ---------------------------------------------------------------------------------


def error_of(path) -> CorpusFileError:
    """The CorpusFileError reading ``path`` raises, with its traceback dropped.

    Dropping the traceback frees the reader's frame at once. (pytest.raises keeps it in a
    reference cycle, and read_hcpcs leaves the workbook file open while its frame lives,
    see test_workbook_file_is_closed_when_an_error_is_raised, so the file would be closed
    by the garbage collector with a ResourceWarning.)
    """
    try:
        for _ in read_hcpcs(path):
            pass
    except CorpusFileError as exc:
        return exc.with_traceback(None)
    pytest.fail(f"reading {path} raised no CorpusFileError")


def is_open(path) -> bool:
    """Whether this process holds a file descriptor on ``path`` (Linux /proc)."""
    targets = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            targets.add(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            pass
    return str(path) in targets


def test_workbook_file_is_closed_when_an_error_is_raised(tmp_path):
    """When a malformed row stops the reader, the workbook file is already closed."""
    path = write_xlsx(tmp_path / "bad.xlsx", [TINY_ROWS[1], hcpcs_row("J9999", "orphan", "", recid="4")])
    still_open = None
    try:
        list(read_hcpcs(path))
    except CorpusFileError:
        still_open = is_open(path)
    assert still_open is False


def test_workbook_file_is_closed_after_reading(tiny_xlsx):
    """Reading a release to the end leaves no file descriptor on the workbook."""
    assert len(list(read_hcpcs(tiny_xlsx))) == len(TINY_CODES)
    assert not is_open(tiny_xlsx)


def test_missing_file(tmp_path):
    """A path that does not exist is a CorpusFileError naming it."""
    err = error_of(tmp_path / "nope.xlsx")
    assert err.path == str(tmp_path / "nope.xlsx")
    assert "file not found" in str(err)
    assert str(tmp_path / "nope.xlsx") in str(err)


def test_directory_instead_of_file(tmp_path):
    """A directory is refused with a message saying so."""
    err = error_of(tmp_path)
    assert "is a directory" in str(err)
    assert err.path == str(tmp_path)


def test_truncated_xlsx(tmp_path, tiny_xlsx):
    """A workbook cut in half is reported as truncated / not readable, naming the file."""
    bad = truncated_copy(tiny_xlsx, tmp_path / "cut.xlsx")
    err = error_of(bad)
    assert "truncated" in str(err) or "not a readable" in str(err)
    assert err.path == str(bad)


def test_text_file_renamed_xlsx(tmp_path):
    """A CSV saved under a .xlsx name is reported as not a readable XLSX or ZIP."""
    bad = tmp_path / "codes.xlsx"
    bad.write_text("HCPC,LONG DESCRIPTION\nJ1566,Injection\n", encoding="utf-8")
    err = error_of(bad)
    assert "not a readable XLSX or ZIP" in str(err)
    assert str(bad) in str(err)


def test_zip_without_workbook(tmp_path):
    """A ZIP holding no .xlsx is refused with a message saying so."""
    bad = tmp_path / "release.zip"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("README.txt", "nothing here")
    assert "holds no .xlsx" in str(error_of(bad))


def test_zip_with_truncated_workbook_names_member(tmp_path, tiny_xlsx):
    """A damaged workbook inside a ZIP is reported with the ZIP path and member name."""
    cut = truncated_copy(tiny_xlsx, tmp_path / "cut.xlsx")
    bad = write_zip(tmp_path / "release.zip", cut)
    err = error_of(bad)
    assert err.path == f"{bad}!HCPC2025_OCT_ANWEB.xlsx"
    assert "not a readable XLSX workbook" in str(err)


def test_missing_column_names_column_and_header_row(tmp_path):
    """A header without 'TERM DT' is refused naming the column and row 1."""
    header = [c for c in HEADER if c != "TERM DT"]
    rows = [[v for c, v in zip(HEADER, row) if c != "TERM DT"] for row in TINY_ROWS]
    path = write_xlsx(tmp_path / "m.xlsx", rows, header=header)
    err = error_of(path)
    assert err.row == 1
    assert "'TERM DT'" in str(err)
    assert "row 1" in str(err)
    assert err.path == str(path)


def test_wrong_sheet_lists_sheets(tmp_path):
    """A workbook with no HCPC header row is refused with a message listing its sheets."""
    wb = openpyxl.Workbook()
    wb.active.title = "Summary"
    wb.active.append(["CODE", "DESCRIPTION"])
    wb.create_sheet("Notes").append(["nothing"])
    path = tmp_path / "wrong.xlsx"
    wb.save(path)
    err = error_of(path)
    assert "no sheet with a 'HCPC' header row" in str(err)
    assert "Summary, Notes" in str(err)


def test_invalid_code_reports_spreadsheet_row_and_column(tmp_path):
    """An invalid code 'J15X8' is reported at its spreadsheet row in column HCPC."""
    rows = TINY_ROWS[:3] + [hcpcs_row("J15X8", "Injection, bad", "bad")] + TINY_ROWS[3:]
    path = write_xlsx(tmp_path / "bad.xlsx", rows)
    err = error_of(path)
    assert err.row == 5  # header is row 1, so the fourth data row is row 5
    assert err.column == "HCPC"
    assert "'J15X8'" in str(err)
    assert str(path) in str(err) and "row 5" in str(err)


def test_invalid_code_row_counts_banner_rows(tmp_path):
    """Row numbers stay spreadsheet row numbers when the header is not in row 1."""
    rows = [HEADER, TINY_ROWS[2], hcpcs_row("J15X8", "Injection, bad", "bad")]
    err = error_of(write_xlsx(tmp_path / "bad.xlsx", rows, header=["banner"]))
    assert (err.row, err.column) == (4, "HCPC")


def test_invalid_modifier(tmp_path):
    """A modifier row (RECID 7) with a five-character code is refused in column HCPC."""
    rows = [hcpcs_row("GAX12", "Bad modifier", "bad", recid="7")]
    err = error_of(write_xlsx(tmp_path / "bad.xlsx", rows))
    assert (err.row, err.column) == (2, "HCPC")
    assert "invalid modifier" in str(err)


@pytest.mark.parametrize("column", ["TERM DT", "ADD DT", "ACT EFF DT"])
def test_malformed_date_names_column(tmp_path, column):
    """A date not in YYYYMMDD form is refused naming the row and the date column."""
    row = with_cells(hcpcs_row("J1566", "Injection, x", "x"), **{column.replace(" ", "_"): "2020-12-31"})
    err = error_of(write_xlsx(tmp_path / "d.xlsx", [TINY_ROWS[1], row]))
    assert (err.row, err.column) == (3, column)
    assert "malformed date '2020-12-31'" in str(err)


def test_continuation_without_first_line(tmp_path):
    """A RECID 4 row for a code with no preceding first line is refused in column RECID."""
    rows = [TINY_ROWS[1], hcpcs_row("J9999", "orphan continuation", "", recid="4")]
    err = error_of(write_xlsx(tmp_path / "c.xlsx", rows))
    assert (err.row, err.column) == (3, "RECID")
    assert "continuation line for 'J9999' without its first line" in str(err)


def test_continuation_as_first_data_row(tmp_path):
    """A continuation row right after the header has no first line and is refused."""
    err = error_of(write_xlsx(tmp_path / "c.xlsx", [hcpcs_row("J9999", "orphan", "", recid="4")]))
    assert (err.row, err.column) == (2, "RECID")


def test_unknown_record_id(tmp_path):
    """A RECID outside 3/4/7/8 is refused in column RECID."""
    err = error_of(write_xlsx(tmp_path / "r.xlsx", [hcpcs_row("J1566", "x", "x", recid="5")]))
    assert (err.row, err.column) == (2, "RECID")
    assert "unknown record id '5'" in str(err)


def test_code_without_description(tmp_path):
    """A code with neither long nor short description is refused in column LONG DESCRIPTION."""
    err = error_of(write_xlsx(tmp_path / "e.xlsx", [hcpcs_row("J1566", "", "")]))
    assert (err.row, err.column) == (2, "LONG DESCRIPTION")
    assert "J1566 has no description" in str(err)
