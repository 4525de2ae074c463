"""The web layer through Flask's test client: JSON API, errors, caching, CORS, headers and pages."""

from __future__ import annotations

import time

import re
from html.parser import HTMLParser

import pytest

from codesearch.build import build_index
from codesearch.related import BILLING_NOTES
from codesearch.search import search
from codesearch.web import create_app

from fixtures import TINY_ROWS

OCTAGAM_LONG = "Injection, immune globulin, (octagam), intravenous, non-lyophilized (e.g., liquid), 500 mg"
SCRIPT = "<script>alert(1)</script>"
MARK_ONLY_RE = re.compile(r"</?mark>")
#: The active codes of the tiny corpus whose descriptor says "injection" (Q0000 is terminated).
INJECTION_CODES = {"J1566", "J1568", "J1569", "J9271"}


@pytest.fixture(autouse=True)
def _no_cors_from_environment(monkeypatch):
    """Keep a CODESEARCH_CORS_ORIGINS of the calling shell out of these tests."""
    monkeypatch.delenv("CODESEARCH_CORS_ORIGINS", raising=False)


@pytest.fixture
def app(tiny_settings, tiny_index):
    """The app serving the tiny index (rebuilds adopted synchronously, for deterministic tests)."""
    return create_app({"CODESEARCH_INDEX_DIR": str(tiny_settings.index_dir), "TESTING": True,
                       "CODESEARCH_BACKGROUND_RELOAD": False})


@pytest.fixture
def client(app):
    """A test client of the tiny app."""
    return app.test_client()


@pytest.fixture(scope="module")
def real_client(real_settings, real_index):
    """A test client of the app serving the full real index."""
    app = create_app({"CODESEARCH_INDEX_DIR": str(real_settings.index_dir), "TESTING": True})
    return app.test_client()


def codes(body: dict) -> list[str]:
    return [r["code"] for r in body["results"]]


def assert_json_error(response, status: int, *words: str) -> str:
    """The response is the JSON error body with ``status``; its message names each of ``words``."""
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    assert body["error"]["status"] == status
    message = body["error"]["message"]
    assert isinstance(message, str) and message
    for word in words:
        assert word in message, (word, message)
    return message


def assert_only_marks(html: str) -> None:
    """Every ``<`` in ``html`` opens a <mark> or </mark> tag and nothing else."""
    assert "<" not in MARK_ONLY_RE.sub("", html), html
    assert ">" not in MARK_ONLY_RE.sub("", html), html


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags(html: str, name: str) -> list[dict]:
    """The attributes of every ``name`` start tag in ``html``."""
    parser = _Tags()
    parser.feed(html)
    return [attrs for tag, attrs in parser.tags if tag == name]


# -- /api/search -----------------------------------------------------------------------


def test_search_shape(client):
    """/api/search?q=octagam answers {query,total,results} with every result field filled in."""
    r = client.get("/api/search?q=octagam")
    assert r.status_code == 200
    assert r.mimetype == "application/json"
    body = r.get_json()
    assert list(body)[:3] == ["query", "total", "results"]
    assert body["query"] == "octagam"
    assert body["total"] == 1
    (hit,) = body["results"]
    assert {"code", "system", "title", "description", "status", "score", "snippet"} <= set(hit)
    assert hit["code"] == "J1568"
    assert hit["system"] == "HCPCS"
    assert hit["title"] == "Octagam injection"
    assert hit["description"] == OCTAGAM_LONG
    assert hit["status"] == "active"
    assert isinstance(hit["score"], float) and hit["score"] > 0
    assert "(<mark>octagam</mark>)" in hit["snippet"]
    assert hit["brands"] == ["Octagam"]


@pytest.mark.parametrize(
    ("url", "kwargs"),
    [
        ("/api/search?q=octagam", {"query": "octagam"}),
        ("/api/search?q=injection&limit=2&offset=1", {"query": "injection", "limit": 2, "offset": 1}),
        ("/api/search?q=retired&include_terminated=true",
         {"query": "retired", "include_terminated": True}),
        ("/api/search?q=cpap&section=E", {"query": "cpap", "section": "E"}),
    ],
)
def test_search_is_library_to_dict(client, tiny_index, url, kwargs):
    """/api/search returns exactly the object of the library's search(...).to_dict()."""
    query = kwargs.pop("query")
    expected = search(tiny_index, query, **kwargs).to_dict()
    assert expected["results"], "the comparison needs at least one result"
    assert client.get(url).get_json() == expected


@pytest.mark.slow
def test_search_limit_defaults_to_ten(real_client):
    """Without limit, a query matching hundreds of codes returns 10 results."""
    body = real_client.get("/api/search?q=injection").get_json()
    assert body["total"] > 10
    assert len(body["results"]) == 10


