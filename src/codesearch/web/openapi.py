"""The OpenAPI 3.1 description of the JSON API, served at ``GET /openapi.json``.

The document is built from the same constants the API enforces (query length, page size,
offset, NLM fields, the code pattern), so the bounds it states cannot drift from the code.
``tests/test_openapi.py`` fails when a route under ``/api/`` or ``/healthz`` is not described
here, and runs schemathesis against the app to check every answer against this document.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify

from codesearch import __version__
from codesearch.changes import GROUPS as CHANGE_GROUPS
from codesearch.config import MAX_LIMIT, MAX_QUERY_LENGTH
from codesearch.search import MAX_OFFSET
from codesearch.web.api import CODE_PARAM_RE
from codesearch.web.ctss import HCPCS, ICD10CM, NLM_DEFAULT_COUNT, NLM_MAX_END, NLM_MAX_LIST, Table

bp = Blueprint("openapi", __name__)

BOOLEAN_STRINGS = ["true", "false", "1", "0"]
SECTIONS = [chr(c) for c in range(ord("A"), ord("Z") + 1)] + [chr(c) for c in range(ord("a"), ord("z") + 1)]
SYSTEMS = ["hcpcs", "icd10cm", "cpt"]

DESCRIPTION = f"""\
Search over HCPCS Level II, ICD-10-CM and (a licensed file's) CPT billing codes.

* `GET /api/search`: ranked results, the same object as `codesearch query --json`.
* `GET /api/codes/{{code}}`: the whole record of one code, with NDCs, related codes and billing notes.
* `GET /api/codes/{{code}}/units?dose=`: billing units for a dose of a drug code, with the arithmetic.
* `GET /healthz`: `ok`, `degraded` (200) or `unavailable` (503), the build in use and why.
* `GET /api/changes`: what changed in the indexed release, grouped.
* `GET /api/hcpcs/v3/search` and `GET /api/icd10cm/v3/search`: the NLM Clinical Table Search
  Service's HCPCS and ICD-10-CM tables (`[total, codes, extra fields or null, display rows]`),
  for NLM's autocomplete-lhc widget and other CTSS clients.

Parameters: text parameters are at most {MAX_QUERY_LENGTH} characters. `limit` is 1 to {MAX_LIMIT}
(default 10); a larger value is capped at {MAX_LIMIT}, not refused. `offset` is 0 to {MAX_OFFSET}.
Booleans are the strings `true`/`false`/`1`/`0` (also `yes`/`no`/`on`/`off`, any case). When a
parameter is repeated, the first value counts; unknown parameters are ignored.

Errors are JSON with the HTTP status repeated in the body:
`{{"error": {{"status": 400, "message": "limit must be an integer, got 'abc'"}}}}`:
400 for an invalid parameter, 404 for an unknown code or URL, 405 for a method other than
GET/HEAD/OPTIONS (the `Allow` header lists the allowed ones), 503 when no index is built or it
cannot be read. No endpoint answers with another 5xx.

Search, code and NLM answers carry an `ETag` keyed on the index build and a `Cache-Control`
max-age, and answer `304` to a matching `If-None-Match`. Any origin may read the API from a
browser (`Access-Control-Allow-Origin: *`, no credentials) unless the server narrows or turns
off `CODESEARCH_CORS_ORIGINS`. Every response carries `Content-Security-Policy`,
`X-Content-Type-Options: nosniff` and `Referrer-Policy`.
"""


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _string_list() -> dict[str, Any]:
    return {"type": "array", "items": {"type": "string"}}


SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "description": "The body of every error answer.",
        "required": ["error"],
        "additionalProperties": False,
        "properties": {
            "error": {
                "type": "object",
                "required": ["status", "message"],
                "additionalProperties": False,
                "properties": {
                    "status": {"type": "integer", "minimum": 400, "maximum": 599,
                               "description": "The HTTP status of the answer."},
                    "message": {"type": "string", "minLength": 1,
                                "description": "What was wrong, naming the parameter."},
                },
            }
        },
    },
    "Product": {
        "type": "object",
        "description": "An NDC product of the ASP NDC-HCPCS crosswalk that the query named.",
        "required": ["ndc", "drug_name", "labeler", "dosage", "billing_units"],
        "properties": {
            "ndc": {"type": "string", "description": "5-4-2 with dashes."},
            "drug_name": {"type": "string"},
            "labeler": {"type": "string"},
            "dosage": {"type": "string", "description": "The HCPCS billing unit, e.g. `500 MG`."},
            "billing_units": {"type": "string", "description": "Billable units per NDC unit."},
        },
    },
    "SearchResult": {
        "type": "object",
        "description": "One ranked code.",
        "required": ["code", "system", "title", "description", "status", "score", "snippet", "kind",
                     "section", "brands", "plain", "matched", "products"],
        "properties": {
            "code": {"type": "string", "examples": ["J1568"]},
            "system": {"type": "string", "enum": ["HCPCS", "ICD10CM", "CPT"]},
            "title": {"type": "string", "description": "The short descriptor."},
            "description": {"type": "string", "description": "The long descriptor."},
            "status": {"type": "string", "enum": ["active", "terminated"]},
            "score": {"type": "number"},
            "snippet": {"type": "string",
                        "description": "The long descriptor, HTML-escaped, matched words in `<mark>`."},
            "kind": {"type": "string", "enum": ["code", "modifier", "diagnosis", "procedure"]},
            "section": {"type": "string"},
            "brands": _string_list(),
            "plain": {"type": "string", "description": "Plain language for this code, written from its own "
                      "descriptor, brands and lay words; HTML-escaped."},
            "matched": {**_string_list(), "description": "Why the code matched (e.g. `brand name Octagam`)."},
            "products": {"type": "array", "items": _ref("Product")},
            "new_in": {"type": ["string", "null"], "examples": ["Oct 2025"],
                       "description": "The release that added the code, when it is the indexed one."},
        },
    },
    "SearchResponse": {
        "type": "object",
        "description": "A page of results and how the query was understood.",
        "required": ["query", "total", "results", "suggestion", "corrections", "systems"],
        "properties": {
            "query": {"type": "string"},
            "total": {"type": "integer", "minimum": 0, "description": "Matching codes in all pages."},
            "results": {"type": "array", "maxItems": MAX_LIMIT, "items": _ref("SearchResult")},
            "suggestion": {"type": ["string", "null"], "description": "A respelled query, if any."},
            "corrections": {"type": "object", "additionalProperties": {"type": "string"},
                            "description": "Misspelled word → the word searched instead."},
            "systems": {"type": "object", "propertyNames": {"enum": SYSTEMS},
                        "additionalProperties": {"type": "integer", "minimum": 1},
                        "examples": [{"hcpcs": 12, "icd10cm": 144}],
                        "description": "Matching codes per code system, under every filter but `system` "
                                       "(so a narrowed search still shows what the others hold)."},
        },
    },
    "FeeScheduleRow": {
        "type": "object",
        "description": "A row of the physician fee schedule relative value file.",
        "required": ["modifier", "status", "work_rvu", "nonfacility_total", "facility_total"],
        "properties": {
            "modifier": {"type": "string", "description": "Empty for the global row."},
            "status": {"type": "string"},
            "status_meaning": {"type": "string"},
            "work_rvu": {"type": "number"},
            "nonfacility_pe_rvu": {"type": "number"},
            "facility_pe_rvu": {"type": "number"},
            "mp_rvu": {"type": "number"},
            "nonfacility_total": {"type": "number"},
            "facility_total": {"type": "number"},
            "global_days": {"type": "string"},
            "conversion_factor": {"type": "number"},
            "nonfacility_estimate": {"type": "number"},
            "facility_estimate": {"type": "number"},
        },
    },
    "BillingUnit": {
        "type": "object",
        "description": "What one billing unit of a drug code stands for.",
        "required": ["amount", "unit", "measure", "up_to", "source", "label"],
        "properties": {
            "amount": {"type": "number"},
            "unit": {"type": "string"},
            "measure": {"type": "string"},
            "up_to": {"type": "boolean"},
            "source": {"type": "string", "enum": ["descriptor", "crosswalk"]},
            "text": {"type": "string"},
            "label": {"type": "string", "examples": ["500 mg"]},
        },
    },
    "CodeRecord": {
        "type": "object",
        "description": "The whole record of a code; more fields may be added (additionalProperties).",
        "required": ["code", "kind", "short", "long", "status", "system", "products", "brands",
                     "related", "billing_notes", "is_drug"],
        "properties": {
            "code": {"type": "string"},
            "kind": {"type": "string", "enum": ["code", "modifier", "diagnosis", "procedure"]},
            "short": {"type": "string"},
            "long": {"type": "string"},
            "status": {"type": "string", "enum": ["active", "terminated"]},
            "system": {"type": "string", "enum": ["HCPCS", "ICD10CM", "CPT"]},
            "system_name": {"type": "string"},
            "add_date": {"type": ["string", "null"], "description": "ISO date."},
            "action_effective_date": {"type": ["string", "null"]},
            "termination_date": {"type": ["string", "null"]},
            "section": {"type": "string"},
            "section_letter": {"type": "string"},
            "betos": {"type": "string"},
            "betos_description": {"type": "string"},
            "coverage": {"type": "string"},
            "pricing": _string_list(),
            "action": {"type": "string"},
            "xrefs": _string_list(),
            "manual_refs": {**_string_list(),
                            "description": 'Medicare coverage manual sections listing it ("CIM 60-9", "MCM 2100.1").'},
            "synonyms": _string_list(),
            "products": {
                "type": "array",
                "items": {"type": "object", "required": ["ndc"],
                          "properties": {"ndc": {"type": "string"}, "drug_name": {"type": "string"},
                                         "labeler": {"type": "string"}, "dosage": {"type": "string"},
                                         "billing_units": {"type": "string"}}},
            },
            "brands": _string_list(),
            "plain": {"type": "string"},
            "abbreviations": {
                "type": "array",
                "items": {"type": "object", "required": ["abbreviation", "expansion"],
                          "properties": {"abbreviation": {"type": "string"}, "expansion": {"type": "string"}}},
            },
            "is_drug": {"type": "boolean"},
            "related": {
                "type": "array",
                "items": {"type": "object", "required": ["code", "title", "status", "relation"],
                          "properties": {"code": {"type": "string"}, "title": {"type": "string"},
                                         "status": {"type": "string"}, "relation": {"type": "string"}}},
            },
            "billing_notes": _string_list(),
            "rvus": {"type": "array", "items": _ref("FeeScheduleRow")},
            "rvu": {"anyOf": [_ref("FeeScheduleRow"), {"type": "null"}], "description": "The global row."},
            "has_rvus": {"type": "boolean"},
            "payment_note": {"type": ["string", "null"]},
            "billing_unit": {"anyOf": [_ref("BillingUnit"), {"type": "null"}]},
            "billable_now": {"type": "boolean", "description": "False for a terminated code."},
            "replacements": {
                "type": "array", "description": "For a terminated code, the codes to use instead.",
                "items": {"type": "object", "properties": {"code": {"type": "string"}, "title": {"type": "string"}}},
            },
            **{name: _string_list() for name in ("includes", "excludes1", "excludes2", "code_first",
                                                  "use_additional_code", "code_also", "ancestors")},
            "categories": {
                "type": "array", "description": "ICD-10-CM: the categories above the code, outermost first.",
                "items": {"type": "object", "properties": {"code": {"type": "string"}, "title": {"type": "string"}}},
            },
        },
    },
    "UnitsAnswer": {
        "type": "object",
        "description": "Billing units for a dose, rounded up, with the arithmetic as text.",
        "required": ["code", "dose", "units", "arithmetic", "billing_unit", "unit_source", "exact"],
        "properties": {
            "code": {"type": "string"},
            "dose": {"type": "string", "examples": ["35 g"]},
            "units": {"type": "integer", "minimum": 1},
            "arithmetic": {"type": "string"},
            "billing_unit": {"type": "string", "examples": ["500 mg"]},
            "unit_source": {"type": "string", "enum": ["descriptor", "crosswalk"]},
            "exact": {"type": "number", "description": "The dose over the unit, before rounding up."},
        },
    },
    "Change": {
        "type": "object",
        "required": ["code", "system", "group", "short", "long", "status", "replacements", "diff"],
        "properties": {
            "code": {"type": "string"},
            "system": {"type": "string", "enum": ["HCPCS", "ICD10CM"]},
            "group": {"type": "string", "enum": [g[0] for g in CHANGE_GROUPS]},
            "short": {"type": "string"},
            "long": {"type": "string"},
            "status": {"type": "string", "enum": ["active", "terminated", "removed"]},
            "action_code": {"type": "string", "description": "The release's action code (A, D, C, …)."},
            "action": {"type": "string"},
            "effective_date": {"type": ["string", "null"]},
            "termination_date": {"type": ["string", "null"]},
            "replacements": _string_list(),
            "replacement_source": {"type": "string", "description": "`XREF`, or how it was inferred."},
            "old_short": {"type": "string"},
            "old_long": {"type": "string"},
            "diff": {"type": "array", "description": "Word diff of the long descriptor: `[op, text]`, op `=`, `-`, `+`.",
                     "items": {"type": "array", "items": {"type": "string"}, "minItems": 2, "maxItems": 2}},
        },
    },
    "ChangeReport": {
        "type": "object",
        "required": ["system", "system_name", "release", "basis", "total", "counts", "groups"],
        "properties": {
            "system": {"type": "string"},
            "system_name": {"type": "string"},
            "release": {"type": "string", "examples": ["Oct 2025"]},
            "basis": {"type": "string", "description": "Action codes, or the earlier file compared with."},
            "total": {"type": "integer", "minimum": 0},
            "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
            "groups": {"type": "array", "items": {
                "type": "object", "required": ["group", "title", "changes"],
                "properties": {"group": {"type": "string"}, "title": {"type": "string"},
                               "changes": {"type": "array", "items": _ref("Change")}},
            }},
        },
    },
    "Health": {
        "type": "object",
        "required": ["status", "reason", "records", "build_id", "built_at", "schema_version", "version"],
        "properties": {
            "status": {"type": "string", "enum": ["ok", "degraded"],
                       "description": "`degraded`: `current` is damaged or gone and an older build, or the "
                                      "copy read before, answers."},
            "reason": {"type": ["string", "null"], "description": "Why degraded; null when ok."},
            "records": {"type": "integer", "minimum": 0},
            "build_id": {"type": "string"},
            "built_at": {"type": "string", "description": "ISO 8601 time of the build."},
            "schema_version": {"type": "integer"},
            "version": {"type": "string", "description": "The codesearch version that built the index."},
        },
    },
    "NlmResponse": {
        "type": "array",
        "description": "`[total, codes, extra fields (ef) or null, display rows (df)]`, as NLM Clinical Tables: "
                       "0: the number of matching codes in all pages (integer); 1: the codes of this page "
                       "(the `cf` field); 2: one list per `ef` field (keyed by its alias), in code order, or "
                       "null without `ef`; 3: one row per code, the `df` fields as text. A `suggest` request "
                       "answers `[codes, display rows, extra or null]`.",
        "minItems": 3,
        "maxItems": 4,
        # Not `prefixItems`: schemathesis 4.32 rewrites it to Draft 4's `items: [...]` for response
        # validation and then refuses that under 2020-12; tests/test_api_fuzz.py checks each position.
        "items": {"anyOf": [
            {"type": "integer", "minimum": 0},
            {"type": "array", "maxItems": NLM_MAX_LIST,
             "items": {"anyOf": [{"type": "string"}, _string_list()]}},
            {"type": ["object", "null"], "additionalProperties": {"type": "array"}},
        ]},
    },
}

SECURITY_HEADERS = {
    "Content-Security-Policy": {"required": True, "schema": {"type": "string"}},
    "X-Content-Type-Options": {"required": True, "schema": {"type": "string", "const": "nosniff"}},
    "Referrer-Policy": {"required": True, "schema": {"type": "string"}},
}
CACHE_HEADERS = {
    "ETag": {"required": True, "schema": {"type": "string"}, "description": "Keyed on the index build."},
    "Cache-Control": {"required": True, "schema": {"type": "string"}},
}
ALLOW_HEADER = {"Allow": {"required": True, "schema": {"type": "string"}, "description": "e.g. `GET, HEAD, OPTIONS`."}}
ERROR_TEXT = {
    400: "An invalid parameter; the message names it.",
    404: "An unknown code, or a URL that is not an endpoint.",
    405: "A method other than GET, HEAD or OPTIONS; the Allow header lists the allowed ones.",
    503: "No index is built, or it cannot be read.",
}


def _ok(schema: str, description: str, *, cached: bool) -> dict[str, Any]:
    headers = {**SECURITY_HEADERS, **(CACHE_HEADERS if cached else {})}
    return {"description": description, "headers": headers,
            "content": {"application/json": {"schema": _ref(schema)}}}


def _responses(schema: str, description: str, errors: tuple[int, ...], *, cached: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {"200": _ok(schema, description, cached=cached)}
    if cached:
        out["304"] = {"description": "Not modified: the `If-None-Match` ETag is current."}
    for status in errors:
        out[str(status)] = {"$ref": f"#/components/responses/Error{status}"}
    return out


def _query(name: str, schema: dict[str, Any], description: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description,
            **extra}


def _text(name: str, description: str) -> dict[str, Any]:
    return _query(name, {"type": "string", "maxLength": MAX_QUERY_LENGTH, "default": ""}, description)


def _boolean(name: str, default: str, description: str) -> dict[str, Any]:
    return _query(name, {"type": "string", "enum": BOOLEAN_STRINGS, "default": default},
                  f"{description} `true`/`false`/`1`/`0` (also `yes`/`no`/`on`/`off`, any case).")


def _offset(description: str) -> dict[str, Any]:
    return _query("offset", {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0}, description)


def _fields(name: str, names: list[str], default: str | None, description: str) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "array", "items": {"type": "string", "enum": names}}
    if default is not None:
        schema["default"] = default.split(",")
    return _query(name, schema, description, style="form", explode=False)


def _ctss(table: Table, title: str) -> dict[str, Any]:
    """The operation of one NLM Clinical Tables-compatible table."""
    fields = list(table.fields)
    searchable = [f for f in fields if f == "code" or f in table.text_fields]
    booleans = ", ".join(f"`{b}:true`" for b in sorted(table.booleans))
    return {"get": {
        "operationId": f"ctss_{table.name}",
        "summary": f"Search in the shape of NLM Clinical Tables' {title} API",
        "description": f"Fields: {', '.join(f'`{f}`' for f in fields)}. With `suggest=1` the answer is "
                       "`[codes, display rows, extra or null]` (what autocomplete-lhc reads), for "
                       "`field_val` (or `terms`), respelled when nothing matches.",
        "parameters": [
            _text("terms", "The search text, ranked as `/api/search` ranks it (codes matching every word "
                           "first; the last word is a prefix). Empty gives `[0, [], null, []]`."),
            _query("maxList", {"type": "integer", "minimum": 1, "default": NLM_DEFAULT_COUNT,
                               "x-capped-at": NLM_MAX_LIST},
                   f"Codes to return; empty means {NLM_MAX_LIST}, a larger value is capped at {NLM_MAX_LIST}."),
            _query("count", {"type": "integer", "minimum": 1, "x-capped-at": NLM_MAX_LIST},
                   f"Page size; overrides `maxList`; capped at {NLM_MAX_LIST}."),
            _query("offset", {"type": "integer", "minimum": 0, "maximum": NLM_MAX_END, "default": 0},
                   f"Codes to skip; `offset + count` is at most {NLM_MAX_END}."),
            _query("q", {"type": "string", "maxLength": MAX_QUERY_LENGTH,
                         "examples": ["code:J15*", "obsolete:false AND is_noc:true"] if table.booleans
                         else ["code:E11*", 'name:"type 2"']},
                   "Narrows the results: `field:value`, `field:prefix*`, `field:\"words\"`"
                   + (f", {booleans}" if booleans else "") + ", joined by `AND` or `OR` "
                   "(AND first). Anything else is a 400 naming `q`."),
            _fields("sf", searchable, table.default_sf,
                    "Fields `terms` may match: `code` (typed codes and code prefixes) and/or the "
                    "descriptor fields (words, with codesearch's brands, abbreviations, plain language "
                    "and typo correction)."),
            _fields("df", fields, table.default_df, "Fields of each display row, comma-separated."),
            _query("cf", {"type": "string", "enum": fields, "default": "code"},
                   "The field whose values make the list of codes."),
            _query("ef", {"type": "array", "items": {"type": "string", "pattern":
                                                     f"^({'|'.join(fields)})(:[A-Za-z_][A-Za-z0-9_]*)?$"}},
                   "Extra fields, as lists in the third element; `field:alias` names the key.",
                   style="form", explode=False),
            _boolean("suggest", "false", "Answer a suggestion request: `[codes, display rows, extra]`."),
            _text("field_val", "With `suggest`: the text the user typed."),
        ],
        "responses": _responses("NlmResponse", "`[total, codes, extra, display rows]`, or with `suggest` "
                                "`[codes, display rows, extra]`.", (400, 405, 503)),
    }}


CODE_PARAMETER = {
    "name": "code",
    "in": "path",
    "required": True,
    "description": "A HCPCS or CPT code or modifier (`J1568`, `99213`, `GA`) or an ICD-10-CM code "
                   "(`E11.9`, `S72.001A`), any case. Anything else is a 400; a well-formed code not "
                   "in the index is a 404.",
    "schema": {"type": "string", "pattern": CODE_PARAM_RE.pattern, "examples": ["J1568"]},
}


def _paths() -> dict[str, Any]:
    return {
        "/api/search": {"get": {
            "operationId": "search",
            "summary": "Ranked search results",
            "description": "The same JSON object as `codesearch query --json`.",
            "parameters": [
                _text("q", "The query: words, brand or drug names, abbreviations, codes or NDCs. Empty "
                           "gives no results."),
                _query("limit", {"type": "integer", "minimum": 1, "default": 10, "x-capped-at": MAX_LIMIT},
                       f"Results per page, 1 to {MAX_LIMIT}; a larger value is capped at {MAX_LIMIT}, "
                       "not refused."),
                _offset("Results to skip; past the last result the page is empty."),
                _boolean("include_terminated", "false", "Also return terminated codes."),
                _query("section", {"type": "string", "enum": [*SECTIONS, "MOD", "mod"]},
                       "Only codes of one HCPCS section letter, or `MOD` for modifiers."),
                _query("system", {"type": "string", "enum": SYSTEMS},
                       "Only codes of one system; aliases such as `ICD-10-CM` and any case are accepted."),
                _boolean("prefix", "true", "Treat the last word as a prefix (search as you type)."),
            ],
            "responses": _responses("SearchResponse", "A page of results.", (400, 405, 503)),
        }},
        "/api/codes/{code}": {"get": {
            "operationId": "getCode",
            "summary": "The whole record of one code",
            "description": "Descriptors, status and dates, code-table meanings, NDC products, related "
                           "codes, billing notes, fee schedule RVUs and the drug billing unit.",
            "parameters": [CODE_PARAMETER],
            "responses": _responses("CodeRecord", "The record.", (400, 404, 405, 503)),
        }},
        "/api/codes/{code}/units": {"get": {
            "operationId": "getUnits",
            "summary": "Billing units for a dose of a drug code",
            "parameters": [
                CODE_PARAMETER,
                {**_text("dose", "The dose given, a number and a unit: `35 g`, `250 mcg`, `1000 units`, "
                                 "`5 ml`."), "required": True},
            ],
            "responses": _responses("UnitsAnswer", "The units, rounded up, with the arithmetic.",
                                    (400, 404, 405, 503)),
        }},
        "/api/changes": {"get": {
            "operationId": "changes",
            "summary": "What changed in the indexed release",
            "description": "Codes added, discontinued (with replacements), reactivated and changed, grouped, "
                           "from the release's action codes or, with `compared=true`, from the comparison "
                           "with an earlier release saved by `codesearch build --previous`.",
            "parameters": [
                _query("system", {"type": "string", "enum": ["hcpcs", "icd10cm"], "default": "hcpcs"},
                       "The code system whose release to describe."),
                _boolean("compared", "false", "Use the comparison saved at build time."),
                _query("group", {"type": "string", "enum": [g[0] for g in CHANGE_GROUPS]}, "Only one group."),
            ],
            "responses": _responses("ChangeReport", "The changes.", (400, 404, 405, 503)),
        }},
        "/healthz": {"get": {
            "operationId": "health",
            "summary": "Liveness and the index in use",
            "responses": {
                **_responses("Health", "An index answers: `ok`, or `degraded` saying why.", (400, 405), cached=False),
                "503": {"description": "Unavailable: no build can be read; the reason, also as the error message.",
                        "headers": SECURITY_HEADERS,
                        "content": {"application/json": {"schema": {
                            "type": "object",
                            "required": ["status", "reason", "build_id", "error"],
                            "properties": {
                                "status": {"const": "unavailable"},
                                "reason": {"type": "string", "minLength": 1},
                                "build_id": {"type": "null"},
                                "error": {"type": "object", "required": ["status", "message"], "properties": {
                                    "status": {"const": 503}, "message": {"type": "string", "minLength": 1}}},
                            },
                        }}}},
            },
        }},
        "/api/hcpcs/v3/search": _ctss(HCPCS, "HCPCS"),
        "/api/icd10cm/v3/search": _ctss(ICD10CM, "ICD-10-CM"),
        "/openapi.json": {"get": {
            "operationId": "openapi",
            "summary": "This document",
            "responses": {"200": {"description": "The OpenAPI document.", "headers": SECURITY_HEADERS,
                                  "content": {"application/json": {"schema": {"type": "object"}}}}},
        }},
    }


def build_spec() -> dict[str, Any]:
    """The OpenAPI document of the API, as JSON-ready data."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "codesearch API", "version": __version__, "description": DESCRIPTION,
                 "license": {"name": "MIT", "identifier": "MIT"}},
        "paths": _paths(),
        "components": {
            "schemas": SCHEMAS,
            "responses": {
                f"Error{status}": {
                    "description": text,
                    "headers": {**SECURITY_HEADERS, **(ALLOW_HEADER if status == 405 else {})},
                    "content": {"application/json": {"schema": {"allOf": [
                        _ref("Error"),
                        # The status in the body is the HTTP status of the answer.
                        {"properties": {"error": {"properties": {"status": {"const": status}}}}},
                    ]}}},
                }
                for status, text in ERROR_TEXT.items()
            },
        },
    }


SPEC = build_spec()


@bp.get("/openapi.json")
def openapi_json():
    """The OpenAPI 3.1 document of the JSON API."""
    response = jsonify(SPEC)
    response.headers["Cache-Control"] = f"public, max-age={current_app.config['CACHE_SECONDS']}"
    return response
