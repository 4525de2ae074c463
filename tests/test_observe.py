"""What a server records about itself: /metrics, the JSON access log and search analytics, in the
Flask test client and under a real `codesearch serve` with two gunicorn workers."""

from __future__ import annotations

import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from codesearch.config import OpsSettings
from codesearch.errors import ConfigError
from codesearch.web import create_app

SERVER_START_TIMEOUT = 60


@pytest.fixture(autouse=True)
def _no_ops_from_environment(monkeypatch):
    """Keep CODESEARCH_* settings and a multiprocess directory of the calling shell out of these tests."""
    for name in list(os.environ):
        if name.startswith("CODESEARCH_") or name == "PROMETHEUS_MULTIPROC_DIR":
            monkeypatch.delenv(name)


def make_app(index_dir, **ops) -> object:
    """An app on the tiny index with these OpsSettings."""
    return create_app({"CODESEARCH_INDEX_DIR": str(index_dir), "TESTING": True,
                       "CODESEARCH_BACKGROUND_RELOAD": False, "CODESEARCH_OPS": OpsSettings(**ops)})


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample of the Prometheus text ``text`` (0 when absent)."""
    for line in text.splitlines():
        m = re.fullmatch(r"([a-zA-Z_:]+)(?:\{(.*)\})? (\S+)", line)
        if not m or m.group(1) != name:
            continue
        got = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
        if all(got.get(k) == v for k, v in labels.items()):
            return float(m.group(3))
    return 0.0


# -- /metrics in one process ---------------------------------------------------------------------------
def test_metrics_count_requests_by_endpoint_and_status(tiny_settings, tiny_index):
    """Searches, zero-result searches, code pages and unknown paths are counted by endpoint, not path."""
    client = make_app(tiny_settings.index_dir).test_client()
    before = client.get("/metrics").text
    for q in ("octagam", "immune", "xyzzyplugh"):
        assert client.get(f"/api/search?q={q}").status_code == 200
    assert client.get("/api/search?limit=abc").status_code == 400
    assert client.get("/codes/J1568").status_code == 200
    assert client.get("/no/such/page/J1568-secret").status_code == 404
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    text = response.text

    def delta(name, **labels):
        return sample(text, name, **labels) - sample(before, name, **labels)

    assert delta("codesearch_http_requests_total", endpoint="api.api_search", status="200") == 3
    assert delta("codesearch_http_requests_total", endpoint="api.api_search", status="400") == 1
    assert delta("codesearch_http_requests_total", endpoint="pages.code_page", status="200") == 1
    assert delta("codesearch_http_requests_total", endpoint="unmatched", status="404") == 1
    assert delta("codesearch_http_request_duration_seconds_count", endpoint="pages.code_page") == 1
    assert delta("codesearch_search_zero_results_total", endpoint="api.api_search") == 1
    assert delta("codesearch_search_results_count", endpoint="api.api_search") == 3
    assert delta("codesearch_search_results_bucket", endpoint="api.api_search", le="0.0") == 1
    assert "secret" not in text and "/codes/" not in text  # raw paths never become labels
    build_id = tiny_index.version
    assert sample(text, "codesearch_index_build_info", build_id=build_id) == 1
    assert sample(text, "codesearch_workers_serving_build", build_id=build_id) == 1
    assert 0 <= sample(text, "codesearch_index_age_seconds") < 3600
    assert sample(text, "codesearch_index_build_duration_seconds") > 0
    assert sample(text, "codesearch_index_records", system="HCPCS") == len(tiny_index.records)


def test_metrics_off_or_on_another_port_is_a_404_here(tiny_settings, tiny_index):
    """With metrics off, or served on a metrics port, the public app has no /metrics."""
    assert make_app(tiny_settings.index_dir, metrics=False).test_client().get("/metrics").status_code == 404
    assert make_app(tiny_settings.index_dir, metrics_port=9100).test_client().get("/metrics").status_code == 404


def test_the_page_does_not_link_metrics(tiny_settings, tiny_index):
    """The search page and code pages never mention /metrics."""
    client = make_app(tiny_settings.index_dir).test_client()
    assert "/metrics" not in client.get("/?q=octagam").text + client.get("/codes/J1568").text


def test_ops_settings_from_environment():
    """CODESEARCH_* variables set each part; a bad value is one error naming the variable."""
    ops = OpsSettings.from_env({"CODESEARCH_METRICS": "off", "CODESEARCH_METRICS_PORT": "9100",
                                "CODESEARCH_ACCESS_LOG": "/tmp/x.jsonl", "CODESEARCH_ANALYTICS": "on",
                                "CODESEARCH_ANALYTICS_RETENTION_DAYS": "30"})
    assert (ops.metrics, ops.metrics_port, ops.metrics_host) == (False, 9100, "127.0.0.1")
    assert (ops.access_log, ops.analytics, ops.analytics_retention_days) == ("/tmp/x.jsonl", True, 30)
    assert OpsSettings.from_env({}) == OpsSettings()
    assert (OpsSettings().metrics, OpsSettings().analytics, OpsSettings().access_log) == (True, False, None)
    with pytest.raises(ConfigError, match="CODESEARCH_METRICS must be on or off, got 'maybe'"):
        OpsSettings.from_env({"CODESEARCH_METRICS": "maybe"})
    with pytest.raises(ConfigError, match="CODESEARCH_METRICS_PORT must be a whole number from 1 to 65535"):
        OpsSettings.from_env({"CODESEARCH_METRICS_PORT": "99999"})


# -- the access log ------------------------------------------------------------------------------------
def log_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_access_log_is_one_json_line_per_request_without_client_or_query(tiny_settings, tiny_index, tmp_path):
    """Each request is one JSON line with time, endpoint, status, duration, results and build; by default
    neither the client's address nor the query string."""
    log = tmp_path / "access.jsonl"
    client = make_app(tiny_settings.index_dir, access_log=str(log)).test_client()
    client.get("/api/search?q=octagam", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    client.get("/codes/J1568", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    search, page = log_lines(log)
    assert set(search) == {"time", "method", "endpoint", "path", "status", "duration_ms", "results",
                           "build_id", "pid"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", search["time"])
    assert (search["method"], search["endpoint"], search["path"], search["status"], search["results"]) == (
        "GET", "api.api_search", "/api/search", 200, 1)
    assert search["build_id"] == tiny_index.version and search["duration_ms"] >= 0
    assert (page["endpoint"], page["path"], page["results"]) == ("pages.code_page", "/codes/J1568", None)
    assert "203.0.113.9" not in log.read_text() and "octagam" not in log.read_text()


def test_access_log_client_address_and_query_when_configured(tiny_settings, tiny_index, tmp_path):
    """log_client_address and access_log_query add the address and the query string."""
    log = tmp_path / "access.jsonl"
    client = make_app(tiny_settings.index_dir, access_log=str(log), log_client_address=True,
                      access_log_query=True).test_client()
    client.get("/api/search?q=octagam", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    (line,) = log_lines(log)
    assert (line["client"], line["path"]) == ("203.0.113.9", "/api/search?q=octagam")


# -- search analytics through the app ------------------------------------------------------------------
def test_analytics_record_misses_and_opened_results(tiny_settings, tiny_index, tmp_path):
    """Zero-result searches are counted; a code page opened from /?q= counts as opened, first or not."""
    db = tmp_path / "analytics.sqlite3"
    app = make_app(tiny_settings.index_dir, analytics=True, analytics_db=db)
    client = app.test_client()
    client.get("/api/search?q=Xyzzy%20Plugh")
    client.get("/api/search?q=xyzzy  plugh&offset=10")  # another page of the same search: not counted again
    client.get("/?q=xyzzy+plugh")
    client.get("/api/hcpcs/v3/search?terms=octagam")
    client.get("/api/search?q=68982-0840-01")  # NDC-like: not stored
    client.get("/codes/J1568", headers={"Referer": "http://localhost/?q=octagam"})
    client.get("/codes/J1566", headers={"Referer": "http://localhost/?q=octagam"})
    client.get("/codes/J1566", headers={"Referer": "http://elsewhere.example/?q=octagam"})  # not ours
    client.get("/codes/J1566")  # no referrer: not from a search
    app.extensions["codesearch_analytics"].flush()
    with sqlite3.connect(db) as con:
        got = {q: rest for q, *rest in con.execute("SELECT query, searches, zero, opened, opened_first FROM query_days")}
    assert got == {"xyzzy plugh": [2, 2, 0, 0], "octagam": [1, 0, 2, 1]}


def test_analytics_off_stores_nothing(tiny_settings, tiny_index, tmp_path):
    """With analytics off (the default) searches and opened pages create no file at all."""
    app = make_app(tiny_settings.index_dir, analytics_db=tmp_path / "analytics.sqlite3")
    client = app.test_client()
    client.get("/api/search?q=xyzzy")
    client.get("/codes/J1568", headers={"Referer": "http://localhost/?q=octagam"})
    assert "codesearch_analytics" not in app.extensions
    assert not (tmp_path / "analytics.sqlite3").exists()
    assert not (Path(tiny_settings.index_dir) / "analytics.sqlite3").exists()


# -- a real `codesearch serve` with two workers ---------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as r:  # noqa: S310 - loopback only
            return r.status, r.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


class Served:
    """`codesearch serve --workers 2` on a free loopback port, stopped on exit."""

    def __init__(self, settings, tmp: Path, *args: str):
        self.port = free_port()
        self.log = tmp / "serve.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("CODESEARCH_")}
        env["CODESEARCH_LEXICON_DIR"] = str(settings.lexicon_dir)
        env["TMPDIR"] = str(tmp)  # where the server makes its metrics directory
        cmd = [sys.executable, "-m", "codesearch.cli", "--data-dir", str(settings.data_dir), "--index",
               str(settings.index_dir), "serve", "--port", str(self.port), "--workers", "2", *args]
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         env=env, start_new_session=True)

    def __enter__(self) -> Served:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            assert self.proc.poll() is None, self.log.read_text()
            try:
                if get(f"http://127.0.0.1:{self.port}/healthz")[0] == 200:
                    return self
            except OSError:
                pass
            assert time.monotonic() < deadline, self.log.read_text()
            time.sleep(0.1)

    def __exit__(self, *exc) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, 9)
            self.proc.wait()


def spread_searches(port: int, log: Path, n: int) -> None:
    """Send ``n`` searches from 8 threads; go on in batches until both workers have answered."""
    url = f"http://127.0.0.1:{port}/api/search?q=immune&limit=50"
    with ThreadPoolExecutor(8) as pool:
        for _ in range(20):
            assert all(s == 200 for s, _ in pool.map(lambda _: get(url), range(n)))
            if len({line["pid"] for line in log_lines(log) if line["endpoint"] == "api.api_search"}) == 2:
                return
    pytest.fail("one gunicorn worker answered every request")


def test_metrics_add_up_across_two_gunicorn_workers(tiny_settings, tiny_index, tmp_path):
    """Under `codesearch serve --workers 2` /metrics counts every worker's requests, whichever answers the
    scrape; the JSON access log replaces gunicorn's; the metrics directory is removed at stop."""
    log = tmp_path / "access.jsonl"
    with Served(tiny_settings, tmp_path, "--access-log", str(log)) as server:
        spread_searches(server.port, log, 24)
        sent = sum(1 for line in log_lines(log) if line["endpoint"] == "api.api_search")
        pids = {line["pid"] for line in log_lines(log)}
        scrapes = [get(f"http://127.0.0.1:{server.port}/metrics")[1] for _ in range(6)]
        counted = {sample(t, "codesearch_http_requests_total", endpoint="api.api_search", status="200")
                   for t in scrapes}
        assert counted == {sent}  # the same sum from either worker
        assert {sample(t, "codesearch_search_results_count", endpoint="api.api_search") for t in scrapes} == {sent}
        assert sample(scrapes[0], "codesearch_workers_serving_build", build_id=tiny_index.version) == 2
        assert len(pids) == 2 and all("client" not in line for line in log_lines(log))
        metrics_dirs = list(tmp_path.glob("codesearch-metrics-*"))
        assert len(metrics_dirs) == 1 and any(metrics_dirs[0].iterdir())
    assert "GET /api/search" not in server.log.read_text()  # no gunicorn text access log
    assert not list(tmp_path.glob("codesearch-metrics-*"))


def test_metrics_port_serves_metrics_apart_from_the_public_address(tiny_settings, tiny_index, tmp_path):
    """With --metrics-port, /metrics answers on 127.0.0.1 at that port, with every worker's counts, and the
    public port has no /metrics."""
    metrics_port = free_port()
    with Served(tiny_settings, tmp_path, "--metrics-port", str(metrics_port)) as server:
        for _ in range(5):
            assert get(f"http://127.0.0.1:{server.port}/api/search?q=xyzzyplugh")[0] == 200
        assert get(f"http://127.0.0.1:{server.port}/metrics")[0] == 404
        status, text = get(f"http://127.0.0.1:{metrics_port}/metrics")
        assert status == 200
        assert sample(text, "codesearch_search_zero_results_total", endpoint="api.api_search") == 5
        assert sample(text, "codesearch_index_build_info", build_id=tiny_index.version) == 1


def test_serve_refuses_an_access_log_it_cannot_write(tmp_path):
    """`codesearch serve --access-log` into a missing, unwritable place is one line and exit 1, before serving."""
    from click.testing import CliRunner

    from codesearch.cli import cli

    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = CliRunner().invoke(cli, ["--index", str(tmp_path / "index"), "serve", "--access-log",
                                      str(blocker / "access.jsonl")])
    assert result.exit_code == 1
    (line,) = result.output.strip().splitlines()
    assert line.startswith(f"Error: {blocker / 'access.jsonl'}: cannot write the access log there (")