@pytest.mark.slow
@pytest.mark.parametrize("limit", ["51", "1000", "1000000000"])
def test_search_limit_capped_at_fifty_on_real_index(real_client, limit):
    """A limit above 50 is capped to 50 results instead of refused."""
    r = real_client.get(f"/api/search?q=injection&limit={limit}")
    assert r.status_code == 200
    assert len(r.get_json()["results"]) == 50


def test_search_huge_limit_on_tiny_index(client):
    """limit=1000000000 answers 200 with every match of the tiny corpus (4, at most 50)."""
    r = client.get("/api/search?q=injection&limit=1000000000")
    assert r.status_code == 200
    body = r.get_json()
    assert body["total"] == len(INJECTION_CODES)
    assert set(codes(body)) == INJECTION_CODES


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("limit=0", "limit"),
        ("limit=-1", "limit"),
        ("limit=abc", "limit"),
        ("limit=1.5", "limit"),
        ("offset=-1", "offset"),
        ("offset=abc", "offset"),
        ("offset=10001", "offset"),
        ("include_terminated=maybe", "include_terminated"),
        ("prefix=2", "prefix"),
        ("section=EE", "section"),
        ("section=%3Cscript%3E", "section"),
    ],
)
def test_search_bad_parameter_is_400_naming_it(client, query, parameter):
    """An invalid parameter is a 400 JSON error whose message names the parameter."""
    assert_json_error(client.get(f"/api/search?q=octagam&{query}"), 400, parameter)


def test_search_offset_past_end_is_empty(client):
    """An offset past the last result answers 200 with the total and no results."""
    r = client.get("/api/search?q=injection&offset=100")
    assert r.status_code == 200
    body = r.get_json()
    assert body["total"] == len(INJECTION_CODES)
    assert body["results"] == []


@pytest.mark.parametrize("value", ["true", "1", "yes", "ON"])
def test_search_include_terminated(client, value):
    """include_terminated=true (or 1/yes/on) shows the terminated Q0000; without it, it is hidden."""
    assert client.get("/api/search?q=retired").get_json()["total"] == 0
    body = client.get(f"/api/search?q=retired&include_terminated={value}").get_json()
    assert codes(body) == ["Q0000"]
    assert body["results"][0]["status"] == "terminated"


@pytest.mark.parametrize("value", ["false", "0", "no", ""])
def test_search_include_terminated_false(client, value):
    """include_terminated=false (or 0/no/empty) keeps Q0000 out."""
    body = client.get(f"/api/search?q=retired&include_terminated={value}").get_json()
    assert body["total"] == 0


def test_search_section_filter(client):
    """section=E keeps E0601 for cpap and drops every J code for immune globulin."""
    assert codes(client.get("/api/search?q=cpap&section=E").get_json()) == ["E0601"]
    assert codes(client.get("/api/search?q=cpap&section=e").get_json()) == ["E0601"]
    assert client.get("/api/search?q=immune%20globulin&section=E").get_json()["total"] == 0
    assert set(codes(client.get("/api/search?q=immune%20globulin&section=J").get_json())) == {
        "J1566", "J1568", "J1569"}


def test_search_query_length_limit(client):
    """A 200-character q is accepted; 201 characters is a 400 naming q and the maximum."""
    assert client.get("/api/search?q=" + "a" * 200).status_code == 200
    assert_json_error(client.get("/api/search?q=" + "a" * 201), 400, "q is 201 characters", "200")


def test_search_empty_query(client):
    """An absent or blank q answers 200 with no results rather than an error."""
    for url in ("/api/search", "/api/search?q=", "/api/search?q=%20%20"):
        r = client.get(url)
        assert r.status_code == 200, url
        assert r.get_json()["results"] == []


def test_search_script_query_snippets_are_escaped(client):
    """A query holding <script> still finds octagam first, and no snippet carries the raw tag."""
    r = client.get("/api/search", query_string={"q": f"octagam {SCRIPT}"})
    assert r.status_code == 200
    body = r.get_json()
    assert codes(body)[0] == "J1568"
    for hit in body["results"]:
        assert "<script" not in hit["snippet"].lower()
        assert_only_marks(hit["snippet"])
        assert_only_marks(hit["plain"])


@pytest.mark.parametrize("q", ["octagam", "injection", "cpap", "immune globulin", "a", "J15", "68982-0840-01"])
def test_snippets_contain_only_mark_tags(client, q):
    """Snippets and plain text carry no markup but <mark>, and the words searched are marked."""
    body = client.get("/api/search", query_string={"q": q}).get_json()
    assert body["results"]
    for hit in body["results"]:
        assert_only_marks(hit["snippet"])
        assert_only_marks(hit["plain"])
    if q not in ("J15", "68982-0840-01"):  # code prefixes and NDCs match no words
        assert any("<mark>" in hit["snippet"] for hit in body["results"])


