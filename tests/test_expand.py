"""Query expansion: typo allowance, NDC forms, abbreviations and prefixes."""

from __future__ import annotations

import pytest

from codesearch.enrich import INVENTORY, Abbreviation
from codesearch.expand import (
    abbreviation_senses,
    expand,
    expander_for,
    letter_counts,
    max_edits,
    ndc_candidates,
    normalize_query,
    query_frame,
    sound_key,
)
from codesearch.ranking import ABBREVIATION_SENSE_WEIGHT, SENSE_FIELDS


@pytest.mark.parametrize(("word", "edits"), [("ivig", 0), ("cpap", 0), ("octag", 1), ("octagamss", 2), ("pembrolizumab", 2)])
def test_typo_allowance_grows_with_length(word, edits):
    """No edits under 5 characters, 1 from 5, 2 from 9."""
    assert max_edits(word) == edits


def test_ndc_with_and_without_dashes():
    """A dashed NDC pads to 11 digits; a bare 10-digit one yields the three FDA layouts."""
    assert ndc_candidates("68982-0840-01") == ["68982084001"]
    assert ndc_candidates("0069-6002-02") == ["00069600202"]
    assert ndc_candidates("68982084001") == ["68982084001"]
    assert set(ndc_candidates("6898208401")) == {"06898208401", "68982008401", "68982084001"}
    assert ndc_candidates("J1568") == []


def test_normalize_drops_control_characters():
    """NUL and control characters become spaces; whitespace collapses."""
    assert normalize_query("oct\x00agam\t\n  x") == "oct agam x"


def test_code_and_prefix_tokens(tiny_index):
    """Codes in any case are exact codes; a letter with 1-3 digits is a code prefix."""
    exp = expand(tiny_index, "j1568 J15")
    assert exp.codes == ["J1568"]
    assert exp.code_prefixes == ["J15"]
    assert exp.parts == []


def test_typo_corrected_against_vocabulary(tiny_index):
    """A 7-letter brand typo is corrected to the indexed brand name."""
    exp = expand(tiny_index, "octagan", prefix=False)
    assert exp.corrections == {"octagan": "octagam"}
    kinds = {a.kind for p in exp.parts for a in p.alternatives}
    assert "typo" in kinds


def test_short_words_never_fuzzed(tiny_index):
    """A four-letter word one edit from an abbreviation is not corrected."""
    exp = expand(tiny_index, "ivog", prefix=False)
    assert exp.corrections == {}
    assert all(a.kind != "typo" for p in exp.parts for a in p.alternatives)


def test_abbreviation_matches_exactly_without_prefix_completion(tiny_index):
    """A complete abbreviation is not prefix-expanded into longer words."""
    exp = expand(tiny_index, "ivig")
    kinds = [a.kind for a in exp.parts[0].alternatives]
    assert "abbreviation" in kinds
    assert "prefix" not in kinds


def test_last_word_is_a_prefix(tiny_index):
    """The unfinished last word completes to vocabulary words; a finished last word does not."""
    exp = expand(tiny_index, "octa")
    completions = [a.text for a in exp.parts[0].alternatives if a.kind == "prefix"]
    assert "octagam" in completions
    exp = expand(tiny_index, "octa ", prefix=True)
    assert all(a.kind != "prefix" for p in exp.parts for a in p.alternatives)


def test_plain_phrase_expands_to_clinical_term(tiny_index):
    """A multi-word plain-language phrase becomes one part with the clinical term as synonym."""
    exp = expand(tiny_index, "breathing machine for sleep apnea", prefix=False)
    assert len(exp.parts) == 1
    synonyms = [a.text for a in exp.parts[0].alternatives if a.kind == "synonym"]
    assert synonyms == ["continuous positive airway pressure"]


