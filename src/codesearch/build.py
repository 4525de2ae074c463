"""Atomic index build: sources → enriched records → Whoosh index, manifest and side files.

Layout of the index directory::

    index/
      current -> builds/<build id>     symlink, swapped atomically when a build completes
      builds/<build id>/               Whoosh segments, the score table (scores_*.npy),
                                       records.sqlite and docs_*.npy (codesearch.store),
                                       vocab.json, lexicon.json, expander.json, acronyms.json and
                                       manifest.json (written last, with every file's size)
      .lock                            held by the one build allowed at a time
      .current-<pid>                   the new link, for an instant before it replaces `current`

A build writes into ``builds/.tmp-<id>`` and is renamed and linked only once complete, so
a failed or killed build leaves the previous index serving.
"""

from __future__ import annotations

import ctypes
import dataclasses
import fcntl
import hashlib
import json
import multiprocessing
import multiprocessing.util
import os
import shutil
import signal
import time
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.codec import whoosh3

from codesearch import __version__
from codesearch.config import Settings, is_embedded
from codesearch.enrich import Enricher, Lexicon
from codesearch.errors import BuildLockedError, CodeSearchError, CorpusFileError, IndexWriteError
from codesearch.expand import expander_tables
from codesearch.index import ACRONYMS_FILE, EXPANDER_FILE, verify_build
from codesearch.ranking import document_prior, head_text, inclusion_terms, negated_text, subject_text
from codesearch.records import SYSTEM_CPT, SYSTEM_HCPCS, SYSTEM_ICD10CM, CodeRecord
from codesearch.related import links
from codesearch.scores import write_score_table
from codesearch.store import write_store
from codesearch.schema import (SCHEMA_VERSION, abbreviation_key, build_schema, exact_tokens, keyword_tokens,
                               stem_tokens, words)
from codesearch.sources import read_crosswalk, read_hcpcs
from codesearch.sources.cpt import read_cpt
from codesearch.sources.icd10cm import read_icd10cm
from codesearch.sources.pfs import read_pfs

Progress = Callable[[str, int, int], None]
KEEP_BUILDS = 2  # the current build and the one before it, which a server may still be reading
PARALLEL_FROM = 5_000  # records from which the Whoosh index is written by several processes
MAX_PROCS = 2
WRITER_MB = 1024  # Whoosh's indexing buffer, shared among the writing processes (as one writer had)
WRITER_BATCH = 2500  # documents handed to a writing process at a time (in a file; Whoosh queues 4 per process)
PR_SET_PDEATHSIG = 1  # prctl(2)


def _lengths_read_once(self, fieldname, column):
    """``W3PerDocReader._cached_reader``, keeping a field's length column in memory once read.

    Whoosh 2.7's segment writer looks up the document's field length for every posting it
    writes (for the blocks' length bounds): through a file seek and read per posting, and a
    ``stat`` per posting of a field without lengths (an ID field), which it never caches.
    Profiled on this build, those lookups were a third of the writers' commit; the column is
    one byte per document, the values are the same.
    """
    if fieldname not in self._readers:
        reader = None
        if self.has_column(fieldname):
            reader = self.column_reader(fieldname, column)
            if column is whoosh3.LENGTHS_COLUMN:
                reader = reader.load()
        self._readers[fieldname] = reader
    return self._readers[fieldname]


whoosh3.W3PerDocReader._cached_reader = _lengths_read_once


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _source(kind: str, path: Path) -> dict:
    """A source file as the manifest records it: which release, and whether it was the embedded one."""
    return {
        "kind": kind,
        "name": path.name,
        "origin": "embedded" if is_embedded(path) else "path",
        "path": str(path.resolve()),
        "bytes": path.stat().st_size,
        "sha256": _sha256(path),
    }


def write_error(exc: OSError, where: Path) -> IndexWriteError:
    """One line for a failed write (disk full, permissions): the path and the cause."""
    path = exc.filename or where
    cause = exc.strerror or str(exc)
    return IndexWriteError(f"cannot write {path}: {cause}; the previous index, if any, is still current")


