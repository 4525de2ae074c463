"""Opening a built index: the current build's Whoosh index, records, vocabulary and lexicon."""

from __future__ import annotations

import json
import os
import threading
from bisect import bisect_left
from collections import defaultdict
from pathlib import Path

import numpy as np
from whoosh import index as whoosh_index

from codesearch.enrich import Lexicon
from codesearch.errors import IndexCorruptError, IndexMissingError
from codesearch.records import CodeRecord
from codesearch.schema import SCHEMA_VERSION
from codesearch.scores import ScoreTable


def current_build(index_dir: str | Path) -> Path:
    """The directory of the current build, or IndexMissingError."""
    index_dir = Path(index_dir)
    link = index_dir / "current"
    target = link.resolve() if link.is_symlink() else None
    if target is None or not (target / "manifest.json").exists():
        raise IndexMissingError(
            f"no index in {index_dir}; build one with `codesearch build`"
        )
    return target


class CodeIndex:
    """A read-only view of one build, reloaded when a newer build becomes current."""

    def __init__(self, index_dir: str | Path, build: str | Path | None = None):
        self.index_dir = Path(index_dir)
        self._lock = threading.RLock()
        self._build: Path | None = None
        self._ix = None
        self._searcher = None
        self._load(Path(build) if build is not None else current_build(self.index_dir))

    # -- loading -----------------------------------------------------------------
    def _load(self, build: Path) -> None:
        try:
            manifest = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise IndexCorruptError(f"{build}/manifest.json is unreadable: {exc}") from None
        if manifest.get("schema_version") != SCHEMA_VERSION:
            raise IndexCorruptError(
                f"{build} was built with schema {manifest.get('schema_version')}, this codesearch "
                f"reads schema {SCHEMA_VERSION}; rebuild with `codesearch build`"
            )
        try:
            records: dict[str, CodeRecord] = {}
            with (build / "records.jsonl").open(encoding="utf-8") as fh:
                for line in fh:
                    record = CodeRecord.from_dict(json.loads(line))
                    records[record.code] = record
            vocab: dict[str, int] = json.loads((build / "vocab.json").read_text(encoding="utf-8"))
            lexicon = Lexicon.from_dict(json.loads((build / "lexicon.json").read_text(encoding="utf-8")))
            table = ScoreTable.load(build)
            ix = whoosh_index.open_dir(str(build))
        except Exception as exc:  # any damage to the build's files
            raise IndexCorruptError(f"index build {build} is damaged: {exc}") from None
        if (len(records) != manifest.get("records") or ix.doc_count() != len(records)
                or table.size != len(records) or any(c not in records for c in table.codes)):
            ix.close()
            raise IndexCorruptError(
                f"index build {build} is inconsistent: manifest says {manifest.get('records')} records, "
                f"records.jsonl has {len(records)}, the Whoosh index {ix.doc_count()}"
            )
        ndc_map: dict[str, list[str]] = defaultdict(list)
        for record in records.values():
            for product in record.products:
                if record.code not in ndc_map[product.ndc11]:
                    ndc_map[product.ndc11].append(record.code)
        old_ix, old_searcher = self._ix, self._searcher
        self.build = build
        self.manifest = manifest
        self.records = records
        self.codes = sorted(records)
        self.ndc_map = dict(ndc_map)
        self.vocab = vocab
        self.vocab_sorted = sorted(vocab)
        self.lexicon = lexicon
        self.table = table
        # Per-document arrays, in Whoosh document-number order, for vectorised filtering.
        self.doc_codes = np.array(table.codes)
        self.doc_of = {code: n for n, code in enumerate(table.codes)}
        self.doc_active = np.array([records[c].active for c in table.codes], dtype=bool)
        self.doc_section = np.array([records[c].section_letter or "MOD" for c in table.codes])
        self.cache: dict = {}  # per-build memo of expensive lookups, dropped on reload
        self._ix = ix
        self._searcher = ix.searcher()
        self._build = build
        try:
            self._link = os.readlink(self.index_dir / "current")
        except OSError:
            self._link = None
        self.expander = None  # built lazily by codesearch.expand
        if old_searcher is not None:
            old_searcher.close()
            old_ix.close()

    def refresh(self) -> bool:
        """Switch to a newer current build if one was made; returns whether it switched."""
        try:
            # One readlink per request: cheap enough to check on every keystroke.
            if os.readlink(self.index_dir / "current") == self._link:
                return False
            target = current_build(self.index_dir)
        except (OSError, IndexMissingError):
            return False  # keep serving what we have
        if target == self._build:
            return False
        with self._lock:
            if target != self._build:
                self._load(target)
                return True
        return False

    def close(self) -> None:
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
                self._ix.close()
                self._searcher = self._ix = None

    # -- access ---------------------------------------------------------------------
    @property
    def searcher(self):
        return self._searcher

    @property
    def lock(self) -> threading.RLock:
        return self._lock

    @property
    def version(self) -> str:
        return self.manifest["build_id"]

    def get(self, code: str) -> CodeRecord | None:
        """The record of ``code`` (any case, modifiers with or without padding), or None."""
        return self.records.get(code.strip().upper())

    def codes_with_prefix(self, prefix: str) -> list[str]:
        """Codes starting with ``prefix``, in code order."""
        prefix = prefix.upper()
        start = bisect_left(self.codes, prefix)
        out = []
        for code in self.codes[start:]:
            if not code.startswith(prefix):
                break
            out.append(code)
        return out

    def words_with_prefix(self, prefix: str) -> list[str]:
        """Vocabulary words starting with ``prefix``, alphabetically."""
        start = bisect_left(self.vocab_sorted, prefix)
        out = []
        for word in self.vocab_sorted[start:]:
            if not word.startswith(prefix):
                break
            out.append(word)
        return out


def verify_build(build: str | Path) -> None:
    """Open a finished build once, raising IndexCorruptError if its parts disagree."""
    CodeIndex(Path(build).parent, build=build).close()


def open_index(index_dir: str | Path) -> CodeIndex:
    """Open the current build in ``index_dir``."""
    return CodeIndex(index_dir)


__all__ = ["CodeIndex", "current_build", "open_index", "verify_build"]
