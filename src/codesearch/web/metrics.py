"""Prometheus metrics through ``prometheus_client``, summed over gunicorn workers.

Under `codesearch serve` every worker writes its counters to a private directory named by
``PROMETHEUS_MULTIPROC_DIR`` (set by the master before any worker starts, removed when it
stops) and a scrape adds them up. ``prometheus_client`` decides at import whether it runs in
that mode, so this module imports it only inside functions, after the server has set the
variable. Labels are the Flask endpoint name and the status code, never the raw path, so the
number of series stays bounded whatever clients request.
"""

from __future__ import annotations

import json
import os
import threading
import time
from datetime import datetime
from pathlib import Path

from codesearch.errors import CodeSearchError
from codesearch.index import current_build

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
RESULT_BUCKETS = (0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000, 20000)


class RequestMetrics:
    """This process's counters and histograms, with label children cached per label set."""

    def __init__(self):
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.registry = CollectorRegistry()
        self.requests = Counter(
            "codesearch_http_requests", "Requests answered, by Flask endpoint and status code.",
            ["endpoint", "status"], registry=self.registry)
        self.latency = Histogram(
            "codesearch_http_request_duration_seconds", "Time to answer a request, by Flask endpoint.",
            ["endpoint"], buckets=LATENCY_BUCKETS, registry=self.registry)
        self.results = Histogram(
            "codesearch_search_results", "Codes matching a search (the total, not the page), by endpoint.",
            ["endpoint"], buckets=RESULT_BUCKETS, registry=self.registry)
        self.zero = Counter(
            "codesearch_search_zero_results", "Searches that matched no code, by endpoint.",
            ["endpoint"], registry=self.registry)
        self.serving = Gauge(
            "codesearch_workers_serving_build", "Server processes answering from each index build.",
            ["build_id"], multiprocess_mode="livesum", registry=self.registry)
        self._children: dict[tuple, object] = {}
        self._build: str | None = None
        self._lock = threading.Lock()

    def _child(self, metric, *labels):
        key = (id(metric), *labels)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(*labels)
        return child

    def observe_request(self, endpoint: str, status: int, seconds: float) -> None:
        """Count one answered request and its latency."""
        self._child(self.requests, endpoint, str(status)).inc()
        self._child(self.latency, endpoint).observe(seconds)

    def observe_search(self, endpoint: str, total: int) -> None:
        """Record how many codes a search matched."""
        self._child(self.results, endpoint).observe(total)
        if total == 0:
            self._child(self.zero, endpoint).inc()

    def observe_build(self, build_id: str) -> None:
        """Note the build this process answers from (once per switch)."""
        if build_id == self._build:
            return
        with self._lock:
            if self._build is not None:
                self._child(self.serving, self._build).set(0)
            self._child(self.serving, build_id).set(1)
            self._build = build_id


_process_metrics: RequestMetrics | None = None
_process_lock = threading.Lock()


def process_metrics() -> RequestMetrics:
    """This process's metrics, created on first use (after a fork, so in the worker)."""
    global _process_metrics
    with _process_lock:
        if _process_metrics is None:
            _process_metrics = RequestMetrics()
        return _process_metrics


class IndexCollector:
    """The current build, read from its manifest at scrape time: id, age, build duration, records."""

    def __init__(self, index_dir: str | Path):
        self.index_dir = Path(index_dir)

    def collect(self):
        from prometheus_client.core import GaugeMetricFamily

        try:
            manifest = json.loads((current_build(self.index_dir) / "manifest.json").read_text(encoding="utf-8"))
        except (CodeSearchError, OSError, ValueError):
            return  # no readable index: the counters still answer
        info = GaugeMetricFamily("codesearch_index_build_info", "The current index build (always 1).",
                                 labels=["build_id", "schema_version", "codesearch_version"])
        info.add_metric([str(manifest.get("build_id", "")), str(manifest.get("schema_version", "")),
                         str(manifest.get("codesearch_version", ""))], 1)
        yield info
        built = datetime.fromisoformat(manifest["built_at"]).timestamp() if manifest.get("built_at") else None
        if built is not None:
            yield GaugeMetricFamily("codesearch_index_built_timestamp_seconds",
                                    "When the current build finished (Unix time).", value=built)
            yield GaugeMetricFamily("codesearch_index_age_seconds",
                                    "Seconds since the current build finished.", value=time.time() - built)
        if manifest.get("build_seconds") is not None:
            yield GaugeMetricFamily("codesearch_index_build_duration_seconds",
                                    "How long `codesearch build` took for the current build.",
                                    value=float(manifest["build_seconds"]))
        records = GaugeMetricFamily("codesearch_index_records", "Records in the current build, by code system.",
                                    labels=["system"])
        for key, n in sorted(manifest.get("counts", {}).items()):
            if key.startswith("system_"):
                records.add_metric([key.removeprefix("system_")], n)
        yield records


def scrape(index_dir: str | Path) -> tuple[bytes, str]:
    """The metrics text and its content type: every worker's counters plus the current build."""
    from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

    build = CollectorRegistry()
    build.register(IndexCollector(index_dir))
    return generate_latest(_counters_registry()) + generate_latest(build), CONTENT_TYPE_LATEST


def _counters_registry():
    from prometheus_client import CollectorRegistry
    from prometheus_client.multiprocess import MultiProcessCollector

    path = os.environ.get(MULTIPROC_ENV)
    if not path:
        return process_metrics().registry  # one process: its own values are the whole story
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path)
    return registry


def start_metrics_server(host: str, port: int, index_dir: str | Path):
    """Serve /metrics (and only metrics) on ``host:port`` from this process, in a daemon thread."""
    from prometheus_client import CollectorRegistry, start_http_server

    class Scrape:
        def collect(self):
            yield from _counters_registry().collect()
            yield from IndexCollector(index_dir).collect()

    registry = CollectorRegistry()
    registry.register(Scrape())
    server, _thread = start_http_server(port, addr=host, registry=registry)
    return server


def mark_worker_dead(pid: int) -> None:
    """Drop a dead worker's live gauges (its counters still count)."""
    from prometheus_client import multiprocess

    path = os.environ.get(MULTIPROC_ENV)
    if path:
        multiprocess.mark_process_dead(pid, path)
