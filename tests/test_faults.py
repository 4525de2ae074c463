"""Faults an operator or an attacker can cause: worker restarts on a damaged index, slow clients,
full disks and permissions, the control socket, Host-header redirects, server-level HTTP errors,
invalid UTF-8 and symlink litter — each against the real `codesearch serve` where it matters."""

from __future__ import annotations

import contextlib
import errno
import gzip
import http.client
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import codesearch.build
from codesearch.build import build_index
from codesearch.cli import cli
from codesearch.config import embedded
from codesearch.errors import IndexWriteError
from codesearch.index import current_build
from codesearch.web import create_app

ROOT = Path(__file__).resolve().parents[1]
SERVER_START_TIMEOUT = 90.0
SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options")


@pytest.fixture(autouse=True)
def _no_stray_codesearch_env(monkeypatch):
    """Keep the developer's CODESEARCH_* variables out of these tests."""
    for name in [n for n in os.environ if n.startswith("CODESEARCH_")]:
        monkeypatch.delenv(name, raising=False)


# -- a real server ------------------------------------------------------------------------------------
class Served:
    """`codesearch serve` started here: its master pid, port, log and private HOME."""

    def __init__(self, proc: subprocess.Popen, port: int, log: Path, home: Path):
        self.proc, self.pid, self.port, self.log, self.home = proc, proc.pid, port, log, home

    def workers(self) -> list[int]:
        """The pids of the master's worker processes."""
        with contextlib.suppress(OSError):
            return [int(p) for p in Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()]
        return []

    def get(self, path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
        """(status, headers, body) of one request on a fresh connection."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request("GET", path, headers=headers or {})
            resp = conn.getresponse()
            return resp.status, dict(resp.getheaders()), resp.read()
        finally:
            conn.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(index_dir: Path, tmp_path: Path, workers: int = 2, ready_status=(200,)):
    """Run `codesearch serve` on a free loopback port until /healthz answers one of ``ready_status``."""
    port = free_port()
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CODESEARCH_") and k != "XDG_RUNTIME_DIR"}
    env["HOME"] = str(home)
    log = tmp_path / f"serve-{port}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "codesearch.cli", "--index", str(index_dir), "serve", "--port", str(port),
             "--workers", str(workers)],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, cwd=home,
            start_new_session=True)
    served = Served(proc, port, log, home)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            assert proc.poll() is None, f"serve exited with {proc.returncode}: {log.read_text(errors='replace')}"
            with contextlib.suppress(OSError, http.client.HTTPException):
                if served.get("/healthz")[0] in ready_status:
                    break
            assert time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(0.1)
        yield served
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def truncate(path: Path) -> None:
    """Cut a file to half its length, as a full disk or an interrupted copy would."""
    with path.open("r+b") as fh:
        fh.truncate(path.stat().st_size // 2)


class Load:
    """Threads sending searches and /healthz, each answer judged: a good result, a 503 JSON, or a failure.

    A request a worker was answering when it got SIGKILL is cut mid-answer (nothing can save it);
    those are kept apart in ``cut`` with their time, to be checked against the moment of the kill.
    """

    PATHS = ["/api/search?q=octagam", "/api/search?q=keytr", "/api/codes/J1568", "/healthz"]

    def __init__(self, port: int, good_builds: set[str], threads: int = 4):
        self.port, self.good_builds = port, good_builds
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.answers: dict[str, int] = {"result": 0, "503": 0}
        self.failures: list[str] = []
        self.cut: list[float] = []  # when a request was cut mid-answer
        self.threads = [threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(threads)]

    def _judge(self, path: str, status: int, headers: dict, body: bytes) -> str | None:
        data = json.loads(body) if headers.get("Content-Type", "").startswith("application/json") else None
        if status == 503 and data and data["error"]["status"] == 503 and data["error"]["message"]:
            return "503"
        if status != 200 or data is None:
            return f"{path}: HTTP {status} {body[:120]!r}"
        if path == "/healthz":
            return "result" if data["build_id"] in self.good_builds else f"/healthz from {data['build_id']}"
        if path.startswith("/api/search"):
            ok = data["results"] and data["results"][0]["code"] in ("J1568", "J9271")
            return "result" if ok else f"{path}: {data!r:.120}"
        return "result" if data["code"] == "J1568" else f"{path}: {data!r:.120}"

    def _run(self, n: int) -> None:
        i = n
        while not self.stop.is_set():
            path = self.PATHS[i % len(self.PATHS)]
            i += 1
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
            sent = False
            try:
                conn.connect()  # a refused connection fails here
                sent = True
                conn.request("GET", path)
                resp = conn.getresponse()
                verdict = self._judge(path, resp.status, dict(resp.getheaders()), resp.read())
            except (http.client.IncompleteRead, http.client.RemoteDisconnected, ConnectionResetError) as exc:
                verdict = "cut" if sent else f"{path}: {exc!r}"
            except (OSError, http.client.HTTPException, ValueError) as exc:
                verdict = f"{path}: {exc!r}"
            finally:
                conn.close()
            with self.lock:
                if verdict == "cut":
                    self.cut.append(time.monotonic())
                elif verdict in self.answers:
                    self.answers[verdict] += 1
                else:
                    self.failures.append(verdict)

    def __enter__(self) -> Load:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(40)


def wait_for_new_workers(served: Served, old: set[int], count: int, timeout: float = 60.0) -> list[int]:
    """Block until ``count`` workers not in ``old`` are running and /healthz answers through them."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        fresh = [w for w in served.workers() if w not in old]
        if len(fresh) >= count and not (set(served.workers()) & old):
            return fresh
        time.sleep(0.1)
    raise AssertionError(f"workers not replaced: {served.workers()} (old {old}): "
                         f"{served.log.read_text(errors='replace')[-2000:]}")


# -- worker restarts on a damaged index -------------------------------------------------------------------
@pytest.mark.parametrize("damage", ["truncate lexicon.json", "delete the build folder"])
def test_worker_restarts_with_damaged_current_keep_serving(tiny_settings, tmp_path, damage):
    """Damage `current`, then SIGHUP the master and SIGKILL a worker under load: no refused connection,
    every answer a result from a good build or a 503 JSON (only requests the killed worker was
    answering at that instant are cut), new workers answer from the last good build and /healthz
    says degraded, naming the damage."""
    first = build_index(tiny_settings)["build_id"]
    second = build_index(tiny_settings)["build_id"]
    index_dir = tiny_settings.index_dir
    with serve(index_dir, tmp_path) as served:
        with Load(served.port, {first, second}) as load:
            time.sleep(0.5)
            build = current_build(index_dir)
            if damage.startswith("truncate"):
                truncate(build / "lexicon.json")
            else:
                shutil.rmtree(build)
            old = set(served.workers())
            os.kill(served.pid, signal.SIGHUP)
            fresh = wait_for_new_workers(served, old, 2)
            killed_at = time.monotonic()
            os.kill(fresh[0], signal.SIGKILL)
            wait_for_new_workers(served, old | {fresh[0]}, 2)
            time.sleep(1.0)
        assert served.proc.poll() is None, served.log.read_text(errors="replace")
        assert not load.failures, load.failures[:5]
        assert len(load.cut) <= len(load.threads) and all(0 <= t - killed_at < 1.0 for t in load.cut), load.cut
        assert load.answers["result"] > 20
        status, _, body = served.get("/healthz")
        health = json.loads(body)
        assert status == 200 and health["status"] == "degraded", health
        assert health["build_id"] == first
        assert build.name in health["reason"]
        assert ("lexicon.json" in health["reason"]) == damage.startswith("truncate")
        status, _, body = served.get("/api/search?q=octagam")
        assert status == 200 and json.loads(body)["results"][0]["code"] == "J1568"


def test_server_with_only_a_damaged_build_answers_503_until_a_good_build(tiny_settings, tmp_path):
    """With its only build damaged, workers restarted by SIGHUP boot anyway and answer 503 JSON
    (/healthz: unavailable, why); the next good build is served without a restart."""
    build_index(tiny_settings)
    index_dir = tiny_settings.index_dir
    with serve(index_dir, tmp_path) as served:
        build = current_build(index_dir)
        truncate(build / "records.sqlite")
        old = set(served.workers())
        os.kill(served.pid, signal.SIGHUP)
        wait_for_new_workers(served, old, 2)
        for _ in range(4):
            status, headers, body = served.get("/healthz")
            assert status == 503 and headers["Content-Type"] == "application/json", body
            health = json.loads(body)
            assert health["status"] == "unavailable" and build.name in health["reason"]
            assert health["error"]["status"] == 503
            status, _, body = served.get("/api/search?q=octagam")
            assert status == 503 and build.name in json.loads(body)["error"]["message"]
        good = build_index(tiny_settings)["build_id"]
        deadline = time.monotonic() + 30
        seen = set()
        while time.monotonic() < deadline and seen != {good}:
            status, _, body = served.get("/healthz")
            seen = {json.loads(body).get("build_id")} if status == 200 else set()
        assert seen == {good}
        assert served.proc.poll() is None


def test_server_starts_on_a_damaged_index(tiny_settings, tmp_path):
    """`codesearch serve` on a folder whose only build is damaged starts anyway, answering 503 JSON with the reason."""
    build_index(tiny_settings)
    build = current_build(tiny_settings.index_dir)
    truncate(build / "lexicon.json")
    with serve(tiny_settings.index_dir, tmp_path, ready_status=(503,)) as served:
        status, _, body = served.get("/api/codes/J1568")
        assert status == 503 and "lexicon.json" in json.loads(body)["error"]["message"]
        assert served.proc.poll() is None


# -- slow clients --------------------------------------------------------------------------------------
def test_slow_clients_do_not_starve_the_server(tiny_settings, tmp_path):
    """50 connections trickling headers at 1 byte/s for 5 s: every keystroke request succeeds, p99 under 500 ms."""
    build_index(tiny_settings)
    with serve(tiny_settings.index_dir, tmp_path) as served:
        run = subprocess.run(
            [sys.executable, str(ROOT / "benchmarks" / "slow_clients.py"), "--port", str(served.port),
             "--connections", "50", "--seconds", "5", "--typists", "2"],
            capture_output=True, text=True, timeout=120, check=False)
    report = json.loads(run.stdout)
    assert report["failures"] == 0, report["failure_examples"]
    assert report["slow_opened"] >= 50 and report["requests"] > 20
    assert report["p99_ms"] < 500, report
    assert run.returncode == 0, run.stderr


# -- one-line errors: disk full, permissions ------------------------------------------------------------------
def one_error_line(result) -> str:
    """The CLI failed with exit 1 and exactly one `Error:` line, no traceback; that line.

    Progress bars and the "No index in … yet; building it" notice are not errors.
    """
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.strip() and not line.startswith(
        ("read ", "index ", "score table", "write index", "No index in "))]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return lines[0]


