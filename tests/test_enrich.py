"""Tests for enrichment: brand names, abbreviations, plain-language text and the lexicon files."""

from __future__ import annotations

from pathlib import Path

import pytest

from codesearch.enrich import (HPO, INVENTORY, LEXICON_FILES, Abbreviation, Enricher, Lexicon, descriptor_brands, is_drug,
                               plain_index, sense_token, title_synonyms)
from codesearch.errors import CorpusFileError
from codesearch.records import CodeRecord, DrugProduct
from codesearch.schema import stems
from codesearch.sources import read_crosswalk, read_hcpcs

from fixtures import write_crosswalk, write_lexicon, write_xlsx


@pytest.fixture
def lexicon(tmp_path) -> Lexicon:
    return Lexicon.load(write_lexicon(tmp_path / "lexicon"))


@pytest.fixture
def crosswalk(tmp_path):
    return read_crosswalk(write_crosswalk(tmp_path / "crosswalk.csv"))


@pytest.fixture
def enriched(tmp_path, lexicon, crosswalk) -> dict[str, CodeRecord]:
    enricher = Enricher(lexicon, crosswalk)
    return {r.code: enricher.enrich(r) for r in read_hcpcs(write_xlsx(tmp_path / "hcpcs.xlsx"))}


def drug(code: str, long: str, short: str = "drug") -> CodeRecord:
    return CodeRecord(code=code, kind="code", short=short, long=long, status="active",
                      pricing_codes=("51",), betos="O1E")


def product(name: str, labeler: str = "Acme Pharma Inc", ndc: str = "11111-2222-33") -> DrugProduct:
    return DrugProduct(ndc=ndc, drug_name=name, labeler=labeler, dosage="1 MG", package_size="1",
                       package_quantity="1", billing_units="1", billing_units_per_package="1")


# -- brand names ----------------------------------------------------------------------------


def test_brand_from_crosswalk_and_descriptor_is_not_duplicated(enriched):
    """J1568 gets 'Octagam' once, though both crosswalk rows and its descriptor name it."""
    assert enriched["J1568"].brands == ("Octagam",)


def test_brands_from_crosswalk(enriched):
    """J9271 (no parentheses in its descriptor) gets its crosswalk drug names as brands."""
    assert enriched["J9271"].brands == ("Keytruda", "Keytrüda Test")


def test_brand_from_descriptor_parentheses(enriched):
    """'(gammagard liquid)' in J1569's descriptor becomes the brand 'Gammagard Liquid'."""
    assert enriched["J1569"].brands == ("Gammagard Liquid",)


def test_products_attached_from_crosswalk(enriched):
    """Codes get their crosswalk products; codes absent from the crosswalk get none."""
    assert [p.ndc for p in enriched["J1568"].products] == ["68982-0840-01", "00069-6002-02"]
    assert enriched["J1566"].products == ()


def test_codes_without_brand_sources_have_none(enriched):
    """J1566 ('(e.g., powder)'), J9999 and the non-drug E0601 ('(cpap)') get no brands."""
    assert enriched["J1566"].brands == ()
    assert enriched["J9999"].brands == ()
    assert enriched["E0601"].brands == ()


def test_generic_crosswalk_name_is_not_a_brand(lexicon):
    """A crosswalk drug name that is the descriptor's own generic name is not a brand."""
    enricher = Enricher(lexicon, {"J9271": [product("Pembrolizumab"), product("Keytruda")]})
    record = enricher.enrich(drug("J9271", "Injection, pembrolizumab, 1 mg"))
    assert record.brands == ("Keytruda",)
    assert len(record.products) == 2


def test_labeler_in_parentheses_is_not_a_brand(lexicon):
    """'(baxter)' naming a crosswalk labeler ('Baxter Healthcare Corp') is not a brand."""
    enricher = Enricher(lexicon, {"J7050": [product("Normal Saline", labeler="Baxter Healthcare Corp")]})
    record = enricher.enrich(drug("J1234", "Injection, sodium chloride (baxter), 250 cc"))
    assert record.brands == ()


