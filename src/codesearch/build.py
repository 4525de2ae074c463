"""Atomic index build: sources → enriched records → Whoosh index, manifest and side files.

Layout of the index directory::

    index/
      current -> builds/<build id>     symlink, swapped atomically when a build completes
      builds/<build id>/               Whoosh segments, records.jsonl, vocab.json,
                                       lexicon.json and manifest.json (written last)
      .lock                            held by the one build allowed at a time

A build writes into ``builds/.tmp-<id>`` and is renamed and linked only once complete, so
a failed or killed build leaves the previous index serving.
"""

from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import json
import os
import shutil
import time
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from whoosh import index as whoosh_index

from codesearch import __version__
from codesearch.config import Settings
from codesearch.enrich import LEXICON_FILES, Enricher, Lexicon
from codesearch.errors import BuildLockedError, CorpusFileError
from codesearch.index import verify_build
from codesearch.records import SYSTEM_CPT, SYSTEM_HCPCS, SYSTEM_ICD10CM, CodeRecord
from codesearch.scores import write_score_table
from codesearch.schema import SCHEMA_VERSION, abbreviation_key, build_schema, words
from codesearch.sources import read_crosswalk, read_hcpcs
from codesearch.sources.cpt import read_cpt
from codesearch.sources.icd10cm import read_icd10cm
from codesearch.sources.pfs import read_pfs

Progress = Callable[[str, int, int], None]
KEEP_BUILDS = 2  # the current build and the one before it, which a server may still be reading


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@contextmanager
def build_lock(index_dir: Path):
    """Hold the index directory's build lock, or fail at once if another build has it."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with (index_dir / ".lock").open("a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildLockedError(
                f"another build of {index_dir} is running; wait for it to finish"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


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
    sources = [
        {"kind": kind, "path": str(path.resolve()), "bytes": path.stat().st_size, "sha256": _sha256(path)}
        for kind, path in files
    ]
    for name in LEXICON_FILES:
        path = settings.lexicon_dir / name
        sources.append(
            {"kind": "lexicon", "path": str(path.resolve()), "bytes": path.stat().st_size,
             "sha256": _sha256(path)}
        )
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
        builds.mkdir(parents=True, exist_ok=True)
        for stale in builds.glob(".tmp-*"):  # left by a killed build
            shutil.rmtree(stale, ignore_errors=True)
        records, sources, lexicon = load_records(settings, progress)
        build_id = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        tmp = builds / f".tmp-{build_id}"
        tmp.mkdir()
        try:
            _write(tmp, records, lexicon, progress)
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
            }
            manifest["build_seconds"] = round(time.monotonic() - started, 2)
            _write_json(tmp / "manifest.json", manifest)  # last: its presence marks a complete build
            verify_build(tmp)  # never make current a build that would not open
            final = builds / build_id
            os.replace(tmp, final)
            _point_current(index_dir, final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        _prune(builds, keep=final)
    return manifest


def _write(folder: Path, records: list[CodeRecord], lexicon: Lexicon, progress: Progress | None) -> None:
    ix = whoosh_index.create_in(str(folder), build_schema())
    writer = ix.writer(limitmb=1024)
    try:
        for i, record in enumerate(records, start=1):
            writer.add_document(**document(record))
            if progress and (i % 250 == 0 or i == len(records)):
                progress("index", i, len(records))
        writer.commit(optimize=True)
    except BaseException:
        writer.cancel()
        ix.close()
        raise
    if progress:
        progress("score table", 0, 1)
    try:
        write_score_table(ix, folder)
    finally:
        ix.close()
    if progress:
        progress("score table", 1, 1)
    with (folder / "records.jsonl").open("w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record.to_dict(), separators=(",", ":")) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    _write_json(folder / "vocab.json", _vocabulary(records))
    _write_json(folder / "lexicon.json", lexicon.to_dict())


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
