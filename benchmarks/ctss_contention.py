"""Does a heavy NLM-compatible client slow everyone else? Over HTTP against `codesearch serve`.

Starts `codesearch serve --workers 2` on a free loopback port over a built index; one light
client types the keystrokes of a few queries (`/api/hcpcs/v3/search?terms=…`, the widget's
request) for DURATION seconds, first alone, then beside HEAVY clients each asking
`terms=arm arm … (50 words)&maxList=500` in a loop. Prints the light client's median and p95
latency in both runs and the heavy requests' median.

    .venv/bin/python benchmarks/ctss_contention.py [INDEX_DIR] [--heavy 4] [--duration 10]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from urllib.parse import quote

QUERIES = ["octagam", "keytruda", "wheelchair", "immune globulin", "insulin pump", "oxygen", "E11.9", "J15"]
KEYSTROKES = [q[:n] for q in QUERIES for n in range(1, len(q) + 1)]
HEAVY_URL = "/api/hcpcs/v3/search?maxList=500&terms=" + quote(" ".join(["arm"] * 50))


def _get(url: str) -> float:
    t = time.perf_counter()
    with urllib.request.urlopen(url, timeout=30) as r:  # noqa: S310 - our loopback server
        r.read()
    return (time.perf_counter() - t) * 1000


def _loop(base: str, urls: list[str], until: float, out: list[float]) -> None:
    i = 0
    while time.monotonic() < until:
        out.append(_get(base + urls[i % len(urls)]))
        i += 1


def run(base: str, heavy: int, duration: float) -> tuple[list[float], list[float]]:
    """Light-client latencies and heavy-client latencies over ``duration`` seconds."""
    until = time.monotonic() + duration
    light: list[float] = []
    heavy_times: list[float] = []
    light_urls = [f"/api/hcpcs/v3/search?terms={quote(k)}" for k in KEYSTROKES]
    threads = [threading.Thread(target=_loop, args=(base, [HEAVY_URL], until, heavy_times)) for _ in range(heavy)]
    threads.append(threading.Thread(target=_loop, args=(base, light_urls, until, light)))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return light, heavy_times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("index", nargs="?", default="index")
    parser.add_argument("--heavy", type=int, default=4)
    parser.add_argument("--duration", type=float, default=10.0)
    args = parser.parse_args()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("CODESEARCH_")}
    proc = subprocess.Popen([sys.executable, "-m", "codesearch.cli", "--index", args.index, "serve", "--port",
                             str(port), "--workers", "2"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                _get(base + "/healthz")
                break
            except OSError:
                time.sleep(0.2)
        for url in [HEAVY_URL] * 4 + [f"/api/hcpcs/v3/search?terms={quote(k)}" for k in KEYSTROKES] * 2:
            _get(base + url)  # warm both workers
        print("| run | light requests | light p50 ms | light p95 ms | heavy requests | heavy p50 ms |")
        print("|---|---:|---:|---:|---:|---:|")
        for heavy in (0, args.heavy):
            light, heavy_times = run(base, heavy, args.duration)
            p95 = statistics.quantiles(light, n=20)[-1]
            heavy_p50 = f"{statistics.median(heavy_times):.0f}" if heavy_times else "–"
            print(f"| light client + {heavy} heavy | {len(light)} | {statistics.median(light):.1f} | {p95:.1f} "
                  f"| {len(heavy_times)} | {heavy_p50} |")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


if __name__ == "__main__":
    main()
