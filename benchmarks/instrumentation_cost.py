"""What metrics, the access log and search analytics cost: keystroke throughput with each off and on.

Starts `codesearch serve --workers 2` on the built index once per configuration and round, loads
it with ``wrk`` replaying every prefix of every judged query (the keystroke workload of
`codesearch bench`), and prints a Markdown table of requests per second. Rounds alternate the
configurations so the noise of a shared machine falls on each alike; the median is reported.

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


def run(index: str, args: list[str], script: Path, seconds: int, connections: int, tmp: str) -> float:
    """Requests per second of one server configuration under wrk."""
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
        for _ in range(20):  # each worker builds its expander on first use
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/search?q=warm+up", timeout=30).read()  # noqa: S310
        out = subprocess.run(["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "-s", str(script),
                              f"http://127.0.0.1:{port}"], capture_output=True, text=True, check=True).stdout
        if re.search(r"Non-2xx or 3xx responses: (\d+)", out):
            raise SystemExit(f"failed requests under {' '.join(args)}:\n{out}")
        return float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1))
    finally:
        proc.terminate()
        proc.wait(timeout=30)


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
    with tempfile.TemporaryDirectory(prefix="codesearch-ops-bench-") as tmp:
        script = Path(tmp) / "keys.lua"
        paths = keystroke_paths()
        script.write_text(WRK_SCRIPT % ",".join(f'"{p}"' for p in paths), encoding="utf-8")
        for n in range(opts.rounds):
            for name, args in CONFIGS.items():
                rps = run(opts.index, args, script, opts.duration, opts.connections, tmp)
                results[name].append(rps)
                print(f"round {n + 1}: {name}: {rps:.0f} req/s", file=sys.stderr)
    base = statistics.median(results["all off"])
    print(f"{len(paths)} keystroke requests, {opts.connections} connections, 2 workers, "
          f"{opts.duration} s x {opts.rounds} rounds\n")
    print("| configuration | req/s (median) | each round | vs all off |")
    print("|---|---:|---|---:|")
    for name, runs in results.items():
        med = statistics.median(runs)
        print(f"| {name} | {med:.0f} | {', '.join(f'{r:.0f}' for r in runs)} | {100 * (med / base - 1):+.1f}% |")


if __name__ == "__main__":
    main()
