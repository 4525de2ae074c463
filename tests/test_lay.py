"""The lay vocabulary: loading lay_words.tsv, composing query parts, and lay queries on the real index."""

from __future__ import annotations

import gzip
from dataclasses import replace

import pytest

from codesearch.build import build_index
from codesearch.enrich import Lexicon, LayWord, lay_index
from codesearch.errors import CorpusFileError
from codesearch.expand import expand, expander_for
from codesearch.index import open_index
from codesearch.schema import stems
from codesearch.search import search

from fixtures import load_tool, write_lexicon

TABULAR = """<?xml version="1.0" encoding="utf-8"?>
<ICD10CM.tabular>
  <chapter>
    <name>14</name>
    <desc>Diseases of the genitourinary system (N00-N99)</desc>
    <section id="N20-N23">
      <desc>Urolithiasis (N20-N23)</desc>
      <diag>
        <name>N20</name>
        <desc>Calculus of kidney and ureter</desc>
        <diag><name>N20.0</name><desc>Calculus of kidney</desc>
          <inclusionTerm><note>Nephrolithiasis NOS</note></inclusionTerm></diag>
        <diag><name>N20.1</name><desc>Calculus of ureter</desc></diag>
      </diag>
      <diag><name>N28.1</name><desc>Cyst of kidney, acquired</desc></diag>
    </section>
  </chapter>
  <chapter>
    <name>4</name>
    <desc>Endocrine, nutritional and metabolic diseases (E00-E89)</desc>
    <section id="E70-E88">
      <desc>Metabolic disorders (E70-E88)</desc>
      <diag><name>E87.5</name><desc>Hyperkalemia</desc></diag>
      <diag><name>E87.6</name><desc>Hypokalemia</desc></diag>
      <diag><name>E83.52</name><desc>Hypercalcemia</desc></diag>
    </section>
  </chapter>
  <chapter>
    <name>19</name>
    <desc>Injury, poisoning (S00-T88)</desc>
    <section id="S30-S39">
      <desc>Injuries to the abdomen, lower back, lumbar spine, pelvis and external genitals (S30-S39)</desc>
      <diag><name>S30.1</name><desc>Contusion of abdominal wall</desc></diag>
      <diag><name>S30.0</name><desc>Contusion of lower back and pelvis</desc></diag>
      <diag><name>S31.1</name><desc>Open wound of abdominal wall without penetration into peritoneal cavity</desc></diag>
    </section>
  </chapter>
  <chapter>
    <name>7</name>
    <desc>Diseases of the eye and adnexa (H00-H59)</desc>
    <section id="H10-H11">
      <desc>Disorders of conjunctiva (H10-H11)</desc>
      <diag><name>H10.9</name><desc>Unspecified conjunctivitis</desc></diag>
    </section>
  </chapter>
</ICD10CM.tabular>
"""


@pytest.fixture
def lay_index_built(tiny_settings, tmp_path):
    """The tiny HCPCS corpus plus a small tabular list of lay-query targets, in one index."""
    path = tmp_path / "icd10cm" / "icd10cm_tabular_lay.xml.gz"
    path.parent.mkdir()
    path.write_bytes(gzip.compress(TABULAR.encode("utf-8")))
    settings = replace(tiny_settings, icd10cm_file=path)
    build_index(settings)
    index = open_index(settings.index_dir)
    yield index
    index.close()


def codes(index, query: str, **options) -> list[str]:
    return [r.code for r in search(index, query, prefix=False, **options).results]


# -- loading --------------------------------------------------------------------------------


def test_lay_words_load_with_kinds_and_forms(tmp_path):
    """lay_words.tsv loads into Lexicon.lay; a hyphenated target is a combining form."""
    lexicon = Lexicon.load(write_lexicon(tmp_path / "lexicon"))
    assert LayWord("belly", "abdominal", "anatomy") in lexicon.lay
    assert LayWord("ringing in the ears", "tinnitus", "phenotype") in lexicon.lay  # lay_hpo.tsv
    forms = {w.clinical for w in lexicon.lay if w.is_form}
    assert forms == {"nephr-", "-lith-", "hyper-", "-kal-"}
    assert Lexicon.from_dict(lexicon.to_dict()) == lexicon


