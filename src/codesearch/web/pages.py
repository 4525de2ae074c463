"""The HTML pages: search-as-you-type at /, a reference page per code, category pages."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request
from markupsafe import Markup

from codesearch.config import MAX_QUERY_LENGTH
from codesearch.records import SYSTEMS, normalize_system
from codesearch.related import category_page, code_details
from codesearch.search import search
from codesearch.web import get_index
from codesearch.web.api import CODE_PARAM_RE
from codesearch.web.observe import note_search

bp = Blueprint("pages", __name__)

SYSTEM_CHOICES = {"": "All codes", "hcpcs": "HCPCS", "icd10cm": "ICD-10-CM", "cpt": "CPT"}
#: Results per page of the server-rendered list (the page's script pages by 10 itself).
PAGE_SIZE = 20


def grouped(results) -> list[tuple[str, list]]:
    """Results by code system, systems in the order their best result ranks."""
    groups: dict[str, list] = {}
    for r in results:
        groups.setdefault(r.system, []).append(r)
    return [(SYSTEMS.get(name, name), rs) for name, rs in groups.items()]


@bp.get("/")
def home():
    """The search page; with ?q= it also renders results without JavaScript.

    The last word is a prefix unless the text ends in a space, exactly as the page's script
    and /api/search search while you type, so a reloaded or shared address gives the same answer.
    """
    q = request.args.get("q", "")
    system = request.args.get("system", "").lower()
    if system not in SYSTEM_CHOICES:
        system = ""
    try:
        page = max(1, int(request.args.get("page", "1")))
    except ValueError:
        page = 1
    index = get_index()
    res, too_long = None, None
    if len(q) > MAX_QUERY_LENGTH:
        too_long = f"The query is {len(q)} characters long; the maximum is {MAX_QUERY_LENGTH}. Shorten it to search."
    elif q.strip():
        offset = min((page - 1) * PAGE_SIZE, 10_000)
        res = search(index, q, limit=PAGE_SIZE, offset=offset, system=system or None)
        note_search(q, res.total, offset)
    present = {r for r in index.manifest.get("counts", {}) if r.startswith("system_")}
    choices = [(k, label) for k, label in SYSTEM_CHOICES.items() if not k or f"system_{normalize_system(k)}" in present]
    groups = grouped(res.results) if res else []
    counts = getattr(res, "systems", None) or {}
    return render_template(
        "index.html", q=q, res=res, Markup=Markup, system=system, choices=choices, groups=groups,
        counts={_system_name(k): v for k, v in counts.items()},
        page=page, page_size=PAGE_SIZE, too_long=too_long,
    )


@bp.get("/favicon.ico")
def favicon():
    """The icon browsers ask for by this name: the page's SVG icon."""
    return current_app.send_static_file("favicon.svg")


@bp.get("/codes/<code>")
def code_page(code: str):
    """A code reference page: also known as, plain language, status, NDCs, notes.

    An ICD-10-CM category that is not itself billable (E11, E11.6) gets a page listing its
    billable codes.
    """
    if not CODE_PARAM_RE.match(code):
        abort(404, f"{code[:20]} is not a code")
    index = get_index()
    record = index.get(code)
    if record is None:
        category = category_page(index, code)
        if category is None:
            names = [SYSTEMS.get(s, s) for s in SYSTEMS if s in _systems(index)]
            abort(404, f"There is no code {code.upper()} in this index ({', '.join(names)}).")
        return render_template("category.html", c=category)
    # The units calculator: a GET form back to this page with ?dose=, answered here.
    dose = request.args.get("dose", "")[:MAX_QUERY_LENGTH]
    calc, calc_error = None, None
    details = code_details(index, record)
    if dose.strip() and details.get("billable_now", True):
        from codesearch.billing import units_for_dose
        from codesearch.errors import QueryError

        try:
            calc = units_for_dose(record, dose)
        except QueryError as exc:
            calc_error = str(exc)
    return render_template("code.html", r=record, d=details, dose=dose, calc=calc, calc_error=calc_error)


def _systems(index) -> set[str]:
    return {k.removeprefix("system_") for k in index.manifest.get("counts", {}) if k.startswith("system_")}


def _system_name(key: str) -> str:
    """The label of a system as the API's per-system counts name it (``icd10cm`` → ICD-10-CM)."""
    try:
        return SYSTEMS[normalize_system(key)]
    except ValueError:
        return key
