"""Soak test: a running server kept under load while the index is rebuilt underneath it.

:func:`run_soak` starts `codesearch serve` (gunicorn, 2 workers) on a free loopback port
against the configured index (built first if there is none), then runs client threads that
type the relevance suite's queries one key at a time into ``/api/search``, with a code page
(``/api/codes/<code>``) every tenth request and ``/healthz`` every twentieth.

The client levels (``clients=(8, 32)``) run **one after the other** against the same server,
each for an equal share of ``duration``. At ``rebuild_at × duration`` into the run,
`codesearch build` is started as a child process into the *same* index directory, whichever
level is then running, while the clients go on. If the build has not finished when the last
level's time is up, the last level keeps running until the build has finished, :data:`TAIL_S`
more seconds have passed and :data:`HEALTH_AFTER` ``/healthz`` answers to requests sent after
the swap of ``current`` have come back (bounded by ``build_timeout`` and :data:`SWITCH_WAIT_S`),
so the switch to the new build always happens under load and is checked under load.

The run passes when no request failed (a non-200 answer other than a 400 to a search, or a
connection error) and the server switched to the new build without a restart: every
``/healthz`` answer to a request sent more than :data:`SWAP_GRACE_S` after ``current`` was
swapped (the time a worker takes to read the new build beside the old one) names the new build, and
so do fresh probes after the clients stop. The resident memory of each gunicorn worker is sampled every few seconds. Everything is bounded:
loopback only, at most :data:`MAX_CLIENTS` threads per level, :data:`MAX_REQUESTS` requests
and ``duration + build_timeout + SWITCH_WAIT_S`` seconds per run. :func:`render_markdown` prints the report;
``python -m benchmarks.soak`` (from the checkout) is a thin shell over the two.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import tempfile
import threading
import time
from array import array
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

import click

from benchmarks.bench import (
    BUILD_TIMEOUT,
    REQUEST_TIMEOUT,
    WORKERS,
    Latency,
    Server,
    _search_path,
    _tail,
    child_env,
    cli_command,
    keystrokes,
    machine,
    running_server,
    worker_memory,
)
from codesearch.config import Settings
from codesearch.errors import CodeSearchError, IndexMissingError

DURATION = 60.0
CLIENTS = (8, 32)
REBUILD_AT = 0.5
QUICK_DURATION = 10.0
QUICK_CLIENTS = (4,)
MAX_CLIENTS = 256  # per level
MAX_LEVELS = 8
MAX_DURATION = 3600.0
MAX_REQUESTS = 1_000_000  # per run, all clients together
CODE_EVERY = 10  # every tenth request of a client asks for a code page
HEALTH_EVERY = 20  # every twentieth asks /healthz
TAIL_S = 2.0  # load kept on the server after the build finishes, at least
HEALTH_AFTER = 4  # /healthz answers to requests sent after the swap needed before the load stops
SWITCH_WAIT_S = 120.0  # at most this long after the build for them
SWITCH_WINDOW_S = 10.0  # requests answered this long after the swap are reported apart
#: A worker reads a new build beside the one it serves (``CodeIndex.refresh``, background
#: reload), so for the moment that read takes it still answers from the old build: /healthz
#: answers to requests sent within this long of the swap may name either.
SWAP_GRACE_S = 1.0
MAX_EXAMPLES = 10  # failed requests described in the report
#: Lines of the server's log kept in the report when a request failed: its traceback, before the
#: temporary folder holding the log is removed.
SERVER_LOG_LINES = 40

Progress = Callable[[str], None]


class SoakError(CodeSearchError):
    """The soak could not run as asked (bad options, no queries to send)."""


# -- results -------------------------------------------------------------------------------------
@dataclass
class LevelResult:
    """One client level: N threads for a stretch of the run."""

    clients: int
    seconds: float
    requests: int  # sent, answered or not
    failures: int  # non-200 answers other than a search's 400, and connection errors
    expected_400: int
    rps: float
    latency: Latency  # of the answered requests (200s and expected 400s)
    rebuild_during: bool = False  # the build ran during (part of) this level


@dataclass
class RebuildResult:
    """The `codesearch build` child run during the soak."""

    started_s: float  # into the run
    finished_s: float | None  # into the run; None if it was still running when the soak ended
    exit_code: int | None
    build_id: str  # the build it made, "" if it failed
    log_tail: str = ""
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and bool(self.build_id)

    @property
    def seconds(self) -> float | None:
        return None if self.finished_s is None else self.finished_s - self.started_s


@dataclass
class WorkerMemory:
    """VmRSS of one gunicorn worker over the run, in MB."""

    pid: int
    first_mb: float
    max_mb: float
    last_mb: float
    samples: int
    first_s: float  # into the run
    last_s: float
    before_rebuild_mb: float | None = None  # the last sample before the rebuild started
    series: list[tuple[float, float]] = field(default_factory=list, repr=False)  # (s into the run, MB)


@dataclass
class SoakReport:
    """Everything one soak measured."""

    started: datetime
    elapsed_s: float
    index_dir: str
    workers: int
    duration_s: float
    rebuild_at: float
    machine: dict[str, str]
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]
    keystrokes: int
    codes: int
    levels: list[LevelResult]
    total: LevelResult
    failure_kinds: dict[str, int]
    failure_examples: list[str]
    build_before: str
    build_after: list[str]  # build ids /healthz named after the clients stopped (one per probe)
    rebuild: RebuildResult | None
    health_after_build: int  # /healthz answers to requests sent SWAP_GRACE_S after `current` was swapped
    stale_after_build: int  # of those, answers naming another build than the new one
    first_new_s: float | None  # into the run: the first answer naming the new build
    swap_s: float | None = None  # into the run: when `current` was seen pointing at the new build
    switch_window: Latency | None = None  # requests answered in the SWITCH_WINDOW_S seconds after the swap
    memory: list[WorkerMemory] = field(default_factory=list)
    sample_every_s: float = 0.0

    @property
    def failures(self) -> int:
        return self.total.failures

    @property
    def requests(self) -> int:
        return self.total.requests

    @property
    def switched(self) -> bool:
        """The server answered from the new build, and only from it, once `current` pointed at it."""
        r = self.rebuild
        return bool(
            r is not None and r.ok and r.build_id != self.build_before and self.health_after_build
            and not self.stale_after_build and self.build_after and set(self.build_after) == {r.build_id}
        )

    @property
    def worker_restarts(self) -> int:
        """Worker processes beyond the first ``workers``: gunicorn replaced a dead or stuck one."""
        return max(0, len(self.memory) - self.workers)

    @property
    def problems(self) -> list[str]:
        """Why the run failed; empty when it passed."""
        out = []
        if self.failures:
            out.append(f"{self.failures} failed request(s)")
        r = self.rebuild
        if r is None:
            out.append("the rebuild never started")
        elif r.timed_out:
            out.append("the rebuild did not finish in time")
        elif not r.ok:
            out.append(f"the rebuild failed (exit code {r.exit_code})")
        if r is not None and r.ok and not self.switched:
            out.append("the server did not switch to the new build")
        return out

    @property
    def passed(self) -> bool:
        return not self.problems


# -- the request mix ---------------------------------------------------------------------------
def request_for(i: int, keys: Sequence[str], codes: Sequence[str]) -> tuple[str, str]:
    """The ``i``-th request of a client: ("search" | "code" | "health", path)."""
    if i % HEALTH_EVERY == HEALTH_EVERY - 1:
        return "health", "/healthz"
    if codes and i % CODE_EVERY == CODE_EVERY // 2:
        return "code", f"/api/codes/{quote(codes[(i // CODE_EVERY) % len(codes)], safe='')}"
    return "search", _search_path(keys[i % len(keys)])


class _Budget:
    """The requests a run may still send, shared by every client thread."""

    def __init__(self, limit: int):
        self.left = limit
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            if self.left <= 0:
                return False
            self.left -= 1
            return True


@dataclass
class _ClientTally:
    latencies: array = field(default_factory=lambda: array("d"))  # ms of each answered request
    sent: array = field(default_factory=lambda: array("d"))  # time.monotonic() it was sent
    requests: int = 0
    expected_400: int = 0
    failures: Counter = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)
    health: list[tuple[float, str]] = field(default_factory=list)  # (monotonic time sent, build id)


class ClientLoad:
    """``clients`` threads, each with its own connection, sending the request mix until stopped.

    Usable on its own (tests hammer a server with it): ``start()``, then ``stop()`` returns
    the :class:`LevelResult`; ``health`` holds every ``/healthz`` answer as (time sent, build id).
    """

    def __init__(self, port: int, keys: Sequence[str], codes: Sequence[str], clients: int,
                 budget: int | _Budget = MAX_REQUESTS):
        if not keys:
            raise SoakError("no queries to send")
        self.port, self.keys, self.codes, self.clients = port, list(keys), list(codes), clients
        self.budget = budget if isinstance(budget, _Budget) else _Budget(budget)
        self._stop = threading.Event()
        self._tallies = [_ClientTally() for _ in range(clients)]
        self._threads = [threading.Thread(target=self._client, args=(n,), daemon=True, name=f"soak-client-{n}")
                         for n in range(clients)]
        self._t0 = self._t1 = 0.0
        self.health: list[tuple[float, str]] = []
        self.samples: list[float] = []
        self.timed: list[tuple[float, float]] = []  # (time sent, ms) of each answered request
        self.failure_kinds: Counter = Counter()
        self.failure_examples: list[str] = []

    def start(self) -> ClientLoad:
        self._t0 = time.monotonic()
        for t in self._threads:
            t.start()
        return self

    def stop(self) -> LevelResult:
        self._stop.set()
        for t in self._threads:
            t.join(REQUEST_TIMEOUT + 5)
        self._t1 = time.monotonic()
        return self.result()

    def result(self) -> LevelResult:
        tallies = self._tallies
        self.samples = samples = [s for t in tallies for s in t.latencies]
        self.timed = [(at, ms) for t in tallies for at, ms in zip(t.sent, t.latencies)]
        requests = sum(t.requests for t in tallies)
        failures = sum(sum(t.failures.values()) for t in tallies)
        self.failure_kinds = sum((t.failures for t in tallies), Counter())
        self.failure_examples = [e for t in tallies for e in t.examples][:MAX_EXAMPLES]
        self.health = sorted(h for t in tallies for h in t.health)
        elapsed = (self._t1 or time.monotonic()) - self._t0
        return LevelResult(self.clients, round(elapsed, 2), requests, failures,
                           sum(t.expected_400 for t in tallies), requests / elapsed if elapsed > 0 else 0.0,
                           Latency.of(samples))

    def health_since(self, at: float) -> list[str]:
        """Build ids named by /healthz answers to requests sent at or after ``at`` (while running too)."""
        return [b for t in self._tallies for sent, b in list(t.health) if sent >= at]

    def __enter__(self) -> ClientLoad:
        return self.start()

    def __exit__(self, *exc) -> None:
        if not self._stop.is_set():
            self.stop()

    def _client(self, n: int) -> None:
        tally = self._tallies[n]
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
        i = (n * len(self.keys)) // max(1, self.clients)  # spread the clients over the keystrokes
        clock = time.perf_counter_ns
        try:
            while not self._stop.is_set() and self.budget.take():
                kind, path = request_for(i, self.keys, self.codes)
                i += 1
                sent = time.monotonic()
                t0 = clock()
                tally.requests += 1
                try:
                    conn.request("GET", path)
                    resp = conn.getresponse()
                    body = resp.read()
                except (OSError, http.client.HTTPException) as exc:
                    conn.close()
                    self._fail(tally, f"connection: {type(exc).__name__}", f"{path}: {type(exc).__name__}: {exc}")
                    continue
                ms = (clock() - t0) / 1e6
                if resp.status == 200:
                    tally.latencies.append(ms)
                    tally.sent.append(sent)
                    if kind == "health":
                        try:
                            tally.health.append((sent, str(json.loads(body)["build_id"])))
                        except (ValueError, KeyError, TypeError):
                            self._fail(tally, "health: unreadable body", f"{path}: {body[:200]!r}")
                elif resp.status == 400 and kind == "search":
                    tally.latencies.append(ms)
                    tally.sent.append(sent)
                    tally.expected_400 += 1
                else:
                    self._fail(tally, f"HTTP {resp.status} on {kind}", f"{path}: HTTP {resp.status} {body[:200]!r}")
        except Exception as exc:  # noqa: BLE001 - a client bug must show up as a failure, not a dead thread
            self._fail(tally, f"client error: {type(exc).__name__}", f"{type(exc).__name__}: {exc}")
        finally:
            conn.close()

    @staticmethod
    def _fail(tally: _ClientTally, kind: str, example: str) -> None:
        tally.failures[kind] += 1
        if len(tally.examples) < MAX_EXAMPLES:
            tally.examples.append(example)


def probe_health(server: Server | int, n: int = 4 * WORKERS) -> list[str]:
    """Build ids from ``n`` fresh ``/healthz`` requests ("" for a failed one)."""
    port = server if isinstance(server, int) else server.port
    out = []
    for _ in range(n):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
        try:
            conn.request("GET", "/healthz")
            resp = conn.getresponse()
            body = resp.read()
            out.append(str(json.loads(body)["build_id"]) if resp.status == 200 else "")
        except (OSError, http.client.HTTPException, ValueError, KeyError, TypeError):
            out.append("")
        finally:
            conn.close()
    return out


# -- memory ---------------------------------------------------------------------------------------
class _MemorySampler:
    """VmRSS of each gunicorn worker every ``every`` seconds, on a thread."""

    def __init__(self, server: Server, every: float, t0: float):
        self.server, self.every, self.t0 = server, every, t0
        self.tracks: dict[int, WorkerMemory] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="soak-memory")

    def sample(self) -> None:
        at = time.monotonic() - self.t0
        for m in worker_memory(self.server):
            t = self.tracks.get(m.pid)
            if t is None:
                t = self.tracks[m.pid] = WorkerMemory(m.pid, m.rss_mb, m.rss_mb, m.rss_mb, 0, at, at)
            t.max_mb = max(t.max_mb, m.rss_mb)
            t.last_mb, t.last_s = m.rss_mb, at
            t.samples += 1
            t.series.append((round(at, 2), round(m.rss_mb, 1)))

    def _run(self) -> None:
        while True:
            try:
                self.sample()
            except OSError:
                pass  # /proc entries come and go; the next sample will do
            if self._stop.wait(self.every):
                return

    def start(self) -> None:
        self._thread.start()

    def stop(self, rebuild_s: float | None) -> list[WorkerMemory]:
        """Stop sampling; ``rebuild_s``: when the rebuild started, into the run."""
        self._stop.set()
        self._thread.join(10)
        self.sample()
        for t in self.tracks.values():
            before = [mb for at, mb in t.series if rebuild_s is not None and at <= rebuild_s]
            t.before_rebuild_mb = before[-1] if before else None
        return sorted(self.tracks.values(), key=lambda t: (t.first_s, t.pid))


# -- the rebuild -----------------------------------------------------------------------------------
BUILT_RE = re.compile(r"Built index (\S+) in ")


def build_command(settings: Settings) -> list[str]:
    """`codesearch build` for ``settings``, as a child process command line."""
    args = ["build"]
    for option, path in (("--hcpcs", settings.hcpcs_file), ("--crosswalk", settings.crosswalk_file),
                         ("--icd10cm", settings.icd10cm_file), ("--cpt", settings.cpt_file)):
        if path is not None:
            args += [option, str(path)]
    for system in settings.systems or ():
        args += ["--system", system.lower()]
    return cli_command(settings, settings.index_dir, *args)


class _Rebuild:
    """`codesearch build` into the served index directory, as a child process."""

    def __init__(self, settings: Settings, timeout: float, folder: Path):
        self.settings, self.timeout = settings, timeout
        self.log = folder / "build.log"
        self.proc: subprocess.Popen | None = None
        self.started_at = self.finished_at = 0.0
        self.exit_code: int | None = None
        self.timed_out = False

    @property
    def started(self) -> bool:
        return self.proc is not None

    @property
    def finished(self) -> bool:
        return self.exit_code is not None

    def start(self) -> None:
        env = child_env(self.settings)
        if self.settings.pfs_file is not None:
            env["CODESEARCH_PFS_FILE"] = str(self.settings.pfs_file)
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(build_command(self.settings), stdout=out, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, env=env, start_new_session=True)
        self.started_at = time.monotonic()

    def poll(self) -> bool:
        """Whether the build has finished (killing it once past its timeout)."""
        if self.proc is None or self.exit_code is not None:
            return self.exit_code is not None
        code = self.proc.poll()
        if code is None and time.monotonic() - self.started_at > self.timeout:
            self.timed_out = True
            self.kill()
            code = self.proc.returncode
        if code is not None:
            self.exit_code = code
            self.finished_at = time.monotonic()
        return code is not None

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()

    def result(self, t0: float) -> RebuildResult:
        text = self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""
        m = BUILT_RE.search(text)
        build_id = m.group(1) if (m and self.exit_code == 0) else ""
        return RebuildResult(
            started_s=self.started_at - t0,
            finished_s=(self.finished_at - t0) if self.finished else None,
            exit_code=self.exit_code, build_id=build_id,
            log_tail="" if build_id else _tail(self.log), timed_out=self.timed_out,
        )


# -- the run ---------------------------------------------------------------------------------------
def parse_clients(text: str) -> tuple[int, ...]:
    """``"8,32"`` → ``(8, 32)``, each between 1 and :data:`MAX_CLIENTS`."""
    try:
        levels = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise SoakError(f"--clients must be comma-separated numbers, got {text!r}") from None
    _check_levels(levels)
    return levels


def _check_levels(levels: Sequence[int]) -> None:
    if not levels or len(levels) > MAX_LEVELS or any(not 1 <= n <= MAX_CLIENTS for n in levels):
        raise SoakError(f"client levels must be 1 to {MAX_LEVELS} numbers from 1 to {MAX_CLIENTS}, "
                        f"got {','.join(map(str, levels)) or 'none'}")


def options(duration: float | None, clients: str | Sequence[int] | None, quick: bool) -> tuple[float, tuple[int, ...]]:
    """The duration and client levels for the command's options (--quick: 10 s, 4 clients)."""
    seconds = duration if duration is not None else (QUICK_DURATION if quick else DURATION)
    if clients is None:
        levels = QUICK_CLIENTS if quick else CLIENTS
    elif isinstance(clients, str):
        levels = parse_clients(clients)
    else:
        levels = tuple(clients)
    return seconds, levels


