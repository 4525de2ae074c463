"""Opening a built index: the current build's records, score table, vocabulary and lexicon."""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
from bisect import bisect_left
from functools import cached_property
from pathlib import Path

import numpy as np

from codesearch.enrich import Lexicon
from codesearch.errors import CodeSearchError, IndexCorruptError, IndexMissingError
from codesearch.ranking import DescriptorHeads
from codesearch.records import CodeRecord, code_key
from codesearch.schema import SCHEMA_VERSION
from codesearch.scores import ScoreTable
from codesearch.store import RECORDS_FILE, DocNumbers, NdcMap, RecordStore, load_arrays

EXPANDER_FILE = "expander.json"
#: The acronyms read from the code texts, apart: most queries never need them (2.7 MB of JSON).
ACRONYMS_FILE = "acronyms.json"

logger = logging.getLogger(__name__)


def current_build(index_dir: str | Path) -> Path:
    """The directory of the current build, or IndexMissingError."""
    index_dir = Path(index_dir)
    link = index_dir / "current"
    target = link.resolve() if link.is_symlink() else None
    if target is None:
        raise IndexMissingError(f"no index in {index_dir}; build one with `codesearch build`")
    if not (target / "manifest.json").exists():
        raise IndexMissingError(
            f"no index in {index_dir}: its current build {target.name} is missing or incomplete; "
            f"build one with `codesearch build`"
        )
    return target


def finished_builds(index_dir: str | Path) -> list[Path]:
    """The finished build folders kept under ``builds/``, newest first (build ids sort by time)."""
    builds = Path(index_dir) / "builds"
    try:
        found = [p for p in builds.iterdir() if p.is_dir() and not p.name.startswith(".")]
    except OSError:
        return []
    return sorted(found, key=lambda p: p.name, reverse=True)


def damaged_file(build: Path, manifest: dict) -> str | None:
    """The first file of ``build`` whose size differs from the manifest's record, described; None if all agree.

    A stat per file: cheap enough for every /healthz, and it catches a truncated or deleted file
    before a whole build is read. Builds made before the manifest listed its files pass.
    """
    for name, size in manifest.get("files", {}).items():
        try:
            actual = (build / name).stat().st_size
        except OSError as exc:
            return f"{name} is unreadable ({exc.strerror or exc})"
        if actual != size:
            return f"{name} is {actual} bytes, the manifest says {size}"
    return None


#: What a CodeIndex keeps when it switches builds: its identity, not the build's state.
_KEPT_ON_SWITCH = frozenset({"_lock", "_pending", "_retired", "background_reload", "index_dir"})


