"""tools/derive_lay_hpo.py: patients' phrases for conditions from the HPO's layperson synonyms."""

from __future__ import annotations

import re

from codesearch.config import PROJECT_ROOT
from codesearch.records import SYSTEM_ICD10CM, CodeRecord

from fixtures import load_tool

tool = load_tool("derive_lay_hpo")

OBO = """format-version: 1.2
data-version: hp/releases/2099-01-01
synonymtypedef: layperson "layperson term"

[Term]
id: HP:0000360
name: Tinnitus
synonym: "Ringing in the ears" EXACT layperson [ORCID:0000-0001-5208-3432]
synonym: "Tinnitus" EXACT layperson []

[Term]
id: HP:0000001
name: Broad nasal tip
synonym: "Wide tip of nose" EXACT layperson []

[Term]
id: HP:0001644
name: Dilated cardiomyopathy
synonym: "DCM" EXACT abbreviation []
synonym: "HTN" EXACT abbreviation []
synonym: "Cardiomyopathy, dilated (DCM)" EXACT abbreviation []

[Term]
id: HP:0000002
name: Rhinorrhea
synonym: "Nasal discharge" EXACT []
synonym: "Runny nose" EXACT layperson []

[Term]
id: HP:0000003
name: Alopecia
synonym: "Hair loss" EXACT layperson []

[Term]
id: HP:0000004
name: Obsolete epistaxis
is_obsolete: true
synonym: "Nosebleed" EXACT layperson []

[Typedef]
id: part_of
name: part of
"""


def _records() -> list[CodeRecord]:
    def icd(code: str, text: str) -> CodeRecord:
        return CodeRecord(code=code, kind="code", short=text, long=text, status="active", system=SYSTEM_ICD10CM)

    return [icd("H93.19", "Tinnitus, unspecified ear"), icd("J34.89", "Other specified disorders of nose; nasal discharge"),
            icd("L65.9", "Nonscarring hair loss, unspecified"), icd("L63.9", "Alopecia areata, unspecified"),
            icd("R04.0", "Epistaxis"), icd("I42.0", "Dilated cardiomyopathy")]


def test_derive_keeps_layperson_phrases_for_names_the_codes_say(tmp_path):
    obo = tmp_path / "hp.obo"
    obo.write_text(OBO, encoding="utf-8")
    version, terms = tool.read_obo(obo)
    assert version == "hp/releases/2099-01-01"
    rows = tool.derive(terms, tool.Said(_records()))
    assert ("ringing in the ears", "tinnitus", "HP:0000360") in rows
    # The term's name is not said by any code: its first exact synonym that is stands for it.
    assert ("runny nose", "nasal discharge", "HP:0000002") in rows
    lays = {r[0] for r in rows}
    assert "tinnitus" not in lays  # adds no word to the clinical name
    assert "wide tip of nose" not in lays  # no code says "broad nasal tip"
    assert "hair loss" not in lays  # the codes say it themselves (L65.9)
    assert "nosebleed" not in lays  # obsolete term
    text = tool.render(version, rows)
    assert text.splitlines()[0] == "lay\tclinical\thpo"
    assert "release hp/releases/2099-01-01" in text


def test_derive_abbreviations_the_inventory_lacks(tmp_path):
    """One-token abbreviation synonyms whose term the codes name, where the inventory is silent."""
    obo = tmp_path / "hp.obo"
    obo.write_text(OBO, encoding="utf-8")
    _, terms = tool.read_obo(obo)
    rows = tool.derive_abbreviations(terms, tool.Said(_records()), known={"htn"})
    assert rows == [("DCM", "dilated cardiomyopathy", "HP:0001644")]  # HTN known; a phrase is no token
    assert tool.render_abbreviations("x", rows).splitlines()[0] == "abbreviation\tsense\thpo"


def test_shipped_file_is_generated_and_credited():
    """corpus/lay_hpo.tsv carries the generated header with its HPO release, which the page's
    footer and NOTICE name (the HPO's licence asks products to acknowledge it with the release)."""
    text = (PROJECT_ROOT / "corpus" / "lay_hpo.tsv").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == "lay\tclinical\thpo"
    release = re.search(r"release hp/releases/(\d{4}-\d{2}-\d{2})", lines[1]).group(1)
    rows = [line.split("\t") for line in lines[1:] if not line.startswith("#")]
    assert len(rows) > 500 and all(len(r) == 3 and r[2].startswith("HP:") for r in rows)
    footer = (PROJECT_ROOT / "src" / "codesearch" / "web" / "templates" / "base.html").read_text(encoding="utf-8")
    assert f"Human Phenotype Ontology (release {release}," in footer
    assert f"release {release}" in (PROJECT_ROOT / "NOTICE").read_text(encoding="utf-8")
    abbreviations = (PROJECT_ROOT / "corpus" / "abbreviations_hpo.tsv").read_text(encoding="utf-8").splitlines()
    assert f"release hp/releases/{release}" in abbreviations[1]
    assert "DCM\tdilated cardiomyopathy\tHP:0001644" in abbreviations
