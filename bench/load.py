"""Load under hostile traffic (issue 8): ``python -m bench.load`` (see bench/README.md).

A bounded load test on 127.0.0.1. For each cell of the matrix *concurrency ×
result cache (on/off) × mix* a fresh ``ccai serve`` is started on a free port,
warmed up (every named query and a few entity pages, once, unrecorded), then
loaded for a fixed duration **and** at most a fixed number of requests by
*c* client threads (keep-alive ``http.client`` connections, :mod:`bench.client`).
Each thread draws the class of its next request from a seeded RNG:

* ``named`` (80 %): ``GET /api/queries/{name}``, a random named query with its
  default parameters;
* ``entity`` (15 %): ``GET /id/{kind}/{slug}``, a random entity page, ``Accept:
  text/turtle`` and ``text/html`` alternately;
* ``heavy`` (5 %): ``GET /sparql`` with a query that cannot finish: a sorted
  cross join (grows memory fast) or a COUNT over a 4-way cross join (runs into
  the timeout).

The *baseline* mix is the same without the heavy share (named : entity = 80 : 15).
No retries: a refusal (429, 503) is recorded and the thread goes on after a
random 0–10 ms pause. Per request: class, name, status, start and end time.
Every 100 ms the resident set of the server and of all its descendants (the
query workers) is read from ``/proc``; ``/health`` is polled every second (its
latency, the pool's workers and queue) and read before and after (worker kills,
the result cache's counters); CPU seconds of server, workers and client.

The servers import ``api`` from a copy of the working tree taken at the start
(``--source`` reuses one, ``--live-source`` uses the tree itself), so that edits
made while the benchmark runs do not change the code under test between cells.

Results: ``bench/results/load-<timestamp>.json`` (every request; git-ignored) and
the tables on stdout; ``--write-readme`` also puts them in bench/README.md
between the ``load-bench`` markers, ``--report FILE`` redraws them from a JSON.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import itertools
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from bench import client
from bench.run import RESULTS, ROOT, WORK, ensure_build, free_port, machine, pct

CHEAP = ("named", "entity")
CLASSES = ("named", "entity", "heavy")
MIXES: dict[str, dict[str, float]] = {
    "heavy": {"named": 80, "entity": 15, "heavy": 5},
    "baseline": {"named": 80, "entity": 15},
}
HEAVY_QUERIES = {
    "sorted-cross-join": "SELECT * { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f LIMIT 1",
    "count-4-way-join": "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }",
}
ENTITY_ACCEPTS = ("text/turtle", "text/html")
ENTITY_IRIS = (
    'SELECT DISTINCT ?s { ?s ?p ?o FILTER(STRSTARTS(STR(?s), "https://w3id.org/ccai/id/")) } '
    "ORDER BY ?s"
)
PUBLIC_BASE = "https://w3id.org/ccai/"
REFUSED = (429, 503)
MIB = 1024 * 1024
PAGE = os.sysconf("SC_PAGE_SIZE")
README = ROOT / "bench" / "README.md"
MARK_START, MARK_END = "<!-- load-bench:start -->", "<!-- load-bench:end -->"


# --- requests --------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """One request the load may send: its class, a short name, the path and ``Accept``."""

    cls: str
    name: str
    path: str
    accept: str


@dataclass
class Sample:
    """One request as measured: times in seconds from the start of the load phase."""

    cls: str
    name: str
    status: int | str  # HTTP status, or the client error ("timeout", "ConnectionResetError")
    start: float
    end: float

    @property
    def seconds(self) -> float:
        return self.end - self.start

    @property
    def ok(self) -> bool:
        return self.status == 200


def fetch_json(port: int, path: str, accept: str = "application/json") -> Any:
    """``GET`` one JSON document from the server under test (a fresh connection)."""
    conn = client.Connection(f"http://127.0.0.1:{port}/", timeout=30)
    try:
        reply = conn.get(path, accept)
    finally:
        conn.close()
    if reply.status != 200:
        raise RuntimeError(f"GET {path}: {reply.status or reply.error}")
    return json.loads(reply.body)


def named_targets(port: int) -> list[Target]:
    """Every named query of ``/api/queries``, with its default parameters."""
    listing = fetch_json(port, "/api/queries")["queries"]
    return [
        Target("named", q["name"], f"/api/queries/{quote(q['name'])}", "application/json")
        for q in listing
    ]


def entity_paths(port: int) -> list[str]:
    """The public paths (``/id/{kind}/{slug}``) of every entity in the store."""
    body = fetch_json(port, "/sparql?query=" + quote(ENTITY_IRIS, safe=""), client.JSON_RESULTS)
    iris = [row["s"]["value"] for row in body["results"]["bindings"]]
    paths = [iri[len(PUBLIC_BASE) :] for iri in iris if iri.startswith(PUBLIC_BASE)]
    return ["/" + path for path in paths if len(path.split("/")) == 3]


def entity_targets(paths: Iterable[str]) -> list[Target]:
    """Each entity page twice: as Turtle and as HTML."""
    return [
        Target("entity", accept.split("/")[1], path, accept)
        for path in paths
        for accept in ENTITY_ACCEPTS
    ]


def heavy_targets() -> list[Target]:
    """The queries that cannot finish, as ``GET /sparql``."""
    return [
        Target("heavy", name, "/sparql?query=" + quote(text, safe=""), client.JSON_RESULTS)
        for name, text in HEAVY_QUERIES.items()
    ]


def thread_rng(seed: int, index: int) -> random.Random:
    """The RNG of client thread ``index``: the same draws for the same seed, every run."""
    return random.Random(f"{seed}:{index}")


def pick_class(rng: random.Random, weights: dict[str, float]) -> str:
    """A request class drawn by the mix ``weights`` (any positive numbers)."""
    names = list(weights)
    return rng.choices(names, weights=[weights[n] for n in names])[0]


# --- memory (from /proc) ---------------------------------------------------------------


def children(pid: int) -> list[int]:
    """The direct children of ``pid`` (every thread's ``children`` file)."""
    found: list[int] = []
    with contextlib.suppress(OSError):
        for tid in os.listdir(f"/proc/{pid}/task"):
            with contextlib.suppress(OSError), open(f"/proc/{pid}/task/{tid}/children") as fh:
                found.extend(int(x) for x in fh.read().split())
    return found


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its descendants."""
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children(current))
    return tree


def rss_bytes(pid: int) -> int:
    """Resident set size of ``pid`` (``/proc/<pid>/statm``); 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as fh:
            return int(fh.read().split()[1]) * PAGE
    except (OSError, ValueError, IndexError):
        return 0


def hwm_bytes(pid: int) -> int:
    """The process's peak resident set (``VmHWM`` of ``/proc/<pid>/status``); 0 if gone."""
    try:
        with open(f"/proc/{pid}/status", "rb") as fh:
            for line in fh:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


TICK = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[bytes]:
    """The fields of ``/proc/<pid>/stat`` after the command name (state first);
    empty once the process is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return []


def start_ticks(pid: int) -> int | None:
    """When ``pid`` started (clock ticks since boot): with the pid, it names one process."""
    fields = _stat_fields(pid)
    return int(fields[19]) if len(fields) > 19 else None


def cpu_seconds(pid: int) -> tuple[float, float]:
    """CPU time of ``pid`` itself and of its children it has reaped
    (``/proc/<pid>/stat``: utime + stime, cutime + cstime); zeros once it is gone."""
    fields = _stat_fields(pid)
    if len(fields) < 15:
        return 0.0, 0.0
    utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
    return (utime + stime) / TICK, (cutime + cstime) / TICK


def tree_cpu(pid: int) -> dict[str, float]:
    """CPU seconds so far of the server ``pid`` and of its workers (live and reaped)."""
    own, reaped = cpu_seconds(pid)
    workers = reaped + sum(sum(cpu_seconds(child)) for child in process_tree(pid)[1:])
    return {"server": own, "workers": workers}


@dataclass
class RssPeaks:
    """Peaks of the server's process tree: the summed total and each process's own."""

    total: int = 0
    by_pid: dict[int, int] = field(default_factory=dict)  # VmHWM or sampled RSS, whichever higher
    samples: int = 0

    def add(self, rss: dict[int, int], hwm: dict[int, int]) -> None:
        """Record one sample: current and peak resident sets by pid."""
        self.samples += 1
        self.total = max(self.total, sum(rss.values()))
        for pid in rss:
            peak = max(rss[pid], hwm.get(pid, 0), self.by_pid.get(pid, 0))
            self.by_pid[pid] = peak

    def summary(self, server: int) -> dict[str, Any]:
        workers = [v for pid, v in self.by_pid.items() if pid != server]
        return {
            "peak_total_mb": self.total / MIB,
            "peak_server_mb": self.by_pid.get(server, 0) / MIB,
            "peak_worker_mb": max(workers, default=0) / MIB,
            "processes_seen": len(self.by_pid),
            "samples": self.samples,
        }


class RssSampler(threading.Thread):
    """Samples the resident sets of ``pid`` and its descendants every ``interval`` seconds."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        super().__init__(daemon=True, name="rss-sampler")
        self.pid, self.interval = pid, interval
        self.peaks = RssPeaks()
        self._halt = threading.Event()

    def sample(self) -> None:
        pids = process_tree(self.pid)
        rss = {pid: rss_bytes(pid) for pid in pids}
        hwm = {pid: hwm_bytes(pid) for pid in pids}
        self.peaks.add({p: v for p, v in rss.items() if v}, hwm)

    def run(self) -> None:
        while not self._halt.is_set():
            self.sample()
            self._halt.wait(self.interval)

    def stop(self) -> dict[str, Any]:
        self._halt.set()
        self.join(timeout=5)
        self.sample()
        return self.peaks.summary(self.pid)


# --- the server ------------------------------------------------------------------------


def serve_argv(build: Path, port: int, query_timeout: float) -> list[str]:
    """``ccai serve`` (the venv's console script, else ``python -m api.cli``)."""
    script = Path(sys.executable).with_name("ccai")
    head = [str(script)] if script.is_file() else [sys.executable, "-m", "api.cli"]
    return [
        *head,
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--store",
        str(build),
        "--query-timeout",
        f"{query_timeout:g}",
    ]


def snapshot_source(dest: Path) -> None:
    """Copy the working tree's files (tracked and untracked, not ignored; not bench/)
    to ``dest``.

    The servers then import ``api`` from the copy (``PYTHONPATH``): edits made in
    the repository while the benchmark runs cannot change the code under test
    between cells.
    """
    listing = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    for name in filter(None, listing.decode().split("\0")):
        source = ROOT / name
        if name.startswith("bench/") or not source.is_file():  # deleted, or not the service
            continue
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)