class CodeIndex:
    """A read-only view of one build, reloaded when a newer build becomes current.

    Opening reads the manifest and maps the build's arrays; records, vocabulary, lexicon
    and the Whoosh index are read when first used, so a new process answers in milliseconds.
    """

    def __init__(self, index_dir: str | Path, build: str | Path | None = None):
        self.index_dir = Path(index_dir)
        self._lock = threading.RLock()
        self._pending = None  # (build, link, result) of a background read in progress
        self._retired = None  # (Whoosh index, searcher, store) of the build switched from last
        self.background_reload = False
        self._build: Path | None = None
        self._ix = None
        self._searcher = None
        # Why this index is not answering from a sound `current` build, or None when it is.
        self.degraded: str | None = None
        if build is not None:
            self._load(Path(build))
        else:
            self._load_newest_good()

    def _load_newest_good(self) -> None:
        """Load the current build or, if it is damaged or gone, the newest good build kept on disk.

        A server restarted while `current` is broken keeps answering from the last good build
        (marked degraded, with the reason) instead of refusing to start.
        """
        try:
            target = current_build(self.index_dir)
            self._load(target)
            return
        except (IndexMissingError, IndexCorruptError) as exc:
            first_error = exc
            target = (self.index_dir / "current").resolve()
        for candidate in finished_builds(self.index_dir):
            if candidate == target:
                continue
            try:
                self._load(candidate)
            except IndexCorruptError:
                continue
            self.degraded = f"{first_error}; answering from the last good build {candidate.name}"
            logger.error("%s", self.degraded)
            return
        raise first_error

    # -- loading -----------------------------------------------------------------
    def _load(self, build: Path) -> None:
        try:
            manifest = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise IndexCorruptError(f"{build}/manifest.json is unreadable: {exc}") from None
        damage = damaged_file(build, manifest)
        if damage is not None:
            raise IndexCorruptError(f"index build {build} is damaged: {damage}")
        if manifest.get("schema_version") != SCHEMA_VERSION:
            raise IndexCorruptError(
                f"{build} was built with schema {manifest.get('schema_version')}, this codesearch "
                f"reads schema {SCHEMA_VERSION}; rebuild with `codesearch build`"
            )
        store = None
        try:
            store = RecordStore(build)
            table = ScoreTable.load(build)
            arrays = load_arrays(build)
            docs = store.docs()
        except Exception as exc:  # any damage to the build's files
            if store is not None:
                store.close()
            raise IndexCorruptError(f"index build {build} is damaged: {exc}") from None
        by_stem = ("head", "negated", "subject", "nos")  # head_*, ...: documents (nos_*: entries) by stem
        per_document = [a for name, a in arrays.items() if not name.startswith(tuple(f"{k}_" for k in by_stem))]
        heads_ok = all(len(arrays[f"{k}_offsets"]) == len(arrays[f"{k}_stems"]) + 1
                       and int(arrays[f"{k}_offsets"][-1]) == len(arrays[f"{k}_docs"]) for k in by_stem)
        if (docs != manifest.get("records") or table.size != docs or any(len(a) != docs for a in per_document)
                or not heads_ok or int(arrays["nos_docs"].max(initial=-1)) >= len(arrays["nos_entry_doc"])
                or int(arrays["nos_entry_doc"].max(initial=-1)) >= docs
                or len(arrays["nos_entry_says_nos"]) != len(arrays["nos_entry_doc"])):
            store.close()
            raise IndexCorruptError(
                f"index build {build} is inconsistent: manifest says {manifest.get('records')} records, "
                f"{RECORDS_FILE} has {docs}, the score table {table.size}"
            )
        self.build = build
        self.manifest = manifest
        self.records = store
        self.table = table
        self.doc_of = DocNumbers(store)
        self.ndc_map = NdcMap(store)
        # Per-document arrays, in build (document-number) order, for vectorised filtering;
        # the dot-less code keys in code order ("e119" and "E11.9" both find E11.9), aligned
        # with their documents, to slice a code family at once.
        self.doc_active = arrays["active"]
        self.doc_section = arrays["section"]
        self.doc_system = arrays["system"]
        self.doc_prior = arrays["prior"]
        self.heads = DescriptorHeads(arrays["head_stems"], arrays["head_offsets"], arrays["head_docs"])
        self.subjects = DescriptorHeads(arrays["subject_stems"], arrays["subject_offsets"], arrays["subject_docs"])
        self.nos_terms = DescriptorHeads(arrays["nos_stems"], arrays["nos_offsets"], arrays["nos_docs"])
        self.nos_entry_doc = arrays["nos_entry_doc"]
        self.nos_entry_says_nos = arrays["nos_entry_says_nos"]
        self.negations = DescriptorHeads(arrays["negated_stems"], arrays["negated_offsets"], arrays["negated_docs"])
        self.sorted_keys = arrays["sorted_keys"]
        self.sorted_docs = arrays["sorted_docs"]
        self.cache: dict = {}  # per-build memo of expensive lookups, dropped on reload
        self._build = build
        try:
            self._link = os.readlink(self.index_dir / "current")
        except OSError:
            self._link = None
        self.expander = None  # built lazily by codesearch.expand

    # Read on first use: a CLI `show` needs none of these, a query only some.
    @cached_property
    def vocab(self) -> dict[str, int]:
        """Unstemmed word → number of records containing it."""
        return self._read_json("vocab.json")

    @cached_property
    def vocab_sorted(self) -> list[str]:
        return sorted(self.vocab)

    @cached_property
    def lexicon(self) -> Lexicon:
        return Lexicon.from_dict(self._read_json("lexicon.json"))

    @cached_property
    def expander_tables(self) -> dict:
        """The expander's word lists, precomputed by the build (see :func:`codesearch.expand.expander_tables`)."""
        return self._read_json(EXPANDER_FILE)

    @cached_property
    def acronym_table(self) -> dict[str, list[list]]:
        """Acronym → its phrases in the code texts (:func:`codesearch.expand.acronym_table`), read
        when a query first needs it."""
        return self._read_json(ACRONYMS_FILE)

    @cached_property
    def codes(self) -> list[str]:
        """Every code, sorted."""
        return sorted(str(c) for c in self.table.codes)

    @cached_property
    def keys(self) -> list[str]:
        """Every dot-less code key, sorted."""
        return sorted(set(self.sorted_keys.tolist()))

    @cached_property
    def by_key(self) -> dict[str, list[str]]:
        """Dot-less code key → its codes, HCPCS first (J1561 is HCPCS J1561 and ICD-10-CM J15.61)."""
        out: dict[str, list[str]] = {}
        for key, doc in zip(self.sorted_keys.tolist(), self.sorted_docs.tolist()):
            out.setdefault(key, []).append(str(self.table.codes[doc]))
        return out

    def _read_json(self, name: str):
        try:
            return json.loads((self.build / name).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise IndexCorruptError(f"index build {self.build} is damaged: {name}: {exc}") from None

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
            from codesearch.expand import load_expander  # late: expand imports this module

            load_expander(fresh)  # the first keystroke after the switch should not pay for it
            result["index"] = fresh
        except CodeSearchError as exc:
            result["error"] = exc
        except Exception as exc:  # never let a reader thread die silently
            result["error"] = IndexCorruptError(f"index build {target} could not be read: {exc}")

    def _adopt(self, fresh: CodeIndex) -> None:
        """Take over a freshly opened build's state in one step; the old build's files close at the next switch.

        Readers outside the lock (a response tagged with ``version``, a code page's ``get``) see
        the old state or the new one, never an object half switched; a store such a reader
        already holds stays open until the switch after this one.
        """
        state = {k: v for k, v in fresh.__dict__.items() if k not in _KEPT_ON_SWITCH}
        state.update({k: v for k, v in self.__dict__.items() if k in _KEPT_ON_SWITCH})
        self._close_retired()
        state["_retired"] = (self._ix, self._searcher, self.records)
        self.__dict__ = state  # one assignment: values read lazily from the old build go too

    def _close_retired(self) -> None:
        ix, searcher, store = self.__dict__.get("_retired") or (None, None, None)
        if searcher is not None:
            searcher.close()
            ix.close()
        if store is not None:
            store.close()
        self._retired = None

    def _refuse(self, target: Path, link: str, exc: Exception) -> None:
        # Never serve a half-read build: keep the one we have, and don't retry it per request.
        self._link = link
        self.degraded = f"{exc}; answering from the last good build {self.build.name}"
        logger.error("not switching to %s: %s", target, exc)

    def health(self) -> tuple[str, str | None]:
        """("ok", None), or ("degraded", why) when `current` is damaged or gone and an older or
        in-memory build answers. A readlink and a stat per file: cheap enough for every probe."""
        if self.degraded:
            return "degraded", self.degraded
        try:
            target = current_build(self.index_dir)
        except IndexMissingError as exc:
            return "degraded", f"{exc}; answering from the copy of build {self.build.name} read before"
        if target != self._build:
            return "ok", None  # a new build: read in the background and adopted by a later request
        damage = damaged_file(target, self.manifest)
        if damage is not None:
            return "degraded", (f"the current build {target.name} is damaged on disk: {damage}; answering "
                                f"from the copy read before")
        return "ok", None

    def close(self) -> None:
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
                self._ix.close()
                self._searcher = self._ix = None
            self.records.close()
            self._close_retired()

    # -- access ---------------------------------------------------------------------
    @property
    def searcher(self):
        """The Whoosh searcher of this build, opened on first use (plain BM25 evaluation, tests)."""
        with self._lock:
            if self._searcher is None:
                from whoosh import index as whoosh_index  # late: answering a query never needs it

                try:
                    self._ix = whoosh_index.open_dir(str(self.build))
                    self._searcher = self._ix.searcher()
                except Exception as exc:
                    raise IndexCorruptError(f"index build {self.build} is damaged: {exc}") from None
            return self._searcher

    @property
    def lock(self) -> threading.RLock:
        return self._lock

    @property
    def version(self) -> str:
        return self.manifest["build_id"]

    def search(self, query: str, **options):
        """Search this index: :func:`codesearch.search.search` (``limit``, ``offset``, ``system``,
        ``section``, ``include_terminated``, ...), a ``SearchResults``."""
        from codesearch.search import search  # late: search imports this module

        return search(self, query, **options)

    def ranked(self, query: str, **options):
        """Up to 500 codes from one ranking, no snippets: :func:`codesearch.search.ranked`."""
        from codesearch.search import ranked  # late: search imports this module

        return ranked(self, query, **options)

    def get(self, code: str) -> CodeRecord | None:
        """The record of ``code`` (any case, with or without its dot, modifiers unpadded), or None."""
        record = self.records.get(code.strip().upper())
        if record is None:
            found = self.records.codes_for_key(code_key(code))
            record = self.records.get(found[0]) if found else None
        return record

    def codes_for(self, typed: str) -> list[str]:
        """Every code a typed code may mean: ``J1561`` is HCPCS J1561 and ICD-10-CM J15.61."""
        if "." in typed and typed.strip().upper() in self.records:
            return [typed.strip().upper()]
        return self.records.codes_for_key(code_key(typed))

    def docs_with_prefix(self, prefix: str) -> np.ndarray:
        """Document numbers of the codes whose dot-less form starts with ``prefix``, in code order."""
        prefix = code_key(prefix)
        if not prefix:
            return self.sorted_docs
        start, end = np.searchsorted(self.sorted_keys, [prefix, prefix + "\U0010ffff"])
        return self.sorted_docs[start:end]

    def codes_with_prefix(self, prefix: str) -> list[str]:
        """Codes whose dot-less form starts with ``prefix``, in code order."""
        return [str(self.table.codes[d]) for d in self.docs_with_prefix(prefix)]

    def records_of(self, system: str) -> list[CodeRecord]:
        """Every record of one code system (``HCPCS``, ``ICD10CM``, ``CPT``), decoding no other."""
        return self.records.values_at(np.nonzero(self.doc_system == system)[0].tolist())

    def linked(self, kind: str, value: str) -> list[str]:
        """Codes linked to ``value`` as ``kind``: ``xref`` (codes naming it as a cross-reference),
        ``brand`` (lowercase brand name) or ``generic`` (generic drug name), in code order."""
        return self.records.linked(kind, value)

    def prefix_range(self, prefix: str) -> tuple[int, int]:
        """The range of :attr:`vocab_sorted` holding the words that start with ``prefix``."""
        words = self.vocab_sorted
        start = end = bisect_left(words, prefix)
        if not prefix or ord(prefix[-1]) == sys.maxunicode:
            while end < len(words) and words[end].startswith(prefix):
                end += 1
        elif start < len(words) and words[start].startswith(prefix):
            # They end where the words reach the prefix with its last letter one higher.
            end = bisect_left(words, prefix[:-1] + chr(ord(prefix[-1]) + 1), start)
        return start, end

    def words_with_prefix(self, prefix: str) -> list[str]:
        """Vocabulary words starting with ``prefix``, alphabetically."""
        start, end = self.prefix_range(prefix)
        return self.vocab_sorted[start:end]


def verify_build(build: str | Path) -> None:
    """Open a finished build once, raising IndexCorruptError if its parts disagree.

    Beyond what every open checks, the Whoosh index must hold the same documents as the store.
    """
    index = CodeIndex(Path(build).parent, build=build)
    try:
        n = index.searcher.doc_count()
        codes = index.table.codes
        if n != index.table.size or list(index.records) != codes.tolist():
            raise IndexCorruptError(
                f"index build {build} is inconsistent: the Whoosh index has {n} documents, "
                f"{RECORDS_FILE} {len(index.records)}, in another order than the score table"
            )
    finally:
        index.close()


def open_index(index_dir: str | Path) -> CodeIndex:
    """Open the current build in ``index_dir``, or the newest good build if it is damaged (``.degraded`` says why)."""
    return CodeIndex(index_dir)


__all__ = ["CodeIndex", "current_build", "damaged_file", "finished_builds", "open_index", "verify_build"]
