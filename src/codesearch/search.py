"""Search and rank: an expanded query → ranked results with highlighted snippets and reasons.

Typed codes and NDCs come first; the rest is ordered by the policy of :mod:`codesearch.ranking`
(tiers, then a score summing each query part's best BM25F match, per-term scores precomputed
from the Whoosh index by :mod:`codesearch.scores`). :func:`search` returns pages of up to 50
results with snippets and reasons; :func:`ranked` up to 500 codes of the same order from one
ranking.
"""

from __future__ import annotations

import html
import re
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np
from whoosh.analysis import STOP_WORDS

from codesearch import ranking
from codesearch.changes import new_in_release
from codesearch.config import MAX_LIMIT, MAX_QUERY_LENGTH, MAX_WINDOW
from codesearch.describe import plain_language
from codesearch.errors import QueryError
from codesearch.expand import QUALIFIER_SHORTHAND, Alternative, Expansion, expand, expander_for, normalize_query
from codesearch.index import CodeIndex
from codesearch.records import SYSTEM_ICD10CM, CodeRecord, normalize_system
from codesearch.schema import EXACT, STEMMED, TOKEN_PATTERN, build_schema, stems, words

MAX_OFFSET = 10_000
POSTINGS_CACHE = 20_000  # alternatives whose postings are memoised per build
FILTER_CACHE = 256  # RecordFilter masks memoised per build (80 KB each at 83,000 codes)
_SCHEMA = build_schema()
_WORD_RE = re.compile(TOKEN_PATTERN)


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
    new_in: str | None = None  # "Oct 2025" when the indexed release added the code

    def to_dict(self) -> dict:
        # Shallow copies: asdict() deep-copies, which showed up in the request profile.
        data = dict(self.__dict__)
        data["brands"] = list(self.brands)
        data["matched"] = list(self.matched)
        data["products"] = [dict(p) for p in self.products]
        return data


@dataclass
class SearchResults:
    """A page of results and how the query was understood."""

    query: str
    total: int
    results: list[Result]
    suggestion: str | None = None
    corrections: dict[str, str] = field(default_factory=dict)
    #: Matching codes per system ("hcpcs", "icd10cm", "cpt"), under every filter but ``system``,
    #: so a search narrowed to one system still shows what the others hold.
    systems: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "query": self.query,
            "total": self.total,
            "results": [r.to_dict() for r in self.results],
            "suggestion": self.suggestion,
            "corrections": self.corrections,
            "systems": dict(self.systems),
        }


@dataclass
class Ranking:
    """A window of ranked codes, without snippets or reasons: one ranking, up to MAX_WINDOW codes."""

    query: str
    total: int
    codes: list[str]
    suggestion: str | None = None
    corrections: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RecordFilter:
    """The documents a caller allows: ``mask(index)`` is a boolean array in ``index.table.codes``
    order; ``key`` names it, so that it is computed once per build."""

    key: str
    mask: Callable[[CodeIndex], np.ndarray]


MATCH_KINDS = frozenset({"codes", "words"})
#: The fields whose matches a descriptor's negated words can void: its own text and the texts
#: said of it (a tag in ``abbrev`` or ``brand`` is an assertion).
NEGATABLE_FIELDS = frozenset({"short", "long", "synonyms", "plain"})


def _field_terms(fieldname: str, text: str) -> tuple[str, ...]:
    """The terms ``text`` is searched as in ``fieldname``: the remembered stems() or words() of
    the text when the field is analysed that way (no filter of theirs depends on the mode), so an
    alternative's text is analysed once for its fields and its highlight."""
    analyzer = getattr(_SCHEMA[fieldname], "analyzer", None)
    if analyzer is STEMMED:
        return stems(text)
    if analyzer is EXACT:
        return words(text)
    return _other_terms(fieldname, text)


@lru_cache(maxsize=65536)
def _other_terms(fieldname: str, text: str) -> tuple[str, ...]:
    return tuple(_SCHEMA[fieldname].process_text(text, mode="query"))


def system_label(system: str) -> str:
    """The key of a system in :attr:`SearchResults.systems` (``ICD10CM`` → ``icd10cm``)."""
    return system.lower()


def validate(query: str, limit: int, offset: int, max_limit: int = MAX_LIMIT) -> None:
    """Refuse parameters outside the documented bounds with a QueryError naming the parameter."""
    if not isinstance(query, str):
        raise QueryError("the query must be text", parameter="q")
    if len(query) > MAX_QUERY_LENGTH:
        raise QueryError(
            f"the query is {len(query)} characters long; the maximum is {MAX_QUERY_LENGTH}", parameter="q"
        )
    if not 1 <= limit <= max_limit:
        raise QueryError(f"limit must be between 1 and {max_limit}, got {limit}", parameter="limit")
    if not 0 <= offset <= MAX_OFFSET:
        raise QueryError(f"offset must be between 0 and {MAX_OFFSET}, got {offset}", parameter="offset")


def highlight(text: str, marks: set[str]) -> str:
    """HTML-escape ``text`` and wrap words whose stem is in ``marks`` in ``<mark>``.

    Only a word beginning with all but the last two letters of some mark can stem to it (Porter
    rewrites at most a stem's last two letters: "sensibility" → "sensible"; the tests check every
    descriptor word), so the others are never stemmed: a code shown for the first time costs a
    scan of its descriptor, not a Porter stem per word.
    """
    if not marks:
        return html.escape(text)
    starts = tuple({m[: max(1, len(m) - 2)] for m in marks})
    out, pos = [], 0
    for match in _WORD_RE.finditer(text):
        lower = match.group().lower()
        if not lower.startswith(starts):
            continue
        if lower in marks or (_first_stem(lower) in marks):
            start, end = match.span()
            out.append(html.escape(text[pos:start]))
            out.append(f"<mark>{html.escape(text[start:end])}</mark>")
            pos = end
    if not out:
        return html.escape(text)
    out.append(html.escape(text[pos:]))
    return "".join(out)


def _first_stem(word: str) -> str:
    """The stem a descriptor field indexes ``word`` under ("" for a stop word)."""
    found = stems(word)
    return found[0] if found else ""


@dataclass
class Tail:
    """The first matches after exact codes, in order, and how many there are in all."""

    docs: np.ndarray
    scores: np.ndarray | None
    total: int
    by_words: bool