def test_abbreviation_senses_ranked_by_frequency():
    """Senses come most frequent first, weighted relative to the top one; same stems count once."""
    senses = abbreviation_senses([
        Abbreviation("CP", "cerebral palsy", 0.3, INVENTORY),
        Abbreviation("CP", "chest pain", 0.6, INVENTORY),
        Abbreviation("CP", "pain chest", 0.1, INVENTORY),
        Abbreviation("IVIG", "immune globulin intravenous"),
    ])
    assert [(s.expansion, s.weight) for s in senses["cp"]] == [("chest pain", 1.0), ("cerebral palsy", 0.5)]
    assert [s.weight for s in senses["ivig"]] == [1.0]


def test_abbreviation_expands_to_each_sense_with_its_reason(tiny_index):
    """'cp' searches chest pain and cerebral palsy in the descriptors, weighted by frequency,
    each named in its reason; matching is case-insensitive."""
    for query in ("cp", "Cp"):
        alts = [a for a in expand(tiny_index, query, prefix=False).parts[0].alternatives
                if a.kind == "abbreviation" and a.fields == SENSE_FIELDS]
        assert [(a.text, a.why) for a in alts] == [
            ("chest pain", "abbreviation CP (chest pain)"),
            ("cerebral palsy", "abbreviation CP (cerebral palsy)"),
        ]
        assert alts[0].weight == pytest.approx(ABBREVIATION_SENSE_WEIGHT)
        assert alts[1].weight == pytest.approx(ABBREVIATION_SENSE_WEIGHT * 0.2662 / 0.6013)


def test_abbreviation_is_not_typo_corrected(tiny_index):
    """A five-letter word one edit from nothing but an abbreviation key is not read as it."""
    exp = expand(tiny_index, "htnx", prefix=False)
    assert all(a.kind != "abbreviation" for p in exp.parts for a in p.alternatives)


def test_number_glued_to_an_abbreviation_is_split(tiny_index):
    """'HTN2' (unknown) reads as the abbreviation HTN and the number 2; a known word stays whole."""
    exp = expand(tiny_index, "HTN2", prefix=False)
    assert [p.token for p in exp.parts] == ["htn", "2"]
    assert any(a.why == "abbreviation HTN (hypertension)" for a in exp.parts[0].alternatives)
    assert [p.token for p in expand(tiny_index, "cpap2", prefix=False).parts] == ["cpap", "2"]
    assert [p.token for p in expand(tiny_index, "octagam", prefix=False).parts] == ["octagam"]


def test_letter_counts_never_rule_out_a_word_within_the_edits(tiny_index):
    """The letter-count filter keeps every vocabulary word within the edit allowance: each kind of edit."""
    expander = expander_for(tiny_index)
    for typo in ("octagan", "octagm", "octagamm", "otcagam", "xctagam"):  # substitution, deletion, insertion, swap
        assert "octagam" in expander._pool(typo, 1, lambda n: 1)
        assert expander.corrections(typo)[0] == ("octagam", 1)
    assert expander._pool("zzzzzzz", 1, lambda n: 1) == []


def test_letter_counts_count_each_letter_and_others_together():
    """letter_counts gives one row of a-z counts, plus any other character in the last column."""
    counts = letter_counts(["abca", "éz1a"], 4)
    assert counts[0][0] == 2 and counts[0][1] == 1 and counts[0][2] == 1 and counts[0].sum() == 4
    assert counts[1][0] == 1 and counts[1][25] == 1 and counts[1][26] == 2


def test_completions_are_the_best_words_of_the_prefix_range(tiny_index):
    """Completions follow brand names, then frequency, then the alphabet, whatever the prefix's size."""
    expander = expander_for(tiny_index)
    vocab = tiny_index.vocab
    for prefix in {w[:i] for w in vocab for i in range(0, 4)}:
        expected = sorted((w for w in vocab if w.startswith(prefix) and w != prefix),
                          key=lambda w: (w not in expander.brand_words, -vocab[w], w))
        assert tiny_index.words_with_prefix(prefix) == sorted(w for w in vocab if w.startswith(prefix))
        assert expander._best_completions(prefix, 5) == (expected[:5], len(expected))


