"""WSGI entry point for running under any server: ``gunicorn codesearch.web.wsgi:app``."""

from codesearch.web import create_app

app = create_app()