def _first(keys: tuple[np.ndarray, ...], need: int) -> tuple[np.ndarray, ...]:
    """The candidates holding the first ``need`` of ``np.lexsort(keys)`` order, ties kept.

    ``keys`` are (documents, negated scores, integer tiers…, most significant last): every
    candidate of a better tier is kept, and of the tier where the cut falls those scoring at
    least the ``need``-th, so that pages cut one global order the same way whatever their size.
    """
    _, neg_score, *tiers = keys
    tier = np.zeros(len(neg_score), dtype=np.int64)  # the tuple, as one integer (ravel_multi_index is slower)
    for t in reversed(tiers):
        tier = tier * (int(t.max()) + 1) + t
    # Few distinct tiers: count them rather than partition (selection is slow on many ties).
    kth_tier = int(np.searchsorted(np.cumsum(np.bincount(tier)), need))
    better = tier < kth_tier
    boundary = tier == kth_tier
    room = need - int(better.sum())
    kth_score = np.partition(neg_score[boundary], room - 1)[room - 1]
    keep = better | (boundary & (neg_score <= kth_score))
    return tuple(k[keep] for k in keys)


def _member(docs: np.ndarray, page: np.ndarray) -> np.ndarray:
    """Whether each document of ``page`` is in the sorted ``docs`` (both int32: no copy of ``docs``)."""
    if not len(docs):
        return np.zeros(len(page), dtype=bool)
    return docs.take(docs.searchsorted(page), mode="clip") == page


def _distinct_parts(exp: Expansion) -> tuple[list, np.ndarray]:
    """The query's parts without repeats (`arm arm arm` is scored once), and how often each appears."""
    seen: dict[tuple, int] = {}
    parts, repeats = [], []
    for part in exp.parts:
        key = (tuple(part.alternatives), part.qualifier)
        if key in seen:
            repeats[seen[key]] += 1
        else:
            seen[key] = len(parts)
            parts.append(part)
            repeats.append(1)
    return parts, np.array(repeats, dtype=np.int64)


def _code_prefix_expansion(query: str) -> Expansion:
    """Every word a code prefix, all of them required: the longest, if the others begin it."""
    text = normalize_query(query)
    tokens = sorted({t.upper() for t in text.split()}, key=len)
    if tokens and all(tokens[-1].startswith(t) for t in tokens):
        return Expansion(text, code_prefixes=[tokens[-1]])
    return Expansion(text)