def test_search_escapes_markup_in_record_text(tiny_settings, tmp_path):
    """Record text with < and & reaches the snippet HTML-escaped, with only <mark> added."""
    from dataclasses import replace

    from fixtures import hcpcs_row, write_corpus, write_xlsx

    data = write_corpus(tmp_path / "data2")
    rows = [hcpcs_row("A1234", 'Dressing <b>foam</b> & "gel" <script>x</script>', "Dressing foam")]
    write_xlsx(data / "hcpcs" / "HCPC2025_OCT_ANWEB.xlsx", rows)
    settings = replace(tiny_settings, data_dir=data, index_dir=tmp_path / "index2")
    build_index(settings)
    client = create_app({"CODESEARCH_INDEX_DIR": str(settings.index_dir), "TESTING": True}).test_client()
    (hit,) = client.get("/api/search?q=foam").get_json()["results"]
    assert "<script>" not in hit["snippet"]
    assert "&lt;script&gt;" in hit["snippet"]
    assert "&amp;" in hit["snippet"]
    assert "<mark>foam</mark>" in hit["snippet"]
    assert_only_marks(hit["snippet"])


# -- /api/codes/<code> -------------------------------------------------------------------------


def test_code_record_j1568(client):
    """/api/codes/J1568 returns the whole record: brands, NDC products, plain, tables' meanings, notes."""
    r = client.get("/api/codes/J1568")
    assert r.status_code == 200
    d = r.get_json()
    assert d["code"] == "J1568"
    assert d["long"] == OCTAGAM_LONG
    assert d["short"] == "Octagam injection"
    assert d["status"] == "active"
    assert d["brands"] == ["Octagam"]
    assert [p["ndc"] for p in d["products"]] == ["68982-0840-01", "00069-6002-02"]
    first = d["products"][0]
    assert first["labeler"] == "Octapharma USA Inc"
    assert first["billing_units"] == "2"
    assert first["drug_name"] == "Octagam"
    assert first["dosage"] == "500 MG"
    assert d["plain"] == "Octagam: immune globulin (antibodies), given into a vein; billed per 500 mg."
    assert d["section_letter"] == "J"
    assert d["section"] == "Drugs administered other than oral method, chemotherapy drugs"
    assert d["betos"] == "O1E"
    assert d["betos_description"] == "Other drugs"
    assert d["coverage_code"] == "C"
    assert d["coverage"] == "Carrier judgment"
    assert d["pricing"] == ["Drugs"]
    assert d["abbreviations"] == [{"abbreviation": "IVIG", "expansion": "immune globulin intravenous"}]
    assert d["related"] == []
    assert d["is_drug"] is True
    assert d["billing_notes"] == BILLING_NOTES["drug"]


def test_code_record_related(client):
    """J9271 lists the terminated Q0000 that it replaced; Q0000 points back to J9271."""
    j9271 = client.get("/api/codes/J9271").get_json()
    assert j9271["related"] == [
        {"code": "Q0000", "title": "Retired drug", "status": "terminated", "relation": "replaced code"}
    ]
    q0000 = client.get("/api/codes/Q0000").get_json()
    assert q0000["status"] == "terminated"
    assert q0000["termination_date"] == "2020-12-31"
    assert q0000["related"][0]["code"] == "J9271"
    assert q0000["related"][0]["relation"] == "replacement"


@pytest.mark.parametrize("code", ["j1568", "J1568"])
def test_code_any_case(client, code):
    """The code in the URL may be lower or upper case."""
    assert client.get(f"/api/codes/{code}").get_json()["code"] == "J1568"


def test_code_modifier(client):
    """A two-letter modifier, in lower case, returns the modifier record."""
    d = client.get("/api/codes/ga").get_json()
    assert d["code"] == "GA"
    assert d["kind"] == "modifier"


def test_code_unknown_is_404(client):
    """An unknown but well-formed code is a 404 JSON error naming it."""
    assert_json_error(client.get("/api/codes/ZZ999"), 404, "ZZ999")


@pytest.mark.parametrize(
    "code", ["%3Cscript%3E", "%3Cscript%3Ealert(1)%3C", "J15680", "A" * 60, "J", "J1-68", "%20J156"]
)
def test_code_invalid_is_400(client, code):
    """A code that cannot be an HCPCS code (markup, too long, too short, punctuation) is a 400 JSON error."""
    assert_json_error(client.get(f"/api/codes/{code}"), 400, "is not a code")


# -- /healthz ----------------------------------------------------------------------------------


def test_healthz(client, tiny_index):
    """/healthz is ok with the tiny corpus's 8 records and the build id in use."""
    r = client.get("/healthz")
    assert r.status_code == 200
    d = r.get_json()
    assert d["status"] == "ok"
    assert d["records"] == len({row[0].strip() for row in TINY_ROWS}) == 8
    assert d["build_id"] == tiny_index.manifest["build_id"]
    assert d["schema_version"] == tiny_index.manifest["schema_version"]