def source_digest(root: Path) -> str:
    """SHA-256 over the relative names and contents of the files under ``root``."""
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


class Server:
    """``ccai serve`` as a subprocess with the ``CCAI_*`` variables of one cell
    (and ``api`` imported from ``source`` when given)."""

    def __init__(
        self,
        build: Path,
        env: dict[str, str],
        query_timeout: float,
        log: Path,
        source: Path | None = None,
    ) -> None:
        self.port = free_port()
        self.argv = serve_argv(build.resolve(), self.port, query_timeout)
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("CCAI_")} | env
        if source is not None:  # the package from a snapshot, not the live working tree
            self.env["PYTHONPATH"] = str(source)
        self.log = log
        self.proc: subprocess.Popen | None = None
        self.ready_seconds: float | None = None
        self.started: dict[int, int | None] = {}  # its processes: pid -> start time

    def start(self, ready_timeout: float = 120) -> Server:
        started = time.perf_counter()
        WORK.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                self.argv, cwd=WORK, env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + ready_timeout
        while not self._ready():
            if self.proc.poll() is not None:
                raise RuntimeError(f"ccai serve exited ({self.proc.returncode}); see {self.log}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"ccai serve not ready in {ready_timeout} s; see {self.log}")
            time.sleep(0.25)
        self.ready_seconds = time.perf_counter() - started
        return self

    def _ready(self) -> bool:
        try:
            workers = self.health()["store"]["workers"]
        except (RuntimeError, ValueError, KeyError):
            return False
        return workers["live"] == workers["total"] == workers["idle"]

    def health(self) -> dict[str, Any]:
        return fetch_json(self.port, "/health")

    def stop(self) -> None:
        """SIGTERM, then SIGKILL; then any worker of it still alive (the same pid *and*
        start time, so a reused pid is never hit)."""
        if self.proc is None:
            return
        for pid in process_tree(self.proc.pid)[1:]:
            self.started[pid] = start_ticks(pid)
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        time.sleep(0.5)
        for pid, started in self.started.items():
            if started is not None and start_ticks(pid) == started:  # left behind
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
        self.proc = None


# --- the load --------------------------------------------------------------------------


@dataclass
class LoadPhase:
    """What one load phase sends: targets by class, mix, concurrency and its bounds."""

    port: int
    targets: dict[str, list[Target]]
    weights: dict[str, float]
    concurrency: int
    duration: float
    max_requests: int
    seed: int
    timeout: float


@dataclass
class LoadResult:
    """Every request's sample; ``issuing_s``: when the phase stopped sending (duration
    or request cap); ``wall_s``: when the last answer arrived (seconds from the start)."""

    samples: list[Sample]
    issuing_s: float
    wall_s: float


def run_load(phase: LoadPhase, t0: float | None = None) -> LoadResult:
    """Run ``phase`` with ``phase.concurrency`` client threads (times from ``t0``)."""
    samples: list[Sample] = []
    lock = threading.Lock()
    issued = [0]
    closed_at: list[float] = []
    t0 = time.perf_counter() if t0 is None else t0
    stop_at = t0 + phase.duration
    entity_by_accept = [phase.targets["entity"][0::2], phase.targets["entity"][1::2]]

    def take_ticket() -> bool:
        with lock:
            now = time.perf_counter()
            if issued[0] >= phase.max_requests or now >= stop_at:
                if not closed_at:
                    closed_at.append(min(now, stop_at) - t0)
                return False
            issued[0] += 1
            return True

    def client_loop(index: int) -> None:
        rng = thread_rng(phase.seed, index)
        conn = client.Connection(f"http://127.0.0.1:{phase.port}/", phase.timeout)
        entity_turn = index
        try:
            while take_ticket():
                cls = pick_class(rng, phase.weights)
                if cls == "entity":  # Turtle and HTML alternately, per thread
                    entity_turn += 1
                    target = rng.choice(entity_by_accept[entity_turn % 2])
                else:
                    target = rng.choice(phase.targets[cls])
                start = time.perf_counter() - t0
                reply = conn.get(target.path, target.accept)
                status = reply.status if reply.status is not None else (reply.error or "error")
                samples.append(Sample(cls, target.name, status, start, start + reply.seconds))
                time.sleep(rng.uniform(0, 0.010))
        finally:
            conn.close()

    threads = [
        threading.Thread(target=client_loop, args=(i,), daemon=True, name=f"load-{i}")
        for i in range(phase.concurrency)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    return LoadResult(samples, closed_at[0] if closed_at else wall, wall)


class HealthPoller(threading.Thread):
    """``GET /health`` every ``interval`` seconds during the load: its latency (the event
    loop's responsiveness) and the pool's workers, long lane and queue."""

    def __init__(self, port: int, t0: float, interval: float = 1.0) -> None:
        super().__init__(daemon=True, name="health-poller")
        self.port, self.t0, self.interval = port, t0, interval
        self.rows: list[dict[str, Any]] = []
        self._halt = threading.Event()

    def poll(self) -> None:
        conn = client.Connection(f"http://127.0.0.1:{self.port}/", 30)
        at = time.perf_counter() - self.t0
        try:
            reply = conn.get("/health", "application/json")
        finally:
            conn.close()
        row: dict[str, Any] = {"t": round(at, 3), "ms": round(reply.seconds * 1000, 1)}
        row["status"] = reply.status or reply.error
        if reply.status in (200, 503):
            store = json.loads(reply.body)["store"]
            workers = store["workers"]
            row |= {k: workers[k] for k in ("live", "idle", "starting", "long_lane_in_use")}
            row |= store["queue"]
        self.rows.append(row)

    def run(self) -> None:
        while not self._halt.wait(self.interval):
            self.poll()

    def stop(self) -> list[dict[str, Any]]:
        self._halt.set()
        self.join(timeout=35)
        return self.rows


def warm_up(port: int, targets: dict[str, list[Target]], entity_pages: int = 10) -> None:
    """Every named query once and a few entity pages, unrecorded (one connection).

    Raises:
        RuntimeError: one of them is not answered with 200 (a broken server is not
            measured).
    """
    conn = client.Connection(f"http://127.0.0.1:{port}/", 60)
    failed = []
    try:
        for target in targets["named"] + targets["entity"][:entity_pages]:
            reply = conn.get(target.path, target.accept)
            if reply.status != 200:
                failed.append(f"{target.path} ({target.accept}): {reply.status or reply.error}")
    finally:
        conn.close()
    if failed:
        raise RuntimeError("the server under test fails cheap requests: " + "; ".join(failed))


# --- statistics ------------------------------------------------------------------------


def percentile_ms(seconds: Sequence[float], p: float) -> float | None:
    """The ``p`` quantile (0..1, linear interpolation) of ``seconds``, in milliseconds."""
    value = pct(list(seconds), p)
    return None if value is None else value * 1000


def seconds_without(samples: Iterable[Sample], wall: float, classes: Sequence[str]) -> list[int]:
    """The whole 1-second windows ``[k, k+1)`` of ``[0, wall)`` in which no request
    of ``classes`` completed successfully (by completion time)."""
    answered = {int(s.end) for s in samples if s.cls in classes and s.ok}
    return [k for k in range(int(wall)) if k not in answered]


def pending_in(samples: Iterable[Sample], window: int, classes: Sequence[str]) -> int:
    """Requests of ``classes`` waiting for an answer during ``[window, window+1)``:
    sent before its end, answered (if at all) after its start."""
    return sum(1 for s in samples if s.cls in classes and s.start < window + 1 and s.end > window)


def longest_gap(samples: Iterable[Sample], wall: float, classes: Sequence[str]) -> float:
    """The longest time in ``[0, wall]`` without a successful answer of ``classes``."""
    ends = sorted(s.end for s in samples if s.cls in classes and s.ok and s.end <= wall)
    edges = [0.0, *ends, wall]
    return max(b - a for a, b in itertools.pairwise(edges))


def status_counts(samples: Iterable[Sample]) -> dict[str, int]:
    """Requests by status (as strings, most frequent first)."""
    return dict(Counter(str(s.status) for s in samples).most_common())


def class_summary(samples: Sequence[Sample]) -> dict[str, Any]:
    """Counts, statuses, refused share; latency quantiles of the successful answers
    (``p50_ms``…) and of every answer whatever its status (``any_p50_ms``…)."""
    ok = [s.seconds for s in samples if s.ok]
    every = [s.seconds for s in samples]
    refused = sum(1 for s in samples if s.status in REFUSED)
    return {
        "sent": len(samples),
        "ok": len(ok),
        "statuses": status_counts(samples),
        "refused_share": refused / len(samples) if samples else None,
        "p50_ms": percentile_ms(ok, 0.50),
        "p95_ms": percentile_ms(ok, 0.95),
        "p99_ms": percentile_ms(ok, 0.99),
        "max_ms": max(ok) * 1000 if ok else None,
        "any_p50_ms": percentile_ms(every, 0.50),
        "any_p95_ms": percentile_ms(every, 0.95),
        "any_p99_ms": percentile_ms(every, 0.99),
    }


def delta(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    """``after - before`` per key, zeros left out."""
    keys = set(after) | set(before)
    return {
        k: after.get(k, 0) - before.get(k, 0)
        for k in sorted(keys)
        if after.get(k, 0) != before.get(k, 0)
    }


def health_delta(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Worker kills and result-cache counters during the load."""
    kb, ka = before["store"]["kills"], after["store"]["kills"]
    cb, ca = before.get("result_cache", {}), after.get("result_cache", {})
    return {
        "kills": ka["total"] - kb["total"],
        "kills_by_reason": delta(ka["by_reason"], kb["by_reason"]),
        "respawn_failures": after["store"].get("respawn_failures", 0)
        - before["store"].get("respawn_failures", 0),
        "cache_hits": ca.get("hits", 0) - cb.get("hits", 0),
        "cache_misses": ca.get("misses", 0) - cb.get("misses", 0),
        "status_after": after["status"],
        "workers_after": after["store"]["workers"],
    }


def summarise(load: LoadResult) -> dict[str, Any]:
    """Throughput (answers per second while sending), per-class and pooled-cheap figures,
    and the cheap-answer windows (over the sending phase: after it, only the slowest
    requests are still running)."""
    samples, wall, issuing = load.samples, load.wall_s, load.issuing_s
    by_class = {cls: [s for s in samples if s.cls == cls] for cls in CLASSES}
    cheap = [s for s in samples if s.cls in CHEAP]
    done = [s for s in samples if s.end <= issuing]  # answered while sending
    gaps = seconds_without(samples, issuing, CHEAP)
    return {
        "requests": len(samples),
        "issuing_s": issuing,
        "wall_s": wall,
        "req_per_s": len(done) / issuing if issuing else None,
        "ok_per_s": sum(1 for s in done if s.ok) / issuing if issuing else None,
        "classes": {cls: class_summary(rows) for cls, rows in by_class.items() if rows},
        "cheap": class_summary(cheap),
        "statuses": status_counts(samples),
        "windows": int(issuing),
        "seconds_without_cheap": len(gaps),
        "seconds_without_cheap_at": gaps,
        "cheap_pending_in_gaps": [pending_in(cheap, k, CHEAP) for k in gaps],
        "longest_cheap_gap_s": longest_gap(samples, issuing, CHEAP),
    }


# --- one cell --------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One configuration under test."""

    concurrency: int
    cache: str  # "on" | "off"
    mix: str  # "heavy" | "baseline"

    @property
    def label(self) -> str:
        return f"c{self.concurrency}-cache-{self.cache}-{self.mix}"


def cell_env(cell: Cell, args: argparse.Namespace) -> dict[str, str]:
    """The ``CCAI_*`` variables of ``cell`` (cache off: ``CCAI_RESULT_CACHE_BYTES=0``)."""
    env = {"CCAI_QUERY_TIMEOUT": f"{args.query_timeout:g}"}
    if cell.cache == "off":
        env["CCAI_RESULT_CACHE_BYTES"] = "0"
    for item in args.env:
        key, _, value = item.partition("=")
        env[key] = value
    return env


def run_cell(
    cell: Cell, build: Path, args: argparse.Namespace, source: Path | None
) -> dict[str, Any]:
    """Start a server for ``cell``, warm it up, load it, measure; the cell's record."""
    env = cell_env(cell, args)
    log = WORK / f"load-{cell.label}.log"
    server = Server(build, env, args.query_timeout, log, source)
    server.start()
    try:
        targets = {
            "named": named_targets(server.port),
            "entity": entity_targets(entity_paths(server.port)),
            "heavy": heavy_targets(),
        }
        warm_up(server.port, targets)
        before = server.health()
        loadavg_before = os.getloadavg()
        pid = server.proc.pid  # type: ignore[union-attr]
        cpu_before, client_before = tree_cpu(pid), time.process_time()
        sampler = RssSampler(pid)
        sampler.start()
        t0 = time.perf_counter()
        poller = HealthPoller(server.port, t0)
        poller.start()
        phase = LoadPhase(
            server.port,
            targets,
            MIXES[cell.mix],
            cell.concurrency,
            args.duration,
            args.max_requests,
            args.seed,
            args.client_timeout,
        )
        load = run_load(phase, t0)
        cpu_after, client_after = tree_cpu(pid), time.process_time()
        health_rows = poller.stop()
        rss = sampler.stop()
        after = server.health()
    finally:
        server.stop()
    return {
        **asdict(cell),
        "env": env,
        "server_ready_s": server.ready_seconds,
        "targets": {cls: len(rows) for cls, rows in targets.items()},
        "memory_limit_mb": before["store"]["workers"]["memory_limit_mb"],
        "workers": before["store"]["workers"]["total"],
        **summarise(load),
        **health_delta(before, after),
        "rss": rss,
        "cpu_s": {
            "server": cpu_after["server"] - cpu_before["server"],
            "workers": cpu_after["workers"] - cpu_before["workers"],
            "client": client_after - client_before,
        },
        "health_max_ms": max((row["ms"] for row in health_rows), default=None),
        "loadavg_before": loadavg_before,
        "loadavg_after": os.getloadavg(),
        "health": health_rows,
        "samples": [
            [s.cls, s.name, s.status, round(s.start, 4), round(s.end, 4)] for s in load.samples
        ],
    }


# --- targets and tables ----------------------------------------------------------------


def _find(cells: list[dict], concurrency: int, cache: str, mix: str) -> dict | None:
    for c in cells:
        if (c["concurrency"], c["cache"], c["mix"]) == (concurrency, cache, mix):
            return c
    return None


def total_limit_mb(cell: dict, budget_mb: float, margin_mb: float) -> float:
    """The service's memory limit: the server's own peak plus every worker at its
    limit plus ``margin_mb``, and never more than ``budget_mb`` (2.5 GiB)."""
    rss = cell["rss"]
    configured = rss["peak_server_mb"] + cell["workers"] * cell["memory_limit_mb"] + margin_mb
    return min(budget_mb, configured)


def verdicts(cells: list[dict], budget_mb: float, margin_mb: float) -> list[dict]:
    """The issue's targets per (concurrency, cache): the heavy cell against its baseline
    (memory and 500s over both cells)."""
    rows = []
    for heavy in (c for c in cells if c["mix"] == "heavy"):
        base = _find(cells, heavy["concurrency"], heavy["cache"], "baseline")
        hp99 = heavy["cheap"]["p99_ms"]
        bp99 = base["cheap"]["p99_ms"] if base else None
        ratio = hp99 / bp99 if hp99 and bp99 else None
        pair = [heavy] + ([base] if base else [])
        total = max(c["rss"]["peak_total_mb"] for c in pair)
        limit = min(total_limit_mb(c, budget_mb, margin_mb) for c in pair)
        worker = max(c["rss"]["peak_worker_mb"] for c in pair)
        worker_limit = heavy["memory_limit_mb"]
        rows.append(
            {
                "concurrency": heavy["concurrency"],
                "cache": heavy["cache"],
                "cheap_p99_baseline_ms": bp99,
                "cheap_p99_heavy_ms": hp99,
                "p99_ratio": ratio,
                "p99_met": ratio is not None and ratio <= 3,
                "seconds_without_cheap": heavy["seconds_without_cheap"],
                "cheap_pending_in_gaps": heavy.get("cheap_pending_in_gaps"),
                # a second counts against the server only if a cheap request was
                # waiting in it: with every client inside a heavy request, nothing
                # cheap was asked (a property of the closed-loop client, not the server)
                "seconds_cheap_waiting_unanswered": sum(
                    1 for n in heavy.get("cheap_pending_in_gaps") or [] if n > 0
                ),
                "no_gap_met": not any(n > 0 for n in heavy.get("cheap_pending_in_gaps") or []),
                "peak_total_mb": total,
                "total_limit_mb": limit,
                "rss_met": total <= limit,
                "peak_worker_mb": worker,
                "worker_limit_mb": worker_limit,
                "worker_met": worker <= worker_limit + margin_mb,
                "http_500": sum(c["statuses"].get("500", 0) for c in pair),
                "no_500_met": all(c["statuses"].get("500", 0) == 0 for c in pair),
            }
        )
    return rows


def _n(value: float | None, digits: int = 0) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def _pcts(summary: dict | None, prefix: str = "") -> str:
    if not summary or summary[f"{prefix}p50_ms"] is None:
        return "—"
    return " / ".join(_n(summary[f"{prefix}{k}"]) for k in ("p50_ms", "p95_ms", "p99_ms"))


def _statuses(summary: dict | None) -> str:
    if not summary:
        return "—"
    return ", ".join(f"{k}×{v}" for k, v in summary["statuses"].items())


def _kills(cell: dict) -> str:
    reasons = ", ".join(f"{k} {v}" for k, v in cell["kills_by_reason"].items())
    return f"{cell['kills']}" + (f" ({reasons})" if reasons else "")


def _yes(flag: bool) -> str:
    return "yes" if flag else "**NO**"


def latency_table(cells: list[dict]) -> list[str]:
    lines = [
        "| c | cache | mix | req/s | ok/s | named p50/p95/p99 | entity p50/p95/p99 "
        "| heavy p50/p95/p99 (any status) | cheap refused | s w/o cheap | worker kills "
        "| peak RSS total / server / worker (MiB) |",
        "|---:|---|---|---:|---:|---|---|---|---:|---:|---|---|",
    ]
    for c in cells:
        cls, rss = c["classes"], c["rss"]
        refused = c["cheap"]["refused_share"]
        refused_pct = "—" if refused is None else _n(100 * refused, 1)
        lines.append(
            f"| {c['concurrency']} | {c['cache']} | {c['mix']} | {_n(c['req_per_s'])} "
            f"| {_n(c['ok_per_s'])} | {_pcts(cls.get('named'))} | {_pcts(cls.get('entity'))} "
            f"| {_pcts(cls.get('heavy'), 'any_')} | {refused_pct} % "
            f"| {c['seconds_without_cheap']} / {c['windows']} | {_kills(c)} "
            f"| {_n(rss['peak_total_mb'])} / {_n(rss['peak_server_mb'])} "
            f"/ {_n(rss['peak_worker_mb'])} |"
        )
    return lines


def status_table(cells: list[dict]) -> list[str]:
    lines = [
        "| c | cache | mix | requests | named | entity | heavy |",
        "|---:|---|---|---:|---|---|---|",
    ]
    for c in cells:
        cls = c["classes"]
        lines.append(
            f"| {c['concurrency']} | {c['cache']} | {c['mix']} | {c['requests']:,} "
            f"| {_statuses(cls.get('named'))} | {_statuses(cls.get('entity'))} "
            f"| {_statuses(cls.get('heavy'))} |"
        )
    return lines


def _cpu(cell: dict) -> str:
    cpu = cell.get("cpu_s")
    return "—" if not cpu else " / ".join(f"{cpu[k]:.1f}" for k in ("server", "workers", "client"))


def state_table(cells: list[dict]) -> list[str]:
    """The server's state from the 1-second ``/health`` polls, and the machine's load."""
    lines = [
        "| c | cache | mix | /health p50 / max (ms) | polls with no idle worker "
        "| min live workers | max starting | CPU s server / workers / client "
        "| load avg before → after |",
        "|---:|---|---|---|---:|---:|---:|---|---|",
    ]
    for c in cells:
        rows = [r for r in c["health"] if "live" in r]
        ms = [r["ms"] for r in c["health"]]
        no_idle = sum(1 for r in rows if r["idle"] == 0)
        lines.append(
            f"| {c['concurrency']} | {c['cache']} | {c['mix']} "
            f"| {_n(pct(ms, 0.5))} / {_n(max(ms, default=None))} | {no_idle} / {len(rows)} "
            f"| {min((r['live'] for r in rows), default='—')} "
            f"| {max((r['starting'] for r in rows), default='—')} | {_cpu(c)} "
            f"| {c['loadavg_before'][0]:.1f} → {c['loadavg_after'][0]:.1f} |"
        )
    return lines


def _gaps(row: dict) -> str:
    text = str(row["seconds_without_cheap"])
    pending = row.get("cheap_pending_in_gaps")
    if pending:
        text += f" (cheap in flight: {', '.join(map(str, pending))})"
    return text if row["no_gap_met"] else f"**{text}**"


def verdict_table(rows: list[dict]) -> list[str]:
    lines = [
        "| c | cache | cheap p99 baseline → heavy (ms) | ≤ 3×? "
        "| s w/o cheap answer (cheap waiting) "
        "| peak RSS total / limit (MiB) | under? | peak worker / limit (MiB) | under? | 500s |",
        "|---:|---|---|---|---|---|---|---|---|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['concurrency']} | {r['cache']} | {_n(r['cheap_p99_baseline_ms'])} → "
            f"{_n(r['cheap_p99_heavy_ms'])} ({_n(r['p99_ratio'], 2)}×) | {_yes(r['p99_met'])} "
            f"| {_gaps(r)} | {_n(r['peak_total_mb'])} / {_n(r['total_limit_mb'])} "
            f"| {_yes(r['rss_met'])} | {_n(r['peak_worker_mb'])} / {_n(r['worker_limit_mb'])} "
            f"| {_yes(r['worker_met'])} | {r['http_500']}{'' if r['no_500_met'] else ' **NO**'} |"
        )
    return lines


def markdown(report: dict) -> str:
    """The tables of ``report`` (latencies in ms over successful answers)."""
    cells, cfg = report["cells"], report["config"]
    return "\n".join(
        [
            f"Run of {report['started']}, {report['seconds']:.0f} s in all; "
            f"`{report['command']}`; raw figures `{report['results']}`.",
            "",
            f"Per cell: {cfg['duration']:g} s or {cfg['max_requests']:,} requests, whichever "
            f"first; query timeout {cfg['query_timeout']:g} s. Memory limit of the service: "
            f"server peak + workers × worker limit + {cfg['worker_margin_mb']:g} MiB, at most "
            f"{cfg['rss_budget_mb']:,.0f} MiB; a worker: its limit + "
            f"{cfg['worker_margin_mb']:g} MiB (the pool samples every 50 ms).",
            "",
            "**Targets** (heavy mix against the baseline at the same concurrency and cache):",
            "",
            *verdict_table(report["verdicts"]),
            "",
            "**Latency (ms, successful answers), throughput, memory:**",
            "",
            *latency_table(cells),
            "",
            "**Responses by status and class:**",
            "",
            *status_table(cells),
            "",
            "**Server state** (`/health` polled every second during the load):",
            "",
            *state_table(cells),
        ]
    )


def write_readme(section: str, readme: Path = README) -> None:
    """Replace the text between the ``load-bench`` markers of bench/README.md."""
    text = readme.read_text()
    pattern = re.compile(re.escape(MARK_START) + r".*?" + re.escape(MARK_END), re.S)
    if not pattern.search(text):
        raise SystemExit(f"bench.load: no {MARK_START} … {MARK_END} markers in {readme}")
    readme.write_text(pattern.sub(lambda _: f"{MARK_START}\n{section}\n{MARK_END}", text))


# --- main ------------------------------------------------------------------------------


def cells_of(args: argparse.Namespace) -> list[Cell]:
    """The matrix, baseline next to heavy for each (cache, concurrency)."""
    return [
        Cell(c, cache, mix) for cache in args.cache for c in args.concurrency for mix in args.mixes
    ]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.load", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--concurrency", type=int, nargs="+", default=[8, 32, 128])
    parser.add_argument("--cache", nargs="+", choices=("off", "on"), default=["off", "on"])
    parser.add_argument("--mixes", nargs="+", choices=tuple(MIXES), default=["baseline", "heavy"])
    parser.add_argument("--duration", type=float, default=20, help="seconds of load per cell")
    parser.add_argument("--max-requests", type=int, default=20_000, help="requests per cell")
    parser.add_argument("--query-timeout", type=float, default=5, help="server query timeout (s)")
    parser.add_argument("--client-timeout", type=float, default=60, help="per request (s)")
    parser.add_argument("--seed", type=int, default=20240521)
    parser.add_argument("--build", type=Path, help="a ccai build dir (default: build once)")
    parser.add_argument("--rss-budget-mb", type=float, default=2560, help="whole service")
    parser.add_argument("--worker-margin-mb", type=float, default=64, help="over the limit")
    parser.add_argument("--env", action="append", default=[], help="extra CCAI_X=value")
    parser.add_argument(
        "--live-source",
        action="store_true",
        help="servers import the working tree (default: a copy taken at the start)",
    )
    parser.add_argument(
        "--source", type=Path, help="import api from this copy (an earlier run's snapshot)"
    )
    parser.add_argument("--quick", action="store_true", help="smoke test: c8, cache off, 5 s")
    parser.add_argument("--write-readme", action="store_true", help="tables into README.md")
    parser.add_argument("--report", type=Path, help="no load: the tables of a results JSON")
    args = parser.parse_args(argv)
    if args.quick:
        args.concurrency, args.cache, args.duration = [8], ["off"], 5.0
        args.max_requests = min(args.max_requests, 2000)
    return args


def _git_head() -> str | None:
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        return subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, check=True, text=True
        ).stdout.strip()
    return None


def measure(args: argparse.Namespace) -> dict[str, Any]:
    """Run every cell of the matrix; the report (also saved after each cell)."""
    started = time.perf_counter()
    RESULTS.mkdir(parents=True, exist_ok=True)
    build = ensure_build(args.build)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    out = RESULTS / f"load-{stamp}.json"
    source, digest = args.source, None
    if source is None and not args.live_source:
        source = WORK / f"load-source-{stamp}"
        snapshot_source(source)
    if source is not None:
        digest = source_digest(source)
    report: dict[str, Any] = {
        "started": time.strftime("%Y-%m-%d %H:%M"),
        "command": "python -m bench.load " + " ".join(args.argv),
        "results": str(out.relative_to(ROOT)),
        "machine": machine(),
        "git_head": _git_head(),
        "source": str(source) if source else None,
        "source_sha256": digest,
        "loadavg_start": os.getloadavg(),
        "config": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "cells": [],
    }
    for cell in cells_of(args):
        print(f"bench.load: {cell.label} …", file=sys.stderr, flush=True)
        record = run_cell(cell, build, args, source)
        report["cells"].append(record)
        print(
            f"  {record['requests']} requests, {record['req_per_s']:.0f} req/s, cheap p99 "
            f"{_n(record['cheap']['p99_ms'])} ms, statuses {record['statuses']}, "
            f"kills {record['kills']}, peak RSS {record['rss']['peak_total_mb']:.0f} MiB",
            file=sys.stderr,
            flush=True,
        )
        report["seconds"] = time.perf_counter() - started
        out.write_text(json.dumps(report, indent=1))
    report["verdicts"] = verdicts(report["cells"], args.rss_budget_mb, args.worker_margin_mb)
    report["seconds"] = time.perf_counter() - started
    report["loadavg_end"] = os.getloadavg()
    out.write_text(json.dumps(report, indent=1))
    return report


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.argv = sys.argv[1:] if argv is None else argv
    if args.report:  # tables of an earlier run
        report = json.loads(args.report.read_text())
        cfg = report["config"]
        report["verdicts"] = verdicts(
            report["cells"], cfg["rss_budget_mb"], cfg["worker_margin_mb"]
        )
    else:
        report = measure(args)
    section = markdown(report)
    if args.write_readme:
        write_readme(section)
    print(section)
    print(f"results: {report['results']} ({report['seconds']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
