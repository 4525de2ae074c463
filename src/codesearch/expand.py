"""Query expansion: what the user typed → weighted alternatives, each with the reason it was added.

Expansion knows codes, NDCs, abbreviations, plain-language synonyms, typos (rapidfuzz
against the index vocabulary) and the unfinished last word of search-as-you-type. It
returns structured alternatives rather than a query string so the ranker and the snippet
highlighter both know why a code matched.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA
from whoosh.analysis import STOP_WORDS

from codesearch.enrich import plain_index
from codesearch.records import code_key
from codesearch.schema import WORD_FIELDS, abbreviation_key, stems, words

CODE_RE = re.compile(r"^[A-Za-z][0-9]{4}$")
# A code family: J15, J156, E11, E11.6, S72.00 (HCPCS letter + digits, ICD-10-CM category).
CODE_PREFIX_RE = re.compile(r"^[A-Za-z][0-9]{1,3}$|^[A-Za-z][0-9][0-9A-Za-z](\.[0-9A-Za-z]{1,3})?$")
NDC_DASHED_RE = re.compile(r"^([0-9]{4,5})-([0-9]{3,4})-([0-9]{1,2})$")
NDC_PLAIN_RE = re.compile(r"^[0-9]{10,11}$")
TOKEN_RE = re.compile(r"[A-Za-z0-9]+(?:[-/.][A-Za-z0-9]+)*")

#: Words this short are never corrected (abbreviations are short and exact).
MIN_TYPO_LENGTH = 5
#: Completions of an unfinished last word that are searched, best first.
MAX_COMPLETIONS = 12
MAX_SHORT_COMPLETIONS = 6  # for one- and two-letter prefixes, which match the most words
MAX_CORRECTIONS = 3
CONTEXT_POOL = 30  # completions considered when earlier words can rank them
MAX_PHRASE_WORDS = 6
DESCRIPTOR_FIELDS = ("short", "long", "synonyms")


def max_edits(word: str) -> int:
    """Typo allowance: none under 5 characters, 1 edit from 5, 2 from 9."""
    n = len(word)
    return 0 if n < MIN_TYPO_LENGTH else 1 if n < 9 else 2


@dataclass(frozen=True)
class Alternative:
    """One way a query word can match: text searched in fields, with a weight and a reason."""

    text: str
    fields: tuple[str, ...]
    weight: float
    kind: str  # word, abbreviation, synonym, typo, prefix
    why: str
    highlight: tuple[str, ...] = ()  # descriptor stems to mark in snippets


@dataclass
class Part:
    """A word or phrase of the query and the alternatives any one of which satisfies it."""

    token: str
    alternatives: list[Alternative]


@dataclass
class Expansion:
    """The structured meaning of a query."""

    query: str
    parts: list[Part] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    code_prefixes: list[str] = field(default_factory=list)
    ndcs: list[tuple[str, str]] = field(default_factory=list)  # (as typed, 11-digit NDC)
    corrections: dict[str, str] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.parts or self.codes or self.code_prefixes or self.ndcs)


def normalize_query(text: str) -> str:
    """NFKC-normalise, drop control characters and collapse whitespace."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(" " if unicodedata.category(ch)[0] in "CZ" else ch for ch in text)
    return " ".join(text.split())


def ndc_candidates(token: str) -> list[str]:
    """11-digit NDCs a typed NDC may stand for (10-digit NDCs are padded per FDA's three layouts)."""
    m = NDC_DASHED_RE.match(token)
    if m:
        a, b, c = m.groups()
        return [a.zfill(5) + b.zfill(4) + c.zfill(2)]
    if NDC_PLAIN_RE.match(token):
        if len(token) == 11:
            return [token]
        return ["0" + token, token[:5] + "0" + token[5:], token[:9] + "0" + token[9:]]
    return []