def build_cli(settings, *args: str):
    return CliRunner().invoke(cli, ["--data-dir", str(settings.data_dir), "--index", str(settings.index_dir),
                                    *args], obj={}, env={"CODESEARCH_LEXICON_DIR": str(settings.lexicon_dir)})


def test_disk_full_during_build_is_one_line(tiny_settings, monkeypatch):
    """ENOSPC while writing a build: one line naming the file and "No space left on device", exit 1,
    the old build still current, no temporary folder left."""
    old = build_index(tiny_settings)["build_id"]
    real = codesearch.build._write_json

    def full_disk(path, data):
        if path.name == "vocab.json":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        real(path, data)

    monkeypatch.setattr(codesearch.build, "_write_json", full_disk)
    line = one_error_line(build_cli(tiny_settings, "build"))
    assert "vocab.json" in line and "No space left on device" in line
    assert current_build(tiny_settings.index_dir).name == old
    assert not list((tiny_settings.index_dir / "builds").glob(".tmp-*"))
    with pytest.raises(IndexWriteError):
        build_index(tiny_settings)


def deny_writes(monkeypatch, folder: Path) -> None:
    """Make ``folder`` unwritable: chmod for a normal user; as root (who ignores modes) refuse writes under it."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        return
    folder = folder.resolve()

    def under(path) -> bool:
        try:
            return Path(os.fsdecode(path)).resolve().is_relative_to(folder)
        except (TypeError, ValueError):
            return False

    def deny(path):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fsdecode(path))

    real_mkdir, real_open, real_os_open, real_symlink = os.mkdir, io.open, os.open, os.symlink
    monkeypatch.setattr(os, "mkdir", lambda p, *a, **k: deny(p) if under(p) else real_mkdir(p, *a, **k))
    monkeypatch.setattr(os, "symlink", lambda s, d, *a, **k: deny(d) if under(d) else real_symlink(s, d, *a, **k))
    writes = os.O_WRONLY | os.O_RDWR | os.O_CREAT

    def os_open(p, flags, *a, **k):
        return deny(p) if flags & writes and under(p) else real_os_open(p, flags, *a, **k)

    def io_open(p, mode="r", *a, **k):
        return deny(p) if isinstance(p, (str, bytes, os.PathLike)) and set(mode) & set("wax+") and under(p) \
            else real_open(p, mode, *a, **k)

    monkeypatch.setattr(os, "open", os_open)
    monkeypatch.setattr(io, "open", io_open)
    monkeypatch.setattr("builtins.open", io_open)


def test_unwritable_builds_folder_is_one_line(tiny_settings, monkeypatch):
    """A builds folder the user cannot write: one line naming it and "Permission denied", exit 1, old build current."""
    old = build_index(tiny_settings)["build_id"]
    builds = tiny_settings.index_dir / "builds"
    deny_writes(monkeypatch, builds)
    try:
        line = one_error_line(build_cli(tiny_settings, "build"))
    finally:
        builds.chmod(0o755)
    assert str(builds) in line and "Permission denied" in line
    assert current_build(tiny_settings.index_dir).name == old


def test_read_only_index_folder_without_index_query_is_one_line(tiny_settings, monkeypatch):
    """`codesearch query` on an empty read-only index folder (it would build first): one line, exit 1."""
    index_dir = tiny_settings.index_dir
    index_dir.mkdir()
    deny_writes(monkeypatch, index_dir)
    try:
        line = one_error_line(build_cli(tiny_settings, "query", "octagam"))
    finally:
        index_dir.chmod(0o755)
    assert str(index_dir) in line and "Permission denied" in line


# -- symlink litter ------------------------------------------------------------------------------------------
def test_current_symlink_litter_is_removed_by_next_build(tiny_settings):
    """`.current-<pid>` links left by builds killed between making and swapping the link are removed by the next build."""
    build_index(tiny_settings)
    index_dir = tiny_settings.index_dir
    for pid in (999991, 999992):
        os.symlink("builds/gone", index_dir / f".current-{pid}")
    build_index(tiny_settings)
    assert sorted(p.name for p in index_dir.glob(".current-*")) == []
    assert (index_dir / "current").is_symlink()


# -- HTTP edges: Host header, invalid UTF-8 (the app) ---------------------------------------------------------
@pytest.fixture
def client(tiny_settings):
    """A test client of the app serving the tiny index."""
    build_index(tiny_settings)
    return create_app({"CODESEARCH_INDEX_DIR": str(tiny_settings.index_dir), "TESTING": True}).test_client()


@pytest.mark.parametrize("path", ["//codes//J1568", "//codes/J1568", "/codes//J1568", "//", "//api//search",
                                  "/static//app.js", ""])
def test_redirects_never_use_the_host_header(client, path):
    """Doubled slashes (or an empty path) never redirect to the Host header's site: answered, 404 or a relative Location."""
    resp = client.get("/", environ_overrides={"PATH_INFO": path}, headers={"Host": "evil.example"})
    location = resp.headers.get("Location", "")
    assert "evil.example" not in location and not location.startswith(("http:", "https:", "//"))
    assert resp.status_code in (200, 404) or (300 <= resp.status_code < 400 and location.startswith("/"))


