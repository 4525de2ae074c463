"""Search and ranking on the tiny index: codes, prefixes, filters, snippets, validation."""

from __future__ import annotations

import pytest

from codesearch.errors import QueryError
from codesearch.schema import stems
from codesearch.search import highlight, search


def codes(res):
    return [r.code for r in res.results]


def test_exact_code_first_in_any_case(tiny_index):
    """J1568 and j1568 both return J1568 first."""
    assert codes(search(tiny_index, "J1568"))[0] == "J1568"
    assert codes(search(tiny_index, "j1568"))[0] == "J1568"


def test_code_prefix_lists_family_in_code_order(tiny_index):
    """A code prefix lists active codes of that family in code order."""
    assert codes(search(tiny_index, "J15")) == ["J1566", "J1568", "J1569"]


def test_terminated_left_out_unless_asked(tiny_index):
    """Terminated Q0000 appears only with include_terminated, after active codes."""
    assert "Q0000" not in codes(search(tiny_index, "injection drug"))
    res = search(tiny_index, "retired drug", include_terminated=True)
    assert "Q0000" in codes(res)
    statuses = [r.status for r in res.results]
    assert statuses == sorted(statuses, key=lambda s: s != "active")


def test_section_filter(tiny_index):
    """--section E keeps only E codes."""
    res = search(tiny_index, "cpap", section="E")
    assert codes(res) == ["E0601"]
    assert search(tiny_index, "immune globulin", section="E").total == 0


def test_brand_from_crosswalk(tiny_index):
    """Keytruda (a crosswalk drug name) finds J9271 and says why."""
    res = search(tiny_index, "Keytruda")
    assert codes(res)[0] == "J9271"
    assert "brand name Keytruda" in res.results[0].matched


def test_all_words_before_some(tiny_index):
    """Codes matching every query word rank above codes matching one."""
    res = search(tiny_index, "immune globulin powder", prefix=False)
    assert codes(res)[0] == "J1566"


def test_snippet_marks_matched_words_and_escapes(tiny_index):
    """Snippets wrap matched words in <mark> and escape everything else."""
    res = search(tiny_index, "octagam")
    assert "(<mark>octagam</mark>)" in res.results[0].snippet
    assert highlight("a <b> & c", {"c"}) == "a &lt;b&gt; &amp; <mark>c</mark>"
    # By stem, whatever the word's form, and never a word that only begins like one.
    assert highlight("Sensibility and hoping", {stems("sensible")[0], "hope"}) == (
        "<mark>Sensibility</mark> and <mark>hoping</mark>")
    assert highlight("Injections of insulin", {"inject"}) == "<mark>Injections</mark> of insulin"
    assert highlight("the heart", {"the"}) == "<mark>the</mark> heart"  # a word typed as itself


def test_every_descriptor_word_begins_like_its_stem(real_index):
    """:func:`highlight` stems only the words beginning with all but the last two letters of a
    mark: that is right only if every word a descriptor holds begins so like its own stem."""
    import re

    from codesearch.schema import TOKEN_PATTERN

    words = {w.lower() for r in real_index.records.values() for text in (r.long, r.short)
             for w in re.findall(TOKEN_PATTERN, text)}
    assert len(words) > 10_000
    wrong = [w for w in words if (s := stems(w)) and not w.startswith(s[0][: max(1, len(s[0]) - 2)])]
    assert not wrong


def test_ndc_lookup_shows_product(tiny_index):
    """An NDC with or without dashes finds its code and names the product."""
    for typed in ("68982-0840-01", "68982084001"):
        res = search(tiny_index, typed)
        assert codes(res) == ["J1568"]
        assert res.results[0].products[0]["drug_name"] == "Octagam"


