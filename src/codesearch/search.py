"""Search and rank: an expanded query → ranked results with highlighted snippets and reasons.

Ranking tiers, in order: exact code or NDC; codes matching every part of the query; codes
matching some (more parts first). Within a tier, active codes come before terminated
ones, then BM25F score (field weights in :mod:`codesearch.schema`).
"""

from __future__ import annotations

import html
from dataclasses import asdict, dataclass, field
from functools import lru_cache

from whoosh import query as Q

from codesearch.config import MAX_LIMIT, MAX_QUERY_LENGTH
from codesearch.errors import QueryError
from codesearch.expand import Alternative, Expansion, expand, expander_for
from codesearch.index import CodeIndex
from codesearch.records import CodeRecord
from codesearch.schema import EXACT, build_schema, stems

MAX_OFFSET = 10_000
CANDIDATES = 200  # hits fetched per Whoosh query before tiers are merged
_SCHEMA = build_schema()


@dataclass
class Result:
    """One ranked code."""

    code: str
    system: str
    title: str
    description: str
    status: str
    score: float
    snippet: str
    kind: str = "code"
    section: str = ""
    brands: list[str] = field(default_factory=list)
    plain: str = ""
    matched: list[str] = field(default_factory=list)
    products: list[dict] = field(default_factory=list)  # the NDC products a query named

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class SearchResults:
    """A page of results and how the query was understood."""

    query: str
    total: int
    results: list[Result]
    suggestion: str | None = None
    corrections: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "query": self.query,
            "total": self.total,
            "results": [r.to_dict() for r in self.results],
            "suggestion": self.suggestion,
            "corrections": self.corrections,
        }


@lru_cache(maxsize=65536)
def _field_terms(fieldname: str, text: str) -> tuple[str, ...]:
    return tuple(_SCHEMA[fieldname].process_text(text, mode="query"))


def _alt_query(alt: Alternative, termmap: dict, part_no: int) -> Q.Query | None:
    if alt.kind == "code_prefix":
        return Q.Prefix("code", alt.text, boost=alt.weight)
    subs = []
    for fieldname in alt.fields:
        terms = _field_terms(fieldname, alt.text)
        if not terms:
            continue
        for t in terms:
            termmap.setdefault((fieldname, t), []).append((part_no, alt))
        if len(terms) == 1:
            subs.append(Q.Term(fieldname, terms[0], boost=alt.weight))
        else:
            subs.append(Q.And([Q.Term(fieldname, t) for t in terms], boost=alt.weight))
    if not subs:
        return None
    return subs[0] if len(subs) == 1 else Q.Or(subs)


def validate(query: str, limit: int, offset: int) -> None:
    """Refuse parameters outside the documented bounds with a QueryError naming the parameter."""
    if not isinstance(query, str):
        raise QueryError("the query must be text", parameter="q")
    if len(query) > MAX_QUERY_LENGTH:
        raise QueryError(
            f"the query is {len(query)} characters long; the maximum is {MAX_QUERY_LENGTH}", parameter="q"
        )
    if not 1 <= limit <= MAX_LIMIT:
        raise QueryError(f"limit must be between 1 and {MAX_LIMIT}, got {limit}", parameter="limit")
    if not 0 <= offset <= MAX_OFFSET:
        raise QueryError(f"offset must be between 0 and {MAX_OFFSET}, got {offset}", parameter="offset")


def highlight(text: str, marks: set[str]) -> str:
    """HTML-escape ``text`` and wrap words whose stem is in ``marks`` in ``<mark>``."""
    if not marks:
        return html.escape(text)
    out, pos = [], 0
    for token in EXACT(text, chars=True):
        word = text[token.startchar : token.endchar]
        key = stems(word)
        if (key and key[0] in marks) or word.lower() in marks:
            out.append(html.escape(text[pos : token.startchar]))
            out.append(f"<mark>{html.escape(word)}</mark>")
            pos = token.endchar
    out.append(html.escape(text[pos:]))
    return "".join(out)


