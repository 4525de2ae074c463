"""Search analytics, opt-in and aggregate only: per-day counts of normalized queries in SQLite.

What is kept is one row per (UTC day, normalized query): how often it was searched, how often
it found nothing, how often a result was opened from it and how often that was the first
result. No address, user agent, cookie or time finer than the day is ever stored. Queries that
could be an identifier rather than words (a run of six or more digits, as in an NDC, a phone
number, a date or a member ID, or an ``@``) are not recorded at all.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from codesearch.errors import ConfigError

#: What `codesearch misses` can list.
KINDS = ("zero", "unopened")
#: Counts are held in memory and written at most this often, so a search costs no disk write.
FLUSH_SECONDS = 5.0

# Digits joined by separators count as one run: 68982-0840-01 is an 11-digit run.
_DIGIT_JOIN_RE = re.compile(r"(?<=\d)[\s./-]+(?=\d)")
_ID_LIKE_RE = re.compile(r"\d{6,}|@")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS query_days (
    day TEXT NOT NULL,
    query TEXT NOT NULL,
    searches INTEGER NOT NULL DEFAULT 0,
    zero INTEGER NOT NULL DEFAULT 0,
    opened INTEGER NOT NULL DEFAULT 0,
    opened_first INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, query)
) WITHOUT ROWID
"""
_COLUMNS = ("searches", "zero", "opened", "opened_first")


def normalize_query(text: str) -> str | None:
    """Lowercased with whitespace collapsed; None for an empty or identifier-like query."""
    q = " ".join(text.casefold().split())
    if not q or _ID_LIKE_RE.search(_DIGIT_JOIN_RE.sub("", q)):
        return None
    return q


def utc_today() -> date:
    """Today in UTC: the only time analytics ever keep."""
    return datetime.now(timezone.utc).date()


@dataclass(frozen=True)
class Miss:
    """One query of a `codesearch misses` list, with its counts over the kept days."""

    query: str
    count: int
    searches: int
    opened: int
    opened_first: int

    def to_dict(self) -> dict:
        return asdict(self)


class AnalyticsStore:
    """Per-day query counts in a SQLite file (WAL, so several server processes can write to it)."""

    def __init__(self, path: str | Path, retention_days: int = 90, *,
                 flush_seconds: float = FLUSH_SECONDS, today: Callable[[], date] = utc_today):
        self.path = Path(path)
        self.retention_days = retention_days
        self.flush_seconds = flush_seconds
        self._today = today
        self._pending: Counter[tuple[str, str, str]] = Counter()
        self._lock = threading.Lock()
        self._flushed_at = time.monotonic()
        # One connection per process, opened at the first write (after a server's fork): closing
        # the last connection checkpoints and syncs the WAL, a stall a request should not wait on.
        self._db: sqlite3.Connection | None = None
        self._write_lock = threading.Lock()

    # -- recording ---------------------------------------------------------------------------------
    def record_search(self, query: str, total: int) -> None:
        """Count one search and whether it found nothing."""
        self._add(query, searches=1, zero=int(total == 0))

    def record_open(self, query: str, first: bool) -> None:
        """Count a result opened from a search for ``query``; ``first`` if it was the top result."""
        self._add(query, opened=1, opened_first=int(first))

    def _add(self, query: str, **counts: int) -> None:
        q = normalize_query(query)
        if q is None:
            return
        day = self._today().isoformat()
        with self._lock:
            for column, n in counts.items():
                if n:
                    self._pending[(day, q, column)] += n
            due = time.monotonic() - self._flushed_at >= self.flush_seconds
        if due:
            self.flush()

    def flush(self) -> None:
        """Write the counts held in memory and delete days past the retention limit."""
        with self._lock:
            pending, self._pending = self._pending, Counter()
            self._flushed_at = time.monotonic()
        if not pending:
            return
        rows: dict[tuple[str, str], dict[str, int]] = {}
        for (day, q, column), n in pending.items():
            rows.setdefault((day, q), dict.fromkeys(_COLUMNS, 0))[column] += n
        with self._write_lock:
            if self._db is None:
                self._db = self._connect()
            db = self._db
            with db:  # one transaction
                db.executemany(
                    "INSERT INTO query_days (day, query, searches, zero, opened, opened_first) "
                    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (day, query) DO UPDATE SET "
                    "searches = searches + excluded.searches, zero = zero + excluded.zero, "
                    "opened = opened + excluded.opened, opened_first = opened_first + excluded.opened_first",
                    [(day, q, *(c[k] for k in _COLUMNS)) for (day, q), c in rows.items()],
                )
                db.execute("DELETE FROM query_days WHERE day < ?", (self._cutoff(),))

    def close(self) -> None:
        """Write what is held in memory and close the connection."""
        self.flush()
        with self._write_lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def _cutoff(self) -> str:
        return (self._today() - timedelta(days=self.retention_days - 1)).isoformat()

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=10, check_same_thread=False)  # used under _write_lock
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute(_SCHEMA)
        return db

    # -- reading -----------------------------------------------------------------------------------
    def misses(self, kind: str = "zero", limit: int = 20) -> list[Miss]:
        """The most frequent queries that found nothing (``zero``) or whose first result was never
        opened (``unopened``), over the kept days, most frequent first.

        Search-as-you-type sends every prefix on the way to a query (``oct``, ``octa``, ...): a
        query is left out when a longer recorded query begins with it and was searched at least
        as often, since people then typed on rather than stopped there.
        """
        if kind not in KINDS:
            raise ConfigError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
        if not self.path.exists():
            raise ConfigError(
                f"{self.path}: no search analytics recorded here; they are off unless "
                "CODESEARCH_ANALYTICS=on or `codesearch serve --analytics`"
            )
        db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=10)
        try:
            if not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'query_days'").fetchone():
                return []  # created, nothing written yet
            totals = db.execute(
                "SELECT query, SUM(searches), SUM(zero), SUM(opened), SUM(opened_first) "
                "FROM query_days WHERE day >= ? GROUP BY query", (self._cutoff(),)
            ).fetchall()
        except sqlite3.DatabaseError as exc:
            raise ConfigError(f"{self.path}: not a codesearch analytics database ({exc})") from None
        finally:
            db.close()
        passed = passed_through({q: s for q, s, *_ in totals})
        found = []
        for q, searches, zero, opened, opened_first in totals:
            count = zero if kind == "zero" else (searches - zero if opened_first == 0 else 0)
            if count > 0 and q not in passed:
                found.append(Miss(q, count, searches, opened, opened_first))
        found.sort(key=lambda m: (-m.count, m.query))
        return found[:limit]


def passed_through(searches: dict[str, int]) -> set[str]:
    """Queries that a longer recorded query begins with, searched at least as often."""
    dropped: set[str] = set()
    stack: list[list] = []  # [query, its searches, most searches of any longer query beginning with it]

    def close() -> None:
        q, own, below = stack.pop()
        if below >= own:
            dropped.add(q)
        if stack:
            stack[-1][2] = max(stack[-1][2], own, below)

    for q in sorted(searches):  # a query's extensions follow it directly in sorted order
        while stack and not q.startswith(stack[-1][0]):
            close()
        stack.append([q, searches[q], 0])
    while stack:
        close()
    return dropped