@pytest.mark.parametrize("url, parameter", [
    ("/api/search?q=%FF", "q"),
    ("/api/search?q=octagam&section=%C3", "section"),
    ("/api/search?q=a&limit=1%FE", "limit"),
    ("/api/hcpcs/v3/search?terms=oc%E9", "terms"),
    ("/api/codes/J1568/units?dose=5%A0mg", "dose"),
    ("/healthz?x=%FF", "x"),
])
def test_invalid_utf8_parameter_is_400_naming_it(client, url, parameter):
    """Invalid UTF-8 in any query parameter is a 400 JSON error naming the parameter, not a search for U+FFFD."""
    resp = client.get(url)
    assert resp.status_code == 400 and resp.is_json, resp.data
    message = resp.get_json()["error"]["message"]
    assert f"{parameter} " in message and "UTF-8" in message


def test_invalid_utf8_parameter_name_is_400(client):
    """An invalid UTF-8 parameter name is a 400 JSON error too."""
    resp = client.get("/api/search?q=x&%FF%FE=1")
    assert resp.status_code == 400 and "UTF-8" in resp.get_json()["error"]["message"]


def test_valid_utf8_and_replacement_character_still_search(client):
    """Real UTF-8 (including an encoded U+FFFD typed by the user) is still searched normally."""
    assert client.get("/api/search?q=keytr%C3%BCda").status_code == 200
    assert client.get("/api/search?q=%EF%BF%BD").status_code == 200


