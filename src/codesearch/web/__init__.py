"""The web shell: a Flask app factory serving the JSON API and the search page."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from urllib.parse import unquote_to_bytes, urlsplit

from flask import Flask, g, jsonify, request
from werkzeug.exceptions import HTTPException

from codesearch.config import OpsSettings, Settings
from codesearch.errors import (
    ChangesUnavailableError,
    CodeSearchError,
    IndexCorruptError,
    IndexMissingError,
    QueryError,
    UnknownCodeError,
)
from codesearch.index import CodeIndex, open_index

ERROR_STATUS = {
    QueryError: 400,
    UnknownCodeError: 404,
    ChangesUnavailableError: 404,
    IndexMissingError: 503,
    IndexCorruptError: 503,
}

#: The methods a cross-origin page may use on the read-only API.
CORS_METHODS = ("GET", "HEAD", "OPTIONS")

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# Sent with every answer, the app's and the server's own errors (codesearch.web.server) alike.
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
INDEX_RETRY_SECONDS = 2.0  # how often a worker without an index tries to open one, unless `current` moves
_opening = threading.Lock()


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: defaults, then CODESEARCH_* environment, then ``test_config``."""
    app = Flask(__name__)
    settings = Settings.from_env()
    app.config.from_mapping(
        CODESEARCH_INDEX_DIR=str(settings.index_dir),
        # Origins allowed to read the API from a browser: any (`*`) unless the environment says
        # otherwise; empty means CORS is off.
        CODESEARCH_CORS_ORIGINS=cors_origins(os.environ.get("CODESEARCH_CORS_ORIGINS")),
        # Metrics, access log and search analytics (codesearch.web.observe).
        CODESEARCH_OPS=None,
        CACHE_SECONDS=300,
        MAX_CONTENT_LENGTH=16 * 1024,
        JSON_SORT_KEYS=False,
    )
    if test_config:
        app.config.update(test_config)
    app.json.sort_keys = False

    from codesearch.web import api, changes, ctss, openapi, pages

    app.register_blueprint(api.bp)
    app.register_blueprint(ctss.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(openapi.bp)
    app.register_blueprint(changes.bp)
    # `//codes//J1568` is a 404, not a redirect: Werkzeug builds redirect URLs from the Host header.
    # Rules take the map's setting when added, so the ones already added (static, blueprints) too.
    app.url_map.merge_slashes = False
    for rule in app.url_map.iter_rules():
        rule.merge_slashes = False

    @app.before_request
    def _index() -> None:
        g.index_dir = app.config["CODESEARCH_INDEX_DIR"]
        check_utf8(request.query_string)

    @app.after_request
    def _relative_location(response):
        # Werkzeug builds its own redirects (a missing trailing slash) from the Host header: keep
        # only the path, so a forged Host never becomes a link to another site.
        if response.location and "://" in response.location:
            target = urlsplit(response.location)
            response.location = target.path + (f"?{target.query}" if target.query else "")
        response.autocorrect_location_header = False
        return response

    @app.after_request
    def _headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        origins = app.config["CODESEARCH_CORS_ORIGINS"]
        origin = request.headers.get("Origin")
        if origins and is_api_path(request.path) and request.method in CORS_METHODS:
            if "*" in origins:  # the same answer for every Origin, as NLM's Clinical Tables: no Vary
                response.headers["Access-Control-Allow-Origin"] = "*"
            else:
                response.vary.add("Origin")  # the answer differs by Origin: shared caches key on it
                if origin in origins:
                    response.headers["Access-Control-Allow-Origin"] = origin
            if request.method == "OPTIONS" and "Access-Control-Allow-Origin" in response.headers:
                response.headers["Access-Control-Allow-Methods"] = ", ".join(CORS_METHODS)
                asked = request.headers.get("Access-Control-Request-Headers")
                if asked:  # read-only and without credentials: any request header may be sent
                    response.headers["Access-Control-Allow-Headers"] = asked[:1000]
                response.headers["Access-Control-Max-Age"] = "86400"
        return response

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        response = error_response(exc.code or 500, exc.description or exc.name)
        if isinstance(response, tuple):
            response = app.make_response(response)
        for name, value in exc.get_headers():
            if name.lower() == "allow":  # a 405 must say which methods are allowed
                response.headers[name] = value
        return response

    @app.errorhandler(CodeSearchError)
    def _codesearch_error(exc: CodeSearchError):
        status = next((s for t, s in ERROR_STATUS.items() if isinstance(exc, t)), 500)
        return error_response(status, str(exc))

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):  # never a traceback page
        app.logger.exception("unhandled error")
        return error_response(500, "internal error; the server log has details")

    from codesearch.web import observe

    observe.install(app, app.config["CODESEARCH_OPS"] or OpsSettings.from_env())
    return app