def test_labeler_check_in_descriptor_brands():
    """descriptor_brands drops a labeler-like name but keeps a real brand beside it."""
    record = drug("J1234", "Injection, factor viii (advate) (baxter), per iu")
    assert descriptor_brands(record, ["Baxter Healthcare Corp"], set()) == ["Advate"]
    assert descriptor_brands(record, [], set()) == ["Advate", "Baxter"]


@pytest.mark.parametrize("inner", ["human", "recombinant", "lyophilized", "e.g., liquid",
                                   "for depot suspension", "non-pegylated", "not otherwise specified",
                                   "5 mg", "a"])
def test_descriptive_parentheses_are_not_brands(inner):
    """Parenthesised descriptive words ('human', 'e.g., liquid', doses) are not brands."""
    assert descriptor_brands(drug("J1234", f"Injection, something ({inner}), 1 mg"), [], set()) == []


def test_abbreviation_in_parentheses_is_not_a_brand():
    """'(ivig)' matching a lexicon abbreviation key is not a brand."""
    record = drug("J1234", "Injection, immune globulin (ivig), 500 mg")
    assert descriptor_brands(record, [], {"ivig"}) == []
    assert descriptor_brands(record, [], set()) == ["Ivig"]


def test_mixed_case_descriptor_brand_kept_as_written():
    """A parenthesised name already in mixed case keeps its own capitalisation."""
    record = drug("J1234", "Injection, something (NovoSeven RT), 1 mcg")
    assert descriptor_brands(record, [], set()) == ["NovoSeven RT"]


def test_non_drug_parentheses_are_not_brands():
    """Descriptor parentheses of a non-drug code (DME) are never brands."""
    record = CodeRecord(code="E0601", kind="code", short="cpap", status="active", betos="D1E",
                        pricing_codes=("36",), long="Continuous airway pressure (resmed) device")
    assert not is_drug(record)
    assert descriptor_brands(record, [], set()) == []


@pytest.mark.parametrize(("record", "expected"), [
    (CodeRecord(code="J1", kind="code", short="", long="Infusion set", status="active",
                pricing_codes=("51",)), True),
    (CodeRecord(code="J1", kind="code", short="", long="x", status="active", betos="O1D"), True),
    (CodeRecord(code="J1", kind="code", short="", long="Inj, something", status="active"), True),
    (CodeRecord(code="E1", kind="code", short="", long="Hospital bed", status="active", betos="D1B"), False),
])
def test_is_drug(record, expected):
    """Drugs are recognised by pricing 51, a drug BETOS, or an 'injection' descriptor."""
    assert is_drug(record) is expected


def test_modifier_gets_no_products(lexicon):
    """A modifier never gets crosswalk products, even if the crosswalk had its code."""
    enricher = Enricher(lexicon, {"GA": [product("Something")]})
    record = CodeRecord(code="GA", kind="modifier", short="Waiver", long="Waiver of liability",
                        status="active")
    assert enricher.enrich(record).products == ()
    assert enricher.enrich(record).brands == ()


# -- abbreviations --------------------------------------------------------------------------


def test_ivig_tagged_when_all_expansion_words_present(enriched):
    """J1566 and J1568 mention immune globulin and intravenous, so they get IVIG."""
    assert enriched["J1566"].abbreviations == ("IVIG",)
    assert enriched["J1568"].abbreviations == ("IVIG",)


def test_ivig_not_tagged_without_intravenous(enriched):
    """J1569 lacks 'intravenous', so it does not get IVIG."""
    assert enriched["J1569"].abbreviations == ()


def test_abbreviation_from_stemmed_words(enriched):
    """E0601's 'Continuous positive airway pressure' gets CPAP; unrelated codes get nothing."""
    assert enriched["E0601"].abbreviations == ("CPAP",)
    assert enriched["J9271"].abbreviations == ()
    assert enriched["GA"].abbreviations == ()


def test_abbreviation_words_may_come_from_short_description():
    """Expansion words split between the long and short descriptions still count."""
    lexicon = Lexicon(abbreviations=(Abbreviation("IVIG", "immune globulin intravenous"),))
    record = drug("J1599", "Injection, immune globulin, 500 mg", short="Intravenous ig")
    assert Enricher(lexicon, {}).enrich(record).abbreviations == ("IVIG",)


