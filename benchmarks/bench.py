"""Benchmarks on the real data: keystroke latency, HTTP throughput, build cost and two peers.

Everything here returns dataclasses; :func:`run_bench` runs the whole set and
:func:`render_markdown` turns its :class:`BenchReport` into ``docs/benchmarks.md``. The
command ``python -m benchmarks.bench`` (from the checkout, with the ``bench`` extra installed)
is a thin shell over the two.

The relevance suite (:func:`codesearch.evaluate.load_judgements`) is the workload: every
prefix of every judged query is one keystroke of a user typing it. The peers — SQLite FTS5
and tantivy — index the same CMS files, read by the same loaders, and answer the same
keystrokes and the same judged queries in the same run, so speed and quality are compared
together.
"""

from __future__ import annotations

import http.client
import os
import shutil
import platform
import re
import shlex
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

import click
import numpy as np

from codesearch.config import Settings
from codesearch.errors import CodeSearchError
from codesearch.evaluate import Judgement, Metrics, codesearch_ranker, evaluate, load_judgements
from codesearch.expand import max_edits
from codesearch.index import CodeIndex, current_build
from codesearch.search import search
from codesearch.sources import read_crosswalk, read_hcpcs

CLIENTS = (1, 8, 32)
WORKERS = 2
LIMIT = 10
SERVER_START_TIMEOUT = 90.0
BUILD_TIMEOUT = 900.0
REQUEST_TIMEOUT = 30.0
WARMUP_QUERY = "warm up"

#: What docs/benchmarks.md compares against.
TARGET_INPROCESS_P99_MS = 10.0
TARGET_HTTP_P99_MS = 25.0
TARGET_HTTP_CLIENTS = 8
TARGET_HTTP_RPS = 300.0
TARGET_BUILD_S = 30.0  # the HCPCS release
TARGET_COMBINED_BUILD_S = 180.0  # HCPCS and ICD-10-CM together (issue 7)
TARGET_COMBINED_RSS_MB = 2048.0
TARGET_COMBINED_P99_MS = 25.0

Progress = Callable[[str], None]
WORD_RE = re.compile(r"[^\W_]+")  # letters and digits: how FTS5's unicode61 and tantivy split text


class BenchError(CodeSearchError):
    """A benchmark step could not run (the server did not start, the build failed, …)."""


# -- measurements ---------------------------------------------------------------------------
@dataclass
class Latency:
    """Percentiles of one series of timed calls, in milliseconds."""

    n: int
    p50: float
    p95: float
    p99: float
    max: float
    mean: float
    errors: int = 0

    @classmethod
    def of(cls, samples_ms: Sequence[float], errors: int = 0) -> Latency:
        if not len(samples_ms):
            return cls(0, float("nan"), float("nan"), float("nan"), float("nan"), float("nan"), errors)
        a = np.asarray(samples_ms, dtype=float)
        p50, p95, p99 = np.percentile(a, [50, 95, 99])
        return cls(len(a), float(p50), float(p95), float(p99), float(a.max()), float(a.mean()), errors)


@dataclass
class HttpReplay:
    """The keystroke replay over HTTP with one client."""

    latency: Latency
    closed_by_server: int  # responses after which the server closed the connection


@dataclass
class ThroughputRun:
    """Concurrent clients hammering /api/search for a fixed time."""

    clients: int
    seconds: float
    requests: int  # answered with 200
    errors: int  # non-200 answers and exceptions
    rps: float
    p50: float
    p99: float
    tool: str = "python threads"


@dataclass
class BuildStats:
    """`codesearch build` run as a child process into a temporary index folder."""

    wall_s: float
    build_s: float | None  # the build's own figure, from its manifest
    peak_rss_mb: float
    index_mb: float
    files: int
    records: int


@dataclass
class ProcessMemory:
    """Resident memory of one process."""

    pid: int
    rss_mb: float


@dataclass
class EngineResult:
    """One engine on the keystroke replay and the judged queries."""

    name: str
    description: str
    available: bool = True
    reason: str = ""
    documents: int = 0
    build_s: float | None = None
    latency: Latency | None = None
    metrics: Metrics | None = None


@dataclass
class BenchReport:
    """Everything one run measured, ready to render."""

    started: datetime
    elapsed_s: float
    machine: dict[str, str]
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]
    data: dict[str, str]
    queries: int
    keystrokes: int
    duration_s: float
    inprocess: Latency
    http: HttpReplay
    throughput: list[ThroughputRun]
    build: BuildStats
    workers: list[ProcessMemory]
    arbiter: ProcessMemory | None
    engines: list[EngineResult] = field(default_factory=list)
    hcpcs_build: BuildStats | None = None  # HCPCS alone, when the full build has other systems too


