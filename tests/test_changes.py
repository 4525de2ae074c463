"""Release-to-release changes: action codes of the real release, two-release diffs, CLI, API and page."""

from __future__ import annotations

import gzip
import json
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from codesearch.build import build_index
from codesearch.changes import compare_releases, read_release, release_changes, word_diff
from codesearch.cli import cli
from codesearch.index import open_index
from codesearch.records import CodeRecord
from codesearch.search import search
from codesearch.web import create_app

from fixtures import TINY_ROWS, hcpcs_row, write_xlsx

HCPCS_FILE = Path("hcpcs") / "HCPC2025_OCT_ANWEB.xlsx"
ICD_FILE = Path("icd10cm") / "icd10cm_tabular_April-1-2026.xml.gz"

#: An earlier release than TINY_ROWS: J9271 worded differently, Q0000 still active, an old
#: code since removed, and no J1569 (added later).
OLD_ROWS = [
    row for row in TINY_ROWS if row[0] not in ("J9271", "Q0000", "J1569")
] + [
    hcpcs_row("J9271", "Injection, pembrolizumab, 2 mg", "Inj pembrolizumab"),
    hcpcs_row("Q0000", "Injection, retired test drug, 1 mg", "Retired drug"),
    hcpcs_row("J7777", "Injection, zolgensmab gone, per dose", "Gone drug"),
]

ICD_OLD = """<?xml version="1.0" encoding="utf-8"?>
<ICD10CM.tabular><version>2025</version>
<chapter><name>4</name><desc>Endocrine (E00-E89)</desc><section id="E08-E13"><desc>Diabetes (E08-E13)</desc>
<diag><name>E11</name><desc>Type 2 diabetes mellitus</desc>
<diag><name>E11.9</name><desc>Type 2 diabetes mellitus without complication</desc></diag>
<diag><name>E11.8</name><desc>Type 2 diabetes mellitus with unspecified complications</desc></diag>
</diag></section></chapter></ICD10CM.tabular>
"""
ICD_NEW = ICD_OLD.replace("without complication<", "without complications<").replace(
    "<diag><name>E11.8</name><desc>Type 2 diabetes mellitus with unspecified complications</desc></diag>",
    "<diag><name>E11.65</name><desc>Type 2 diabetes mellitus with hyperglycemia</desc></diag>",
)


def _groups(report) -> dict[str, list[str]]:
    return {key: [c.code for c in members] for key, _, members in report.grouped()}


@pytest.fixture
def old_release(tmp_path):
    """An earlier tiny HCPCS release, as a CMS workbook."""
    (tmp_path / "old").mkdir()
    return write_xlsx(tmp_path / "old" / "HCPC2025_JUL_ANWEB.xlsx", OLD_ROWS)


@pytest.fixture
def icd_files(tmp_path):
    """Two tiny ICD-10-CM tabular files, gzipped as CDC ships them."""
    old, new = tmp_path / "icd_old.xml.gz", tmp_path / "icd_new.xml"
    old.write_bytes(gzip.compress(ICD_OLD.encode()))
    new.write_text(ICD_NEW, encoding="utf-8")
    return old, new


def test_word_diff_marks_removed_and_added_words():
    """The word diff keeps equal runs and marks removed and added words."""
    assert word_diff("Injection, pembrolizumab, 2 mg", "Injection, pembrolizumab, 1 mg") == (
        ("=", "Injection, pembrolizumab,"), ("-", "2"), ("+", "1"), ("=", "mg"),
    )


def test_two_hcpcs_releases_differ_as_written(old_release, tiny_settings):
    """Added, discontinued (XREF replacement), removed and descriptor-changed codes between two releases."""
    new = read_release(tiny_settings.data_dir / "hcpcs" / "HCPC2025_OCT_ANWEB.xlsx")
    report = compare_releases(read_release(old_release), new, basis="compared with old")
    groups = _groups(report)
    assert groups["added"] == ["J1569"]
    assert groups["discontinued"] == ["J7777", "Q0000"]
    assert groups["descriptor"] == ["J9271"]
    changed = {c.code: c for c in report.changes}
    assert changed["Q0000"].replacements == ("J9271",) and changed["Q0000"].replacement_source == "XREF"
    assert changed["J7777"].status == "removed"
    assert changed["J9271"].old_long == "Injection, pembrolizumab, 2 mg"
    assert ("-", "2") in changed["J9271"].diff and ("+", "1") in changed["J9271"].diff


def test_two_icd10cm_releases_differ_as_written(icd_files):
    """ICD-10-CM tabular files: a billable code added, one removed, one descriptor changed."""
    old, new = (read_release(p) for p in icd_files)
    groups = _groups(compare_releases(old, new, basis="compared"))
    assert groups == {"added": ["E11.65"], "discontinued": ["E11.8"], "descriptor": ["E11.9"]}


def test_replacement_found_by_product_name_when_xref_is_empty():
    """A discontinued code without XREF names the added code sharing its distinctive drug name."""
    def rec(code, long, action, term=None):
        return CodeRecord(code, "code", long[:28], long, "terminated" if term else "active", action_code=action,
                          action_effective_date="2025-10-01", termination_date=term)

    records = [
        rec("C9174", "Injection, datopotamab deruxtecan-dlnk, 1 mg", "D", "2025-09-30"),
        rec("J9011", "Injection, datopotamab deruxtecan-dlnk, 1 mg", "A"),
        rec("J0001", "Injection, other drug, 1 mg", "A"),
    ] + [rec(f"J10{i:02d}", "Injection, common words, 1 mg", "N") for i in range(10)]
    gone = next(c for c in release_changes(records).changes if c.code == "C9174")
    assert gone.replacements == ("J9011",)
    assert "datopotamab" in gone.replacement_source