def test_healthz_follows_rebuild(tiny_settings, tiny_index):
    """After a rebuild the app keeps answering from the old build while it reads the new one
    in the background, then reports the new build id, without a restart."""
    client = create_app({"CODESEARCH_INDEX_DIR": str(tiny_settings.index_dir), "TESTING": True}).test_client()
    old = client.get("/healthz").get_json()["build_id"]
    new = build_index(tiny_settings)["build_id"]
    assert new != old
    seen = []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        seen.append(client.get("/healthz").get_json()["build_id"])
        if seen[-1] == new:
            break
        time.sleep(0.02)
    assert seen[-1] == new
    assert set(seen) <= {old, new}


def test_synchronous_reload_when_configured(tiny_settings, tiny_index):
    """With background reload off, the first request after a rebuild already answers from it."""
    app = create_app({"CODESEARCH_INDEX_DIR": str(tiny_settings.index_dir), "TESTING": True,
                      "CODESEARCH_BACKGROUND_RELOAD": False})
    client = app.test_client()
    client.get("/healthz")
    new = build_index(tiny_settings)["build_id"]
    assert client.get("/healthz").get_json()["build_id"] == new


# -- caching ----------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/api/search?q=octagam", "/api/codes/J1568", "/api/hcpcs/v3/search?terms=octa"])
def test_etag_and_304(client, url):
    """API answers carry an ETag and Cache-Control; repeating with If-None-Match gives an empty 304."""
    r = client.get(url)
    etag = r.headers["ETag"]
    assert re.fullmatch(r'"[^"]+"', etag)
    assert r.headers["Cache-Control"] == "public, max-age=300"
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200


def test_etag_differs_by_query_and_build(client, tiny_settings):
    """Different queries get different ETags, and a rebuild invalidates the old ETag."""
    a = client.get("/api/search?q=octagam").headers["ETag"]
    b = client.get("/api/search?q=cpap").headers["ETag"]
    assert a != b
    build_index(tiny_settings)
    r = client.get("/api/search?q=octagam", headers={"If-None-Match": a})
    assert r.status_code == 200
    assert r.headers["ETag"] != a


def test_cache_seconds_configurable(tiny_settings, tiny_index):
    """CACHE_SECONDS sets max-age."""
    app = create_app({"CODESEARCH_INDEX_DIR": str(tiny_settings.index_dir), "TESTING": True, "CACHE_SECONDS": 7})
    assert app.test_client().get("/api/codes/J1568").headers["Cache-Control"] == "public, max-age=7"


def test_errors_not_cached(client):
    """Error answers carry no ETag and no public Cache-Control."""
    r = client.get("/api/search?limit=0")
    assert r.status_code == 400
    assert "ETag" not in r.headers
    assert "public" not in r.headers.get("Cache-Control", "")


# -- CORS ----------------------------------------------------------------------------------------


def test_cors_any_origin_by_default(client):
    """Without configuration the API answers any Origin with *, no credentials and no Vary: Origin."""
    for url in ("/api/search?q=octagam", "/api/hcpcs/v3/search?terms=octa", "/api/codes/ZZ999"):
        r = client.get(url, headers={"Origin": "https://example.org"})
        assert r.headers["Access-Control-Allow-Origin"] == "*", url
        assert "Access-Control-Allow-Credentials" not in r.headers
        assert "Origin" not in r.headers.get_all("Vary")


def test_cors_default_not_on_pages(client):
    """With the default any-origin API, pages and static files still carry no Access-Control-Allow-Origin."""
    for url in ("/", "/codes/J1568", "/static/app.js"):
        with client.get(url, headers={"Origin": "https://example.org"}) as r:
            assert r.status_code == 200, url
            assert "Access-Control-Allow-Origin" not in r.headers, url


