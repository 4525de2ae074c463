"""Running the app under gunicorn, the production WSGI server, from `codesearch serve`."""

from __future__ import annotations

import os
import shutil
import tempfile

from gunicorn.app.base import BaseApplication

from codesearch.config import OpsSettings
from codesearch.errors import ConfigError
from codesearch.web import create_app, get_index


class CodeSearchServer(BaseApplication):
    """A gunicorn application whose workers each open the index once, at start."""

    def __init__(self, index_dir: str, options: dict, ops: OpsSettings | None = None):
        self.index_dir = index_dir
        self.options = options
        self.ops = ops
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings and value is not None:
                self.cfg.set(key, value)

    def load(self):
        app = create_app({"CODESEARCH_INDEX_DIR": self.index_dir, "CODESEARCH_OPS": self.ops})
        app.debug = False  # never the debugger under a real server
        with app.app_context():
            get_index()
        return app


def serve(index_dir: str, host: str = "127.0.0.1", port: int = 8000, workers: int = 2,
          threads: int = 1, timeout: int = 30, ops: OpsSettings | None = None) -> None:
    """Serve until interrupted; ``ops`` says what to record (metrics, access log, analytics)."""
    ops = ops or OpsSettings.from_env()
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "timeout": timeout,
        "graceful_timeout": 10,
        "preload_app": False,
        "accesslog": None,  # the JSON access log of codesearch.web.observe replaces gunicorn's
        "limit_request_line": 4094,
        "limit_request_fields": 50,
        "proc_name": "codesearch",
    }
    if not ops.metrics:
        CodeSearchServer(index_dir, options, ops).run()
        return
    # Workers add their counters up through files in a directory of this server's own, named
    # before prometheus_client is first imported (it picks its mode then) and before any fork.
    metrics_dir = tempfile.mkdtemp(prefix="codesearch-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    from codesearch.web import metrics

    metrics_server, master = None, os.getpid()
    try:
        if ops.metrics_port is not None:
            try:
                metrics_server = metrics.start_metrics_server(ops.metrics_host, ops.metrics_port, index_dir)
            except OSError as exc:
                raise ConfigError(f"cannot serve metrics on {ops.metrics_host}:{ops.metrics_port}: "
                                  f"{exc.strerror or exc}") from None
        options["child_exit"] = lambda arbiter, worker: metrics.mark_worker_dead(worker.pid)
        CodeSearchServer(index_dir, options, ops).run()
    finally:
        # Workers leave run() through here too (gunicorn raises SystemExit in the forked child):
        # only the master stops the metrics listener and removes the directory.
        if os.getpid() == master:
            if metrics_server is not None:
                metrics_server.shutdown()
            shutil.rmtree(metrics_dir, ignore_errors=True)
