"""The HTML pages: search-as-you-type at / and a reference page per code."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from markupsafe import Markup

from codesearch.config import MAX_QUERY_LENGTH
from codesearch.records import normalize_system
from codesearch.related import code_details
from codesearch.search import search
from codesearch.web import get_index
from codesearch.web.api import CODE_PARAM_RE
from codesearch.web.observe import note_search

bp = Blueprint("pages", __name__)

SYSTEM_CHOICES = {"": "All codes", "hcpcs": "HCPCS", "icd10cm": "ICD-10-CM", "cpt": "CPT"}


@bp.get("/")
def home():
    """The search page; with ?q= it also renders results without JavaScript."""
    q = request.args.get("q", "")[:MAX_QUERY_LENGTH]
    system = request.args.get("system", "").lower()
    if system not in SYSTEM_CHOICES:
        system = ""
    index = get_index()
    res = search(index, q, limit=20, prefix=False, system=system or None) if q.strip() else None
    if res is not None:
        note_search(q, res.total)
    present = {r for r in index.manifest.get("counts", {}) if r.startswith("system_")}
    choices = [(k, label) for k, label in SYSTEM_CHOICES.items() if not k or f"system_{normalize_system(k)}" in present]
    return render_template("index.html", q=q, res=res, Markup=Markup, system=system, choices=choices)


@bp.get("/codes/<code>")
def code_page(code: str):
    """A code reference page: also known as, plain language, status, NDCs, notes."""
    if not CODE_PARAM_RE.match(code):
        abort(404, f"{code[:20]} is not a code")
    index = get_index()
    record = index.get(code)
    if record is None:
        abort(404, f"There is no code {code.upper()} in this HCPCS release.")
    # The units calculator: a GET form back to this page with ?dose=, answered here.
    dose = request.args.get("dose", "")[:MAX_QUERY_LENGTH]
    calc, calc_error = None, None
    if dose.strip():
        from codesearch.billing import units_for_dose
        from codesearch.errors import QueryError

        try:
            calc = units_for_dose(record, dose)
        except QueryError as exc:
            calc_error = str(exc)
    return render_template("code.html", r=record, d=code_details(index, record),
                           dose=dose, calc=calc, calc_error=calc_error)