# -- plain language -------------------------------------------------------------------------


def test_plain_text_section_sentence_and_phrases(enriched):
    """J1568's plain text is the J section sentence, then its lexicon phrases in order."""
    assert enriched["J1568"].plain == (
        "Medicines given by injection or infusion. In everyday words: antibodies, infusion."
    )


def test_plain_text_only_matching_phrases(enriched):
    """J1569 has 'immune globulin' but not 'intravenous': only 'antibodies' is added."""
    assert enriched["J1569"].plain == "Medicines given by injection or infusion. In everyday words: antibodies."


def test_plain_text_betos_sentence_preferred(enriched):
    """E0601 uses its BETOS (D1E) sentence and the multi-word CPAP phrase."""
    assert enriched["E0601"].plain == (
        "Medical equipment used at home. In everyday words: breathing machine for sleep apnea."
    )


def test_plain_text_section_only_and_none(enriched):
    """J9271 gets only its section sentence; Q0000 (no Q sentence, no phrases) gets ''."""
    assert enriched["J9271"].plain == "Medicines given by injection or infusion."
    assert enriched["Q0000"].plain == ""


def test_plain_phrase_needs_contiguous_words():
    """'immune globulin' matches only as a run: 'globulin, immune' gets no phrase."""
    lexicon = Lexicon(plain=(("immune globulin", "antibodies"),))
    enricher = Enricher(lexicon, {})
    assert enricher.enrich(drug("J1", "Injection, globulin, immune, 1 mg")).plain == ""
    assert enricher.enrich(drug("J1", "Injection, immune globulins, 1 mg")).plain == (
        "In everyday words: antibodies."
    )


def test_plain_phrase_does_not_run_across_long_and_short():
    """A term split between the end of the long and start of the short description does not match."""
    lexicon = Lexicon(plain=(("immune globulin", "antibodies"),))
    record = drug("J1", "Injection, something immune", short="Globulin thing")
    assert Enricher(lexicon, {}).enrich(record).plain == ""


def test_plain_index_maps_phrase_stems_to_terms(lexicon):
    """plain_index maps a plain phrase's stems back to its clinical terms, so inflections match."""
    index = plain_index(lexicon)
    assert index[stems("antibodies")] == ["immune globulin"]
    assert index[stems("antibody")] == ["immune globulin"]
    assert index[stems("breathing machines for sleep apnea")] == ["continuous positive airway pressure"]
    assert len(index) == 3


# -- lexicon files --------------------------------------------------------------------------


def test_lexicon_load(lexicon):
    """The TSV files load: hand, inventory and HPO abbreviations, plain pairs, section sentences."""
    assert lexicon.abbreviations == (
        Abbreviation("IVIG", "immune globulin intravenous"),
        Abbreviation("CPAP", "continuous positive airway pressure"),
        Abbreviation("CP", "chest pain", 0.6013, INVENTORY),
        Abbreviation("CP", "cerebral palsy", 0.2662, INVENTORY),
        Abbreviation("HTN", "hypertension", 1.0, INVENTORY),
        Abbreviation("DCM", "dilated cardiomyopathy", 1.0, HPO),
    )
    assert lexicon.plain[0] == ("immune globulin", "antibodies")
    assert lexicon.sections == {
        "section:J": "Medicines given by injection or infusion.",
        "betos:D1E": "Medical equipment used at home.",
    }


def test_lexicon_round_trips_through_dict(lexicon):
    """Lexicon.from_dict(to_dict()) gives back an equal lexicon."""
    assert Lexicon.from_dict(lexicon.to_dict()) == lexicon


@pytest.mark.parametrize("name", LEXICON_FILES)
def test_missing_lexicon_file_is_an_error(tmp_path, name):
    """Each lexicon file is required: a missing one is a CorpusFileError naming it."""
    write_lexicon(tmp_path)
    (tmp_path / name).unlink()
    with pytest.raises(CorpusFileError) as info:
        Lexicon.load(tmp_path)
    assert info.value.path == str(tmp_path / name)
    assert "missing" in str(info.value)