def workload(settings: Settings, queries: Sequence[str] | None = None,
             progress: Progress | None = None) -> tuple[list[str], list[str]]:
    """(keystrokes, codes to ask for): the relevance suite typed key by key, and its judged codes
    that the index holds. Builds the index first when there is none."""
    from codesearch.build import build_index
    from codesearch.evaluate import load_judgements
    from codesearch.index import open_index
    from codesearch.web.api import CODE_PARAM_RE

    say = progress or (lambda _m: None)
    try:
        index = open_index(settings.index_dir)
    except IndexMissingError:
        say(f"no index in {settings.index_dir} yet; building it from {settings.data_dir}")
        build_index(settings)
        index = open_index(settings.index_dir)
    try:
        judged = load_judgements() if queries is None else []
        keys = keystrokes([j.query for j in judged] if queries is None else queries)
        wanted = sorted({c for j in judged for c in j.relevant})
        codes = [c for c in wanted if c in index.records]
        if len(codes) < 20:  # a small or unfamiliar index: spread over what it has
            codes += index.codes[:: max(1, len(index.codes) // 50)]
        codes = [c for c in dict.fromkeys(codes) if CODE_PARAM_RE.match(c)]
    finally:
        index.close()
    if not keys:
        raise SoakError("no queries to send: the relevance suite is empty")
    return keys, codes


def run_soak(settings: Settings, *, duration: float = DURATION, clients: Sequence[int] = CLIENTS,
             rebuild_at: float = REBUILD_AT, workers: int = WORKERS, queries: Sequence[str] | None = None,
             max_requests: int = MAX_REQUESTS, build_timeout: float = BUILD_TIMEOUT,
             progress: Progress | None = None) -> SoakReport:
    """Serve ``settings.index_dir``, load it with each client level in turn for ``duration`` seconds
    in all, rebuild the index at ``rebuild_at × duration``, and report (see the module docstring)."""
    clients = tuple(clients)
    _check_levels(clients)
    if not 0 < duration <= MAX_DURATION:
        raise SoakError(f"duration must be more than 0 and at most {MAX_DURATION:g} s, got {duration:g}")
    if not 0 <= rebuild_at <= 1:
        raise SoakError(f"rebuild-at must be between 0 and 1, got {rebuild_at:g}")
    say = progress or (lambda _m: None)
    keys, codes = workload(settings, queries, say)
    started = datetime.now(timezone.utc)
    load_before = os.getloadavg()
    every = min(5.0, max(0.5, duration / 20))
    budget = _Budget(max_requests)
    levels: list[LevelResult] = []
    loads: list[ClientLoad] = []
    say(f"server: codesearch serve --workers {workers} on {settings.index_dir}")
    server_log = ""
    link = Path(settings.index_dir) / "current"
    with tempfile.TemporaryDirectory(prefix="codesearch-soak-") as tmp, running_server(settings, workers) as server:
        t0 = time.monotonic()
        first_link = _readlink(link)
        sampler = _MemorySampler(server, every, t0)
        sampler.start()
        rebuild = _Rebuild(settings, build_timeout, Path(tmp))
        rebuild_time = t0 + rebuild_at * duration
        hard_end = t0 + duration + build_timeout + SWITCH_WAIT_S
        swapped_at: float | None = None
        try:
            for k, n in enumerate(clients):
                last = k == len(clients) - 1
                level_end = t0 + duration * (k + 1) / len(clients)
                say(f"load: {n} client(s) for {level_end - time.monotonic():.0f} s"
                    + (" (longer if the rebuild is still running)" if last else ""))
                load = ClientLoad(server.port, keys, codes, n, budget).start()
                loads.append(load)
                building = rebuild.started and not rebuild.finished
                try:
                    while True:
                        now = time.monotonic()
                        if (not last and now >= level_end) or now >= hard_end:
                            break
                        if not rebuild.started and now >= rebuild_time:
                            say(f"rebuild: codesearch build into {settings.index_dir} at {now - t0:.1f} s")
                            rebuild.start()
                        if rebuild.started and not rebuild.finished:
                            building = True
                            if swapped_at is None and _readlink(link) != first_link:
                                swapped_at = now
                                say(f"rebuild: `current` swapped at {now - t0:.1f} s")
                            if rebuild.poll():
                                say(f"rebuild: exited with {rebuild.exit_code} at {rebuild.finished_at - t0:.1f} s")
                        if last and now >= level_end and rebuild.finished and now >= rebuild.finished_at + TAIL_S:
                            # Stop once answers to requests sent after the swap have come back (or give up).
                            since = (swapped_at if swapped_at is not None else rebuild.finished_at) + SWAP_GRACE_S
                            if (not rebuild.exit_code == 0 or len(load.health_since(since)) >= HEALTH_AFTER
                                    or now >= rebuild.finished_at + SWITCH_WAIT_S):
                                break
                        time.sleep(0.05)
                finally:
                    result = load.stop()
                    result.rebuild_during = building
                    levels.append(result)
            after = probe_health(server, 4 * workers)
            # A failed request's cause is in the server's log, which goes with its temporary folder.
            if any(load.failure_kinds for load in loads) and server.log is not None:
                server_log = _tail(server.log, SERVER_LOG_LINES)
        finally:
            rebuild.kill()
            memory = sampler.stop(rebuild.started_at - t0 if rebuild.started else None)
        rebuild_result = rebuild.result(t0) if rebuild.started else None
        elapsed = time.monotonic() - t0

    health = sorted(h for load in loads for h in load.health)
    kinds: Counter = sum((load.failure_kinds for load in loads), Counter())
    examples = [e for load in loads for e in load.failure_examples][:MAX_EXAMPLES]
    if server_log:
        examples.append(f"server log: {server_log}")
    new_id = rebuild_result.build_id if rebuild_result else ""
    if swapped_at is None and rebuild.finished and new_id:
        swapped_at = rebuild.finished_at  # a build faster than one poll: its exit bounds the swap
    after_build = [b for at, b in health if swapped_at is not None and at >= swapped_at + SWAP_GRACE_S]
    first_new = next((at - t0 for at, b in health if new_id and b == new_id), None)
    window = None
    if swapped_at is not None:
        window = Latency.of([ms for load in loads for at, ms in load.timed
                             if swapped_at <= at + ms / 1000 < swapped_at + SWITCH_WINDOW_S])
    return SoakReport(
        started=started, elapsed_s=elapsed, index_dir=str(settings.index_dir), workers=workers,
        duration_s=duration, rebuild_at=rebuild_at, machine=machine(), load_before=load_before,
        load_after=os.getloadavg(), keystrokes=len(keys), codes=len(codes), levels=levels,
        total=_total(levels, loads), failure_kinds=dict(kinds), failure_examples=examples,
        build_before=server.build_id, build_after=after, rebuild=rebuild_result,
        health_after_build=len(after_build), stale_after_build=sum(b != new_id for b in after_build),
        first_new_s=first_new, swap_s=None if swapped_at is None else swapped_at - t0, switch_window=window,
        memory=memory, sample_every_s=every,
    )


def _readlink(link: Path) -> str | None:
    try:
        return os.readlink(link)
    except OSError:
        return None


def _total(levels: list[LevelResult], loads: list[ClientLoad]) -> LevelResult:
    """The levels together, percentiles over every answered request."""
    seconds = sum(r.seconds for r in levels)
    requests = sum(r.requests for r in levels)
    return LevelResult(max((r.clients for r in levels), default=0), round(seconds, 2), requests,
                       sum(r.failures for r in levels), sum(r.expected_400 for r in levels),
                       requests / seconds if seconds else 0.0,
                       Latency.of([s for load in loads for s in load.samples]),
                       any(r.rebuild_during for r in levels))


# -- rendering ---------------------------------------------------------------------------------------
def _ms(x: float) -> str:
    return "–" if x != x else f"{x:.1f}" if x >= 10 else f"{x:.2f}"


def render_markdown(report: SoakReport, command: str = "python -m benchmarks.soak") -> str:
    """The report as Markdown."""
    m = report.machine
    r = report.rebuild
    lines = [
        "# codesearch soak",
        "",
        f"`{command}` at {report.started:%Y-%m-%d %H:%M} UTC: {report.elapsed_s:.0f} s of load on "
        f"`codesearch serve --workers {report.workers}` (loopback) serving `{report.index_dir}`.",
        "",
        f"- Machine: {m['cores']} cores, {m['memory']} RAM, {m['python']}; load average before "
        f"{' / '.join(f'{x:.2f}' for x in report.load_before)}, after "
        f"{' / '.join(f'{x:.2f}' for x in report.load_after)} (clients, server and build share the cores)",
        f"- Requests: {report.keystrokes} keystrokes of the relevance suite to `/api/search`, "
        f"`/api/codes/<code>` every {CODE_EVERY}th ({report.codes} codes), `/healthz` every {HEALTH_EVERY}th; "
        f"client levels run one after the other; the rebuild starts at {report.rebuild_at:g} × "
        f"{report.duration_s:g} s",
        "",
        "## Load",
        "",
        "| clients | seconds | requests | failed | 400s (expected) | requests/s | p50 ms | p95 ms | p99 ms | max ms "
        "| rebuild during |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for lv in report.levels:
        lat = lv.latency
        lines.append(f"| {lv.clients} | {lv.seconds:g} | {lv.requests} | {lv.failures} | {lv.expected_400} "
                     f"| {lv.rps:.0f} | {_ms(lat.p50)} | {_ms(lat.p95)} | {_ms(lat.p99)} | {_ms(lat.max)} "
                     f"| {'yes' if lv.rebuild_during else 'no'} |")
    t = report.total
    if len(report.levels) > 1:
        lines.append(f"| **all** | {t.seconds:g} | {t.requests} | {t.failures} | {t.expected_400} | {t.rps:.0f} "
                     f"| {_ms(t.latency.p50)} | {_ms(t.latency.p95)} | {_ms(t.latency.p99)} "
                     f"| {_ms(t.latency.max)} | |")
    lines += ["", "## Rebuild", ""]
    if r is None:
        lines.append("- The rebuild never started.")
    else:
        took = f"{r.seconds:.1f} s" if r.seconds is not None else "did not finish"
        end = f"{r.finished_s:.1f} s" if r.finished_s is not None else "–"
        lines.append(f"- `codesearch build` into the same index: started at {r.started_s:.1f} s, finished at {end} "
                     f"({took}), exit code {r.exit_code}{' (killed: timed out)' if r.timed_out else ''}")
        if r.log_tail:
            lines.append(f"- Build output: {r.log_tail}")
    after = ", ".join(f"`{b}` ×{n}" if b else f"no answer ×{n}"
                      for b, n in Counter(report.build_after).items()) or "–"
    swap = f"{report.swap_s:.1f} s" if report.swap_s is not None else "never"
    lines += [
        f"- Build served before: `{report.build_before}`; after (fresh `/healthz` probes): {after}",
        f"- `current` swapped to the new build at {swap}"
        + (f"; first `/healthz` answer from it at {report.first_new_s:.1f} s" if report.first_new_s is not None
           else ""),
        f"- `/healthz` answers to requests sent {SWAP_GRACE_S:g} s after the swap or later: {report.health_after_build}, "
        f"naming an older build: {report.stale_after_build}",
    ]
    w = report.switch_window
    if w is not None and w.n:
        lines.append(f"- Requests answered in the {SWITCH_WINDOW_S:g} s after the swap (each worker loads the "
                     f"new build inside the first request it takes after it): {w.n}, p50 {_ms(w.p50)} ms, "
                     f"p99 {_ms(w.p99)} ms, max {_ms(w.max)} ms")
    lines += [
        f"- Switched to the new build without a restart: **{'yes' if report.switched else 'no'}**",
        "",
        f"## Worker memory (VmRSS, sampled every {report.sample_every_s:g} s)",
        "",
        "| worker pid | samples | seen (s) | first MB | before rebuild MB | max MB | last MB | last − first MB |",
        "|---:|---:|---|---:|---:|---:|---:|---:|",
    ]
    for w in report.memory:
        before = "–" if w.before_rebuild_mb is None else f"{w.before_rebuild_mb:.0f}"
        lines.append(f"| {w.pid} | {w.samples} | {w.first_s:.0f}–{w.last_s:.0f} | {w.first_mb:.0f} | {before} "
                     f"| {w.max_mb:.0f} | {w.last_mb:.0f} | {w.last_mb - w.first_mb:+.0f} |")
    if report.worker_restarts:
        lines += ["", f"**{report.worker_restarts} worker(s) were replaced during the run** (a crash or a timeout)."]
    lines += ["", "## Failures", ""]
    if not report.failures:
        lines.append("None.")
    else:
        for kind, n in sorted(report.failure_kinds.items(), key=lambda kv: -kv[1]):
            lines.append(f"- {kind}: {n}")
        lines += ["", "Examples:", ""] + [f"- `{e}`" for e in report.failure_examples]
    lines += ["", f"**Result: {'PASS' if report.passed else 'FAIL — ' + '; '.join(report.problems)}**", ""]
    return "\n".join(lines)


__all__ = [
    "ClientLoad", "LevelResult", "RebuildResult", "SoakError", "SoakReport", "WorkerMemory", "build_command",
    "options", "parse_clients", "probe_health", "render_markdown", "request_for", "run_soak", "workload",
]


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=str), default=None,
              help="Folder of CMS source files [env CODESEARCH_DATA_DIR; default: the embedded release].")
@click.option("--index", "index_dir", type=click.Path(file_okay=False, path_type=str), default=None,
              help="Index folder [env CODESEARCH_INDEX_DIR; default ./index in a checkout].")
@click.option("--duration", type=click.FloatRange(1, 3600), default=None,
              help="Seconds of load, all levels together [default: 60, or 10 with --quick].")
@click.option("--clients", default=None,
              help="Client threads per level, comma-separated; levels run one after the other "
                   "[default: 8,32, or 4 with --quick].")
@click.option("--rebuild-at", type=click.FloatRange(0, 1), default=0.5, show_default=True,
              help="Start `codesearch build` into the served index at this fraction of the duration.")
@click.option("--quick", is_flag=True, help="10 seconds, 4 clients (unless --duration/--clients are given).")
@click.pass_context
def main(ctx, data_dir, index_dir, duration, clients, rebuild_at, quick):
    """Load a served index while it is rebuilt; exit 1 on any failed request or no switch.

    \b
    Example (from the checkout):
        python -m benchmarks.soak --quick
        python -m benchmarks.soak --duration 60 --clients 8,32 --rebuild-at 0.5
    """
    from benchmarks.bench import command_line

    try:
        seconds, levels = options(duration, clients, quick)
        report = run_soak(Settings.from_env(data_dir=data_dir, index_dir=index_dir), duration=seconds,
                          clients=levels, rebuild_at=rebuild_at, progress=lambda m: click.echo(m, err=True))
    except CodeSearchError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(render_markdown(report, command_line()))
    if not report.passed:
        ctx.exit(1)


if __name__ == "__main__":  # pragma: no cover
    main()
