"""Keystroke latency in process: ``python -m benchmarks.keycpu [INDEX]`` (default ./index).

Every prefix of every judged query of the tuning split (tests/relevance/tuning/*.tsv), one pass,
``search(index, q, limit=10)`` after one warm-up query — what ``python -m benchmarks.bench``
replays in process. Each keystroke is timed twice: wall time (``time.perf_counter``) and CPU
time (``time.process_time``), which other work on a shared machine does not inflate. Prints
p50/p95/p99/max of both, and the CPU time per keystroke.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from benchmarks.bench import WARMUP_QUERY, Latency, keystrokes
from codesearch.evaluate import load_judgements
from codesearch.index import open_index
from codesearch.search import search

SUITES = sorted(Path(__file__).resolve().parents[1].glob("tests/relevance/tuning/*.tsv"))


def percentiles(name: str, latency: Latency) -> str:
    """One line of percentiles, in milliseconds."""
    return (f"{name}: p50 {latency.p50:.2f}  p95 {latency.p95:.2f}  p99 {latency.p99:.2f}  "
            f"max {latency.max:.1f} ms")


if __name__ == "__main__":  # pragma: no cover
    if not SUITES:
        sys.exit("no judged queries in tests/relevance/tuning/")
    index = open_index(sys.argv[1] if len(sys.argv) > 1 else "index")
    search(index, WARMUP_QUERY, limit=10)
    keys = keystrokes(j.query for j in load_judgements(SUITES))
    wall, cpu = [], []
    for key in keys:
        w, c = time.perf_counter(), time.process_time()
        search(index, key, limit=10)
        cpu.append((time.process_time() - c) * 1000)
        wall.append((time.perf_counter() - w) * 1000)
    print(f"{len(keys)} keystrokes, first pass after one warm-up query")
    print(percentiles("wall", Latency.of(wall)))
    print(percentiles("CPU ", Latency.of(cpu)))
    print(f"{sum(cpu) / len(keys):.2f} ms CPU per keystroke")