def test_cors_preflight(client):
    """An OPTIONS preflight on the API allows GET, HEAD and OPTIONS and the headers asked for."""
    r = client.options("/api/icd10cm/v3/search?terms=E11", headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "X-Requested-With"})
    assert r.status_code == 200
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert r.headers["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    assert r.headers["Access-Control-Allow-Headers"] == "X-Requested-With"


@pytest.mark.parametrize("value", ["", "off", "OFF"])
def test_cors_turned_off(tiny_settings, tiny_index, monkeypatch, value):
    """CODESEARCH_CORS_ORIGINS empty or `off` turns CORS off: no Access-Control-Allow-Origin anywhere."""
    monkeypatch.setenv("CODESEARCH_CORS_ORIGINS", value)
    app = create_app({"CODESEARCH_INDEX_DIR": str(tiny_settings.index_dir), "TESTING": True})
    r = app.test_client().get("/api/search?q=octagam", headers={"Origin": "https://example.org"})
    assert r.status_code == 200
    assert "Access-Control-Allow-Origin" not in r.headers


@pytest.fixture
def cors_client(tiny_settings, tiny_index):
    """A client of an app allowing https://example.org."""
    app = create_app({
        "CODESEARCH_INDEX_DIR": str(tiny_settings.index_dir),
        "TESTING": True,
        "CODESEARCH_CORS_ORIGINS": ["https://example.org"],
    })
    return app.test_client()


@pytest.mark.parametrize("url", ["/api/search?q=octagam", "/api/codes/J1568", "/healthz", "/api/codes/ZZ999"])
def test_cors_allowed_origin_echoed(cors_client, url):
    """An allowed Origin is echoed back, with Vary: Origin, on API answers and errors."""
    r = cors_client.get(url, headers={"Origin": "https://example.org"})
    assert r.headers["Access-Control-Allow-Origin"] == "https://example.org"
    assert "Origin" in r.headers.get_all("Vary")


def test_cors_other_origin_refused(cors_client):
    """Another Origin, or none, gets no Access-Control-Allow-Origin."""
    r = cors_client.get("/api/search?q=octagam", headers={"Origin": "https://evil.example"})
    assert r.status_code == 200
    assert "Access-Control-Allow-Origin" not in r.headers
    assert "Access-Control-Allow-Origin" not in cors_client.get("/api/search?q=octagam").headers


def test_cors_not_on_pages(cors_client):
    """Pages never carry Access-Control-Allow-Origin, even for an allowed Origin."""
    r = cors_client.get("/", headers={"Origin": "https://example.org"})
    assert r.status_code == 200
    assert "Access-Control-Allow-Origin" not in r.headers


def test_cors_wildcard(tiny_settings, tiny_index):
    """CODESEARCH_CORS_ORIGINS=["*"] answers any Origin with *."""
    app = create_app({"CODESEARCH_INDEX_DIR": str(tiny_settings.index_dir), "TESTING": True,
                      "CODESEARCH_CORS_ORIGINS": ["*"]})
    r = app.test_client().get("/api/codes/J1568", headers={"Origin": "https://anywhere.example"})
    assert r.headers["Access-Control-Allow-Origin"] == "*"


def test_cors_from_environment(tiny_settings, tiny_index, monkeypatch):
    """The CODESEARCH_CORS_ORIGINS environment variable is a comma-separated list of origins."""
    monkeypatch.setenv("CODESEARCH_CORS_ORIGINS", "https://a.example,https://b.example")
    app = create_app({"CODESEARCH_INDEX_DIR": str(tiny_settings.index_dir), "TESTING": True})
    client = app.test_client()
    for origin in ("https://a.example", "https://b.example"):
        assert client.get("/healthz", headers={"Origin": origin}).headers["Access-Control-Allow-Origin"] == origin
    assert "Access-Control-Allow-Origin" not in client.get("/healthz", headers={"Origin": "https://c.example"}).headers


def test_cors_vary_origin_on_every_api_answer(cors_client):
    """With CORS on, API answers vary on Origin even when the Origin is not allowed."""
    r = cors_client.get("/api/search?q=octagam", headers={"Origin": "https://evil.example"})
    assert "Origin" in r.headers.get_all("Vary")


# -- security headers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/", "/?q=octagam", "/codes/J1568", "/codes/ZZ999", "/api/search?q=octagam", "/api/codes/J1568",
            "/api/codes/ZZ999", "/healthz", "/api/hcpcs/v3/search?terms=octa", "/static/app.js"],
)
def test_security_headers(client, url):
    """Pages, API answers, errors and static files carry a strict CSP, nosniff and Referrer-Policy."""
    with client.get(url) as r:  # closes the file a static answer holds open
        headers = r.headers
    csp = headers["Content-Security-Policy"]
    directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"


def test_pages_have_no_inline_script_or_style(client):
    """The pages load scripts and styles only from files, as the CSP requires."""
    for url in ("/", "/?q=octagam", "/codes/J1568", "/codes/ZZ999"):
        body = client.get(url).get_data(as_text=True)
        for attrs in tags(body, "script"):
            assert attrs.get("src", "").startswith("/static/"), (url, attrs)
        assert "<style" not in body, url
        assert " style=" not in body, url
        assert not re.search(r"\son[a-z]+=", body), url


# -- no index ------------------------------------------------------------------------------------


@pytest.fixture
def empty_client(tmp_path):
    """A client of an app whose index folder is empty."""
    empty = tmp_path / "empty"
    empty.mkdir()
    return create_app({"CODESEARCH_INDEX_DIR": str(empty), "TESTING": True}).test_client()


@pytest.mark.parametrize("url", ["/api/search?q=octagam", "/api/codes/J1568",
                                 "/api/hcpcs/v3/search?terms=octa"])
def test_no_index_is_503_json(empty_client, url):
    """Without an index, API endpoints answer a 503 JSON error telling how to build one."""
    assert_json_error(empty_client.get(url), 503, "no index", "codesearch build")


