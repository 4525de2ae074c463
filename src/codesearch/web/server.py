"""Running the app under gunicorn, the production WSGI server, from `codesearch serve`.

The worker model is gunicorn's ``gthread``: a main loop per worker process accepts connections
and waits on idle and kept-alive ones without a thread; a request is handed to one of
``threads`` threads only once its first bytes arrive. A client trickling its headers holds one
thread, not the worker, so with ``THREADS`` threads per worker a few hundred slow clients cannot
starve the others (``benchmarks/slow_clients.py`` measures it). Ranking is a few milliseconds of
numpy under the index lock, so threads cost no throughput; the index is read in a real
background thread when a build lands.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
import time

from gunicorn import util
from gunicorn.app.base import BaseApplication
from gunicorn.workers.gthread import ThreadWorker

from codesearch.config import OpsSettings
from codesearch.errors import CodeSearchError, ConfigError
from codesearch.web import SECURITY_HEADERS, create_app, get_index

THREADS = 256  # per worker: more than the slow connections one worker should have to absorb
KEEPALIVE = 5  # seconds an idle connection between keystrokes is kept, on the main loop, threadless
REFRESH_SECONDS = 0.5  # how often a worker looks for a new build (or, without one, a good build) unasked


def write_json_error(sock, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's own error answers (request line or headers too long, not HTTP) as the app's JSON errors."""
    body = json.dumps({"error": {"status": status_int, "message": mesg or reason}}).encode("utf-8")
    head = [f"HTTP/1.1 {status_int} {reason}", "Connection: close", "Content-Type: application/json",
            f"Content-Length: {len(body)}"] + [f"{name}: {value}" for name, value in SECURITY_HEADERS.items()]
    util.write_nonblock(sock, ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)


class Worker(ThreadWorker):
    """gthread, answering the errors gunicorn itself detects with the app's JSON body and security headers."""

    def init_process(self) -> None:
        # gunicorn writes those answers through util.write_error (an HTML page, no headers of ours);
        # this is the worker process's own copy of the module, so only codesearch's workers change.
        util.write_error = write_json_error
        super().init_process()


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
            try:
                get_index()
            except CodeSearchError as exc:
                # A worker boots whatever the state of the index (an exception here would stop
                # gunicorn's master and every worker): it answers 503 saying why until a good build lands.
                app.logger.error("no index to serve yet: %s", exc)
        # Kept-alive connections may all land on one worker: the others switch builds unasked too.
        threading.Thread(target=keep_fresh, args=(app,), daemon=True, name="codesearch-refresh").start()
        return app


def keep_fresh(app) -> None:
    """Every REFRESH_SECONDS, let the worker adopt a new build, or open one if it has none."""
    while True:
        time.sleep(REFRESH_SECONDS)
        with app.app_context():
            try:
                get_index()
            except CodeSearchError:
                pass  # answered as 503 with the reason; tried again next time
            except Exception:  # never let the refresher die: the next tick tries again
                app.logger.exception("refreshing the index failed")


def serve(index_dir: str, host: str = "127.0.0.1", port: int = 8000, workers: int = 2,
          threads: int = THREADS, timeout: int = 30, ops: OpsSettings | None = None) -> None:
    """Serve until interrupted; ``ops`` says what to record (metrics, access log, analytics)."""
    ops = ops or OpsSettings.from_env()
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": f"{__name__}.Worker",
        "threads": threads,
        "keepalive": KEEPALIVE,
        "timeout": timeout,
        "graceful_timeout": 10,
        "preload_app": False,
        "accesslog": None,  # the JSON access log of codesearch.web.observe replaces gunicorn's
        "limit_request_line": 4094,
        "limit_request_fields": 50,
        "limit_request_field_size": 8190,
        # gunicorn 25+ opens a control socket at one per-user path by default: the last server
        # started owns it, any server exiting deletes it, and any process of the user could stop
        # this server through it. Nothing here uses it.
        "control_socket_disable": True,
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
