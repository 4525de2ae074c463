"""The records of a build, stored to be opened in milliseconds and shared between processes.

A new process (a CLI query, a gunicorn worker) must answer without parsing 83,000 records.
The build therefore writes:

- ``records.sqlite``: one row per record (its JSON), keyed by document number and code, with
  the dot-less code key, the NDCs and the links code pages follow (cross-references, brand
  names, generic drug names). Opened read-only and immutable; a record is decoded when asked.
- ``docs_*.npy``: per-document arrays in build order (active, section, system, ranking prior),
  the documents by the stems of their descriptor heads and by the words their descriptors
  negate, and the dot-less code keys in code order
  with their documents.
  Saved uncompressed and opened with ``np.load(mmap_mode="r")``: the pages are the file's,
  shared by every process that maps them.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np

from codesearch.ranking import head_arrays
from codesearch.records import CodeRecord

RECORDS_FILE = "records.sqlite"
ARRAYS = ("active", "section", "system", "prior", "head_stems", "head_offsets", "head_docs", "negated_stems",
          "negated_offsets", "negated_docs", "subject_stems", "subject_offsets", "subject_docs", "nos_stems", "nos_offsets",
          "nos_docs", "nos_entry_doc", "nos_entry_says_nos", "sorted_keys", "sorted_docs")
CACHE = 4096  # decoded records kept per store

_SCHEMA = """
CREATE TABLE records (doc INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, key TEXT NOT NULL,
                      hcpcs INTEGER NOT NULL, data TEXT NOT NULL);
CREATE INDEX records_key ON records (key, hcpcs DESC, code);
CREATE TABLE ndcs (ndc TEXT NOT NULL, code TEXT NOT NULL);
CREATE INDEX ndcs_ndc ON ndcs (ndc);
CREATE TABLE links (kind TEXT NOT NULL, value TEXT NOT NULL, code TEXT NOT NULL);
CREATE INDEX links_value ON links (kind, value);
"""


def array_path(folder: Path, name: str) -> Path:
    return Path(folder) / f"docs_{name}.npy"


def write_store(folder: Path, records: Sequence[CodeRecord], codes: Sequence[str],
                prior: Callable[[CodeRecord], float], head: Callable[[CodeRecord], str],
                negated: Callable[[CodeRecord], str], links: Callable[[CodeRecord], list[tuple[str, str]]],
                subject: Callable[[CodeRecord], str] = lambda r: "",
                terms: Callable[[CodeRecord], list[tuple[str, bool]]] = lambda r: []) -> None:
    """Write ``records.sqlite`` and the per-document arrays; ``codes`` are the documents' codes in order."""
    by_code = {r.code: r for r in records}
    ordered = [by_code[c] for c in codes]
    path = Path(folder) / RECORDS_FILE
    db = sqlite3.connect(path)
    try:
        db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + _SCHEMA)
        db.executemany(
            "INSERT INTO records VALUES (?, ?, ?, ?, ?)",
            ((doc, r.code, r.key, int(r.system == "HCPCS"), json.dumps(r.to_dict(), separators=(",", ":")))
             for doc, r in enumerate(ordered)),
        )
        seen: set[tuple[str, str]] = set()
        ndc_rows = []
        for r in records:  # build order: a shared NDC lists its codes as the sources did
            for p in r.products:
                if (p.ndc11, r.code) not in seen:
                    seen.add((p.ndc11, r.code))
                    ndc_rows.append((p.ndc11, r.code))
        db.executemany("INSERT INTO ndcs VALUES (?, ?)", ndc_rows)
        db.executemany("INSERT INTO links VALUES (?, ?, ?)",
                       ((kind, value, r.code) for r in ordered for kind, value in links(r)))
        db.commit()
    finally:
        db.close()
    keyed = sorted(range(len(ordered)), key=lambda d: (ordered[d].key, ordered[d].system != "HCPCS", ordered[d].code))
    head_stems, head_offsets, head_docs = head_arrays(head(r) for r in ordered)
    negated_stems, negated_offsets, negated_docs = head_arrays(negated(r) for r in ordered)
    subject_stems, subject_offsets, subject_docs = head_arrays(subject(r) for r in ordered)
    nos_entries = [(doc, term, says_nos) for doc, r in enumerate(ordered) for term, says_nos in terms(r)]
    nos_stems, nos_offsets, nos_docs = head_arrays(term for _, term, _ in nos_entries)
    arrays = {
        "active": np.array([r.active for r in ordered], dtype=bool),
        "section": np.array([r.section_letter or ("MOD" if r.kind == "modifier" else "") for r in ordered], dtype=str),
        "system": np.array([r.system for r in ordered], dtype=str),
        "prior": np.array([prior(r) for r in ordered], dtype=np.float32),
        "head_stems": head_stems,  # codes by their heads' stems: ranking.DescriptorHeads
        "head_offsets": head_offsets,
        "head_docs": head_docs,
        "negated_stems": negated_stems,  # codes by the words their descriptors negate: the same layout
        "negated_offsets": negated_offsets,
        "negated_docs": negated_docs,
        "subject_stems": subject_stems,  # codes by their subjects' stems: ranking.subject_text
        "subject_offsets": subject_offsets,
        "subject_docs": subject_docs,
        "nos_stems": nos_stems,  # inclusion terms by stem (entries, not documents): ranking.inclusion_terms
        "nos_offsets": nos_offsets,
        "nos_docs": nos_docs,
        "nos_entry_doc": np.array([doc for doc, _, _ in nos_entries], dtype=np.int32),  # each entry's document
        "nos_entry_says_nos": np.array([says for _, _, says in nos_entries], dtype=bool),  # and whether it says NOS
        "sorted_keys": np.array([ordered[d].key for d in keyed], dtype=str),
        "sorted_docs": np.array(keyed, dtype=np.int64),
    }
    for name, array in arrays.items():
        np.save(array_path(folder, name), array, allow_pickle=False)


