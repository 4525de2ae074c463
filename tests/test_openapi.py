"""The OpenAPI document: served, complete, and every API answer conforms to it (schemathesis)."""

from __future__ import annotations

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from codesearch.web import create_app
from codesearch.web.openapi import SPEC

#: Flask's `<code>` / `<int:n>` route variables, rewritten as OpenAPI's `{code}`.
RULE_VARIABLE_RE = re.compile(r"<(?:[^<>:]+:)?([^<>]+)>")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


@pytest.fixture(autouse=True)
def _no_cors_from_environment(monkeypatch):
    """Keep a CODESEARCH_CORS_ORIGINS of the calling shell out of these tests."""
    monkeypatch.delenv("CODESEARCH_CORS_ORIGINS", raising=False)


@pytest.fixture
def app(tiny_settings, tiny_index):
    """The app serving the tiny index."""
    return create_app({"CODESEARCH_INDEX_DIR": str(tiny_settings.index_dir), "TESTING": True})


@pytest.fixture
def spec(app) -> dict:
    """The OpenAPI document as the app serves it."""
    response = app.test_client().get("/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def api_routes(app) -> dict[str, set[str]]:
    """Every API route of the app (under /api/ or /healthz) in OpenAPI form → its methods."""
    routes: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(("/api/", "/healthz")):
            path = RULE_VARIABLE_RE.sub(r"{\1}", rule.rule)
            routes.setdefault(path, set()).update(m.lower() for m in rule.methods - {"HEAD", "OPTIONS"})
    return routes


def test_openapi_document_is_served_as_json_with_security_headers(app):
    """GET /openapi.json is a JSON OpenAPI 3.1 document with the app's security headers."""
    response = app.test_client().get("/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["openapi"].startswith("3.1")
    assert "error" in body["info"]["description"]
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_openapi_document_is_valid_openapi(app):
    """The document passes schemathesis's OpenAPI 3.1 meta-schema validation."""
    schemathesis.openapi.from_wsgi("/openapi.json", app).validate()


def test_every_api_route_is_documented(app, spec):
    """Each /api/ and /healthz route of the url_map, with each method, is in the document, and vice versa."""
    routes = api_routes(app)
    assert routes, "no API routes found"
    documented = {path: set(ops) for path, ops in spec["paths"].items() if path.startswith(("/api/", "/healthz"))}
    undocumented = {p: sorted(m - documented.get(p, set())) for p, m in routes.items() if m - documented.get(p, set())}
    assert not undocumented, f"routes missing from /openapi.json: {undocumented}"
    stale = sorted(set(documented) - set(routes))
    assert not stale, f"/openapi.json documents routes the app does not have: {stale}"


def test_every_operation_documents_its_errors_and_parameters(spec):
    """Every API operation names its error answers (JSON error schema) and its documented bounds."""
    for path, ops in spec["paths"].items():
        if not path.startswith(("/api/", "/healthz")):
            continue
        responses = ops["get"]["responses"]
        assert "200" in responses and "503" in responses and "405" in responses, path
        if path.startswith("/api/"):
            assert "400" in responses, path
        if "{code}" in path:
            assert "404" in responses, path
    error = spec["components"]["schemas"]["Error"]["properties"]["error"]
    assert error["properties"]["status"]["type"] == "integer"
    assert error["properties"]["message"]["type"] == "string"
    params = {p["name"]: p["schema"] for p in spec["paths"]["/api/search"]["get"]["parameters"]}
    assert params["q"]["maxLength"] == 200
    assert (params["limit"]["minimum"], params["limit"]["default"], params["limit"]["x-capped-at"]) == (1, 10, 50)
    assert (params["offset"]["minimum"], params["offset"]["maximum"]) == (0, 10000)
    assert params["system"]["enum"] == ["hcpcs", "icd10cm", "cpt"]
    assert set(params["include_terminated"]["enum"]) == set(params["prefix"]["enum"]) == {"true", "false", "1", "0"}
    for table in ("hcpcs", "icd10cm"):
        nlm = {p["name"]: p["schema"] for p in spec["paths"][f"/api/{table}/v3/search"]["get"]["parameters"]}
        assert set(nlm) == {"terms", "maxList", "count", "offset", "q", "sf", "df", "cf", "ef", "suggest",
                            "field_val"}
        assert (nlm["maxList"]["default"], nlm["maxList"]["x-capped-at"], nlm["offset"]["maximum"]) == (7, 500, 7500)


def operations() -> list:
    """(path, generation mode) for each documented operation; negative data only where there are parameters."""
    out = []
    for path, ops in SPEC["paths"].items():
        out.append(pytest.param(path, GenerationMode.POSITIVE, id=f"{path}-positive"))
        if ops["get"].get("parameters"):
            out.append(pytest.param(path, GenerationMode.NEGATIVE, id=f"{path}-negative"))
    return out


# schemathesis's lazy `from_fixture` loader reads `request.node._nodeid`, which pytest 9.2 no longer
# has, so each operation is driven here through its public `as_strategy()` instead.
@pytest.mark.parametrize(("path", "mode"), operations())
def test_api_conforms_to_openapi(app, path, mode):
    """Generated requests to one operation get a documented status, content type, headers and body; no 5xx."""
    operation = schemathesis.openapi.from_wsgi("/openapi.json", app)[path]["GET"]

    @settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
    @given(case=operation.as_strategy(mode))
    def check(case):
        case.call_and_validate(checks=CHECKS)

    check()


@pytest.mark.parametrize("path", list(SPEC["paths"]))
def test_api_without_an_index_conforms_to_openapi(tmp_path, path):
    """With no index built, every operation answers its documented 503 (or 400 for a bad parameter); no other 5xx."""
    app = create_app({"CODESEARCH_INDEX_DIR": str(tmp_path / "no-index"), "TESTING": True})
    operation = schemathesis.openapi.from_wsgi("/openapi.json", app)[path]["GET"]
    statuses = set()

    @settings(max_examples=20, deadline=None, database=None)
    @given(case=operation.as_strategy(GenerationMode.POSITIVE))
    def check(case):
        # not_a_server_error counts the documented 503 as a failure; the statuses are checked below instead.
        checks = [c for c in CHECKS if c is not not_a_server_error]
        statuses.add(case.call_and_validate(checks=checks).status_code)

    check()
    assert statuses <= {200, 400, 404, 503}
    if path not in ("/openapi.json", "/api/codes/{code}", "/api/codes/{code}/units"):
        assert statuses == {503}, statuses