class Searcher:
    """Runs queries against a :class:`CodeIndex`."""

    def __init__(self, index: CodeIndex):
        self.index = index
        self._system: str | None = None
        self._disable: frozenset[str] = frozenset()
        self._allowed: np.ndarray | None = None  # a RecordFilter's mask, for ranked()

    def search(
        self,
        query: str,
        *,
        limit: int = 10,
        offset: int = 0,
        include_terminated: bool = False,
        section: str | None = None,
        system: str | None = None,
        prefix: bool = True,
        disable: Iterable[str] = (),
    ) -> SearchResults:
        """Ranked results for ``query``; the last word is a prefix unless ``prefix`` is false.

        ``system`` (hcpcs, icd10cm, cpt) limits results to one code system; all by default.
        ``disable`` switches sources off to measure what each brings (ablation): any of
        :data:`codesearch.ranking.SOURCES`.
        """
        validate(query, limit, offset)
        if system is not None:
            try:
                system = normalize_system(system)
            except ValueError as exc:
                raise QueryError(str(exc), parameter="system") from None
        disable = frozenset(disable)
        unknown = sorted(disable - set(ranking.SOURCES))
        if unknown:
            raise QueryError(f"unknown source(s) {', '.join(unknown)}; known: {', '.join(ranking.SOURCES)}",
                             parameter="disable")
        self._system = system
        self._disable = disable
        index = self.index
        index.refresh()
        with index.lock:
            exp, (head, tail, counts) = self._rank_or_reread(
                expand(index, query, prefix, disable), lambda: expand(index, query, prefix, disable, phrases=False),
                include_terminated, section, need=offset + limit)
            total = len(head) + tail.total
            shown = range(offset, min(offset + limit, total))
            page = [(code, whys, [], score) for code, whys, score in head[offset:shown.stop]]
            # The page's documents from the tail, and the reasons each matched, found together.
            first = max(offset, len(head)) - len(head)
            docs = tail.docs[first:max(first, shown.stop - len(head))]
            if tail.by_words:
                reasons = self._why(docs, exp)
            else:
                reasons = [([f"code starts with {'/'.join(exp.code_prefixes)}"], []) for _ in docs]
            for j, (doc, (whys, alts)) in enumerate(zip(docs.tolist(), reasons), start=first):
                score = float(tail.scores[j]) if tail.scores is not None else 0.0
                page.append((str(index.table.codes[doc]), whys, alts, score))
            records = index.records.many([code for code, _, _, _ in page])  # one query for the page
            results = [self._result(record, exp, whys, alts, score)
                       for record, (_, whys, alts, score) in zip(records, page)]
        suggestion = None
        if not total and exp.query:
            suggestion = expander_for(index).suggest(exp.query)
        return SearchResults(exp.query, total, results, suggestion, dict(exp.corrections), counts)

    def ranked(
        self,
        query: str,
        *,
        limit: int = MAX_WINDOW,
        offset: int = 0,
        include_terminated: bool = False,
        system: str | None = None,
        prefix: bool = True,
        match: frozenset[str] = MATCH_KINDS,
        where: RecordFilter | None = None,
    ) -> Ranking:
        """Up to MAX_WINDOW codes for ``query`` from one ranking, in :meth:`search` order.

        ``match`` names what may match: ``codes`` (typed codes, code prefixes, NDCs) and/or
        ``words`` (descriptor words and their expansions); with ``codes`` alone every word of the
        query is a code prefix. ``where`` keeps only the records it allows.
        """
        validate(query, limit, offset, max_limit=MAX_WINDOW)
        if not match or not match <= MATCH_KINDS:
            raise QueryError(f"match must be some of {sorted(MATCH_KINDS)}, got {sorted(match)}", parameter="match")
        if system is not None:
            try:
                system = normalize_system(system)
            except ValueError as exc:
                raise QueryError(str(exc), parameter="system") from None
        self._system = system
        self._disable = frozenset()
        index = self.index
        index.refresh()
        with index.lock:
            def read(phrases: bool = True) -> Expansion:
                if "words" not in match:
                    return _code_prefix_expansion(query)
                exp = expand(index, query, prefix, phrases=phrases)
                return exp if "codes" in match else replace(exp, codes=[], code_prefixes=[], ndcs=[])

            self._allowed = self._filter_mask(where) if where is not None else None
            try:
                exp, (head, tail, _) = self._rank_or_reread(read(), lambda: read(phrases=False),
                                                            include_terminated, None, need=offset + limit)
            finally:
                self._allowed = None
            codes = [code for code, _, _ in head] + [str(index.table.codes[int(d)]) for d in tail.docs]
            total = len(head) + tail.total
        suggestion = None
        if not total and exp.query and "words" in match:
            suggestion = expander_for(index).suggest(exp.query)
        return Ranking(exp.query, total, codes[offset:offset + limit], suggestion, dict(exp.corrections))

    def _filter_mask(self, where: RecordFilter) -> np.ndarray:
        """The documents ``where`` allows, computed once per build and filter."""
        masks = self.index.cache.setdefault("filters", {})
        mask = masks.get(where.key)
        if mask is None:
            mask = np.asarray(where.mask(self.index), dtype=bool)
            if mask.shape != (self.index.table.size,):
                raise ValueError(f"filter {where.key!r} gave {mask.shape} values for {self.index.table.size} documents")
            if len(masks) >= FILTER_CACHE:
                masks.clear()
            masks[where.key] = mask
        return mask

    def _why(self, docs: np.ndarray, exp: Expansion) -> list[tuple[list[str], list[Alternative]]]:
        """For each of ``docs``, the reasons it matched, strongest first, and the alternatives
        behind them.

        Each alternative's postings are searched once for the whole page, and whether a
        descriptor spells a sense out is read from the score table's short and long fields
        (the stems of the descriptor, as indexed), so no record is decoded or stemmed here.
        """
        page = np.asarray(docs, dtype=np.int32)
        out: list[tuple[list[str], list[Alternative]]] = [([], []) for _ in range(len(page))]
        if not len(page):
            return out
        spelled: dict[str, np.ndarray] = {}
        negations = self._negations(exp)

        def spells_out(alt: Alternative) -> list[bool]:
            ok = np.ones(len(page), dtype=bool)
            for stem in set(alt.highlight):
                if stem not in spelled:
                    spelled[stem] = (_member(self.index.table.postings("long", stem)[0], page)
                                     | _member(self.index.table.postings("short", stem)[0], page))
                ok &= spelled[stem]
            return ok.tolist()

        for part in _distinct_parts(exp)[0]:
            found: list[list[bool] | None] = []  # per alternative: does each document match it
            named: list[list[bool] | None] = []  # per sense alternative: does each descriptor spell it out
            for alt in part.alternatives:
                hit = None
                for fieldname, alt_docs, _ in self._postings(alt):
                    if fieldname != "category":
                        hit = _member(alt_docs, page) if hit is None else hit | _member(alt_docs, page)
                if hit is not None and negations is not None:  # not a reason where the descriptor negates it
                    hit &= ~_member(self._negating(alt, negations), page)
                found.append(hit.tolist() if hit is not None else None)
                sense = alt.kind in ("abbreviation", "prefix", "typo") and alt.fields == ("abbrev",)
                named.append(spells_out(alt) if sense else None)
            for j, (whys, alts) in enumerate(out):
                hits = []
                senses_shown: set[tuple[str, str]] = set()
                for alt, hit, spelt in zip(part.alternatives, found, named):
                    if spelt is not None:
                        # Of an abbreviation's senses, name only one the descriptor spells out.
                        if not spelt[j] or (alt.kind, alt.text) in senses_shown:
                            continue
                        senses_shown.add((alt.kind, alt.text))
                    if hit is not None and hit[j]:
                        hits.append(alt)
                hits.sort(key=lambda a: -a.weight)
                alts.extend(hits)
                for alt in hits[:2]:
                    if alt.why not in whys:
                        whys.append(alt.why)
        return out

    # -- ranking --------------------------------------------------------------------
    def _mask(self, include_terminated: bool, section: str | None, code_prefixes: list[str],
              system: str | None = None) -> np.ndarray:
        """Documents the filters allow."""
        index = self.index
        mask = index.doc_active.copy() if not include_terminated else np.ones(index.table.size, dtype=bool)
        if self._allowed is not None:
            mask &= self._allowed
        if system:
            mask &= index.doc_system == system
        if section:
            s = section.upper()
            mask &= index.doc_section == ("MOD" if s in ("MOD", "MODIFIER", "MODIFIERS") else s)
        if code_prefixes:
            allowed = np.zeros_like(mask)
            for p in code_prefixes:
                allowed[index.docs_with_prefix(p)] = True
            mask &= allowed
        return mask

    def _postings(self, alt: Alternative) -> tuple[tuple[str, np.ndarray, np.ndarray], ...]:
        """(field, documents, weighted scores) of one alternative, per field; memoised per build.

        Remembered by what decides them (kind, text, fields, weight) in tuples of strings and
        arrays, which the garbage collector stops tracking: a full collection does not walk them.
        """
        cache = self.index.cache.setdefault("postings", OrderedDict())
        key = (alt.kind == "code_prefix", alt.text, alt.fields, alt.weight)
        got = cache.get(key)
        if got is not None:
            return got
        index, table = self.index, self.index.table
        out = []
        if alt.kind == "code_prefix":
            docs = np.sort(index.docs_with_prefix(alt.text)).astype(np.int32)
            out.append(("code", docs,
                        np.full(len(docs), ranking.CODE_PREFIX_SCORE * alt.weight, dtype=np.float32)))
        else:
            for fieldname in alt.fields:
                terms = _field_terms(fieldname, alt.text)
                if not terms:
                    continue
                docs, scores = table.postings(fieldname, terms[0])
                for term in terms[1:]:  # every word of a multi-word alternative, in this field
                    d2, s2 = table.postings(fieldname, term)
                    docs, i1, i2 = np.intersect1d(docs, d2, assume_unique=True, return_indices=True)
                    scores = scores[i1] + s2[i2]
                if len(docs):
                    out.append((fieldname, docs, scores * np.float32(alt.weight)))
        if len(cache) > POSTINGS_CACHE:
            cache.popitem(last=False)  # the oldest: one entry freed at a time, never a pause to free them all
        cache[key] = got = tuple(out)
        return got

    def _systems(self) -> tuple[list[str], np.ndarray]:
        """The index's systems and each document's position among them; memoised per build."""
        got = self.index.cache.get("systems")
        if got is None:
            names, ids = np.unique(self.index.doc_system, return_inverse=True)
            got = self.index.cache["systems"] = ([str(n) for n in names], ids.astype(np.int8))
        return got

    @staticmethod
    def _readings(part, whole: bool, kinds: frozenset[str] | None = None) -> dict:
        """A part's readings that name: ``(kind, stems) → (weight, tokens)``, the weight the best of
        the reading's alternatives, the tokens its stems or, with ``whole``, the words of the
        alternative searched in the descriptors (not the abbreviation field's key)."""
        read_as: dict[tuple[str, tuple], tuple[float, frozenset]] = {}
        for a in part.alternatives:
            if a.kind in ranking.SUBJECT_GUESSES or (kinds is not None and a.kind not in kinds):
                continue
            key = (a.kind, a.highlight)
            weight, tokens = read_as.get(key, (0.0, frozenset()))
            if not whole:
                tokens = frozenset(a.highlight)
            elif not tokens and a.fields != ("abbrev",):
                tokens = frozenset(ranking.nos_words(a.text))
            read_as[key] = (max(weight, a.weight), tokens)
        return read_as

    @staticmethod
    def _named(entries: ranking.DescriptorHeads, parts: list, whole: bool = False,
               kinds: frozenset[str] | None = None) -> np.ndarray:
        """The entries (subjects, "NOS" terms) the query names: every stem of an entry is one the
        query's subject parts or qualifiers search (not counting completions,
        :data:`ranking.SUBJECT_GUESSES`), and every subject part has a stem in it. With ``whole``
        (for "NOS" terms, compared by their words: :func:`ranking.nos_words`), the entry also says
        all the query does: all of some reading of each subject part is in it — one of the strongest of
        its kind (:data:`ranking.NOS_READING_SHARE`), and not within a longer one of its kind (the
        sense "sleep apnea" beside "obstructive sleep apnea"). ``kinds``: only alternatives of these kinds read."""
        readings = [Searcher._readings(part, whole, kinds) for part in parts]
        named = [{t for _, tokens in read_as.values() for t in tokens} for read_as in readings]
        # A word for the person or the narrative ("patient with fever") qualifies here too.
        off = [part.qualifier or part.aside for part in parts]
        subject_parts = [n for n, o in zip(named, off) if not o]
        qualifiers = {s for n, o in zip(named, off) if o for s in n}
        found = entries.docs_named(subject_parts, qualifiers)
        for part, read_as, o in zip(parts, readings, off):
            if not whole or o or not len(found):
                continue
            strongest: dict[str, float] = {}
            for (kind, _), (w, _) in read_as.items():
                strongest[kind] = max(strongest.get(kind, 0.0), w)
            strong = [(k, tokens) for (k, _), (w, tokens) in read_as.items()
                      if tokens and w >= ranking.NOS_READING_SHARE * strongest[k]]
            read = entries.docs_about(sorted(r) for k, r in strong if not any(r < o for j, o in strong if j == k))
            found = found[np.isin(found, read)]
        return found

    def _context_parts(self, parts: list, part_scores: np.ndarray, abouts: list,
                       in_clause: np.ndarray | None = None) -> np.ndarray:
        """Which parts qualify the query's subject though no "for" says so.

        Beside a service part (:func:`ranking.service_parts`; a drug the crosswalk names is none:
        "allergic to penicillin"), the parts naming a condition — the head of codes of more
        ICD-10-CM categories than HCPCS codes, or matched by no HCPCS code — are what the service
        is for ("b12 injection pernicious anemia" is "b12 injection for pernicious anemia").
        Failing that, beside an item (:func:`ranking.item_parts`: "nebulizer copd", "cane knee
        arthritis") that no ICD-10-CM code names with the other parts (as T83.511A names
        "infected foley catheter"), the parts the item's codes do not mention are what it is for."""
        device, category, hcpcs, _ = self._device_codes()
        icd, services = self._system_masks()
        none = np.zeros(len(abouts), dtype=bool)
        in_clause = none if in_clause is None else in_clause
        # A clause says why or when (ranking.CLAUSE_WORDS): what it names is not the subject.
        service = self._not_drugs(parts, ranking.service_parts(abouts, hcpcs, icd, services) & ~in_clause)
        if service.any():
            condition = ranking.condition_parts(abouts, category, hcpcs)
            condition |= ~_rows_match(part_scores, self._hcpcs_docs())
            context = condition & ~service
            return context if context.any() and not context.all() else none
        item = ranking.item_parts(abouts, hcpcs, icd) & ~in_clause
        if not item.any():
            return none
        heads_icd = np.array([bool(icd[a].any()) for a in abouts])
        if not (heads_icd & ~item).any() or _some_match_all(part_scores, icd):
            return none
        item = self._not_drugs(parts, item)
        described = np.zeros(len(abouts), dtype=bool)
        for p in np.nonzero(item)[0]:
            described |= _rows_match(part_scores, abouts[p][hcpcs[abouts[p]]])
        context = ~item & ~described & heads_icd
        return context if context.any() and not context.all() else none

    def _clause_parts(self, parts: list, abouts: list, after: np.ndarray) -> np.ndarray:
        """The parts of a clause saying why or when (:data:`ranking.CLAUSE_WORDS`) that qualify
        what comes before it: all of them after an item, service or drug — a part heading HCPCS
        codes and no ICD-10-CM condition (:func:`ranking.item_parts`), or a drug the crosswalk
        names ("crutches after knee surgery"); after a condition, all of them when the clause
        names an item or service and no drug ("blisters from new shoes"; "nausea from chemo" is
        the drug's adverse effect, read as the cause words say). None otherwise. ``after``: the
        parts of the clause (a repeated part counts where it first stands)."""
        none = np.zeros(len(parts), dtype=bool)
        # A type's letter goes with its word; a word for the person or the narrative ("need a
        # knee brace after…": "need" heads Z23's "need for immunization") says nothing of what.
        before = ~after & np.array([not p.letter and not p.aside for p in parts], dtype=bool)
        if not before.any():
            return none
        _, _, hcpcs, _ = self._device_codes()
        condition = self._condition_codes()
        named = [abouts[p] for p in np.flatnonzero(before)]
        if any(condition[a].any() for a in named):
            expander = expander_for(self.index)
            if (after & ranking.item_parts(abouts, hcpcs, condition)).any() and not any(
                    expander.names_a_drug(p) for p, a in zip(parts, after) if a):
                return after
            return none
        item = ranking.item_parts(named, hcpcs, condition).any() or not self._not_drugs(
            [parts[p] for p in np.flatnonzero(before)], np.ones(len(named), dtype=bool)).all()
        return after if item else none

    def _form_parts(self, parts: list, aside: np.ndarray) -> np.ndarray:
        """The parts naming the form a drug is given in (:data:`ranking.DRUG_FORM_WORDS`) when
        the subject (the parts not ``aside``) is that and a drug the crosswalk names, nothing
        else ("iron iv", "insulin drip"), a mask; none otherwise."""
        form = np.array([not off and p.token.lower() in ranking.DRUG_FORM_WORDS
                         for p, off in zip(parts, aside.tolist())], dtype=bool)
        rest = ~aside & ~form
        if form.any() and rest.any() and not self._not_drugs(parts, rest).any():
            return form
        return np.zeros(len(parts), dtype=bool)

    def _not_drugs(self, parts: list, service: np.ndarray) -> np.ndarray:
        """``service`` less the parts the crosswalk names as a drug's generic or brand name (a
        store query, so only for the parts marked)."""
        service = service.copy()
        for p in np.nonzero(service)[0]:
            token = parts[p].token.lower()
            service[p] = not (self.index.linked("generic", token) or self.index.linked("brand", token))
        return service

    def _rank_or_reread(self, exp: Expansion, words_apart: Callable[[], Expansion], include_terminated: bool,
                        section: str | None, need: int) -> tuple[Expansion, tuple]:
        """:meth:`_rank` of ``exp``; when it read words together as a phrase and that leaves no
        code at all, of ``words_apart()`` instead, the words one by one ("eye exam" within
        ICD-10-CM: no diagnosis says what the phrase means, Z01.00 says "examination of eyes")."""
        got = self._rank(exp, include_terminated, section, need=need)
        if len(got[0]) or got[1].total or not _has_phrase(exp):
            return exp, got
        exp = words_apart()
        return exp, self._rank(exp, include_terminated, section, need=need)

    def _named_by_terms(self, parts: list) -> np.ndarray:
        """The documents an inclusion term the query says whole names (:data:`ranking.ICD_NOS`).

        The words as typed first ("memory loss" is R41.3 "Memory loss NOS", not what the lay
        reading, dementia, would name), then every reading; at each step the terms saying "NOS"
        when any is named, else the others — those only through the words as typed or corrected
        (:data:`ranking.TERM_READINGS`)."""
        index, says_nos = self.index, self.index.nos_entry_says_nos
        # A side the term does not say qualifies ("right ankle sprain": "Sprain of ankle NOS").
        parts = [replace(part, qualifier=True) if _says_side(part) else part for part in parts]
        # Every reading first: what fewer readings name is among what it names, so most
        # keystrokes, naming no term, take one pass.
        every = self._named(index.nos_terms, parts, whole=True)
        if not len(every):
            return index.nos_entry_doc[every]
        typed = self._named(index.nos_terms, parts, whole=True, kinds=ranking.AS_TYPED)
        for entries in (typed[says_nos[typed]], typed, every[says_nos[every]]):
            if len(entries):
                return np.unique(index.nos_entry_doc[entries])
        return np.unique(index.nos_entry_doc[self._named(index.nos_terms, parts, whole=True,
                                                         kinds=ranking.TERM_READINGS)])

    def _names_a_brand(self, parts) -> bool:
        """Whether a subject word of the query is a brand name and no HCPCS descriptor's word
        ("faslodex": the crosswalk's name for J9395, which ICD-10-CM Z79.818 also mentions in an
        inclusion term; not "heparin", a generic the descriptors say), or the crosswalk's whole
        name of a brand, no generic's, that no ICD-10-CM text says ("rhogam", which J2790's
        descriptor names in parentheses)."""
        return bool(self._brand_parts(parts).any())

    def _brand_parts(self, parts) -> np.ndarray:
        """Which parts :meth:`_names_a_brand` finds a brand name, a mask."""
        table, system = self.index.table, self.index.doc_system
        out = np.zeros(len(parts), dtype=bool)
        for p, part in enumerate(parts):
            token = part.token.lower()
            # "feet turned in": a stop word is no brand, though "Heparin in NaCl" puts it in the field.
            if part.qualifier or " " in token or token in STOP_WORDS:
                continue
            if len(table.postings("brand", part.token)[0]) and not any(
                    (system[table.postings(f, s)[0]] == ranking.DRUG_SYSTEM).any()
                    for s in stems(part.token) for f in ("short", "long")):
                out[p] = True
            elif (self.index.linked("brand", token) and not self.index.linked("generic", token) and not any(
                    (system[table.postings(f, s)[0]] == "ICD10CM").any()
                    for s in stems(token) for f in ("short", "long", "synonyms"))):
                out[p] = True
        return out

    def _later_encounters(self) -> np.ndarray:
        """True for each ICD-10-CM document whose 7th character is a later encounter or sequela
        (not :data:`ranking.ICD_INITIAL_ENCOUNTER`); memoised per build."""
        got = self.index.cache.get("later_encounters")
        if got is None:
            codes = np.asarray(self.index.table.codes)
            chars = np.ascontiguousarray(codes, dtype="<U8").view(np.uint32).reshape(len(codes), 8)
            seventh = chars[:, 7]  # "T80.219D": the dotted seven-character code fills all eight
            letter = (seventh >= ord("A")) & (seventh <= ord("Z"))  # C44.1021's 7th is a digit: a subtype
            got = ((self.index.doc_system == "ICD10CM") & letter
                   & ~np.isin(seventh, [ord(c) for c in ranking.ICD_INITIAL_ENCOUNTER]))
            self.index.cache["later_encounters"] = got
        return got

    def _repeating_others(self, best: np.ndarray, docs: np.ndarray, parts, part_scores: np.ndarray,
                          abouts: list[np.ndarray]) -> np.ndarray:
        """Of the ``best`` documents, those whose match repeats the other system's subject: an
        ICD-10-CM code about a device (:func:`ranking.device_codes`) matched through no condition
        word names the item; one about a drug (:data:`ranking.ICD_DRUG_CATEGORIES`: its
        poisoning) matched through the drug's name alone names the drug; a HCPCS measurement
        code matched through condition words alone reports care for a condition
        (:func:`ranking.condition_parts`)."""
        device, category, hcpcs, measure = self._device_codes()
        devices, measures = best & device[docs], best & measure[docs]
        if devices.any() and any(a.kind == "long_term" for part in parts for a in part.alternatives):
            devices &= ~self._long_term_codes()[docs]  # "insulin user": the long-term use is asked for
        if devices.any() or measures.any():
            conditions = ranking.condition_parts(abouts, category, hcpcs)
            for p in range(len(parts)):
                if conditions[p]:
                    devices &= part_scores[p][docs] == 0
                else:
                    measures &= part_scores[p][docs] == 0
        drugs = best & self._drug_named_codes()[docs]
        if drugs.any():  # matched through the drug's name alone (ranking.ICD_DRUG_CATEGORIES)
            named = ~self._not_drugs(parts, np.ones(len(parts), dtype=bool))
            if named.any():
                for p in np.flatnonzero(~named):
                    drugs &= part_scores[p][docs] == 0
            else:
                drugs[:] = False
        return devices | measures | drugs

    def _cause_drug_codes(self, best: np.ndarray, docs: np.ndarray, parts, part_scores: np.ndarray,
                          abouts: list[np.ndarray], in_clause: np.ndarray) -> np.ndarray:
        """Of the ``best`` documents, the HCPCS codes matched through a cause clause alone when
        the clause names a drug and what comes before it a condition ("constipation from pain
        meds"): the drug caused the condition, so its codes do not say the query is about it."""
        none = np.zeros(len(best), dtype=bool)
        if not in_clause.any() or in_clause.all():
            return none
        expander = expander_for(self.index)
        if not any(expander.names_a_drug(p) for p, a in zip(parts, in_clause.tolist()) if a):
            return none
        condition = self._condition_codes()
        if not any(condition[abouts[p]].any() for p in np.flatnonzero(~in_clause)):
            return none
        _, _, hcpcs, _ = self._device_codes()
        drugs = best & hcpcs[docs]
        for p in np.flatnonzero(~in_clause):
            drugs &= part_scores[p][docs] == 0
        return drugs

    def _long_term_codes(self) -> np.ndarray:
        """The ICD-10-CM documents of :data:`ranking.ICD_LONG_TERM_CATEGORIES`, a mask."""
        return self._category_codes("long_term_codes", ranking.ICD_LONG_TERM_CATEGORIES)

    def _drug_named_codes(self) -> np.ndarray:
        """The ICD-10-CM documents of :data:`ranking.ICD_DRUG_CATEGORIES`, a mask."""
        return self._category_codes("drug_named_codes", ranking.ICD_DRUG_CATEGORIES)

    def _category_codes(self, key: str, categories: Sequence[str]) -> np.ndarray:
        """The ICD-10-CM documents of ``categories`` (:func:`ranking.device_codes`), a mask;
        memoised per build under ``key``."""
        got = self.index.cache.get(key)
        if got is None:
            got = ranking.device_codes(np.asarray(self.index.table.codes), self.index.doc_system, categories)
            self.index.cache[key] = got
        return got

    def _hcpcs_docs(self) -> np.ndarray:
        """The HCPCS documents, in order; memoised per build."""
        got = self.index.cache.get("hcpcs_docs")
        if got is None:
            got = self.index.cache["hcpcs_docs"] = np.flatnonzero(self._device_codes()[2])
        return got

    def _device_codes(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The ICD-10-CM documents about a device (:func:`ranking.device_codes`), a mask; each
        other ICD-10-CM document's category (three characters) as a number, -1 for the rest; the
        HCPCS documents and the HCPCS measurement codes (those whose prior holds
        :data:`ranking.MEASUREMENT`), masks. Memoised per build."""
        got = self.index.cache.get("device_codes")
        if got is None:
            codes = np.asarray(self.index.table.codes)
            device = ranking.device_codes(codes, self.index.doc_system)
            _, category = np.unique(codes.astype("<U3"), return_inverse=True)
            category[device | (self.index.doc_system != "ICD10CM")] = -1
            hcpcs = self.index.doc_system == "HCPCS"
            prior = self.index.doc_prior
            measure = hcpcs & (np.isclose(prior, ranking.MEASUREMENT)
                               | np.isclose(prior, ranking.MEASUREMENT * ranking.ACCESSORY))
            got = self.index.cache["device_codes"] = (device, category, hcpcs, measure)
        return got

    def _condition_codes(self) -> np.ndarray:
        """The ICD-10-CM documents outside the external causes (:data:`ranking.EXTERNAL_CAUSE_LETTERS`),
        a mask; memoised per build."""
        got = self.index.cache.get("condition_codes")
        if got is None:
            first = np.asarray(self.index.table.codes).astype("<U1")
            got = self.index.cache["condition_codes"] = (
                self._system_masks()[0] & ~np.isin(first, ranking.EXTERNAL_CAUSE_LETTERS))
        return got

    def _system_masks(self) -> tuple[np.ndarray, np.ndarray]:
        """The ICD-10-CM documents and the HCPCS documents of :data:`ranking.SERVICE_SECTIONS`,
        masks; memoised per build."""
        got = self.index.cache.get("system_masks")
        if got is None:
            system = self.index.doc_system
            services = (system == "HCPCS") & np.isin(self.index.doc_section, ranking.SERVICE_SECTIONS)
            got = self.index.cache["system_masks"] = (system == "ICD10CM", services)
        return got

    def _modifiers(self) -> np.ndarray:
        """1 for each document that is a modifier, else 0; memoised per build."""
        got = self.index.cache.get("modifiers")
        if got is None:
            got = self.index.cache["modifiers"] = (self.index.doc_section == "MOD").astype(np.int8)
        return got

    def _count(self, docs: np.ndarray) -> dict[str, int]:
        """Matching documents per system, keyed as :attr:`SearchResults.systems`."""
        names, ids = self._systems()
        counts = np.bincount(ids[docs], minlength=len(names))
        return {system_label(n): int(c) for n, c in zip(names, counts) if c}

    def _rank(self, exp: Expansion, include_terminated: bool, section: str | None, need: int):
        """Exact codes and NDCs (head), the first ``need`` other matches in order (tail), counts."""
        index = self.index
        head: list[tuple[str, list[str], float]] = []  # (code, reasons, score), every system
        seen: set[str] = set()

        # Section and caller filters apply to typed codes too; terminated ones are still shown.
        filtered = self._mask(True, section, []) if (section or self._allowed is not None) else None

        def allowed(code: str) -> bool:
            if code not in index.records or code in seen:
                return False
            return filtered is None or bool(filtered[index.doc_of[code]])

        for code in exp.codes:
            if allowed(code):
                head.append((code, [f"code {code}"], 0.0))
                seen.add(code)
        for typed, ndc in exp.ndcs:
            for code in index.ndc_map.get(ndc, ()):
                if allowed(code) and (include_terminated or index.records[code].active):
                    head.append((code, [f"NDC {typed}"], 0.0))
                    seen.add(code)

        taken = np.array([index.doc_of[c] for c in seen], dtype=np.int64)
        if exp.parts:
            tail, matched = self._rank_words(exp, include_terminated, section, need, taken)
        elif exp.code_prefixes:
            tail, matched = self._rank_family(exp, include_terminated, section, need, taken)
        else:
            tail, matched = Tail(np.zeros(0, dtype=np.int64), None, 0, by_words=False), taken[:0]
        counts = self._count(np.concatenate([taken, matched]))
        if self._system:
            head = [h for h in head if index.records[h[0]].system == self._system]
        return head, tail, counts

    def _rank_family(self, exp: Expansion, include_terminated: bool, section: str | None,
                     need: int, taken: np.ndarray) -> tuple[Tail, np.ndarray]:
        """A bare code family: its codes in code order, one system after the other."""
        index = self.index
        mask = self._mask(include_terminated, section, exp.code_prefixes)
        mask[taken] = False
        docs = np.concatenate([index.docs_with_prefix(p) for p in exp.code_prefixes])
        matched = docs = docs[mask[docs]]  # already in code order
        if self._system:
            docs = docs[index.doc_system[docs] == self._system]
        order = {s: i for i, s in enumerate(ranking.family_system_order(exp.query.split()))}
        group = np.array([order.get(s, len(order)) for s in index.doc_system[docs]], dtype=np.int8)
        docs = docs[np.argsort(group, kind="stable")]
        return Tail(docs[:need], None, len(docs), by_words=False), matched

    def _rank_words(self, exp: Expansion, include_terminated: bool, section: str | None,
                    need: int, taken: np.ndarray) -> tuple[Tail, np.ndarray]:
        """Documents matching the word parts, in the order of :func:`ranking.word_sort_keys`."""
        index = self.index
        n_docs = index.table.size
        priors = "priors" not in self._disable
        heads = self.index.heads if priors else None
        negations = self._negations(exp)
        # A repeated part (`arm arm arm`) is scored once and counted as often as it is repeated.
        parts, repeats = _distinct_parts(exp)
        clause_ids = {id(p) for p in exp.parts[exp.clause:]} if exp.clause else set()
        in_clause = np.array([id(part) in clause_ids for part in parts], dtype=bool)  # after "after", "because", …
        if self._system == SYSTEM_ICD10CM:
            parts = _treated_is_subject(parts)  # copies: their ids are no longer the expansion's
        part_scores = np.zeros((len(parts), n_docs), dtype=np.float32)
        bonus = np.zeros(n_docs, dtype=np.float32)  # category matches: score, never coverage
        abouts = []  # each part's documents whose heads it names
        for p, part in enumerate(parts):
            acc = part_scores[p]
            for alt in part.alternatives:
                for fieldname, docs, scores in self._postings(alt):
                    if fieldname == "category":
                        bonus[docs] += scores
                    else:  # a part counts once: its best alternative, in its best field
                        np.maximum.at(acc, docs, scores)
            if negations is not None:
                acc[self._negated(part, negations)] = 0
            if heads is not None:
                about = heads.docs_about(a.highlight for a in part.alternatives if a.kind not in ranking.NOT_HEADS)
                acc[about] *= ranking.HEAD_BOOST  # a document listed twice is boosted once
                abouts.append(about)
        qualifier = np.array([part.qualifier for part in parts])
        letters = np.array([part.letter for part in parts])
        said_aside = np.array([part.aside for part in parts], dtype=bool)  # particles, words for the person
        if said_aside.all():
            said_aside[:] = False
        # "ativan overdose": what the drug did is the subject, the drug its cause; so too its
        # long-term use ("on lovenox"). Not what a drug is for ("benadryl for allergic reaction").
        effect_word = any(part.token.lower() in ranking.DRUG_EFFECT_WORDS and not part.qualifier for part in parts)
        effect = effect_word or any(a.kind == "long_term" for part in parts for a in part.alternatives)
        # "iron iv": the drug is the subject, the word for its form qualifies it like a dose.
        aside = qualifier | in_clause | letters | said_aside
        form = np.zeros(len(parts), dtype=bool) if effect else self._form_parts(parts, aside)
        # "insulin for diabetes": a drug the crosswalk names, and nothing else, is what the rest is for.
        drug_for = (not effect and bool(qualifier.any()) and bool((~aside).any())
                    and not self._not_drugs(parts, ~aside).any())
        qualifier |= form
        # "allergic to latex gloves": what happened to the patient is the subject; no item makes
        # the other words its context.
        if (heads is not None and not self._system and not qualifier.any() and not effect_word
                and (~letters & ~said_aside).sum() > 1):
            # A type's letter goes with the word naming the type, a particle with its verb: the
            # others decide the context.
            named = np.flatnonzero(~letters & ~said_aside)
            qualifier[named] = self._context_parts([parts[p] for p in named], part_scores[named],
                                                   [abouts[p] for p in named], in_clause[named])
        if heads is not None and not self._system and exp.clause:
            qualifier |= self._clause_parts(parts, abouts, in_clause)
        brand = np.zeros(len(parts), dtype=bool) if effect else None  # which parts name a brand (_brand_parts), when asked
        if heads is not None and not self._system and len(parts) > 1 and not effect:
            # "lyumjev type 1 diabetes": the drug, for the condition the other words name; so too
            # beside a service word or a clause ("lovenox shot to prevent clots").
            brand = self._brand_parts(parts) & ~qualifier & ~in_clause
            if brand.any():
                qualifier = ~brand & ~letters
        qualifier |= said_aside
        part_scores[qualifier] *= ranking.QUALIFIER_WEIGHT
        # How many parts each document matches (repeats counted), in all and of the subject.
        coverage = np.zeros(n_docs, dtype=np.int32)
        subject = np.zeros(n_docs, dtype=np.int32) if qualifier.any() else coverage
        for p, times in enumerate(repeats.tolist()):
            hit = part_scores[p] > 0
            for count in (coverage,) if qualifier[p] or subject is coverage else (coverage, subject):
                count += hit if times == 1 else hit * np.int32(times)
        mask = self._mask(include_terminated, section, exp.code_prefixes) & (coverage > 0)
        mask[taken] = False
        matched = docs = np.nonzero(mask)[0]
        names, ids = self._systems()
        if self._system:
            docs = docs[ids[docs] == names.index(self._system)] if self._system in names else docs[:0]
        total = len(docs)
        # The score of the matching documents only: the parts' scores row after row, as a sum
        # over the parts (axis 0) adds them, in float64.
        score = np.zeros(total, dtype=np.float64)
        for p, times in enumerate(repeats.tolist()):
            got = part_scores[p][docs]
            score += got if times == 1 else got * np.float64(times)
        score += bonus[docs]
        if priors:
            score *= index.doc_prior[docs]
            named = _member(self._named(index.subjects, parts), docs)
            is_hcpcs = ids[docs[named]] == (names.index("HCPCS") if "HCPCS" in names else -1)
            score[named] *= np.where(is_hcpcs, ranking.HCPCS_SUBJECT, ranking.ICD_SUBJECT)
            score[_member(self._named_by_terms(parts), docs)] *= ranking.ICD_NOS
        missed = (int(repeats[~qualifier].sum()) - subject[docs]).astype(np.int8)
        # A side missed counts half a part ("bilat knee pain": the knee pain on either side before
        # H57.13 "Ocular pain, bilateral"; "right knee pain": M25.561 before M25.569).
        sides = np.array([_says_side(part) for part in parts], dtype=bool) & ~qualifier
        if sides.any() and not sides.all():
            side_missed = np.zeros(total, dtype=np.int32)
            for p in np.flatnonzero(sides).tolist():
                side_missed += (part_scores[p][docs] <= 0) * int(repeats[p])
            other = missed.astype(np.int32) - side_missed
            # int8 as the sort keys are; a query of 60-odd words would pass its range
            missed = np.minimum(ranking.SIDE_MISS_SHARE * other + side_missed, np.iinfo(np.int8).max).astype(np.int8)
        other_system = np.zeros(total, dtype=np.int8)
        if priors and not self._system and total:
            # A later encounter or sequela repeats its initial encounter's match: counted once.
            best = (missed == missed.min()) & ~self._later_encounters()[docs]
            best &= ~self._repeating_others(best, docs, parts, part_scores, abouts)
            best &= ~self._cause_drug_codes(best, docs, parts, part_scores, abouts, in_clause)
            intent = ranking.system_intent(ids[docs[best]], score[best], range(len(names)))
            if ranking.DRUG_SYSTEM in names and (
                    exp.dose or (self._names_a_brand(parts) if brand is None else brand.any())
                    or form.any() or drug_for):
                intent = names.index(ranking.DRUG_SYSTEM)
            elif ranking.EFFECT_SYSTEM in names and effect_word:
                intent = names.index(ranking.EFFECT_SYSTEM)
            if exp.asks_for in names:  # "what dx", "hcpcs code for …": the system the query asks for
                intent = names.index(exp.asks_for)
            if intent is not None:
                other_system = (ids[docs] != intent).astype(np.int8)
        keys = ranking.word_sort_keys(
            inactive=(~index.doc_active[docs]).astype(np.int8),
            # "modifier for right side": the query asks for the modifiers; they come first.
            modifier=(1 - self._modifiers()[docs]) if exp.asks_modifier else self._modifiers()[docs],
            missed=missed, other_system=other_system, score=score, docs=docs,
            later=self._later_encounters()[docs].astype(np.int8) if priors else np.zeros(total, dtype=np.int8),
        )
        if total > need:
            keys = _first(keys, need)
        first = keys[0][np.lexsort(keys)[:need]]
        return Tail(first, score[np.searchsorted(docs, first)], total, by_words=True), matched

    def _negations(self, exp: Expansion) -> ranking.DescriptorHeads | None:
        """The codes by their negated words, or None when the query negates something itself:
        words a code's descriptor negates then count as missing (:data:`ranking.NEGATED_CLAUSE_RE`)."""
        return None if ranking.QUERY_NEGATION_RE.search(exp.query) else self.index.negations

    def _negated(self, part, negations: ranking.DescriptorHeads) -> np.ndarray:
        """Documents every match of ``part`` finds only in words their descriptors negate
        ("esophagitis" in "… without esophagitis"): matched through no alternative they do not
        negate. Alternatives searched only in tags (abbreviations, brands) or codes assert."""
        negated = [self._negating(alt, negations) for alt in part.alternatives]
        if not any(len(d) for d in negated):
            return negations.docs[:0]
        candidates = np.unique(np.concatenate(negated))
        keep = np.ones(len(candidates), dtype=bool)
        for alt, docs in zip(part.alternatives, negated):
            asserted = None  # the candidates this alternative does not negate, found once for its fields
            for fieldname, alt_docs, _ in self._postings(alt):
                if fieldname != "category":  # a match this alternative asserts takes a candidate out
                    if asserted is None:
                        asserted = ~_member(docs, candidates)
                    keep &= ~(_member(alt_docs, candidates) & asserted)
            if not keep.any():
                break
        return candidates[keep]

    def _negating(self, alt: Alternative, negations: ranking.DescriptorHeads) -> np.ndarray:
        """The documents whose descriptors negate ``alt``'s words, in order; memoised per build."""
        if not NEGATABLE_FIELDS.intersection(alt.fields):
            return negations.docs[:0]
        cache = self.index.cache.setdefault("negated", {})
        docs = cache.get(alt.text)
        if docs is None:
            found = words(alt.text)
            docs = negations.docs_negating(found, [stems(w) for w in found])
            if len(cache) > POSTINGS_CACHE:
                cache.clear()
            cache[alt.text] = docs
        return docs

    # -- presentation -------------------------------------------------------------------
    def _result(self, record: CodeRecord, exp: Expansion, whys: list[str], alts: list[Alternative],
                score: float) -> Result:
        marks: set[str] = set()
        for alt in alts:
            marks.update(alt.highlight)
        snippet = highlight(record.long, marks)
        plain = html.escape(plain_language(record, self.index.lexicon))
        products = []
        ndcs = {ndc for _, ndc in exp.ndcs}
        for p in record.products:
            if p.ndc11 in ndcs:
                products.append({"ndc": p.ndc, "drug_name": p.drug_name, "labeler": p.labeler,
                                 "dosage": p.dosage, "billing_units": p.billing_units})
        whys = list(whys)
        brand_marks = [b for b in record.brands if marks & set(stems(b)) or marks & set(words(b))]
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
            new_in=new_in_release(record),
        )


