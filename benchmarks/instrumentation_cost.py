"""What metrics, the access log and search analytics cost: keystroke throughput with each off and on.

Starts `codesearch serve --workers 2` on the built index once per configuration and round, loads
it with ``wrk`` replaying every prefix of every judged query (the keystroke workload of
`codesearch bench`), and prints a Markdown table of requests per second and of the server's CPU
time per request (its master and workers, from /proc), which other work on a shared machine
disturbs less. Rounds alternate the configurations, each round starting with another one, so
that noise falls on each alike; medians are reported. Last, the CPU microseconds each
configuration adds to one request in process (Flask test client), the bookkeeping alone.

    python benchmarks/instrumentation_cost.py --duration 10 --rounds 3 --connections 8
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

from codesearch.evaluate import load_judgements

CONFIGS = {
    "all off": ["--no-metrics", "--no-analytics"],
    "metrics + JSON access log": ["--metrics", "--no-analytics", "--access-log", "{tmp}/access.jsonl"],
    "metrics + access log + analytics": ["--metrics", "--access-log", "{tmp}/access.jsonl", "--analytics"],
}
WRK_SCRIPT = """
paths = {%s}
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def keystroke_paths() -> list[str]:
    """Every prefix of every judged query, as the page's search requests."""
    queries = [j.query for j in load_judgements()]
    return [f"/api/search?q={quote(q[:i], safe='')}&limit=10" for q in queries for i in range(1, len(q) + 1)]


def server_cpu_seconds(master: int) -> float:
    """User + system CPU time of the server: its master and every worker (children of the master)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(stat.parent.name), int(fields[1])
        if pid == master or ppid == master:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def run(index: str, args: list[str], script: Path, seconds: int, connections: int, tmp: str) -> tuple[float, float]:
    """Requests per second of one server configuration under wrk, and server CPU ms per request."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CODESEARCH_")}
    env["CODESEARCH_ANALYTICS_DB"] = f"{tmp}/analytics.sqlite3"
    cmd = [sys.executable, "-m", "codesearch.cli", "--index", index, "serve", "--port", str(port),
           "--workers", "2", *(a.format(tmp=tmp) for a in args)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):  # noqa: S310
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"codesearch serve {' '.join(args)} did not start") from None
                time.sleep(0.2)
        # Warm both workers (each builds its expander and caches on first use) with the same load, unmeasured.
        subprocess.run(["wrk", "-t", "2", "-c", str(connections), "-d", "3s", "-s", str(script),
                        f"http://127.0.0.1:{port}"], capture_output=True, check=True)
        cpu_before = server_cpu_seconds(proc.pid)
        out = subprocess.run(["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "-s", str(script),
                              f"http://127.0.0.1:{port}"], capture_output=True, text=True, check=True).stdout
        if re.search(r"Non-2xx or 3xx responses: (\d+)", out):
            raise SystemExit(f"failed requests under {' '.join(args)}:\n{out}")
        cpu = server_cpu_seconds(proc.pid) - cpu_before
        requests = int(re.search(r"(\d+) requests in", out).group(1))
        return float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1)), 1000 * cpu / requests
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def added_microseconds(index: str, tmp: str, requests: int = 3000, rounds: int = 5) -> dict[str, float]:
    """CPU microseconds each configuration adds to a request, in process (Flask test client, /healthz):
    the bookkeeping alone, without the noise of the search and of other work on the machine."""
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(dir=tmp)  # as under `codesearch serve`
    from codesearch.config import OpsSettings
    from codesearch.web import create_app

    ops = {
        "all off": OpsSettings(metrics=False),
        "metrics + JSON access log": OpsSettings(access_log=f"{tmp}/micro-access.jsonl"),
        "metrics + access log + analytics": OpsSettings(access_log=f"{tmp}/micro-access.jsonl", analytics=True,
                                                        analytics_db=Path(tmp) / "micro.sqlite3"),
    }
    clients = {name: create_app({"CODESEARCH_INDEX_DIR": index, "CODESEARCH_OPS": o}).test_client()
               for name, o in ops.items()}
    per_request: dict[str, list[float]] = {name: [] for name in ops}
    for _ in range(rounds):
        for name, client in clients.items():
            client.get("/api/search?q=warm+up")
            t0 = time.process_time()
            for _ in range(requests):
                client.get("/api/search?q=j1568&limit=1")
            per_request[name].append(1e6 * (time.process_time() - t0) / requests)
    base = statistics.median(per_request["all off"])
    return {name: statistics.median(runs) - base for name, runs in per_request.items()} | {"base": base}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", default="index")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=8)
    opts = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed")
    results: dict[str, list[float]] = {name: [] for name in CONFIGS}
    cpu: dict[str, list[float]] = {name: [] for name in CONFIGS}
    with tempfile.TemporaryDirectory(prefix="codesearch-ops-bench-") as tmp:
        script = Path(tmp) / "keys.lua"
        paths = keystroke_paths()
        script.write_text(WRK_SCRIPT % ",".join(f'"{p}"' for p in paths), encoding="utf-8")
        names = list(CONFIGS)
        for n in range(opts.rounds):
            for name in names[n % len(names):] + names[:n % len(names)]:  # each round starts elsewhere
                args = CONFIGS[name]
                rps, ms = run(opts.index, args, script, opts.duration, opts.connections, tmp)
                results[name].append(rps)
                cpu[name].append(ms)
                print(f"round {n + 1}: {name}: {rps:.0f} req/s, {ms:.3f} CPU ms/request", file=sys.stderr)
        added = added_microseconds(os.path.abspath(opts.index), tmp)
    base = statistics.median(results["all off"])
    base_cpu = statistics.median(cpu["all off"])
    print(f"{len(paths)} keystroke requests, {opts.connections} connections, 2 workers, "
          f"{opts.duration} s x {opts.rounds} rounds\n")
    print("| configuration | req/s (median) | each round | vs all off | server CPU ms/request (median) | vs all off "
          "| CPU µs added per request, in process |")
    print("|---|---:|---|---:|---:|---:|---:|")
    for name, runs in results.items():
        med, ms = statistics.median(runs), statistics.median(cpu[name])
        print(f"| {name} | {med:.0f} | {', '.join(f'{r:.0f}' for r in runs)} | {100 * (med / base - 1):+.1f}% "
              f"| {ms:.3f} | {100 * (ms / base_cpu - 1):+.1f}% | {added[name]:+.0f} |")
    print(f"\nIn process, `GET /api/search?q=j1568&limit=1` through the Flask test client costs "
          f"{added['base']:.0f} µs of CPU with everything off.")


if __name__ == "__main__":
    main()
