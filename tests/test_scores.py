"""The precomputed score table equals Whoosh's own BM25F scorer, posting for posting."""

from __future__ import annotations

from whoosh import index as whoosh_index

from codesearch.index import current_build
from codesearch.scores import SCORED_FIELDS, ScoreTable


def test_table_matches_whoosh_scorer(tiny_settings, tiny_index):
    """Every term of every scored field: same documents, same scores as Whoosh's BM25F."""
    build = current_build(tiny_settings.index_dir)
    table = ScoreTable.load(build)
    ix = whoosh_index.open_dir(str(build))
    checked = 0
    try:
        with ix.searcher() as searcher:
            for fieldname in SCORED_FIELDS:
                for btext in searcher.reader().lexicon(fieldname):
                    text = btext.decode("utf-8")
                    scorer = searcher.weighting.scorer(searcher, fieldname, text)
                    m = searcher.postings(fieldname, text)
                    docs, scores = table.postings(fieldname, text)
                    i = 0
                    while m.is_active():
                        assert docs[i] == m.id()
                        assert abs(float(scores[i]) - scorer.score(m)) < 1e-4 * max(1.0, scorer.score(m))
                        i += 1
                        m.next()
                    assert i == len(docs)
                    checked += i
    finally:
        ix.close()
    assert checked > 100
