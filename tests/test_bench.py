"""The benchmark library on the tiny index: shapes of the results, not thresholds."""

from __future__ import annotations

import shutil

import math
import sys

import pytest

from benchmarks.bench import (
    BenchReport,
    SqlitePeer,
    compare_engines,
    fts5_query,
    keystrokes,
    peer_documents,
    render_markdown,
    run_bench,
)
from codesearch.evaluate import Judgement

JUDGEMENTS = [
    Judgement("brand", "octagam", frozenset({"J1568"})),
    Judgement("code", "J9271", frozenset({"J9271"})),
    Judgement("words", "immune globulin", frozenset({"J1566", "J1568", "J1569"})),
]


def _percentiles_present(lat) -> None:
    for name in ("p50", "p95", "p99", "max"):
        value = getattr(lat, name)
        assert math.isfinite(value) and value >= 0, name
    assert lat.p50 <= lat.p99 <= lat.max


def test_keystrokes_are_every_prefix():
    """Each query contributes one keystroke per character, in typing order."""
    assert keystrokes(["ab", "c d"]) == ["a", "ab", "c", "c ", "c d"]


def test_fts5_query_never_passes_syntax():
    """User text becomes quoted prefix terms ANDed; operators and quotes stay text."""
    assert fts5_query('octa NEAR("x" OR y*') == '"octa"* AND "near"* AND "x"* AND "or"* AND "y"*'
    assert fts5_query("  -*) ") == ""


def test_run_bench_on_tiny_index(tiny_settings, tiny_index, monkeypatch):
    """The whole run on the tiny corpus: percentiles, no errors, metrics in [0, 1], Markdown sections."""
    monkeypatch.setenv("CODESEARCH_LEXICON_DIR", str(tiny_settings.lexicon_dir))
    report = run_bench(tiny_settings, tiny_index, duration=0.5, judgements=JUDGEMENTS)
    assert isinstance(report, BenchReport)
    assert report.keystrokes == len(keystrokes(j.query for j in JUDGEMENTS))
    for lat in (report.inprocess, report.http.latency):
        assert lat.n == report.keystrokes and lat.errors == 0
        _percentiles_present(lat)
    assert [r.clients for r in report.throughput] == [1, 8, 32]
    # wrk when installed (as .ci/run does), else the Python-thread client.
    assert {r.tool for r in report.throughput} == {"wrk" if shutil.which("wrk") else "python threads"}
    for run in report.throughput:
        assert run.errors == 0 and run.requests > 0 and run.rps > 0
        assert 0 <= run.p50 <= run.p99
    assert report.build.wall_s > 0 and report.build.peak_rss_mb > 0 and report.build.index_mb > 0
    assert report.build.records == len(tiny_index.records)
    assert len(report.workers) == 2 and all(w.rss_mb > 0 for w in report.workers)
    names = [e.name for e in report.engines]
    assert names[:2] == ["codesearch", "SQLite FTS5"] and "tantivy" in names
    for e in report.engines:
        if not e.available:
            assert e.name == "tantivy" and e.reason
            continue
        _percentiles_present(e.latency)
        for value in (e.metrics.hit1, e.metrics.hit5, e.metrics.mrr10):
            assert 0 <= value <= 1
        assert e.metrics.queries == len(JUDGEMENTS)
    text = render_markdown(report, "codesearch bench --duration 0.5")
    for heading in ("## 1. Keystroke replay", "## 2. Throughput", "## 3. Build and memory", "## 4. Peers",
                    "## Targets", "`codesearch bench --duration 0.5`"):
        assert heading in text


def test_missing_tantivy_is_reported(tiny_settings, tiny_index, monkeypatch):
    """Without tantivy the peers table says why instead of failing."""
    monkeypatch.setitem(sys.modules, "tantivy", None)  # makes `import tantivy` raise ImportError
    engines = compare_engines(tiny_index, tiny_settings, keystrokes(["octa"]), JUDGEMENTS)
    tantivy = next(e for e in engines if e.name == "tantivy")
    assert not tantivy.available and "tantivy" in tantivy.reason
    assert all(e.available for e in engines if e.name != "tantivy")


def test_sqlite_peer_finds_a_brand(tiny_settings):
    """The FTS5 peer indexes crosswalk drug names and matches word prefixes."""
    peer = SqlitePeer(peer_documents(tiny_settings))
    try:
        assert peer.search("octa")[:1] == ["J1568"]
        assert peer.search("keytr")[:1] == ["J9271"]
        assert peer.search('"') == []
    finally:
        peer.close()


@pytest.fixture(autouse=True)
def _no_stray_codesearch_env(monkeypatch):
    """Keep the developer's CODESEARCH_* variables out of these tests."""
    for name in ("CODESEARCH_DATA_DIR", "CODESEARCH_INDEX_DIR", "CODESEARCH_HCPCS_FILE", "CODESEARCH_CROSSWALK_FILE"):
        monkeypatch.delenv(name, raising=False)


def test_write_report_keeps_hand_written_sections(tmp_path):
    """Rewriting the report replaces the generated part and keeps what follows KEEP_MARKER."""
    from benchmarks.bench import KEEP_MARKER, write_report

    path = tmp_path / "docs" / "benchmarks.md"
    write_report(path, "# first")
    assert path.read_text(encoding="utf-8") == "# first\n"
    path.write_text(f"# first\n\n{KEEP_MARKER}\n## Cold start\nbefore/after\n", encoding="utf-8")
    write_report(path, "# second\n")
    assert path.read_text(encoding="utf-8") == f"# second\n\n{KEEP_MARKER}\n## Cold start\nbefore/after\n"
