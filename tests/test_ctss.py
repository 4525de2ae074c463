"""The NLM Clinical Tables (CTSS) compatible endpoints through Flask's test client."""

from __future__ import annotations

import numpy as np
import pytest

from codesearch.search import RecordFilter, ranked
from codesearch.web import create_app

OCTAGAM_LONG = "Injection, immune globulin, (octagam), intravenous, non-lyophilized (e.g., liquid), 500 mg"
#: The active codes of the tiny corpus whose descriptor says "injection"; Q0000 is terminated.
INJECTION_CODES = {"J1566", "J1568", "J1569", "J9271"}
HCPCS = "/api/hcpcs/v3/search"
ICD = "/api/icd10cm/v3/search"


@pytest.fixture(autouse=True)
def _no_cors_from_environment(monkeypatch):
    """Keep a CODESEARCH_CORS_ORIGINS of the calling shell out of these tests."""
    monkeypatch.delenv("CODESEARCH_CORS_ORIGINS", raising=False)


@pytest.fixture
def client(tiny_settings, tiny_index):
    """A test client of the app serving the tiny index."""
    app = create_app({"CODESEARCH_INDEX_DIR": str(tiny_settings.index_dir), "TESTING": True,
                      "CODESEARCH_BACKGROUND_RELOAD": False})
    return app.test_client()


@pytest.fixture(scope="module")
def real_client(real_settings, real_index):
    """A test client of the app serving the full real index."""
    app = create_app({"CODESEARCH_INDEX_DIR": str(real_settings.index_dir), "TESTING": True})
    return app.test_client()


def get(client, url: str):
    """The JSON body of a 200 answer."""
    r = client.get(url)
    assert r.status_code == 200, (url, r.get_json())
    return r.get_json()


def error(client, url: str, status: int = 400) -> str:
    """The message of a JSON error answer with ``status``."""
    r = client.get(url)
    assert r.status_code == status, (url, r.get_json())
    assert r.mimetype == "application/json"
    return r.get_json()["error"]["message"]


def injection_order(client) -> list[str]:
    """The ranked codes for `injection`, terminated ones last, as /api/search ranks them."""
    body = get(client, "/api/search?q=injection&include_terminated=true&limit=50")
    return [r["code"] for r in body["results"]]


# -- shape, counts and paging ------------------------------------------------------------------


def test_shape(client):
    """terms=octa answers [total, [codes], null, [[code, display]]]."""
    assert get(client, f"{HCPCS}?terms=octa") == [1, ["J1568"], None, [["J1568", OCTAGAM_LONG]]]


def test_terminated_codes_come_last_flagged_obsolete(client):
    """Like CTSS the table holds obsolete codes: after every active match, with obsolete true."""
    order = injection_order(client)
    assert set(order[:-1]) == INJECTION_CODES and order[-1] == "Q0000"
    total, found, extra, _ = get(client, f"{HCPCS}?terms=injection&maxList=&ef=obsolete")
    assert (total, found) == (5, order)
    assert extra["obsolete"] == [False] * 4 + [True]


def test_max_list_and_count(client):
    """maxList limits the codes while total counts all; count overrides maxList; larger values are capped."""
    order = injection_order(client)
    total, found, extra, rows = get(client, f"{HCPCS}?terms=injection&maxList=2")
    assert (total, found, extra) == (5, order[:2], None)
    assert [row[0] for row in rows] == found
    assert get(client, f"{HCPCS}?terms=injection&maxList=1&count=3")[1] == order[:3]
    assert get(client, f"{HCPCS}?terms=injection&maxList=100000")[:2] == [5, order]


def test_offset_pages_one_ranking(client):
    """count/offset pages cut the same order as one large window."""
    order = injection_order(client)
    pages = [get(client, f"{HCPCS}?terms=injection&count=2&offset={o}")[1] for o in (0, 2, 4)]
    assert sum(pages, []) == order


@pytest.mark.parametrize("query", ["maxList=0", "maxList=0&count=1", "count=abc", "offset=-3", "offset=7500", "count=10&offset=7495"])
def test_bad_number_is_400(client, query):
    """A bad maxList, count or offset, or offset + count past 7,500, is a 400 naming the parameter."""
    assert query.split("=")[0] in error(client, f"{HCPCS}?terms=octa&{query}")


def test_empty_terms(client):
    """No terms answers [0, [], null, []]."""
    assert get(client, HCPCS) == [0, [], None, []]
    assert get(client, f"{HCPCS}?terms=%20") == [0, [], None, []]


# -- fields: df, ef, cf, sf -------------------------------------------------------------------------


def test_display_fields(client):
    """df=code,short_desc makes each display row [code, short description]; booleans read true/false."""
    assert get(client, f"{HCPCS}?terms=octa&df=code,short_desc")[3] == [["J1568", "Octagam injection"]]
    assert get(client, f"{HCPCS}?terms=octa&df=obsolete,is_noc")[3] == [["false", "false"]]