def test_real_release_compared_with_itself_has_no_changes(real_settings):
    """The real HCPCS and ICD-10-CM files compared with themselves: no changes."""
    for name, at_least in ((HCPCS_FILE, 8_000), (ICD_FILE, 70_000)):
        records = read_release(real_settings.data_dir / name)
        assert len(records) >= at_least
        assert compare_releases(records, records, basis="itself").changes == []
        assert compare_releases(records[1:], records, basis="one fewer").counts() == {"added": 1}


def test_real_action_codes(real_index):
    """The October 2025 release: 76 added codes effective 2025-10-01; discontinued codes name replacements."""
    report = release_changes(real_index.records.values())
    assert report.release == "Oct 2025"
    added = [c for c in report.changes if c.group == "added"]
    assert len(added) == 76
    assert {c.effective_date for c in added} <= {"2025-10-01", "2025-01-24"}
    assert sum(c.effective_date == "2025-10-01" for c in added) >= 70
    gone = {c.code: c for c in report.changes if c.group == "discontinued"}
    assert len(gone) == 7
    assert gone["C9174"].replacements == ("J9011",)
    assert gone["J2150"].replacements == ("J2151",)


def test_cli_changes_json_lists_added_codes(real_settings, real_index):
    """`codesearch changes --json` lists the 76 added codes with their effective dates."""
    result = CliRunner().invoke(cli, ["--index", str(real_settings.index_dir), "changes", "--json"], obj={})
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    added = next(g for g in data["groups"] if g["group"] == "added")["changes"]
    assert len(added) == 76 and all(c["effective_date"] for c in added)
    assert data["counts"]["added"] == 76 and data["release"] == "Oct 2025"


def test_cli_changes_from_a_file_and_errors(real_settings, real_index, tmp_path):
    """`changes --from` compares with a file; a bad file or no ICD comparison is one line, exit 1."""
    runner = CliRunner()
    base = ["--index", str(real_settings.index_dir), "changes"]
    result = runner.invoke(cli, [*base, "--from", str(real_settings.data_dir / HCPCS_FILE)], obj={})
    assert result.exit_code == 0, result.output
    assert "no changes" in result.output
    bad = tmp_path / "notes.txt"
    bad.write_text("hello")
    for args in (["--from", str(bad)], ["--system", "icd10cm"], ["--from", str(tmp_path / "missing.xlsx")]):
        result = runner.invoke(cli, [*base, *args], obj={})
        assert result.exit_code == 1, args
        assert result.output.startswith("Error: ") and len(result.output.strip().splitlines()) == 1, result.output


def test_build_with_previous_saves_the_comparison(tiny_settings, old_release, icd_files):
    """`build --previous` stores the comparison; `changes --compared` and the API read it back."""
    _, icd_new = icd_files
    settings = replace(tiny_settings, icd10cm_file=icd_new, previous_files=(old_release, icd_files[0]))
    manifest = build_index(settings)
    assert len(manifest["compared_with"]) == 2
    index = open_index(settings.index_dir)
    try:
        client = create_app({"CODESEARCH_INDEX_DIR": str(settings.index_dir), "TESTING": True}).test_client()
        hcpcs = client.get("/api/changes?compared=true").get_json()
        assert hcpcs["counts"] == {"added": 1, "discontinued": 2, "descriptor": 1}
        icd = client.get("/api/changes?system=icd10cm").get_json()
        assert icd["counts"] == {"added": 1, "discontinued": 1, "descriptor": 1}
        page = client.get("/changes?system=icd10cm")
        assert page.status_code == 200 and b'href="/codes/E11.65"' in page.data
    finally:
        index.close()


def test_build_with_a_bad_previous_file_keeps_the_old_index(tiny_settings, tmp_path):
    """A previous release that cannot be read stops the build with its name; the old index stays."""
    first = build_index(tiny_settings)
    bad = tmp_path / "old.xlsx"
    bad.write_bytes(b"not a workbook")
    with pytest.raises(Exception, match="old.xlsx"):
        build_index(replace(tiny_settings, previous_files=(bad,)))
    index = open_index(tiny_settings.index_dir)
    assert index.manifest["build_id"] == first["build_id"]
    index.close()


def test_api_and_page_on_the_real_release(real_settings, real_index):
    """/api/changes groups the real release; /changes links each code; bad parameters are 400 JSON."""
    client = create_app({"CODESEARCH_INDEX_DIR": str(real_settings.index_dir), "TESTING": True}).test_client()
    data = client.get("/api/changes?group=discontinued").get_json()
    assert [g["group"] for g in data["groups"]] == ["discontinued"]
    assert client.get("/api/changes?system=icd10cm").status_code == 404
    bad = client.get("/api/changes?group=nope")
    assert bad.status_code == 400 and bad.get_json()["error"]["message"].startswith("group must be")
    page = client.get("/changes")
    assert page.status_code == 200
    assert b'href="/codes/J9011"' in page.data and b"Use instead" in page.data
    assert b'href="/changes"' in client.get("/").data


def test_search_marks_codes_new_in_this_release(real_index):
    """A code added in the release carries new_in "Oct 2025"; an old code carries none."""
    new = search(real_index, "datopotamab", system="hcpcs").results[0]
    assert (new.code, new.new_in) == ("J9011", "Oct 2025")
    assert search(real_index, "octagam").results[0].new_in is None
