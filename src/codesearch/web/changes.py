"""What changed in the release: ``/api/changes`` (JSON) and the ``/changes`` page."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request

from codesearch.changes import GROUP_TITLES, index_changes
from codesearch.errors import QueryError
from codesearch.records import normalize_system
from codesearch.web import get_index
from codesearch.web.api import bool_arg, cached

bp = Blueprint("changes", __name__)

CHANGE_SYSTEMS = ("hcpcs", "icd10cm")


def _report():
    """The change report a request asks for (``system``, ``compared``, ``group``)."""
    system = (request.args.get("system") or "hcpcs").lower()
    if system not in CHANGE_SYSTEMS:
        raise QueryError(f"system must be one of {', '.join(CHANGE_SYSTEMS)}, got {system[:20]!r}", parameter="system")
    group = request.args.get("group") or None
    if group is not None and group not in GROUP_TITLES:
        raise QueryError(f"group must be one of {', '.join(GROUP_TITLES)}, got {group[:20]!r}", parameter="group")
    index = get_index()
    report = index_changes(index, normalize_system(system), compared=bool_arg("compared"))
    data = report.to_dict()
    if group:
        data["groups"] = [g for g in data["groups"] if g["group"] == group]
    return index, data


@bp.get("/api/changes", merge_slashes=False)
def api_changes():
    """The release's changes, grouped: added, discontinued (with replacements), changed."""
    index, data = _report()
    return cached(jsonify(data), index)


@bp.get("/changes", merge_slashes=False)
def changes_page():
    """The release's changes as a page, each code linked to its page."""
    _, data = _report()
    return render_template("changes.html", data=data, compared=bool_arg("compared"))