def test_extra_fields_and_aliases(client):
    """ef lists fields as the third element; field:alias names the key."""
    assert get(client, f"{HCPCS}?terms=octa&ef=short_desc,obsolete")[2] == {
        "short_desc": ["Octagam injection"], "obsolete": [False]}
    assert get(client, f"{HCPCS}?terms=octa&ef=short_desc:sd,obsolete,add_dt:added")[2] == {
        "sd": ["Octagam injection"], "obsolete": [False], "added": ["20080101"]}


def test_code_field(client):
    """cf picks the field listed as codes."""
    assert get(client, f"{HCPCS}?terms=octa&cf=short_desc")[1] == ["Octagam injection"]


@pytest.mark.parametrize(("param", "value"), [("df", "code,bogus"), ("ef", "bogus"), ("ef", "code:a-b"),
                                              ("cf", "bogus"), ("cf", "code,display"), ("sf", "add_dt"),
                                              ("sf", "name")])
def test_unknown_field_is_400(client, param, value):
    """An unknown or unsearchable field, a bad alias or two code fields is a 400 naming the parameter."""
    assert error(client, f"{HCPCS}?terms=octa&{param}={value}").startswith(param)


def test_search_fields_code_only(client):
    """sf=code matches code prefixes only, in code order: J9 finds J9271 and J9999, pembrolizumab nothing."""
    assert get(client, f"{HCPCS}?terms=J9&sf=code")[:2] == [2, ["J9271", "J9999"]]
    assert get(client, f"{HCPCS}?terms=j1568&sf=code")[1] == ["J1568"]
    assert get(client, f"{HCPCS}?terms=pembrolizumab&sf=code")[0] == 0
    assert get(client, f"{HCPCS}?terms=pembrolizumab")[1] == ["J9271"]


def test_search_fields_words_only(client):
    """sf without code never matches a typed code; with it (the default) a typed code comes first."""
    assert get(client, f"{HCPCS}?terms=J1568&sf=short_desc,long_desc")[0] == 0
    assert get(client, f"{HCPCS}?terms=J1568")[1][0] == "J1568"
    assert get(client, f"{HCPCS}?terms=octagam&sf=long_desc")[1] == ["J1568"]


# -- q ----------------------------------------------------------------------------------------------


def test_q_code_prefix(client):
    """q=code:J15* keeps only J15 codes of the terms' matches."""
    total, found, _, _ = get(client, f"{HCPCS}?terms=injection&q=code:J15*&maxList=")
    assert total == 3 and set(found) == {"J1566", "J1568", "J1569"}
    assert get(client, f"{HCPCS}?terms=injection&q=code:j1568")[1] == ["J1568"]


def test_q_obsolete(client):
    """q=obsolete:true keeps the terminated codes, obsolete:false the active ones."""
    assert get(client, f"{HCPCS}?terms=injection&q=obsolete:true")[:2] == [1, ["Q0000"]]
    total, found, _, _ = get(client, f"{HCPCS}?terms=injection&q=obsolete:false&maxList=")
    assert total == 4 and set(found) == INJECTION_CODES


def test_q_is_noc_and_or(client):
    """is_noc, AND binding before OR, word and phrase clauses on text fields."""
    assert get(client, f"{HCPCS}?terms=injection&q=is_noc:true")[1] == ["J1566"]
    body = get(client, f"{HCPCS}?terms=injection&q=is_noc:true OR code:J9271&maxList=")
    assert set(body[1]) == {"J1566", "J9271"}
    body = get(client, f"{HCPCS}?terms=injection&q=code:J15* AND long_desc:octagam OR code:Q0000&maxList=")
    assert set(body[1]) == {"J1568", "Q0000"}
    assert get(client, f'{HCPCS}?terms=injection&q=short_desc:"gammagard liquid"')[1] == ["J1569"]
    assert get(client, f"{HCPCS}?terms=injection&q=long_desc:pembro*")[1] == ["J9271"]


@pytest.mark.parametrize("q", ["J15", "code:J15 code:J9", "bogus:x", "obsolete:maybe", "code:J1?",
                               "(code:J15*)", "code:J15* AND", "OR code:J15*", "long_desc:a~2", "code:",
                               "NOT code:J15*"])
def test_bad_q_is_400(client, q):
    """Anything outside the supported q subset is a 400 whose message names q."""
    assert error(client, f"{HCPCS}?terms=injection&q={q}").startswith("q:")


# -- suggest --------------------------------------------------------------------------------------


def test_suggest_answers_the_widget_shape(client):
    """suggest=1&field_val=octagan answers [codes, display rows, extra] for the respelled text."""
    codes, rows, extra = get(client, f"{HCPCS}?suggest=1&field_val=octagan")
    assert codes == ["J1568"] and rows == [["J1568", OCTAGAM_LONG]] and extra is None


def test_suggest_nothing_close(client):
    """A suggestion request for text like no code answers empty lists."""
    assert get(client, f"{HCPCS}?suggest=1&field_val=zzzzqqq") == [[], [], None]


