"""Atomic index build: sources → enriched records → Whoosh index, manifest and side files.

Layout of the index directory::

    index/
      current -> builds/<build id>     symlink, swapped atomically when a build completes
      builds/<build id>/               Whoosh segments, the score table (scores_*.npy),
                                       records.sqlite and docs_*.npy (codesearch.store),
                                       vocab.json, lexicon.json, expander.json and
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

from codesearch import __version__
from codesearch.config import Settings, is_embedded
from codesearch.enrich import Enricher, Lexicon
from codesearch.errors import BuildLockedError, CodeSearchError, CorpusFileError, IndexWriteError
from codesearch.expand import expander_tables
from codesearch.index import EXPANDER_FILE, verify_build
from codesearch.ranking import document_prior, head_text
from codesearch.records import SYSTEM_CPT, SYSTEM_HCPCS, SYSTEM_ICD10CM, CodeRecord
from codesearch.related import links
from codesearch.scores import write_score_table
from codesearch.store import write_store
from codesearch.schema import SCHEMA_VERSION, abbreviation_key, build_schema, words
from codesearch.sources import read_crosswalk, read_hcpcs
from codesearch.sources.cpt import read_cpt
from codesearch.sources.icd10cm import read_icd10cm
from codesearch.sources.pfs import read_pfs

Progress = Callable[[str, int, int], None]
KEEP_BUILDS = 2  # the current build and the one before it, which a server may still be reading
PARALLEL_FROM = 5_000  # records from which the Whoosh index is written by several processes
MAX_PROCS = 2
WRITER_MB = 1024  # Whoosh's indexing buffer, shared among the writing processes (as one writer had)
WRITER_BATCH = 100  # documents handed to a writing process at a time
PR_SET_PDEATHSIG = 1  # prctl(2)


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


def load_records(settings: Settings, progress: Progress | None = None):
    """Read and enrich every record; returns (records, source file descriptions, lexicon)."""
    files: list[tuple[str, Path]] = []
    raw: list[CodeRecord] = []
    crosswalk: dict = {}
    if settings.wants(SYSTEM_HCPCS):
        hcpcs_path = settings.hcpcs_path()
        crosswalk_path = settings.crosswalk_path()
        files += [("hcpcs", hcpcs_path), ("asp_crosswalk", crosswalk_path)]
        if progress:
            progress("read HCPCS release", 0, 1)
        raw += read_hcpcs(hcpcs_path)
        if progress:
            progress("read HCPCS release", 1, 1)
        crosswalk = read_crosswalk(crosswalk_path)
    if settings.wants(SYSTEM_ICD10CM):
        icd_path = settings.icd10cm_path()
        if icd_path is None and settings.systems is not None:
            raise CorpusFileError(settings.data_dir / "icd10cm", "no ICD-10-CM tabular XML found")
        if icd_path is not None:
            if progress:
                progress("read ICD-10-CM", 0, 1)
            raw += read_icd10cm(icd_path)
            files.append(("icd10cm", icd_path))
            if progress:
                progress("read ICD-10-CM", 1, 1)
    if settings.wants(SYSTEM_CPT):
        cpt_path = settings.cpt_path()
        if cpt_path is not None:
            raw += read_cpt(cpt_path)
            files.append(("cpt", cpt_path))
    if not raw:
        raise CorpusFileError(settings.data_dir, f"no records for systems {', '.join(settings.systems or ())}")
    lexicon = Lexicon.load(settings.lexicon_dir)
    pfs_path = settings.pfs_path()  # optional: an older data directory has no PFS file
    pfs = read_pfs(pfs_path) if pfs_path is not None else {}
    enricher = Enricher(lexicon, crosswalk)
    records = []
    for i, record in enumerate(raw, start=1):
        record = enricher.enrich(record)
        if record.kind == "code" and record.code in pfs:
            record = dataclasses.replace(record, rvus=tuple(pfs[record.code]))
        records.append(record)
        if progress and (i % 500 == 0 or i == len(raw)):
            progress("enrich", i, len(raw))
    if pfs_path is not None:
        files.append(("pfs_rvu", pfs_path))
    files += [("lexicon", path) for path in sorted(Path(settings.lexicon_dir).glob("*.tsv"))]
    sources = [_source(kind, path) for kind, path in files]
    return records, sources, lexicon


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
        records, sources, lexicon = load_records(settings, progress)
        build_id = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        tmp = builds / f".tmp-{build_id}"
        with writing(tmp):
            tmp.mkdir()
        try:
            with writing(tmp):
                _write(tmp, records, lexicon, progress)
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


def _write(folder: Path, records: list[CodeRecord], lexicon: Lexicon, progress: Progress | None) -> None:
    # Documents are numbered in build order. The records, vocabulary and expander tables are
    # written by a forked child while the Whoosh index is written (itself by several
    # processes for a large build); the score table follows, renumbered to build order.
    codes = [r.code for r in records]
    side = _start(_write_side_files, folder, records, lexicon)
    try:
        ix = whoosh_index.create_in(str(folder), build_schema())
        procs = min(MAX_PROCS, os.cpu_count() or 1) if len(records) >= PARALLEL_FROM else 1
        if procs > 1:
            # Several processes analyse and write a segment each, kept as they are (no merge):
            # the score table reads every segment, queries never touch Whoosh.
            writer = ix.writer(procs=procs, multisegment=True, limitmb=WRITER_MB // procs, batchsize=WRITER_BATCH)
        else:
            writer = ix.writer(limitmb=WRITER_MB)
        try:
            for i, record in enumerate(records, start=1):
                writer.add_document(**document(record))
                if progress and (i % 250 == 0 or i == len(records)):
                    progress("index", i, len(records))
            writer.commit(optimize=procs == 1)
        except BaseException:
            writer.cancel()
            ix.close()
            raise
        if progress:
            progress("score table", 0, 1)
        try:
            write_score_table(ix, folder, codes)
        finally:
            ix.close()
        if progress:
            progress("score table", 1, 1)
        _join(side, "writing records.sqlite, vocab.json and expander.json")
    finally:
        if side.is_alive():
            side.terminate()
            side.join()


def _write_side_files(folder: Path, records: list[CodeRecord], lexicon: Lexicon) -> None:
    write_store(folder, records, [r.code for r in records], prior=document_prior, head=head_text, links=links)
    vocab = _vocabulary(records)
    _write_json(folder / "vocab.json", vocab)
    _write_json(folder / "lexicon.json", lexicon.to_dict())
    _write_json(folder / EXPANDER_FILE, expander_tables(records, lexicon, vocab))


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


__all__ = ["build_index", "build_lock", "document", "load_records"]
