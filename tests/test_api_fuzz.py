"""Property tests of the JSON API through Flask's test client: any input is a 200 or a 4xx JSON answer."""

from __future__ import annotations

import json
import re
import time
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from codesearch.records import normalize_system
from codesearch.web import api, create_app, ctss

#: Every code of the tiny corpus (tests/fixtures.py).
TINY_CODES = {"GA", "E0601", "J1566", "J1568", "J1569", "J9271", "J9999", "Q0000"}
SECTION_RE = re.compile(r"[A-Za-z]|MOD|mod")
NLM_FIELDS = list(ctss.HCPCS.fields)
TIME_LIMIT = 1.0  # CPU seconds of this thread per request on the tiny index (a wall clock counts a loaded machine's other processes)

# The client fixture is built once per test; examples only read from it, so sharing it is safe.
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

WHOOSH = ["field:x", "title:inj*", "*", "?", "~2", "octagam~", "AND", "OR", "NOT", "^2", "[a TO z]", "{a TO z}",
          "(", ")", "((", '"', "'", '"immune globulin"', "\\", "+", "-", ":", "/", "a*b?", "J15*", "*:*"]
SQLISH = ["' OR 1=1 --", "'; DROP TABLE codes; --", '" OR ""="', "UNION SELECT * FROM users", "%", "_", "%00",
          "%s%s%n", "{0}", "${jndi:ldap://x}", "<script>alert(1)</script>", "../../etc/passwd"]
REGEXISH = ["(a+)+$", ".*", "[^a-z]", "(?i)", r"\d{1,3}", "a{1000000}", "((((((((((", "[", "]]"]
UNICODE = ["\x00", "\u202e", "\u200f", "\u202b", "مرحبا", "עברית", "😀", "👨‍👩‍👧", "\ufeff", "e\u0301", "ǅ", "ﬁ", "İ",
           "ß", "\uffff", "\U0010ffff", "\r\n", "\t", "\u3000", "１２３", "٣"]
MEDICAL = ["octagam", "J1568", "j15", "ivig", "inj", "500 mg", "immune globulin", "E11.9", "00944-2700-02", "pembro"]
TOKENS = WHOOSH + SQLISH + REGEXISH + UNICODE + MEDICAL

token = st.one_of(st.sampled_from(TOKENS), st.text(max_size=12))
QUERIES = st.one_of(
    st.text(max_size=250),
    st.lists(token, max_size=30).map(" ".join),
    st.lists(token, max_size=30).map("".join),
    # Long inputs by repetition, up to 10,000 characters (cheaper than drawing each character).
    st.tuples(token, st.integers(1, 10_000)).map(lambda t: (t[0] * t[1])[:10_000]),
)
NUMBERS = st.sampled_from(["", "0", "1", "7", "50", "51", "500", "501", "10000", "10001", "-1", "1e3", " 5", "1_0",
                           "٣", "NaN", "inf", "0x10", "+3", "9" * 30, "1000000000"])
FLAGS = st.sampled_from(["", "0", "1", "true", "false", "TRUE", "False", "yes", "no", "on", "off", "2", "truee"])
WORDS = st.sampled_from(["MOD", "mod", "Mod", "J", "j", "E", "JJ", "hcpcs", "HCPCS", "icd10cm", "ICD-10-CM", "cpt",
                         "icd", "loinc", "*"])
VALUES = st.one_of(st.text(max_size=30), st.integers(-10**12, 10**12).map(str), NUMBERS, FLAGS, WORDS, QUERIES)
SEARCH_PARAMS = ["q", "limit", "offset", "include_terminated", "section", "system", "prefix"]
NLM_PARAMS = ["terms", "maxList", "count", "offset", "df", "ef", "sf"]
#: CTSS parameters these fuzz tests leave out (q, cf and suggest have their own tests in test_ctss.py).
NLM_OTHER_PARAMS = {"q", "cf", "suggest", "field_val"}
FIELD_LISTS = st.lists(st.sampled_from([*NLM_FIELDS, "", " ", "bogus", "CODE"]), max_size=6).map(",".join)