# -- the library window -------------------------------------------------------------------------------


def test_ranked_window_matches_search_pages(tiny_index):
    """ranked() returns search()'s order in one window, honours offset, filters and match kinds."""
    from codesearch.search import search

    order = [r.code for r in search(tiny_index, "injection", limit=50, include_terminated=True).results]
    assert ranked(tiny_index, "injection", include_terminated=True).codes == order
    assert ranked(tiny_index, "injection", include_terminated=True, offset=2, limit=2).codes == order[2:4]
    only_j15 = RecordFilter("test:j15", lambda ix: np.array([c.startswith("J15") for c in ix.table.codes]))
    assert ranked(tiny_index, "injection", where=only_j15).codes == [c for c in order if c.startswith("J15")]
    assert ranked(tiny_index, "J95", match=frozenset({"codes"})).total == 0
    assert ranked(tiny_index, "J9 J99", match=frozenset({"codes"})).codes == ["J9999"]


def test_ranked_refuses_a_window_past_500(tiny_index):
    """ranked() takes up to 500 codes; 501 is a QueryError naming limit."""
    from codesearch.errors import QueryError

    with pytest.raises(QueryError, match="limit"):
        ranked(tiny_index, "injection", limit=501)


# -- the real files -----------------------------------------------------------------------------------


@pytest.mark.slow
def test_hcpcs_j15_has_no_icd10cm_code(real_client):
    """terms=J15 on the HCPCS table lists HCPCS J15xx codes only, never ICD-10-CM J15.x."""
    total, found, _, _ = get(real_client, f"{HCPCS}?terms=J15&maxList=")
    assert total == len(found) > 10
    assert all(c.startswith("J15") and "." not in c for c in found)
    for terms in ("injection", "wheelchair"):
        _, found, _, _ = get(real_client, f"{HCPCS}?terms={terms}&maxList=")
        assert found and not [c for c in found if "." in c], terms


@pytest.mark.slow
def test_icd10cm_e119_first(real_client):
    """terms=E11.9 on the ICD-10-CM table answers E11.9 first, with CTSS's code,name rows."""
    total, found, extra, rows = get(real_client, f"{ICD}?terms=E11.9")
    assert found[0] == "E11.9" and extra is None
    assert rows[0] == ["E11.9", "Type 2 diabetes mellitus without complications"]
    assert all("." in c or len(c) == 3 for c in found)


@pytest.mark.slow
def test_icd10cm_plain_words_and_q(real_client):
    """ICD-10-CM keeps codesearch's plain language, and q=code:I1* narrows it."""
    assert get(real_client, f"{ICD}?terms=high blood pressure")[1][0] == "I10"
    _, found, _, _ = get(real_client, f"{ICD}?terms=pressure&q=code:I1*&maxList=")
    assert found and all(c.startswith("I1") for c in found)
    assert "obsolete" in error(real_client, f"{ICD}?terms=pressure&q=obsolete:true")


@pytest.mark.slow
def test_icd10cm_code_prefix_only(real_client):
    """sf=code on ICD-10-CM lists the family in code order."""
    total, found, _, _ = get(real_client, f"{ICD}?terms=E11.6&sf=code&maxList=")
    assert found == sorted(found) and all(c.startswith("E11.6") for c in found) and total == len(found)


@pytest.mark.slow
def test_default_seven_and_empty_max_list_500(real_client):
    """Without maxList 7 codes; maxList= (empty) gives up to 500 from one ranking, no repeats."""
    total, found, _, rows = get(real_client, f"{HCPCS}?terms=injection")
    assert total > 500 and len(found) == len(rows) == 7
    total, found, _, _ = get(real_client, f"{HCPCS}?terms=injection&maxList=")
    assert len(found) == len(set(found)) == 500
    assert found[:7] == get(real_client, f"{HCPCS}?terms=injection")[1]


@pytest.mark.slow
def test_brand_typo_and_suggest_on_real_files(real_client):
    """keytrudda offers J9271 (typo corrected) in the list and as a suggestion."""
    assert "J9271" in get(real_client, f"{HCPCS}?terms=keytrudda")[1]
    assert "J9271" in get(real_client, f"{HCPCS}?suggest=1&field_val=keytrudda")[0]
    assert get(real_client, f"{HCPCS}?terms=octa")[1][0] == "J1568"


def test_one_ranking_per_request(client, monkeypatch):
    """maxList=500 and a deep count/offset page each rank once (the library is not paged 50 at a time)."""
    from codesearch.search import Searcher

    calls = []
    original = Searcher._rank
    monkeypatch.setattr(Searcher, "_rank", lambda self, *a, **k: calls.append(1) or original(self, *a, **k))
    for url in (f"{HCPCS}?terms=injection&maxList=500", f"{HCPCS}?terms=injection&count=500&offset=7000",
                f"{HCPCS}?terms=injection&maxList="):
        calls.clear()
        get(client, url)
        assert calls == [1], url
