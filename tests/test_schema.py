"""The build's own analysis gives exactly the tokens of the Whoosh analysers the schema declares."""

from __future__ import annotations

import pytest

from codesearch.build import document
from codesearch.schema import EXACT, STEMMED, build_schema, exact_tokens, keyword_tokens, stem_tokens


def whoosh_tokens(analyser, text: str) -> list[str]:
    return [t.text for t in analyser(text)]


@pytest.mark.parametrize("text", ["", "  ", "Type 2 diabetes mellitus", "Crohn's disease, unspecified", "3.5 mg",
                                  "x.y 1.2.3", "Ünïcode café", "e.g., (Octagam) AND the OR of", "Vitamin K; hepatitis C"])
def test_stem_and_exact_tokens_equal_whoosh_on_edge_cases(text):
    """Stop words, one-character words, decimals, punctuation and non-ASCII letters: the same tokens."""
    assert stem_tokens(text) == whoosh_tokens(STEMMED, text)
    assert exact_tokens(text) == whoosh_tokens(EXACT, text)


@pytest.mark.parametrize("text", ["", "a, ,b", ",,x,", "HTN, htn=hypertens , tia", "  spaced  "])
def test_keyword_tokens_equal_the_abbrev_field(text):
    """Comma-separated keywords, stripped and lowercased, empty runs kept as Whoosh keeps them."""
    assert keyword_tokens(text) == whoosh_tokens(build_schema()["abbrev"].analyzer, text)


def test_tokens_equal_whoosh_on_the_real_records(real_index):
    """Every indexed text field of every HCPCS record and every 7th ICD-10-CM record: the same tokens."""
    records = real_index.records_of("HCPCS") + real_index.records_of("ICD10CM")[::7]
    assert len(records) > 19_000
    abbrev = build_schema()["abbrev"].analyzer
    for record in records:
        doc = document(record)
        for field in ("short", "long", "synonyms", "plain", "category"):
            assert stem_tokens(doc[field]) == whoosh_tokens(STEMMED, doc[field]), (record.code, field)
        assert exact_tokens(doc["brand"]) == whoosh_tokens(EXACT, doc["brand"]), record.code
        assert keyword_tokens(doc["abbrev"]) == whoosh_tokens(abbrev, doc["abbrev"]), record.code