def test_unreadable_lexicon_file_is_an_error(tmp_path):
    """A lexicon path that cannot be read as a file (here a folder) is an error naming it."""
    write_lexicon(tmp_path)
    (tmp_path / "abbreviations_inventory.tsv").unlink()
    (tmp_path / "abbreviations_inventory.tsv").mkdir()
    with pytest.raises(CorpusFileError) as info:
        Lexicon.load(tmp_path)
    assert info.value.path == str(tmp_path / "abbreviations_inventory.tsv")


@pytest.mark.parametrize("value", ["often", "1.5", "-0.1"])
def test_inventory_frequency_must_be_a_share(tmp_path, value):
    """An inventory frequency that is not a number from 0 to 1 is refused with row and column."""
    write_lexicon(tmp_path)
    (tmp_path / "abbreviations_inventory.tsv").write_text(
        f"# generated\nabbreviation\tsense\tfrequency\tsources\tcui\nHTN\thypertension\t{value}\tstetson\t\n",
        encoding="utf-8",
    )
    with pytest.raises(CorpusFileError) as info:
        Lexicon.load(tmp_path)
    assert (info.value.row, info.value.column) == (3, "frequency")


def test_embedded_lexicon_is_the_projects(tmp_path):
    """The default lexicon folder is package data holding the project's corpus/*.tsv, byte for byte."""
    from codesearch.config import Settings

    folder = Settings().lexicon_dir
    project = Path(__file__).resolve().parents[1] / "corpus"
    names = sorted(p.name for p in project.glob("*.tsv"))
    assert names and sorted(p.name for p in folder.glob("*.tsv")) == names
    for name in names:
        assert (folder / name).read_bytes() == (project / name).read_bytes(), name
    assert len(Lexicon.load(folder).abbreviations) > 300


def test_comment_and_blank_lines_ignored(tmp_path):
    """'#' comment lines and blank lines in a TSV are skipped."""
    write_lexicon(tmp_path)
    (tmp_path / "abbreviations.tsv").write_text(
        "abbreviation\texpansion\n# a comment\n\nIVIG\timmune globulin intravenous\n", encoding="utf-8"
    )
    assert Lexicon.load(tmp_path).abbreviations[0] == Abbreviation("IVIG", "immune globulin intravenous")
    assert Lexicon.load(tmp_path).abbreviations[1].source == INVENTORY


def test_lexicon_missing_column(tmp_path):
    """A TSV header without a required column is refused naming the file, row 1 and the column."""
    write_lexicon(tmp_path)
    path = tmp_path / "abbreviations.tsv"
    path.write_text("abbreviation\tnote\nIVIG\tx\n", encoding="utf-8")
    with pytest.raises(CorpusFileError) as info:
        Lexicon.load(tmp_path)
    assert info.value.path == str(path)
    assert info.value.row == 1
    assert "expansion" in str(info.value)


def test_lexicon_empty_value(tmp_path):
    """An empty required value is refused with its row and column."""
    write_lexicon(tmp_path)
    path = tmp_path / "sections.tsv"
    path.write_text("kind\tkey\ttext\nsection\tJ\tDrugs.\nbetos\t\tEquipment.\n", encoding="utf-8")
    with pytest.raises(CorpusFileError) as info:
        Lexicon.load(tmp_path)
    assert (info.value.row, info.value.column) == (3, "key")
    assert f"{path}, row 3, column 'key': empty value" == str(info.value)


def test_lexicon_short_row_is_empty_value(tmp_path):
    """A row with too few fields is refused as an empty value in the missing column."""
    write_lexicon(tmp_path)
    (tmp_path / "plain_language.tsv").write_text("term\tplain\nimmune globulin\n", encoding="utf-8")
    with pytest.raises(CorpusFileError) as info:
        Lexicon.load(tmp_path)
    assert (info.value.row, info.value.column) == (2, "plain")


