"""The precomputed score table equals Whoosh's own BM25F scorer, posting for posting."""

from __future__ import annotations

from whoosh import index as whoosh_index

import codesearch.build
from codesearch.build import build_index
from codesearch.index import current_build
from codesearch.scores import SCORED_FIELDS, ScoreTable


def test_table_matches_whoosh_scorer(tiny_settings, tiny_index):
    """Every term of every scored field: same documents, same scores as Whoosh's BM25F."""
    assert _check_against_whoosh(current_build(tiny_settings.index_dir)) > 100


def test_table_matches_whoosh_written_by_several_processes(tiny_settings, monkeypatch):
    """A build whose Whoosh index two processes wrote (two segments, their own numbering): same scores."""
    monkeypatch.setattr(codesearch.build, "PARALLEL_FROM", 1)
    monkeypatch.setattr(codesearch.build, "MAX_PROCS", 2)
    monkeypatch.setattr(codesearch.build.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(codesearch.build, "WRITER_BATCH", 2)
    build_index(tiny_settings)
    build = current_build(tiny_settings.index_dir)
    ix = whoosh_index.open_dir(str(build))
    try:
        assert len(ix.reader().leaf_readers()) >= 2
    finally:
        ix.close()
    assert _check_against_whoosh(build) > 100


def test_table_matches_whoosh_on_the_real_files(real_index):
    """The real build (every system, two writing processes): every 25th term of each field, same scores."""
    assert _check_against_whoosh(real_index.build, every=25) > 50_000


def _check_against_whoosh(build, every: int = 1) -> int:
    """Compare the table with Whoosh's scorer term by term (every ``every``-th); returns the postings checked."""
    table = ScoreTable.load(build)
    ix = whoosh_index.open_dir(str(build))
    checked = 0
    try:
        with ix.searcher() as searcher:
            for fieldname in SCORED_FIELDS:
                for i, btext in enumerate(searcher.reader().lexicon(fieldname)):
                    if i % every:
                        continue
                    text = btext.decode("utf-8")
                    scorer = searcher.weighting.scorer(searcher, fieldname, text)
                    m = searcher.postings(fieldname, text)
                    docs, scores = table.postings(fieldname, text)
                    # Documents compared by code: the table numbers them in build order.
                    ours = {str(table.codes[d]): float(s) for d, s in zip(docs, scores)}
                    theirs = {}
                    while m.is_active():
                        theirs[searcher.stored_fields(m.id())["code"]] = scorer.score(m)
                        m.next()
                    assert ours.keys() == theirs.keys()
                    for code, score in theirs.items():
                        assert abs(ours[code] - score) < 1e-4 * max(1.0, score)
                    assert list(docs) == sorted(docs)
                    checked += len(theirs)
    finally:
        ix.close()
    return checked