def cors_origins(raw: str | None) -> list[str]:
    """CODESEARCH_CORS_ORIGINS as a list: unset is ``*`` (any origin), empty or ``off`` is none."""
    if raw is None:
        return ["*"]
    if raw.strip().lower() in ("", "off"):
        return []
    return [o.strip() for o in raw.split(",") if o.strip()]


def is_api_path(path: str) -> bool:
    """Whether a path belongs to the JSON API (``//api/x`` too), whose errors are JSON."""
    return path.lstrip("/").startswith(("api/", "healthz", "openapi.json"))


def error_response(status: int, message: str):
    """The JSON error body every failing endpoint answers with."""
    if not is_api_path(request.path):
        from flask import render_template

        return render_template("error.html", status=status, message=message), status
    response = jsonify({"error": {"status": status, "message": message}})
    response.status_code = status
    return response


def check_utf8(query_string: bytes) -> None:
    """Refuse a query parameter (name or value) that is not UTF-8, naming it, rather than search U+FFFD."""
    for pair in query_string.split(b"&"):
        raw_name, _, raw_value = pair.partition(b"=")
        try:
            name = unquote_to_bytes(raw_name.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            raise QueryError("a parameter name is not valid UTF-8") from None
        try:
            unquote_to_bytes(raw_value.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            raise QueryError(f"{name[:40]} is not valid UTF-8", parameter=name[:40]) from None


def get_index() -> CodeIndex:
    """The index of this worker process, opened once and switched when a rebuild lands.

    Without one (no build yet, or every build damaged) each call raises the reason, retrying
    at most every INDEX_RETRY_SECONDS unless `current` moves, so a good build is picked up
    without a restart and a broken one is not re-read per request.
    """
    from flask import current_app

    ext = current_app.extensions.setdefault("codesearch", {})
    index_dir = str(Path(current_app.config["CODESEARCH_INDEX_DIR"]))
    index = ext.get(index_dir)
    if index is not None:
        index.refresh()
        return index
    with _opening:  # one opening per worker at a time, however many threads ask
        index = ext.get(index_dir)
        if index is not None:
            return index
        try:
            link = os.readlink(Path(index_dir) / "current")
        except OSError:
            link = None
        failed = ext.get(f"{index_dir} failed")  # (when, link, error) of the last attempt
        if failed and failed[1] == link and time.monotonic() - failed[0] < INDEX_RETRY_SECONDS:
            raise failed[2]
        try:
            index = open_index(index_dir)
            # A server reads the build's side files now, not on first use: a file damaged on disk
            # later cannot take down a worker that already holds what it needs.
            from codesearch.expand import load_expander

            try:
                load_expander(index)
            except CodeSearchError:
                index.close()
                raise
        except CodeSearchError as exc:
            ext[f"{index_dir} failed"] = (time.monotonic(), link, exc)
            raise
        # Read new builds beside the serving one, so a rebuild never stalls a request.
        index.background_reload = current_app.config.get("CODESEARCH_BACKGROUND_RELOAD", True)
        ext[index_dir] = index
        ext.pop(f"{index_dir} failed", None)
    return index
