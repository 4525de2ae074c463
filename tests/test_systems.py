"""ICD-10-CM and bring-your-own CPT: loaders, the system filter, and codes with or without dots."""

from __future__ import annotations

import gzip
from dataclasses import replace

import pytest

from codesearch.build import build_index
from codesearch.errors import CorpusFileError, QueryError
from codesearch.index import open_index
from codesearch.search import search
from codesearch.sources.cpt import read_cpt
from codesearch.sources.icd10cm import extend, read_icd10cm

TABULAR = """<?xml version="1.0" encoding="utf-8"?>
<ICD10CM.tabular>
  <version>2026</version>
  <chapter>
    <name>9</name>
    <desc>Diseases of the circulatory system (I00-I99)</desc>
    <section id="I10-I1A">
      <desc>Hypertensive diseases (I10-I1A)</desc>
      <diag>
        <name>I10</name>
        <desc>Essential (primary) hypertension</desc>
        <includes><note>high blood pressure</note></includes>
      </diag>
    </section>
  </chapter>
  <chapter>
    <name>4</name>
    <desc>Endocrine, nutritional and metabolic diseases (E00-E89)</desc>
    <section id="E08-E13">
      <desc>Diabetes mellitus (E08-E13)</desc>
      <diag>
        <name>E11</name>
        <desc>Type 2 diabetes mellitus</desc>
        <inclusionTerm><note>diabetes NOS</note></inclusionTerm>
        <diag><name>E11.9</name><desc>Type 2 diabetes mellitus without complications</desc></diag>
        <diag><name>E11.65</name><desc>Type 2 diabetes mellitus with hyperglycemia</desc></diag>
      </diag>
    </section>
  </chapter>
  <chapter>
    <name>19</name>
    <desc>Injury, poisoning (S00-T88)</desc>
    <section id="S70-S79">
      <desc>Injuries to the hip and thigh (S70-S79)</desc>
      <diag>
        <name>S72</name>
        <desc>Fracture of femur</desc>
        <sevenChrDef>
          <extension char="A">initial encounter for closed fracture</extension>
          <extension char="D">subsequent encounter for closed fracture with routine healing</extension>
        </sevenChrDef>
        <diag><name>S72.001</name><desc>Fracture of unspecified part of neck of right femur</desc></diag>
        <diag><name>S72.8</name><desc>Other fracture of femur</desc></diag>
      </diag>
    </section>
  </chapter>
</ICD10CM.tabular>
"""

# Invented descriptors: nothing AMA-owned is in the project.
CPT_CSV = "code,descriptor,short_descriptor\n99999,Invented widget adjustment procedure for tests,Widget adjust\n0001T,Invented telemetry gadget check,Gadget check\n"


@pytest.fixture
def tabular(tmp_path):
    """The small tabular list, gzipped as CDC ships it."""
    path = tmp_path / "icd10cm" / "icd10cm_tabular_test.xml.gz"
    path.parent.mkdir()
    path.write_bytes(gzip.compress(TABULAR.encode("utf-8")))
    return path


@pytest.fixture
def cpt_file(tmp_path):
    """A user-supplied CPT CSV with invented descriptors."""
    path = tmp_path / "cpt.csv"
    path.write_text(CPT_CSV, encoding="utf-8")
    return path


@pytest.fixture
def multi_index(tiny_settings, tabular, cpt_file):
    """The tiny HCPCS corpus plus the small ICD-10-CM list and the CPT file, in one index."""
    settings = replace(tiny_settings, icd10cm_file=tabular, cpt_file=cpt_file)
    build_index(settings)
    index = open_index(settings.index_dir)
    yield index
    index.close()


def test_billable_codes_with_seventh_characters(tabular):
    """Leaves are billable; a sevenChrDef category yields padded 7-character codes instead."""
    codes = {r.code: r for r in read_icd10cm(tabular)}
    assert set(codes) == {"I10", "E11.9", "E11.65", "S72.001A", "S72.001D", "S72.8XXA", "S72.8XXD"}
    assert codes["S72.8XXA"].long == "Other fracture of femur, initial encounter for closed fracture"
    assert extend("T36.0X1", "A") == "T36.0X1A"