def test_lay_index_keys_by_stems(tmp_path):
    """The lay index is keyed by stems, so "bruises" finds the row written "bruise"."""
    lexicon = Lexicon.load(write_lexicon(tmp_path / "lexicon"))
    index = lay_index(lexicon)
    assert [w.clinical for w in index[("bruis",)]] == ["contusion"]
    assert [w.clinical for w in index[stems("pink eye")]] == ["conjunctivitis"]


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [("belly\tabdominal\tbody", "kind", "'body' is not one of"),
     ("belly\t-abd-ominal\tanatomy", "clinical", "combining form"),
     ("belly\t\tanatomy", "clinical", "empty value")],
)
def test_bad_lay_rows_name_row_and_column(tmp_path, row, column, message):
    """A bad kind, a malformed combining form or an empty target stops loading, naming row and column."""
    folder = write_lexicon(tmp_path / "lexicon")
    (folder / "lay_words.tsv").write_text(f"lay\tclinical\tkind\n# a comment\n{row}\n", encoding="utf-8")
    with pytest.raises(CorpusFileError) as err:
        Lexicon.load(folder)
    assert "row 3" in str(err.value) and column in str(err.value) and message in str(err.value)


# -- composition ----------------------------------------------------------------------------


def test_each_word_maps_on_its_own(lay_index_built):
    """'bruise on the belly' → contusion + abdominal: the code with both parts comes first."""
    assert codes(lay_index_built, "bruise on the belly")[0] == "S30.1"
    assert codes(lay_index_built, "belly bruises")[0] == "S30.1"


def test_lay_and_literal_words_mix(lay_index_built):
    """A typed descriptor word and a lay word together: 'kidney stone' → Calculus of kidney."""
    exp = expand(lay_index_built, "kidney stone", prefix=False)
    assert [p.token for p in exp.parts] == ["kidney", "stone"]
    assert codes(lay_index_built, "kidney stone")[0] == "N20.0"
    assert codes(lay_index_built, "stone in the kidney")[0] == "N20.0"


def test_combining_forms_compose_across_parts(lay_index_built):
    """'high potassium' reaches Hyperkalemia through hyper- + -kal-; neither word alone does."""
    expander = expander_for(lay_index_built)
    assert expander.composed_words(["hyper-"], ["-kal-"]) == ["hyperkalemia"]
    assert codes(lay_index_built, "high potassium")[0] == "E87.5"
    assert "E87.5" not in codes(lay_index_built, "high")
    reasons = search(lay_index_built, "high potassium", prefix=False).results[0].matched
    assert any("hyperkalemia" in r for r in reasons)


def test_forms_must_not_overlap(lay_index_built):
    """Two forms compose only where they cover different letters of a word."""
    assert expander_for(lay_index_built).composed_words(["hyper-"], ["hyper-"]) == []


def test_idiom_is_a_whole_phrase(lay_index_built):
    """An idiom row maps the whole phrase: 'pink eye' → conjunctivitis, as one query part."""
    exp = expand(lay_index_built, "pink eye", prefix=False)
    assert [p.token for p in exp.parts] == ["pink eye"]
    assert codes(lay_index_built, "pink eye") == ["H10.9"]


def test_lay_word_is_not_corrected_as_a_typo(lay_index_built):
    """A lay word is a known word: 'belly' is never 'corrected' to a descriptor word."""
    assert expand(lay_index_built, "belly", prefix=False).corrections == {}


def test_lay_words_work_for_hcpcs(lay_index_built):
    """'octagam shot' finds J1568 through shot → injection."""
    assert codes(lay_index_built, "octagam shot", system="hcpcs")[0] == "J1568"