# -- the real server: control socket, server-level errors, Host header -----------------------------------------
@pytest.fixture
def served(tiny_settings, tmp_path):
    """`codesearch serve` on the tiny index."""
    build_index(tiny_settings)
    with serve(tiny_settings.index_dir, tmp_path) as s:
        yield s


def raw(port: int, data: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send raw bytes, read the whole answer; (status, headers, body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(data)
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
            if b"\r\n\r\n" in b"".join(chunks):
                head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
                length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), None)
                if length is not None and len(body) >= length:
                    break
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), headers, body


def test_control_socket_is_off(served):
    """No gunicorn control socket is created (it would let any local process of the user stop the server)."""
    assert not list(served.home.rglob("*.ctl")), list(served.home.rglob("*"))
    assert "control" not in served.log.read_text(errors="replace").lower()


@pytest.mark.parametrize("request_bytes, status", [
    (b"GET /api/search?q=" + b"a" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
    (b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(120)) + b"\r\n", 431),
    (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n", 431),
    (b"NOT AN HTTP REQUEST\r\n\r\n", 400),
])
def test_server_level_errors_are_json_with_security_headers(served, request_bytes, status):
    """Errors gunicorn answers itself (request line or headers too long, garbage) are JSON with the security headers."""
    got, headers, body = raw(served.port, request_bytes)
    assert got == status, body
    assert headers["Content-Type"] == "application/json"
    error = json.loads(body)["error"]
    assert error["status"] == status and error["message"]
    normal = served.get("/healthz")[1]
    for name in SECURITY_HEADERS:
        assert headers.get(name) == normal[name], name


def test_real_server_redirect_ignores_host(served):
    """Against the real server, `//codes//J1568` with `Host: evil.example` never points at evil.example."""
    status, headers, _ = raw(served.port, b"GET //codes//J1568 HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n")
    assert "evil.example" not in headers.get("Location", "")
    assert status == 404 or headers["Location"].startswith("/")


def test_broken_second_source_stops_the_writers_quietly(tmp_path):
    """A broken ICD-10-CM file found while two processes already index the real HCPCS release: one
    `Error:` line naming it, exit 1, no traceback from the writing processes, no temporary folder left."""
    data = tmp_path / "data"
    shutil.copytree(embedded("data"), data)
    for old in (data / "icd10cm").iterdir():
        old.unlink()
    (data / "icd10cm" / "icd10cm_tabular_broken.xml.gz").write_bytes(gzip.compress(b"<ICD10CM.tabular><chapter>"))
    index_dir = tmp_path / "index"
    run = subprocess.run([sys.executable, "-m", "codesearch.cli", "--data-dir", str(data), "--index", str(index_dir),
                          "build"], capture_output=True, text=True, timeout=300)
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr
    errors = [line for line in run.stderr.splitlines() if "Error" in line]
    assert len(errors) == 1 and errors[0].startswith("Error: ") and "icd10cm_tabular_broken" in errors[0], run.stderr
    assert "index HCPCS" in run.stderr  # the writers had started
    assert not list((index_dir / "builds").glob(".tmp-*"))