def test_no_index_healthz_is_503_unavailable(empty_client):
    """Without an index, /healthz answers 503: status unavailable, the reason, and the JSON error body."""
    resp = empty_client.get("/healthz")
    body = resp.get_json()
    assert resp.status_code == 503 and body["status"] == "unavailable" and body["build_id"] is None
    assert "no index" in body["reason"] and body["error"] == {"status": 503, "message": body["reason"]}


def test_no_index_page_is_503_html(empty_client):
    """Without an index, a search page with a query is a 503 HTML page, not a traceback."""
    r = empty_client.get("/?q=octagam")
    assert r.status_code == 503
    assert r.mimetype == "text/html"
    assert "codesearch build" in r.get_data(as_text=True)


# -- pages -------------------------------------------------------------------------------------------


def test_home_page_combobox(client):
    """/ has the search input as an ARIA combobox controlling the #results listbox, and loads app.js."""
    r = client.get("/")
    assert r.status_code == 200
    assert r.mimetype == "text/html"
    body = r.get_data(as_text=True)
    (q,) = [a for a in tags(body, "input") if a.get("id") == "q"]
    assert q["role"] == "combobox"
    assert q["aria-controls"] == "results"
    assert q["aria-expanded"] == "false"
    assert q["aria-autocomplete"] == "list"
    assert q["name"] == "q"
    (ul,) = [a for a in tags(body, "ul") if a.get("id") == "results"]
    assert "role" not in ul, "a list of links until the script makes it a listbox of options"
    assert [a["src"] for a in tags(body, "script")] == ["/static/app.js"]
    assert tags(body, "li") == []
    assert "<h1" in body


def test_home_page_renders_results_server_side(client):
    """/?q=octagam lists J1568 as an option linking to its page, with the marked snippet."""
    r = client.get("/?q=octagam")
    assert r.status_code == 200
    body = r.get_data(as_text=True)
    options = [a for a in tags(body, "li") if a.get("data-code")]
    assert [o["data-code"] for o in options] == ["J1568"]
    assert all("role" not in o for o in options), "no links inside role=option (nested-interactive)"
    assert {"href": "/codes/J1568"} in tags(body, "a")
    assert "(<mark>octagam</mark>)" in body
    (q,) = [a for a in tags(body, "input") if a.get("id") == "q"]
    assert q["value"] == "octagam"


def test_home_page_suggestion(client):
    """A misspelling with no match offers a 'Did you mean' link to the respelled search."""
    body = client.get("/?q=pembrolizumabxqz").get_data(as_text=True)
    assert "Did you mean" in body
    assert {"href": "/?q=pembrolizumab"} in tags(body, "a")


def test_home_page_count_grammar(client):
    """The server-rendered status for one result reads "1 code matches"."""
    assert "1 code matches" in client.get("/?q=octagam").get_data(as_text=True)


def test_home_page_escapes_script_query(client):
    """A <script> query is echoed escaped in the input value, never as markup."""
    r = client.get("/", query_string={"q": SCRIPT})
    assert r.status_code == 200
    body = r.get_data(as_text=True)
    assert "<script>alert" not in body
    assert 'value="&lt;script&gt;alert(1)&lt;/script&gt;"' in body
    (q,) = [a for a in tags(body, "input") if a.get("id") == "q"]
    assert q["value"] == SCRIPT


def test_home_page_long_query_says_so(client):
    """A q longer than 200 characters is kept and the page says it is too long, rather than cutting it."""
    r = client.get("/?q=" + "a" * 300)
    assert r.status_code == 200
    body = r.get_data(as_text=True)
    (q,) = [a for a in tags(body, "input") if a.get("id") == "q"]
    assert q["value"] == "a" * 300
    assert "The query is 300 characters long; the maximum is 200." in body
    (box,) = [a for a in tags(body, "div") if a.get("id") == "search-error"]
    assert box["role"] == "alert" and "hidden" not in box


def test_code_page_j1568(client):
    """/codes/J1568 shows the brand, plain language, the NDC table and the drug billing notes."""
    r = client.get("/codes/J1568")
    assert r.status_code == 200
    assert r.mimetype == "text/html"
    body = r.get_data(as_text=True)
    assert f"<title>J1568 — {OCTAGAM_LONG} | codesearch</title>" in body
    assert f'<h1><span class="code">J1568</span> {OCTAGAM_LONG}</h1>' in body
    assert "<h2>Also known as</h2><p>Octagam</p>" in body
    assert "<h2>In plain language</h2>" in body
    assert "Octagam: immune globulin (antibodies), given into a vein; billed per 500 mg." in body
    assert '<td class="mono">68982-0840-01</td>' in body
    assert '<td class="mono">00069-6002-02</td>' in body
    assert "Octapharma USA Inc" in body
    assert "<h2>Billing and documentation notes</h2>" in body
    assert "N4 qualifier" in body
    assert '<abbr title="immune globulin intravenous">IVIG</abbr>' in body
    assert "C — Carrier judgment" in body


