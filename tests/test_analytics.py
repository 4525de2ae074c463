"""Search analytics: normalization, the SQLite store, retention, the prefix rule and `codesearch misses`."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta

import pytest
from click.testing import CliRunner

from codesearch.analytics import AnalyticsStore, normalize_query, passed_through
from codesearch.cli import cli
from codesearch.errors import ConfigError

DAY = date(2026, 3, 10)


def store_at(path, day=DAY, retention_days=90) -> AnalyticsStore:
    """A store whose clock says ``day`` and that writes only when flushed."""
    return AnalyticsStore(path, retention_days, flush_seconds=3600, today=lambda: day)


def rows(path) -> list[tuple]:
    with sqlite3.connect(path) as db:
        return db.execute("SELECT day, query, searches, zero, opened, opened_first FROM query_days "
                          "ORDER BY day, query").fetchall()


@pytest.mark.parametrize("text, expected", [
    ("  Octagam   IVIG ", "octagam ivig"),
    ("HIGH\tblood\npressure", "high blood pressure"),
    ("J1568", "j1568"),
    ("E11.9", "e11.9"),
    ("S72.001A", "s72.001a"),
    ("35 g 500 mg", "35 g 500 mg"),
    ("68982-0840-01", None),      # an NDC: cannot be told from an account number
    ("555 123 4567", None),       # a phone number
    ("2024-01-05", None),         # a date (of birth?)
    ("123456", None),
    ("jane@example.org", None),
    ("   ", None),
])
def test_normalize_query(text, expected):
    """Queries are lowercased and whitespace-collapsed; identifier-like ones are not kept at all."""
    assert normalize_query(text) == expected


def test_counts_are_written_on_flush_and_add_up_across_stores(tmp_path):
    """Counts wait in memory until flush; two stores (two workers) on one file add up per day and query."""
    path = tmp_path / "a.sqlite3"
    one, two = store_at(path), store_at(path)
    one.record_search("Xyzzy  Drug", 0)
    one.record_search("octagam", 1)
    assert not path.exists()
    one.flush()
    two.record_search("xyzzy drug", 0)
    two.record_search("j1568", 0)
    two.record_search("68982-0840-01", 0)  # never stored
    two.flush()
    assert rows(path) == [
        ("2026-03-10", "j1568", 1, 1, 0, 0),
        ("2026-03-10", "octagam", 1, 0, 0, 0),
        ("2026-03-10", "xyzzy drug", 2, 2, 0, 0),
    ]
    assert [(m.query, m.count) for m in one.misses("zero")] == [("xyzzy drug", 2), ("j1568", 1)]


def test_nothing_finer_than_a_day_and_no_per_user_column(tmp_path):
    """The table holds a day, a query and counts: no address, agent or time of day."""
    path = tmp_path / "a.sqlite3"
    store = store_at(path)
    store.record_search("xyzzy", 0)
    store.flush()
    with sqlite3.connect(path) as db:
        columns = [row[1] for row in db.execute("PRAGMA table_info(query_days)")]
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert columns == ["day", "query", "searches", "zero", "opened", "opened_first"]
    assert rows(path)[0][0] == "2026-03-10"


def test_retention_deletes_old_days_and_misses_ignores_them(tmp_path):
    """Days older than the retention limit are deleted at the next flush and never listed."""
    path = tmp_path / "a.sqlite3"
    today = {"day": DAY - timedelta(days=40)}
    store = AnalyticsStore(path, retention_days=30, flush_seconds=3600, today=lambda: today["day"])
    store.record_search("old miss", 0)
    store.flush()
    today["day"] = DAY - timedelta(days=5)
    store.record_search("recent miss", 0)
    store.flush()
    assert [r[1] for r in rows(path)] == ["recent miss"]  # 35 days before the second flush: gone
    today["day"] = DAY + timedelta(days=30)
    assert store.misses("zero") == []  # 35 days old by now, not yet pruned, still not listed
    assert [r[1] for r in rows(path)] == ["recent miss"]


def test_keystroke_prefixes_are_left_out_of_the_list(tmp_path):
    """Prefixes typed on the way to a longer query are dropped; a prefix searched more often stays."""
    path = tmp_path / "a.sqlite3"
    store = store_at(path)
    for q in ("xy", "xyz", "xyzz", "xyzzy"):  # one person typing
        store.record_search(q, 0)
    for q in ("qq", "qq", "qq", "qqrx"):  # three searched qq, one went on to qqrx
        store.record_search(q, 0)
    store.flush()
    assert [(m.query, m.count) for m in store.misses("zero")] == [("qq", 3), ("qqrx", 1), ("xyzzy", 1)]
    assert passed_through({"a": 1, "ab": 1, "abc": 2, "b": 1}) == {"a", "ab"}


def test_unopened_lists_searches_whose_first_result_was_never_opened(tmp_path):
    """`unopened` counts searches with results for which the top result was never opened."""
    path = tmp_path / "a.sqlite3"
    store = store_at(path)
    for _ in range(3):
        store.record_search("immune globulin", 12)
    store.record_open("immune globulin", first=False)
    store.record_search("octagam", 1)
    store.record_open("Octagam", first=True)
    store.record_search("nothing here", 0)
    store.flush()
    (miss,) = store.misses("unopened")
    assert (miss.query, miss.count, miss.searches, miss.opened, miss.opened_first) == ("immune globulin", 3, 3, 1, 0)
    with pytest.raises(ConfigError, match="kind"):
        store.misses("popular")


def test_misses_without_a_database_says_how_to_turn_analytics_on(tmp_path):
    """Listing before anything was recorded is a one-line error naming the file and the setting."""
    with pytest.raises(ConfigError, match="CODESEARCH_ANALYTICS=on"):
        store_at(tmp_path / "none.sqlite3").misses()
    assert not (tmp_path / "none.sqlite3").exists()


@pytest.fixture
def recorded(tmp_path):
    """A database with three zero-result queries and one unopened query for today (UTC)."""
    path = tmp_path / "a.sqlite3"
    store = AnalyticsStore(path, flush_seconds=3600)
    for q, n in (("xyzzy", 3), ("plugh", 2), ("frobozz", 1)):
        for _ in range(n):
            store.record_search(q, 0)
    store.record_search("immune globulin", 12)
    store.flush()
    return path


def test_cli_misses_lists_most_frequent_first(recorded):
    """`codesearch misses` prints counts and queries, most frequent first, within --limit."""
    result = CliRunner().invoke(cli, ["misses", "--db", str(recorded), "--limit", "2"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "found nothing" in lines[0]
    assert [line.split() for line in lines[1:]] == [["3", "xyzzy"], ["2", "plugh"]]


def test_cli_misses_json_and_kind(recorded):
    """`--json` prints a list of objects; `--kind unopened` lists the other kind."""
    result = CliRunner().invoke(cli, ["misses", "--db", str(recorded), "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert [(m["query"], m["count"]) for m in body] == [("xyzzy", 3), ("plugh", 2), ("frobozz", 1)]
    assert set(body[0]) == {"query", "count", "searches", "opened", "opened_first"}
    result = CliRunner().invoke(cli, ["misses", "--db", str(recorded), "--kind", "unopened", "--json"])
    assert [m["query"] for m in json.loads(result.output)] == ["immune globulin"]


def test_cli_misses_reads_the_database_named_by_the_environment(recorded, tmp_path):
    """CODESEARCH_ANALYTICS_DB points `codesearch misses` at the store; no database is one line, exit 1."""
    result = CliRunner().invoke(cli, ["misses", "-n", "1"], env={"CODESEARCH_ANALYTICS_DB": str(recorded)})
    assert result.exit_code == 0 and "xyzzy" in result.output
    result = CliRunner().invoke(cli, ["--index", str(tmp_path / "index"), "misses"],
                                env={"CODESEARCH_ANALYTICS_DB": ""})
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"Error: {tmp_path / 'index' / 'analytics.sqlite3'}: no search analytics recorded here; they are off "
        "unless CODESEARCH_ANALYTICS=on or `codesearch serve --analytics`"
    ]


def test_an_empty_database_lists_nothing(tmp_path):
    """A database file with nothing written yet lists no misses; a file of another kind is one clear error."""
    (tmp_path / "empty.sqlite3").touch()
    assert store_at(tmp_path / "empty.sqlite3").misses() == []
    (tmp_path / "other.sqlite3").write_text("not a database, just text " * 100)
    with pytest.raises(ConfigError, match="not a codesearch analytics database"):
        store_at(tmp_path / "other.sqlite3").misses()