@contextmanager
def writing(where: Path):
    """Turn an OSError raised while writing under ``where`` into an IndexWriteError naming path and cause."""
    try:
        yield
    except OSError as exc:
        raise write_error(exc, where) from None


@contextmanager
def build_lock(index_dir: Path):
    """Hold the index directory's build lock, or fail at once if another build has it.

    Processes the build forks (Whoosh's writers, the side-file writer) drop their inherited
    copy of the lock and die with the build, so a killed build never leaves it held.
    """
    with writing(index_dir):
        index_dir.mkdir(parents=True, exist_ok=True)
        fh = (index_dir / ".lock").open("a+")
    with fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildLockedError(
                f"another build of {index_dir} is running; wait for it to finish"
            ) from None
        held = _HeldLock(fh.fileno())
        multiprocessing.util.register_after_fork(held, _HeldLock.in_child)
        try:
            yield
        finally:
            held.active = False
            fcntl.flock(fh, fcntl.LOCK_UN)


class _HeldLock:
    """The build lock's file descriptor, as a forked helper process sees it."""

    def __init__(self, fd: int):
        self.fd = fd
        self.active = True

    def in_child(self) -> None:
        if not self.active:
            return
        os.close(self.fd)  # flock locks belong to the open file, which fork shares
        try:  # Linux: the kernel kills this helper when the build process dies
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            pass


def document(record: CodeRecord) -> dict[str, str]:
    """The Whoosh document for a record: one place maps record fields to index fields."""
    ndcs = {p.ndc11 for p in record.products}
    return {
        "code": record.code,
        "system": record.system,
        "kind": record.kind,
        "status": record.status,
        "section": record.section_letter or ("MOD" if record.kind == "modifier" else ""),
        "short": record.short,
        "long": record.long,
        "brand": " | ".join(record.brands),
        "abbrev": ",".join([abbreviation_key(a) for a in record.abbreviations] + list(record.named_senses)),
        # Only the lexicon's everyday words: the category sentence is too general to match on.
        "plain": " | ".join(record.plain_terms),
        "synonyms": " | ".join(record.synonyms),
        "category": f"{record.section}. {record.block}. {record.betos_description}. {record.plain}",
        "ndc": ",".join(sorted(ndcs)),
    }


@contextmanager
def reading(path: Path):
    """Turn an OSError raised while reading source ``path`` into a CorpusFileError naming it.

    The build reads its sources while writing the index, inside :func:`writing`, which would
    otherwise report an unreadable source as a failed write.
    """
    try:
        yield
    except OSError as exc:
        raise CorpusFileError(Path(exc.filename or path), exc.strerror or str(exc)) from None


def _read(settings: Settings, files: list[tuple[str, Path]], progress: Progress | None):
    """Each system's records as read, in turn: yields (system name, records, crosswalk so far).

    Notes each source file in ``files``. A system is read whole before the next, so the build
    indexes one system while reading the next.
    """
    crosswalk: dict = {}
    if settings.wants(SYSTEM_HCPCS):
        hcpcs_path = settings.hcpcs_path()
        crosswalk_path = settings.crosswalk_path()
        files += [("hcpcs", hcpcs_path), ("asp_crosswalk", crosswalk_path)]
        if progress:
            progress("read HCPCS release", 0, 1)
        with reading(hcpcs_path):
            raw = list(read_hcpcs(hcpcs_path))
        with reading(crosswalk_path):
            crosswalk = read_crosswalk(crosswalk_path)
        if progress:
            progress("read HCPCS release", 1, 1)
        yield "HCPCS", raw, crosswalk
    if settings.wants(SYSTEM_ICD10CM):
        icd_path = settings.icd10cm_path()
        if icd_path is None and settings.systems is not None:
            raise CorpusFileError(settings.data_dir / "icd10cm", "no ICD-10-CM tabular XML found")
        if icd_path is not None:
            if progress:
                progress("read ICD-10-CM", 0, 1)
            with reading(icd_path):
                raw = list(read_icd10cm(icd_path))
            files.append(("icd10cm", icd_path))
            if progress:
                progress("read ICD-10-CM", 1, 1)
            yield "ICD-10-CM", raw, crosswalk
    if settings.wants(SYSTEM_CPT):
        cpt_path = settings.cpt_path()
        if cpt_path is not None:
            with reading(cpt_path):
                raw = list(read_cpt(cpt_path))
            files.append(("cpt", cpt_path))
            yield "CPT", raw, crosswalk


