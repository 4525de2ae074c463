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
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from flask import Blueprint, jsonify, request

from codesearch.config import MAX_WINDOW
from codesearch.errors import QueryError
from codesearch.index import CodeIndex
from codesearch.records import CodeRecord
from codesearch.schema import stems
from codesearch.search import RecordFilter, ranked
from codesearch.web import get_index
from codesearch.web.api import bool_arg, cached, int_arg, text_arg
from codesearch.web.observe import note_search

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


# -- q: the subset of Elasticsearch query-string syntax CTSS users send -----------------------------
# Each clause becomes a mask over the index's documents, computed with its postings and code
# tables rather than record by record, so that a cold q over 75,000 ICD-10-CM codes stays fast.

Q_TOKEN_RE = re.compile(r'\s*(?:(AND|OR)(?=\s|$)|([A-Za-z_]+):("(?:[^"\\]|\\.)*"|[^\s"()]+))')
Q_VALUE_RE = re.compile(r"^[^\s*?~^()\[\]{}<>!\\/:\"]+\*?$")
#: The index field that holds each CTSS text field's words.
INDEX_FIELD = {"display": "long", "short_desc": "short", "long_desc": "long", "name": "long"}
#: Up to this many vocabulary words, a prefix clause also takes their stems (a stem may end otherwise).
PREFIX_STEM_WORDS = 50
Mask = Callable[[CodeIndex], np.ndarray]


def _q_error(message: str, table: Table) -> QueryError:
    flags = "".join(f", {b}:true|false" for b in sorted(table.booleans))
    return QueryError(f"q: {message}; supported: field:value, field:prefix*, field:\"words\"{flags}, "
                      "joined by AND or OR", parameter="q")


def _docs(index: CodeIndex, docs) -> np.ndarray:
    mask = np.zeros(index.table.size, dtype=bool)
    mask[np.asarray(docs, dtype=np.int64)] = True
    return mask


def _column(index: CodeIndex, table: Table, name: str) -> tuple[np.ndarray, list]:
    """The table's documents and the value of field ``name`` of each, computed once per build."""
    columns = index.cache.setdefault("ctss_columns", {})
    key = (table.name, name)
    if key not in columns:
        docs = np.nonzero(index.doc_system == table.system)[0]
        getter, codes, records = table.fields[name], index.table.codes, index.records
        columns[key] = (docs, [getter(records[codes[d]]) for d in docs])
    return columns[key]


def _terms_with_prefix(index: CodeIndex, field: str, prefix: str) -> list[str]:
    """The indexed terms of ``field`` that begin with ``prefix`` (a sorted term list, made once per build)."""
    lists = index.cache.setdefault("ctss_terms", {})
    if field not in lists:
        start, end = index.table.fields.get(field, (0, 0))
        lists[field] = index.table.terms[start:end].tolist()  # already in code-point order
    terms = lists[field]
    start = bisect_left(terms, prefix)
    end = bisect_left(terms, prefix + "\U0010ffff", lo=start)
    return terms[start:end]


def _word_docs(index: CodeIndex, field: str, word: str) -> np.ndarray:
    """Documents whose ``field`` holds ``word`` (as the index analyses it: stemmed, stop words out)."""
    terms = stems(word)
    if not terms:
        return np.zeros(0, dtype=np.int64)
    docs = index.table.postings(field, terms[0])[0]
    for term in terms[1:]:
        docs = np.intersect1d(docs, index.table.postings(field, term)[0])
    return docs


def _text_clause(table: Table, name: str, raw: str) -> Mask:
    """``name:word``, ``name:prefix*`` or ``name:"a phrase"`` on a descriptor field."""
    field = INDEX_FIELD[name]
    if raw.startswith('"'):
        phrase = " ".join(WORD_RE.findall(raw[1:-1].lower()))
        if not phrase:
            raise _q_error(f"empty phrase for {name}", table)
        getter = table.fields[name]

        def phrase_mask(index: CodeIndex) -> np.ndarray:
            found = [_word_docs(index, field, w) for w in phrase.split()]
            docs = found[0]
            for more in found[1:]:
                docs = np.intersect1d(docs, more)
            codes, records = index.table.codes, index.records
            return _docs(index, [d for d in docs
                                 if f" {phrase} " in " " + " ".join(WORD_RE.findall(
                                     str(getter(records[codes[d]])).lower())) + " "])
        return phrase_mask
    value = raw.rstrip("*").lower()
    if not WORD_RE.fullmatch(value):
        raise _q_error(f"{name} takes one word, a prefix* or a quoted phrase, got {raw[:30]!r}", table)
    if raw.endswith("*"):
        def prefix_mask(index: CodeIndex) -> np.ndarray:
            terms = set(_terms_with_prefix(index, field, value))
            words = index.words_with_prefix(value)
            if len(words) <= PREFIX_STEM_WORDS:  # stems that no longer begin with the prefix (happy → happi)
                terms.update(t for w in words for t in stems(w))
            found = [index.table.postings(field, t)[0] for t in terms]
            return _docs(index, np.concatenate(found) if found else [])
        return prefix_mask
    return lambda index: _docs(index, _word_docs(index, field, value))


