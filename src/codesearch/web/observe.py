"""What the server records about its requests: metrics, a JSON access log and search analytics.

One ``after_request`` hook feeds all three from the same facts (endpoint, status, duration,
the search's result count), which views leave on ``g`` through :func:`note_search`. Each part
is installed only when its setting is on, so a part that is off costs nothing.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from flask import Blueprint, Flask, Response, current_app, g, request

from codesearch.config import OpsSettings

ACCESS_LOGGER = "codesearch.access"
#: The page a search result is opened from: its URL holds the query (``/?q=...``).
SEARCH_PAGE_ENDPOINT = "pages.home"
CODE_PAGE_ENDPOINT = "pages.code_page"

metrics_bp = Blueprint("metrics", __name__)


@metrics_bp.get("/metrics")
def metrics():
    """Prometheus text format: every worker's counters and the current build."""
    from codesearch.web.metrics import scrape

    body, content_type = scrape(current_app.config["CODESEARCH_INDEX_DIR"])
    return Response(body, content_type=content_type, headers={"Cache-Control": "no-store"})


def note_search(query: str, total: int, offset: int = 0) -> None:
    """Tell the request's observers that it searched ``query`` and matched ``total`` codes."""
    if not query.strip():
        return  # an empty box is not a search that found nothing
    g.search_query, g.search_total, g.search_offset = query, total, offset


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ``time`` (UTC, ms) and the record's ``fields`` or its message."""

    _encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))  # built once: per line it shows

    def __init__(self):
        super().__init__()
        self._second, self._stamp = -1, ""

    def format(self, record: logging.LogRecord) -> str:
        second = int(record.created)
        if second != self._second:  # the date and time to the second change once a second
            self._second, self._stamp = second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        entry = {"time": f"{self._stamp}.{int(record.msecs):03d}Z"}
        entry.update(getattr(record, "fields", None) or {"message": record.getMessage()})
        return self._encoder.encode(entry)


def access_logger(target: str) -> logging.Logger:
    """The access logger writing JSON lines to standard error (``-``) or appending to a file."""
    logger = logging.getLogger(ACCESS_LOGGER)
    for old in list(logger.handlers):
        logger.removeHandler(old)
        old.close()
    if target == "-":
        handler: logging.Handler = logging.StreamHandler(sys.stderr)
    else:
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(target, encoding="utf-8")  # append; one write per line
    handler.setFormatter(JsonFormatter())
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False  # not into gunicorn's or the root logger's text format
    return logger


def install(app: Flask, ops: OpsSettings) -> None:
    """Hook the parts of ``ops`` that are on into ``app``; with all off, install nothing."""
    index_dir = app.config["CODESEARCH_INDEX_DIR"]
    metrics = None
    if ops.metrics:
        from codesearch.web.metrics import process_metrics

        metrics = process_metrics()
        if ops.metrics_port is None:  # else the master serves it on its own address only
            app.register_blueprint(metrics_bp)
    log = access_logger(ops.access_log) if ops.access_log else None
    store = None
    if ops.analytics:
        import atexit

        from codesearch.analytics import AnalyticsStore

        store = AnalyticsStore(ops.analytics_path(index_dir), ops.analytics_retention_days)
        app.extensions["codesearch_analytics"] = store
        atexit.register(_flush_quietly, app, store)
    if metrics is None and log is None and store is None:
        return
    index_key = str(Path(index_dir))

    @app.before_request
    def _started() -> None:
        g.observe_started = time.perf_counter()

    @app.after_request
    def _observe(response: Response) -> Response:
        try:
            _record(response, metrics, log, store, ops, index_key)
        except Exception:  # never fail a request over its bookkeeping (a full disk, ...)
            current_app.logger.warning("request not recorded in metrics or logs", exc_info=True)
        return response


def _record(response: Response, metrics, log, store, ops: OpsSettings, index_key: str) -> None:
    seconds = time.perf_counter() - g.get("observe_started", time.perf_counter())
    endpoint = request.url_rule.endpoint if request.url_rule is not None else "unmatched"
    total = g.get("search_total")
    index = _serving_index(index_key)
    if metrics is not None:
        metrics.observe_request(endpoint, response.status_code, seconds)
        if total is not None:
            metrics.observe_search(endpoint, total)
        if index is not None:
            metrics.observe_build(index.version)
    if store is not None:
        _record_analytics(store, endpoint, response.status_code, total, index)
    if log is not None:
        fields = {
            "method": request.method[:16],
            "endpoint": endpoint,
            "path": request.full_path.rstrip("?") if ops.access_log_query else request.path,
            "status": response.status_code,
            "duration_ms": round(seconds * 1000, 2),
            "results": total,
            "build_id": index.version if index is not None else None,
            "pid": os.getpid(),  # which worker answered
        }
        if ops.log_client_address:
            fields["client"] = request.remote_addr
        # A record made directly and handed to the logger: Logger.info would also walk the stack
        # for the caller's file and line, which an access line does not need.
        record = logging.LogRecord(ACCESS_LOGGER, logging.INFO, __file__, 0, "request", None, None)
        record.fields = fields
        log.handle(record)


def _serving_index(index_key: str):
    """The index this process has open (keyed as :func:`codesearch.web.get_index` keys it), without opening one."""
    return current_app.extensions.get("codesearch", {}).get(index_key)


def _record_analytics(store, endpoint: str, status: int, total: int | None, index) -> None:
    try:
        if total is not None and g.get("search_offset", 0) == 0 and status < 400:
            store.record_search(g.search_query, total)
        elif endpoint == CODE_PAGE_ENDPOINT and status == 200 and index is not None:
            opened = _opened_from_search(index)
            if opened is not None:
                store.record_open(*opened)
    except Exception:  # never fail a request over analytics (a locked or full disk, ...)
        current_app.logger.warning("search analytics not recorded", exc_info=True)


def _opened_from_search(index) -> tuple[str, bool] | None:
    """(query, was the first result) when this code page was opened from the search page.

    The search page keeps its query in its own URL (``/?q=...``) and its Referrer-Policy
    (same-origin) sends that URL with the click, so no script or link parameter is needed.
    """
    from flask import url_for

    from codesearch.errors import CodeSearchError
    from codesearch.search import search

    ref = request.referrer
    if not ref:
        return None
    parts = urlsplit(ref)
    if parts.netloc != request.host or parts.path != url_for(SEARCH_PAGE_ENDPOINT):
        return None
    args = parse_qs(parts.query)
    query = (args.get("q") or [""])[0]
    if not query.strip():
        return None
    record = index.get(request.view_args.get("code", ""))
    try:
        first = search(index, query, limit=1, system=(args.get("system") or [None])[0] or None).results
    except CodeSearchError:
        return None
    return query, bool(first) and record is not None and first[0].code == record.code


def _flush_quietly(app: Flask, store) -> None:
    try:
        store.close()
    except Exception:  # at exit there is no request to fail; say so and go
        app.logger.warning("search analytics not written at exit", exc_info=True)
