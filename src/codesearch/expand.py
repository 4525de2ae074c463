"""Query expansion: what the user typed → weighted alternatives, each with the reason it was added.

Expansion knows codes, NDCs, abbreviations, plain-language synonyms, the lay vocabulary,
typos (rapidfuzz against the index vocabulary) and the unfinished last word of
search-as-you-type. It returns structured alternatives rather than a query string so the
ranker and the snippet highlighter both know why a code matched.

The lay vocabulary (``corpus/lay_words.tsv``) maps each word, or 2-3-word sub-phrase, of a
query on its own: the mapped descriptor word is one more alternative of that query part, so a
code matching every part through any mix of typed words and lay words matches the whole
query ("bruise on the belly" → contusion + abdominal). Combining forms compose across parts:
"high" (``hyper-``) and "potassium" (``-kal-``) together reach the descriptor word
"hyperkalemia", which then satisfies both parts.
"""

from __future__ import annotations

import math
import os
import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections import Counter, OrderedDict, defaultdict
from itertools import chain
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA
from whoosh.analysis import STOP_WORDS

from codesearch import ranking
from codesearch.enrich import FDA_BRAND, LayWord, lay_index, plain_index, sense_token
from codesearch.records import SYSTEM_HCPCS, SYSTEM_ICD10CM, code_key
from codesearch.schema import WORD_FIELDS, abbreviation_key, stems, words

CODE_RE = re.compile(r"^[A-Za-z][0-9]{4}$")
# A code family: J15, J156, E11, E11.6, S72.00 (HCPCS letter + digits, ICD-10-CM category).
CODE_PREFIX_RE = re.compile(r"^[A-Za-z][0-9]{1,3}$|^[A-Za-z][0-9][0-9A-Za-z](\.[0-9A-Za-z]{1,3})?$")
NDC_DASHED_RE = re.compile(r"^([0-9]{4,5})-([0-9]{3,4})-([0-9]{1,2})$")
NDC_PLAIN_RE = re.compile(r"^[0-9]{10,11}$")
ABBREVIATION_NUMBER_RE = re.compile(r"[a-z]+|[0-9]+")
TOKEN_RE = re.compile(r"[A-Za-z0-9]+(?:[-/.][A-Za-z0-9]+)*")
#: Ways of saying "cannot", folded into that one word before a query is split into words, so
#: the lay vocabulary's "cannot" rows compose with the next word ("can't sleep" → insomnia).
#: Left alone, the apostrophe splits "can't" into the stop word "can" and a lone "t": nothing.
NEGATION_RE = re.compile(r"\b(?:can[\u2019']?t|can ?not|couldn[\u2019']?t|could not|unable to|not able to)\b", re.I)

#: Words this short are never corrected (abbreviations are short and exact).
MIN_TYPO_LENGTH = 5
#: Completions of an unfinished last word that are searched, best first.
MAX_COMPLETIONS = 12
MAX_SHORT_COMPLETIONS = 6  # for one- and two-letter prefixes, which match the most words
MAX_CORRECTIONS = 3
SUGGEST_SIMILARITY = 0.6  # a respelling offered when nothing matched is at least this similar
CONTEXT_POOL = 30  # completions considered when earlier words can rank them
SORTED_COMPLETIONS = 64  # completions of a prefix sorted as they are; more are ranked once for all
MAX_PHRASE_WORDS = 6
DESCRIPTOR_FIELDS = ("short", "long", "synonyms")
EXPANSION_CACHE = 1024  # queries whose expansion is memoised per build
CORRECTIONS_CACHE = 4096  # words whose typo corrections are memoised per build
CONTEXT_CACHE = 32  # masks of earlier query words memoised per build (80 KB each at 83,000 codes)



#: Clinicians' one-letter side shorthand and "hx", "h/o" and "history", which on a problem list
#: mean the patient's own history (ICD-10-CM's "Personal history of …", not "Family history of
#: …"; a family history is said so) — or, for a few past conditions, "old" ("Old myocardial
#: infarction", I25.2, is a history of MI; "Old laceration of cervix uteri"; a meniscus
#: "due to old tear"). Written by hand (9 rows): the meta-inventory has no
#: one-letter abbreviations, reads "hx" as "history" and "rt" first as "related to", and has no
#: "OU" (both eyes: ICD-10-CM's "bilateral").
#: Read only beside other words: "L" alone is not "left"; "h/o" only typed with its slash ("ho").
#: "s/p" (status post) is said in ICD-10-CM as the presence of what was put in ("Presence of
#: aortocoronary bypass graft"); the acquired absence of what was taken out is said by the
#: removal's own word (:meth:`Expander.removal_alternatives`: "splenectomy", "BKA").
PERSONAL_HISTORY = ("personal history", "old")
QUALIFIER_SHORTHAND = {"r": ("right",), "l": ("left",), "rt": ("right",), "lt": ("left",), "ou": ("bilateral",),
                       "hx": PERSONAL_HISTORY, "history": PERSONAL_HISTORY, "h/o": PERSONAL_HISTORY,
                       # "acquired absence" is no reading of "s/p": "s/p knee replacement" had
                       # listed Z89.52- "Acquired absence of knee" first.
                       "s/p": ("presence",)}
#: Words that say whose history it is: beside them, "history" is not the patient's own.
HISTORY_OWNERS = frozenset({"family", "fhx", "fh", "personal", "social"})


#: A surgical removal: a combining form, then "-ectomy".
_REMOVAL_RE = re.compile(r"([a-z]+?)ectom(?:y|ies)")


def sense_head(sense: str) -> str | None:
    """A sense of three or more words without its first: what a code naming the condition by its
    broader kind says ("deep vein thrombosis" → "vein thrombosis", as "Personal history of other
    venous thrombosis" does). None for shorter senses."""
    content = [w for w in words(sense) if stems(w)]
    return " ".join(content[1:]) if len(content) >= 3 else None


def letter_counts(words_: list[str], length: int) -> np.ndarray:
    """How often each of a-z, and any other character together, occurs in each of ``words_``
    (all ``length`` characters long): one row of 27 counts per word."""
    chars = np.frombuffer("".join(words_).encode("utf-32-le"), dtype=np.uint32).reshape(len(words_), length)
    letter = chars.astype(np.int64) - ord("a")
    letter[(letter < 0) | (letter >= 26)] = 26
    flat = (np.arange(len(words_))[:, None] * 27 + letter).ravel()
    return np.bincount(flat, minlength=len(words_) * 27).reshape(len(words_), 27).astype(np.int16)


def max_edits(word: str) -> int:
    """Typo allowance: none under 5 characters, 1 edit from 5, 2 from 9."""
    n = len(word)
    return 0 if n < MIN_TYPO_LENGTH else 1 if n < 9 else 2


#: Spellings that sound alike, rewritten to one form before a word's sound key is taken
#: (Greek and Latin spellings of medical words, in this order).
SOUND_RULES = (("ph", "f"), ("rh", "r"), ("ck", "k"), ("sch", "sk"), ("ch", "k"), ("x", "ks"), ("qu", "kw"),
               ("q", "k"), ("tz", "s"))
_SILENT_START = ("ps", "pn", "pt", "kn", "gn")  # psoriasis, pneumonia, ptosis: the first letter is silent


@lru_cache(maxsize=8192)
def sound_key(word: str) -> str:
    """A word's consonant skeleton as it sounds: "pneumonia" and "nemonia" → nmn.

    Silent first letters dropped, alike spellings made one (ph/f, c/k/s, x/ks, z/s), vowels,
    h, w and y after the first letter dropped, doubled letters made single.
    """
    w = word.lower()
    if w[:2] in _SILENT_START:
        w = w[1:]
    for spelled, sound in SOUND_RULES:
        w = w.replace(spelled, sound)
    w = re.sub(r"c(?=[eiy])", "s", w).replace("c", "k").replace("z", "s")
    first = "a" if w[:1] in "aeiouy" else w[:1]
    return re.sub(r"(.)\1+", r"\1", first + re.sub(r"[aeiouyhw]", "", w[1:]))


