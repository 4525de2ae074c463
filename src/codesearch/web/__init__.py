"""The web shell: a Flask app factory serving the JSON API and the search page."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, g, jsonify, request
from werkzeug.exceptions import HTTPException

from codesearch.config import OpsSettings, Settings
from codesearch.errors import (
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
    IndexMissingError: 503,
    IndexCorruptError: 503,
}

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: defaults, then CODESEARCH_* environment, then ``test_config``."""
    app = Flask(__name__)
    settings = Settings.from_env()
    app.config.from_mapping(
        CODESEARCH_INDEX_DIR=str(settings.index_dir),
        # Origins allowed to call the API from a browser; empty means CORS is off.
        CODESEARCH_CORS_ORIGINS=[
            o.strip() for o in os.environ.get("CODESEARCH_CORS_ORIGINS", "").split(",") if o.strip()
        ],
        # Metrics, access log and search analytics (codesearch.web.observe).
        CODESEARCH_OPS=None,
        CACHE_SECONDS=300,
        MAX_CONTENT_LENGTH=16 * 1024,
        JSON_SORT_KEYS=False,
    )
    if test_config:
        app.config.update(test_config)
    app.json.sort_keys = False

    from codesearch.web import api, pages
    from codesearch.web import openapi

    app.register_blueprint(api.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(openapi.bp)

    @app.before_request
    def _index() -> None:
        g.index_dir = app.config["CODESEARCH_INDEX_DIR"]

    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers.setdefault("X-Frame-Options", "DENY")
        origins = app.config["CODESEARCH_CORS_ORIGINS"]
        origin = request.headers.get("Origin")
        if origins and is_api_path(request.path):
            # The answer differs by Origin, so shared caches must key on it.
            response.vary.add("Origin")
        if origins and is_api_path(request.path) and origin:
            if "*" in origins:
                response.headers["Access-Control-Allow-Origin"] = "*"
            elif origin in origins:
                response.headers["Access-Control-Allow-Origin"] = origin
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


def get_index() -> CodeIndex:
    """The index of this worker process, opened once and switched when a rebuild lands."""
    from flask import current_app

    ext = current_app.extensions.setdefault("codesearch", {})
    index_dir = str(Path(current_app.config["CODESEARCH_INDEX_DIR"]))
    index = ext.get(index_dir)
    if index is None:
        index = open_index(index_dir)
        # Read new builds beside the serving one, so a rebuild never stalls a request.
        index.background_reload = current_app.config.get("CODESEARCH_BACKGROUND_RELOAD", True)
        ext[index_dir] = index
    else:
        index.refresh()
    return index
