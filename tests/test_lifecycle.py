"""The index lifecycle under stress: rebuilds under a live server, killed and concurrent builds,
corrupted and missing indexes — through the library, the CLI and the API."""

from __future__ import annotations

import gc
import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner

from benchmarks.bench import child_env, keystrokes, running_server
from codesearch.build import build_index, build_lock
from codesearch.cli import cli
from codesearch.errors import BuildLockedError, IndexCorruptError
from codesearch.index import current_build, open_index, verify_build
from codesearch.search import search
from codesearch.web import create_app

QUERIES = ["octagam", "immune globulin", "keytruda", "J15", "cpap", "IVIG", "antibody infusion"]
TMP_TIMEOUT = 180.0  # seconds for a real-corpus build to reach its write stage on a busy machine


@pytest.fixture(autouse=True)
def _no_stray_codesearch_env(monkeypatch):
    """Keep the developer's CODESEARCH_* variables out of these tests."""
    for name in ("CODESEARCH_DATA_DIR", "CODESEARCH_INDEX_DIR", "CODESEARCH_HCPCS_FILE", "CODESEARCH_CROSSWALK_FILE"):
        monkeypatch.delenv(name, raising=False)


# -- helpers -----------------------------------------------------------------------------------------
class Hammer:
    """Threads sending searches, code pages and /healthz to a server until stopped, counting failures."""

    def __init__(self, port: int, threads: int = 4):
        self.port = port
        self.keys = keystrokes(QUERIES)
        self.stop_event = threading.Event()
        self.lock = threading.Lock()
        self.ok = 0
        self.failures: list[str] = []
        self.health: list[tuple[float, str]] = []  # (time sent, build id)
        self.threads = [threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(threads)]

    def _run(self, n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        i = n * 7
        try:
            while not self.stop_event.is_set():
                i += 1
                path = ("/healthz" if i % 5 == 0 else "/api/codes/J1568" if i % 5 == 1
                        else f"/api/search?q={self.keys[i % len(self.keys)].replace(' ', '+')}")
                sent = time.monotonic()
                try:
                    conn.request("GET", path)
                    resp = conn.getresponse()
                    body = resp.read()
                except (OSError, http.client.HTTPException) as exc:
                    conn.close()
                    with self.lock:
                        self.failures.append(f"{path}: {exc!r}")
                    continue
                with self.lock:
                    if resp.status != 200:
                        self.failures.append(f"{path}: HTTP {resp.status} {body[:100]!r}")
                    else:
                        self.ok += 1
                        if path == "/healthz":
                            self.health.append((sent, json.loads(body)["build_id"]))
        finally:
            conn.close()

    def __enter__(self) -> Hammer:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop_event.set()
        for t in self.threads:
            t.join(40)


def healthz(port: int) -> tuple[int, dict]:
    """(status, JSON body) of one fresh /healthz request."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", "/healthz")
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read())
    finally:
        conn.close()


def tmp_builds(index_dir: Path) -> list[Path]:
    """The `.tmp-*` folders of unfinished builds."""
    return sorted((index_dir / "builds").glob(".tmp-*"))


def start_real_build(real_settings, index_dir: Path, log: Path) -> subprocess.Popen:
    """`python -m codesearch.cli build --system hcpcs` on the real corpus into ``index_dir``, as a child.

    HCPCS only keeps it to seconds: several of reading, then several of writing into `.tmp-*`.
    """
    cmd = [sys.executable, "-m", "codesearch.cli", "--data-dir", str(real_settings.data_dir),
           "--index", str(index_dir), "build", "--system", "hcpcs"]
    with log.open("wb") as out:
        return subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env=child_env(real_settings), start_new_session=True)


def wait_for_tmp(proc: subprocess.Popen, index_dir: Path, log: Path) -> Path:
    """Block until the child build has made its `.tmp-*` folder (it holds the lock and is writing)."""
    deadline = time.monotonic() + TMP_TIMEOUT
    while not tmp_builds(index_dir):
        assert proc.poll() is None, f"the build exited with {proc.returncode}: {log.read_text(errors='replace')}"
        assert time.monotonic() < deadline, "the build never reached its write stage"
        time.sleep(0.02)
    return tmp_builds(index_dir)[0]


def stop(proc: subprocess.Popen) -> None:
    """Kill a child started here (its own process group) if it is still running, and reap it."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def truncate(path: Path) -> None:
    """Cut a file to half its length, as a full disk or an interrupted copy would."""
    size = path.stat().st_size
    with path.open("r+b") as fh:
        fh.truncate(size // 2)


# -- rebuild under a live server ---------------------------------------------------------------------
def test_rebuild_while_server_answers(tiny_settings):
    """A build finishing while four threads hammer `codesearch serve` costs no request; /healthz then names it.

    Workers read the new build in the background, so answers right after the swap may still
    come from the old one; within the wait every worker has switched.
    """
    before = build_index(tiny_settings)["build_id"]
    with running_server(tiny_settings) as server:
        assert server.build_id == before
        with Hammer(server.port, threads=4) as hammer:
            time.sleep(1.0)
            manifest = build_index(tiny_settings)
            built_at = time.monotonic()
            time.sleep(1.5)
        assert not hammer.failures, hammer.failures[:5]
        assert hammer.ok > 50
        after = manifest["build_id"]
        assert after != before
        assert any(b == before for _, b in hammer.health)
        late = [b for at, b in hammer.health if at > built_at]
        assert late and set(late) <= {before, after} and late[-1] == after
        assert {healthz(server.port)[1]["build_id"] for _ in range(8)} == {after}


# -- a killed build ---------------------------------------------------------------------------------------
def test_sigkilled_build_leaves_previous_index(tiny_settings, real_settings, tmp_path):
    """A real-corpus build SIGKILLed while writing leaves the old build current and answering; the next build sweeps its .tmp-*."""
    index_dir = tiny_settings.index_dir
    old = build_index(tiny_settings)
    old_build = current_build(index_dir)
    log = tmp_path / "build.log"
    proc = start_real_build(real_settings, index_dir, log)
    try:
        wait_for_tmp(proc, index_dir, log)
        time.sleep(0.5)  # well into writing the Whoosh index
        assert proc.poll() is None
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
    finally:
        stop(proc)
    assert tmp_builds(index_dir), "the build was not killed midway"
    assert current_build(index_dir) == old_build
    index = open_index(index_dir)
    try:
        assert index.version == old["build_id"]
        assert search(index, "octagam").results[0].code == "J1568"
    finally:
        index.close()
    with build_lock(index_dir):  # the dead build's lock went with it
        pass
    new = build_index(tiny_settings)
    assert tmp_builds(index_dir) == []
    assert current_build(index_dir).name == new["build_id"]


# -- two builds at once ----------------------------------------------------------------------------------
def test_second_concurrent_build_fails_fast(tiny_settings, real_settings, tmp_path):
    """While a build runs, a second one (library or CLI) fails at once with a clear message; the result is one whole build."""
    index_dir = tiny_settings.index_dir
    build_index(tiny_settings)
    log = tmp_path / "build.log"
    proc = start_real_build(real_settings, index_dir, log)
    try:
        wait_for_tmp(proc, index_dir, log)
        t0 = time.monotonic()
        with pytest.raises(BuildLockedError, match=r"another build of .* is running; wait for it to finish"):
            build_index(tiny_settings)
        assert time.monotonic() - t0 < 2.0
        cli_build = subprocess.run(
            [sys.executable, "-m", "codesearch.cli", "--data-dir", str(tiny_settings.data_dir),
             "--index", str(index_dir), "build"],
            env=child_env(tiny_settings), capture_output=True, text=True, timeout=120, check=False,
        )
        assert cli_build.returncode == 1
        assert cli_build.stderr.strip().splitlines() == [
            f"Error: another build of {index_dir} is running; wait for it to finish"]
        assert proc.poll() is None, "the first build finished before the second was refused"
        assert proc.wait(timeout=600) == 0, log.read_text(errors="replace")
    finally:
        stop(proc)
    build = current_build(index_dir)
    verify_build(build)
    manifest = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
    hcpcs = next(s for s in manifest["sources"] if s["kind"] == "hcpcs")
    assert Path(hcpcs["path"]).parent == (real_settings.data_dir / "hcpcs").resolve()
    assert manifest["records"] > 8000
    assert tmp_builds(index_dir) == []


# -- corrupted builds -------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["records.sqlite", "scores_scores.npy", "lexicon.json"])
def test_corrupt_current_build_is_refused(tiny_settings, name):
    """A truncated records.sqlite, score array or lexicon: open_index raises IndexCorruptError naming the build; the API answers 503 JSON."""
    build_index(tiny_settings)
    build = current_build(tiny_settings.index_dir)
    truncate(build / name)
    with pytest.raises(IndexCorruptError) as info:
        open_index(tiny_settings.index_dir)
    assert str(build) in str(info.value)
    client = create_app({"CODESEARCH_INDEX_DIR": str(tiny_settings.index_dir), "TESTING": True}).test_client()
    for url in ("/api/search?q=octagam", "/api/codes/J1568", "/healthz"):
        resp = client.get(url)
        assert resp.status_code == 503, url
        error = resp.get_json()["error"]
        assert error["status"] == 503 and str(build) in error["message"]


def test_damaged_scores_file_is_closed(tiny_settings):
    """Refusing a score array damaged in place (right size, garbage header) leaves no file open: no ResourceWarning."""
    build_index(tiny_settings)
    path = current_build(tiny_settings.index_dir) / "scores_scores.npy"
    path.write_bytes(b"x" * path.stat().st_size)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        with pytest.raises(IndexCorruptError):
            open_index(tiny_settings.index_dir)
        gc.collect()
    assert [str(w.message) for w in seen if issubclass(w.category, ResourceWarning)] == []


def test_running_index_keeps_old_build_when_new_one_is_corrupt(tiny_settings):
    """refresh() does not switch to a current build that fails to load: the old one keeps answering until a good one lands."""
    first = build_index(tiny_settings)
    index = open_index(tiny_settings.index_dir)
    try:
        build_index(tiny_settings)
        truncate(current_build(tiny_settings.index_dir) / "records.sqlite")
        assert index.refresh() is False
        assert index.version == first["build_id"]
        assert search(index, "octagam").results[0].code == "J1568"
        assert index.get("J9271") is not None
        assert index.refresh() is False  # the bad build is not retried
        third = build_index(tiny_settings)
        assert index.refresh() is True
        assert index.version == third["build_id"]
        assert search(index, "keytruda").results[0].code == "J9271"
    finally:
        index.close()


def test_api_keeps_old_build_when_new_one_is_corrupt(tiny_settings):
    """A serving app whose `current` moves to a damaged build goes on answering 200 from the build it has; /healthz says degraded and why."""
    first = build_index(tiny_settings)
    client = create_app({"CODESEARCH_INDEX_DIR": str(tiny_settings.index_dir), "TESTING": True}).test_client()
    assert client.get("/healthz").get_json()["build_id"] == first["build_id"]
    build_index(tiny_settings)
    damaged = current_build(tiny_settings.index_dir)
    truncate(damaged / "lexicon.json")
    resp = client.get("/healthz")
    assert resp.status_code == 200 and resp.get_json()["build_id"] == first["build_id"]
    deadline = time.monotonic() + 10  # the new build is read in the background, then refused
    while resp.get_json()["status"] == "ok" and time.monotonic() < deadline:
        time.sleep(0.05)
        resp = client.get("/healthz")
    health = resp.get_json()
    assert resp.status_code == 200 and health["build_id"] == first["build_id"]
    assert health["status"] == "degraded" and damaged.name in health["reason"] and "lexicon.json" in health["reason"]
    resp = client.get("/api/search?q=octagam")
    assert resp.status_code == 200 and resp.get_json()["results"][0]["code"] == "J1568"


# -- a damaged current build: fall back, tell the truth ----------------------------------------------------
def test_healthz_degraded_when_current_is_damaged_in_place(tiny_settings):
    """A worker holding a good copy of a build whose files are then truncated reports degraded, naming the file."""
    build_index(tiny_settings)
    client = create_app({"CODESEARCH_INDEX_DIR": str(tiny_settings.index_dir), "TESTING": True}).test_client()
    health = client.get("/healthz").get_json()
    assert health["status"] == "ok" and health["reason"] is None
    build = current_build(tiny_settings.index_dir)
    truncate(build / "vocab.json")
    resp = client.get("/healthz")
    health = resp.get_json()
    assert resp.status_code == 200 and health["status"] == "degraded"
    assert "vocab.json" in health["reason"] and build.name in health["reason"]
    assert client.get("/api/search?q=octagam").get_json()["results"][0]["code"] == "J1568"


def test_open_index_falls_back_to_last_good_build(tiny_settings):
    """open_index with a damaged `current` opens the newest good build kept on disk and says why."""
    first = build_index(tiny_settings)["build_id"]
    build_index(tiny_settings)
    damaged = current_build(tiny_settings.index_dir)
    truncate(damaged / "records.sqlite")
    index = open_index(tiny_settings.index_dir)
    try:
        assert index.version == first
        assert index.degraded and damaged.name in index.degraded and "records.sqlite" in index.degraded
    finally:
        index.close()


def test_cli_answers_from_last_good_build_with_a_warning(tiny_settings):
    """`codesearch query` with a damaged `current` answers from the last good build and warns once on stderr why."""
    build_index(tiny_settings)
    build_index(tiny_settings)
    damaged = current_build(tiny_settings.index_dir)
    truncate(damaged / "lexicon.json")
    result = CliRunner().invoke(cli, ["--index", str(tiny_settings.index_dir), "query", "octagam"], obj={})
    assert result.exit_code == 0 and "J1568" in result.stdout
    warnings_ = [line for line in result.stderr.splitlines() if line.startswith("Warning:")]
    assert len(warnings_) == 1 and damaged.name in warnings_[0] and "answering from the last good build" in warnings_[0]


# -- no index at all --------------------------------------------------------------------------------------
def test_missing_index_cli_one_line_error(tmp_path):
    """`codesearch query x` with no index and an empty data dir exits 1 with one error line and no traceback."""
    data, index_dir = tmp_path / "data", tmp_path / "index"
    data.mkdir()
    index_dir.mkdir()
    result = CliRunner().invoke(cli, ["--data-dir", str(data), "--index", str(index_dir), "query", "x"], obj={})
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert result.stdout == ""
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and str(data / "hcpcs") in errors[0] and "--data-dir" in errors[0]
    assert "Traceback" not in result.output
    assert tmp_builds(index_dir) == [] and not (index_dir / "current").exists()


def test_missing_index_api_503_json(tmp_path):
    """The API on an empty index folder answers 503 with a JSON error saying how to build one."""
    client = create_app({"CODESEARCH_INDEX_DIR": str(tmp_path), "TESTING": True}).test_client()
    for url in ("/api/search?q=x", "/api/codes/J1568", "/healthz"):
        resp = client.get(url)
        assert resp.status_code == 503, url
        assert resp.is_json
        error = resp.get_json()["error"]
        assert error["status"] == 503 and "no index" in error["message"] and "codesearch build" in error["message"]


def test_switching_builds_never_shows_readers_a_half_switched_index(tiny_settings):
    """Threads reading outside the lock (version, get) while builds switch see one build or the other, never an error."""
    builds = [build_index(tiny_settings)["build_id"], build_index(tiny_settings)["build_id"]]
    index_dir = tiny_settings.index_dir
    index = open_index(index_dir)
    stop, errors, reads = threading.Event(), [], [0]

    def reader():
        while not stop.is_set():
            try:
                assert index.version in builds and index.get("J1568").code == "J1568"
            except Exception as exc:  # noqa: BLE001 - any failure is the finding
                errors.append(repr(exc))
            reads[0] += 1

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        for i in range(60):
            link = index_dir / "current.switch"
            os.symlink(os.path.relpath(current_build(index_dir).parent / builds[i % 2], index_dir), link)
            os.replace(link, index_dir / "current")
            index.refresh(wait=True)
    finally:
        stop.set()
        for t in threads:
            t.join()
        index.close()
    assert reads[0] > 1000 and errors == [], sorted(set(errors))[:3]