def _says_side(part) -> bool:
    """Whether a query part is a side of the body (:data:`ranking.SIDE_WORDS`), typed or abbreviated
    ("rt", "L", or "bilat" and "b/l", whose strongest sense is bilateral)."""
    token = part.token.lower()
    if token in ranking.SIDE_WORDS or any(s in ranking.SIDE_WORDS for s in QUALIFIER_SHORTHAND.get(token, ())):
        return True
    senses = [a for a in part.alternatives if a.kind == "abbreviation" and a.fields != ("abbrev",)]
    return bool(senses) and max(senses, key=lambda a: a.weight).text in ranking.SIDE_WORDS


def _rows_match(part_scores: np.ndarray, docs: np.ndarray) -> np.ndarray:
    """Whether each part (a row of ``part_scores``) matches some of ``docs``: row by row, since
    selecting thousands of columns of every row at once copies them column by column."""
    return np.array([bool(np.count_nonzero(row[docs])) for row in part_scores], dtype=bool)


def _some_match_all(part_scores: np.ndarray, mask: np.ndarray) -> bool:
    """Whether a document of ``mask`` matches every part: checked on the documents of the part
    that matches fewest, not on every column (the keystroke path)."""
    rarest = int(np.argmin(np.count_nonzero(part_scores, axis=1)))
    docs = np.flatnonzero(part_scores[rarest])
    docs = docs[mask[docs]]
    return bool(len(docs)) and bool((part_scores[:, docs] > 0).all(axis=0).any())