def test_synonyms_chapter_block_parent(tabular):
    """Inclusion terms become synonyms (inherited by subcodes); chapter, block and parent are kept."""
    codes = {r.code: r for r in read_icd10cm(tabular)}
    assert codes["I10"].synonyms == ("high blood pressure",)
    assert "diabetes NOS" in codes["E11.9"].synonyms
    assert codes["E11.9"].parent == "E11"
    assert codes["E11.9"].chapter.startswith("Endocrine")
    assert codes["E11.9"].block == "Diabetes mellitus (E08-E13)"
    assert codes["E11.9"].system == "ICD10CM"


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"\x1f\x8b\x08\x00truncated", "not a readable"), (b"<root/>", "expected <ICD10CM.tabular>"),
     (b"<ICD10CM.tabular><chapter><section><diag><name>bad code</name><desc>x</desc></diag></section></chapter></ICD10CM.tabular>",
      "invalid ICD-10-CM code")],
)
def test_bad_tabular_files(tmp_path, content, message):
    """A truncated, foreign or malformed tabular file is a clear CorpusFileError naming the file."""
    path = tmp_path / "bad.xml.gz"
    path.write_bytes(content)
    with pytest.raises(CorpusFileError, match=message) as info:
        list(read_icd10cm(path))
    assert str(path) in str(info.value)


def test_cpt_reader(cpt_file):
    """The CPT CSV yields CPT records with long and short descriptors."""
    records = list(read_cpt(cpt_file))
    assert [(r.code, r.system, r.short) for r in records] == [("99999", "CPT", "Widget adjust"), ("0001T", "CPT", "Gadget check")]


@pytest.mark.parametrize(
    ("csv_text", "row", "message"),
    [("code,text\n99999,x\n", 1, "missing column 'descriptor'"),
     ("code,descriptor\n9999,x\n", 2, "invalid CPT code"),
     ("code,descriptor\n99999,x\n99999,y\n", 3, "appears twice"),
     ("code,descriptor\n99999,\n", 2, "empty descriptor")],
)
def test_bad_cpt_files(tmp_path, csv_text, row, message):
    """Bad CPT files name the row (and column) of the problem."""
    path = tmp_path / "cpt.csv"
    path.write_text(csv_text, encoding="utf-8")
    with pytest.raises(CorpusFileError, match=message) as info:
        list(read_cpt(path))
    assert info.value.row == row


def test_codes_with_or_without_dot(multi_index):
    """E11.9, e119 and E119 all find E11.9 first; S72001a finds the 7-character code."""
    for q in ("E11.9", "e119", "E119"):
        assert search(multi_index, q).results[0].code == "E11.9"
    assert search(multi_index, "s72001a").results[0].code == "S72.001A"


def test_system_filter_and_shown_system(multi_index):
    """The system filter keeps one system; every result names its system."""
    res = search(multi_index, "high blood pressure", system="icd10cm")
    assert res.results[0].code == "I10" and res.results[0].system == "ICD10CM"
    assert {r.system for r in search(multi_index, "injection", system="HCPCS").results} == {"HCPCS"}
    with pytest.raises(QueryError) as info:
        search(multi_index, "x", system="snomed")
    assert info.value.parameter == "system"


def test_cpt_searchable_beside_hcpcs(multi_index):
    """A CPT code from the user's file is found by code and by words, beside HCPCS codes."""
    assert search(multi_index, "99999").results[0].code == "99999"
    res = search(multi_index, "widget adjustment")
    assert res.results[0].code == "99999" and res.results[0].system == "CPT"
    assert search(multi_index, "octagam").results[0].code == "J1568"


def test_code_family_spans_systems(multi_index):
    """A code prefix lists matching codes of every system in dot-less code order."""
    got = [r.code for r in search(multi_index, "E11").results]
    assert got == ["E11.65", "E11.9"]


def test_manifest_counts_systems(multi_index):
    """The manifest counts records per system and lists every source file."""
    counts = multi_index.manifest["counts"]
    assert counts["system_ICD10CM"] == 7 and counts["system_CPT"] == 2
    kinds = {s["kind"] for s in multi_index.manifest["sources"]}
    assert {"hcpcs", "asp_crosswalk", "icd10cm", "cpt"} <= kinds


def test_real_icd10cm(real_index):
    """Real tabular: high blood pressure → I10 first (ICD-10-CM); E119 → E11.9."""
    assert search(real_index, "high blood pressure", system="icd10cm").results[0].code == "I10"
    assert search(real_index, "E119").results[0].code == "E11.9"
    assert real_index.manifest["counts"]["system_ICD10CM"] == 74795