@pytest.mark.parametrize(("typed", "meant"), [("nemonia", "pneumonia"), ("sirosis", "cirrhosis"), ("excema", "eczema"),
                                              ("emfasema", "emphysema"), ("diarea", "diarrhea"), ("sorisis", "psoriasis")])
def test_sound_key_hears_spellings_alike(typed, meant):
    """Silent first letters, ph/f, c/k/s, x/ks, vowels and doubled letters do not change a word's sound key."""
    assert sound_key(typed) == sound_key(meant)


def test_sound_key_tells_different_words_apart():
    """Words of different consonants keep different keys."""
    assert sound_key("pneumonia") != sound_key("ammonia")
    assert sound_key("cirrhosis") != sound_key("scoliosis")


@pytest.mark.parametrize(("typed", "meant", "code"), [("nemonia", "pneumonia", "J18.9"), ("sirosis", "cirrhosis", "K74.60"),
                                                      ("emfasema", "emphysema", "J43.9")])
def test_word_spelled_by_sound_is_corrected_on_real_files(real_index, typed, meant, code):
    """A diagnosis spelled as it sounds, several edits from any word, is corrected by its sound and found."""
    from codesearch.search import search

    res = search(real_index, typed, system="icd10cm", limit=5)
    assert typed in res.corrections
    assert any(a.text == meant and a.kind == "typo" for p in expand(real_index, typed).parts for a in p.alternatives)
    assert code in [r.code for r in res.results]


def test_unfinished_word_gets_no_sound_alike_correction(real_index):
    """A word still being typed ("denosu") completes; it is not read as a misspelling by sound."""
    exp = expand(real_index, "denosu")
    assert exp.corrections == {}
    assert all(a.kind != "typo" for p in exp.parts for a in p.alternatives)


def test_other_form_of_a_known_word_is_that_word(real_index):
    """An unknown word that is another form of a descriptor word ("dehydrated") finds it; a typo's
    one-letter difference ("migrane") is left to typo correction."""
    from codesearch.search import search

    expander = expander_for(real_index)
    assert expander.variants("dehydrated") == ["dehydration"]
    assert expander.variants("migrane") == []
    assert search(real_index, "dehydrated", limit=1).results[0].code == "E86.0"
    assert expand(real_index, "dehydrated", prefix=False).corrections == {}


def test_word_cut_short_is_completed_anywhere(real_index):
    """A clipped word ("rehab") is completed before other words too; it is not typo-corrected."""
    exp = expand(real_index, "pulmonary rehab copd", prefix=False)
    rehab = next(p for p in exp.parts if p.token == "rehab")
    assert "rehabilitation" in {a.text for a in rehab.alternatives}
    assert "rehab" not in exp.corrections


def test_another_form_with_the_same_stem_is_not_a_typo(real_index):
    """'obese' (stem of obesity) is not corrected to 'abuse'; 'migrane' (one edit from migrans) still is corrected."""
    expander = expander_for(real_index)
    assert expander.known("obese") and expander.corrections("obese") == []
    assert "migraine" in [w for w, _ in expander.corrections("migrane")]


def test_words_run_together_or_apart(real_index):
    """'jetlag' is searched as 'jet lag' and 'heart burn' as heartburn, but a typo is still a typo."""
    from codesearch.search import search

    expander = expander_for(real_index)
    assert expander.split_joined("jetlag") == "jet lag"
    assert search(real_index, "jetlag", system="icd10cm", limit=1).results[0].code == "G47.25"
    assert search(real_index, "heart burn", system="icd10cm", limit=1).results[0].code == "R12"
    assert expand(real_index, "procrite", prefix=False).corrections == {"procrite": "procrit"}