def params(names: list[str], values=VALUES):
    """Query parameters as ordered pairs: known and unknown names, repeated names, arbitrary values."""
    unknown = st.text(max_size=10).filter(lambda n: n not in NLM_OTHER_PARAMS)
    return st.lists(st.tuples(st.one_of(st.sampled_from(names), unknown), values), max_size=12)


@pytest.fixture(autouse=True)
def _no_cors_from_environment(monkeypatch):
    """Keep a CODESEARCH_CORS_ORIGINS of the calling shell out of these tests."""
    monkeypatch.delenv("CODESEARCH_CORS_ORIGINS", raising=False)


@pytest.fixture
def client(tiny_settings, tiny_index):
    """A test client of the app serving the tiny index."""
    return create_app({"CODESEARCH_INDEX_DIR": str(tiny_settings.index_dir), "TESTING": True}).test_client()


def get(client, path: str, query=None):
    """GET ``path``: a JSON answer that is not a 5xx, within the time limit; returns (status, body)."""
    started = time.thread_time()
    response = client.get(path, query_string=MultiDict(query or []))
    elapsed = time.thread_time() - started
    assert response.status_code < 500, (path, query, response.get_data(as_text=True)[:500])
    assert elapsed < TIME_LIMIT, (path, query, elapsed)
    assert response.mimetype == "application/json", (path, query, response.mimetype)
    # Strict JSON: no NaN or Infinity, which JavaScript's JSON.parse refuses.
    body = json.loads(response.get_data(as_text=True), parse_constant=_refuse_constant)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    return response.status_code, body


def _refuse_constant(name: str):
    raise AssertionError(f"response JSON has {name}, which is not valid JSON")


def first_values(pairs) -> dict[str, str]:
    """What Flask's request.args.get sees: the first value of each name."""
    out: dict[str, str] = {}
    for name, value in pairs:
        out.setdefault(name, value)
    return out


def is_int(raw: str, low: int, high: int | None = None) -> bool:
    try:
        value = int(raw)
    except ValueError:
        return False
    return value >= low and (high is None or value <= high)


def is_flag(raw: str | None) -> bool:
    return raw is None or raw.lower() in api.TRUE | api.FALSE


def is_system(raw: str | None) -> bool:
    if not raw:
        return True
    try:
        normalize_system(raw)
    except ValueError:
        return False
    return True


def invalid_search_params(args: dict[str, str]) -> set[str]:
    """The parameters README documents as invalid in ``args`` (empty means a 200 is due)."""
    bad = set()
    if len(args.get("q", "")) > 200:
        bad.add("q")
    if args.get("limit") and not is_int(args["limit"], 1):  # above 50 is capped, not refused
        bad.add("limit")
    if args.get("offset") and not is_int(args["offset"], 0, 10_000):
        bad.add("offset")
    bad.update(name for name in ("include_terminated", "prefix") if not is_flag(args.get(name)))
    if args.get("section") and not SECTION_RE.fullmatch(args["section"]):
        bad.add("section")
    if not is_system(args.get("system")):
        bad.add("system")
    return bad


def invalid_nlm_params(args: dict[str, str]) -> set[str]:
    """The NLM endpoint's invalid parameters in ``args``."""
    bad = set()
    if len(args.get("terms", "")) > 200:
        bad.add("terms")
    bad.update(name for name in ("maxList", "count") if args.get(name) and not is_int(args[name], 1))
    if args.get("offset") and not is_int(args["offset"], 0, ctss.NLM_MAX_END):
        bad.add("offset")
    if not bad:
        size = args.get("count") or args.get("maxList", "7") or str(ctss.NLM_MAX_LIST)
        if int(args.get("offset") or 0) + min(int(size), ctss.NLM_MAX_LIST) > ctss.NLM_MAX_END:
            bad.add("offset")
    for name in ("df", "sf"):
        fields = [f.strip() for f in args.get(name, "").split(",") if f.strip()]
        known = ctss.HCPCS.fields if name == "df" else ctss.HCPCS.text_fields | {"code"}
        if any(f not in known for f in fields):
            bad.add(name)
    for item in (i.strip() for i in args.get("ef", "").split(",")):
        field, colon, alias = item.partition(":")
        if item and (field not in ctss.HCPCS.fields or (colon and not ctss.ALIAS_RE.match(alias))):
            bad.add("ef")
    return bad


