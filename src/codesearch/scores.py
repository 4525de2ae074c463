"""Per-term BM25F score table, precomputed from the Whoosh index at build time.

Whoosh holds the index; scoring a keystroke by walking its posting lists in pure Python
took up to hundreds of milliseconds for short prefixes that expand to common words. The
build therefore reads every posting of the searchable fields once, scores it with Whoosh's
own BM25F (field boosts included), and stores the result as flat, memory-mappable arrays. A query is then a
handful of vectorised additions over ~9,000 documents.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from codesearch.schema import FIELD_BOOSTS

SCORED_FIELDS = tuple(FIELD_BOOSTS)  # brand, abbrev, short, long, category, plain
TABLE_FILES = {name: f"scores_{name}.npy" for name in ("docs", "scores", "offsets", "terms", "codes")}
TERMS_FILE = "scores_fields.json"
EMPTY = (np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32))


def _postings(matcher) -> tuple[list[int], list[float]]:
    """All (document number, weight) pairs of a Whoosh posting list, a block at a time."""
    ids: list[int] = []
    weights: list[float] = []
    if hasattr(matcher, "_read_ids") and hasattr(matcher, "_read_weights"):
        # Whoosh's own leaf matcher decodes a block at once; reading whole blocks avoids
        # a Python call per posting (the build's slowest step at 80,000 codes).
        while matcher.is_active():
            matcher._read_ids()
            matcher._read_weights()
            ids.extend(matcher._ids)
            weights.extend(matcher._weights)
            matcher._next_block()
        return ids, weights
    while matcher.is_active():  # any other matcher: one posting at a time
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return ids, weights


def _leaf_postings(leaves, fieldname: str, text: str) -> tuple[np.ndarray, np.ndarray]:
    """(document numbers, weights) of a term over every segment, numbered as the whole index."""
    ids: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    for reader, base in leaves:
        if (fieldname, text) in reader:
            i, w = _postings(reader.postings(fieldname, text))
            ids.append(np.asarray(i, dtype=np.int32) + base)
            weights.append(np.asarray(w, dtype=np.float64))
    if not ids:
        return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float64)
    return np.concatenate(ids), np.concatenate(weights)


def write_score_table(ix, folder: Path, codes: list[str] | None = None) -> list[str]:
    """Score every posting of the searchable fields of Whoosh index ``ix`` into ``folder``;
    returns the code of each document number.

    With ``codes`` (every code, in the order the build numbers its documents), postings are
    renumbered from Whoosh's document numbers (which depend on how its writers split the
    work) to positions in ``codes``; without, Whoosh's numbering is kept.

    Scores are Whoosh's BM25F (``whoosh.scoring.bm25`` with the searcher's idf, average
    field length, B and K1; field boosts are in the posting weights), vectorised per term.
    """
    doc_chunks: list[np.ndarray] = []
    score_chunks: list[np.ndarray] = []
    keys: list[str] = []
    offsets = [0]
    total = 0
    with ix.searcher() as searcher:
        reader = searcher.reader()
        n_docs = reader.doc_count_all()
        leaves = reader.leaf_readers()  # one per segment: a build written by several processes has several
        whoosh_codes = [reader.stored_fields(n)["code"] for n in range(n_docs)]
        if codes is None:
            codes, renumber = whoosh_codes, None
        else:
            position = {code: i for i, code in enumerate(codes)}
            if len(position) != n_docs or set(whoosh_codes) != set(position):
                raise ValueError("the Whoosh index and the records hold different codes")
            renumber = np.array([position[c] for c in whoosh_codes], dtype=np.int32)
        for fieldname in SCORED_FIELDS:
            lengths = np.array(
                [reader.doc_field_length(n, fieldname, 1) for n in range(n_docs)], dtype=np.float64
            )
            for btext in reader.lexicon(fieldname):
                text = btext.decode("utf-8") if isinstance(btext, bytes) else btext
                scorer = searcher.weighting.scorer(searcher, fieldname, text)
                docs, tf = _leaf_postings(leaves, fieldname, text)
                if hasattr(scorer, "idf") and hasattr(scorer, "avgfl"):
                    fl = lengths[docs]
                    k1, b = scorer.K1, scorer.B
                    scores = scorer.idf * ((tf * (k1 + 1)) / (tf + k1 * ((1 - b) + b * fl / scorer.avgfl)))
                else:  # unscorable field types fall back to Whoosh's scorer
                    m = searcher.postings(fieldname, text)
                    scores = []
                    while m.is_active():
                        scores.append(scorer.score(m))
                        m.next()
                scores = np.asarray(scores, dtype=np.float32)
                if renumber is not None:
                    docs = renumber[docs]
                    order = np.argsort(docs, kind="stable")
                    docs, scores = docs[order], scores[order]
                doc_chunks.append(docs)
                score_chunks.append(scores)
                total += len(docs)
                keys.append(f"{fieldname}\t{text}")
                offsets.append(total)
    save_table(folder, codes, keys, offsets, doc_chunks, score_chunks)
    return codes


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
