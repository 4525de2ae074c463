"""CPU and wall time of each build phase, and the build's children: ``python -m benchmarks.buildphases [SYSTEM ...]``.

Builds into a temporary folder from the default data (the embedded release) with a progress
callback that prints each phase's CPU and wall time, then the total CPU of this process and of
its children (Whoosh's writers, the side-file writer) and the peak RSS of each.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

from codesearch.build import build_index
from codesearch.config import Settings


def main(systems: list[str]) -> None:
    last = [None, time.process_time(), time.perf_counter()]

    def progress(stage: str, done: int, total: int) -> None:
        if stage != last[0]:
            now, wall = time.process_time(), time.perf_counter()
            if last[0]:
                print(f"{last[0]:<20} cpu {now - last[1]:6.2f} s  wall {wall - last[2]:6.2f} s", flush=True)
            last[:] = [stage, now, wall]

    with tempfile.TemporaryDirectory(prefix="codesearch-phases-") as tmp:
        t0, c0 = time.perf_counter(), time.process_time()
        build_index(Settings(index_dir=Path(tmp), systems=tuple(s.upper() for s in systems) or None), progress)
        now, wall = time.process_time(), time.perf_counter()
        print(f"{last[0]:<20} cpu {now - last[1]:6.2f} s  wall {wall - last[2]:6.2f} s (with records, verify)")
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        print(f"total cpu {now - c0:.2f} s + children {kids.ru_utime + kids.ru_stime:.2f} s, wall {wall - t0:.2f} s; "
              f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB, "
              f"largest child {kids.ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