def test_lexicon_error_row_counts_comment_lines(tmp_path):
    """The reported row is the file's line number even when comment lines come before it."""
    write_lexicon(tmp_path)
    (tmp_path / "plain_language.tsv").write_text(
        "# comment\nterm\tplain\n# another comment\n\nimmune globulin\t\n", encoding="utf-8"
    )
    with pytest.raises(CorpusFileError) as info:
        Lexicon.load(tmp_path)
    assert (info.value.row, info.value.column) == (5, "plain")


def test_lexicon_not_utf8(tmp_path):
    """A lexicon file that is not UTF-8 is refused with a CorpusFileError naming the file."""
    write_lexicon(tmp_path)
    path = tmp_path / "plain_language.tsv"
    path.write_bytes("term\tplain\nimmune globulin\tanticuerpos ñ\n".encode("latin-1"))
    with pytest.raises(CorpusFileError) as info:
        Lexicon.load(tmp_path)
    assert info.value.path == str(path)


# -- abbreviations from the inventory ----------------------------------------------------------


def _icd(code: str, title: str, synonyms: tuple[str, ...] = ()) -> CodeRecord:
    return CodeRecord(code, "diagnosis", title, title, "active", system="ICD10CM", synonyms=synonyms)


INVENTORY_LEXICON = Lexicon(
    abbreviations=(
        Abbreviation("HTN", "hypertension", 1.0, INVENTORY),
        Abbreviation("CAD", "coronary artery disease", 0.9987, INVENTORY),
        Abbreviation("TIA", "transient ischemic attack", 1.0, INVENTORY),
        Abbreviation("CP", "chest pain", 0.6013, INVENTORY),
    )
)


def test_inventory_senses_attach_to_codes():
    """An inventory sense attaches its abbreviation to every code whose words hold the sense."""
    enricher = Enricher(INVENTORY_LEXICON, {})
    assert enricher.enrich(_icd("I27.20", "Pulmonary hypertension, unspecified")).abbreviations == ("HTN",)
    assert enricher.enrich(_icd("R07.9", "Chest pain, unspecified")).abbreviations == ("CP",)
    assert enricher.enrich(_icd("R07.1", "Chest wall tenderness")).abbreviations == ()


def test_codes_naming_a_sense_exactly_are_marked():
    """A title or inclusion term that is the sense (parenthesised and 'unspecified' words aside)
    or the abbreviation itself marks the code; one that only mentions the sense does not."""
    enricher = Enricher(INVENTORY_LEXICON, {})
    i10 = _icd("I10", "Essential (primary) hypertension",
               ("hypertension (arterial) (benign) (essential) (malignant) (primary) (systemic)",))
    assert enricher.enrich(i10).named_senses == (sense_token("htn", "hypertension"),)
    pulmonary = _icd("I27.20", "Pulmonary hypertension, unspecified")
    assert enricher.enrich(pulmonary).named_senses == ()
    i25 = _icd("I25.10", "Atherosclerotic heart disease of native coronary artery", ("Coronary (artery) disease",))
    assert enricher.enrich(i25).named_senses == (sense_token("cad", "coronary artery disease"),)
    g45 = _icd("G45.9", "Transient cerebral ischemic attack, unspecified", ("TIA",))
    assert enricher.enrich(g45).named_senses == (sense_token("tia", "transient ischemic attack"),)
    assert enricher.enrich(_icd("R07.9", "Chest pain, unspecified")).named_senses == (sense_token("cp", "chest pain"),)


def test_title_synonyms_come_from_the_categories_brackets(lexicon):
    """A category title's bracketed synonym ("Zoster [herpes zoster]") becomes an inclusion term of its codes."""
    record = CodeRecord("B02.9", "code", "Zoster without complications", "Zoster without complications", "active",
                        system="ICD10CM", synonyms=("Zoster NOS",), ancestors=("B02 Zoster [herpes zoster]",))
    assert title_synonyms(record) == ("herpes zoster",)
    assert "herpes zoster" in Enricher(lexicon, {}).enrich(record).synonyms
    sided = CodeRecord("S36.500A", "code", "x", "x", "active", system="ICD10CM",
                       ancestors=("S36.500 Contusion of ascending [right] colon",))
    assert title_synonyms(sided) == ()
