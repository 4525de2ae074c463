"""Plain language per code (describe.py): from the code's own words, never false or about payment."""

from __future__ import annotations


from codesearch.describe import gloss, plain_language
from codesearch.enrich import Abbreviation, LayWord, Lexicon
from codesearch.records import SYSTEM_ICD10CM, CodeRecord

LEXICON = Lexicon(
    abbreviations=(Abbreviation("CT", "computed tomography"), Abbreviation("IV", "intravenous")),
    plain=(
        ("immune globulin", "antibodies"), ("immune globulin", "antibody treatment"),
        ("intravenous", "iv"), ("intravenous", "into a vein"), ("emergency", "urgent"),
        ("transport", "ride"), ("extremity", "arm or leg"), ("hypertension", "high blood pressure"),
        ("noncovered", "items medicare does not pay for"),
    ),
    sections={"section:J": "Other drugs, such as shots."},
)


def record(**kw) -> CodeRecord:
    base = dict(code="J1568", kind="code", short="Octagam injection", status="active",
                long="Injection, immune globulin, (octagam), intravenous, non-lyophilized (e.g., liquid), 500 mg",
                pricing_codes=("51",), brands=("Octagam",))
    base.update(kw)
    return CodeRecord(**base)


def test_drug_reads_brand_generic_route_unit():
    """J1568 reads "Octagam: immune globulin (antibody treatment), given into a vein; billed per 500 mg."."""
    assert plain_language(record(), LEXICON) == (
        "Octagam: immune globulin (antibody treatment), given into a vein; billed per 500 mg.")


def test_never_the_category_sentence():
    """The section's sentence ("Other drugs, such as shots") never stands in for the code's own words."""
    assert "Other drugs" not in plain_language(record(), LEXICON)


def test_negated_word_gets_no_gloss():
    """"non-emergency transport" is glossed as a ride, never as urgent."""
    text = gloss("Ambulance service, basic life support, non-emergency transport", LEXICON)
    assert "urgent" not in text and "transport (ride)" in text


def test_no_payment_gloss():
    """A gloss that speaks of payment ("does not pay for") is never used."""
    assert gloss("Noncovered item or service", LEXICON) == "Noncovered item or service"


def test_side_qualified_either_gloss_dropped():
    """"Upper extremity" is an arm: the "arm or leg" gloss is left out after a side word."""
    assert "arm or leg" not in gloss("Upper extremity addition", LEXICON)
    assert gloss("Extremity addition", LEXICON) == "Extremity (arm or leg) addition"


def test_roman_numeral_is_not_an_abbreviation():
    """"class IV" stays a class, while a real abbreviation (CT) is spelled out."""
    assert gloss("Loss of teeth, class IV", LEXICON) == "Loss of teeth, class IV"
    assert gloss("CT of the head", LEXICON) == "CT (computed tomography) of the head"


def test_icd_diagnosis_with_inclusion_terms():
    """An ICD-10-CM code reads "A diagnosis: ..." with its own inclusion terms, not category notes."""
    r = record(code="I10", kind="diagnosis", system=SYSTEM_ICD10CM, short="Essential (primary) hypertension",
               long="Essential (primary) hypertension", pricing_codes=(), brands=(),
               synonyms=("high blood pressure", "hypertension (arterial)", "diabetes NOS"), includes=("diabetes NOS",))
    assert plain_language(r, LEXICON) == (
        "A diagnosis: Essential (primary) hypertension (high blood pressure). Other names listed for it or its category: hypertension (arterial).")


def test_lay_words_from_the_lexicon_are_used_when_present():
    """The lexicon's lay words (lay word → descriptor word) gloss; combining forms do not; without them it still works."""
    lay = Lexicon(plain=(), lay=(LayWord("sugar diabetes", "diabetes mellitus", "condition"),
                                 LayWord("high", "hyper-", "modifier-word")))
    assert gloss("Type 2 diabetes mellitus", lay) == "Type 2 diabetes mellitus (sugar diabetes)"
    assert gloss("Hypertensive heart disease", lay) == "Hypertensive heart disease"
    assert gloss("Type 2 diabetes mellitus", Lexicon()) == "Type 2 diabetes mellitus"


def test_long_descriptor_parentheses_and_negation_read_as_in_a_short_one():
    """Far into a long text, a term inside parentheses opened long before, or just after a negation, gets no gloss."""
    filler = "with documentation of the service " * 60
    assert "(ride)" not in gloss(f"Service ({filler}transport)", LEXICON)
    assert "urgent" not in gloss(f"{filler}non-emergency", LEXICON)
    assert gloss(f"{filler}emergency transport", LEXICON).endswith("emergency (urgent) transport (ride)")
