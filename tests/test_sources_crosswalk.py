"""Tests for the ASP NDC-HCPCS crosswalk CSV reader."""

from __future__ import annotations

import pytest

from codesearch.errors import CorpusFileError
from codesearch.records import DrugProduct
from codesearch.sources import read_crosswalk

from fixtures import CROSSWALK_HEADER, CROSSWALK_ROWS, write_crosswalk, write_xlsx

#: write_crosswalk puts eight banner/blank rows above the header, so the header is row 9.
HEADER_ROW = 9


def error_of(path) -> CorpusFileError:
    with pytest.raises(CorpusFileError) as info:
        read_crosswalk(path)
    return info.value


@pytest.fixture
def tiny_csv(tmp_path):
    return write_crosswalk(tmp_path / "crosswalk.csv")


def test_banner_rows_skipped_and_all_products_read(tiny_csv):
    """Rows above the `_2026_CODE` header are skipped and every data row becomes a product."""
    crosswalk = read_crosswalk(tiny_csv)
    assert sorted(crosswalk) == ["J1568", "J9271"]
    assert [p.ndc for p in crosswalk["J1568"]] == ["68982-0840-01", "00069-6002-02"]
    assert [p.ndc for p in crosswalk["J9271"]] == ["00006-3026-02", "12345-0001-01"]


def test_product_fields(tiny_csv):
    """Each column lands in its DrugProduct field, trailing empty columns ignored."""
    first = read_crosswalk(tiny_csv)["J1568"][0]
    assert first == DrugProduct(
        ndc="68982-0840-01", drug_name="Octagam", labeler="Octapharma USA Inc", dosage="500 MG",
        package_size="1", package_quantity="1", billing_units="2", billing_units_per_package="2",
    )
    assert first.ndc11 == "68982084001"


def test_padded_names_are_trimmed(tiny_csv):
    """'Octagam ' with a trailing space is read as 'Octagam'."""
    names = [p.drug_name for p in read_crosswalk(tiny_csv)["J1568"]]
    assert names == ["Octagam", "Octagam"]


def test_inner_whitespace_is_collapsed(tmp_path):
    """Runs of spaces inside names are collapsed to one."""
    rows = ['J1568,x,"Octapharma   USA  Inc",68982-0840-01,"  Octagam   10% ",500 MG,1,1,2,2']
    (p,) = read_crosswalk(write_crosswalk(tmp_path / "c.csv", rows))["J1568"]
    assert (p.drug_name, p.labeler) == ("Octagam 10%", "Octapharma USA Inc")


def test_other_year_code_column(tmp_path):
    """A header whose code column is `_2027_CODE` is found like `_2026_CODE`."""
    header = CROSSWALK_HEADER.replace("_2026_CODE", "_2027_CODE")
    crosswalk = read_crosswalk(write_crosswalk(tmp_path / "c.csv", header=header))
    assert sorted(crosswalk) == ["J1568", "J9271"]


def test_older_hcpcs_code_header(tmp_path):
    """Older files whose first column is 'HCPCS Code' are read too."""
    header = CROSSWALK_HEADER.replace("_2026_CODE", "HCPCS Code")
    assert sorted(read_crosswalk(write_crosswalk(tmp_path / "c.csv", header=header))) == ["J1568", "J9271"]


def test_latin1_name_decodes(tiny_csv):
    """The latin-1 byte for 'ü' decodes: 'Keytrüda Test' is read intact."""
    assert [p.drug_name for p in read_crosswalk(tiny_csv)["J9271"]] == ["Keytruda", "Keytrüda Test"]


def test_windows_1252_punctuation_decodes(tmp_path):
    """A cp1252-only byte (0x92, right single quote) decodes to '’'."""
    rows = ["J9271,x,Merck,00006-3026-02,Keytruda’s Test,1 MG,4,1,100,100"]
    path = write_crosswalk(tmp_path / "c.csv", rows, encoding="cp1252")
    assert read_crosswalk(path)["J9271"][0].drug_name == "Keytruda’s Test"


