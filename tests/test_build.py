"""Tests for the atomic index build, the build lock, and opening/refreshing built indexes."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

import codesearch.build
from codesearch.build import build_index, build_lock
from codesearch.enrich import LEXICON_FILES
from codesearch.errors import BuildLockedError, CorpusFileError, IndexCorruptError, IndexMissingError, IndexWriteError
from codesearch.index import current_build, open_index
from codesearch.schema import SCHEMA_VERSION

from fixtures import TINY_ROWS, hcpcs_row, write_xlsx

TINY_RECORDS = 8  # seven codes and one modifier; the J9999 continuation row is no record


def hcpcs_file(settings) -> Path:
    return settings.data_dir / "hcpcs" / "HCPC2025_OCT_ANWEB.xlsx"


def builds(settings) -> list[str]:
    return sorted(p.name for p in (settings.index_dir / "builds").iterdir())


def truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def build_error(settings, exc_type=CorpusFileError):
    """Run a build that must fail; return the error with its traceback dropped."""
    try:
        build_index(settings)
    except exc_type as exc:
        return exc.with_traceback(None)
    pytest.fail("the build did not fail")


@pytest.fixture
def index_reader():
    """Opens indexes with open_index and closes them all after the test."""
    opened = []

    def _open(index_dir):
        index = open_index(index_dir)
        opened.append(index)
        return index

    yield _open
    for index in opened:
        index.close()


# -- a successful build -----------------------------------------------------------------------


def test_manifest_fields(tiny_settings):
    """The manifest records schema, record count, counts, sources with sha256 and timing."""
    manifest = build_index(tiny_settings)
    assert manifest["schema_version"] == SCHEMA_VERSION
    assert manifest["records"] == TINY_RECORDS
    assert manifest["ndcs"] == 4
    assert manifest["counts"]["codes"] == 7
    assert manifest["counts"]["modifiers"] == 1
    assert manifest["counts"]["codes_terminated"] == 1
    assert manifest["counts"]["codes_with_products"] == 2
    assert isinstance(manifest["build_seconds"], float) and manifest["build_seconds"] >= 0
    assert manifest["built_at"].endswith("+00:00")
    kinds = [s["kind"] for s in manifest["sources"]]
    assert kinds == ["hcpcs", "asp_crosswalk"] + ["lexicon"] * len(LEXICON_FILES)
    assert [Path(s["path"]).name for s in manifest["sources"][2:]] == sorted(LEXICON_FILES)
    hcpcs = manifest["sources"][0]
    assert hcpcs["path"] == str(hcpcs_file(tiny_settings).resolve())
    assert hcpcs["sha256"] == hashlib.sha256(hcpcs_file(tiny_settings).read_bytes()).hexdigest()
    assert hcpcs["bytes"] == hcpcs_file(tiny_settings).stat().st_size
    for source in manifest["sources"]:
        assert source["sha256"] == hashlib.sha256(Path(source["path"]).read_bytes()).hexdigest()


def test_manifest_written_to_build_dir(tiny_settings):
    """manifest.json in the current build equals the returned manifest."""
    manifest = build_index(tiny_settings)
    build = current_build(tiny_settings.index_dir)
    assert json.loads((build / "manifest.json").read_text(encoding="utf-8")) == manifest
    assert build.name == manifest["build_id"]


def test_current_points_at_complete_build(tiny_settings):
    """`current` is a relative symlink to builds/<build id>, which holds every index file."""
    manifest = build_index(tiny_settings)
    link = tiny_settings.index_dir / "current"
    assert link.is_symlink()
    assert os.readlink(link) == os.path.join("builds", manifest["build_id"])
    build = link.resolve()
    for name in ("manifest.json", "records.sqlite", "vocab.json", "lexicon.json", "expander.json",
                 "acronyms.json", "scores_docs.npy", "docs_active.npy"):
        assert (build / name).is_file(), name
    with sqlite3.connect(build / "records.sqlite") as db:
        assert db.execute("SELECT count(*) FROM records").fetchone()[0] == TINY_RECORDS
    files = {p.name: p.stat().st_size for p in build.iterdir() if p.name != "manifest.json"}
    assert manifest["files"] == files
    assert list((tiny_settings.index_dir / "builds").glob(".tmp-*")) == []


def test_built_index_answers(tiny_settings, index_reader):
    """The built index returns enriched records by code, modifiers included."""
    build_index(tiny_settings)
    index = index_reader(tiny_settings.index_dir)
    j1568 = index.get("j1568")
    assert j1568.brands == ("Octagam",)
    assert j1568.abbreviations == ("IVIG",)
    assert index.get(" ga ").kind == "modifier"
    assert index.get("99213") is None
    assert index.codes_with_prefix("J15") == ["J1566", "J1568", "J1569"]
    assert index.ndc_map["68982084001"] == ["J1568"]
    assert index.searcher.doc_count() == TINY_RECORDS


def test_progress_reports_each_stage(tiny_settings):
    """The progress callback hears the read, index, score-table and write stages in order, each ending complete."""
    calls = []
    build_index(tiny_settings, progress=lambda stage, done, total: calls.append((stage, done, total)))
    stages = list(dict.fromkeys(stage for stage, _, _ in calls))
    assert stages == ["read HCPCS release", "index HCPCS", "score table", "write index"]
    for stage in stages:
        assert [c for c in calls if c[0] == stage][-1][1:] in {(1, 1), (TINY_RECORDS, TINY_RECORDS)}


def test_second_build_replaces_current(tiny_settings):
    """A second build becomes current; the first is kept beside it."""
    first = build_index(tiny_settings)["build_id"]
    second = build_index(tiny_settings)["build_id"]
    assert second > first
    assert current_build(tiny_settings.index_dir).name == second
    assert builds(tiny_settings) == [first, second]


def test_at_most_two_builds_kept(tiny_settings):
    """After three builds only the newest two remain, the newest current."""
    ids = [build_index(tiny_settings)["build_id"] for _ in range(3)]
    assert builds(tiny_settings) == ids[1:]
    assert current_build(tiny_settings.index_dir).name == ids[2]


def test_new_build_reflects_changed_sources(tiny_settings, index_reader):
    """A rebuild after the release changed serves the new records."""
    build_index(tiny_settings)
    write_xlsx(hcpcs_file(tiny_settings), TINY_ROWS + [hcpcs_row("J0100", "Injection, new drug, 1 mg", "New drug")])
    manifest = build_index(tiny_settings)
    assert manifest["records"] == TINY_RECORDS + 1
    assert index_reader(tiny_settings.index_dir).get("J0100").short == "New drug"


# -- failing builds ---------------------------------------------------------------------------


def test_failed_build_keeps_previous_index(tiny_settings, index_reader):
    """A build from a truncated XLSX fails and the previous build stays current and answering."""
    good = build_index(tiny_settings)["build_id"]
    truncate(hcpcs_file(tiny_settings))
    err = build_error(tiny_settings)
    assert err.path == str(hcpcs_file(tiny_settings))
    assert "truncated" in str(err) or "not a readable" in str(err)
    assert current_build(tiny_settings.index_dir).name == good
    index = index_reader(tiny_settings.index_dir)
    assert index.version == good
    assert index.get("J1568").code == "J1568"
    assert builds(tiny_settings) == [good]  # no .tmp-* left behind


def test_failed_crosswalk_keeps_previous_index(tiny_settings, index_reader):
    """A malformed crosswalk fails the build, naming row and column, and the old index serves."""
    good = build_index(tiny_settings)["build_id"]
    crosswalk = tiny_settings.crosswalk_path()
    text = crosswalk.read_bytes().replace(b"68982-0840-01", b"12-34")
    crosswalk.write_bytes(text)
    err = build_error(tiny_settings)
    assert (err.row, err.column) == (10, "NDC2")
    assert index_reader(tiny_settings.index_dir).version == good


def test_exception_in_write_keeps_old_build_and_removes_tmp(tiny_settings, monkeypatch, index_reader):
    """An error while writing the index leaves the old build current and no .tmp-* behind."""
    good = build_index(tiny_settings)["build_id"]
    seen = []

    def boom(folder, settings, progress):
        seen.append(folder)
        (folder / "records.sqlite").write_text("partial\n", encoding="utf-8")
        raise RuntimeError("disk full")

    monkeypatch.setattr(codesearch.build, "_write", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        build_index(tiny_settings)
    assert seen and seen[0].name.startswith(".tmp-")
    assert not seen[0].exists()
    assert builds(tiny_settings) == [good]
    assert index_reader(tiny_settings.index_dir).get("J1568") is not None


def test_interrupt_in_write_cleans_up(tiny_settings, monkeypatch):
    """A KeyboardInterrupt during writing also removes the temporary build directory."""
    def interrupted(folder, settings, progress):
        raise KeyboardInterrupt

    monkeypatch.setattr(codesearch.build, "_write", interrupted)
    with pytest.raises(KeyboardInterrupt):
        build_index(tiny_settings)
    assert builds(tiny_settings) == []
    with pytest.raises(IndexMissingError):
        current_build(tiny_settings.index_dir)


def test_stale_tmp_dir_removed_by_next_build(tiny_settings):
    """A `.tmp-x` directory left by a killed build is removed by the next build."""
    stale = tiny_settings.index_dir / "builds" / ".tmp-x"
    stale.mkdir(parents=True)
    (stale / "records.sqlite").write_text("half\n", encoding="utf-8")
    manifest = build_index(tiny_settings)
    assert not stale.exists()
    assert builds(tiny_settings) == [manifest["build_id"]]


def test_build_refused_while_locked(tiny_settings):
    """A build while another holds the lock fails at once with BuildLockedError, building nothing."""
    with build_lock(tiny_settings.index_dir):
        with pytest.raises(BuildLockedError) as info:
            build_index(tiny_settings)
    message = str(info.value)
    assert str(tiny_settings.index_dir) in message
    assert "another build" in message and "running" in message
    assert not (tiny_settings.index_dir / "builds").exists()


def test_lock_released_after_build_and_failure(tiny_settings):
    """The lock is free again after a build and after a failed build."""
    build_index(tiny_settings)
    with build_lock(tiny_settings.index_dir):
        pass
    truncate(hcpcs_file(tiny_settings))
    build_error(tiny_settings)
    with build_lock(tiny_settings.index_dir):
        pass


def test_missing_sources_error(tmp_path, tiny_settings):
    """A data directory without a release names the folder it searched."""
    settings = replace(tiny_settings, data_dir=tmp_path / "empty")
    err = build_error(settings)
    assert err.path == str(tmp_path / "empty" / "hcpcs")
    assert "no HCPCS release" in str(err)


def test_duplicate_code_does_not_make_an_unopenable_index(tiny_settings, index_reader):
    """A release listing a code twice is refused with the row; the old build stays current."""
    good = build_index(tiny_settings)["build_id"]
    write_xlsx(hcpcs_file(tiny_settings), TINY_ROWS + [hcpcs_row("J1568", "Injection, again, 1 mg", "Again")])
    with pytest.raises(CorpusFileError) as info:
        build_index(tiny_settings)
    assert info.value.row == len(TINY_ROWS) + 2 and info.value.column == "HCPC"
    assert current_build(tiny_settings.index_dir).name == good
    assert index_reader(tiny_settings.index_dir).get("J1568") is not None


# -- opening and refreshing -------------------------------------------------------------------


def test_refresh_switches_to_newer_build(tiny_settings, index_reader):
    """CodeIndex.refresh() moves to a newer build once, then reports nothing new."""
    first = build_index(tiny_settings)["build_id"]
    index = index_reader(tiny_settings.index_dir)
    assert index.refresh() is False
    write_xlsx(hcpcs_file(tiny_settings), TINY_ROWS + [hcpcs_row("J0100", "Injection, new drug, 1 mg", "New drug")])
    second = build_index(tiny_settings)["build_id"]
    assert index.version == first and index.get("J0100") is None
    assert index.refresh() is True
    assert index.version == second
    assert index.get("J0100").short == "New drug"
    assert index.searcher.doc_count() == TINY_RECORDS + 1
    assert index.refresh() is False


def test_refresh_keeps_serving_when_index_disappears(tiny_settings, index_reader):
    """refresh() keeps the loaded build when `current` is removed."""
    build_id = build_index(tiny_settings)["build_id"]
    index = index_reader(tiny_settings.index_dir)
    (tiny_settings.index_dir / "current").unlink()
    assert index.refresh() is False
    assert index.version == build_id and index.get("J1568") is not None


def test_missing_index(tmp_path):
    """Opening an index directory with no build raises IndexMissingError mentioning the fix."""
    with pytest.raises(IndexMissingError) as info:
        open_index(tmp_path / "index")
    assert "codesearch build" in str(info.value)
    assert str(tmp_path / "index") in str(info.value)


def test_current_without_manifest_is_missing(tiny_settings):
    """A `current` link to a build without manifest.json counts as no index."""
    build_index(tiny_settings)
    (current_build(tiny_settings.index_dir) / "manifest.json").unlink()
    with pytest.raises(IndexMissingError, match="codesearch build"):
        open_index(tiny_settings.index_dir)


def test_truncated_records_is_corrupt(tiny_settings):
    """records.sqlite cut in half makes open_index raise IndexCorruptError naming the build."""
    build_index(tiny_settings)
    build = current_build(tiny_settings.index_dir)
    truncate(build / "records.sqlite")
    with pytest.raises(IndexCorruptError) as info:
        open_index(tiny_settings.index_dir)
    assert str(build) in str(info.value)
    assert "damaged" in str(info.value)


def test_records_fewer_than_manifest_is_corrupt(tiny_settings):
    """records.sqlite missing rows (same size on disk) disagrees with the manifest: IndexCorruptError."""
    build_index(tiny_settings)
    records = current_build(tiny_settings.index_dir) / "records.sqlite"
    with sqlite3.connect(records) as db:
        db.execute("DELETE FROM records WHERE doc >= 6")
    db.close()
    with pytest.raises(IndexCorruptError, match="inconsistent: manifest says 8 records, records.sqlite has 6"):
        open_index(tiny_settings.index_dir)


@pytest.mark.parametrize("name", ["scores_scores.npy", "docs_prior.npy", "expander.json", "acronyms.json"])
def test_missing_build_file_is_corrupt(tiny_settings, name):
    """Any file of a build missing is found at open (the manifest lists every file): IndexCorruptError."""
    build_index(tiny_settings)
    (current_build(tiny_settings.index_dir) / name).unlink()
    with pytest.raises(IndexCorruptError, match=f"damaged: {name} is unreadable"):
        open_index(tiny_settings.index_dir)


def test_other_schema_version_is_corrupt(tiny_settings):
    """A build made with another schema version is refused with a rebuild hint."""
    build_index(tiny_settings)
    path = current_build(tiny_settings.index_dir) / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["schema_version"] = SCHEMA_VERSION + 1
    path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(IndexCorruptError, match="rebuild with `codesearch build`"):
        open_index(tiny_settings.index_dir)


def test_unreadable_manifest_is_corrupt(tiny_settings):
    """A manifest.json that is not JSON is refused as unreadable."""
    build_index(tiny_settings)
    (current_build(tiny_settings.index_dir) / "manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(IndexCorruptError, match="manifest.json is unreadable"):
        open_index(tiny_settings.index_dir)


def test_failure_in_side_files_child_fails_the_build(tiny_settings, monkeypatch, index_reader):
    """The forked child writing records.sqlite failing fails the build with one line naming the cause; the old build stays."""
    good = build_index(tiny_settings)["build_id"]

    def broken(*args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(codesearch.build, "write_store", broken)
    with pytest.raises(IndexWriteError, match="cannot write .*No space left on device"):
        build_index(tiny_settings)
    assert builds(tiny_settings) == [good]
    assert index_reader(tiny_settings.index_dir).get("J1568") is not None
