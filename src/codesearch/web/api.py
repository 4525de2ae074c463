"""The JSON API blueprint: search, code records and health (NLM-compatible endpoints: web/ctss.py)."""

from __future__ import annotations

import hashlib
import re

from flask import Blueprint, current_app, jsonify, request

from codesearch.config import MAX_LIMIT, MAX_QUERY_LENGTH
from codesearch.errors import IndexCorruptError, IndexMissingError, QueryError, UnknownCodeError
from codesearch.related import code_details
from codesearch.search import MAX_OFFSET, search
from codesearch.web import get_index
from codesearch.web.observe import note_search

bp = Blueprint("api", __name__)

# HCPCS and CPT codes and modifiers (J1568, 99213, GA) and ICD-10-CM codes (E11.9, S72.001A).
CODE_PARAM_RE = re.compile(r"^[A-Za-z0-9]{2,5}$|^[A-Za-z][0-9A-Za-z]{2}(\.[0-9A-Za-z]{1,4})?$")
TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


def int_arg(name: str, default: int, *, low: int, high: int | None = None, cap: bool = False) -> int:
    """An integer query parameter, refused with a 400 naming it when invalid."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise QueryError(f"{name} must be an integer, got {raw[:40]!r}", parameter=name) from None
    if value < low:
        raise QueryError(f"{name} must be at least {low}, got {value}", parameter=name)
    if high is not None and value > high:
        if cap:
            return high
        raise QueryError(f"{name} must be at most {high}, got {value}", parameter=name)
    return value


def bool_arg(name: str, default: bool = False) -> bool:
    raw = request.args.get(name)
    if raw is None:
        return default
    if raw.lower() in TRUE:
        return True
    if raw.lower() in FALSE:
        return False
    raise QueryError(f"{name} must be true or false, got {raw[:40]!r}", parameter=name)


def text_arg(name: str) -> str:
    raw = request.args.get(name, "")
    if len(raw) > MAX_QUERY_LENGTH:
        raise QueryError(
            f"{name} is {len(raw)} characters long; the maximum is {MAX_QUERY_LENGTH}", parameter=name
        )
    return raw


def cached(response, index):
    """Tag a response with the version of the index that answered, for revalidation."""
    # Stable across processes and restarts (unlike hash()): same build + same request, same tag.
    digest = hashlib.sha256(request.full_path.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    response.set_etag(f"{index.version}-{digest}")
    response.headers["Cache-Control"] = f"public, max-age={current_app.config['CACHE_SECONDS']}"
    return response.make_conditional(request)


# Every API route has merge_slashes=False: `/api/codes/%2F0` (`//` once decoded) is then a JSON 404,
# not Werkzeug's HTML 308 redirect to another code.
@bp.get("/api/search", merge_slashes=False)
def api_search():
    """Ranked results: the same JSON object as `codesearch query --json`."""
    q = text_arg("q")
    section = request.args.get("section") or None
    if section is not None and not re.fullmatch(r"[A-Za-z]|MOD|mod", section):
        raise QueryError(f"section must be a section letter or MOD, got {section[:20]!r}", parameter="section")
    index = get_index()
    limit = int_arg("limit", 10, low=1, high=MAX_LIMIT, cap=True)
    offset = int_arg("offset", 0, low=0, high=MAX_OFFSET)
    res = search(
        index,
        q,
        limit=limit,
        offset=offset,
        include_terminated=bool_arg("include_terminated"),
        section=section,
        system=request.args.get("system") or None,
        prefix=bool_arg("prefix", True),
    )
    note_search(q, res.total, offset)
    return cached(jsonify(res.to_dict()), index)


@bp.get("/api/codes/<code>", merge_slashes=False)
def api_code(code: str):
    """The whole record of one code, with its NDCs and related codes."""
    if not CODE_PARAM_RE.match(code):
        raise QueryError(f"{code[:20]!r} is not a code (HCPCS, ICD-10-CM or CPT)", parameter="code")
    index = get_index()
    record = index.get(code)
    if record is None:
        raise UnknownCodeError(f"unknown code {code.upper()!r}")
    return cached(jsonify(code_details(index, record)), index)


@bp.get("/api/codes/<code>/units", merge_slashes=False)
def api_units(code: str):
    """Billing units for ?dose= of a drug code, rounded up, with the arithmetic as text."""
    from codesearch.billing import units_for_dose

    if not CODE_PARAM_RE.match(code):
        raise QueryError(f"{code[:20]!r} is not a code (HCPCS, ICD-10-CM or CPT)", parameter="code")
    dose = text_arg("dose")
    index = get_index()
    record = index.get(code)
    if record is None:
        raise UnknownCodeError(f"unknown code {code.upper()!r}")
    return cached(jsonify(units_for_dose(record, dose).to_dict()), index)


@bp.get("/healthz", merge_slashes=False)
def healthz():
    """The truth about the index: ok or degraded (200), unavailable (503); which build answers and why."""
    try:
        index = get_index()
    except (IndexMissingError, IndexCorruptError) as exc:
        message = str(exc)
        response = jsonify({"status": "unavailable", "reason": message, "build_id": None,
                            "error": {"status": 503, "message": message}})
        response.status_code = 503
        return response
    status, reason = index.health()
    m = index.manifest
    return jsonify({
        "status": status,
        "reason": reason,
        "records": m["records"],
        "build_id": m["build_id"],
        "built_at": m["built_at"],
        "schema_version": m["schema_version"],
        "version": m["codesearch_version"],
    })