def test_a_split_and_a_sound_alike_both_read(real_index):
    """'diarea' splits into 'dia rea' (two known fragments that match nothing together) and sounds like
    diarrhea: both are read, so R19.7 comes first rather than no code at all."""
    from codesearch.search import search

    assert expander_for(real_index).split_joined("diarea") == "dia rea"
    assert expand(real_index, "diarea", prefix=False).corrections == {"diarea": "diarrhea"}
    assert search(real_index, "diarea", system="icd10cm", limit=1).results[0].code == "R19.7"


@pytest.mark.parametrize(("query", "system", "first"), [
    ("c diff", "icd10cm", ("A04.71", "A04.72")), ("z pak", None, ("J0456", "Q0144")),
    ("g csf injection", None, ("J1442", "J2506")),
])
def test_letter_and_word_typed_apart_are_one_abbreviation(real_index, query, system, first):
    """A letter and the word after it that together are an abbreviation (Cdiff, Z-Pak, G-CSF) take its
    senses: 'c diff' is C. difficile, not the differential count 'diff' alone would be."""
    from codesearch.search import search

    assert search(real_index, query, system=system, limit=1).results[0].code in first


def test_number_within_a_stated_range(real_index):
    """A number beside other words matches the descriptors' ranges holding it; a one-digit stage does not."""
    from codesearch.search import search

    assert search(real_index, "BMI 42", system="icd10cm", limit=1).results[0].code == "Z68.41"
    assert search(real_index, "CKD 3", system="icd10cm", limit=1).results[0].code == "N18.30"
    assert not [a for p in expand(real_index, "cefazolin 500 mg").parts for a in p.alternatives if "within" in a.why]


def test_only_the_nearest_corrections(real_index):
    """A word one edit from a known word is not also read as rarer words two edits away."""
    fixes = expander_for(real_index).corrections("osteoperosis")
    assert fixes and {d for _, d in fixes} == {1}
    assert "osteoporosis" in [w for w, _ in fixes]


def test_acronym_table_read_on_first_need_or_by_a_server(tiny_settings):
    """A command parses acronyms.json only when a query needs an acronym; a server reads it at start."""
    from codesearch.build import build_index
    from codesearch.expand import load_expander
    from codesearch.index import open_index

    build_index(tiny_settings)
    index = open_index(tiny_settings.index_dir)
    expander = expander_for(index)
    assert "acronyms" not in expander.__dict__
    expand(index, "octagam")
    assert "acronyms" not in expander.__dict__
    assert load_expander(index) is expander and "acronyms" in expander.__dict__
    index.close()


def test_abbreviation_with_a_plural_s(real_index):
    """'TIAs' is the abbreviation TIA; a word of the texts ending in s is left alone."""
    from codesearch.search import search

    assert [p.token for p in expand(real_index, "hx of TIAs", prefix=False).parts][-1] == "tia"
    assert search(real_index, "TIAs", system="icd10cm", limit=1).results[0].code == "G45.9"


def test_a_stage_letter_stays_with_its_number(real_index):
    """"ckd3a" is CKD stage 3a: the letter stays with the number where the texts say "3a"."""
    from codesearch.search import search

    assert [p.token for p in expand(real_index, "ckd3a", prefix=False).parts] == ["ckd", "3a"]
    assert search(real_index, "ckd3a", system="icd10cm", limit=1).results[0].code == "N18.31"


def test_a_latin_plural_searches_its_singular(real_index):
    """The stemmer keeps "calculi" and "calculus" apart; a query word also searches its other
    Latin or Greek number when the texts have it: "kidney calculi" is N20.0 "Calculus of kidney"."""
    from codesearch.search import search

    assert "calculus" in expander_for(real_index).latin_numbers("calculi")
    assert expander_for(real_index).latin_numbers("kidney") == []
    assert search(real_index, "kidney calculi", system="icd10cm", limit=1).results[0].code == "N20.0"