def test_code_page_lowercase_and_related(client):
    """/codes/j9271 works in lower case and links the terminated code it replaced."""
    body = client.get("/codes/j9271").get_data(as_text=True)
    assert '<span class="code">J9271</span>' in body
    assert {"href": "/codes/Q0000"} in tags(body, "a")
    assert "replaced code, terminated" in body


def test_code_page_unknown_is_404_html(client):
    """/codes/ZZ999 is a 404 HTML page naming the code, with a way back to search."""
    r = client.get("/codes/ZZ999")
    assert r.status_code == 404
    assert r.mimetype == "text/html"
    body = r.get_data(as_text=True)
    assert "There is no code ZZ999 in this index (HCPCS Level II)." in body
    assert {"href": "/"} in tags(body, "a")


def test_code_page_invalid_is_escaped_404(client):
    """/codes/<script> is a 404 HTML page that shows the text escaped."""
    r = client.get("/codes/%3Cscript%3E")
    assert r.status_code == 404
    assert r.mimetype == "text/html"
    body = r.get_data(as_text=True)
    assert "<script>" not in body
    assert "&lt;script&gt; is not a code" in body


def test_unknown_page_is_html_404(client):
    """An unknown page outside /api/ is an HTML 404, not JSON."""
    r = client.get("/nope")
    assert r.status_code == 404
    assert r.mimetype == "text/html"
    assert "<h1>404</h1>" in r.get_data(as_text=True)


def test_static_files_served(client):
    """app.js and style.css are served from /static/."""
    with client.get("/static/app.js") as js:
        assert js.status_code == 200
        assert "javascript" in js.mimetype
        assert b'fetch("/api/search?" + params' in js.data
    with client.get("/static/style.css") as css:
        assert css.status_code == 200
        assert css.mimetype == "text/css"


# -- every /api/ error is JSON -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [
        ("GET", "/api/nope", 404),
        ("GET", "/api/", 404),
        ("GET", "/api/codes/", 404),
        ("POST", "/api/search?q=octagam", 405),
        ("PUT", "/api/codes/J1568", 405),
        ("DELETE", "/api/hcpcs/v3/search", 405),
        ("GET", "/api/search?limit=abc", 400),
        ("GET", "/api/codes/ZZ999", 404),
    ],
)
def test_api_errors_are_json(client, method, url, status):
    """Every error under /api/, including unknown routes and wrong methods, is the JSON error body."""
    assert_json_error(client.open(url, method=method), status)


