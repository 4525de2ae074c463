"""NLM Clinical Table Search Service (CTSS) compatible endpoints, for sites using NLM's widget.

``/api/hcpcs/v3/search`` and ``/api/icd10cm/v3/search`` answer the requests NLM's
``autocomplete-lhc`` widget and other CTSS clients send, with CTSS's field names and
``[total, codes, extra fields or null, display rows]`` answers, ranked by codesearch (brands,
typos, abbreviations, plain language). One request ranks once: up to 500 codes come from one
:func:`codesearch.search.ranked` call. The README's "NLM Clinical Tables drop-in" section compares
each CTSS parameter with what is done here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, jsonify, request

from codesearch.config import MAX_WINDOW
from codesearch.errors import QueryError
from codesearch.records import CodeRecord
from codesearch.search import RecordFilter, ranked
from codesearch.web import get_index
from codesearch.web.api import bool_arg, cached, int_arg, text_arg

bp = Blueprint("ctss", __name__)

#: CTSS's cap on maxList and count, and the codes an empty ``maxList=`` asks for.
NLM_MAX_LIST = MAX_WINDOW
#: CTSS's default page size.
NLM_DEFAULT_COUNT = 7
#: CTSS's limit on count + offset.
NLM_MAX_END = 7_500
WORD_RE = re.compile(r"[a-z0-9]+")
ALIAS_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _date(value: str | None) -> str:
    return (value or "").replace("-", "")


def _is_noc(record: CodeRecord) -> bool:
    return "not otherwise" in record.long.lower()


@dataclass(frozen=True)
class Table:
    """One CTSS table: its code system, fields, which of them terms can match, and defaults."""

    name: str
    system: str
    fields: dict[str, Callable[[CodeRecord], object]]
    text_fields: frozenset[str]  # matched by words of `terms` (and codesearch's expansions)
    booleans: frozenset[str]
    default_sf: str
    default_df: str

    def field_list(self, name: str, default: str, *, allowed: frozenset[str] | None = None) -> list[str]:
        """The comma-separated field names of parameter ``name``; unknown ones are a 400."""
        fields = [f.strip() for f in request.args.get(name, default).split(",") if f.strip()]
        self.check(name, fields, allowed)
        return fields

    def check(self, name: str, fields: list[str], allowed: frozenset[str] | None = None) -> None:
        """Refuse, naming parameter ``name``, fields this table does not have (or ``allowed`` excludes)."""
        known = allowed if allowed is not None else frozenset(self.fields)
        unknown = [f for f in fields if f not in known]
        if unknown:
            shown = ", ".join(repr(f[:30]) for f in unknown[:5])
            raise QueryError(f"{name}: unknown field(s) {shown} for the {self.name} table; known: "
                             f"{', '.join(f for f in self.fields if f in known)}", parameter=name)


HCPCS = Table(
    name="hcpcs",
    system="HCPCS",
    fields={
        "code": lambda r: r.code,
        "display": lambda r: r.long,
        "short_desc": lambda r: r.short,
        "long_desc": lambda r: r.long,
        "add_dt": lambda r: _date(r.add_date),
        "act_eff_dt": lambda r: _date(r.action_effective_date),
        "term_dt": lambda r: _date(r.termination_date),
        "obsolete": lambda r: not r.active,
        "is_noc": _is_noc,
    },
    text_fields=frozenset({"display", "short_desc", "long_desc"}),
    booleans=frozenset({"obsolete", "is_noc"}),
    default_sf="code,short_desc,long_desc",
    default_df="code,display",
)
ICD10CM = Table(
    name="icd10cm",
    system="ICD10CM",
    fields={"code": lambda r: r.code, "name": lambda r: r.long},
    text_fields=frozenset({"name"}),
    booleans=frozenset(),
    default_sf="code,name",
    default_df="code,name",
)
TABLES = {t.name: t for t in (HCPCS, ICD10CM)}
#: Every field of every table, for documentation.
NLM_FIELDS = {name: getter for t in TABLES.values() for name, getter in t.fields.items()}


# -- q: the subset of Elasticsearch query-string syntax CTSS users send -----------------------------

Q_TOKEN_RE = re.compile(r'\s*(?:(AND|OR)(?=\s|$)|([A-Za-z_]+):("(?:[^"\\]|\\.)*"|[^\s"()]+))')
Q_VALUE_RE = re.compile(r"^[^\s*?~^()\[\]{}<>!\\/:\"]+\*?$")


def _q_error(message: str) -> QueryError:
    return QueryError(f"q: {message}; supported: field:value, field:prefix*, field:\"words\", "
                      "obsolete:true|false, is_noc:true|false, joined by AND or OR", parameter="q")


def _clause(table: Table, name: str, raw: str) -> Callable[[CodeRecord], bool]:
    """The test of one ``field:value`` clause."""
    if name not in table.fields:
        raise _q_error(f"unknown field {name[:30]!r} for the {table.name} table (known: {', '.join(table.fields)})")
    getter = table.fields[name]
    if name in table.booleans:
        if raw.lower() not in ("true", "false"):
            raise _q_error(f"{name} must be true or false, got {raw[:30]!r}")
        want = raw.lower() == "true"
        return lambda r: getter(r) is want
    if raw.startswith('"'):
        phrase = " ".join(WORD_RE.findall(raw[1:-1].lower()))
        if not phrase:
            raise _q_error(f"empty phrase for {name}")
        return lambda r: f" {phrase} " in f" {' '.join(WORD_RE.findall(str(getter(r)).lower()))} "
    if not Q_VALUE_RE.match(raw):
        raise _q_error(f"unsupported value {raw[:30]!r} for {name}")
    star = raw.endswith("*")
    value = raw.rstrip("*").lower()
    if name == "code":
        def code_match(r: CodeRecord) -> bool:
            forms = (r.code.lower(), r.code.lower().replace(".", ""))
            return any(f.startswith(value) if star else f == value for f in forms)
        return code_match
    if name in table.text_fields:
        if not WORD_RE.fullmatch(value):
            raise _q_error(f"{name} takes one word (or a quoted phrase), got {raw[:30]!r}")
        if star:
            return lambda r: any(w.startswith(value) for w in WORD_RE.findall(str(getter(r)).lower()))
        return lambda r: value in WORD_RE.findall(str(getter(r)).lower())
    return lambda r: str(getter(r)).lower().startswith(value) if star else str(getter(r)).lower() == value


def parse_q(table: Table, q: str) -> RecordFilter:
    """``q`` as a record filter: clauses joined by AND (binding first) and OR; anything else a 400."""
    groups: list[list[Callable[[CodeRecord], bool]]] = [[]]
    pos, expect_clause = 0, True
    q = q.strip()
    while pos < len(q):
        m = Q_TOKEN_RE.match(q, pos)
        if m is None or m.end() == pos:
            raise _q_error(f"cannot read {q[pos:pos + 30].strip()!r}")
        op, name, value = m.groups()
        if op:
            if expect_clause:
                raise _q_error(f"{op} needs a clause on each side")
            if op == "OR":
                groups.append([])
            expect_clause = True
        else:
            if not expect_clause:
                raise _q_error(f"join {name}:{value[:20]} to the clause before it with AND or OR")
            groups[-1].append(_clause(table, name, value))
            expect_clause = False
        pos = m.end()
    if expect_clause:
        raise _q_error("a clause is missing" if q else "empty")

    def test(record: CodeRecord) -> bool:
        return any(all(c(record) for c in group) for group in groups)

    return RecordFilter(f"ctss:{table.name}:{q}", test)


# -- the endpoints ---------------------------------------------------------------------------------


def _count() -> int:
    """maxList, or count which overrides it: 7 by default, an empty maxList 500, capped at 500."""
    if request.args.get("count"):
        return int_arg("count", NLM_DEFAULT_COUNT, low=1, high=NLM_MAX_LIST, cap=True)
    if request.args.get("maxList") == "":
        return NLM_MAX_LIST
    return int_arg("maxList", NLM_DEFAULT_COUNT, low=1, high=NLM_MAX_LIST, cap=True)


def _extra_fields(table: Table) -> list[tuple[str, str]]:
    """ef as (field, key) pairs: ``field`` or ``field:alias``."""
    out = []
    for item in (i.strip() for i in request.args.get("ef", "").split(",")):
        if not item:
            continue
        name, _, alias = item.partition(":")
        table.check("ef", [name])
        if ":" in item and not ALIAS_RE.match(alias):
            raise QueryError(f"ef: the alias of {name} must be letters, digits or _, got {alias[:30]!r}",
                             parameter="ef")
        out.append((name, alias or name))
    return out


def _text(value: object) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def answer(table: Table):
    """The CTSS answer of ``table`` for this request's parameters."""
    index = get_index()  # first, so that no index is a 503 whatever the parameters
    suggest = bool_arg("suggest")
    terms = text_arg("field_val") if suggest and "field_val" in request.args else text_arg("terms")
    count = _count()
    offset = int_arg("offset", 0, low=0, high=NLM_MAX_END)
    if offset + count > NLM_MAX_END:
        raise QueryError(f"offset + count must be at most {NLM_MAX_END}, got {offset + count}", parameter="offset")
    sf = table.field_list("sf", table.default_sf, allowed=table.text_fields | {"code"})
    df = table.field_list("df", table.default_df)
    cf = table.field_list("cf", "code")
    if len(cf) != 1:
        raise QueryError(f"cf names one field, got {len(cf)}", parameter="cf")
    ef = _extra_fields(table)
    q = request.args.get("q", "")
    where = parse_q(table, q) if q.strip() else None
    match = frozenset(({"codes"} if "code" in sf else set()) | ({"words"} if table.text_fields & set(sf) else set()))

    total, codes = 0, []
    if terms.strip() and match:
        options = dict(limit=count, offset=offset, include_terminated=True, system=table.system, match=match,
                       where=where)
        found = ranked(index, terms, **options)
        if suggest and not found.total and found.suggestion:
            found = ranked(index, found.suggestion, **options)
        total, codes = found.total, found.codes
    records = [index.records[c] for c in codes]
    getter = table.fields
    code_list = [_text(getter[cf[0]](r)) for r in records]
    extra = {key: [getter[name](r) for r in records] for name, key in ef} if ef else None
    rows = [[_text(getter[f](r)) for f in df] for r in records]
    # A suggestion request is answered as autocomplete-lhc reads it: [codes, display rows, extra].
    body = [code_list, rows, extra] if suggest else [total, code_list, extra, rows]
    return cached(jsonify(body), index)


# Every API route has merge_slashes=False, as in codesearch.web.api.
@bp.get("/api/hcpcs/v3/search", merge_slashes=False)
def hcpcs_search():
    """CTSS's HCPCS table: HCPCS Level II codes and modifiers."""
    return answer(HCPCS)


@bp.get("/api/icd10cm/v3/search", merge_slashes=False)
def icd10cm_search():
    """CTSS's ICD-10-CM table: billable ICD-10-CM codes, fields code and name."""
    return answer(ICD10CM)