def test_nothing_matches_offers_suggestion(tiny_index):
    """A query with no match returns total 0 and a respelling."""
    # "pembrolizumabbbbb" sounds like pembrolizumab (doubled letters are one sound): it is corrected.
    assert search(tiny_index, "pembrolizumabbbbb", prefix=False).corrections == {"pembrolizumabbbbb": "pembrolizumab"}
    res = search(tiny_index, "pembrolizumabxqz", prefix=False)
    assert res.total == 0
    assert res.suggestion == "pembrolizumab"


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [({"limit": 0}, "limit"), ({"limit": 51}, "limit"), ({"offset": -1}, "offset")],
)
def test_bad_parameters_raise_query_error(tiny_index, kwargs, parameter):
    """Out-of-range limit and offset are refused with the parameter named."""
    with pytest.raises(QueryError) as info:
        search(tiny_index, "octagam", **kwargs)
    assert info.value.parameter == parameter


def test_overlong_query_refused(tiny_index):
    """A query over the documented maximum length is refused."""
    with pytest.raises(QueryError, match="maximum"):
        search(tiny_index, "a" * 201)


@pytest.mark.parametrize("q", ["", "   ", "title:x", "*", "?", "~2", "AND OR NOT", '"unbalanced', "(((", "'; DROP TABLE", "\x00\x01", "é ☃ 😀 שלום"])
def test_odd_queries_give_results_not_errors(tiny_index, q):
    """Query syntax, symbols and control characters are plain text, never errors."""
    res = search(tiny_index, q)
    assert res.total >= 0


def test_suggestion_is_the_same_in_every_process(real_settings, real_index):
    """Two equally near respellings ("remicade", "medicaid") resolve the same way whatever the hash seed."""
    import os
    import subprocess
    import sys

    outputs = set()
    for seed in ("1", "2", "3"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        out = subprocess.run(
            [sys.executable, "-m", "codesearch.cli", "--index", str(real_settings.index_dir),
             "query", "remicaid", "--system", "hcpcs"],
            capture_output=True, text=True, env=env, timeout=120,
        )
        outputs.add(out.stdout.strip())
    # Since typos are also corrected by sound, "remicaid" is read as remicade (not medicaid) at once.
    assert len(outputs) == 1
    assert outputs.pop().startswith('(did you mean "remicade" for "remicaid")')


@pytest.mark.parametrize("q", ["J1566 J1568 J1569 a", "J1568 immune globulin", "J15", "immune glob"])
@pytest.mark.parametrize("size", [1, 2])
def test_pages_cut_one_ranking_with_the_same_reasons(tiny_index, q, size):
    """Pages, across typed codes and word matches alike, are the slices of one longer page."""
    whole = search(tiny_index, q, limit=8).to_dict()["results"]
    pages = [search(tiny_index, q, limit=size, offset=i).to_dict()["results"] for i in range(0, len(whole) + 1, size)]
    assert [r for page in pages for r in page] == whole
    assert whole and any(r["matched"] for r in whole)


def test_descriptor_postings_hold_exactly_the_descriptor_stems(tiny_index):
    """The score table's short and long postings are each record's stems(): the reasons read them as such."""
    table = tiny_index.table
    for doc, code in enumerate(table.codes.tolist()):
        record = tiny_index.records[code]
        expected = set(stems(record.long)) | set(stems(record.short))
        found = set()
        for fieldname in ("long", "short"):
            start, end = table.fields[fieldname]
            found |= {t for t in table.terms[start:end].tolist() if doc in table.postings(fieldname, t)[0]}
        assert found == expected, code


def test_package_api_opens_searches_and_looks_up(tiny_settings):
    """`import codesearch` alone builds, opens, searches and looks up a code; names load on first use."""
    import subprocess
    import sys

    import codesearch

    codesearch.build_index(tiny_settings)
    index = codesearch.open_index(tiny_settings.index_dir)
    try:
        assert codes(index.search("octagam"))[0] == "J1568"
        assert index.ranked("J15").codes == ["J1566", "J1568", "J1569"]
        assert all(type(c) is str for c in index.ranked("injection").codes)
        assert index.get("J1568").code == "J1568"
    finally:
        index.close()
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        codesearch.nope  # noqa: B018
    loaded = subprocess.run([sys.executable, "-c", "import codesearch, sys; print('numpy' in sys.modules)"],
                            capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "False"