def test_a_condition_beside_a_drug_word_reads_as_the_drugs_labelled_for_it(tiny_index):
    """corpus/indications.tsv (from NLM's LabeledIn): beside a word that says "a drug" (shot,
    infusion, iv, medicine) a condition also reads as the drugs FDA labels give for it, in its
    own part and the drug word's, so a drug code labelled for it matches both; alone, or with
    the lay vocabulary off, the condition is only itself."""
    def indications(query: str, disable=frozenset()) -> dict[str, list[str]]:
        exp = expand(tiny_index, query, prefix=False, disable=disable)
        return {p.token: [a.text for a in p.alternatives if a.kind == "indication"] for p in exp.parts}

    assert indications("infusion for immunodeficiency") == {"infusion": ["immune globulin"],
                                                            "immunodeficiency": ["immune globulin"]}
    assert indications("immunodeficiency") == {"immunodeficiency": []}
    assert not any(indications("infusion for immunodeficiency", frozenset({"lay"})).values())
    from codesearch.search import search
    first = search(tiny_index, "infusion for immunodeficiency").results[0]
    assert first.code in {"J1566", "J1568", "J1569"}
    assert '"immunodeficiency" is treated with immune globulin' in first.matched


def test_on_a_drug_said_first_reads_as_its_long_term_use(tiny_index):
    """"on" first (after "pt", "patient" or a pronoun, which are no part of it): each reading of
    the words after it is also "long term current use" of it, whole in one field (Z79.x)."""
    exp = expand(tiny_index, "pt on insulin", prefix=False)
    assert [p.token for p in exp.parts] == ["insulin"]
    assert "long term current use insulin" in [a.text for a in exp.parts[0].alternatives]
    exp = expand(tiny_index, "insulin on pump", prefix=False)  # "on" not first: a preposition
    assert not any(a.kind == "long_term" for p in exp.parts for a in p.alternatives)


def test_a_drug_reads_as_its_class_only_where_icd10cm_names_drugs_by_class(tiny_index):
    """corpus/drug_classes.tsv (from DrugCentral): beside a word for what the drug did, or after
    "on", warfarin also reads as an anticoagulant; named alone, or with the lay vocabulary off, not."""
    def classes(query: str, disable=frozenset()) -> list[str]:
        exp = expand(tiny_index, query, prefix=False, disable=disable)
        return [a.text for p in exp.parts for a in p.alternatives if "of the class" in a.why]

    assert classes("warfarin overdose") == ["anticoagulant"]
    assert classes("on warfarin") == ["anticoagulant"]
    assert classes("warfarin") == [] and classes("warfarin overdose", frozenset({"lay"})) == []


@pytest.mark.parametrize(("text", "typing", "asked", "last"), [
    ("code for shingles rash", False, "shingles rash", False),
    ("mom diagnosed with Alzheimer's, what code", False, "mom diagnosed with Alzheimer's,", True),
    ("what do I bill for taking out stitches", False, "taking out stitches", False),
    ("what's the device code for a new pacer?", False, "device new pacer?", False),
    ("how to bill medicaid van ride", False, "medicaid van ride", False),
    ("pneumonia shot, admin code", False, "pneumonia shot, admin", True),
    ("j code for octagam", False, "octagam", False),
    ("code for shin", True, "shin", False),
    ("alzheimers, what c", True, "alzheimers,", True),  # "c" being typed continues the frame
    ("cast for ho", True, "cast for ho", False),  # no core or question word: no frame
    ("code", False, "code", False),  # frame words alone are searched as typed
    ("what is it", False, "what is it", False),
    ("pain when walking", False, "pain when walking", False),
    ("modifier for right side", False, "right side", False),
])
def test_query_frame(text, typing, asked, last):
    """The words asking for a code (ranking.FRAME_CORE, FRAME_QUESTIONS, FRAME_FILLERS) are
    dropped as a run holding a core word, or a question word at a phrase's edge."""
    got, got_last, _ = query_frame(text, typing)
    assert (got, got_last) == (asked, last)


def test_query_frame_names_the_system_asked_for():
    assert query_frame("what dx for sore throat")[2][-2:] == ["dx", "for"]
    assert "jcode" in query_frame("j code for octagam")[2]
