"""Cold start, worker memory and build cost, each measured in fresh processes.

    python -m benchmarks.coldstart [--index DIR] [--runs 5] [--builds]

- ``codesearch query octagam`` and ``codesearch show J1568`` in a new process each (index
  already built): wall time (median of ``--runs``), CPU time and peak RSS of the process.
- A gunicorn worker's start: a new process that creates the Flask app, opens the index and
  answers one search through the test client (what a worker does before its first answer).
- ``codesearch serve --workers N`` for N = 2 and 4: seconds from spawn to the first search
  answered, then per-worker RSS, PSS and USS from ``/proc/<pid>/smaps_rollup`` after every
  worker has answered a few dozen searches.
- With ``--builds``: ``codesearch build --system hcpcs`` and ``codesearch build`` into
  temporary folders: wall, CPU and peak RSS (the largest process of the build).

Wall times depend on what else runs on the machine; CPU times (user + system) much less, so
both are printed, with the load average.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import click

from benchmarks.bench import children, free_port

CLI = [sys.executable, "-m", "codesearch.cli"]
WORKER = (
    "import sys; from codesearch.web import create_app; "
    "app = create_app({'CODESEARCH_INDEX_DIR': sys.argv[1]}); "
    "assert app.test_client().get('/api/search?q=octagam').status_code == 200"
)


def run(cmd: list[str], env: dict | None = None) -> tuple[float, float, float]:
    """(wall s, CPU s, peak RSS MB) of one child process, which must succeed."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status):
        raise click.ClickException(f"{' '.join(cmd)} failed: {proc.stderr.read().decode()[-500:]}")
    proc.stderr.close()
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def repeated(cmd: list[str], runs: int) -> str:
    got = [run(cmd) for _ in range(runs)]
    walls = sorted(w for w, _, _ in got)
    return (f"wall median {statistics.median(walls):.3f} s (min {walls[0]:.3f}, max {walls[-1]:.3f}); "
            f"CPU median {statistics.median(c for _, c, _ in got):.3f} s; peak RSS {max(r for *_, r in got):.0f} MB")


def smaps(pid: int) -> dict[str, float]:
    """RSS, PSS and USS (private clean + dirty) of a process, in MB."""
    values = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, rest = line.split(":", 1)
        values[name] = int(rest.split()[0]) / 1024
    return {"rss": values["Rss"], "pss": values["Pss"],
            "uss": values["Private_Clean"] + values["Private_Dirty"]}


def get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=10) as r:  # noqa: S310 (loopback only)
        r.read()
        return r.status


def serve(index_dir: str, workers: int) -> str:
    port = free_port()
    cmd = CLI + ["--index", index_dir, "serve", "--port", str(port), "--workers", str(workers)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        while True:
            try:
                if get(f"http://127.0.0.1:{port}/api/search?q=octagam") == 200:
                    break
            except OSError:
                if proc.poll() is not None or time.perf_counter() - t0 > 120:
                    raise click.ClickException("codesearch serve did not start") from None
                time.sleep(0.02)
        first = time.perf_counter() - t0
        words = ["o", "oc", "octa", "immune glob", "ivig", "j15", "high blood pressure", "e11.9", "keytruda", "cpap"]
        for i in range(20 * workers):
            get(f"http://127.0.0.1:{port}/api/search?q={words[i % len(words)].replace(' ', '%20')}")
        mem = [smaps(pid) for pid in children(proc.pid)]
        arbiter = smaps(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    per = "; ".join(f"RSS {m['rss']:.0f} / PSS {m['pss']:.0f} / USS {m['uss']:.0f} MB" for m in mem)
    return (f"{workers} workers: first search answered {first:.2f} s after spawn; per worker {per}; "
            f"arbiter RSS {arbiter['rss']:.0f} MB")


@click.command()
@click.option("--index", "index_dir", default="index", show_default=True, help="A built index folder.")
@click.option("--runs", default=5, show_default=True, type=click.IntRange(1, 50))
@click.option("--builds", is_flag=True, help="Also time HCPCS-only and full builds into temporary folders.")
def main(index_dir: str, runs: int, builds: bool) -> None:
    """Measure cold start, worker memory and (with --builds) build cost in fresh processes."""
    click.echo(f"load average {' / '.join(f'{x:.2f}' for x in os.getloadavg())}")
    build = Path(index_dir, "current").resolve()
    click.echo(f"index {build} ({json.loads((build / 'manifest.json').read_text())['records']} records)")
    click.echo(f"`codesearch query octagam`: {repeated(CLI + ['--index', index_dir, 'query', 'octagam'], runs)}")
    click.echo(f"`codesearch show J1568`: {repeated(CLI + ['--index', index_dir, 'show', 'J1568'], runs)}")
    click.echo(f"worker start (create_app + open + one search): {repeated([sys.executable, '-c', WORKER, index_dir], runs)}")
    for workers in (2, 4):
        click.echo(serve(index_dir, workers))
    if builds:
        for label, extra in (("HCPCS alone", ["--system", "hcpcs"]), ("all systems", [])):
            with tempfile.TemporaryDirectory(prefix="codesearch-coldstart-") as tmp:
                wall, cpu, rss = run(CLI + ["--index", tmp, "build", *extra])
                click.echo(f"build {label}: wall {wall:.1f} s, CPU {cpu:.1f} s, peak RSS {rss:.0f} MB")
    click.echo(f"load average {' / '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":  # pragma: no cover
    main()