class Expander:
    """Expands queries against one index build's vocabulary and lexicon."""

    def __init__(self, index):
        self.index = index
        self.vocab: dict[str, int] = index.vocab
        self.abbreviations: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for a in index.lexicon.abbreviations:
            self.abbreviations[a.key].append((a.abbreviation, a.expansion))
        tables = index.expander_tables  # precomputed by the build: see expander_tables()
        self.plain = {tuple(key): terms for key, terms in tables["plain"]}
        self.plain_words = set(tables["plain_words"])
        self.brand_words = set(tables["brand_words"])
        # Candidates for typo correction, grouped by length so a word is compared only
        # with words within its edit allowance.
        self._by_length: dict[int, list[str]] = defaultdict(list)
        for w in tables["candidates"]:
            self._by_length[len(w)].append(w)
        self._word_docs_cache: dict[str, np.ndarray] = {}
        self.expand = lru_cache(maxsize=4096)(self._expand)

    def known(self, word: str) -> bool:
        return word in self.vocab or word in self.abbreviations or word in self.plain_words

    # -- the pieces ---------------------------------------------------------------
    def corrections(self, word: str) -> list[tuple[str, int]]:
        """Known words within the typo allowance of ``word``, nearest and most common first."""
        k = max_edits(word)
        if k == 0 or not word.isalpha() or self.known(word):
            return []
        pool = [w for n in range(len(word) - k, len(word) + k + 1) for w in self._by_length.get(n, ())]
        found = process.extract(
            # Optimal string alignment: a swapped pair of letters ("elyea") is one edit.
            word, pool, scorer=OSA.distance, score_cutoff=k, limit=None
        )
        ranked = sorted(
            ((w, int(d)) for w, d, _ in found),
            key=lambda wd: (wd[1], -(self.vocab.get(wd[0], 0) + 5 * (wd[0] in self.brand_words)), wd[0]),
        )
        return ranked[:MAX_CORRECTIONS]

    def completions(self, prefix: str, context: tuple[str, ...] = ()) -> list[str]:
        """Words the unfinished ``prefix`` may become, best first.

        Alone, brand names come first, then frequent words. After other words ("hospital be"),
        words found in the same codes as those words come first ("bed", not "benefit").
        """
        found = [w for w in self.index.words_with_prefix(prefix) if w != prefix]
        found.sort(key=lambda w: (w not in self.brand_words, -self.vocab[w], w))
        limit = MAX_SHORT_COMPLETIONS if len(prefix) <= 2 else MAX_COMPLETIONS
        if context and len(found) > limit:
            together = self._docs_mask(context)
            if together.any():
                pool = found[:CONTEXT_POOL]
                overlap = {w: int(together[self._word_docs(w)].sum()) for w in pool}
                pool.sort(key=lambda w: -overlap[w])  # stable: ties keep brand/frequency order
                found = pool
        return found[:limit]

    def _word_docs(self, word: str) -> np.ndarray:
        """Documents with ``word`` in a descriptor, brand or plain field (may repeat); memoised."""
        cached = self._word_docs_cache.get(word)
        if cached is not None:
            return cached
        if len(self._word_docs_cache) > 4096:
            self._word_docs_cache.clear()
        self._word_docs_cache[word] = found = self._find_word_docs(word)
        return found

    def _find_word_docs(self, word: str) -> np.ndarray:
        table = self.index.table
        stem = stems(word)
        parts = [table.postings("brand", word)[0]]
        if stem:
            parts += [table.postings(f, stem[0])[0] for f in ("short", "long", "synonyms", "plain")]
        return np.concatenate(parts)

    def _docs_mask(self, words_: tuple[str, ...]) -> np.ndarray:
        """A mask of the documents containing every one of ``words_``."""
        mask = np.ones(self.index.table.size, dtype=bool)
        for word in words_:
            has = np.zeros_like(mask)
            has[self._word_docs(word)] = True
            mask &= has
        return mask

    def word_alternatives(self, word: str, weight: float = 1.0, why: str = "") -> list[Alternative]:
        """Exact, abbreviation and plain-language alternatives for a complete word.

        ``why`` replaces the reason of the exact alternative ("did you mean …"); the others
        keep their own, since the correction is also reported on its own.
        """
        alts = [
            Alternative(word, WORD_FIELDS, weight, "word", why or f'word "{word}"', stems(word))
        ]
        key = abbreviation_key(word)
        for abbreviation, expansion in self.abbreviations.get(key, ()):
            alts.append(
                Alternative(
                    key, ("abbrev",), 1.2 * weight, "abbreviation",
                    f"abbreviation {abbreviation} ({expansion})", stems(expansion),
                )
            )
        for term in self.plain.get(stems(word), ()) if len(stems(word)) == 1 else ():
            alts.append(
                Alternative(
                    term, DESCRIPTOR_FIELDS, 0.7 * weight, "synonym",
                    f'"{word}" means {term}', stems(term),
                )
            )
        return alts

    # -- the whole query --------------------------------------------------------------
    def _expand(self, query: str, prefix: bool = True) -> Expansion:
        text = normalize_query(query)
        exp = Expansion(query=text)
        tokens = TOKEN_RE.findall(text)
        only = len(tokens) == 1
        wordlist: list[str] = []
        code_prefix: list[str] = []
        last_is_word = False
        def is_code(t: str) -> bool:
            # Any system's code, typed with or without its dot: J1568, e119, I10, 99213.
            return bool(CODE_RE.match(t)) or (
                any(ch.isdigit() for ch in t) and not ndc_candidates(t) and self.index.get(t) is not None
            )

        def is_family(t: str) -> bool:
            return bool(CODE_PREFIX_RE.match(t)) and len(self.index.docs_with_prefix(t)) > 0

        for token in tokens:
            last_is_word = False
            if is_code(token):
                exp.codes.extend(self.index.codes_for(token) or [token.upper()])
                # "E060" is ICD-10-CM E06.0 and the start of HCPCS E0600-E0609: offer both.
                if "." not in token and len(tokens) == 1 and is_family(token):
                    exp.code_prefixes.append(code_key(token))
            elif is_family(token) and all(is_code(t) or is_family(t) for t in tokens):
                exp.code_prefixes.append(code_key(token))
            elif CODE_PREFIX_RE.match(token):
                # Beside words, "b12" or "J15" is a word or a code family: either may match.
                code_prefix.append(code_key(token))
                wordlist.append(token.lower())
                last_is_word = True
            elif only and len(token) == 2 and token.isupper() and self.index.get(token):
                exp.codes.append(token)  # a modifier typed on its own, e.g. "GA"
            elif ndc_candidates(token):
                exp.ndcs.extend((token, n) for n in ndc_candidates(token))
            elif abbreviation_key(token) in self.abbreviations:
                wordlist.append(abbreviation_key(token))  # "G-CSF", "Bi-PAP"
                last_is_word = True
            else:
                wordlist.extend(w.lower() for w in re.findall(r"[A-Za-z0-9]+", token))
                last_is_word = True
        # A trailing space means the user finished the last word.
        ends_open = prefix and bool(text) and query[-1:].isalnum()
        i = 0
        while i < len(wordlist):
            # Longest plain-language phrase starting here ("sleep apnea machine").
            for n in range(min(MAX_PHRASE_WORDS, len(wordlist) - i), 1, -1):
                key = stems(" ".join(wordlist[i : i + n]))
                if len(key) > 1 and key in self.plain and wordlist[i] not in STOP_WORDS:
                    phrase = " ".join(wordlist[i : i + n])
                    alts = [Alternative(phrase, WORD_FIELDS, 1.0, "word", f'phrase "{phrase}"', stems(phrase))]
                    alts += [
                        Alternative(term, DESCRIPTOR_FIELDS, 0.9, "synonym",
                                    f'"{phrase}" means {term}', stems(term))
                        for term in self.plain[key]
                    ]
                    exp.parts.append(Part(phrase, alts))
                    i += n
                    break
            else:
                word = wordlist[i]
                is_last = i == len(wordlist) - 1
                i += 1
                if word in STOP_WORDS and word not in self.abbreviations and not (is_last and ends_open):
                    continue
                alts = self.word_alternatives(word) if len(word) > 1 or word.isdigit() else []
                if code_key(word) in code_prefix:
                    alts.append(Alternative(code_key(word), ("code",), 1.0, "code_prefix",
                                            f"code starts with {word.upper()}"))
                if not word.isdigit():
                    for fixed, dist in self.corrections(word):
                        weight = 0.9 if dist == 1 else 0.75
                        exp.corrections.setdefault(word, fixed)
                        alts += [
                            Alternative(a.text, a.fields, a.weight * weight, "typo", a.why, a.highlight)
                            for a in self.word_alternatives(fixed, 1.0, f'did you mean "{fixed}"')
                        ]
                    if is_last and ends_open and last_is_word and word not in self.abbreviations:
                        context = tuple(w for w in wordlist[:-1] if w not in STOP_WORDS)
                        for completion in self.completions(word, context):
                            weight = 0.8 if completion in self.brand_words else 0.6
                            alts.append(
                                Alternative(completion, WORD_FIELDS, weight, "prefix",
                                            f'"{word}…" completes to {completion}', stems(completion))
                            )
                        if len(word) >= 2:
                            for key in self.abbreviations:
                                if key.startswith(word) and key != word:
                                    for abbreviation, expansion in self.abbreviations[key]:
                                        alts.append(
                                            Alternative(key, ("abbrev",), 0.6, "prefix",
                                                        f'"{word}…" completes to abbreviation {abbreviation} ({expansion})',
                                                        stems(expansion))
                                        )
                if alts:
                    exp.parts.append(Part(word, alts))
        return exp

    def suggest(self, query: str) -> str | None:
        """A respelling of the query from known words, offered when nothing matched."""
        out, changed = [], False
        for token in TOKEN_RE.findall(normalize_query(query)):
            word = token.lower()
            if self.known(word) or not word.isalpha() or len(word) < 3:
                out.append(token)
                continue
            span = max(3, len(word) // 3)
            pool = [w for n in range(len(word) - span, len(word) + span + 1) for w in self._by_length.get(n, ())]
            found = process.extract(word, pool, scorer=OSA.normalized_similarity, score_cutoff=0.6, limit=10)
            if found:
                # Nearest first; among equals, brand names, then the most common word.
                best = min(found, key=lambda f: (-round(f[1], 6), f[0] not in self.brand_words,
                                                 -self.vocab.get(f[0], 0), f[0]))
                out.append(best[0])
                changed = True
            else:
                out.append(token)
        return " ".join(out) if changed else None


def expander_tables(records, lexicon, vocab: dict[str, int]) -> dict:
    """The expander's word lists, computed once at build time rather than in every process."""
    plain_words = sorted({w for _, phrase in lexicon.plain for w in words(phrase)})
    abbreviation_keys = {a.key for a in lexicon.abbreviations}
    return {
        "plain": [[list(key), terms] for key, terms in plain_index(lexicon).items()],
        "plain_words": plain_words,
        "brand_words": sorted({w for r in records for b in r.brands for w in words(b)}),
        "candidates": [
            w for w in sorted(set(vocab) | abbreviation_keys | set(plain_words))
            if len(w) >= MIN_TYPO_LENGTH - 1 and w.isalpha()
        ],
    }


def expander_for(index) -> Expander:
    """The (cached) expander of an index build."""
    if index.expander is None:
        index.expander = Expander(index)
    return index.expander


def expand(index, query: str, prefix: bool = True) -> Expansion:
    """Expand ``query`` against ``index``; the last word is a prefix unless ``prefix`` is false."""
    return expander_for(index).expand(query, prefix)