# -- workload ----------------------------------------------------------------------------------
def keystrokes(queries: Iterable[str]) -> list[str]:
    """Every prefix of every query, in typing order: what a search-as-you-type box sends."""
    return [q[:i] for q in queries for i in range(1, len(q) + 1)]


def replay(fn: Callable[[str], object], keys: Sequence[str]) -> Latency:
    """Time ``fn`` on every keystroke, one after the other."""
    samples = []
    clock = time.perf_counter_ns
    for key in keys:
        t0 = clock()
        fn(key)
        samples.append((clock() - t0) / 1e6)
    return Latency.of(samples)


def replay_inprocess(index: CodeIndex, keys: Sequence[str]) -> Latency:
    """The keystrokes through :func:`codesearch.search.search`, ``limit=10``, after one warm-up query."""
    search(index, WARMUP_QUERY, limit=LIMIT)  # the expander and vocabulary are built lazily
    return replay(lambda q: search(index, q, limit=LIMIT), keys)


# -- the server ----------------------------------------------------------------------------------
def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def child_env(settings: Settings) -> dict[str, str]:
    """The environment for a codesearch child process: the settings, and no stray CODESEARCH_*."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CODESEARCH_")}
    env["CODESEARCH_LEXICON_DIR"] = str(settings.lexicon_dir)
    if settings.hcpcs_file is not None:
        env["CODESEARCH_HCPCS_FILE"] = str(settings.hcpcs_file)
    if settings.crosswalk_file is not None:
        env["CODESEARCH_CROSSWALK_FILE"] = str(settings.crosswalk_file)
    return env


def cli_command(settings: Settings, index_dir: str | Path, *args: str) -> list[str]:
    """``python -m codesearch.cli --data-dir … --index … ARGS``."""
    return [sys.executable, "-m", "codesearch.cli", "--data-dir", str(settings.data_dir),
            "--index", str(index_dir), *args]


@dataclass
class Server:
    """A running `codesearch serve`."""

    pid: int
    port: int
    build_id: str
    log: Path | None = None  # its output: gunicorn's and the app's log, tracebacks included

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextmanager
def running_server(settings: Settings, workers: int = WORKERS) -> Iterator[Server]:
    """Start `codesearch serve` on a free loopback port, wait for /healthz, stop it on exit."""
    import json

    port = free_port()
    cmd = cli_command(settings, settings.index_dir, "serve", "--port", str(port), "--workers", str(workers))
    with tempfile.TemporaryDirectory(prefix="codesearch-bench-serve-") as tmp:
        log = Path(tmp) / "serve.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    env=child_env(settings), start_new_session=True)
        try:
            deadline = time.monotonic() + SERVER_START_TIMEOUT
            while True:
                if proc.poll() is not None:
                    raise BenchError(f"codesearch serve exited with {proc.returncode}: {_tail(log)}")
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:  # noqa: S310
                        if r.status == 200:
                            health = json.loads(r.read())
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise BenchError(f"codesearch serve did not answer /healthz in {SERVER_START_TIMEOUT:.0f} s: "
                                     f"{_tail(log)}")
                time.sleep(0.1)
            yield Server(proc.pid, port, health.get("build_id", ""), log)
        finally:
            _stop(proc)


def _stop(proc: subprocess.Popen) -> None:
    """SIGTERM (gunicorn's graceful stop), then SIGKILL to the process group this module started."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()


def _tail(path: Path, lines: int = 8) -> str:
    try:
        return " | ".join(path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _search_path(q: str) -> str:
    return f"/api/search?q={quote(q, safe='')}&limit={LIMIT}"


def replay_http(server: Server, keys: Sequence[str]) -> HttpReplay:
    """The keystrokes over HTTP, one ``http.client`` connection reused while the server allows it."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=REQUEST_TIMEOUT)
    try:
        for _ in range(2 * WORKERS):  # let each worker build its expander before timing
            _get(conn, _search_path(WARMUP_QUERY))
        samples, errors, closed = [], 0, 0
        clock = time.perf_counter_ns
        for key in keys:
            t0 = clock()
            try:
                status, will_close = _get(conn, _search_path(key))
            except (OSError, http.client.HTTPException):
                conn.close()
                errors += 1
                continue
            samples.append((clock() - t0) / 1e6)
            errors += status != 200
            closed += will_close
        return HttpReplay(Latency.of(samples, errors), closed)
    finally:
        conn.close()


def _get(conn: http.client.HTTPConnection, path: str) -> tuple[int, bool]:
    conn.request("GET", path)
    resp = conn.getresponse()
    resp.read()
    return resp.status, bool(resp.will_close)


def throughput(server: Server, keys: Sequence[str], clients: int, seconds: float) -> ThroughputRun:
    """``clients`` threads, each with its own connection, cycling through the keystrokes for ``seconds``."""
    results: list[tuple[list[float], int]] = [([], 0)] * clients
    start = threading.Barrier(clients + 1)
    deadline = [0.0]

    def client(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=REQUEST_TIMEOUT)
        samples: list[float] = []
        errors = 0
        i = (n * len(keys)) // clients  # spread the clients over the list
        clock = time.perf_counter_ns
        try:
            start.wait()
            while time.monotonic() < deadline[0]:
                path = _search_path(keys[i % len(keys)])
                i += 1
                t0 = clock()
                try:
                    status, _ = _get(conn, path)
                except (OSError, http.client.HTTPException):
                    conn.close()
                    errors += 1
                    continue
                if status == 200:
                    samples.append((clock() - t0) / 1e6)
                else:
                    errors += 1
        finally:
            conn.close()
            results[n] = (samples, errors)

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for t in threads:
        t.start()
    deadline[0] = time.monotonic() + seconds
    t0 = time.monotonic()
    start.wait()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - t0
    samples = [s for got, _ in results for s in got]
    errors = sum(e for _, e in results)
    lat = Latency.of(samples)
    return ThroughputRun(clients, round(elapsed, 2), len(samples), errors, len(samples) / elapsed if elapsed else 0.0,
                         lat.p50, lat.p99)


WRK_SCRIPT = """
paths = {%s}
counter = %d
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
"""
_WRK_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _wrk_ms(text: str) -> float:
    m = re.match(r"([0-9.]+)(us|ms|s|m)$", text)
    if not m:
        raise ValueError(f"unreadable wrk latency {text!r}")
    return float(m.group(1)) * _WRK_UNITS[m.group(2)]


def throughput_wrk(server: Server, keys: Sequence[str], clients: int, seconds: float) -> ThroughputRun:
    """The same load from ``wrk`` (C, event-driven): the load generator takes little of the CPU."""
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "keys.lua"
        paths = ",".join('"' + _search_path(k).replace("\\", "\\\\").replace('"', '\\"') + '"' for k in keys)
        script.write_text(WRK_SCRIPT % (paths, 0), encoding="utf-8")
        threads = max(1, min(2, clients))
        out = subprocess.run(
            ["wrk", "-t", str(threads), "-c", str(clients), "-d", f"{max(1, round(seconds))}s", "--latency",
             "-s", str(script), f"http://127.0.0.1:{server.port}"],
            capture_output=True, text=True, timeout=seconds + 60, check=True,
        ).stdout
    lat = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", out, re.M))
    requests = int(re.search(r"(\d+) requests in ([0-9.]+)(\w+)", out).group(1))
    elapsed = re.search(r"\d+ requests in ([0-9.]+\w+)", out).group(1)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(non2xx.group(1)) if non2xx else 0) + (sum(map(int, sock.groups())) if sock else 0)
    secs = _wrk_ms(elapsed) / 1000
    rps = float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1))
    return ThroughputRun(clients, round(secs, 2), requests - (int(non2xx.group(1)) if non2xx else 0), errors, rps,
                         _wrk_ms(lat["50"]), _wrk_ms(lat["99"]), tool="wrk")


def process_memory(pid: int) -> ProcessMemory | None:
    """VmRSS of ``pid`` from /proc, or None if it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return ProcessMemory(pid, int(line.split()[1]) / 1024)
    except OSError:
        return None
    return None


def children(pid: int) -> list[int]:
    """Process ids whose parent is ``pid``."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[1]) == pid:
            out.append(int(entry.name))
    return sorted(out)


def worker_memory(server: Server) -> list[ProcessMemory]:
    """VmRSS of the gunicorn workers: the server process's children."""
    return [m for m in (process_memory(p) for p in children(server.pid)) if m is not None]


# -- the build ---------------------------------------------------------------------------------
def measure_build(settings: Settings, *build_args: str) -> BuildStats:
    """Run `codesearch build` as a child into a temporary index: wall time, peak RSS, size on disk."""
    import json

    with tempfile.TemporaryDirectory(prefix="codesearch-bench-build-") as tmp:
        index_dir = Path(tmp) / "index"
        log = Path(tmp) / "build.log"
        cmd = cli_command(settings, index_dir, "build", *build_args)
        with log.open("wb") as out:
            t0 = time.perf_counter()
            proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    env=child_env(settings), start_new_session=True)
        # os.wait4 gives this child's own resource usage (RUSAGE_CHILDREN would mix in earlier children).
        deadline = time.monotonic() + BUILD_TIMEOUT
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                os.killpg(proc.pid, 9)
                pid, status, usage = os.wait4(proc.pid, 0)
                proc.returncode = os.waitstatus_to_exitcode(status)
                raise BenchError(f"codesearch build took over {BUILD_TIMEOUT:.0f} s: {_tail(log)}")
            time.sleep(0.02)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode:
            raise BenchError(f"codesearch build exited with {proc.returncode}: {_tail(log)}")
        build = current_build(index_dir)
        manifest = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
        files = [p for p in build.rglob("*") if p.is_file()]
        size = sum(p.stat().st_size for p in files)
        return BuildStats(wall, manifest.get("build_seconds"), usage.ru_maxrss / 1024, size / 1e6, len(files),
                          int(manifest.get("records", 0)))


# -- peers ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PeerDocument:
    """What both peers index for one active code: the raw CMS text, no codesearch enrichment."""

    code: str
    short: str
    long: str
    brand: str  # the crosswalk's drug names for the code


def peer_documents(settings: Settings) -> list[PeerDocument]:
    """One document per active code or modifier, from the same files and loaders as the build."""
    crosswalk = read_crosswalk(settings.crosswalk_path())
    out = []
    for record in read_hcpcs(settings.hcpcs_path()):
        if not record.active:
            continue
        names = dict.fromkeys(p.drug_name for p in crosswalk.get(record.code, ()))
        out.append(PeerDocument(record.code, record.short, record.long, " | ".join(names)))
    return out


def words(text: str) -> list[str]:
    """The query's words, split the way FTS5's unicode61 and tantivy's default tokenizer split."""
    return WORD_RE.findall(text.lower())


def fts5_query(text: str) -> str:
    """Every word a prefix, ANDed: ``"word"*`` terms; user text is always inside quotes, never syntax."""
    return " AND ".join('"' + w.replace('"', '""') + '"*' for w in words(text))


class SqlitePeer:
    """SQLite FTS5 in memory, ranked by bm25(), queried the way NLM Clinical Tables answers."""

    name = "SQLite FTS5"
    description = ('stdlib sqlite3 FTS5 (unicode61, prefix indexes 1-3), every word a prefix, ANDed '
                   '(`"word"*` AND …), ranked by `bm25()`')

    def __init__(self, docs: Sequence[PeerDocument]):
        t0 = time.perf_counter()
        self.db = sqlite3.connect(":memory:")
        self.db.execute("CREATE VIRTUAL TABLE codes USING fts5(code, short, long, brand, "
                        "tokenize='unicode61', prefix='1 2 3')")
        self.db.executemany("INSERT INTO codes VALUES (?, ?, ?, ?)",
                            [(d.code, d.short, d.long, d.brand) for d in docs])
        self.db.commit()
        self.build_s = time.perf_counter() - t0
        self.version = sqlite3.sqlite_version

    def search(self, text: str, limit: int = LIMIT) -> list[str]:
        query = fts5_query(text)
        if not query:
            return []
        rows = self.db.execute(
            "SELECT code FROM codes WHERE codes MATCH ? ORDER BY bm25(codes) LIMIT ?", (query, limit)
        ).fetchall()
        return [r[0] for r in rows]

    def close(self) -> None:
        self.db.close()


class TantivyPeer:
    """tantivy in memory, BM25; each word exact OR fuzzy (1 edit from 5 letters, 2 from 9), last word also a prefix."""

    name = "tantivy"
    fields = ("code", "short", "long", "brand")

    def __init__(self, docs: Sequence[PeerDocument]):
        import tantivy  # optional: the `bench` extra

        self.tantivy = tantivy
        t0 = time.perf_counter()
        builder = tantivy.SchemaBuilder()
        for name in self.fields:
            builder.add_text_field(name, stored=name == "code")  # tokenizer "default": split, lowercase
        self.schema = builder.build()
        self.index = tantivy.Index(self.schema)
        writer = self.index.writer(heap_size=50_000_000, num_threads=1)
        for d in docs:
            writer.add_document(tantivy.Document(code=d.code, short=d.short, long=d.long, brand=d.brand))
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()
        self.searcher = self.index.searcher()
        self.build_s = time.perf_counter() - t0
        from importlib.metadata import version

        self.version = version("tantivy")
        self.description = (
            f"tantivy-py {self.version} in memory, BM25, "
            "default tokenizer; per word and field: `term_query` OR `fuzzy_term_query` (OSA distance 1 from 5 "
            "letters, 2 from 9, none on codes or numbers), last word also `fuzzy_term_query(distance=0, "
            "prefix=True)`; words ORed with `boolean_query`"
        )

    def query(self, text: str):
        """The query object for ``text``, or None when it has no words."""
        Query, Should = self.tantivy.Query, self.tantivy.Occur.Should
        ws = words(text)
        if not ws:
            return None
        last_is_prefix = not text[-1:].isspace()
        per_word = []
        for i, w in enumerate(ws):
            edits = 0 if any(c.isdigit() for c in w) else max_edits(w)
            clauses = []
            for name in self.fields:
                clauses.append(Query.term_query(self.schema, name, w))
                if edits and name != "code":
                    clauses.append(Query.fuzzy_term_query(self.schema, name, w, edits, transposition_cost_one=True))
                if i == len(ws) - 1 and last_is_prefix:
                    clauses.append(Query.fuzzy_term_query(self.schema, name, w, 0, transposition_cost_one=True,
                                                          prefix=True))
            per_word.append((Should, Query.boolean_query([(Should, c) for c in clauses])))
        return Query.boolean_query(per_word)

    def search(self, text: str, limit: int = LIMIT) -> list[str]:
        q = self.query(text)
        if q is None:
            return []
        hits = self.searcher.search(q, limit, count=False).hits
        return [self.searcher.doc(addr)["code"][0] for _, addr in hits]

    def close(self) -> None:
        self.searcher = self.index = None


def compare_engines(index: CodeIndex, settings: Settings, keys: Sequence[str], judgements: list[Judgement],
                    codesearch_latency: Latency | None = None, progress: Progress | None = None) -> list[EngineResult]:
    """codesearch and the peers on the same keystrokes and judged queries; a peer that fails is reported, not fatal."""
    say = progress or (lambda _m: None)
    ours = EngineResult(
        "codesearch", "`search(index, q, limit=10)`: expansion (brands, abbreviations, plain words, typos, "
        "prefixes), tiers, BM25F from the score table", documents=int(index.doc_active.sum()))
    ours.latency = codesearch_latency or replay_inprocess(index, keys)
    ours.metrics = evaluate(judgements, codesearch_ranker(index))["overall"]
    out = [ours]
    say("peers: reading the CMS files")
    docs = peer_documents(settings)
    for peer_class in (SqlitePeer, TantivyPeer):
        name = peer_class.name
        say(f"peers: {name}")
        try:
            peer = peer_class(docs)
        except Exception as exc:  # an optional package missing or broken must not stop the bench
            out.append(EngineResult(name, "", available=False, reason=f"{type(exc).__name__}: {exc}"))
            continue
        try:
            result = EngineResult(name, peer.description, documents=len(docs), build_s=peer.build_s)
            peer.search(WARMUP_QUERY)
            result.latency = replay(peer.search, keys)
            result.metrics = evaluate(judgements, lambda j: peer.search(j.query))["overall"]
            out.append(result)
        except Exception as exc:
            out.append(EngineResult(name, peer.description, available=False, reason=f"{type(exc).__name__}: {exc}"))
        finally:
            peer.close()
    return out


# -- the whole run ---------------------------------------------------------------------------------
def machine() -> dict[str, str]:
    """Cores, memory, Python and platform of this machine."""
    mem = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        mem = "unknown"
    return {
        "cores": str(os.cpu_count()),
        "memory": mem,
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "platform": platform.platform(),
    }


def run_bench(settings: Settings, index: CodeIndex, *, duration: float = 10.0,
              judgements: list[Judgement] | None = None, clients: Sequence[int] = CLIENTS,
              workers: int = WORKERS, progress: Progress | None = None) -> BenchReport:
    """Run every benchmark against ``index`` (built from ``settings``) and return the report."""
    say = progress or (lambda _m: None)
    started = datetime.now(timezone.utc)
    t0 = time.perf_counter()
    load_before = os.getloadavg()
    judgements = load_judgements() if judgements is None else judgements
    keys = keystrokes(j.query for j in judgements)
    if not keys:
        raise BenchError("the relevance suite has no queries to replay")

    say("build: `codesearch build` into a temporary index")
    build = measure_build(settings)
    hcpcs_build = None
    if build.records > 10_000:  # other systems too: time the HCPCS release alone as well
        say("build: `codesearch build --system hcpcs` into a temporary index")
        hcpcs_build = measure_build(settings, "--system", "hcpcs")
    say(f"in-process replay: {len(keys)} keystrokes")
    inprocess = replay_inprocess(index, keys)
    # The peers index the HCPCS files only, so they are compared on the HCPCS suite.
    peer_judgements = [j for j in judgements if j.system in (None, "HCPCS")] or judgements
    peer_keys = keystrokes(j.query for j in peer_judgements)
    engines = compare_engines(index, settings, peer_keys, peer_judgements, None, progress=say)
    say(f"server: codesearch serve --workers {workers}")
    with running_server(settings, workers) as server:
        say(f"HTTP replay: {len(keys)} keystrokes")
        http_replay = replay_http(server, keys)
        mem = worker_memory(server)
        arbiter = process_memory(server.pid)
        runs = []
        for n in clients:
            say(f"throughput: {n} client(s) for {duration:g} s")
            runs.append(throughput_wrk(server, keys, n, duration) if shutil.which("wrk")
                        else throughput(server, keys, n, duration))

    manifest = index.manifest
    data = {
        "build_id": manifest.get("build_id", ""),
        "records": str(manifest.get("records", "")),
        "sources": ", ".join(Path(s["path"]).name for s in manifest.get("sources", [])
                             if s.get("kind") in ("hcpcs", "asp_crosswalk")),
    }
    return BenchReport(
        started=started, elapsed_s=time.perf_counter() - t0, machine=machine(), load_before=load_before,
        load_after=os.getloadavg(), data=data, queries=len(judgements), keystrokes=len(keys),
        duration_s=duration, inprocess=inprocess, http=http_replay, throughput=runs, build=build,
        workers=mem, arbiter=arbiter, engines=engines, hcpcs_build=hcpcs_build,
    )


# -- rendering ---------------------------------------------------------------------------------------
def command_line(argv: Sequence[str] | None = None) -> str:
    """The command as typed: ``python -m benchmarks.bench …`` (or ``… benchmarks.soak …``)."""
    argv = list(sys.argv if argv is None else argv)
    prog = Path(argv[0]).name if argv else "bench.py"
    if prog.endswith(".py"):
        prog = f"python -m benchmarks.{prog[:-3]}"
    return " ".join([prog, *map(shlex.quote, argv[1:])])


def _ms(x: float | None) -> str:
    return "–" if x is None or x != x else f"{x:.1f}" if x >= 10 else f"{x:.2f}"


def _met(ok: bool) -> str:
    return "**met**" if ok else "**not met**"


def render_markdown(report: BenchReport, command: str) -> str:
    """The report as the Markdown of docs/benchmarks.md."""
    m = report.machine
    lines = [
        "# codesearch benchmarks",
        "",
        f"Generated {report.started:%Y-%m-%d %H:%M} UTC by `{command}` in {report.elapsed_s:.0f} s.",
        "",
        f"- Machine: {m['cores']} cores, {m['memory']} RAM, {m['python']}, {m['platform']}",
        f"- Load average (1/5/15 min) before: {' / '.join(f'{x:.2f}' for x in report.load_before)}, "
        f"after: {' / '.join(f'{x:.2f}' for x in report.load_after)} (other work on the machine skews the figures)",
        f"- Data: {report.data['sources']}; index build {report.data['build_id']}, {report.data['records']} records",
        f"- Workload: the {report.queries} judged queries of the relevance suite typed one key at a time: "
        f"{report.keystrokes} keystrokes (every prefix of every query)",
        "",
        "## 1. Keystroke replay",
        "",
        "Each keystroke's query, one after the other, with `limit=10`, after one warm-up query. In-process "
        "is `codesearch.search.search()` on the opened index; HTTP is `GET /api/search?q=…&limit=10` from one "
        f"`http.client` connection to `codesearch serve --workers {WORKERS}` (gunicorn) on loopback, "
        "including the JSON encoding and the round trip.",
        "",
        "| path | keystrokes | p50 ms | p95 ms | p99 ms | max ms | errors |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for label, lat in (("in-process `search()`", report.inprocess), ("HTTP `/api/search`, 1 client", report.http.latency)):
        lines.append(f"| {label} | {lat.n} | {_ms(lat.p50)} | {_ms(lat.p95)} | {_ms(lat.p99)} | {_ms(lat.max)} "
                     f"| {lat.errors} |")
    closed = report.http.closed_by_server
    if closed:
        lines += ["", f"The server closed the connection after {closed} of {report.http.latency.n} responses "
                      "(gunicorn's sync workers do not keep connections alive), so the client reconnected for "
                      "each request; connection set-up is part of the HTTP figures."]
    tool = report.throughput[0].tool if report.throughput else "python threads"
    how = ("`wrk` (Debian's package; C, event-driven), N connections over 2 threads, cycling through the "
           "keystroke list with a Lua script" if tool == "wrk" else
           "N Python client threads, each with its own connection, cycling through the keystroke list "
           "(`wrk` was not installed; Python threads under the GIL take CPU from the server and inflate latency)")
    lines += [
        "",
        "## 2. Throughput",
        "",
        f"Load from {how}, for {report.duration_s:g} s per run against the same server ({WORKERS} sync "
        f"workers). **Client and server share the machine's {m['cores']} cores.**",
        "",
        "| clients | seconds | requests | requests/s | p50 ms | p99 ms | errors |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in report.throughput:
        lines.append(f"| {r.clients} | {r.seconds:g} | {r.requests} | {r.rps:.0f} | {_ms(r.p50)} | {_ms(r.p99)} "
                     f"| {r.errors} |")
    b = report.build
    workers = ", ".join(f"{w.rss_mb:.0f} MB" for w in report.workers) or "–"
    hb = report.hcpcs_build
    lines += [
        "",
        "## 3. Build and memory",
        "",
        "| measure | value |",
        "|---|---:|",
    ]
    if hb is not None:
        lines += [
            f"| HCPCS alone (`codesearch build --system hcpcs`): wall time | {hb.wall_s:.1f} s |",
            f"| HCPCS alone: peak RSS, size on disk ({hb.records} records) | {hb.peak_rss_mb:.0f} MB, "
            f"{hb.index_mb:.1f} MB |",
        ]
    lines += [
        f"| `codesearch build` wall time (child process, incl. interpreter start; every system: "
        f"{b.records} records) | {b.wall_s:.1f} s |",
        f"| build time recorded in the manifest | {'–' if b.build_s is None else f'{b.build_s:.1f} s'} |",
        f"| peak RSS of the build process | {b.peak_rss_mb:.0f} MB |",
        f"| index size on disk (the build folder: {b.files} files, {b.records} records) | {b.index_mb:.1f} MB |",
        f"| RSS per serving worker (VmRSS after the replay, {len(report.workers)} workers) | {workers} |",
    ]
    if report.arbiter is not None:
        lines.append(f"| RSS of the gunicorn arbiter (the `serve` process) | {report.arbiter.rss_mb:.0f} MB |")
    lines += [
        "",
        "## 4. Peers",
        "",
        "Same CMS files read by the same loaders (`read_hcpcs`, `read_crosswalk`), one document per active code "
        "with its code, short and long descriptors and the crosswalk's drug names (no codesearch lexicon); "
        "same keystrokes (in-process latency) and same judged queries (relevance on the full queries, top 10), "
        "in the same run.",
        "",
    ]
    ours = report.engines[0] if report.engines else None
    for e in report.engines:
        lines.append(f"- **{e.name}**: {e.description or 'not available'}")
    lines += [
        "",
        "| engine | documents | index build s | p50 ms | p99 ms | hit@1 | hit@5 | MRR@10 | p50 ÷ codesearch "
        "| p99 ÷ codesearch | codesearch MRR − this |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for e in report.engines:
        if not e.available:
            lines.append(f"| {e.name}: not available ({e.reason}) | | | | | | | | | | |")
            continue
        lat, met = e.latency, e.metrics
        build_s = "–" if e.build_s is None else f"{e.build_s:.2f}"
        if ours is not None and e is not ours and ours.latency and ours.metrics:
            r50 = f"{lat.p50 / ours.latency.p50:.2f}×"
            r99 = f"{lat.p99 / ours.latency.p99:.2f}×"
            dm = f"{ours.metrics.mrr10 - met.mrr10:+.3f}"
        else:
            r50 = r99 = dm = "–"
        lines.append(f"| {e.name} | {e.documents} | {build_s} | {_ms(lat.p50)} | {_ms(lat.p99)} | {met.hit1:.3f} "
                     f"| {met.hit5:.3f} | {met.mrr10:.3f} | {r50} | {r99} | {dm} |")
    at = next((r for r in report.throughput if r.clients == TARGET_HTTP_CLIENTS), None)
    lines += [
        "",
        "## Targets",
        "",
        "| target | figure | status |",
        "|---|---:|---|",
        f"| in-process p99 ≤ {TARGET_INPROCESS_P99_MS:g} ms per keystroke | {_ms(report.inprocess.p99)} ms "
        f"| {_met(report.inprocess.p99 <= TARGET_INPROCESS_P99_MS)} |",
    ]
    if at is None:
        lines.append(f"| HTTP at {TARGET_HTTP_CLIENTS} concurrent clients | not measured | – |")
    else:
        lines += [
            f"| HTTP p99 ≤ {TARGET_HTTP_P99_MS:g} ms at {TARGET_HTTP_CLIENTS} concurrent clients | {_ms(at.p99)} ms "
            f"| {_met(at.p99 <= TARGET_HTTP_P99_MS)} |",
            f"| HTTP ≥ {TARGET_HTTP_RPS:g} requests/s at {TARGET_HTTP_CLIENTS} concurrent clients | {at.rps:.0f}/s "
            f"| {_met(at.rps >= TARGET_HTTP_RPS)} |",
        ]
    hcpcs = hb or b
    lines.append(f"| HCPCS build ≤ {TARGET_BUILD_S:g} s | {hcpcs.wall_s:.1f} s | {_met(hcpcs.wall_s <= TARGET_BUILD_S)} |")
    if hb is not None:
        lines.append(
            f"| build of every system ({b.records} codes) ≤ {TARGET_COMBINED_BUILD_S:g} s and < "
            f"{TARGET_COMBINED_RSS_MB:g} MB | {b.wall_s:.1f} s, {b.peak_rss_mb:.0f} MB "
            f"| {_met(b.wall_s <= TARGET_COMBINED_BUILD_S and b.peak_rss_mb < TARGET_COMBINED_RSS_MB)} |")
        lines.append(
            f"| in-process p99 ≤ {TARGET_COMBINED_P99_MS:g} ms per keystroke on the combined index "
            f"| {_ms(report.inprocess.p99)} ms | {_met(report.inprocess.p99 <= TARGET_COMBINED_P99_MS)} |")
    lines.append("")
    return "\n".join(lines)


#: Everything after this line in the report file is written by hand and kept by write_report.
KEEP_MARKER = "<!-- hand-written below: kept when python -m benchmarks.bench rewrites this file -->"


def write_report(path: str | Path, text: str) -> Path:
    """Write the Markdown, creating the folder; hand-written sections after KEEP_MARKER stay."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = text if text.endswith("\n") else text + "\n"
    old = path.read_text(encoding="utf-8") if path.is_file() else ""
    if KEEP_MARKER in old:
        text += "\n" + KEEP_MARKER + old.split(KEEP_MARKER, 1)[1]
    path.write_text(text, encoding="utf-8")
    return path


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=str), default=None,
              help="Folder of CMS source files [env CODESEARCH_DATA_DIR; default: the embedded release].")
@click.option("--index", "index_dir", type=click.Path(file_okay=False, path_type=str), default=None,
              help="Index folder [env CODESEARCH_INDEX_DIR; default ./index in a checkout].")
@click.option("--quick", is_flag=True, help="1-second throughput runs (unless --duration is given).")
@click.option("--duration", type=click.FloatRange(0.1, 600), default=None,
              help="Seconds per throughput run [default: 10, or 1 with --quick].")
@click.option("--output", default="docs/benchmarks.md", show_default=True,
              type=click.Path(dir_okay=False, path_type=str), help="Markdown file to (re)write.")
def main(data_dir, index_dir, quick, duration, output):
    """Benchmark keystroke latency, HTTP throughput, the build and two peers on the real data.

    \b
    Example (from the checkout, after `pip install -e '.[bench]'`):
        python -m benchmarks.bench --quick
        python -m benchmarks.bench --duration 10 --output docs/benchmarks.md
    """
    from codesearch.cli import open_or_build

    settings = Settings.from_env(data_dir=data_dir, index_dir=index_dir)
    seconds = duration if duration is not None else (1.0 if quick else 10.0)
    try:
        index = open_or_build(settings)
        try:
            report = run_bench(settings, index, duration=seconds, progress=lambda m: click.echo(m, err=True))
        finally:
            index.close()
    except CodeSearchError as exc:
        raise click.ClickException(str(exc)) from None
    text = render_markdown(report, command_line())
    click.echo(text)
    click.echo(f"wrote {write_report(output, text)}", err=True)


if __name__ == "__main__":  # pragma: no cover
    main()