def _clause(table: Table, name: str, raw: str) -> Mask:
    """The document mask of one ``field:value`` clause; a 400 naming q if it cannot be read."""
    if name not in table.fields:
        raise _q_error(f"unknown field {name[:30]!r} for the {table.name} table (known: "
                       f"{', '.join(table.fields)})", table)
    if name in table.booleans:
        if raw.lower() not in ("true", "false"):
            raise _q_error(f"{name} must be true or false, got {raw[:30]!r}", table)
        want = raw.lower() == "true"
        if name == "obsolete":
            return lambda index: ~index.doc_active if want else index.doc_active.copy()

        def flag_mask(index: CodeIndex) -> np.ndarray:
            docs, values = _column(index, table, name)
            return _docs(index, docs[np.array([v is want for v in values], dtype=bool)])
        return flag_mask
    if name in table.text_fields:
        return _text_clause(table, name, raw)
    if not Q_VALUE_RE.match(raw):
        raise _q_error(f"unsupported value {raw[:30]!r} for {name}", table)
    star, value = raw.endswith("*"), raw.rstrip("*")
    if name == "code":
        if star:
            return lambda index: _docs(index, index.docs_with_prefix(value))
        return lambda index: _docs(index, [index.doc_of[c] for c in index.codes_for(value)])

    def value_mask(index: CodeIndex) -> np.ndarray:
        docs, values = _column(index, table, name)
        low = value.lower()
        keep = [str(v).lower().startswith(low) if star else str(v).lower() == low for v in values]
        return _docs(index, docs[np.array(keep, dtype=bool)])
    return value_mask


def parse_q(table: Table, q: str) -> RecordFilter:
    """``q`` as a document filter: clauses joined by AND (binding first) and OR; anything else a 400."""
    groups: list[list[Mask]] = [[]]
    pos, expect_clause = 0, True
    q = q.strip()
    while pos < len(q):
        m = Q_TOKEN_RE.match(q, pos)
        if m is None or m.end() == pos:
            raise _q_error(f"cannot read {q[pos:pos + 30].strip()!r}", table)
        op, name, value = m.groups()
        if op:
            if expect_clause:
                raise _q_error(f"{op} needs a clause on each side", table)
            if op == "OR":
                groups.append([])
            expect_clause = True
        else:
            if not expect_clause:
                raise _q_error(f"join {name}:{value[:20]} to the clause before it with AND or OR", table)
            groups[-1].append(_clause(table, name, value))
            expect_clause = False
        pos = m.end()
    if expect_clause:
        raise _q_error("a clause is missing" if q else "empty", table)

    def mask(index: CodeIndex) -> np.ndarray:
        out = np.zeros(index.table.size, dtype=bool)
        for group in groups:
            both = np.ones(index.table.size, dtype=bool)
            for clause in group:
                both &= clause(index)
            out |= both
        return out

    return RecordFilter(f"ctss:{table.name}:{q}", mask)


# -- the endpoints ---------------------------------------------------------------------------------


def _count() -> int:
    """maxList, or count which overrides it: 7 by default, an empty maxList 500, capped at 500.

    A maxList that is not a positive number is a 400 even beside a count, which overrides it.
    """
    max_list = (NLM_MAX_LIST if request.args.get("maxList") == ""
                else int_arg("maxList", NLM_DEFAULT_COUNT, low=1, high=NLM_MAX_LIST, cap=True))
    if request.args.get("count"):
        return int_arg("count", NLM_DEFAULT_COUNT, low=1, high=NLM_MAX_LIST, cap=True)
    return max_list


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
    q = text_arg("q")
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
        note_search(terms, total, offset)
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
