"""Per-term BM25F score table, precomputed at build time beside the Whoosh index.

Whoosh holds the index; scoring a keystroke by walking its posting lists in pure Python
took up to hundreds of milliseconds for short prefixes that expand to common words. The
build therefore scores every posting of the searchable fields once, with Whoosh's own BM25F
(field boosts included), from the same token lists it hands to Whoosh's writer, and stores the
result as flat, memory-mappable arrays. A query is then a handful of vectorised additions over
the documents.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import dataclass, field
from itertools import chain
from math import log
from pathlib import Path

import numpy as np
from whoosh.scoring import BM25F
from whoosh.util.numeric import byte_to_length, length_to_byte

from codesearch.schema import FIELD_BOOSTS

SCORED_FIELDS = tuple(FIELD_BOOSTS)  # brand, abbrev, short, long, category, plain
TABLE_FILES = {name: f"scores_{name}.npy" for name in ("docs", "scores", "offsets", "terms", "codes")}
TERMS_FILE = "scores_fields.json"
EMPTY = (np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32))


def write_score_table(folder: Path, codes: list[str], documents: list[dict], schema) -> None:
    """Score every term of the searchable fields of ``documents`` into ``folder``.

    ``documents`` are the build's documents in build order (document number = position, code
    ``codes[i]``), each searchable field a list of tokens exactly as handed to Whoosh (a list
    bypasses a field's analyser), so the table holds what Whoosh indexed without reading it back.
    Scores are Whoosh's BM25F for ``schema``'s fields: ``whoosh.scoring.bm25`` with the idf
    ``log(N / (df + 1)) + 1``, the field's average length over all documents, the document's field
    length as Whoosh stores it (one byte, :func:`whoosh.util.numeric.length_to_byte`), B and K1 of
    ``BM25F()``, and the field boost in the term frequency; a field Whoosh does not score by length
    (``KEYWORD``) scores the posting weight, as Whoosh's ``WeightScorer`` does.
    ``tests/test_scores.py`` checks the table against Whoosh's own scorer on the built index.
    """
    weighting = BM25F()
    k1, b = weighting.K1, weighting.B
    n_docs = len(documents)
    doc_chunks: list[np.ndarray] = []
    score_chunks: list[np.ndarray] = []
    keys: list[str] = []
    offsets = [0]
    for fieldname in SCORED_FIELDS:
        field = schema[fieldname]
        token_lists = [doc.get(fieldname) or () for doc in documents]
        lengths = np.fromiter(map(len, token_lists), dtype=np.int64, count=n_docs)
        flat = list(chain.from_iterable(token_lists))
        terms = sorted(set(flat))  # code-point order, as Whoosh's lexicon (UTF-8 byte order)
        term_id = {term: i for i, term in enumerate(terms)}
        # One (term, document) pair per token; counting equal pairs gives each posting's frequency,
        # sorted by term and then by document.
        pairs = np.fromiter(map(term_id.__getitem__, flat), dtype=np.int64, count=len(flat)) * n_docs
        pairs += np.repeat(np.arange(n_docs, dtype=np.int64), lengths)
        pairs, freq = np.unique(pairs, return_counts=True)
        term_of, docs = np.divmod(pairs, n_docs)
        df = np.bincount(term_of, minlength=len(terms))
        # Whoosh keeps a posting's weight (frequency × field boost) as a 32-bit float.
        tf = (freq * float(field.format.field_boost)).astype(np.float32).astype(np.float64)
        if field.scorable:
            stored = np.array([byte_to_length(length_to_byte(int(n))) for n in range(int(lengths.max(initial=0)) + 1)],
                              dtype=np.float64)
            avgfl = (lengths.sum() / (n_docs or 1)) or 1
            idf = np.array([log(n_docs / (int(n) + 1)) + 1 for n in df], dtype=np.float64)[term_of]
            fl = stored[lengths[docs]]
            scores = idf * ((tf * (k1 + 1)) / (tf + k1 * ((1 - b) + b * fl / avgfl)))
        else:
            scores = tf
        doc_chunks.append(docs.astype(np.int32))
        score_chunks.append(scores.astype(np.float32))
        keys += [f"{fieldname}\t{term}" for term in terms]
        offsets += (offsets[-1] + np.cumsum(df)).tolist()
    save_table(folder, codes, keys, offsets, doc_chunks, score_chunks)


def save_table(folder: Path, codes: list[str], keys: list[str], offsets: list[int],
               doc_chunks: list[np.ndarray], score_chunks: list[np.ndarray]) -> None:
    """Write the table: uncompressed ``.npy`` arrays (memory-mapped when opened) and the field ranges.

    ``keys`` are ``field\tterm`` in field order and, within a field, in code-point order, with
    ``offsets`` bounding each term's postings.
    """
    fields: dict[str, list[int]] = {}
    for i, key in enumerate(keys):
        fieldname = key.split("\t", 1)[0]
        fields.setdefault(fieldname, [i, i])[1] = i + 1
    terms = [k.split("\t", 1)[1] for k in keys]
    for fieldname, (start, end) in fields.items():
        if terms[start:end] != sorted(terms[start:end]):
            raise ValueError(f"score table terms of field {fieldname} are not in order")
    arrays = {
        "docs": np.concatenate(doc_chunks).astype(np.int32) if doc_chunks else np.zeros(0, dtype=np.int32),
        "scores": np.concatenate(score_chunks).astype(np.float32) if score_chunks else np.zeros(0, dtype=np.float32),
        "offsets": np.asarray(offsets, dtype=np.int64),
        "terms": np.array(terms, dtype=str) if terms else np.zeros(0, dtype="<U1"),
        "codes": np.array(codes, dtype=str),
    }
    for name, array in arrays.items():
        np.save(Path(folder) / TABLE_FILES[name], array, allow_pickle=False)
    (Path(folder) / TERMS_FILE).write_text(json.dumps({"fields": fields}), encoding="utf-8")


@dataclass
class ScoreTable:
    """Posting lists with precomputed scores, and the code of each document number.

    Every array is memory-mapped: opening the table reads no postings, and processes that
    open the same build share its pages.
    """

    docs: np.ndarray
    scores: np.ndarray
    offsets: np.ndarray
    terms: np.ndarray  # each field's terms, in code-point order
    fields: dict[str, tuple[int, int]]  # field → (first, end) index into terms
    codes: np.ndarray
    _found: OrderedDict = field(default_factory=OrderedDict, repr=False)

    @classmethod
    def load(cls, folder: Path) -> ScoreTable:
        # Plain ndarray views of the maps: slicing a np.memmap costs a Python call per slice.
        arrays = {name: np.load(Path(folder) / file, mmap_mode="r", allow_pickle=False).view(np.ndarray)
                  for name, file in TABLE_FILES.items()}
        meta = json.loads((Path(folder) / TERMS_FILE).read_text(encoding="utf-8"))
        fields = {f: (int(a), int(b)) for f, (a, b) in meta["fields"].items()}
        offsets, docs = arrays["offsets"], arrays["docs"]
        if (len(offsets) != len(arrays["terms"]) + 1 or (len(offsets) and offsets[-1] != len(docs))
                or len(docs) != len(arrays["scores"])):
            raise ValueError("score table arrays disagree in length")
        return cls(docs, arrays["scores"], offsets, arrays["terms"], fields, arrays["codes"])

    @property
    def size(self) -> int:
        return len(self.codes)

    def find(self, fieldname: str, term: str) -> int | None:
        """The row of ``term`` in ``fieldname``, or None (a binary search, remembered)."""
        key = (fieldname, term)
        if key in self._found:
            return self._found[key]
        span = self.fields.get(fieldname)
        row = None
        if span is not None:
            start, end = span
            i = start + int(np.searchsorted(self.terms[start:end], term))
            row = i if i < end and self.terms[i] == term else None
        if len(self._found) > 100_000:
            self._found.popitem(last=False)  # the oldest: one entry freed at a time, never a pause to free them all
        self._found[key] = row
        return row

    def postings(self, fieldname: str, term: str) -> tuple[np.ndarray, np.ndarray]:
        """(document numbers, BM25F scores) of a term, sorted by document number."""
        i = self.find(fieldname, term)
        if i is None:
            return EMPTY
        start, end = self.offsets[i], self.offsets[i + 1]
        return self.docs[start:end], self.scores[start:end]