def test_utf8_file(tmp_path):
    """A UTF-8 file gives the same products as the latin-1 one."""
    latin = read_crosswalk(write_crosswalk(tmp_path / "latin1.csv"))
    utf8 = read_crosswalk(write_crosswalk(tmp_path / "utf8.csv", encoding="utf-8"))
    assert utf8 == latin
    assert utf8["J9271"][1].drug_name == "Keytrüda Test"


def test_utf8_bom_before_header(tmp_path):
    """A UTF-8 BOM in front of a header on the first line does not hide the header."""
    path = tmp_path / "bom.csv"
    path.write_bytes(("\ufeff" + CROSSWALK_HEADER + "\n" + CROSSWALK_ROWS[0] + "\n").encode("utf-8"))
    assert [p.ndc for p in read_crosswalk(path)["J1568"]] == ["68982-0840-01"]


def test_cpt_rows_skipped(tmp_path):
    """Rows for Level I (CPT) codes such as 90707 and 0001F are skipped."""
    rows = CROSSWALK_ROWS + [
        "90707,MMR vaccine,Merck,00006-4681-00,M-M-R II,1 EA,1,1,1,1",
        "0001F,x,Merck,00006-4681-01,Something,1 EA,1,1,1,1",
    ]
    assert sorted(read_crosswalk(write_crosswalk(tmp_path / "c.csv", rows))) == ["J1568", "J9271"]


def test_blank_rows_after_header_skipped(tmp_path):
    """Blank (comma-only) rows among the data rows are ignored."""
    rows = [CROSSWALK_ROWS[0], "", ",,,", CROSSWALK_ROWS[2]]
    assert sorted(read_crosswalk(write_crosswalk(tmp_path / "c.csv", rows))) == ["J1568", "J9271"]


def test_bare_digit_product_identifier_accepted(tmp_path):
    """An 11-digit product identifier without dashes is accepted as the NDC."""
    rows = ["J1568,x,Octapharma,68982084001,Octagam,500 MG,1,1,2,2"]
    (p,) = read_crosswalk(write_crosswalk(tmp_path / "c.csv", rows))["J1568"]
    assert p.ndc11 == "68982084001"


def test_lowercase_code_is_uppercased(tmp_path):
    """A code written in lower case is keyed in upper case."""
    rows = ["j1568,x,Octapharma,68982-0840-01,Octagam,500 MG,1,1,2,2"]
    assert list(read_crosswalk(write_crosswalk(tmp_path / "c.csv", rows))) == ["J1568"]


def test_optional_package_columns_may_be_absent(tmp_path):
    """Without PKG SIZE / PKG QTY columns the products have empty package fields."""
    header = "_2026_CODE,LABELER NAME,NDC2,Drug Name,HCPCS dosage,BILLUNITS,BILLUNITSPKG"
    rows = ["J1568,Octapharma,68982-0840-01,Octagam,500 MG,2,2"]
    (p,) = read_crosswalk(write_crosswalk(tmp_path / "c.csv", rows, header=header))["J1568"]
    assert (p.package_size, p.package_quantity, p.billing_units) == ("", "", "2")


def test_accepts_string_path(tiny_csv):
    """A str path works as well as a Path."""
    assert read_crosswalk(str(tiny_csv)) == read_crosswalk(tiny_csv)


# -- errors ---------------------------------------------------------------------------------


def test_missing_file(tmp_path):
    """A path that does not exist is refused naming it."""
    err = error_of(tmp_path / "nope.csv")
    assert err.path == str(tmp_path / "nope.csv")
    assert "file not found" in str(err)


def test_directory(tmp_path):
    """A directory is refused with a message saying so."""
    assert "is a directory" in str(error_of(tmp_path))


def test_missing_drug_name_column(tmp_path):
    """A header without 'Drug Name' is refused naming the column and the header row."""
    header = CROSSWALK_HEADER.replace(",Drug Name,", ",")
    rows = [",".join(r.split(",")[:4] + r.split(",")[5:]) for r in CROSSWALK_ROWS[:1]]
    path = write_crosswalk(tmp_path / "c.csv", rows, header=header)
    err = error_of(path)
    assert "'DRUG NAME'" in str(err).upper()
    assert err.row == HEADER_ROW
    assert err.path == str(path)