# -- the real index: kinds of lay query, not one per row -------------------------------------


@pytest.mark.parametrize(
    ("query", "relevant"),
    [
        ("bruised belly", {"S30.11XA"}),  # anatomy + condition word
        ("kidney stone", {"N20.0", "N20.9"}),  # literal + lay
        ("high potassium", {"E87.5"}),  # combining forms
        ("blood in urine", {"R31.9", "R31.0", "R31.1", "R31.2", "R31.21", "R31.29"}),
        ("tummy ache", {"R10.9", "R10.84", "R10.10", "R10.30"}),  # two lay words
        ("inflamed liver", {"K75.9", "K73.9", "B19.9", "K75.89"}),
        ("high blood pressure", {"I10"}),  # the inclusion term
        ("charley horse", {"R25.2"}),  # idiom
    ],
)
def test_real_lay_queries_reach_the_code(real_index, query, relevant):
    """Lay condition queries within ICD-10-CM have a right code in the top 5."""
    found = codes(real_index, query, system="icd10cm", limit=5)
    assert relevant & set(found), (query, found)


@pytest.mark.parametrize(
    ("query", "first"),
    [("fluid around the heart", ("I31.3",)),  # pericardial effusion (was heart failure)
     ("poor appetite", ("R63.0",)),  # anorexia (was "Irritability and anger")
     ("yellowing of the skin", ("R17",))],  # jaundice (was a yellow fever code)
)
def test_hpo_layperson_phrases_reach_the_condition(real_index, query, first):
    """The Human Phenotype Ontology's layperson synonyms (corpus/lay_hpo.tsv) read a patient's
    phrase as the clinical name the codes use; with the lay vocabulary off they do not."""
    assert codes(real_index, query, system="icd10cm")[0].startswith(first)
    off = [r.code for r in search(real_index, query, system="icd10cm", disable={"lay"}).results]
    assert not off or not off[0].startswith(first)


def test_a_pronoun_inside_a_lay_phrase_is_no_word_of_it(real_index):
    """"ringing in my ears" reads the phrase "ringing in the ears" (tinnitus), the pronoun aside."""
    exp = expand(real_index, "ringing in my ears", prefix=False)
    assert [p.token for p in exp.parts] == ["ringing in my ears"]
    assert codes(real_index, "ringing in my ears", system="icd10cm")[0].startswith("H93.1")


@pytest.mark.parametrize(
    ("query", "first"),
    [("high blood pressure", {"I10"}), ("black lung", {"J60"}), ("tennis elbow", {"M77.10", "M77.11", "M77.12"})],
)
def test_real_inclusion_term_ranks_its_code_first(real_index, query, first):
    """A phrase that is a code's ICD-10-CM inclusion term puts that code first: no lay row needed."""
    assert codes(real_index, query, system="icd10cm")[0] in first


@pytest.mark.parametrize(
    ("query", "relevant"),
    [("flu shot", {"G0008", "Q2035", "Q2036", "Q2037", "Q2038", "Q2039"}),
     ("blood sugar test strips", {"A4253"}),
     ("walker", {"E0130", "E0135", "E0141", "E0143"})],
)
def test_real_plain_hcpcs_queries_still_work(real_index, query, relevant):
    """Plain HCPCS queries keep a right code in the top 5 beside the lay vocabulary."""
    assert relevant & set(codes(real_index, query, system="hcpcs", limit=5))


@pytest.mark.parametrize(
    ("typed", "folded"),
    [("can't sleep", "cannot sleep"), ("cant pee", "cannot pee"), ("can not hear", "cannot hear"),
     ("couldn\u2019t breathe", "cannot breathe"), ("unable to walk", "cannot walk"),
     ("Not able to swallow", "cannot swallow"), ("cantaloupe", "cantaloupe"), ("decant", "decant")],
)
def test_ways_of_saying_cannot_fold_into_one_word(typed, folded):
    """can't, cant, can not, couldn't, unable to and not able to become "cannot"; words holding "cant" do not."""
    from codesearch.expand import NEGATION_RE

    assert NEGATION_RE.sub("cannot", typed) == folded


