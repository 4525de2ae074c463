"""Per-term BM25F score table, precomputed from the Whoosh index at build time.

Whoosh holds the index; scoring a keystroke by walking its posting lists in pure Python
took up to hundreds of milliseconds for short prefixes that expand to common words. The
build therefore reads every posting of the searchable fields once, scores it with Whoosh's
own BM25F (field boosts included), and stores the result as flat arrays. A query is then a
handful of vectorised additions over ~9,000 documents.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from codesearch.schema import FIELD_BOOSTS

SCORED_FIELDS = tuple(FIELD_BOOSTS)  # brand, abbrev, short, long, category, plain
TABLE_FILE = "scores.npz"
TERMS_FILE = "scores_terms.json"
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


def write_score_table(ix, folder: Path) -> None:
    """Score every posting of the searchable fields of Whoosh index ``ix`` into ``folder``.

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
        codes = [reader.stored_fields(n)["code"] for n in range(n_docs)]
        for fieldname in SCORED_FIELDS:
            lengths = np.array(
                [reader.doc_field_length(n, fieldname, 1) for n in range(n_docs)], dtype=np.float64
            )
            for btext in reader.lexicon(fieldname):
                text = btext.decode("utf-8") if isinstance(btext, bytes) else btext
                scorer = searcher.weighting.scorer(searcher, fieldname, text)
                ids, weights = _postings(searcher.postings(fieldname, text))
                docs = np.asarray(ids, dtype=np.int32)
                tf = np.asarray(weights, dtype=np.float64)
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
                doc_chunks.append(docs)
                score_chunks.append(np.asarray(scores, dtype=np.float32))
                total += len(docs)
                keys.append(f"{fieldname}\t{text}")
                offsets.append(total)
    np.savez(
        folder / TABLE_FILE,
        docs=np.concatenate(doc_chunks) if doc_chunks else np.zeros(0, dtype=np.int32),
        scores=np.concatenate(score_chunks) if score_chunks else np.zeros(0, dtype=np.float32),
        offsets=np.asarray(offsets, dtype=np.int64),
    )
    (folder / TERMS_FILE).write_text(json.dumps({"keys": keys, "codes": codes}), encoding="utf-8")


@dataclass
class ScoreTable:
    """Posting lists with precomputed scores, and the code of each document number."""

    docs: np.ndarray
    scores: np.ndarray
    offsets: np.ndarray
    index: dict[tuple[str, str], int]
    codes: list[str]

    @classmethod
    def load(cls, folder: Path) -> ScoreTable:
        # Open the file ourselves: np.load leaves its own handle open when the zip is damaged.
        with (folder / TABLE_FILE).open("rb") as fh, np.load(fh) as data:
            docs, scores, offsets = data["docs"], data["scores"], data["offsets"]
        meta = json.loads((folder / TERMS_FILE).read_text(encoding="utf-8"))
        index = {tuple(k.split("\t", 1)): i for i, k in enumerate(meta["keys"])}
        if len(offsets) != len(index) + 1 or offsets[-1] != len(docs) or len(docs) != len(scores):
            raise ValueError("score table arrays disagree in length")
        return cls(docs, scores, offsets, index, meta["codes"])

    @property
    def size(self) -> int:
        return len(self.codes)

    def postings(self, fieldname: str, term: str) -> tuple[np.ndarray, np.ndarray]:
        """(document numbers, BM25F scores) of a term, sorted by document number."""
        i = self.index.get((fieldname, term))
        if i is None:
            return EMPTY
        start, end = self.offsets[i], self.offsets[i + 1]
        return self.docs[start:end], self.scores[start:end]