def _vocabulary(records: list[CodeRecord]) -> dict[str, int]:
    """Unstemmed word → number of records containing it, for typo and prefix expansion."""
    df: Counter[str] = Counter()
    for r in records:
        text = " ".join((r.short, r.long, " ".join(r.brands), " ".join(r.plain_terms), " ".join(r.synonyms)))
        df.update({w for w in words(text) if not w.isdigit()})
    return dict(df)


def build_index(settings: Settings, progress: Progress | None = None) -> dict:
    """Build the index from the sources in ``settings`` and make it current; returns the manifest."""
    started = time.monotonic()
    index_dir = Path(settings.index_dir)
    builds = index_dir / "builds"
    with build_lock(index_dir):
        with writing(builds):
            builds.mkdir(parents=True, exist_ok=True)
        for stale in builds.glob(".tmp-*"):  # left by a killed build
            shutil.rmtree(stale, ignore_errors=True)
        with writing(index_dir):
            for litter in index_dir.glob(".current-*"):  # a link a killed build made but never swapped in
                litter.unlink(missing_ok=True)
        build_id = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        tmp = builds / f".tmp-{build_id}"
        with writing(tmp):
            tmp.mkdir()
        try:
            with writing(tmp):
                records, sources = _write(tmp, settings, progress)
            if settings.previous_files:
                from codesearch.changes import compare_with_files

                compared = compare_with_files(records, settings.previous_files)
                with writing(tmp):
                    _write_json(tmp / "changes.json", {s: r.to_dict() for s, r in compared.items()})
            counts = Counter()
            plural = {"code": "codes", "modifier": "modifiers", "diagnosis": "diagnoses", "procedure": "procedures"}
            for r in records:
                counts[plural[r.kind]] += 1
                counts[f"{plural[r.kind]}_{r.status}"] += 1
                counts[f"system_{r.system}"] += 1
                counts["codes_with_products"] += bool(r.products)
                counts["codes_with_brands"] += bool(r.brands)
                counts["codes_with_abbreviations"] += bool(r.abbreviations)
            manifest = {
                "build_id": build_id,
                "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "schema_version": SCHEMA_VERSION,
                "codesearch_version": __version__,
                "records": len(records),
                "counts": dict(sorted(counts.items())),
                "ndcs": sum(len(r.products) for r in records),
                "sources": sources,
                "files": _file_sizes(tmp),
            }
            if settings.previous_files:
                manifest["compared_with"] = [
                    {"path": str(Path(p).resolve()), "sha256": _sha256(Path(p))} for p in settings.previous_files
                ]
            manifest["build_seconds"] = round(time.monotonic() - started, 2)
            with writing(tmp):
                _write_json(tmp / "manifest.json", manifest)  # last: its presence marks a complete build
            verify_build(tmp)  # never make current a build that would not open
            final = builds / build_id
            with writing(index_dir):
                os.replace(tmp, final)
                _point_current(index_dir, final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        _prune(builds, keep=final)
    return manifest


def _write(folder: Path, settings: Settings, progress: Progress | None) -> tuple[list[CodeRecord], list[dict]]:
    """Read, enrich and index every record into ``folder``; returns (records, source file descriptions).

    Documents are numbered in build order. Each record is enriched and each field analysed once,
    here, as its system is read; the token lists go to Whoosh's writers (several processes for a
    large build, indexing one system while this process reads the next) and to the score table,
    which this process computes while the writers finish. The records, vocabulary and expander
    tables are written meanwhile by a forked child.
    """
    lexicon = Lexicon.load(settings.lexicon_dir)  # first: a missing lexicon stops the build at once
    pfs_path = settings.pfs_path()  # optional: an older data directory has no PFS file
    pfs = {}
    if pfs_path is not None:
        with reading(pfs_path):
            pfs = read_pfs(pfs_path)
    files: list[tuple[str, Path]] = []
    schema = build_schema()
    ix = whoosh_index.create_in(str(folder), schema)
    writer = _Writer(ix)
    records: list[CodeRecord] = []
    documents: list[dict] = []
    side = None
    try:
        analyse = _Analyser()
        enricher = None
        for system, raw, crosswalk in _read(settings, files, progress):
            enricher = enricher or Enricher(lexicon, crosswalk)
            for i, record in enumerate(raw, start=1):
                record = enricher.enrich(record)
                if record.kind == "code" and record.code in pfs:
                    record = dataclasses.replace(record, rvus=tuple(pfs[record.code]))
                records.append(record)
                doc = analyse(record)
                documents.append(doc)
                writer.add(doc)
                if progress and (i % 1000 == 0 or i == len(raw)):
                    progress(f"index {system}", i, len(raw))
        if not records:
            raise CorpusFileError(settings.data_dir, f"no records for systems {', '.join(settings.systems or ())}")
        side = _start(_write_side_files, folder, records, lexicon)
        if progress:
            progress("score table", 0, 1)
        write_score_table(folder, [r.code for r in records], documents, schema)
        if progress:
            progress("score table", 1, 1)
            progress("write index", 0, 1)
        writer.commit()
        _join(side, "writing records.sqlite, vocab.json, expander.json and acronyms.json")
        if progress:
            progress("write index", 1, 1)
    except BaseException:
        writer.cancel()
        raise
    finally:
        ix.close()
        if side is not None and side.is_alive():
            side.terminate()
            side.join()
    if pfs_path is not None:
        files.append(("pfs_rvu", pfs_path))
    files += [("lexicon", path) for path in sorted(Path(settings.lexicon_dir).glob("*.tsv"))]
    return records, [_source(kind, path) for kind, path in files]


class _Writer:
    """Whoosh's writer, opened once the build knows whether it is large enough for several processes.

    Documents are held until :data:`PARALLEL_FROM` have come (or the last has); a large build then
    writes with several processes, a segment each, kept as they are (no merge: queries never
    touch Whoosh), the documents going out :data:`WRITER_BATCH` to a file.
    """

    def __init__(self, ix):
        self.ix = ix
        self.writer = None
        self.waiting: list[dict] = []
        self.procs = 1
        self.committed = False

    def add(self, document: dict) -> None:
        if self.writer is None:
            self.waiting.append(document)
            if len(self.waiting) >= PARALLEL_FROM:
                self._open()
        else:
            self.writer.add_document(**document)

    def _open(self) -> None:
        self.procs = min(MAX_PROCS, os.cpu_count() or 1) if len(self.waiting) >= PARALLEL_FROM else 1
        if self.procs > 1:
            self.writer = self.ix.writer(procs=self.procs, multisegment=True, limitmb=WRITER_MB // self.procs,
                                         batchsize=WRITER_BATCH)
        else:
            self.writer = self.ix.writer(limitmb=WRITER_MB)
        waiting, self.waiting = self.waiting, []
        for document in waiting:
            self.writer.add_document(**document)

    def commit(self) -> None:
        if self.writer is None:
            self._open()
        self.writer.commit(optimize=self.procs == 1)
        self.committed = True

    def cancel(self) -> None:
        """Drop what was written, unless committed (the build folder is removed either way).

        Whoosh's own cancel only tells its writing processes to stop in this process's memory;
        they would go on reading job files from the folder being removed and die with a
        traceback, so they are stopped first.
        """
        if self.writer is None or self.committed:
            return
        for task in getattr(self.writer, "tasks", ()):
            task.terminate()
            task.join()
        self.writer.cancel()


#: How each indexed field's text becomes tokens (what the field's analyser would give).
_ANALYSE = {"short": stem_tokens, "long": stem_tokens, "synonyms": stem_tokens, "plain": stem_tokens,
            "category": stem_tokens, "brand": exact_tokens, "abbrev": keyword_tokens}


class _Analyser:
    """A record's :func:`document` with its text fields as token lists, each distinct text analysed once."""

    def __init__(self):
        self.seen: dict[tuple[str, str], list[str]] = {}

    def __call__(self, record: CodeRecord) -> dict:
        doc = document(record)
        for fieldname, analyse in _ANALYSE.items():
            key = (fieldname, doc[fieldname])
            tokens = self.seen.get(key)
            if tokens is None:
                tokens = self.seen[key] = analyse(doc[fieldname])
            doc[fieldname] = tokens
        # An empty field indexes nothing: left out, Whoosh skips it instead of analysing nothing.
        return {name: value for name, value in doc.items() if value}


def _write_side_files(folder: Path, records: list[CodeRecord], lexicon: Lexicon) -> None:
    write_store(folder, records, [r.code for r in records], prior=document_prior, head=head_text,
                negated=negated_text, links=links, subject=subject_text,
                terms=inclusion_terms)
    vocab = _vocabulary(records)
    _write_json(folder / "vocab.json", vocab)
    _write_json(folder / "lexicon.json", lexicon.to_dict())
    tables = expander_tables(records, lexicon, vocab)
    _write_json(folder / ACRONYMS_FILE, tables.pop("acronyms"))
    _write_json(folder / EXPANDER_FILE, tables)


def _start(target, *args):
    """Run ``target(*args)`` in a forked child (it sees this process's memory as it is now)."""
    reader, writer = multiprocessing.Pipe(duplex=False)
    child = multiprocessing.get_context("fork").Process(target=_child, args=(writer, target, args), daemon=True)
    child.start()
    writer.close()
    child.answer = reader
    return child


def _child(pipe, target, args) -> None:
    try:
        target(*args)
        pipe.send(None)
    except OSError as exc:  # disk full, permissions: re-raised as such by _join in the parent
        pipe.send(("OSError", exc.errno, exc.strerror or str(exc), exc.filename))
        raise SystemExit(1) from None
    except CodeSearchError as exc:
        pipe.send(("CodeSearchError", str(exc)))
        raise SystemExit(1) from None
    except BaseException as exc:  # reported by _join in the parent
        pipe.send(f"{type(exc).__name__}: {exc}")
        raise SystemExit(1) from None


def _join(child, what: str) -> None:
    """Wait for a child of :func:`_start`; its failure becomes this process's."""
    try:
        problem = child.answer.recv()
    except EOFError:  # the child died without a word (killed)
        problem = None
    child.join()
    child.answer.close()
    if isinstance(problem, tuple) and problem[0] == "OSError":
        raise OSError(*problem[1:])  # the caller's `writing()` names the path and the cause
    if isinstance(problem, tuple):
        raise CodeSearchError(problem[1])
    if problem is not None or child.exitcode != 0:
        raise RuntimeError(f"{what} failed: {problem or f'exit code {child.exitcode}'}")


def _file_sizes(folder: Path) -> dict[str, int]:
    """Every file of a build and its size, for the manifest: opening checks them with one stat each."""
    return {p.name: p.stat().st_size for p in sorted(folder.iterdir()) if p.is_file() and p.name != "manifest.json"}


def _write_json(path: Path, data) -> None:
    with path.open("w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=1, sort_keys=True)
        fh.flush()
        os.fsync(fh.fileno())


def _point_current(index_dir: Path, target: Path) -> None:
    link = index_dir / "current"
    tmp_link = index_dir / f".current-{os.getpid()}"
    if tmp_link.is_symlink() or tmp_link.exists():
        tmp_link.unlink()
    os.symlink(os.path.relpath(target, index_dir), tmp_link)
    os.replace(tmp_link, link)  # atomic: readers see the old build or the new one


def _prune(builds: Path, keep: Path) -> None:
    done = sorted(p for p in builds.iterdir() if p.is_dir() and not p.name.startswith("."))
    for old in done[:-KEEP_BUILDS]:
        if old != keep:
            shutil.rmtree(old, ignore_errors=True)


__all__ = ["build_index", "build_lock", "document"]