def load_arrays(folder: Path) -> dict[str, np.ndarray]:
    """The per-document arrays, memory-mapped read-only."""
    return {name: np.load(array_path(folder, name), mmap_mode="r", allow_pickle=False).view(np.ndarray)
            for name in ARRAYS}


class RecordStore(Mapping):
    """``code → CodeRecord`` over ``records.sqlite``, decoding a record when it is first asked for."""

    def __init__(self, folder: Path):
        path = Path(folder) / RECORDS_FILE
        if not path.is_file():
            raise FileNotFoundError(f"{path} is missing")
        # immutable: a finished build never changes, so SQLite takes no locks and reads no journal.
        self._db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True,
                                   check_same_thread=False)
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, CodeRecord] = OrderedDict()

    def _rows(self, sql: str, args: tuple = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def __getitem__(self, code: str) -> CodeRecord:
        code = str(code)
        record = self._cache.get(code)
        if record is not None:
            return record
        rows = self._rows("SELECT data FROM records WHERE code = ?", (code,))
        if not rows:
            raise KeyError(code)
        if len(self._cache) >= CACHE:
            self._cache.popitem(last=False)  # the oldest: one entry freed at a time, never a pause to free them all
        self._cache[code] = record = CodeRecord.from_dict(json.loads(rows[0][0]))
        return record

    def many(self, codes: Sequence[str]) -> list[CodeRecord]:
        """The records of ``codes``, in that order; those not decoded yet are read in one query."""
        missing = [c for c in dict.fromkeys(str(c) for c in codes) if c not in self._cache]
        if missing:
            marks = ",".join("?" * len(missing))
            for code, data in self._rows(f"SELECT code, data FROM records WHERE code IN ({marks})", tuple(missing)):
                if len(self._cache) >= CACHE:
                    self._cache.popitem(last=False)
                self._cache[code] = CodeRecord.from_dict(json.loads(data))
        return [self[c] for c in codes]

    def __contains__(self, code: object) -> bool:
        if not isinstance(code, str):
            return False
        return code in self._cache or bool(self._rows("SELECT 1 FROM records WHERE code = ?", (str(code),)))

    def __len__(self) -> int:
        return self._rows("SELECT count(*) FROM records")[0][0]

    def __iter__(self) -> Iterator[str]:
        return iter([c for (c,) in self._rows("SELECT code FROM records ORDER BY doc")])

    def values(self):  # one query rather than one per code
        return [CodeRecord.from_dict(json.loads(d)) for (d,) in self._rows("SELECT data FROM records ORDER BY doc")]

    def values_at(self, docs: list[int]) -> list[CodeRecord]:
        """The records of some documents, in document order: one range query, not one per code."""
        if not docs:
            return []
        wanted = set(docs)
        rows = self._rows("SELECT doc, data FROM records WHERE doc BETWEEN ? AND ? ORDER BY doc",
                          (min(docs), max(docs)))
        return [CodeRecord.from_dict(json.loads(d)) for doc, d in rows if doc in wanted]

    def items(self):
        return [(r.code, r) for r in self.values()]

    def doc(self, code: str) -> int | None:
        """The document number of ``code``, or None."""
        rows = self._rows("SELECT doc FROM records WHERE code = ?", (str(code),))
        return rows[0][0] if rows else None

    def docs(self) -> int:
        """How many documents: one more than the largest document number."""
        return self._rows("SELECT coalesce(max(doc), -1) + 1 FROM records")[0][0]

    def codes_for_key(self, key: str) -> list[str]:
        """Codes whose dot-less form is ``key``: HCPCS first, then by code."""
        return [c for (c,) in self._rows("SELECT code FROM records WHERE key = ? ORDER BY hcpcs DESC, code", (key,))]

    def codes_for_ndc(self, ndc11: str) -> list[str]:
        return [c for (c,) in self._rows("SELECT code FROM ndcs WHERE ndc = ? ORDER BY rowid", (ndc11,))]

    def ndcs(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for ndc, code in self._rows("SELECT ndc, code FROM ndcs ORDER BY rowid"):
            out.setdefault(ndc, []).append(code)
        return out

    def linked(self, kind: str, value: str) -> list[str]:
        """Codes with a ``kind`` link (xref, brand, generic) to ``value``, in code order."""
        return [c for (c,) in self._rows("SELECT code FROM links WHERE kind = ? AND value = ? ORDER BY code",
                                         (kind, value))]

    def close(self) -> None:
        with self._lock:
            self._db.close()


class DocNumbers(Mapping):
    """``code → document number`` answered by the store."""

    def __init__(self, store: RecordStore):
        self._store = store

    def __getitem__(self, code: str) -> int:
        doc = self._store.doc(code)
        if doc is None:
            raise KeyError(code)
        return doc

    def __iter__(self) -> Iterator[str]:
        return iter(self._store)

    def __len__(self) -> int:
        return len(self._store)


class NdcMap(Mapping):
    """``11-digit NDC → codes`` answered by the store."""

    def __init__(self, store: RecordStore):
        self._store = store

    def __getitem__(self, ndc: str) -> list[str]:
        codes = self._store.codes_for_ndc(ndc)
        if not codes:
            raise KeyError(ndc)
        return codes

    def get(self, ndc, default=None):
        return self._store.codes_for_ndc(ndc) or default

    def __iter__(self) -> Iterator[str]:
        return iter(self._store.ndcs())

    def __len__(self) -> int:
        return len(self._store.ndcs())


__all__ = ["RecordStore", "DocNumbers", "NdcMap", "write_store", "load_arrays"]