def test_unexpected_error_is_json_500_without_details(client, monkeypatch):
    """An unexpected exception is a 500 JSON error that leaks neither the message nor a traceback."""
    import codesearch.web.api as api

    def boom(*args, **kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(api, "search", boom)
    r = client.get("/api/search?q=octagam")
    message = assert_json_error(r, 500, "internal error")
    assert "secret" not in message
    assert b"Traceback" not in r.data


def test_405_names_allowed_methods(client):
    """A 405 tells which methods are allowed in the Allow header, as HTTP requires."""
    r = client.post("/api/search?q=octagam")
    assert r.status_code == 405
    assert "GET" in r.headers.get("Allow", "")


# -- real index ------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("q", ["octagam", "IVIG", "J15", "antibody infusion"])
def test_real_queries_find_codes(real_client, q):
    """On the real index, octagam, IVIG, J15 and antibody infusion each return results."""
    r = real_client.get("/api/search", query_string={"q": q})
    assert r.status_code == 200
    body = r.get_json()
    assert body["total"] >= 1
    assert len(body["results"]) >= 1
    for hit in body["results"]:
        assert_only_marks(hit["snippet"])
    if q == "octagam":
        assert codes(body)[0] == "J1568"
    if q == "J15":
        assert all(c.startswith("J15") for c in codes(body))


@pytest.mark.slow
def test_real_code_j1568_products(real_client):
    """On the real index, J1568's products include NDC 68982-0840-01 from Octapharma."""
    d = real_client.get("/api/codes/J1568").get_json()
    products = {p["ndc"]: p for p in d["products"]}
    assert "68982-0840-01" in products
    assert products["68982-0840-01"]["labeler"].startswith("Octapharma")
    assert products["68982-0840-01"]["billing_units"] == "2"
    assert "Octagam" in d["brands"]


@pytest.mark.slow
def test_real_script_query_snippets_escaped(real_client):
    """On the real index, a <script>alert(1)</script> query matches (alert) but snippets hold only <mark>."""
    body = real_client.get("/api/search", query_string={"q": SCRIPT}).get_json()
    assert body["results"], "the query should match codes mentioning alert"
    for hit in body["results"]:
        assert "<script" not in hit["snippet"].lower()
        assert_only_marks(hit["snippet"])
        assert_only_marks(hit["plain"])


@pytest.mark.slow
def test_real_total_counts_every_match(real_client, real_index):
    """total for 'injection' counts every active code saying injection, and paging reaches past 200."""
    expected = sum(1 for r in real_index.records.values() if r.active and "injection" in r.long.lower())
    assert expected > 200
    body = real_client.get("/api/search?q=injection").get_json()
    assert body["total"] >= expected
    tail = real_client.get(f"/api/search?q=injection&limit=50&offset={body['total'] - 3}").get_json()
    assert len(tail["results"]) == 3


# -- issue 14: the pages as people use them ------------------------------------------------------


def test_home_page_searches_like_typing(client):
    """/?q=octa treats the last word as a prefix, as the page's script and the API do while typing."""
    body = client.get("/?q=octa").get_data(as_text=True)
    assert 'data-code="J1568"' in body
    api = client.get("/api/search?q=octa").get_json()
    assert [a["data-code"] for a in tags(body, "li") if a.get("data-code")][:1] == codes(api)[:1]
    assert 'data-code="J1568"' not in client.get("/?q=octa%20").get_data(as_text=True), "a trailing space ends the prefix"


def test_home_page_unknown_system_falls_back(client):
    """An unknown ?system= on the page searches every system rather than failing."""
    body = client.get("/?q=octagam&system=bogus").get_data(as_text=True)
    assert 'data-code="J1568"' in body


def test_home_page_no_match_offers_help(client):
    """A query with no match says so with the query and suggests other words."""
    body = client.get("/?q=zzzzqqqq").get_data(as_text=True)
    assert 'No codes match "zzzzqqqq".' in body
    assert "Try other words" in body


def test_favicon_served(client):
    """/favicon.ico and the linked SVG icon are served, not 404."""
    for url in ("/favicon.ico", "/static/favicon.svg"):
        with client.get(url) as r:
            assert r.status_code == 200
            assert r.mimetype == "image/svg+xml"
            assert r.data.startswith(b"<svg")
    assert 'rel="icon"' in client.get("/").get_data(as_text=True)


def test_terminated_code_page_banner(client):
    """Terminated Q0000 opens with a banner naming its replacement J9271 (linked), no calculator, not billable."""
    body = client.get("/codes/Q0000").get_data(as_text=True)
    banner = body.index("terminated-banner")
    assert banner < body.index("<h1>")
    assert {"href": "/codes/J9271"} in tags(body, "a")
    assert '— use <a href="/codes/J9271">J9271</a> instead' in body[banner:body.index("<h1>")]
    assert 'id="units"' not in body
    assert "Not billable: Q0000 was terminated" in body


def test_plain_language_never_category_boilerplate(real_client):
    """Plain language is the code's own: G2211 says nothing of payment, A0428 nothing urgent, J1568 names its drug."""
    g2211 = real_client.get("/api/codes/G2211").get_json()["plain"]
    assert "pay" not in g2211.lower() and "medicare" not in g2211.lower()
    assert "visit complexity" in g2211.lower()
    a0428 = real_client.get("/api/codes/A0428").get_json()["plain"]
    assert "urgent" not in a0428 and "basic life support" in a0428
    j1568 = real_client.get("/api/codes/J1568").get_json()["plain"]
    assert j1568.startswith("Octagam: immune globulin") and "into a vein" in j1568
    hit = real_client.get("/api/search?q=octagam").get_json()["results"][0]
    assert hit["plain"] == j1568


def test_icd_code_page_notes_and_links(real_client):
    """/codes/E11.9 is billable, links its category E11 and shows the tabular Excludes1 and use-additional-code notes."""
    body = real_client.get("/codes/E11.9").get_data(as_text=True)
    assert "Billable ICD-10-CM code" in body
    assert {"href": "/codes/E11"} in tags(body, "a")
    assert "Excludes1" in body and "type 1 diabetes mellitus (E10.-)" in body
    assert "Use additional code" in body and "insulin (Z79.4)" in body
    assert "CDC" in body and "NCHS" in body
    d = real_client.get("/api/codes/E11.9").get_json()
    assert "type 1 diabetes mellitus (E10.-)" in d["excludes1"]
    assert d["categories"] == [{"code": "E11", "title": "Type 2 diabetes mellitus"}]


def test_icd_category_page_lists_billable_codes(real_client, real_index):
    """/codes/E11 is a category page: not billable, every E11 code listed and linked, its shared notes shown."""
    r = real_client.get("/codes/E11")
    assert r.status_code == 200
    body = r.get_data(as_text=True)
    assert "Type 2 diabetes mellitus" in body and "not billable" in body
    want = sorted(c for c in real_index.records if c.startswith("E11."))
    links = [a["href"] for a in tags(body, "a") if a.get("href", "").startswith("/codes/E11.")]
    assert links == [f"/codes/{c}" for c in want]
    assert "type 1 diabetes mellitus (E10.-)" in body
    sub = real_client.get("/codes/E11.6").get_data(as_text=True)
    assert {"href": "/codes/E11"} in tags(sub, "a") and "/codes/E11.65" in sub
    assert real_client.get("/codes/E99").status_code == 404