def _treated_is_subject(parts: list) -> list:
    """Within ICD-10-CM, "treatment for asthma", "meds for gout": when every subject word before
    "for" is a treatment (:data:`ranking.ICD_TREATMENT_WORDS`), what is treated is the subject and
    the treatment qualifies; ``parts`` unchanged otherwise (copies: the expansion is shared)."""
    said = {id(p) for p in parts if not (p.qualifier or p.letter or p.aside)}
    if (not said or len(said) == len(parts)
            or not all(p.token.lower() in ranking.ICD_TREATMENT_WORDS for p in parts if id(p) in said)):
        return parts
    return [replace(p, aside=True) if id(p) in said else replace(p, qualifier=False) if p.qualifier else p
            for p in parts]


def _has_phrase(exp: Expansion) -> bool:
    """Whether the expansion read some words together as one phrase part ("flu shot")."""
    return any(" " in part.token for part in exp.parts)


def search(index: CodeIndex, query: str, **options) -> SearchResults:
    """Search ``index`` for ``query``; see :meth:`Searcher.search` for options."""
    return Searcher(index).search(query, **options)


def ranked(index: CodeIndex, query: str, **options) -> Ranking:
    """Up to MAX_WINDOW ranked codes for ``query`` from one ranking; see :meth:`Searcher.ranked`."""
    return Searcher(index).ranked(query, **options)
