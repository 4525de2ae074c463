"""CPU time per keystroke in process: ``python -m benchmarks.keycpu [INDEX]`` (default ./index).

Every prefix of every judged query (tests/relevance/*.tsv), ``search(index, q, limit=10)`` after
one warm-up query, timed with ``time.process_time()`` so that other work on the machine does
not count.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from benchmarks.bench import keystrokes
from codesearch.evaluate import load_judgements
from codesearch.index import open_index
from codesearch.search import search

SUITES = sorted(Path(__file__).resolve().parents[1].glob("tests/relevance/*.tsv"))

if __name__ == "__main__":  # pragma: no cover
    index = open_index(sys.argv[1] if len(sys.argv) > 1 else "index")
    search(index, "warm up")
    keys = keystrokes(j.query for j in load_judgements(SUITES))
    started = time.process_time()
    for key in keys:
        search(index, key, limit=10)
    print(f"{len(keys)} keystrokes: {(time.process_time() - started) / len(keys) * 1000:.2f} ms CPU per keystroke")
