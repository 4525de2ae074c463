"""The one place that defines the index schema and text analysis (field weights: :mod:`codesearch.ranking`)."""

from __future__ import annotations

import re
from functools import lru_cache

from whoosh import fields
from whoosh.analysis import STOP_WORDS, RegexTokenizer, LowercaseFilter, StemmingAnalyzer
from whoosh.lang.porter import stem

from codesearch.ranking import FIELD_BOOSTS  # the BM25F field weights, with the rest of the policy

#: Bumped whenever fields, analysis or the build's files change; an index of another version is rebuilt.
SCHEMA_VERSION = 31

#: Tokens are runs of letters and digits; hyphens and punctuation split words.
TOKEN_PATTERN = r"[A-Za-z0-9]+(?:\.[0-9]+)?"

STEMMED = StemmingAnalyzer(expression=TOKEN_PATTERN, minsize=1)
EXACT = RegexTokenizer(expression=TOKEN_PATTERN) | LowercaseFilter()


#: The fields a word of the query is searched in.
WORD_FIELDS = ("short", "long", "synonyms", "brand", "plain", "category")


def build_schema() -> fields.Schema:
    """The Whoosh schema of the code index.

    No field stores positions (``phrase=False``): multi-word alternatives are matched as
    all-words-in-field, and leaving positions out halves the indexing time at 80,000 codes.
    """
    return fields.Schema(
        code=fields.ID(stored=True, unique=True, sortable=True),
        system=fields.ID,
        kind=fields.ID,
        status=fields.ID,
        section=fields.ID,
        short=fields.TEXT(analyzer=STEMMED, phrase=False, field_boost=FIELD_BOOSTS["short"]),
        long=fields.TEXT(analyzer=STEMMED, phrase=False, field_boost=FIELD_BOOSTS["long"]),
        synonyms=fields.TEXT(analyzer=STEMMED, phrase=False, field_boost=FIELD_BOOSTS["synonyms"]),
        brand=fields.TEXT(analyzer=EXACT, phrase=False, field_boost=FIELD_BOOSTS["brand"]),
        abbrev=fields.KEYWORD(lowercase=True, commas=True, field_boost=FIELD_BOOSTS["abbrev"]),
        plain=fields.TEXT(analyzer=STEMMED, phrase=False, field_boost=FIELD_BOOSTS["plain"]),
        category=fields.TEXT(analyzer=STEMMED, phrase=False, field_boost=FIELD_BOOSTS["category"]),
        ndc=fields.KEYWORD(commas=True),
    )


_TOKEN = re.compile(TOKEN_PATTERN)
_COMMA_PARTS = re.compile(r"[^,]+")
_MIN_SIZE = 1  # as STEMMED: one-character words ("type 2", "hepatitis C", "vitamin K") are kept
_STEMS: dict[str, str] = {}  # word → stem; bounded like StemmingAnalyzer's own cache
_STEM_CACHE_SIZE = 100_000


def stem_tokens(text: str) -> list[str]:
    """The tokens :data:`STEMMED` gives for ``text``, computed without Whoosh's token pipeline.

    The build hands these lists to Whoosh (a list bypasses a field's analyser) and scores the
    same lists, so each field of each document is analysed once; tests check the lists equal
    :data:`STEMMED`'s tokens on every descriptor of the real files.
    """
    out = []
    for match in _TOKEN.findall(text):
        word = match.lower()
        if len(word) < _MIN_SIZE or word in STOP_WORDS:
            continue
        stemmed = _STEMS.get(word)
        if stemmed is None:
            if len(_STEMS) >= _STEM_CACHE_SIZE:
                _STEMS.clear()
            stemmed = _STEMS[word] = stem(word)
        out.append(stemmed)
    return out


def exact_tokens(text: str) -> list[str]:
    """The tokens :data:`EXACT` gives for ``text`` (lowercase, nothing dropped)."""
    return [match.lower() for match in _TOKEN.findall(text)]


def keyword_tokens(text: str) -> list[str]:
    """The tokens of a ``KEYWORD(lowercase=True, commas=True)`` field: runs between commas, stripped."""
    return [part.strip().lower() for part in _COMMA_PARTS.findall(text)]


@lru_cache(maxsize=65536)
def stems(text: str) -> tuple[str, ...]:
    """The stemmed tokens of ``text``, as the descriptor fields index them."""
    return tuple(stem_tokens(text))


@lru_cache(maxsize=65536)
def words(text: str) -> tuple[str, ...]:
    """The lowercase, unstemmed tokens of ``text`` (stop words kept)."""
    return tuple(exact_tokens(text))


def abbreviation_key(text: str) -> str:
    """Normalise an abbreviation for matching: lowercase, without dots, dashes, slashes or spaces."""
    return "".join(ch for ch in text.lower() if ch.isalnum())
