"""What the browser tests share: Debian's chromium and a real `codesearch serve` over the session's index."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
#: Generous: each worker opens the 80,000-code index on its first request, slowly on a busy machine.
START_SECONDS = 120


def free_port() -> int:
    """A free loopback port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(settings, log: Path):
    """`python -m codesearch.cli serve` (2 workers, default settings) on a free port; yields (base URL, /healthz body)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CODESEARCH_")}
    env["CODESEARCH_LEXICON_DIR"] = str(settings.lexicon_dir)
    cmd = [
        sys.executable, "-m", "codesearch.cli",
        "--data-dir", str(settings.data_dir), "--index", str(settings.index_dir),
        "serve", "--port", str(port), "--workers", "2",
    ]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            if proc.poll() is not None:
                pytest.fail(f"codesearch serve exited with {proc.returncode}:\n{log.read_text()}")
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=10) as r:  # noqa: S310 - local server
                    if r.status == 200:
                        body = r.read()
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"codesearch serve did not answer /healthz within {START_SECONDS} s:\n{log.read_text()}")
            time.sleep(0.2)
        yield base, body
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # only the group this fixture started
            proc.wait()


@pytest.fixture(scope="module")
def server(real_settings, real_index, tmp_path_factory):
    """`codesearch serve` over the session's real index; yields its base URL."""
    with serving(real_settings, tmp_path_factory.mktemp("serve") / "serve.log") as (base, health):
        assert real_index.manifest["build_id"].encode() in health, "the server must use the session's index"
        yield base


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium, headless, launched by Playwright (no downloaded browser)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing; install Debian's chromium package")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()
