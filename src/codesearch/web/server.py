"""Running the app under gunicorn, the production WSGI server, from `codesearch serve`."""

from __future__ import annotations

from gunicorn.app.base import BaseApplication

from codesearch.web import create_app, get_index


class CodeSearchServer(BaseApplication):
    """A gunicorn application whose workers each open the index once, at start."""

    def __init__(self, index_dir: str, options: dict):
        self.index_dir = index_dir
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings and value is not None:
                self.cfg.set(key, value)

    def load(self):
        app = create_app({"CODESEARCH_INDEX_DIR": self.index_dir})
        app.debug = False  # never the debugger under a real server
        with app.app_context():
            get_index()
        return app


def serve(index_dir: str, host: str = "127.0.0.1", port: int = 8000, workers: int = 2,
          threads: int = 1, timeout: int = 30, access_log: bool = False) -> None:
    """Serve until interrupted."""
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "timeout": timeout,
        "graceful_timeout": 10,
        "preload_app": False,
        "accesslog": "-" if access_log else None,
        "limit_request_line": 4094,
        "limit_request_fields": 50,
        "proc_name": "codesearch",
    }
    CodeSearchServer(index_dir, options).run()
