"""Acronyms read from the code texts, and side and history shorthand."""

from __future__ import annotations

import pytest

from codesearch.expand import acronym_table, compound_initials, expand
from codesearch.records import SYSTEM_ICD10CM, CodeRecord, FeeScheduleRow
from codesearch.search import search


def icd(code: str, long: str, *synonyms: str) -> CodeRecord:
    return CodeRecord(code, "code", long, long, "active", system=SYSTEM_ICD10CM, synonyms=synonyms)


def hcpcs(code: str, long: str) -> CodeRecord:
    return CodeRecord(code, "code", long, long, "active")


FIXTURE = [
    icd("G25.81", "Restless legs syndrome"),
    icd("G31.84", "Mild cognitive impairment of uncertain or unknown etiology"),
    icd("F42.8", "Other obsessive-compulsive disorder"),
    icd("I34.1", "Nonrheumatic mitral (valve) prolapse"),
    icd("H35.30", "Unspecified macular degeneration", "Retinopathy of prematurity"),
    icd("M25.561", "Pain in right knee"),
    CodeRecord("E0743", "code", "Nerve stim rls", "Nerve stimulator for sleep apnea", "active"),
]


def senses(table: dict, key: str) -> list[str]:
    return [phrase for phrase, _ in table.get(key, ())]


def test_acronym_is_the_initials_of_a_whole_term():
    """A descriptor's words give their initials: "Restless legs syndrome" → rls."""
    table, _ = acronym_table(FIXTURE)
    assert senses(table, "rls")[0] == "restless legs syndrome"
    assert dict(table["rls"])["restless legs syndrome"] == 1.0


def test_acronym_phrases_skip_qualifiers_and_cut_at_function_words():
    """"Other" is no initial, a term's head ends before "of", hyphens split, asides count both ways."""
    table, _ = acronym_table(FIXTURE)
    assert "obsessive compulsive disorder" in senses(table, "ocd")
    assert "mild cognitive impairment" in senses(table, "mci")
    assert "mitral valve prolapse" in senses(table, "mvp")
    assert "retinopathy of prematurity" in senses(table, "rop")  # the function word spelled out
    assert "retinopathy of prematurity" in senses(table, "rp")  # and skipped


def test_a_phrase_cut_inside_what_follows_a_function_word_is_no_acronym():
    """"Rheumatoid vasculitis with rheumatoid arthritis of right shoulder" spells RV by its head,
    not RVR: "rheumatoid vasculitis with rheumatoid" names nothing (it had made "AF w RVR" a
    rheumatoid vasculitis); a start within the head still counts ("restless legs")."""
    table, _ = acronym_table(FIXTURE + [icd(f"M05.2{n}", f"Rheumatoid vasculitis with rheumatoid arthritis of {site}")
                                        for n, site in enumerate(["right shoulder", "left shoulder", "right elbow",
                                                                  "left elbow", "right wrist", "left wrist"])])
    assert "rvr" not in table
    assert "rheumatoid vasculitis" in senses(table, "rv")
    assert "restless legs" in senses(table, "rl")


def test_acronyms_come_from_icd10cm_texts_and_hcpcs_names():
    """A HCPCS code's name (its descriptor before the first comma) gives acronym phrases; the rest does not."""
    table, _ = acronym_table(FIXTURE + [
        hcpcs("G0328", "Colorectal cancer screening; fecal occult blood test, immunoassay, 1-3 simultaneous"),
    ])
    assert senses(table, "fobt") == ["fecal occult blood test"]
    assert senses(table, "ccs") == ["colorectal cancer screening"]
    assert "nerve stimulator sleep" not in {p for key in table for p in senses(table, key)}  # after the comma


def test_hcpcs_modifiers_terminated_and_measurement_codes_give_no_acronyms():
    """Modifiers, terminated codes and quality measurement codes (fee schedule status M) name no service."""
    measured = (FeeScheduleRow("", "M", 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, "XXX", 32.3465, ""),)
    table, _ = acronym_table([
        CodeRecord("GA", "modifier", "Waiver", "Waiver of liability statement issued", "active"),
        CodeRecord("G0002", "code", "Old", "Office procedure insertion", "terminated"),
        CodeRecord("G9003", "code", "Measure", "Patient received screening", "active", rvus=measured),
    ])
    assert table == {}


def test_hcpcs_abbreviation_spells_no_initial_and_is_no_word():
    """A lower-case HCPCS word the abbreviation map knows and ICD-10-CM never writes in lower case is
    an abbreviation: it cuts the phrase and is not flagged as a word; other HCPCS words are."""
    records = [hcpcs("E0720", "Transcutaneous electrical nerve stimulation (tens) device, two lead")]
    table, words = acronym_table(records, abbreviations={"tens"})
    assert senses(table, "tens")[0] == "transcutaneous electrical nerve stimulation"
    assert "tens" not in words
    _, words = acronym_table([hcpcs("E0210", "Electric heat pad"), icd("I49.8", "Persistent atrial dysrhythmia")])
    assert "pad" in words  # a word of a HCPCS text, so matched only in capitals
    table, _ = acronym_table(records + [icd("X1", "Tens of nerve stimulation")], abbreviations={"tens"})
    assert "transcutaneous electrical nerve stimulation tens device" in senses(table, "tenstd")


def test_hcpcs_shorthand_cuts_phrases():
    """"(s)", "e.g." and single letters in a HCPCS name cut its phrases rather than spell initials."""
    table, _ = acronym_table([hcpcs("A4217", "Sterile water saline (s) and bags w/ ports")])
    assert "sterile water saline" in senses(table, "sws")
    assert not any(key.startswith("swss") for key in table)