def sound_edits(word: str) -> int:
    """Edits a correction that sounds like ``word`` may be from it: a third of its letters,
    and always one more than :func:`max_edits` ("nemonia" → pneumonia, 2; "sirosis" →
    cirrhosis, 3)."""
    return max(max_edits(word) + 1, len(word) // 3 + 1) if len(word) >= MIN_TYPO_LENGTH else 0


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
    #: Whether the part qualifies the query's subject rather than naming it: "asthma" in
    #: "nebulizer for asthma" (see :data:`codesearch.ranking.QUALIFIER_WORDS`).
    qualifier: bool = False
    #: Whether the part is a type's letter beside the word naming the type ("hepatitis C",
    #: "vitamin K"): required like any subject word, but no subject or qualifier of its own.
    letter: bool = False
    #: Whether the part says who or which way rather than what (:data:`codesearch.ranking.ASIDE_WORDS`:
    #: "patient", a verb's particle "off" in "fell off the bed"): beside other parts it qualifies.
    aside: bool = False


@dataclass
class Expansion:
    """The structured meaning of a query."""

    query: str
    parts: list[Part] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    code_prefixes: list[str] = field(default_factory=list)
    ndcs: list[tuple[str, str]] = field(default_factory=list)  # (as typed, 11-digit NDC)
    corrections: dict[str, str] = field(default_factory=dict)
    #: Whether the query gives a dose ("500 mg"): it is about a drug.
    dose: bool = False
    #: How many parts come before the first clause word ("after", "because", …:
    #: :data:`codesearch.ranking.CLAUSE_WORDS`); 0 when no clause follows a part.
    clause: int = 0
    #: The system the query's own words ask for ("what dx", "hcpcs code for …":
    #: :data:`codesearch.ranking.FRAME_SYSTEMS`), or None.
    asks_for: str | None = None
    #: Whether the query asks for a modifier ("RT modifier": :data:`codesearch.ranking.MODIFIER_WORDS`).
    asks_modifier: bool = False

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


@dataclass(frozen=True)
class Sense:
    """What an abbreviation may stand for, with its weight relative to its most frequent sense."""

    abbreviation: str  # as written in the lexicon: "HTN", "AFib"
    expansion: str
    weight: float


def abbreviation_senses(abbreviations) -> dict[str, list[Sense]]:
    """Abbreviation key → its senses, most frequent first, one per distinct set of expansion stems."""
    grouped: dict[str, dict[tuple[str, ...], tuple[str, float, str]]] = defaultdict(dict)
    for a in abbreviations:
        same = tuple(sorted(set(stems(a.expansion))))  # "immune globulin intravenous" = "intravenous immune globulin"
        seen = grouped[a.key].get(same)
        if seen is None or a.frequency > seen[1]:
            grouped[a.key][same] = (a.abbreviation, a.frequency, a.expansion)
    out: dict[str, list[Sense]] = {}
    for key, senses in grouped.items():
        top = max(f for _, f, _ in senses.values()) or 1.0
        ranked = sorted(senses.values(), key=lambda s: (-s[1], s[2]))
        out[key] = [Sense(abbreviation, expansion, frequency / top) for abbreviation, frequency, expansion in ranked]
    return out


class Expander:
    """Expands queries against one index build's vocabulary and lexicon."""

    def __init__(self, index):
        self.index = index
        self.vocab: dict[str, int] = index.vocab
        self.abbreviations: dict[str, list[Sense]] = abbreviation_senses(index.lexicon.abbreviations)
        tables = index.expander_tables  # precomputed by the build: see expander_tables()
        self.plain = {tuple(key): terms for key, terms in tables["plain"]}
        self.lay: dict[tuple[str, ...], list[LayWord]] = lay_index(index.lexicon)
        self.plain_words = set(tables["plain_words"])
        self.brand_words = set(tables["brand_words"])
        self.drug_words = frozenset(tables["drug_words"])
        self.drug_stems = frozenset(chain.from_iterable(stems(w) for w in self.drug_words))
        self.acronym_words = frozenset(tables.get("acronym_words", ()))
        self.sounds: dict[str, list[str]] = tables["sounds"]
        self.ranges: list[list] = tables["ranges"]
        self.organ_nouns: dict[str, list[str]] = tables.get("organ_nouns", {})
        self.compounds: dict[str, str] = tables.get("compounds", {})
        self.short_clips = frozenset(tables.get("short_clips", ()))
        self.indications = indication_index(index.lexicon)
        self.drug_classes = drug_class_index(index.lexicon)
        # Candidates for typo correction, grouped by length so a word is compared only
        # with words within its edit allowance.
        self._by_length: dict[int, list[str]] = defaultdict(list)
        for w in tables["candidates"]:
            self._by_length[len(w)].append(w)
        self._bridged: dict[str, str | None] = {}  # sense → its lay-bridged wording, memoised
        self._letter_counts: dict[int, np.ndarray] = {}  # per length: see letter_counts()
        self._corrections_cache: OrderedDict[str, list[tuple[str, int]]] = OrderedDict()
        # Abbreviation keys in code-point order: the keys a prefix begins are one range of them.
        self._abbreviation_keys = sorted(self.abbreviations)
        self._context_cache: OrderedDict[tuple[str, ...], np.ndarray] = OrderedDict()
        self._word_docs_cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._form_cache: dict[str, dict[str, tuple[int, int]]] = {}
        # Repeated queries (pages, a second client) skip expansion; kept small, since a full
        # garbage collection walks every alternative remembered here.
        self.expand = lru_cache(maxsize=EXPANSION_CACHE)(self._expand)
        # An unknown word is asked about by each reading tried for it, keystroke after keystroke.
        self.known = lru_cache(maxsize=CORRECTIONS_CACHE)(self._known)

    @cached_property
    def acronyms(self) -> dict[str, list[list]]:
        """Acronym → [phrase, weight] read from the code texts; loaded at the first acronym lookup."""
        return self.index.acronym_table

    def _known(self, word: str) -> bool:
        """Whether ``word`` is a word of the texts, an abbreviation or a lay word, or another form
        of a word of the texts with the same stem ("obese", stem obes, as "obesity"): never a typo
        then. A form one edit from the word is no proof: "migrane" has the stem of "migrans"."""
        if word in self.vocab or word in self.abbreviations or word in self.plain_words or word in self.compounds:
            return True
        stem = stems(word)
        if len(stem) != 1 or not stem[0]:
            return False
        start, end = self.index.prefix_range(stem[0])
        return any(stems(w) == stem and OSA.distance(word, w, score_cutoff=2) > 1
                   for w in self.index.vocab_sorted[start:end])

    # -- the pieces ---------------------------------------------------------------
    def corrections(self, word: str) -> list[tuple[str, int]]:
        """Known words within the typo allowance of ``word``, nearest and most common first; for
        a word one letter under the allowance, only the brand it is with a letter dropped."""
        k = max_edits(word)
        known = self.spelled_right(word)
        if k == 0 and len(word) == MIN_TYPO_LENGTH - 1 and word.isalpha() and not known:
            brand = self._brands_missing_a_letter.get(word)
            return [(brand, 1)] if brand else []
        if k == 0 or not word.isalpha() or known:
            return []
        # Every keystroke after a misspelled word expands it again: remember its corrections.
        found = self._corrections_cache.get(word)
        if found is None:
            if len(self._corrections_cache) >= CORRECTIONS_CACHE:
                self._corrections_cache.popitem(last=False)  # the oldest: one entry freed at a time, never a pause to free them all
            found = self._corrections_cache[word] = self._corrections(word, k)
        return found

    def spelled_right(self, word: str) -> bool:
        """Whether ``word`` is known (:meth:`_known`) by more than a spelling only HCPCS short
        descriptors print ("atril", "battry": CMS's clip or slip, no proof it is spelled right)."""
        return self.known(word) and not self.clipped_by_cms(word)

    @cached_property
    def _brands_missing_a_letter(self) -> dict[str, str]:
        """A brand name of :data:`MIN_TYPO_LENGTH` letters (the crosswalk's and FDA's) by each
        spelling of it with one letter dropped ("botx", "boox" → botox): typed so, a brand falls
        under the typo allowance. A spelling two brands share, or a word or abbreviation of the
        texts, is left out."""
        fda = {row.lay for row in self.index.lexicon.lay if row.kind == FDA_BRAND}
        names = {w for w in self.brand_words | fda if len(w) == MIN_TYPO_LENGTH and w.isalpha()}
        found: dict[str, set[str]] = defaultdict(set)
        for name in names:
            for i in range(len(name)):
                found[name[:i] + name[i + 1:]].add(name)
        return {typed: next(iter(brands)) for typed, brands in found.items()
                if len(brands) == 1 and typed not in self.vocab and typed not in self.abbreviations}

    def _pool(self, word: str, spread: int, most_edits: Callable[[int], float]) -> list[str]:
        """The typo candidates up to ``spread`` letters longer or shorter than ``word`` whose
        letters allow them to be within ``most_edits(their length)`` edits of it.

        An edit changes a word's letter counts by at most two (a substitution takes one letter
        and adds another), so a candidate whose counts differ from the word's by more than twice
        the edits allowed is never that near. Comparing counts in numpy spares rapidfuzz
        thousands of strings, scattered in memory, per misspelled word.
        """
        target = letter_counts([word], len(word))[0]
        letters = [(int(c), int(target[c])) for c in np.flatnonzero(target)]
        pool = []
        for n in range(len(word) - spread, len(word) + spread + 1):
            words_ = self._by_length.get(n)
            if not words_:
                continue
            counts = self._letter_counts.get(n)  # one row per letter, one column per word
            if counts is None:
                counts = self._letter_counts[n] = np.ascontiguousarray(letter_counts(words_, n).T)
            # The difference in counts, letter by letter, read from the word's own letters only:
            # the candidate's other letters are its length less those.
            differ = np.full(len(words_), n, dtype=np.int16)
            for c, times in letters:
                differ += np.abs(counts[c] - times) - counts[c]
            pool += [words_[i] for i in np.flatnonzero(differ <= 2 * most_edits(n)).tolist()]
        return pool

    def _corrections(self, word: str, k: int) -> list[tuple[str, int]]:
        pool = self._pool(word, k, lambda n: k)
        found = process.extract(
            # Optimal string alignment: a swapped pair of letters ("elyea") is one edit.
            word, pool, scorer=OSA.distance, score_cutoff=k, limit=None
        )
        ranked = sorted(
            ((w, int(d)) for w, d, _ in found if w != word),  # a CMS spelling is in the pool itself
            key=lambda wd: (wd[1], -(self.vocab.get(wd[0], 0) + 5 * (wd[0] in self.brand_words)), wd[0]),
        )
        # The nearest words only: a rarer word two edits away would outscore the word one edit
        # away by its rarity alone ("osteoperosis": osteoporosis, not osteopetrosis).
        nearest = [wd for wd in ranked[:MAX_CORRECTIONS] if wd[1] == ranked[0][1]]
        # A brand the crosswalk bills one edit away among them is what was misspelled ("atian":
        # Ativan, not asian) unless a word as near is one many codes say ("syndroe": syndrome,
        # not Syndros): a drug's name is what people mistype, and a rare word of the texts would
        # outscore the brand field. FDA's list holds thousands of brands no code bills ("flacid"
        # is flaccid, not Klacid); two edits away a brand is a guess ("bronkitis": bronchitis).
        brands = [wd for wd in nearest if wd[1] == 1 and wd[0] in self.brand_words]
        if brands and all(self.vocab.get(w, 0) < ranking.TYPO_BRAND_OVER_WORD for w, _ in nearest if (w, 1) not in brands):
            return brands
        return nearest

    def sounds_like(self, word: str) -> list[tuple[str, int]]:
        """Known words with the sound key of ``word`` within :func:`sound_edits` of it, nearest
        and most common first, with their distance from it: for a word no known word is a typo
        away from."""
        k = sound_edits(word)
        if k == 0 or not word.isalpha() or self.known(word):
            return []
        found = []
        for w in self.sounds.get(sound_key(word), ()):
            if abs(len(w) - len(word)) <= k:
                d = OSA.distance(word, w, score_cutoff=k)
                if d <= k:
                    found.append((w, int(d)))
        found.sort(key=lambda wd: (wd[1], -self.vocab.get(wd[0], 0), wd[0]))
        return found[:MAX_CORRECTIONS]

    def variants(self, word: str) -> list[str]:
        """Known words of the same root as an unknown ``word``, most common first: "dehydrated"
        → dehydration, "nauseous" → nausea. Each drops one ending of
        :data:`codesearch.ranking.WORD_ENDINGS`, leaving a root of :data:`ranking.MIN_ROOT` letters
        or more; the stemmer keeps such pairs apart ("dehydrat" and "dehydrate")."""
        if len(word) <= ranking.MIN_ROOT or not word.isalpha() or self.spelled_right(word):
            return []
        found: set[str] = set()
        # The word drops an ending of two letters or more: one letter less is a typo's ("migrane").
        for root in {word[: len(word) - len(e)] for e in ranking.WORD_ENDINGS if len(e) > 1 and word.endswith(e)}:
            if len(root) < ranking.MIN_ROOT:
                continue
            start, end = self.index.prefix_range(root)
            found.update(w for w in self.index.vocab_sorted[start:end]
                         if w[len(root):] in ranking.WORD_ENDINGS and w != word and w not in self.short_clips)
        return sorted(found, key=lambda w: (-self.vocab.get(w, 0), w))[:ranking.MAX_VARIANTS]

    def completions(self, prefix: str, context: tuple[str, ...] = ()) -> list[str]:
        """Words the unfinished ``prefix`` may become, best first.

        Alone, brand names come first, then frequent words. After other words ("hospital be"),
        words found in the same codes as those words come first ("bed", not "benefit").
        """
        found, total = self._best_completions(prefix, CONTEXT_POOL)
        limit = MAX_SHORT_COMPLETIONS if len(prefix) <= 2 else MAX_COMPLETIONS
        if context and total > limit:
            together = self._docs_mask(context)
            if together.any():
                pool = found[:CONTEXT_POOL]
                overlap = {w: int(together[self._word_docs(w)].sum()) for w in pool}
                pool.sort(key=lambda w: -overlap[w])  # stable: ties keep brand/frequency order
                found = pool
        return found[:limit]

    @cached_property
    def _completion_rank(self) -> np.ndarray:
        """Each word of ``index.vocab_sorted``'s place in completion order: brand names first,
        then frequent words, then alphabetical (a few milliseconds once, in numpy)."""
        words_ = self.index.vocab_sorted
        counts = np.fromiter((self.vocab[w] for w in words_), dtype=np.int64, count=len(words_))
        not_brand = np.fromiter((w not in self.brand_words for w in words_), dtype=bool, count=len(words_))
        order = np.lexsort((np.arange(len(words_)), -counts, not_brand))
        rank = np.empty(len(words_), dtype=np.int64)
        rank[order] = np.arange(len(words_))
        return rank

    def _best_completions(self, prefix: str, n: int) -> tuple[list[str], int]:
        """The first ``n`` words ``prefix`` may become in completion order, and how many there are.

        The words starting with ``prefix`` are one alphabetical range of the vocabulary; only
        its ``n`` best are sorted, however many words a one-letter prefix begins.
        """
        words_ = self.index.vocab_sorted
        start, end = self.index.prefix_range(prefix)
        exact = start < end and words_[start] == prefix  # the prefix itself is no completion
        if end - start <= SORTED_COMPLETIONS:  # a few words: sorted here (a CLI query ranks no vocabulary)
            found = sorted((w for w in words_[start:end] if w != prefix),
                           key=lambda w: (w not in self.brand_words, -self.vocab[w], w))
            return found[:n], len(found)
        rank = self._completion_rank[start:end]
        take = min(n + 1, len(rank))
        best = np.argpartition(rank, take - 1)[:take] if take < len(rank) else np.arange(len(rank))
        best = best[np.argsort(rank[best])]
        found = [w for w in (words_[start + int(i)] for i in best) if w != prefix][:n]
        return found, end - start - exact

    def _word_docs(self, word: str) -> np.ndarray:
        """Documents with ``word`` in a descriptor, brand or plain field (may repeat); memoised."""
        cached = self._word_docs_cache.get(word)
        if cached is not None:
            return cached
        if len(self._word_docs_cache) > 4096:
            self._word_docs_cache.popitem(last=False)  # the oldest: one entry freed at a time, never a pause to free them all
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
        """A mask of the documents containing every one of ``words_``; memoised, since every
        keystroke of the last word has the same earlier words."""
        mask = self._context_cache.get(words_)
        if mask is not None:
            return mask
        mask = np.ones(self.index.table.size, dtype=bool)
        for word in words_:
            has = np.zeros_like(mask)
            has[self._word_docs(word)] = True
            mask &= has
        if len(self._context_cache) >= CONTEXT_CACHE:
            self._context_cache.popitem(last=False)  # the oldest: one entry freed at a time, never a pause to free them all
        self._context_cache[words_] = mask
        return mask

    def word_alternatives(self, word: str, weight: float = 1.0, why: str = "",
                          disable: frozenset[str] = frozenset(), typed: str = "") -> list[Alternative]:
        """Exact, abbreviation and plain-language alternatives for a complete word.

        ``why`` replaces the reason of the exact alternative ("did you mean …"); the others
        keep their own, since the correction is also reported on its own. ``disable`` names
        sources (:data:`codesearch.ranking.SOURCES`) to leave out; ``typed`` is the word as typed
        when it was an abbreviation with punctuation ("h/o"), see :meth:`abbreviation_alternatives`.
        """
        alts = [
            Alternative(word, word_fields(disable), weight, "word", why or f'word "{word}"', stems(word))
        ]
        compound = self.compounds.get(word)
        if compound is not None:  # "followup": the texts' "follow-up" too
            alts.append(Alternative(compound, word_fields(disable), weight, "word", f'"{word}" as {compound}',
                                    stems(compound)))
        alts += self.abbreviation_alternatives(abbreviation_key(word), weight, typed) if "abbreviations" not in disable else []
        alts += self.element_forms(word, weight, disable) if "abbreviations" not in disable else []
        key = stems(word)
        for term in self.plain.get(key, ()) if len(key) == 1 and "lay" not in disable else ():
            alts.append(
                Alternative(
                    term, descriptor_fields(disable), ranking.PLAIN_WORD_WEIGHT * weight, "synonym",
                    f'"{word}" means {term}', stems(term),
                )
            )
        said = {stems(a.text) for a in alts}
        for row in self.lay.get(key, ()) if len(key) == 1 and "lay" not in disable else ():
            # A meaning the plain-language lexicon already gave is not counted twice.
            if row.is_form or stems(row.clinical) in said:
                continue
            said.add(stems(row.clinical))
            if row.kind == FDA_BRAND:  # "toradol": a brand of ketorolac, read as the generic itself
                alts.append(Alternative(row.clinical, descriptor_fields(disable), ranking.FDA_BRAND_WEIGHT * weight,
                                        "synonym", f'"{word}" is a brand of {row.clinical}', stems(row.clinical)))
            else:
                alts.append(self._lay_alternative(word, row.clinical, ranking.LAY_WORD_WEIGHT * weight))
        for noun in ([*self.anatomy_nouns.get(word, ()), *self.organ_nouns.get(word, ()), *self.organ_adjectives.get(word, ())]
                     if "lay" not in disable else ()):
            if stems(noun) not in said:  # "pancreatic" → pancreas, as ICD-10-CM names the organ; "sacrum" → sacral
                said.add(stems(noun))
                alts.append(Alternative(noun, descriptor_fields(disable), ranking.ORGAN_NOUN_WEIGHT * weight,
                                        "organ", f'"{word}" as {noun}', stems(noun)))
        return alts

    @cached_property
    def anatomy_nouns(self) -> dict[str, tuple[str, ...]]:
        """A clinical anatomy adjective → the one everyday noun the lay vocabulary gives it for
        that the descriptors say (:data:`ranking.ANATOMY_NOUN_MIN`): "renal" → kidney."""
        given: dict[str, dict[tuple[str, ...], str]] = defaultdict(dict)  # the nouns by stem: "kidney", "kidneys"
        adjective_endings = ranking.ORGAN_ADJECTIVE_ENDINGS + ("ac", "ary", "ous")
        for rows in self.lay.values():
            for row in rows:
                if (row.kind == "anatomy" and not row.is_form and row.lay.isalpha() and row.clinical.isalpha()
                        and row.clinical.endswith(adjective_endings) and self.vocab.get(row.lay, 0) >= ranking.ANATOMY_NOUN_MIN):
                    given[row.clinical].setdefault(stems(row.lay), row.lay)
        long_ = self.index.table.postings
        return {c: tuple(nouns.values()) for c, nouns in given.items()
                if len(nouns) == 1 and c not in self.organ_nouns
                and len(long_("long", next(iter(nouns))[0])[0]) >= ranking.ANATOMY_NOUN_MIN}

    @cached_property
    def organ_adjectives(self) -> dict[str, tuple[str, ...]]:
        """An organ's noun → the adjectives ICD-10-CM writes for it (:func:`organ_nouns` read
        backwards): "sacrum" → sacral, as in "Pressure ulcer of sacral region"."""
        found: dict[str, list[str]] = defaultdict(list)
        for adjective, nouns in self.organ_nouns.items():
            for noun in nouns:
                found[noun].append(adjective)
        return {noun: tuple(adjectives) for noun, adjectives in found.items()}

    @staticmethod
    def _lay_alternative(said: str, clinical: str, weight: float) -> Alternative:
        return Alternative(clinical, DESCRIPTOR_FIELDS, weight, "synonym", f'"{said}" means {clinical}',
                           stems(clinical))

    @staticmethod
    def _shorthand_alternatives(word: str, disable: frozenset[str]) -> list[Alternative]:
        """The descriptor words a side, history or status shorthand stands for ("R" → right)."""
        return [Alternative(full, descriptor_fields(disable), ranking.QUALIFIER_SHORTHAND_WEIGHT, "abbreviation",
                            f'"{word}" means {full}', stems(full)) for full in QUALIFIER_SHORTHAND[word]]

    @cached_property
    def _removed_organs(self) -> dict[str, list[str]]:
        """An anatomy combining form, without its dashes ("hyster", "nephr"), → the organ's words:
        the lay word the form is given for and the descriptor words the lay vocabulary gives that
        word ("womb" → uterus, uterine)."""
        out: dict[str, list[str]] = {}
        for rows in self.lay.values():
            for row in rows:
                if row.is_form and row.kind == "anatomy":
                    words_ = out.setdefault(row.clinical.strip("-"), [])
                    for w in [row.lay] + [r.clinical for r in rows if not r.is_form]:
                        if w not in words_:
                            words_.append(w)
        return out

    def removal_alternatives(self, word: str, disable: frozenset[str]) -> list[Alternative]:
        """A removal ("mastectomy", "hysterectomy"): the acquired absence of the organ its
        combining form names, the words ICD-10-CM says it in after the operation ("Acquired
        absence of breast and nipple"), weighted like a lay word."""
        m = _REMOVAL_RE.fullmatch(word)
        if not m or "lay" in disable:
            return []
        return [Alternative(f"acquired absence {organ}", DESCRIPTOR_FIELDS, ranking.LAY_WORD_WEIGHT, "synonym",
                            f'"{word}" removes the {organ}', stems(f"acquired absence {organ}"))
                for organ in self._removed_organs.get(m.group(1), ())]

    def names_a_drug(self, part: Part) -> bool:
        """Whether a part names a drug or drug class: a lay word for one ("blood thinners",
        :data:`codesearch.ranking.DRUG_LAY_KINDS`) or a drug word (:func:`drug_words`) among
        its readings ("diuretics"; "medication" → drug)."""
        if any(row.kind in ranking.DRUG_LAY_KINDS for row in self.lay.get(stems(part.token), ())):
            return True
        return any(a.kind in CAUSE_READING_KINDS and not self.drug_stems.isdisjoint(stems(a.text))
                   for a in part.alternatives)

    def cause_alternatives(self, part: Part, drug: bool, after: bool, disable: frozenset[str]) -> list[Alternative]:
        """How ICD-10-CM says the cause a part after a cause word names
        (:data:`codesearch.ranking.CAUSE_WORDS`): a ``drug`` as what a condition is induced by or
        due to ("gout from diuretics" → "Drug-induced gout"); after "after", a word as the
        "post-" compound of it ("fever after vaccine" → "Postvaccination fever")."""
        if "lay" in disable or part.qualifier:
            return []
        said = {a.text for a in part.alternatives}
        out = []
        if drug:
            out += [Alternative(reading, DESCRIPTOR_FIELDS, ranking.DRUG_CAUSE_WEIGHT, "synonym",
                                f'"{part.token}" as the cause: {reading}', stems(reading))
                    for reading in ranking.DRUG_CAUSE_READINGS if reading not in said]
        if after:
            for a in part.alternatives:
                if a.kind not in CAUSE_READING_KINDS or " " in a.text or len(a.text) < ranking.MIN_POST_ROOT:
                    continue
                root = a.text[: max(ranking.MIN_POST_ROOT, len(a.text) - ranking.POST_ROOT_SLACK)]
                for compound in self.index.words_with_prefix("post" + root):
                    if compound not in said:
                        said.add(compound)
                        out.append(Alternative(compound, DESCRIPTOR_FIELDS, ranking.POST_COMPOUND_WEIGHT * a.weight,
                                               "synonym", f'"after {a.text}" as {compound}', stems(compound)))
        return out

    def forms(self, key: tuple[str, ...]) -> list[str]:
        """The combining forms ("hyper-", "-itis") the lay vocabulary gives a stemmed word or phrase."""
        return [row.clinical for row in self.lay.get(key, ()) if row.is_form]

    def stem_forms(self, word: str) -> list[str]:
        """An anatomy noun's (or adjective's) own combining form, its Greek or Latin ending dropped or
        respelled (:data:`ranking.NOUN_FORM_ENDINGS`): "esophagus" → esophag- (esophagitis), "coccyx"
        → coccyg- (coccygodynia), "pericardium" → pericard-, "meninges" → mening-, "tracheal" →
        trach-, when the vocabulary holds words beginning with it beside the noun's own. A form
        counts only where it composes with another part's ("inflamed" -itis, "pain" -algia,
        -dynia: :meth:`composed_words`)."""
        if word not in self.vocab:  # a word being typed ("esoph") has no form yet
            return []
        for ending, respelled in ranking.NOUN_FORM_ENDINGS:
            if word.endswith(ending) and len(word) - len(ending) + len(respelled) >= ranking.NOUN_FORM_MIN:
                stem = word[: len(word) - len(ending)] + respelled
                others = any(not w.startswith(word) for w in self._form_words(stem + "-"))
                return [stem + "-"] if others else []
        return []

    def organ_forms(self, alts: list[Alternative]) -> list[str]:
        """An organ's adjective takes its noun's combining forms ("esophageal" as esophagus:
        esophag-, "cervical" as cervix: cervic-): the forms of the organ nouns among ``alts``, the
        word's alternatives (kind "organ": the noun the descriptors name the organ by,
        :func:`organ_nouns`, or the lay vocabulary's, "renal" → kidney)."""
        return [form for a in alts if a.kind == "organ"
                for form in (self.forms(stems(a.text)) or self.stem_forms(a.text))]

    @cached_property
    def _vocab_text(self) -> str:
        """The vocabulary as one newline-joined text: forms inside or at the end of a word are
        found by scanning it in C rather than word by word in Python."""
        return "\n".join(self.vocab)

    def _form_words(self, form: str) -> dict[str, tuple[int, int]]:
        """Vocabulary words holding a combining form → the span it covers; memoised per form."""
        found = self._form_cache.get(form)
        if found is not None:
            return found
        core = form.strip("-")
        if form.endswith("-") and not form.startswith("-"):  # hyper-: the words it starts, by bisection
            start, end = self.index.prefix_range(core)
            found = {w: (0, len(core)) for w in self.index.vocab_sorted[start:end] if len(w) > len(core)}
            self._form_cache[form] = found
            return found
        text = self._vocab_text
        first: dict[int, int] = {}  # a word's start in the text → first and last offset of the form in it
        last: dict[int, int] = {}
        at = text.find(core)
        while at >= 0:  # overlapping occurrences too; str.find, since a look-ahead regex is slow
            start = text.rfind("\n", 0, at) + 1
            first.setdefault(start, at - start)
            last[start] = at - start
            at = text.find(core, at + 1)
        words_ = {}
        for start in first:
            end = text.find("\n", start)
            words_[start] = text[start:end if end >= 0 else len(text)]
        n = len(core)
        if form.startswith("-") and not form.endswith("-"):  # -itis: ends the word
            found = {words_[i]: (at, at + n) for i, at in last.items()
                     if at > 0 and len(words_[i]) - at - n <= ranking.FORM_END_SLACK}
        else:  # -hepat-: anywhere in the word
            found = {words_[i]: (at, at + n) for i, at in first.items() if len(words_[i]) > n}
        self._form_cache[form] = found
        return found

    def composed_words(self, forms_a: list[str], forms_b: list[str]) -> list[str]:
        """Descriptor words made of a form of each of two query parts, best first.

        "high" (hyper-) + "potassium" (-kal-) → hyperkalemia: the two forms must not overlap,
        and words with the fewest letters beyond the two forms come first.
        """
        best: dict[str, tuple[int, int]] = {}
        for a in forms_a:
            words_a = self._form_words(a)
            for b in forms_b:
                words_b = self._form_words(b)
                for w in words_a.keys() & words_b.keys():
                    (s1, e1), (s2, e2) = words_a[w], words_b[w]
                    if e1 <= s2 or e2 <= s1:
                        leftover = len(w) - (e1 - s1) - (e2 - s2)
                        if leftover <= ranking.MAX_FORM_LEFTOVER:
                            rank = (leftover, -self.vocab.get(w, 0))
                            best[w] = min(best.get(w, rank), rank)
        ranked = sorted(best, key=lambda w: (best[w], w))[:ranking.MAX_FORM_WORDS]
        return [w for w in ranked if best[w][0] <= best[ranked[0]][0] + ranking.FORM_LEFTOVER_MARGIN]

    def _compose(self, parts: list[Part], forms: dict[int, list[str]]) -> None:
        """Add to each pair of parts the descriptor words their combining forms make together."""
        held = sorted(forms)
        for n, p in enumerate(held):
            for q in held[n + 1 :]:
                said = f"{parts[p].token} {parts[q].token}"
                for w in self.composed_words(forms[p], forms[q]):
                    alt = self._lay_alternative(said, w, ranking.LAY_FORM_WEIGHT)
                    for i in (p, q):
                        if alt not in parts[i].alternatives:
                            parts[i].alternatives.append(alt)

    def bridged_sense(self, expansion: str) -> str | None:
        """A sense in descriptor words: each word the lay vocabulary maps to one descriptor word
        (an anatomy, condition or symptom word, :data:`ranking.SENSE_BRIDGE_KINDS`) replaced by it
        ("gastrointestinal bleed" → "gastrointestinal hemorrhage"; a one-word sense by a wording of
        any length: "cancer" → "malignant neoplasm"), or None when
        no word changes. Clinical notes say a sense in everyday words the descriptors do not use."""
        if expansion in self._bridged:
            return self._bridged[expansion]
        out, changed = [], False
        whole = len(words(expansion)) == 1  # a one-word sense may take a longer wording ("cancer")
        for word in words(expansion):
            rows = [r for r in self.lay.get(stems(word), ()) if not r.is_form and r.kind in ranking.SENSE_BRIDGE_KINDS
                    and (whole or len(r.clinical.split()) == 1)] if stems(word) else []
            if rows and stems(rows[0].clinical) != stems(word):
                out.append(rows[0].clinical)
                changed = True
            else:
                out.append(word)
        self._bridged[expansion] = bridged = " ".join(out) if changed else None
        return bridged

    def abbreviation_alternatives(self, key: str, weight: float = 1.0, typed: str = "") -> list[Alternative]:
        """An abbreviation's senses searched in the descriptors, weighted by frequency, and the
        abbreviation itself in the ``abbrev`` field; each names its sense ("abbreviation HTN
        (hypertension)").

        Typed with punctuation (``typed``: "h/o", "s/p"), only the senses written that way count
        when there are any: the slash is part of the abbreviation, so "h/o" is "history of", not
        "HO" (hip orthosis)."""
        senses = self.abbreviations.get(key, ())
        if typed:
            senses = [s for s in senses if s.abbreviation.lower() == typed] or senses
        total = sum(s.weight for s in senses)
        alts = []
        for s in senses:
            why = f"abbreviation {s.abbreviation} ({s.expansion})"
            alts.append(Alternative(s.expansion, ranking.SENSE_FIELDS, ranking.ABBREVIATION_SENSE_WEIGHT * s.weight * weight,
                                    "abbreviation", why, stems(s.expansion)))
            bridged = self.bridged_sense(s.expansion)
            if bridged is not None:
                alts.append(Alternative(bridged, ranking.SENSE_FIELDS,
                                        ranking.ABBREVIATION_SENSE_WEIGHT * ranking.LAY_WORD_WEIGHT * s.weight * weight,
                                        "abbreviation", f"abbreviation {s.abbreviation} ({s.expansion}: {bridged})",
                                        stems(bridged)))
            head = sense_head(bridged or s.expansion)
            if head is not None:
                alts.append(Alternative(head, ranking.SENSE_FIELDS,
                                        ranking.ABBREVIATION_SENSE_WEIGHT * ranking.SENSE_HEAD_SHARE * s.weight * weight,
                                        "abbreviation", f"abbreviation {s.abbreviation} ({s.expansion}: {head})",
                                        stems(head)))
            # Enrichment tagged the codes with the key, not the sense, so the field's score is
            # split among the senses and the reason shown is one the descriptor spells out.
            alts.append(Alternative(key, ("abbrev",), ranking.ABBREVIATION_FIELD_WEIGHT * s.weight / total * weight,
                                    "abbreviation", why, stems(s.expansion)))
            alts.append(Alternative(sense_token(key, s.expansion), ("abbrev",),
                                    ranking.ABBREVIATION_NAMED_WEIGHT * len(stems(s.expansion)) * s.weight * weight,
                                    "abbreviation", why, stems(s.expansion)))
        return alts

    def acronym_alternatives(self, word: str, capitals: bool = False) -> list[Alternative]:
        """The phrases of the code texts whose initials ``word`` spells, searched like a sense.

        Only for a word of 2-6 letters that the texts do not use as a word and the lay vocabulary
        does not know, unless typed in capitals ("RLS", "rls" → restless legs syndrome; "pad" is a pad, "PAD" may be an
        acronym); after the abbreviation map's own senses when it knows the word. The caller
        also skips a lower-case word that is a typo away from a known word, or unfinished.
        """
        lo, hi = ACRONYM_LENGTHS
        if not (lo <= len(word) <= hi and word.isalpha()):
            return []
        # A word the texts use, or an everyday word of the lay or plain-language vocabulary ("pee",
        # "cab"), is that word.
        if not capitals and (word in self.acronym_words or stems(word) in self.lay or word in self.plain_words):
            return []
        # The map's own senses, or the texts' own use of the word ("Complete CBC, automated …"),
        # come before phrases whose initials it spells.
        after = word in self.abbreviations or word in self.acronym_words
        weight = ranking.ACRONYM_WEIGHT * (ranking.ACRONYM_AFTER_INVENTORY if after else 1.0)
        return [
            Alternative(phrase, ranking.SENSE_FIELDS, weight * share, "abbreviation",
                        f"acronym {word.upper()} ({phrase})", stems(phrase))
            for phrase, share in self.acronyms.get(word, ())
        ]

    def _begins_longer_word(self, prefix: str) -> bool:
        """Whether some vocabulary word is ``prefix`` and more letters."""
        words_ = self.index.vocab_sorted
        at = bisect_right(words_, prefix)
        return at < len(words_) and words_[at].startswith(prefix)

    def latin_numbers(self, word: str) -> list[str]:
        """The texts' words that are ``word`` in the other number, Latin or Greek
        (:data:`ranking.LATIN_NUMBER_ENDINGS`): "calculi" → calculus, "metastases" → metastasis."""
        if len(word) < ranking.MIN_LATIN_WORD or not word.isalpha():
            return []
        return self._stemmed_apart(word, ranking.LATIN_NUMBER_ENDINGS)

    def _stemmed_apart(self, word: str, endings: tuple[tuple[str, str], ...]) -> list[str]:
        """The texts' words that are ``word`` with one of its ``endings`` (ending, other ending)
        swapped, where the stemmer keeps the two apart."""
        out = []
        for ending, other in endings:
            if word.endswith(ending):
                form = word[: len(word) - len(ending)] + other
                if form not in out and form in self.vocab and stems(form) != stems(word):
                    out.append(form)
        return out

    def process_forms(self, alts: list[Alternative]) -> list[Alternative]:
        """A noun in -ion and its adjective in -ive, both words of the texts, which the stemmer
        keeps apart (:data:`ranking.PROCESS_FORM_ENDINGS`): each one-word reading of a part also
        reads as the other, at a lay word's share of its weight (a code saying the word as typed
        still comes first) — "hypertension" (or HTN) as hypertensive (I12.9 "Hypertensive
        chronic kidney disease"), "degenerative" as degeneration; so too a participle in -ed and
        its noun in -ion ("dislocated" as dislocation) and a Greek noun and its adjective
        ("psychosis", "psychotic"): :data:`ranking.STEMMED_APART_ENDINGS`."""
        said = {a.text for a in alts}
        out = []
        for a in alts:
            # A word of MIN_ROOT + 3 letters at least (the -ion/-ive ending's length), whichever ending.
            if a.kind == "prefix" or not a.text.isalpha() or len(a.text) - 3 < ranking.MIN_ROOT:
                continue
            for form in self._stemmed_apart(a.text, ranking.STEMMED_APART_ENDINGS):
                if form not in said:
                    said.add(form)
                    out.append(Alternative(form, a.fields, a.weight * ranking.LAY_WORD_WEIGHT, a.kind,
                                           f"{a.why}, as {form}", stems(form)))
        return out

    def element_forms(self, word: str, weight: float = 1.0, disable: frozenset[str] = frozenset()) -> list[Alternative]:
        """Hypo- or hyper- and an electrolyte's chemical symbol as the disorder's word, when the
        texts say it (:data:`ranking.ELEMENT_SYMBOLS`): "hypok" → hypokalemia."""
        for lead in ranking.ELEMENT_LEADS:
            root = ranking.ELEMENT_SYMBOLS.get(word[len(lead):]) if word.startswith(lead) else None
            form = f"{lead}{root}emia" if root else ""
            if form in self.vocab:
                return [Alternative(form, descriptor_fields(disable), weight, "abbreviation",
                                    f'"{word}" means {form}', stems(form))]
        return []

    def split_abbreviation(self, word: str) -> list[str]:
        """An unknown run of letters and digits around an abbreviation, split: "dm2" → dm, 2.

        Clinicians glue a type or stage number to the abbreviation; apart, the number matches
        the descriptors' "type 2" and the letters the abbreviation's senses.
        """
        if word.isalpha() or word.isdigit() or self.known(word):
            return [word]
        pieces = ABBREVIATION_NUMBER_RE.findall(word)
        if any(p in self.abbreviations for p in pieces if p.isalpha()):
            out: list[str] = []
            for p in pieces:  # a stage's letter stays with its number where the texts say so: "ckd3a" → ckd, 3a
                if out and out[-1].isdigit() and len(p) == 1 and p.isalpha() and self.known(out[-1] + p):
                    out[-1] += p
                elif len(p) > 1 or p.isdigit():
                    out.append(p)
            return out
        return [word]

    def abbreviation_completions(self, prefix: str) -> list[Alternative]:
        """The abbrev-field alternatives of the shortest abbreviations ``prefix`` begins."""
        keys_ = self._abbreviation_keys
        found = []
        for k in keys_[bisect_left(keys_, prefix):]:
            if not k.startswith(prefix):
                break
            if k != prefix:
                found.append(k)
        keys = sorted(found, key=lambda k: (len(k), k))[:ranking.MAX_ABBREVIATION_COMPLETIONS]
        alts = []
        for key in keys:
            senses = self.abbreviations[key]
            total = sum(s.weight for s in senses)
            for s in senses:
                alts.append(Alternative(key, ("abbrev",), ranking.ABBREVIATION_COMPLETION_WEIGHT * s.weight / total, "prefix",
                                        f'"{prefix}…" completes to abbreviation {s.abbreviation} ({s.expansion})',
                                        stems(s.expansion)))
        return alts

    # -- the whole query --------------------------------------------------------------
    def _expand(self, query: str, prefix: bool = True, disable: frozenset[str] = frozenset(),
                phrases: bool = True) -> Expansion:
        text = normalize_query(query)
        unfinished = prefix and query[-1:].isalnum()  # the last word may be unfinished
        asked, frame_last, frame = query_frame(text, unfinished)
        abbreviations = self.abbreviations if "abbreviations" not in disable else {}
        plain = self.plain if "lay" not in disable else {}
        lay = self.lay if "lay" not in disable else {}
        exp = Expansion(query=text)
        exp.asks_for = next((ranking.FRAME_SYSTEMS[w] for w in frame if w in ranking.FRAME_SYSTEMS), None)
        exp.asks_modifier = bool(ranking.MODIFIER_WORDS.intersection(frame))
        tokens = TOKEN_RE.findall(NEGATION_RE.sub("cannot", asked) if "lay" not in disable else asked)
        only = len(tokens) == 1
        capitals = {t.lower() for t in re.findall(r"[A-Za-z]+", asked) if len(t) > 1 and t.isupper()}
        wordlist: list[str] = []
        punctuated: dict[str, str] = {}  # an abbreviation typed with its punctuation, by key
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
            if token.lower() in ranking.CAUSE_SHORTHAND and len(tokens) > 1:
                wordlist.extend(ranking.CAUSE_SHORTHAND[token.lower()])  # "d/t": due to, a cause word
                last_is_word = True
            elif is_code(token):
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
            elif (only and len(token) == 2 and (token.isupper() or exp.asks_modifier)
                  and (record := self.index.get(token.upper())) is not None
                  and (token.isupper() or record.kind == "modifier")):
                token = token.upper()
                exp.codes.append(token)  # a modifier typed on its own, e.g. "GA", or "gy modifier"
                if abbreviation_key(token) in self.abbreviations or abbreviation_key(token) in self.acronyms:
                    wordlist.append(abbreviation_key(token))  # "CP" is a modifier and chest pain
                    last_is_word = True
            elif ndc_candidates(token):
                exp.ndcs.extend((token, n) for n in ndc_candidates(token))
            elif abbreviation_key(token) in abbreviations:
                wordlist.append(abbreviation_key(token))  # "G-CSF", "Bi-PAP"
                if not token.isalnum():
                    punctuated[abbreviation_key(token)] = token.lower()  # "h/o", "s/p", "w/o"
                last_is_word = True
            elif self._plural_abbreviation(token, abbreviations):
                wordlist.append(abbreviation_key(token)[:-1])  # "TIAs", "PVCs": the abbreviation
                last_is_word = True
            else:
                for w in re.findall(r"[A-Za-z0-9]+", token):
                    wordlist.extend(self.split_abbreviation(w.lower()))
                last_is_word = True
        wordlist = self._join_article_letter(wordlist, abbreviations)
        # A trailing space means the user finished the last word.
        ends_open = unfinished and bool(text) and not frame_last
        forms: dict[int, list[str]] = {}  # part number → the lay combining forms of its words
        doses = dose_words(wordlist)
        exp.dose = bool(doses)
        i = 0
        qualifying = False
        for_at = 0  # the first part after "for", when some part stands before it
        causes: list[tuple[int, str]] = []  # (first part after a cause word, the word)
        long_term = False  # whether the query begins "on" a drug ("on insulin", "pt on warfarin")
        regular = regular_use_positions(wordlist)  # "insulin user", "aspirin every day"
        often = frequency_positions(wordlist)  # "every 3 months", "twice a day"
        relatives = family_history_positions(wordlist)  # "mom had breast cancer"
        ages = age_positions(wordlist)  # "5 year old with ear infection"
        regular_parts: list[int] = []
        while i < len(wordlist):
            if i in ages:  # the patient's age: no part, but a child's or newborn's qualifies
                said = ages[i]
                if said is not None and "lay" not in disable:
                    exp.parts.append(Part(said, self.word_alternatives(said, disable=disable), True))
                i += 1
                continue
            # Longest plain-language or lay phrase starting here ("sleep apnea machine").
            for n in range(min(MAX_PHRASE_WORDS if phrases else 1, len(wordlist) - i), 1, -1):
                # The words' stems one after the other are the phrase's (no token spans a space),
                # and stems() remembers each word from earlier keystrokes.
                # A pronoun inside is no word of the phrase: "ringing in my ears" is "ringing in ears".
                key = tuple(chain.from_iterable(stems(w) for w in wordlist[i : i + n] if w not in ranking.PRONOUNS))
                if (len(key) > 1 and (key in plain or key in lay) and wordlist[i] not in STOP_WORDS
                        and wordlist[i + n - 1] not in STOP_WORDS  # "chest cold with" is "chest cold"
                        and wordlist[i] not in ranking.PRONOUNS and wordlist[i + n - 1] not in ranking.PRONOUNS):
                    phrase = " ".join(wordlist[i : i + n])
                    alts = [Alternative(phrase, word_fields(disable), 1.0, "word", f'phrase "{phrase}"',
                                        stems(phrase))]
                    alts += [
                        Alternative(term, descriptor_fields(disable), ranking.PLAIN_PHRASE_WEIGHT, "synonym",
                                    f'"{phrase}" means {term}', stems(term))
                        for term in plain.get(key, ())
                    ]
                    said = {stems(a.text) for a in alts}
                    for row in lay.get(key, ()):
                        if not row.is_form and stems(row.clinical) not in said:
                            said.add(stems(row.clinical))
                            alts.append(self._lay_alternative(phrase, row.clinical, ranking.LAY_PHRASE_WEIGHT))
                    if self.forms(key) and "lay" not in disable:
                        forms[len(exp.parts)] = self.forms(key)
                    if wordlist[i] in ranking.CLAUSE_WORDS and exp.parts and not exp.clause:
                        exp.clause = len(exp.parts)  # "wheelchair after stroke": the phrase is the clause
                    if regular.issuperset(range(i, i + n)):
                        regular_parts.append(len(exp.parts))
                    exp.parts.append(Part(phrase, alts, qualifying or often.issuperset(range(i, i + n))))
                    i += n
                    break
            else:
                word = wordlist[i]
                is_last = i == len(wordlist) - 1
                i += 1
                if word in ranking.QUALIFIER_WORDS and exp.parts and not (is_last and ends_open):
                    if not qualifying:
                        for_at = len(exp.parts)
                    qualifying = True  # what follows "for" qualifies the subject named before it
                cause = word in ranking.CAUSE_WORDS and bool(exp.parts) and not is_last
                if word in ranking.CLAUSE_WORDS and exp.parts and not is_last and not exp.clause:
                    exp.clause = len(exp.parts)
                if word in ranking.CLAUSE_ONLY_WORDS and exp.parts and not is_last:
                    continue
                if cause:
                    causes.append((len(exp.parts), word))  # the word's own part qualifies: not read
                if (word in ranking.LONG_TERM_WORDS and not is_last and not long_term
                        and all(w in ranking.LONG_TERM_LEADERS or w in ranking.PRONOUNS for w in wordlist[: i - 1])):
                    # A patient on a drug: read below, once the parts are known; "pt", "patient"
                    # before it are no part of the meaning.
                    exp.parts.clear()
                    forms.clear()
                    long_term = True
                    continue
                if word in ranking.PRONOUNS and len(wordlist) > 1 and (word != "i" or not is_last):
                    continue
                if punctuated.get(word) in ranking.NARRATIVE_SHORTHAND and len(wordlist) > 1:
                    continue
                rule_out = (punctuated.get(word) in ranking.RULE_OUT_SHORTHAND
                            or (word in ranking.RULE_OUT_VERBS and wordlist[i:i + 1] == ["out"]))
                if rule_out and exp.parts and i + (word in ranking.RULE_OUT_VERBS) < len(wordlist):
                    # "chest pain r/o MI": what is to be ruled out qualifies the complaint.
                    i += word in ranking.RULE_OUT_VERBS  # the "out" of "rule out"
                    qualifying = True
                    continue
                if word == ranking.PATIENT_ABBREVIATION and not is_last and (
                        wordlist[i] in ranking.PATIENT_NARRATIVE_NEXT
                        or punctuated.get(wordlist[i]) in ranking.NARRATIVE_SHORTHAND):
                    continue
                if i - 1 in relatives:
                    continue
                region = (ranking.SPINE_REGIONS.get(word) if wordlist[i:i + 1] == ["spine"]
                          and "abbreviations" not in disable else None)
                if region:  # "C-spine", "L spine", "LS spine": the region as the texts word it
                    exp.parts.append(Part(word, [Alternative(region, descriptor_fields(disable), 1.0, "abbreviation",
                                                             f'"{word} spine" means the {region} spine', stems(region))],
                                          qualifying or cause))
                    continue
                letter = len(word) == 1 and word.isalpha()
                # A letter names a type beside other words ("hepatitis C", "vitamin K", "strep a"),
                # spelt by the descriptors as typed; "a" is one only last, where no article stands.
                type_letter = (letter and word not in ranking.LETTERS_NOT_WORDS and word not in QUALIFIER_SHORTHAND
                               and len(wordlist) > 1 and (is_last or word not in STOP_WORDS))
                if word in STOP_WORDS and word not in abbreviations and not (is_last and ends_open) and not type_letter:
                    continue
                if type_letter and not stems(word):
                    # "hepatitis a", "influenza a": the index drops the letter "a" like the article,
                    # so no code text can match it; read its word alone (B15.9 "Hepatitis A …" is
                    # hepatitis's first code), not the letter as the start of "albuterol".
                    continue
                alts = ([Alternative(word, descriptor_fields(disable), 1.0, "word", f'word "{word}"', stems(word))]
                        if type_letter else [])
                if not letter:
                    alts = self.word_alternatives(word, disable=disable, typed=punctuated.get(word, ""))
                    for form in self.latin_numbers(word):  # "calculi" is the descriptors' "calculus"
                        said = {(a.text, a.fields) for a in alts}
                        alts += [a for a in self.word_alternatives(form, 1.0, f'"{word}" as {form}', disable)
                                 if (a.text, a.fields) not in said]
                if word.isdigit() and i - 1 not in doses and len(wordlist) > 1:
                    alts += self.range_alternatives(word)
                # "2nd degree" is the texts' second degree; "type one", "stage four" their Type 1, stage 4.
                numbered = i >= 2 and wordlist[i - 2] in ranking.NUMBERED_WORDS
                for number in (ranking.ORDINALS.get(word), numbered and ranking.NUMBER_WORDS.get(word),
                               numbered and ranking.ROMAN_NUMERALS.get(word)):
                    if number:
                        alts.append(Alternative(number, word_fields(disable), 1.0, "word", f'"{word}" as {number}',
                                                stems(number)))
                alts += self.removal_alternatives(word, disable)
                noun = ranking.BEFORE_TO_NOUNS.get(word)
                if noun and i < len(wordlist) and wordlist[i] == "to" and "lay" not in disable:
                    # "allergic to penicillin" is the allergy (status) to it: Z88.0.
                    alts.append(Alternative(noun, word_fields(disable), ranking.LAY_WORD_WEIGHT, "synonym",
                                            f'"{word} to" as {noun}', stems(noun)))
                shorthand = punctuated.get(word, word)
                if (shorthand in QUALIFIER_SHORTHAND and len(wordlist) > 1 and "abbreviations" not in disable
                        and not (QUALIFIER_SHORTHAND[shorthand] is PERSONAL_HISTORY and HISTORY_OWNERS & set(wordlist))):
                    alts += self._shorthand_alternatives(shorthand, disable)
                # An unfinished lower-case word that begins longer words is being typed ("asth").
                typing = (is_last and ends_open and word not in capitals
                          and self._begins_longer_word(word))
                # A lower-case word the texts do not have: another form, a clipped word, a typo...
                # A word in capitals is an acronym unless a typo of a known word; a word being
                # typed is completed below, and corrected only within the typo allowance.
                fixes: list[tuple[str, int]] = []
                if word.isdigit():
                    pass
                elif typing or word in capitals:
                    fixes = self.corrections(word)
                else:
                    readings, fixes = self._unknown_word(word, wordlist, is_last, disable)
                    alts += readings
                misspelt = word not in capitals and bool(fixes)
                if "abbreviations" not in disable and not typing and not misspelt and not type_letter:
                    alts += self.acronym_alternatives(word, word in capitals)
                if code_key(word) in code_prefix:
                    alts.append(Alternative(code_key(word), ("code",), 1.0, "code_prefix",
                                            f"code starts with {word.upper()}"))
                if not word.isdigit():
                    for fixed, dist in fixes:
                        weight = ranking.TYPO_WEIGHTS.get(dist, ranking.SOUND_ALIKE_WEIGHT)
                        exp.corrections.setdefault(word, fixed)
                        alts += [
                            Alternative(a.text, a.fields, a.weight * weight, "typo", a.why, a.highlight)
                            for a in self.word_alternatives(fixed, 1.0, f'did you mean "{fixed}"', disable)
                        ]
                    if is_last and ends_open and last_is_word and word not in abbreviations:
                        context = tuple(w for w in wordlist[:-1] if w not in STOP_WORDS)
                        for completion in self.completions(word, context):
                            weight = (ranking.PREFIX_BRAND_WEIGHT if completion in self.brand_words
                                      else ranking.PREFIX_WORD_WEIGHT)
                            alts.append(
                                Alternative(completion, word_fields(disable), weight, "prefix",
                                            f'"{word}…" completes to {completion}', stems(completion))
                            )
                        if len(word) >= 2:
                            alts += self.abbreviation_completions(word) if "abbreviations" not in disable else []
                if cause and word in ranking.AFTER_WORDS:
                    alts += [Alternative(w, descriptor_fields(disable), 1.0, "word", f'"{word}" as {w}', stems(w))
                             for w in ranking.AFTER_WORDINGS]
                alts += self.process_forms(alts)
                if alts:
                    if i - 1 in regular:
                        regular_parts.append(len(exp.parts))
                    word_forms = self.forms(stems(word)) or self.stem_forms(word) or self.organ_forms(alts)
                    if word_forms and "lay" not in disable:
                        forms[len(exp.parts)] = word_forms
                    # "toenail growing in": a stop word typed last after other parts is a particle
                    # or the start of a word ("knee gel in…"); its completions add to the score only.
                    particle = is_last and word in STOP_WORDS and not type_letter and bool(exp.parts)
                    exp.parts.append(Part(word, alts, qualifying or cause or word in ranking.QUALIFYING_LAY_WORDS
                                          or i - 1 in doses or i - 1 in often, letter=type_letter,
                                          aside=particle or is_aside(wordlist, i - 1)))
        if relatives and exp.parts and "lay" not in disable:
            text = ranking.FAMILY_HISTORY
            exp.parts.append(Part(text, [Alternative(text, descriptor_fields(disable), 1.0, "synonym",
                                                     "a relative had it: a family history", stems(text))]))
        for n, (start, word) in enumerate(causes):
            named = exp.parts[start: causes[n + 1][0] if n + 1 < len(causes) else len(exp.parts)]
            # The drug is the last word naming one ("blood pressure medicine"): read once, not per word.
            drug = next((p for p in reversed(named) if not p.qualifier and self.names_a_drug(p)), None)
            for part in named:
                part.alternatives += self.cause_alternatives(part, part is drug, word in ranking.AFTER_WORDS, disable)
        # An organ's noun read for an adjective the query also says itself is no second reading
        # of it: "cardiac rehab after heart attack" does not ask twice for the heart.
        typed = [set(stems(p.token)) for p in exp.parts]
        for n, part in enumerate(exp.parts):
            if any(a.kind == "organ" for a in part.alternatives):
                others = set().union(*(t for m, t in enumerate(typed) if m != n))
                part.alternatives = [a for a in part.alternatives
                                     if a.kind != "organ" or not others.issuperset(stems(a.text))]
        self._compose(exp.parts, forms)
        self._join(exp.parts, disable)
        visit_frame(exp.parts, for_at)
        used = [] if long_term else self._regularly_used(exp.parts, regular_parts)
        if "lay" not in disable:
            self._indicated(exp.parts, disable)
            self._classed(exp.parts, disable, long_term or bool(used))
        if long_term:
            self._long_term_use(exp.parts, disable)
        elif used:
            self._long_term_use(used, disable)
        return exp

    def _regularly_used(self, parts: list[Part], regular: list[int]) -> list[Part]:
        """The parts naming a drug beside words saying it is taken regularly
        (:data:`ranking.REGULAR_USE_WORDS`: "insulin user", "aspirin every day"), which then
        qualify; none when no other part names a drug."""
        if not regular or len(regular) == len(parts):
            return []
        drugs = [p for n, p in enumerate(parts) if n not in regular and not p.qualifier and self.is_drug(p)]
        if drugs:
            for n in regular:
                parts[n].qualifier = True
        return drugs

    def is_drug(self, part: Part) -> bool:
        """Whether a part names a drug: a drug or class word (:meth:`names_a_drug`), a drug of
        corpus/drug_classes.tsv, an FDA brand, or a generic or brand the crosswalk names."""
        token = part.token.lower()
        return (self.names_a_drug(part) or stems(token) in self.drug_classes
                or any(row.kind == FDA_BRAND for row in self.lay.get(stems(token), ()))
                or bool(self.index.linked("generic", token) or self.index.linked("brand", token)))

    @staticmethod
    def _long_term_use(parts: list[Part], disable: frozenset[str]) -> None:
        """A patient "on" a drug takes it now: each reading of the words after "on" is also the
        long-term (current) use of it, whole in one field ("on blood thinners": "long term current
        use anticoagulant", Z79.01). A reading no such text says adds nothing ("on dialysis")."""
        for part in parts:
            said = {stems(a.text) for a in part.alternatives}
            for a in list(part.alternatives):
                if a.kind not in ranking.LONG_TERM_READINGS:
                    continue
                text = f"{ranking.LONG_TERM_USE} {a.text}"
                if stems(text) not in said:
                    said.add(stems(text))
                    part.alternatives.append(Alternative(
                        text, descriptor_fields(disable), a.weight, "long_term",
                        f'"on" {a.text}: its long-term (current) use', stems(text)))

    def _classed(self, parts: list[Part], disable: frozenset[str], long_term: bool) -> None:
        """Where ICD-10-CM names drugs by class — beside a word for what a drug did
        (:data:`ranking.DRUG_EFFECT_WORDS`), after "on" — a drug also reads as its classes
        (corpus/drug_classes.tsv): "lorazepam overdose" → benzodiazepine, T42.4X1A. Not as a
        cause ("cough from lisinopril"): there the adverse effect, not the class's poisoning, is meant,
        and :meth:`cause_alternatives` reads it."""
        effect = any(p.token in ranking.DRUG_EFFECT_WORDS and not p.qualifier for p in parts)  # not after "for"
        if not self.drug_classes or not (long_term or effect):
            return
        for part in parts:
            have = {stems(a.text) for a in part.alternatives}
            # The drug as typed, as the generic of an FDA brand ("xanax" is alprazolam) or as the
            # words of the codes a crosswalk brand bills under ("ativan": J2060 "Injection, lorazepam").
            names = [part.token] + [row.clinical for row in self.lay.get(stems(part.token), ()) if row.kind == FDA_BRAND]
            for code in self.index.linked("brand", part.token.lower())[:ranking.MAX_BRAND_CODES]:
                names += [w for w in words(self.index.get(code).long) if stems(w) in self.drug_classes]
            for name in names:
                for cls in self.drug_classes.get(stems(name), ()):
                    if stems(cls) not in have:
                        have.add(stems(cls))
                        part.alternatives.append(Alternative(
                            cls, descriptor_fields(disable), ranking.DRUG_CLASS_WEIGHT, "synonym",
                            f"{name} is a drug of the class {cls}", stems(cls)))

    def _indicated(self, parts: list[Part], disable: frozenset[str]) -> None:
        """Beside a word that says "a drug" (:data:`ranking.INDICATION_DRUG_WORDS`), a condition
        also reads as the drugs labelled for it: "infusion for crohns" → infliximab, vedolizumab."""
        drug_words = [p for p in parts if p.token in ranking.INDICATION_DRUG_WORDS]
        if not drug_words or not self.indications:
            return
        found: dict[tuple[int, int], tuple[str, list[str]]] = {}
        for i in range(len(parts)):
            for j in range(i + 1, min(i + ranking.INDICATION_MAX_WORDS, len(parts)) + 1):
                run = parts[i:j]
                if any(p in drug_words for p in run):
                    break
                keys = [stems(" ".join(p.token for p in run))]
                if j == i + 1:
                    keys += [stems(a.text) for a in run[0].alternatives if a.kind not in ("prefix", "code_prefix")]
                for key in keys:
                    if key in self.indications:
                        found[i, j] = (" ".join(p.token for p in run), self.indications[key])
                        break
        # The longest reading wins: "rheumatoid arthritis", not "arthritis" alone.
        chosen = [(i, j) for (i, j) in found
                  if not any(a <= i and j <= b and (a, b) != (i, j) for (a, b) in found)]
        for i, j in chosen:
            condition, drugs = found[i, j]
            alts = [Alternative(d, descriptor_fields(disable), ranking.INDICATION_WEIGHT, "indication",
                                f'"{condition}" is treated with {d}', stems(d)) for d in drugs]
            for part in [*parts[i:j], *drug_words]:
                have = {stems(a.text) for a in part.alternatives}
                part.alternatives += [a for a in alts if stems(a.text) not in have]

    def _unknown_word(self, word: str, wordlist: list[str], is_last: bool,
                      disable: frozenset[str]) -> tuple[list[Alternative], list[tuple[str, int]]]:
        """What a finished word the texts do not have may be, first reading that applies:
        another form of a known word ("dehydrated" → dehydration), a word cut short before
        others ("pulmonary rehab copd"), a misspelling within the typo allowance ("exema"), two
        words run together ("jetlag") or a word spelled by its sound ("sirosis"), both when both
        apply ("diarea": "dia rea", diarrhea). Returns the
        alternatives and the typo corrections (added, and reported, by the caller)."""
        variants = self.variants(word) if "lay" not in disable else []
        if variants:
            return [Alternative(a.text, a.fields, a.weight * ranking.VARIANT_WEIGHT, "synonym",
                                f'"{word}" as {variant}', a.highlight)
                    for variant in variants for a in self.word_alternatives(variant, 1.0, "", disable)[:1]], []
        if (not is_last and word.isalpha() and self._begins_longer_word(word)
                and (len(word) >= ranking.MIN_CLIPPED and not self.known(word)
                     or len(word) >= ranking.MIN_CMS_CLIPPED and self.clipped_by_cms(word))):
            context = tuple(w for w in wordlist if w != word and w not in STOP_WORDS)
            return [Alternative(c, word_fields(disable), ranking.PREFIX_WORD_WEIGHT, "prefix",
                                f'"{word}" is short for {c}', stems(c))
                    for c in self.completions(word, context)[:ranking.MAX_CLIPPED]], []
        fixes = self.corrections(word)
        if fixes:
            return [], fixes
        joined = self.split_joined(word)
        if joined is not None:  # and a word it sounds like: "diarea" is no "dia rea" but diarrhea
            return [Alternative(joined, word_fields(disable), ranking.JOINED_WEIGHT, "typo",
                                f'"{word}" as "{joined}"', stems(joined))], self.sounds_like(word)
        return [], self.sounds_like(word)

    def clipped_by_cms(self, word: str) -> bool:
        """Whether ``word`` is known only as CMS clips it in HCPCS short descriptors ("diab",
        "periph"), not as an abbreviation or lay word with readings of its own ("chemo")."""
        return word in self.short_clips and word not in self.abbreviations and word not in self.plain_words

    def range_alternatives(self, number: str) -> list[Alternative]:
        """The descriptors' ranges holding ``number`` ("BMI 42" → "40.0-44.9"), narrowest first."""
        value = int(number)
        held = sorted((high - low, text) for low, high, text in self.ranges if low <= value <= high)
        return [Alternative(text, DESCRIPTOR_FIELDS, ranking.RANGE_WEIGHT, "synonym", f"{number} is within {text.replace(' ', '-')}",
                            tuple(text.split()))
                for _span, text in held[:ranking.MAX_RANGES]]

    def split_joined(self, word: str) -> str | None:
        """An unknown word that is two known words run together ("jetlag" → "jet lag"), the
        commonest reading, or None. Each word has 3 letters or more and is no stop word."""
        if len(word) < 2 * ranking.MIN_JOINED_PART or not word.isalpha() or self.known(word):
            return None
        best, best_count = None, 0
        for at in range(ranking.MIN_JOINED_PART, len(word) - ranking.MIN_JOINED_PART + 1):
            left, right = word[:at], word[at:]
            if left in STOP_WORDS or right in STOP_WORDS:
                continue
            count = min(self.vocab.get(left, 0), self.vocab.get(right, 0))
            if count > best_count:
                best, best_count = f"{left} {right}", count
        return best

    def _join(self, parts: list[Part], disable: frozenset[str]) -> None:
        """Two one-word parts that together spell a known word ("heart burn" → heartburn,
        "wheel chair" → wheelchair) each take that word as one more alternative; a letter and
        the word after it that together are an abbreviation of the map ("c diff" → Cdiff,
        "g tube" → G-tube, "e coli" → E.coli) each take its senses, at half weight each."""
        for a, b in zip(parts, parts[1:]):
            key = abbreviation_key(a.token + b.token)
            if (len(a.token) == 1 and a.token.isalpha() and key in self.abbreviations
                    and "abbreviations" not in disable):
                for alt in self.abbreviation_alternatives(key, ranking.JOINED_SHARE):
                    for part in (a, b):
                        if alt not in part.alternatives:
                            part.alternatives.append(alt)
            joined = a.token + b.token
            if (a.token.isalpha() and b.token.isalpha() and joined in self.vocab
                    and len(joined) >= 2 * ranking.MIN_JOINED_PART):
                alt = Alternative(joined, word_fields(disable), ranking.JOINED_WEIGHT * ranking.JOINED_SHARE, "typo",
                                  f'"{a.token} {b.token}" as {joined}', stems(joined))
                for part in (a, b):
                    if alt not in part.alternatives:
                        part.alternatives.append(alt)

    def _join_article_letter(self, wordlist: list[str], abbreviations) -> list[str]:
        """"a fib" as the abbreviation afib: the letter a and the word after it joined when
        together they are an abbreviation of the map and the word is no abbreviation itself and
        next to no word of the texts (:data:`ranking.ARTICLE_LETTER_MAX_COUNT`), so that the a
        is no article ("a bp cuff", "a cold" stay as typed). :meth:`_join` reads the other
        letters spaced from their word ("c diff"); a, an article, it drops before reaching it."""
        if "a" not in wordlist[:-1]:
            return wordlist
        out: list[str] = []
        skip = False
        for w, after in zip(wordlist, wordlist[1:] + [""]):
            if skip:
                skip = False
                continue
            if (w == "a" and after and "a" + after in abbreviations and after not in abbreviations
                    and self.vocab.get(after, 0) <= ranking.ARTICLE_LETTER_MAX_COUNT):
                out.append("a" + after)
                skip = True
            else:
                out.append(w)
        return out

    def _plural_abbreviation(self, token: str, abbreviations) -> bool:
        """Whether ``token`` is an abbreviation with a plural s ("TIAs", "MIs"): capitals before
        a lower-case s, or a word the texts do not have whose singular is an abbreviation."""
        key = abbreviation_key(token)
        if len(key) < 3 or not token.isalpha() or not token.endswith("s") or key[:-1] not in abbreviations:
            return False
        return token[:-1].isupper() or not self.known(key)

    def suggest(self, query: str) -> str | None:
        """A respelling of the query from known words, offered when nothing matched."""
        out, changed = [], False
        for token in TOKEN_RE.findall(normalize_query(query)):
            word = token.lower()
            if self.known(word) or not word.isalpha() or len(word) < 3:
                out.append(token)
                continue
            span = max(3, len(word) // 3)
            # Similar enough is at most (1 - SUGGEST_SIMILARITY) edits per letter of the longer
            # word; one edit more is allowed, so that rounding never leaves a candidate out.
            pool = self._pool(word, span, lambda n: (1 - SUGGEST_SIMILARITY) * max(len(word), n) + 1)
            found = process.extract(word, pool, scorer=OSA.normalized_similarity, score_cutoff=SUGGEST_SIMILARITY,
                                    limit=10)
            if found:
                # Nearest first; among equals, brand names, then the most common word.
                best = min(found, key=lambda f: (-round(f[1], 6), f[0] not in self.brand_words,
                                                 -self.vocab.get(f[0], 0), f[0]))
                out.append(best[0])
                changed = True
            else:
                out.append(token)
        return " ".join(out) if changed else None


_DOSE_RE = re.compile(r"^([0-9]+)([a-z]+)$")


def dose_words(wordlist: list[str]) -> set[int]:
    """The places in ``wordlist`` of a dose: a number and the unit after it ("500 mg", "1 gram",
    "1000 cc"), or both in one word ("500mg"); see :data:`codesearch.ranking.DOSE_UNITS`."""
    found = set()
    for i, word in enumerate(wordlist):
        glued = _DOSE_RE.match(word)
        if glued and glued.group(2) in ranking.DOSE_UNITS:
            found.add(i)
        elif word in ranking.DOSE_UNITS and i > 0 and wordlist[i - 1].isdigit():
            found.add(i)
            j = i - 1
            while j >= 0 and wordlist[j].isdigit():  # "3 375 g": 3.375 split at its point
                found.add(j)
                j -= 1
    return found


def word_fields(disable: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """The fields a query word is searched in, without those of switched-off sources."""
    dropped = {ranking.SOURCE_FIELDS[s] for s in disable if s in ranking.SOURCE_FIELDS}
    return tuple(f for f in WORD_FIELDS if f not in dropped) if dropped else WORD_FIELDS


def descriptor_fields(disable: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """The descriptor fields a synonym is searched in, without those of switched-off sources."""
    return tuple(f for f in DESCRIPTOR_FIELDS if f in word_fields(disable))


#: Acronyms are 2-6 letters; one letter per content word of a phrase.
ACRONYM_LENGTHS = (2, 6)
#: Words an acronym's initials usually skip ("restless legs syndrome" → RLS; "Mild cognitive
#: impairment of uncertain etiology" → MCI, a whole term cut at "of").
ACRONYM_FUNCTION_WORDS = frozenset({
    "of", "and", "with", "without", "in", "the", "to", "due", "for", "by", "on", "or", "a", "an", "at",
    "from", "as",
})
#: Words no acronym spells: a descriptor's qualifiers ("Other obsessive-compulsive disorder").
ACRONYM_BREAK_WORDS = frozenset({
    "other", "unspecified", "specified", "nos", "nec", "not", "elsewhere", "classified", "i", "ii", "iii", "iv",
})
_SEGMENT_RE = re.compile(r"[,;:]|\s-\s")
_SEGMENT_WORD_RE = re.compile(r"[A-Za-z0-9']+")
_ASIDE_RE = re.compile(r"[(\[]([^()\[\]]*)[)\]]")


#: A word of the texts that begins with a combining form followed by another word of the texts
#: gives both parts' initials as a second reading ("sensorineural hearing loss" → SNHL,
#: "polymyalgia rheumatica" → PMR). Combining forms: a Greek form ending in the linking vowel o
#: of at least four letters (cardio-, gastro-; not pro-, myo-), a Latin form ending in the linking
#: vowel i that is a word plus the i (sensor-i-) or begins at least COMPOUND_MIN_FAMILY such
#: compounds (peri-, anti-, multi-; not termi-nation), and the number prefixes.
COMPOUND_NUMBER_PREFIXES = frozenset({"uni", "mono", "bi", "di", "tri", "poly", "multi"})
COMPOUND_MIN_REST = 5
COMPOUND_MIN_FAMILY = 3


def compound_initials(vocabulary: Iterable[str]) -> dict[str, str]:
    """Word → the initials of its two parts, for the words of ``vocabulary`` that are a combining
    form followed by another word of it (the shortest such form: "bilateral" → bi + lateral)."""
    known = {w for w in vocabulary if len(w) >= COMPOUND_MIN_REST}
    forms = {w: [w[:i] for i in range(2, len(w) - COMPOUND_MIN_REST + 1) if w[i - 1] in "oiy" and w[i:] in known]
             for w in known}
    family = Counter(form for candidates in forms.values() for form in candidates)

    def combining(form: str) -> bool:
        if form in COMPOUND_NUMBER_PREFIXES:
            return True
        if form[-1] == "o":
            return len(form) >= 4
        return form[-1] == "i" and len(form) >= 3 and (form[:-1] in known or family[form] >= COMPOUND_MIN_FAMILY)

    out = {}
    for w, candidates in forms.items():
        form = next((f for f in candidates if combining(f)), None)
        if form:
            out[w] = form[0] + w[len(form)]
    return out


def _initials(run: list[str], compounds: dict[str, str]) -> dict[str, bool]:
    """The initials a run of words spells, each word by its first letter or a compound by its
    parts' (:func:`compound_initials`), and whether those initials split a compound."""
    if not any(w in compounds for w in run):
        return {"".join(w[0] for w in run): False}
    keys = {"": False}
    for w in run:
        keys = {key + letters: split or letters != w[0] for key, split in keys.items()
                for letters in {w[0], compounds.get(w, w[0])}}
    return keys


def _acronym_phrases(segment: str, prose: set[str], breaks: frozenset[str] = frozenset(),
                     terms_only: bool = False, compounds: dict[str, str] | None = None):
    """(initials, phrase, is a whole term, skips or spells a function word, splits a compound)
    of one text segment.

    Phrases are runs of words between qualifiers, digits and ``breaks`` (abbreviations, which
    spell no initial), with and without the segment's bracketed asides ("Nonrheumatic mitral
    (valve) prolapse" → MVP), that start the segment or end it or end its head (the words before
    the first function word); only those that start the segment and end it or its head when
    ``terms_only``. Hyphens split words ("non-Hodgkin lymphoma" → NHL), and so do ``compounds``
    (:func:`compound_initials`) as a second reading. Words the segment writes in lower case, other
    than ``breaks``, are added to ``prose``.
    """
    lo, hi = ACRONYM_LENGTHS
    compounds = compounds or {}
    for text in {_ASIDE_RE.sub(" ", segment), _ASIDE_RE.sub(r" \1 ", segment)}:
        typed = _SEGMENT_WORD_RE.findall(text.replace("-", " ").replace("/", " "))
        prose.update(w.lower() for w in typed if not w.isupper() and w.lower() not in breaks)
        chunks, chunk = [], []
        for w in [w.lower() for w in typed] + ["other"]:
            if w in ACRONYM_BREAK_WORDS or w in breaks or not w.replace("'", "").isalpha():
                chunks.append(chunk)
                chunk = []
            else:
                chunk.append(w)
        for ch in chunks:
            while ch and ch[0] in ACRONYM_FUNCTION_WORDS:
                ch = ch[1:]
            while ch and ch[-1] in ACRONYM_FUNCTION_WORDS:
                ch = ch[:-1]
            head = next((i for i, w in enumerate(ch) if w in ACRONYM_FUNCTION_WORDS), len(ch))
            ends = {len(ch), head}
            spans = {(start, end) for end in ends for start in range(min(1, end - 1) if terms_only else end - 1)}
            if not terms_only:  # the start of a term, within its head: a phrase cut inside
                # what follows a function word names nothing ("rheumatoid vasculitis with rheumatoid")
                spans.update((0, end) for end in range(2, head))
            for start, end in spans:
                run = ch[start:end]
                if run[0] in ACRONYM_FUNCTION_WORDS or run[-1] in ACRONYM_FUNCTION_WORDS:
                    continue
                content = [w for w in run if w not in ACRONYM_FUNCTION_WORDS]
                if not lo <= len(content) <= hi:
                    continue
                phrase, term, skips = " ".join(run), start == 0 and end in ends, len(content) < len(run)
                for key, split in _initials(content, compounds).items():
                    if len(key) <= hi:
                        yield key, phrase, term, skips, split
                if skips and len(run) <= hi:
                    for key, split in _initials(run, compounds).items():
                        if len(key) <= hi:
                            yield key, phrase, term, True, split


#: HCPCS descriptors' own shorthand, read as a break between phrases: "(s)" plurals, "e.g."
#: and "i.e." lists, and single letters ("w/", "vitamin b", "type ii") other than the article.
_HCPCS_SHORTHAND_RE = re.compile(r"\(s\)|\b(?:e\.g|i\.e|etc)\b\.?|\b[b-z]\b", re.IGNORECASE)


def acronym_table(records, abbreviations: Iterable[str] = ()) -> tuple[dict[str, list[list]], list[str]]:
    """Acronym → its phrases in the ICD-10-CM and HCPCS texts with relative weights, and the
    acronyms that are also words of those texts (matched only when typed in capitals).

    Each distinct segment (between commas, semicolons and colons) of the ICD-10-CM descriptors and
    inclusion terms, and of the HCPCS long descriptors (not modifiers), is read once; a phrase scores
    the segments holding it, each by 1 + log2 of the code families holding the segment (ICD-10-CM
    three-character categories, HCPCS codes' first three characters; not codes: encounter and
    trimester subcodes would count one term many times), more as a whole term and less when its
    initials skip a function word (:data:`codesearch.ranking.ACRONYM_TERM_BONUS`).

    HCPCS descriptors write abbreviations in lower case ("electrical nerve stimulation (tens)"):
    there a word of ``abbreviations`` (the abbreviation map's keys) that the ICD-10-CM texts never
    write in lower case is an abbreviation, which spells no initial and is no prose word.
    """
    held: dict[str, dict[str, set[str]]] = {SYSTEM_ICD10CM: defaultdict(set), SYSTEM_HCPCS: defaultdict(set)}
    for r in records:  # system → segment → the code families (A01, E07) holding it
        if r.system == SYSTEM_ICD10CM:
            texts = (r.long, *r.synonyms)
        elif r.system == SYSTEM_HCPCS and r.kind == "code" and r.status == "active" and not ranking.is_measurement(r):
            texts = (_HCPCS_SHORTHAND_RE.sub(";", r.long).split(",")[0],)  # the name, before the first comma
        else:
            continue
        for text in texts:
            for seg in _SEGMENT_RE.split(text):
                held[r.system][seg.strip()].add(r.code[:3])
    compounds = compound_initials({w.lower() for segments in held.values() for seg in segments
                                   for w in _SEGMENT_WORD_RE.findall(seg)})
    score: dict[tuple[str, str], float] = defaultdict(float)
    prose: set[str] = set()
    breaks: frozenset[str] = frozenset()
    for system in (SYSTEM_ICD10CM, SYSTEM_HCPCS):  # ICD-10-CM first: its prose tells HCPCS's abbreviations
        if system == SYSTEM_HCPCS:
            breaks = frozenset(abbreviations) - prose
        for segment, families in held[system].items():
            for key, phrase, term, skips, split in _acronym_phrases(segment, prose, breaks, system == SYSTEM_HCPCS,
                                                                    compounds):
                score[key, phrase] += ((ranking.ACRONYM_TERM_BONUS if term else 1.0)
                                       * (ranking.ACRONYM_SKIP_PENALTY if skips else 1.0)
                                       * (ranking.ACRONYM_COMPOUND_PENALTY if split else 1.0)
                                       * (1.0 + math.log2(len(families))))
    by_key: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for (key, phrase), points in score.items():
        if points >= ranking.ACRONYM_MIN_SCORE:
            by_key[key].append((points, phrase))
    table = {}
    for key, found in by_key.items():
        found.sort(key=lambda f: (-f[0], f[1]))
        best = found[0][0]
        table[key] = [[phrase, round(points / best, 3)] for points, phrase in found[:ranking.MAX_ACRONYM_SENSES]]
    return table, sorted(k for k in table if k in prose)


_RANGE_RE = re.compile(r"(?<![\d.])(\d{1,3}(?:\.\d)?)\s*-\s*(\d{1,3}(?:\.\d)?)(?![\d.])")


def number_ranges(records) -> list[list]:
    """The number ranges the descriptors state ("Body mass index [BMI] 40.0-44.9, adult",
    "Glasgow coma scale score 9-12"): [low, high, the range's two words], spans of at most
    :data:`codesearch.ranking.MAX_RANGE_SPAN`, by low end."""
    found = set()
    for r in records:
        for m in _RANGE_RE.finditer(r.long):
            low, high = float(m.group(1)), float(m.group(2))
            # Ends of two characters or more: the range's two words are searched in one field, not
            # as a phrase, and one-digit words ("1", "4") are in too many descriptors to say a range.
            if 0 < high - low <= ranking.MAX_RANGE_SPAN and min(len(m.group(1)), len(m.group(2))) > 1:
                found.add((low, high, f"{m.group(1)} {m.group(2)}"))
    return [list(f) for f in sorted(found)]


#: The readings of a part after a cause word that say what it names: the word as typed, its
#: synonyms, abbreviations and corrections (not the completions of an unfinished word).
CAUSE_READING_KINDS = frozenset({"word", "synonym", "abbreviation", "typo"})
#: How ICD-10-CM's "Adverse effect of …" codes begin: the words after it name the drug.
_ADVERSE_EFFECT = "Adverse effect of "


def drug_words(records) -> list[str]:
    """Words that name a drug or drug class (see :data:`codesearch.ranking.DRUG_WORD_SHARE`):
    those of the drugs ICD-10-CM's "Adverse effect of …" codes (T36-T50) name that its codes use
    there at least half as often as elsewhere ("opioids", "diuretics", "antibiotics"), and those
    of the HCPCS drug codes (the ASP crosswalk's, with NDCs) no other HCPCS code uses ("amiodarone", "ceftriaxone")."""
    named: set[str] = set()
    inside: Counter[str] = Counter()
    outside: Counter[str] = Counter()
    hcpcs_drug: set[str] = set()
    hcpcs_other: set[str] = set()
    for r in records:
        if r.system == SYSTEM_ICD10CM:
            said = set(words(r.long)).union(*(words(s) for s in r.synonyms))
            (inside if "T36" <= r.code[:3] <= "T50" else outside).update(said)
            if r.long.startswith(_ADVERSE_EFFECT):
                named.update(words(r.long[len(_ADVERSE_EFFECT):]))
        elif r.system == SYSTEM_HCPCS:
            said = set(words(r.long))
            if r.products:
                hcpcs_drug.update(said.union(*(words(p.drug_name) for p in r.products)))
            else:
                hcpcs_other.update(said)
    icd = {w for w in named if inside[w] >= ranking.DRUG_WORD_SHARE * outside[w]}
    return sorted(w for w in icd | (hcpcs_drug - hcpcs_other) if w.isalpha() and w not in STOP_WORDS)


def drug_class_index(lexicon) -> dict[tuple[str, ...], list[str]]:
    """A drug's name, stemmed, → the classes ICD-10-CM names it by (corpus/drug_classes.tsv)."""
    out: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for drug, cls in lexicon.drug_classes:
        out[stems(drug)].append(cls)
    return dict(out)


def indication_index(lexicon) -> dict[tuple[str, ...], list[str]]:
    """A label's condition, stemmed (and without a closing "disease" or "disorders"), → its drugs."""
    out: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for condition, drug in lexicon.indications:
        ws = condition.split()
        readings = [condition]
        if len(ws) > 1 and ws[-1] in ranking.INDICATION_GENERAL_ENDINGS:
            readings.append(" ".join(ws[:-1]))
        for reading in readings:
            if drug not in out[stems(reading)]:
                out[stems(reading)].append(drug)
    return dict(out)


_FRAME_SEGMENT_RE = re.compile(r"[^,;:?!]+")


def query_frame(text: str, typing: bool = False) -> tuple[str, bool, list[str]]:
    """``text`` less the words asking for a code (:data:`ranking.FRAME_CORE`: "code for
    shingles", "what do I bill for…", "…, what dx"), and whether its last words were such words.
    A single letter before "code" ("j code for …") goes with it; with ``typing`` (the last word
    is unfinished), so does a last word beginning a frame word after one ("code fo").
    ``text`` itself when nothing or everything would be dropped. Last, the words dropped."""
    frame = ranking.FRAME_WORDS
    spans: list[tuple[int, int]] = []
    dropped: list[str] = []
    segments = list(_FRAME_SEGMENT_RE.finditer(text))
    for s_no, segment in enumerate(segments):
        found = list(TOKEN_RE.finditer(segment.group()))
        words = [m.group().lower().replace("-", "") for m in found]
        last_typed = typing and s_no == len(segments) - 1 and segment.end() == len(text) and words
        if (last_typed and len(words) > 1 and words[-1] not in frame and words[-2] in frame
                and any(f.startswith(words[-1]) for f in frame)):
            # "code fo", "…, what c": a frame word being typed continues the frame (as a filler:
            # it makes no run a frame of its own).
            words[-1] = "for"
        n = 0
        while n < len(words):
            if words[n] not in frame:
                n += 1
                continue
            m = n
            while m < len(words) and words[m] in frame:
                m += 1
            run = words[n:m]
            edge = n == 0 or m == len(words)
            if any(w in ranking.FRAME_CORE for w in run) or (edge and any(w in ranking.FRAME_QUESTIONS for w in run)):
                start = n - 1 if n > 0 and len(words[n - 1]) == 1 and words[n].startswith("code") else n
                spans.append((segment.start() + found[start].start(), segment.start() + found[m - 1].end()))
                dropped += words[n:m] + ([words[start] + words[n]] if start < n else [])  # "j code": "jcode"
            n = m
    if not spans:
        return text, False, []
    kept, at = [], 0
    for start, end in spans:
        kept.append(text[at:start])
        at = end
    kept.append(text[at:])
    left = " ".join(" ".join(kept).split())
    if not TOKEN_RE.search(left):
        return text, False, []
    return left, not TOKEN_RE.search(text[spans[-1][1]:]), dropped


def regular_use_positions(wordlist: Sequence[str]) -> set[int]:
    """The positions of the words saying a drug is taken regularly (:data:`ranking.REGULAR_USE_WORDS`,
    :data:`ranking.REGULAR_USE_PAIRS`), when some other word is there."""
    found = {n for n, w in enumerate(wordlist) if w in ranking.REGULAR_USE_WORDS}
    found |= {m for n in range(len(wordlist) - 1) if tuple(wordlist[n : n + 2]) in ranking.REGULAR_USE_PAIRS
              for m in (n, n + 1)}
    return found if len(found) < len(wordlist) else set()


def visit_frame(parts: list[Part], for_at: int) -> None:
    """"ER visit for pink eye", "office visit for back pain", "follow up visit for diabetes": the
    visit (:data:`ranking.VISIT_WORDS`) is the occasion and what follows "for" its subject — the
    parts before ``for_at`` become asides and those after it no qualifiers. Nothing otherwise."""
    if not 0 < for_at < len(parts):
        return
    before = parts[:for_at]
    if not all(words(p.token) and set(words(p.token)) <= ranking.VISIT_WORDS for p in before):
        return
    if not any(set(words(p.token)) & ranking.VISIT_NOUNS for p in before):
        return
    for p in before:
        p.aside = True
    for p in parts[for_at:]:
        p.qualifier = False


def is_aside(wordlist: Sequence[str], n: int) -> bool:
    """Whether the word at ``n`` says who or which way (:data:`ranking.ASIDE_WORDS`: a word for
    the person, a verb's particle). Wherever it stands: read only last or before a stop word, the
    particles gained one judged query and lost three blind ones, and "down syndrome" lists Q90.9
    first either way. A price is one only before "of" (:data:`ranking.PRICE_WORDS`), "unspecified"
    only after other words (:data:`ranking.UNSPECIFIED_WORDS`), a word for the patient's age
    group or sex only as the one a narrative goes on about (:data:`ranking.PERSON_GROUP_WORDS`:
    "elderly man with a broken hip")."""
    return (wordlist[n] in ranking.ASIDE_WORDS
            or (wordlist[n] in ranking.PRICE_WORDS and wordlist[n + 1: n + 2] == ["of"])
            or (wordlist[n] in ranking.UNSPECIFIED_WORDS and n > 0)
            or (wordlist[n] in ranking.PERSON_GROUP_WORDS and _narrative_follows(wordlist, n + 1)))


def _narrative_follows(wordlist: Sequence[str], n: int) -> bool:
    """Whether, past any more words for the person ("elderly man"), a narrative goes on at ``n``
    ("… with", "… has", "… w/"): :data:`ranking.PATIENT_NARRATIVE_NEXT`."""
    while n < len(wordlist) and wordlist[n] in ranking.PERSON_GROUP_WORDS:
        n += 1
    return n < len(wordlist) - 1 and wordlist[n] in ranking.PATIENT_NARRATIVE_NEXT


def family_history_positions(wordlist: Sequence[str]) -> set[int]:
    """The positions of a relative and the verb saying the relative had a condition
    (:data:`ranking.RELATIVES`, :data:`ranking.PAST_CONDITION_WORDS`: "mom had breast cancer",
    "my dad died of lung cancer"), when a word follows the verb; none otherwise."""
    for n, word in enumerate(wordlist):
        if word not in ranking.RELATIVES:
            continue
        for m in range(n + 1, min(n + 3, len(wordlist) - 1)):
            if wordlist[m] in ranking.PAST_CONDITION_WORDS:
                # "died of", "passed away from": the word after the verb is no part either.
                after = wordlist[m] in ("died", "passed") and wordlist[m + 1] in ("of", "from", "away")
                return {n, m, m + 1} if after else {n, m}
    return set()


def age_positions(wordlist: Sequence[str]) -> dict[int, str | None]:
    """The positions of the words saying the patient's age (:data:`ranking.AGE_UNITS`: "5 year
    old", "two year old", "6 month old", "2 yo", "7 y/o") and the person's word after it ("45 yo
    male"), each mapped to None but the first, mapped to
    the word the age reads as (:data:`ranking.AGE_WORDS`; None for an adult), when some other word is there."""
    found: dict[int, str | None] = {}
    for n, word in enumerate(wordlist[:-1]):
        word = ranking.NUMBER_WORDS.get(word, word)
        if not word.isdigit() or n in found:
            continue
        unit, rest = wordlist[n + 1], wordlist[n + 2: n + 4]
        if unit in ranking.AGE_ABBREVIATIONS:
            span, kind = 2, "year"
        elif unit == "y" and rest[:1] == ["o"]:
            span, kind = 3, "year"
        elif unit in ranking.AGE_UNITS and rest[:1] == ["old"]:
            span, kind = 3, ranking.AGE_UNITS[unit]
        else:
            continue
        adult = kind == "year" and int(word) >= ranking.AGE_ADULT
        if wordlist[n + span: n + span + 1] and wordlist[n + span] in ranking.AGE_PERSON_WORDS:
            span += 1  # "45 yo male": the person the age is said of (:data:`ranking.AGE_PERSON_WORDS`)
        found.update(dict.fromkeys(range(n + 1, n + span)))
        found[n] = None if adult else ranking.AGE_WORDS[kind]
    return found if len(found) < len(wordlist) else {}


def frequency_positions(wordlist: Sequence[str]) -> set[int]:
    """The positions of the words saying how often (:data:`ranking.FREQUENCY_LEADS`: "every 3
    months", "once a week", "4 times a day"), when some other word is there."""
    found: set[int] = set()
    for n, word in enumerate(wordlist):
        lead = word in ranking.FREQUENCY_LEADS or (
            word.isdigit() and n + 1 < len(wordlist) and wordlist[n + 1] in ("times", "x"))
        if not lead:
            continue
        for m in range(n + 1, min(n + 5, len(wordlist))):
            if wordlist[m] in ranking.FREQUENCY_UNITS:
                found.update(range(n, m + 1))
                break
            if not (wordlist[m] in ranking.FREQUENCY_FILLERS or wordlist[m].isdigit()):
                break
    return found if len(found) < len(wordlist) else set()


_COMPOUND_RE = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)+")


def hyphenated_compounds(records) -> dict[str, str]:
    """Words the code texts write hyphenated, by their letters run together: "followup" →
    follow-up, "antiinflammatory" → anti-inflammatory, "nonsteroidal" → non-steroidal (Z79.1
    says "non-steroidal", T39.39- "nonsteroidal"); the commonest spelling of each."""
    seen: dict[str, Counter[str]] = defaultdict(Counter)
    for record in records:
        for text in (record.short, record.long, *record.synonyms):
            if "-" not in text:
                continue
            for compound in _COMPOUND_RE.findall(text):
                seen[compound.lower().replace("-", "")][compound.lower()] += 1
    return {joined: forms.most_common(1)[0][0] for joined, forms in sorted(seen.items())}


def expander_tables(records, lexicon, vocab: dict[str, int]) -> dict:
    """The expander's word lists, computed once at build time rather than in every process."""
    plain_words = sorted(
        {w for _, phrase in lexicon.plain for w in words(phrase)}
        | {w for row in lexicon.lay for w in words(row.lay) if w.isalpha()}
    )
    abbreviation_keys = {a.key for a in lexicon.abbreviations}
    acronyms, acronym_words = acronym_table(records, abbreviation_keys)
    candidates = [
        w for w in sorted(set(vocab) | abbreviation_keys | set(plain_words))
        if len(w) >= MIN_TYPO_LENGTH - 1 and w.isalpha()
    ]
    sounds: dict[str, list[str]] = defaultdict(list)
    for w in candidates:
        if len(w) >= MIN_TYPO_LENGTH:
            sounds[sound_key(w)].append(w)
    return {
        "ranges": number_ranges(records),
        "sounds": sounds,
        "acronyms": acronyms,
        "acronym_words": acronym_words,
        "plain": [[list(key), terms] for key, terms in plain_index(lexicon).items()],
        "plain_words": plain_words,
        "brand_words": sorted({w for r in records for b in r.brands for w in words(b)}),
        "drug_words": drug_words(records),
        "candidates": candidates,
        "organ_nouns": organ_nouns(records),
        "compounds": hyphenated_compounds(records),
        "short_clips": short_clips(records),
    }


def short_clips(records) -> list[str]:
    """Words only HCPCS short descriptors have, which CMS clips to fit 28 characters ("Diab shoe
    for density insert", "Periph", "Elev"): no long descriptor or ICD-10-CM text has them, so a
    query typing one before other words is clipping a word too, not naming those few codes."""
    full: set[str] = set()
    short: set[str] = set()
    for record in records:
        full.update(words(record.long))
        for text in record.synonyms:
            full.update(words(text))
        (short if record.system == SYSTEM_HCPCS else full).update(words(record.short))
    return sorted(w for w in short - full if w.isalpha())


def organ_nouns(records) -> dict[str, list[str]]:
    """An organ's adjective → the nouns ICD-10-CM names the organ by (:data:`ranking.ORGAN_ADJECTIVE_ENDINGS`):
    "esophageal" → esophagus, "ovarian" → ovary; built from the ICD-10-CM descriptors, the
    nouns from those of neoplasms and injuries by site (:data:`ranking.ORGAN_SITE_CODES`)."""
    of_nouns: Counter[str] = Counter()
    adjectives: set[str] = set()
    for r in records:
        if r.system != "ICD10CM":
            continue
        text = r.long.lower()
        adjectives.update(w for w in words(text) if w.endswith(ranking.ORGAN_ADJECTIVE_ENDINGS))
        if r.code.startswith(ranking.ORGAN_SITE_CODES):
            of_nouns.update(m.group(1) for m in _OF_NOUN_RE.finditer(text))
    nouns = sorted(n for n, count in of_nouns.items() if count >= ranking.ORGAN_MIN_OF
                   and not n.endswith(ranking.ORGAN_ADJECTIVE_ENDINGS))
    out: dict[str, list[str]] = {}
    for adjective in sorted(adjectives):
        ending = next(e for e in ranking.ORGAN_ADJECTIVE_ENDINGS if adjective.endswith(e))
        root = adjective[: -len(ending)]
        # A noun shares the root, or all of it but its last letter, and ORGAN_MIN_ROOT letters at
        # least: only the nouns beginning so are compared (one range of the sorted nouns).
        start = adjective[: max(ranking.ORGAN_MIN_ROOT, len(root) - 1)]
        for noun in nouns[bisect_left(nouns, start): bisect_right(nouns, start + "\uffff")]:
            shared = len(os.path.commonprefix([adjective, noun]))
            if shared < ranking.ORGAN_MIN_ROOT or noun == adjective or shared < len(root) - 1:
                continue
            rest = noun[shared:]
            if shared < len(root) and not (root[shared:] in ("c", "g") and rest in ("x", "ix")):
                continue  # a root's last letter changes only as in cervi-c-al, cervi-x
            if rest == "s" and shared <= ranking.ORGAN_MIN_ROOT:
                continue  # a plural's "s" ends no Latin noun of a four-letter root: "partial" is no "parts"
            if rest in ranking.ORGAN_NOUN_ENDINGS or (not rest and shared >= ranking.ORGAN_MIN_BARE):
                out.setdefault(adjective, []).append(noun)
    return out


_OF_NOUN_RE = re.compile(r"\bof (?:the )?(?:(?:right|left|unspecified|bilateral|other|upper|lower) )*([a-z]+)")


def expander_for(index) -> Expander:
    """The (cached) expander of an index build."""
    if index.expander is None:
        index.expander = Expander(index)
    return index.expander


def load_expander(index) -> Expander:
    """The expander of an index build with every side file read now, the acronym table too
    (which a command reads only when a query needs it): a server's choice, so that a file
    damaged on disk later cannot fail a worker that already holds what it needs."""
    expander = expander_for(index)
    _ = expander.acronyms  # read now
    return expander


def expand(index, query: str, prefix: bool = True, disable: frozenset[str] = frozenset(),
           phrases: bool = True) -> Expansion:
    """Expand ``query`` against ``index``; the last word is a prefix unless ``prefix`` is false.

    ``disable`` names sources (:data:`codesearch.ranking.SOURCES`) to leave out, for ablation.
    With ``phrases`` false, no words are read together as a plain-language or lay phrase: each is
    a part of its own (the reading a search falls back to when a phrase's meanings match nothing).
    """
    return expander_for(index).expand(query, prefix, frozenset(disable), phrases)
