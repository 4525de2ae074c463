"""Opening a built index: the current build's Whoosh index, records, vocabulary and lexicon."""

from __future__ import annotations

import json
import logging
import os
import threading
from bisect import bisect_left
from collections import defaultdict
from pathlib import Path

import numpy as np
from whoosh import index as whoosh_index

from codesearch.enrich import Lexicon
from codesearch.errors import CodeSearchError, IndexCorruptError, IndexMissingError
from codesearch.ranking import document_prior
from codesearch.records import CodeRecord, code_key
from codesearch.schema import SCHEMA_VERSION
from codesearch.scores import ScoreTable

logger = logging.getLogger(__name__)


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
        self._pending = None  # (build, link, result) of a background read in progress
        self.background_reload = False
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
        # Typed codes are looked up without dots: "e119" and "E11.9" both find E11.9. Keys
        # can collide across systems (HCPCS J1561, ICD-10-CM J15.61), so each maps to a list.
        self.by_key: dict[str, list[str]] = {}
        for code in sorted(records, key=lambda c: (records[c].system != "HCPCS", c)):
            self.by_key.setdefault(records[code].key, []).append(code)
        self.keys = sorted(self.by_key)
        # The same, flat and aligned with document numbers, to slice a code family at once.
        ordered = [(k, c) for k in self.keys for c in self.by_key[k]]
        self.sorted_keys = [k for k, _ in ordered]
        self._ordered_codes = [c for _, c in ordered]
        self.ndc_map = dict(ndc_map)
        self.vocab = vocab
        self.vocab_sorted = sorted(vocab)
        self.lexicon = lexicon
        self.table = table
        # Per-document arrays, in Whoosh document-number order, for vectorised filtering.
        self.doc_of = {code: n for n, code in enumerate(table.codes)}
        self.sorted_docs = np.array([self.doc_of[c] for c in self._ordered_codes], dtype=np.int64)
        self.doc_active = np.array([records[c].active for c in table.codes], dtype=bool)
        self.doc_section = np.array([
            records[c].section_letter or ("MOD" if records[c].kind == "modifier" else "") for c in table.codes
        ])
        self.doc_system = np.array([records[c].system for c in table.codes])
        self.doc_prior = np.array([document_prior(records[c]) for c in table.codes], dtype=np.float32)
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

    def refresh(self, wait: bool | None = None) -> bool:
        """Switch to a newer current build if one was made; returns whether it switched.

        With ``wait`` false (a server: ``background_reload``), the new build is read and its
        expander warmed in a background thread while this one keeps answering; a later call
        adopts it. A build that fails to load is never adopted.
        """
        if wait is None:
            wait = not self.background_reload
        try:
            # One readlink per request: cheap enough to check on every keystroke.
            link = os.readlink(self.index_dir / "current")
            if link == self._link:
                return False
            target = current_build(self.index_dir)
        except (OSError, IndexMissingError):
            return False  # keep serving what we have
        with self._lock:
            if target == self._build:
                self._link = link
                return False
            if wait:
                try:
                    self._adopt(CodeIndex(self.index_dir, build=target))
                except CodeSearchError as exc:
                    self._refuse(target, link, exc)
                    return False
                return True
            pending = self._pending
            if pending is None or pending[0] != target:
                self._pending = (target, link, {})
                threading.Thread(target=self._read_in_background, args=(self._pending,), daemon=True).start()
                return False
            result = pending[2]
            if "index" in result:
                self._pending = None
                self._adopt(result["index"])
                return True
            if "error" in result:
                self._pending = None
                self._refuse(target, link, result["error"])
            return False

    def _read_in_background(self, pending) -> None:
        target, _, result = pending
        try:
            fresh = CodeIndex(self.index_dir, build=target)
            from codesearch.expand import expander_for  # late: expand imports this module

            expander_for(fresh)  # the first keystroke after the switch should not pay for it
            result["index"] = fresh
        except CodeSearchError as exc:
            result["error"] = exc
        except Exception as exc:  # never let a reader thread die silently
            result["error"] = IndexCorruptError(f"index build {target} could not be read: {exc}")

    def _adopt(self, fresh: CodeIndex) -> None:
        """Take over a freshly opened build's state, then close the old Whoosh searcher."""
        old_ix, old_searcher = self._ix, self._searcher
        keep = {"_lock", "_pending", "background_reload", "index_dir"}
        self.__dict__.update({k: v for k, v in fresh.__dict__.items() if k not in keep})
        if old_searcher is not None and old_searcher is not self._searcher:
            old_searcher.close()
            old_ix.close()

    def _refuse(self, target: Path, link: str, exc: Exception) -> None:
        # Never serve a half-read build: keep the one we have, and don't retry it per request.
        self._link = link
        logger.error("not switching to %s: %s", target, exc)

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
        """The record of ``code`` (any case, with or without its dot, modifiers unpadded), or None."""
        record = self.records.get(code.strip().upper())
        if record is None:
            found = self.by_key.get(code_key(code))
            record = self.records.get(found[0]) if found else None
        return record

    def codes_for(self, typed: str) -> list[str]:
        """Every code a typed code may mean: ``J1561`` is HCPCS J1561 and ICD-10-CM J15.61."""
        exact = self.records.get(typed.strip().upper())
        if exact is not None and "." in typed:
            return [exact.code]
        return list(self.by_key.get(code_key(typed), ()))

    def docs_with_prefix(self, prefix: str) -> np.ndarray:
        """Document numbers of the codes whose dot-less form starts with ``prefix``, in code order."""
        prefix = code_key(prefix)
        start = bisect_left(self.sorted_keys, prefix)
        end = bisect_left(self.sorted_keys, prefix + "\U0010ffff", lo=start)
        return self.sorted_docs[start:end]

    def codes_with_prefix(self, prefix: str) -> list[str]:
        """Codes whose dot-less form starts with ``prefix``, in code order."""
        prefix = code_key(prefix)
        start = bisect_left(self.keys, prefix)
        out = []
        for key in self.keys[start:]:
            if not key.startswith(prefix):
                break
            out.extend(self.by_key[key])
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