def test_acronym_that_is_a_word_of_the_texts_is_flagged():
    """A key the ICD-10-CM texts also write as a lower-case word ("pain") is flagged as a word."""
    table, words = acronym_table(FIXTURE + [icd("R52", "Pain in knee, right")])
    assert "pk" in table and "pk" not in words
    table, words = acronym_table([icd("X1", "Pain knee"), icd("X2", "Pk disorder")])
    assert "pk" in words


def test_compound_words_split_at_a_combining_form():
    """A combining form (-o of 4+ letters, a word + -i, a productive -i, a number prefix) and a
    word of 5+ letters split; ordinary words that merely end a syllable in o or i do not."""
    vocabulary = ["sensorineural", "neural", "sensor", "bilateral", "lateral", "polymyalgia", "myalgia",
                  "cardiomyopathy", "myopathy", "myocarditis", "carditis", "termination", "nation",
                  "program", "gram", "protection", "tection"]
    assert compound_initials(vocabulary) == {"sensorineural": "sn", "bilateral": "bl", "polymyalgia": "pm",
                                             "cardiomyopathy": "cm"}


def test_compound_reading_adds_a_weaker_key():
    """"Sensorineural hearing loss" is SNHL as well as SHL, the compound reading at a lower score."""
    table, _ = acronym_table([icd("H90.5", "Unspecified sensorineural hearing loss"), icd("G58", "Neural disorder"),
                              icd("X1", "Sensor failure")])
    assert senses(table, "snhl") == ["sensorineural hearing loss"]
    assert senses(table, "shl") == ["sensorineural hearing loss"]
    table, _ = acronym_table([icd("H90.5", "Sensorineural hearing loss"), icd("G58", "Neural disorder"),
                              icd("X1", "Sensor failure"), icd("Z99", "Something new high level")])
    assert senses(table, "snhl") == ["something new high level", "sensorineural hearing loss"]


@pytest.mark.parametrize(("query", "code"), [("SNHL", "H90"), ("PMR", "M35.3"), ("HCM", "I42"), ("AIHA", "D59.1")])
def test_real_compound_acronym_finds_its_disease(real_index, query, code):
    """An acronym spelled by a compound's parts (sensori+neural, poly+myalgia) finds its disease first."""
    results = search(real_index, query, system="icd10cm", limit=5).results
    assert results and results[0].code.startswith(code)


@pytest.mark.parametrize(("query", "code"), [("MVP", "I34.1"), ("PSC", "K83.01"), ("VAP", "J95.851")])
def test_real_compound_reading_leaves_direct_readings_first(real_index, query, code):
    """A compound reading (metapneumovirus pneumonia) does not displace a term's own initials (MVP)."""
    assert search(real_index, query, system="icd10cm", limit=5).results[0].code == code


@pytest.mark.parametrize(("query", "code"), [
    ("RLS", "G25.81"), ("CIDP", "G61.81"), ("POAG", "H40.11"), ("rls", "G25.81"), ("HUS", "D59.3"),
])
def test_real_unknown_acronym_finds_its_disease(real_index, query, code):
    """An acronym the abbreviation map does not know finds the code whose term it spells, first."""
    results = search(real_index, query, system="icd10cm", limit=5).results
    assert results and results[0].code.startswith(code)


@pytest.mark.parametrize(("query", "code"), [("FOBT", "G0328"), ("SBRT", "G0563"), ("MNT", "G0270")])
def test_real_service_acronym_finds_its_hcpcs_code_without_a_system(real_index, query, code):
    """A service acronym read from a HCPCS name puts that code in the top 3 with no system filter,
    where the ICD-10-CM phrases with the same initials (fracture of bony thorax) led before."""
    codes = [r.code for r in search(real_index, query, limit=3).results]
    assert code in codes


def test_real_word_and_unfinished_word_are_not_acronyms(real_index):
    """A lower-case word of the texts ("pad") or an unfinished one ("asth") is not read as an acronym."""
    for query in ("pad", "asth"):
        exp = expand(real_index, query)
        assert not any(a.why.startswith("acronym") for p in exp.parts for a in p.alternatives), query
    exp = expand(real_index, "PAD", prefix=False)
    assert any(a.why.startswith("acronym") for p in exp.parts for a in p.alternatives)


@pytest.mark.parametrize(("query", "code"), [
    ("L knee pain", "M25.562"), ("R lower quadrant pain", "R10.31"), ("L hip OA", "M16.12"),
])
def test_real_side_shorthand_picks_the_side(real_index, query, code):
    """One-letter side shorthand beside other words reads as right/left and ranks that side first."""
    assert search(real_index, query, system="icd10cm", limit=5).results[0].code == code


def test_real_side_letter_alone_is_not_a_side(real_index):
    """"L" typed alone is not expanded to left."""
    exp = expand(real_index, "L", prefix=False)
    assert not any(a.text == "left" for p in exp.parts for a in p.alternatives)


def test_real_hx_means_personal_history(real_index):
    """"hx" beside words searches "personal history", so a personal-history code is in the top 3."""
    codes = [r.code for r in search(real_index, "hx stroke", system="icd10cm", limit=3).results]
    assert "Z86.73" in codes


def test_af_with_rvr_is_atrial_fibrillation_on_real_files(real_index):
    """RVR (rapid ventricular response) has no sense the codes say; its only reading from the
    texts' initials had been the cut phrase "rheumatoid vasculitis with rheumatoid", first for
    "AF w RVR" (M05.271)."""
    assert search(real_index, "AF w RVR", system="icd10cm").results[0].code.startswith("I48.")
    assert search(real_index, "RLS", system="icd10cm").results[0].code == "G25.81"