def assert_error(body, status: int) -> str:
    """``body`` is the documented error object for ``status``; returns its message."""
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"status", "message"}, body
    assert body["error"]["status"] == status
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]["message"]


def assert_search_body(body, limit: int = 50) -> None:
    """``body`` is the documented search object, with at most ``limit`` results."""
    assert {"query", "total", "results", "suggestion", "corrections"} <= set(body), body
    assert isinstance(body["query"], str)
    assert isinstance(body["total"], int) and body["total"] >= 0
    assert body["suggestion"] is None or isinstance(body["suggestion"], str)
    assert isinstance(body["corrections"], dict)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in body["corrections"].items())
    assert isinstance(body["results"], list) and len(body["results"]) <= limit
    for r in body["results"]:
        assert r["code"] in TINY_CODES
        assert r["status"] in ("active", "terminated")
        for name in ("system", "title", "description", "snippet", "kind", "section", "plain"):
            assert isinstance(r[name], str), (name, r)
        assert isinstance(r["score"], (int, float))
        assert all(isinstance(x, str) for x in r["brands"] + r["matched"])
        assert isinstance(r["products"], list)


def assert_nlm_body(body, df: list[str], ef: list[str]) -> None:
    """``body`` is ``[total, codes, extra or null, display rows]`` for the fields asked."""
    assert isinstance(body, list) and len(body) == 4, body
    total, codes, extra, rows = body
    assert isinstance(total, int) and total >= len(codes)
    assert isinstance(codes, list) and set(codes) <= TINY_CODES and len(codes) <= ctss.NLM_MAX_LIST
    if ef:
        keys = {alias or field for field, _, alias in (f.partition(":") for f in ef)}
        assert isinstance(extra, dict) and set(extra) == keys
        assert all(isinstance(v, list) and len(v) == len(codes) for v in extra.values())
    else:
        assert extra is None
    assert isinstance(rows, list) and len(rows) == len(codes)
    assert all(isinstance(row, list) and len(row) == len(df) and all(isinstance(x, str) for x in row) for row in rows)


@FUZZ
@given(q=QUERIES)
def test_search_any_query_is_200_or_400(client, q):
    """Any text as q (Unicode, NUL, RTL, emoji, Whoosh/SQL/regex syntax, up to 10,000 characters): 200 or 400."""
    status, body = get(client, "/api/search", [("q", q)])
    if len(q) <= 200:
        assert status == 200, (q, body)
        assert_search_body(body)
    else:
        assert status == 400, (q, body)
        assert "maximum is 200" in assert_error(body, 400)


@FUZZ
@given(pairs=params(SEARCH_PARAMS))
def test_search_any_parameters_are_200_or_400(client, pairs):
    """Arbitrary, repeated and unknown parameters on /api/search: 200 when all are valid, else a 400 naming one."""
    status, body = get(client, "/api/search", pairs)
    bad = invalid_search_params(first_values(pairs))
    if not bad:
        assert status == 200, (pairs, body)
        assert_search_body(body)
    else:
        assert status == 400, (pairs, bad, body)
        message = assert_error(body, 400)
        assert any(("code system" if name == "system" else name) in message for name in bad), (bad, message)


@FUZZ
@given(pairs=params(NLM_PARAMS, st.one_of(VALUES, FIELD_LISTS)))
def test_nlm_any_parameters_are_200_or_400(client, pairs):
    """Arbitrary, repeated and unknown parameters on the NLM endpoint: its 4-element array, or a 400."""
    status, body = get(client, "/api/hcpcs/v3/search", pairs)
    args = first_values(pairs)
    if invalid_nlm_params(args):
        assert status == 400, (pairs, body)
        assert_error(body, 400)
        return
    assert status == 200, (pairs, body)
    df = [f.strip() for f in args.get("df", "code,display").split(",") if f.strip()]
    ef = [f.strip() for f in args.get("ef", "").split(",") if f.strip()]
    assert_nlm_body(body, df, ef)