class Searcher:
    """Runs queries against a :class:`CodeIndex`."""

    def __init__(self, index: CodeIndex):
        self.index = index

    def search(
        self,
        query: str,
        *,
        limit: int = 10,
        offset: int = 0,
        include_terminated: bool = False,
        section: str | None = None,
        prefix: bool = True,
    ) -> SearchResults:
        """Ranked results for ``query``; the last word is a prefix unless ``prefix`` is false."""
        validate(query, limit, offset)
        index = self.index
        index.refresh()
        with index.lock:
            exp = expand(index, query, prefix)
            ranked = self._rank(exp, include_terminated, section)
            page = ranked[offset : offset + limit]
            results = [self._result(index.records[code], exp, whys, score) for code, whys, score in page]
        suggestion = None
        if not ranked and exp.query:
            suggestion = expander_for(index).suggest(exp.query)
        return SearchResults(exp.query, len(ranked), results, suggestion, dict(exp.corrections))

    # -- ranking --------------------------------------------------------------------
    def _allowed(self, record: CodeRecord, include_terminated: bool, section: str | None) -> bool:
        if not include_terminated and not record.active:
            return False
        if section and record.section_letter != section.upper() and not (
            section.upper() in ("MOD", "MODIFIER", "MODIFIERS") and record.kind == "modifier"
        ):
            return False
        return True

    def _rank(self, exp: Expansion, include_terminated: bool, section: str | None):
        index = self.index
        # (tier, inactive, -coverage, -score, code) → sorted; whys kept per code
        entries: dict[str, tuple] = {}

        def add(code, tier, coverage, score, whys):
            record = index.records.get(code)
            if record is None or not self._allowed(record, include_terminated, section):
                return
            # Exact codes first even if terminated; otherwise active before terminated.
            key = (tier > 0, not record.active, tier, -coverage, -score, code)
            if code not in entries or key < entries[code][0]:
                entries[code] = (key, whys, score)

        for code in exp.codes:
            add(code, 0, 0, 0.0, [f"code {code}"])
        for typed, ndc in exp.ndcs:
            for code in index.ndc_map.get(ndc, ()):
                add(code, 0, 0, 0.0, [f"NDC {typed}"])

        if exp.parts:
            self._rank_words(exp, add, include_terminated, section)
        elif exp.code_prefixes:
            for p in exp.code_prefixes:
                for code in index.codes_with_prefix(p):
                    add(code, 1, 0, 0.0, [f"code starts with {p}"])
        ranked = sorted(entries.items(), key=lambda kv: kv[1][0])
        return [(code, whys, score) for code, (key, whys, score) in ranked]

    def _rank_words(self, exp: Expansion, add, include_terminated: bool, section: str | None) -> None:
        searcher = self.index.searcher
        termmap: dict = {}
        part_queries = []
        for n, part in enumerate(exp.parts):
            subs = [q for q in (_alt_query(a, termmap, n) for a in part.alternatives) if q is not None]
            if subs:
                part_queries.append(subs[0] if len(subs) == 1 else Q.Or(subs))
        if not part_queries:
            return
        filters = []
        if not include_terminated:
            filters.append(Q.Term("status", "active"))
        if section:
            s = section.upper()
            filters.append(Q.Term("kind", "modifier") if s in ("MOD", "MODIFIER", "MODIFIERS") else Q.Term("section", s))
        if exp.code_prefixes:
            filters.append(Q.Or([Q.Prefix("code", p) for p in exp.code_prefixes]))
        flt = Q.And(filters) if len(filters) > 1 else (filters[0] if filters else None)

        queries = [(1, Q.And(part_queries) if len(part_queries) > 1 else part_queries[0])]
        if len(part_queries) > 1:
            queries.append((2, Q.Or(part_queries)))
        for tier, q in queries:
            hits = searcher.search(q, limit=CANDIDATES, filter=flt, terms=True)
            for hit in hits:
                matched: dict[int, list[Alternative]] = {}
                for fieldname, term in hit.matched_terms():
                    text = term.decode("utf-8") if isinstance(term, bytes) else term
                    for part_no, alt in termmap.get((fieldname, text), ()):
                        matched.setdefault(part_no, [])
                        if alt not in matched[part_no]:
                            matched[part_no].append(alt)
                whys = []
                for alts in matched.values():
                    for alt in sorted(alts, key=lambda a: -a.weight)[:2]:
                        if alt.why not in whys:
                            whys.append(alt.why)
                alts_flat = [a for alts in matched.values() for a in alts]
                add(hit["code"], tier, len(matched), hit.score, (whys, alts_flat))

    # -- presentation -------------------------------------------------------------------
    def _result(self, record: CodeRecord, exp: Expansion, whys, score: float) -> Result:
        alts: list[Alternative] = []
        if isinstance(whys, tuple):
            whys, alts = whys
        marks: set[str] = set()
        for alt in alts:
            marks.update(alt.highlight)
        snippet = highlight(record.long, marks)
        plain = highlight(record.plain, marks) if any("plain" in a.fields for a in alts) else html.escape(record.plain)
        products = []
        ndcs = {ndc for _, ndc in exp.ndcs}
        for p in record.products:
            if p.ndc11 in ndcs:
                products.append({"ndc": p.ndc, "drug_name": p.drug_name, "labeler": p.labeler,
                                 "dosage": p.dosage, "billing_units": p.billing_units})
        whys = list(whys)
        brand_marks = {b for b in record.brands if marks & set(stems(b)) or any(
            w in marks for w in (t.text for t in EXACT(b)))}
        for b in brand_marks:
            label = f"brand name {b}"
            if label not in whys:
                whys.insert(0, label)
        return Result(
            code=record.code,
            system=record.system,
            title=record.short,
            description=record.long,
            status=record.status,
            score=round(float(score), 4),
            snippet=snippet,
            kind=record.kind,
            section=record.section,
            brands=list(record.brands),
            plain=plain,
            matched=whys,
            products=products,
        )


def search(index: CodeIndex, query: str, **options) -> SearchResults:
    """Search ``index`` for ``query``; see :meth:`Searcher.search` for options."""
    return Searcher(index).search(query, **options)