@pytest.mark.parametrize(
    ("query", "system", "relevant"),
    [
        ("can't sleep", "icd10cm", {"G47.00"}),  # cannot (in-) + sleep (-somnia): insomnia
        ("can't pee", "icd10cm", {"R33.9", "R33.8"}),  # cannot (retention) + pee (urine)
        ("unable to walk", "icd10cm", {"R26.2"}),  # cannot (difficulty) + walk (walking)
        ("seeing double", "icd10cm", {"H53.2"}),  # see (vision) + double: the inclusion term "double vision"
        ("hair falling out", "icd10cm", {"L65.9", "L65.8"}),  # hair + falling out (loss)
        ("peeing a lot", "icd10cm", {"R35.0", "R35.89"}),  # pee (micturition) + a lot (frequency, poly-)
        ("fake eye", "hcpcs", {"V2623", "V2629"}),  # fake (prosthetic) + eye
        ("pee bag", "hcpcs", {"A4357", "A4358", "A5112"}),  # pee (urinary) + bag
        ("hearing aid batteries", "hcpcs", {"V5266"}),  # hearing aid (hearing device) + batteries
        ("cpap hose", "hcpcs", {"A7037", "A4604"}),  # cpap + hose (tubing)
        ("knee walker", "hcpcs", {"E0118"}),  # a device's everyday name: crutch substitute
    ],
)
def test_real_everyday_words_compose(real_index, query, system, relevant):
    """Everyday words for conditions and equipment reach the code by composing the query's parts."""
    found = codes(real_index, query, system=system, limit=5)
    assert relevant & set(found), (query, found)


@pytest.mark.parametrize(
    ("query", "system", "relevant"),
    [
        ("buzzing in ears", "icd10cm", {"H93.11", "H93.12", "H93.13", "H93.19"}),  # buzzing (tinnitus)
        ("period cramps", "icd10cm", {"N94.6"}),  # idiom: dysmenorrhea
        ("winded", "icd10cm", {"R06.00", "R06.02"}),  # winded (dyspnea)
        ("coughing up phlegm", "icd10cm", {"R09.3"}),  # phlegm (sputum)
        ("farting a lot", "icd10cm", {"R14.3"}),  # fart (flatulence) + a lot
        ("black stool", "icd10cm", {"K92.1"}),  # idiom: melena
        ("water on the brain", "icd10cm", {"G91.9"}),  # idiom: hydrocephalus
        ("shivering", "icd10cm", {"R68.83"}),  # shivering (chills)
        ("shattered kneecap", "icd10cm", {"S82.041A", "S82.042A", "S82.043A", "S82.046A"}),  # comminuted
        ("stillborn", "icd10cm", {"P95"}),  # stillborn (stillbirth)
        ("albino", "icd10cm", {"E70.30"}),  # albino (albinism)
        ("swayback", "icd10cm", {"M40.50", "M40.55", "M40.56", "M40.57"}),  # swayback (lordosis)
        ("wobbly", "icd10cm", {"R26.81"}),  # wobbly (unsteadiness)
        ("borderline diabetes", "icd10cm", {"R73.03"}),  # idiom: prediabetes
        ("carsick", "icd10cm", {"T75.3XXA"}),  # carsick (motion sickness)
        ("low sex drive", "icd10cm", {"R68.82", "F52.0"}),  # low + sex drive (sexual desire)
        ("ace bandage", "hcpcs", {"A6448", "A6449", "A6450"}),  # ace bandage (elastic bandage)
        ("cellulitis LLE", "icd10cm", {"L03.116"}),  # left lower extremity (sense) → limb
        ("right lower limb varicose veins", "icd10cm", {"I83.91", "I83.811", "I83.891"}),  # limb → extremity
    ],
)
def test_real_second_pass_words_reach_the_code(real_index, query, system, relevant):
    """Rows of the second pass by descriptor word put a right code in the top 5 (none did before)."""
    found = codes(real_index, query, system=system, limit=5)
    assert relevant & set(found), (query, found)