def test_missing_ndc2_column(tmp_path):
    """A header without 'NDC2' is refused with a message naming NDC2."""
    header = CROSSWALK_HEADER.replace(",NDC2,", ",")
    rows = ["J1568,x,Octapharma,Octagam,500 MG,1,1,2,2"]
    err = error_of(write_crosswalk(tmp_path / "c.csv", rows, header=header))
    assert "NDC2" in str(err)


@pytest.mark.parametrize("column", ["LABELER NAME", "HCPCS dosage", "BILLUNITS", "BILLUNITSPKG"])
def test_other_missing_required_columns(tmp_path, column):
    """Each other required column, when absent, is named in the error at the header row."""
    names = CROSSWALK_HEADER.split(",")
    header = ",".join("OTHER" if n == column else n for n in names)
    err = error_of(write_crosswalk(tmp_path / "c.csv", header=header))
    assert repr(column.upper()) in str(err)
    assert err.row == HEADER_ROW


def test_malformed_ndc_names_row_and_column(tmp_path):
    """An NDC '12-34' on the second data row is refused at row 11, column NDC2."""
    rows = [CROSSWALK_ROWS[0], "J1568,x,Octapharma,12-34,Octagam,500 MG,1,1,2,2"]
    path = write_crosswalk(tmp_path / "c.csv", rows)
    err = error_of(path)
    assert (err.row, err.column) == (HEADER_ROW + 2, "NDC2")
    assert "malformed NDC '12-34'" in str(err)
    assert f"{path}, row {HEADER_ROW + 2}, column 'NDC2'" in str(err)


def test_invalid_code_names_row_and_code_column(tmp_path):
    """An invalid code 'J15X8' is refused at its row in the year-named code column."""
    rows = ["J15X8,x,Octapharma,68982-0840-01,Octagam,500 MG,1,1,2,2"]
    err = error_of(write_crosswalk(tmp_path / "c.csv", rows))
    assert (err.row, err.column) == (HEADER_ROW + 1, "_2026_CODE")
    assert "'J15X8'" in str(err)


def test_empty_drug_name(tmp_path):
    """A row with an empty drug name is refused at its row in column 'Drug Name'."""
    rows = ["J1568,x,Octapharma,68982-0840-01,   ,500 MG,1,1,2,2"]
    err = error_of(write_crosswalk(tmp_path / "c.csv", rows))
    assert (err.row, err.column) == (HEADER_ROW + 1, "Drug Name")
    assert "empty drug name" in str(err)


def test_no_header_row(tmp_path):
    """A CSV without a recognisable header is refused saying what header was expected."""
    path = tmp_path / "c.csv"
    path.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    err = error_of(path)
    assert "no header row" in str(err)
    assert "_2026_CODE" in str(err) and "NDC2" in str(err)
    assert err.row is None


def test_header_beyond_search_window(tmp_path):
    """A header after the first 40 rows is not searched for and the file is refused."""
    path = tmp_path / "c.csv"
    path.write_text("banner\n" * 45 + CROSSWALK_HEADER + "\n" + CROSSWALK_ROWS[0] + "\n", encoding="utf-8")
    assert "in the first 40 rows" in str(error_of(path))


def test_empty_file(tmp_path):
    """An empty file is refused as having no header row."""
    path = tmp_path / "c.csv"
    path.write_bytes(b"")
    assert "no header row" in str(error_of(path))


def test_header_without_data_rows(tmp_path):
    """A header followed by no data rows is refused."""
    err = error_of(write_crosswalk(tmp_path / "c.csv", rows=[]))
    assert "no data rows" in str(err)
    assert err.row == HEADER_ROW


def test_binary_file(tmp_path):
    """A binary file (here an XLSX given as the crosswalk) is refused as binary data."""
    path = write_xlsx(tmp_path / "crosswalk.csv")
    err = error_of(path)
    assert "binary data" in str(err)
    assert err.path == str(path)
