"""Slow clients against `codesearch serve`: N connections trickling headers while keystrokes are timed.

Opens ``--connections`` loopback connections that each send a request's headers one byte per
``--interval`` seconds and never finish them (a "slowloris"), keeps that many open for
``--seconds`` (a connection the server closes is reopened), and meanwhile replays search-as-you-type
keystrokes from ``--typists`` client threads, timing every request. Prints the figures as JSON and
exits 1 if any keystroke request failed or, with ``--max-p99-ms``, if the p99 is above it.

Bounded on purpose: loopback only, at most 500 connections and 600 seconds.

    .venv/bin/python benchmarks/slow_clients.py --index index --connections 200 --seconds 60
    .venv/bin/python benchmarks/slow_clients.py --port 8000          # a server already running
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

HOST = "127.0.0.1"
MAX_CONNECTIONS = 500
MAX_SECONDS = 600.0
REQUEST_TIMEOUT = 5.0  # a keystroke answer slower than this counts as a failure
TYPING_PAUSE = 0.05  # seconds between keystrokes of one typist
QUERIES = ["octagam", "immune globulin", "keytruda", "J1568", "cpap", "IVIG", "antibody infusion",
           "high blood pressure", "e119", "wheelchair", "insulin pump", "flu shot"]
# Never completed: a header line keeps growing, one byte at a time.
TRICKLE = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 4000


def keystrokes(queries: list[str]) -> list[str]:
    """Every prefix of every query, as typed."""
    return [q[:i] for q in queries for i in range(1, len(q) + 1)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Trickle:
    """Keeps ``n`` connections open, each sending one more header byte every ``interval`` seconds."""

    def __init__(self, port: int, n: int, interval: float):
        self.port, self.n, self.interval = port, n, interval
        self.stop = threading.Event()
        self.opened = self.closed_by_server = self.refused = 0
        self.thread = threading.Thread(target=self._run, daemon=True, name="trickle")

    def _open(self) -> tuple[socket.socket, int] | None:
        try:
            s = socket.create_connection((HOST, self.port), timeout=REQUEST_TIMEOUT)
        except OSError:
            self.refused += 1
            return None
        s.setblocking(False)
        self.opened += 1
        return s, 0

    def _run(self) -> None:
        conns = [c for c in (self._open() for _ in range(self.n)) if c is not None]
        try:
            while not self.stop.wait(self.interval):
                readable, _, _ = select.select([s for s, _ in conns], [], [], 0)
                keep = []
                for s, sent in conns:
                    try:
                        if s in readable:
                            raise ConnectionError("the server answered or closed")
                        s.send(TRICKLE[sent:sent + 1])
                        keep.append((s, (sent + 1) % len(TRICKLE)))
                    except OSError:
                        self.closed_by_server += 1
                        s.close()
                        fresh = self._open()
                        if fresh is not None:
                            keep.append(fresh)
                conns = keep
                while len(conns) < self.n and not self.stop.is_set():
                    fresh = self._open()
                    if fresh is None:
                        break
                    conns.append(fresh)
        finally:
            for s, _ in conns:
                s.close()


class Typist(threading.Thread):
    """Replays keystrokes over one keep-alive connection, reconnecting when the server closes it."""

    def __init__(self, port: int, keys: list[str], stop: threading.Event):
        super().__init__(daemon=True)
        self.port, self.keys, self.stop_event = port, keys, stop
        self.samples: list[float] = []
        self.failures: list[str] = []

    def run(self) -> None:
        conn = http.client.HTTPConnection(HOST, self.port, timeout=REQUEST_TIMEOUT)
        i = 0
        while not self.stop_event.is_set():
            path = f"/api/search?q={quote(self.keys[i % len(self.keys)], safe='')}&limit=10"
            i += 1
            t0 = time.perf_counter()
            try:
                conn.request("GET", path)
                resp = conn.getresponse()
                resp.read()
                if resp.will_close:
                    conn.close()
                if resp.status != 200:
                    self.failures.append(f"{path}: HTTP {resp.status}")
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                self.failures.append(f"{path}: {exc!r}")
                continue
            self.samples.append((time.perf_counter() - t0) * 1000)
            self.stop_event.wait(TYPING_PAUSE)
        conn.close()


def percentile(samples: list[float], p: float) -> float | None:
    if not samples:
        return None
    ordered = sorted(samples)
    return round(ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))], 2)


def run(port: int, connections: int, seconds: float, interval: float, typists: int) -> dict:
    """The slow connections and the typists together for ``seconds``; the figures."""
    keys = keystrokes(QUERIES)
    trickle = Trickle(port, connections, interval)
    trickle.thread.start()
    time.sleep(min(2.0, seconds / 4))  # let every slow connection open and send its first bytes
    stop = threading.Event()
    workers = [Typist(port, keys[n * 17:] + keys[:n * 17], stop) for n in range(typists)]
    for w in workers:
        w.start()
    time.sleep(seconds)
    stop.set()
    for w in workers:
        w.join(REQUEST_TIMEOUT + 5)
    trickle.stop.set()
    trickle.thread.join(REQUEST_TIMEOUT + 5)
    samples = [s for w in workers for s in w.samples]
    failures = [f for w in workers for f in w.failures]
    return {
        "slow_connections": connections, "seconds": seconds, "byte_interval_s": interval,
        "slow_opened": trickle.opened, "slow_closed_by_server": trickle.closed_by_server,
        "slow_refused": trickle.refused, "typists": typists, "requests": len(samples) + len(failures),
        "failures": len(failures), "failure_examples": failures[:5],
        "p50_ms": percentile(samples, 50), "p95_ms": percentile(samples, 95),
        "p99_ms": percentile(samples, 99), "max_ms": round(max(samples), 2) if samples else None,
    }


def start_server(index: str, workers: int, log: Path) -> tuple[subprocess.Popen, int]:
    """`codesearch serve` on a free loopback port, once /healthz answers 200."""
    port = free_port()
    cmd = [sys.executable, "-m", "codesearch.cli", "--index", index, "serve", "--port", str(port),
           "--workers", str(workers)]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"codesearch serve exited with {proc.returncode}: {log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/healthz", timeout=2) as r:  # noqa: S310
                if r.status == 200:
                    return proc, port
        except OSError:
            pass
        time.sleep(0.2)
    stop_server(proc)
    raise SystemExit(f"codesearch serve did not answer in 120 s: {log.read_text(errors='replace')}")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--index", help="start `codesearch serve` on this index folder (stopped at the end)")
    where.add_argument("--port", type=int, help="a server already listening on 127.0.0.1:PORT")
    parser.add_argument("--workers", type=int, default=2, help="workers of the server started here")
    parser.add_argument("--connections", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between the bytes of a slow client")
    parser.add_argument("--typists", type=int, default=2, help="threads replaying keystrokes")
    parser.add_argument("--max-p99-ms", type=float, default=None, help="exit 1 if the keystroke p99 is above this")
    args = parser.parse_args(argv)
    if not 1 <= args.connections <= MAX_CONNECTIONS or not 0 < args.seconds <= MAX_SECONDS:
        parser.error(f"--connections must be 1-{MAX_CONNECTIONS} and --seconds at most {MAX_SECONDS:.0f}")
    proc = None
    with tempfile.TemporaryDirectory(prefix="codesearch-slow-") as tmp:
        try:
            if args.index:
                proc, port = start_server(args.index, args.workers, Path(tmp) / "serve.log")
            else:
                port = args.port
            report = run(port, args.connections, args.seconds, args.interval, args.typists)
        finally:
            if proc is not None:
                stop_server(proc)
    print(json.dumps(report, indent=1))
    slow = args.max_p99_ms is not None and (report["p99_ms"] is None or report["p99_ms"] > args.max_p99_ms)
    return 1 if report["failures"] or slow or not report["requests"] else 0


if __name__ == "__main__":
    sys.exit(main())