@pytest.mark.parametrize(
    ("query", "relevant"),
    [
        ("bathtub bench", {"E0245", "E0247", "E0248"}),  # bathtub (tub)
        ("warm pad", {"E0210", "E0215", "E0217", "E0221"}),  # warm (heat)
        ("oxygen meter", {"E0445"}),  # oxygen meter (oximeter)
        ("chux", {"A4553", "A4554", "T4541", "T4542"}),  # chux (underpad)
        ("TED stockings", {"A4490", "A4495", "A4500", "A4510"}),  # abbreviation TED (surgical stockings)
    ],
)
def test_real_supply_words_put_the_item_first(real_index, query, relevant):
    """Everyday and jargon words for supplies and DME (bathtub, warm, chux, TED) list the item first."""
    assert codes(real_index, query)[0] in relevant, codes(real_index, query)


@pytest.mark.parametrize(
    ("query", "system", "relevant"),
    [
        ("well baby check", "icd10cm", {"Z00.110", "Z00.111", "Z00.129", "Z00.121"}),  # well (health) + baby + check
        ("pre-op exam", "icd10cm", {"Z01.818", "Z01.810", "Z01.811", "Z01.812"}),  # pre-op (preprocedural)
        ("med refill", "icd10cm", {"Z76.0"}),  # refill (repeat prescription) + med (medicaments)
        ("prescription refill", "icd10cm", {"Z76.0"}),  # refill (repeat prescription)
        ("std screening", "icd10cm", {"Z11.3"}),  # STD's sense bridged: transmitted (transmission)
    ],
)
def test_real_visit_reasons_put_the_encounter_first(real_index, query, system, relevant):
    """Why a patient is seen, in everyday words, lists the ICD-10-CM "Encounter for …" code first."""
    found = codes(real_index, query, system=system)
    assert found[0] in relevant, (query, found[:5])


def _lay_candidates():
    """tools/lay_candidates.py, loaded as a module."""
    return load_tool("lay_candidates")


def test_lay_candidates_groups_and_reach(real_index):
    """tools/lay_candidates.py groups codes by HCPCS section and ICD-10-CM chapter and sees what lay words reach."""
    from codesearch.ranking import descriptor_head

    tool = _lay_candidates()
    reach = tool.Reach(real_index.lexicon)
    assert tool.group_of(real_index.get("E0105")) == "E"
    assert tool.group_of(real_index.get("S52.501A")) == "S00-T88"
    assert tool.group_of(real_index.get("J1568")) is None  # drugs are not equipment or supplies
    eye = real_index.get("V2623")  # "Prosthetic eye, plastic, custom": fake → prosthetic
    assert reach.reaches(set(descriptor_head(stems, eye.long)))
    assert reach.word_reached(stems("prosthetic")[0], "prosthetic") == "word"
    assert reach.word_reached(stems("intertrochanteric")[0], "intertrochanteric") == ""  # no everyday word for it
    # An HPO layperson phrase reaches a word as a phrase: "early closure of midline skull joint".
    assert reach.word_reached(stems("sagittal")[0], "sagittal") == "phrase"


def test_real_cannot_qualifies_the_next_word(real_index):
    """In "can't smell" the word "cannot" only qualifies: a smell code comes first, not "Retention of urine"."""
    found = codes(real_index, "can't smell", system="icd10cm")
    assert found[0] in {"R43.0", "R43.8", "R43.9"}, found[:3]
    assert expand(real_index, "can't smell", prefix=False).parts[0].qualifier