CODE_TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(sorted(TINY_CODES) + ["j1568", "J1568 ", " J1568", "J1568\n", "E11.9", "A0000", "J1568/units",
                                          "J1568/units/x", "..", ".", "%", "%2F", "/0", "//", "J1568//units",
                                          "J1568?x=1", "J1568#x", "ZZZZZZ"]),
    st.tuples(st.sampled_from(sorted(TINY_CODES)), token).map("".join),
)


@FUZZ
@given(text=CODE_TEXT)
def test_code_any_path_text_is_200_400_or_404(client, text):
    """Any text (URL-quoted) as /api/codes/<code>: the record, a 400 or a 404, always JSON."""
    status, body = get(client, "/api/codes/" + quote(text, safe=""))
    assert status in (200, 400, 404), (text, status, body)
    if status == 200:
        assert body["code"] in TINY_CODES and {"long", "short", "status", "related", "billing_notes"} <= set(body)
    else:
        assert_error(body, status)


DOSES = st.one_of(
    st.text(max_size=40),
    st.builds(lambda n, u: f"{n} {u}", st.decimals(min_value=0, max_value=10**12, places=3).map(str),
              st.sampled_from(["mg", "g", "mcg", "units", "IU", "ml", "vial", "MG", "grams", "sq cm", "furlong"])),
)


@FUZZ
@given(code=st.sampled_from(sorted(TINY_CODES) + ["A0000"]), dose=DOSES)
def test_units_any_dose_is_200_400_or_404(client, code, dose):
    """Any dose text for any code on /api/codes/<code>/units: units, a 400 or a 404, always valid JSON."""
    status, body = get(client, f"/api/codes/{code}/units", [("dose", dose)])
    assert status in (200, 400, 404), (code, dose, status, body)
    if status == 200:
        assert body["code"] == code and isinstance(body["units"], int) and body["units"] >= 1
    else:
        assert_error(body, status)


@pytest.mark.parametrize("path", ["/api/codes/%2F0", "/api//search", "/api/codes/J1568//units"])
def test_doubled_slash_is_a_json_404(client, path):
    """A `//` in an API path (also a decoded %2F) is a JSON 404, not an HTML redirect to another URL."""
    status, body = get(client, path)
    assert status == 404
    assert_error(body, 404)


def test_limit_minus_one_is_400(client):
    """limit=-1 is refused with a 400 naming limit."""
    status, body = get(client, "/api/search", [("q", "injection"), ("limit", "-1")])
    assert status == 400
    assert "limit" in assert_error(body, 400)


def test_huge_limit_is_capped_at_50(client):
    """limit=1000000000 is a 200 with at most 50 results, the same page as limit=50."""
    status, body = get(client, "/api/search", [("q", "injection"), ("limit", "1000000000")])
    assert status == 200
    assert_search_body(body, limit=50)
    assert body["results"] and body == get(client, "/api/search", [("q", "injection"), ("limit", "50")])[1]


def test_offset_past_the_end_is_an_empty_page(client):
    """An offset past the last result is a 200 with no results and the true total."""
    status, body = get(client, "/api/search", [("q", "injection"), ("offset", "10000")])
    assert status == 200
    assert body["results"] == [] and body["total"] >= 4


@pytest.mark.parametrize("dose", ["1x10^400 mg", "1x10^5000 mg", "1x10^9999999 mg"])
def test_units_huge_scientific_dose_is_refused(client, dose):
    """An absurdly large dose in scientific notation is a 400 (or a finite 200), not a 500 or Infinity."""
    status, body = get(client, "/api/codes/J1568/units", [("dose", dose)])
    assert status in (200, 400)
