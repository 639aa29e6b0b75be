"""Worker-process backend: queries run in sandboxed processes that are killed at a limit.

pyoxigraph has no query timeout or cancellation in its Python API, and
``signal.alarm`` cannot interrupt it (``../shared/notes/security.md`` beside the checkout, A.3).
So each query is sent to a worker process (multiprocessing *spawn* context)
that owns a read-only handle on the store, runs the query **and serialises the
result** to the negotiated format, and sends back bytes. The parent waits on
the pipe's file descriptor from the event loop (no thread per query) and
stops the worker (SIGKILL) when the query

* runs past its **execution deadline** (``query_timeout``; the clock starts
  when a worker takes the query, so time spent waiting is not charged) → 504;
* grows the worker past its **memory limit** (``worker_memory_mb``, resident
  set sampled every :data:`WATCH_INTERVAL` seconds; a ``RLIMIT_DATA`` of
  1.5× the limit backs it up inside the worker) → 507 ``query-memory-limit``;
* tries to open a **network socket** (the worker's seccomp filter ends it,
  :mod:`api.store.sandbox`) → 403 ``service-not-allowed``;
* **runs long while the long lane is full** (see below) → 503 with
  ``Retry-After``.

A stopped worker is replaced at once by a warm spare process (started ahead,
idle, never given queries until then), and a new spare starts in the
background, so a stop costs cheap queries no gap of a process start (1–3 s
under load, measured); a start that fails is retried with exponential
backoff (:data:`RESPAWN_BACKOFF`). An idle
worker that died is noticed before a query is given to it, and by a monitor
every :data:`MONITOR_INTERVAL` seconds, so :meth:`WorkerPoolStore.health`
reports the truth.

Start-up: :meth:`WorkerPoolStore.start` returns once **one** worker is
ready (it reads the store's recorded counts through it); the others, then the
spare, start in the background one at a time (a core stays free for the
requests), so the service answers its first query after one process start,
not after ``workers`` of them competing for the cores (19 s on a loaded
2-core machine, measured in ``bench/README.md``).
Until they are up, ``/health`` says ``degraded`` with ``starting`` > 0.

Scheduling: fair to cheap queries
---------------------------------
The pool has ``workers`` processes (default: one per core plus one). At most
``workers - reserved`` of them may run a *long* query at once (the long
lane; default: one place per core but one, at least one), the ``reserved``
others are kept for queries that finish within ``long_query_seconds``. A
worker running a long query is *demoted* to a lower CPU priority (nice
+10), so the kernel gives the cheap queries' workers the cores first; it is
restored when the query ends (or replaced where the system does not allow
raising a priority again). A query starts on any free worker; if it is still
running after ``long_query_seconds`` it must take a place in the long lane,
and if none is free it is stopped and refused with 503 + ``Retry-After``.
Its text (with its dataset) is remembered as long, so when it is sent again
it waits for a long-lane place *before* taking a worker, and cheap queries
keep the reserved workers. The store is read-only, so a query's cost does
not change while the service runs; the memory of past costs is bounded
(:data:`HISTORY_SIZE`).

Waiting: at most ``workers + max_queued`` queries are in the service at
once (more: 429); a query that waits longer than ``queue_timeout`` for a
worker or a long-lane place gets 429 with ``Retry-After``, and no more known
long queries wait for the long lane than it has places (more: 429 at once),
so they never fill the queue cheap queries need.

Identical queries at the same time (same text, dataset and formats) run once:
the later requests wait for the first one's answer or error (request
coalescing), so a heavy query sent by many clients at once occupies one
worker, and does so only until it is known to run long.

Idle workers wait on a LIFO stack: the worker that answered last takes the
next query (warm caches: 2.8 ms FIFO vs 1.5 ms LIFO per query, measured).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import multiprocessing
import os
import struct
import time
from collections import OrderedDict, deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.reduction import ForkingPickler as _ForkingPickler
from pathlib import Path
from typing import Any

from api.errors import (
    CcaiError,
    ForbiddenQueryFeature,
    LongQueriesBusy,
    QueryMemoryLimit,
    QueryTimeout,
    StoreUnavailable,
    TooManyQueries,
    from_wire,
)
from api.sparql.safety import SERVICE_MESSAGE
from api.store import _worker, sandbox
from api.store.base import FormatChoice, QueryJob, QueryResult
from api.store.layout import TripleCounts

log = logging.getLogger("ccai.store.pool")

_CTX = multiprocessing.get_context("spawn")
_READ_CHUNK = 1 << 20
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096

WATCH_INTERVAL = 0.05  # seconds between resident-set samples of a busy worker
LONG_QUERY_NICE = 10  # added to the server's CPU priority for a worker running a long query


def normal_priority() -> int:
    """The server's own CPU priority (nice value): a worker's outside the long lane."""
    return os.getpriority(os.PRIO_PROCESS, 0)


def demoted_priority() -> int:
    """A long-lane worker's priority: LONG_QUERY_NICE lower than the server's (max 19)."""
    return min(normal_priority() + LONG_QUERY_NICE, 19)


MONITOR_INTERVAL = 1.0  # seconds between liveness checks of idle workers
RESPAWN_BACKOFF = (0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0)  # seconds, then 30 s on
HISTORY_SIZE = 4096  # query fingerprints remembered as long
RECENT_SECONDS = 60.0  # window of /health's recent kills


def default_workers() -> int:
    """One worker per core, plus one kept for cheap queries."""
    return (os.cpu_count() or 1) + 1


def default_reserved(workers: int) -> int:
    """Workers kept for short queries: all but one per core beyond the first (at
    least one long-lane place), so long queries leave a core to cheap ones.

    >>> default_reserved(3), default_reserved(9), default_reserved(1)
    (2, 2, 0)
    """
    if workers <= 1:
        return 0
    return max(1, workers - max(1, workers - 2))


@dataclass
class PoolStats:
    """Measurements exposed for monitoring and tests."""

    spawned: int = 0
    killed: int = 0
    kills: dict[str, int] = field(default_factory=dict)  # by reason
    recent_kills: deque[tuple[float, str]] = field(default_factory=lambda: deque(maxlen=1000))
    respawn_failures: int = 0
    last_respawn_error: str | None = None
    last_kill_seconds: float | None = None
    last_respawn_seconds: float | None = None
    respawn_seconds: list[float] = field(default_factory=list)
    served: dict[int, int] = field(default_factory=dict)  # queries answered, by worker index
    coalesced: int = 0  # requests answered by an identical query already running


class _Worker:
    def __init__(self, path: str, index: int, use_sandbox: bool, memory_bytes: int) -> None:
        parent, child = _CTX.Pipe(duplex=True)
        self.index = index
        self.conn: Connection = parent
        self.process = _CTX.Process(
            target=_worker.main,
            args=(child, path, use_sandbox, memory_bytes),
            name=f"ccai-query-{index}",
            daemon=True,
        )
        self.process.start()
        child.close()
        self.peak_rss = 0
        self.demoted = False

    def alive(self) -> bool:
        return self.process.is_alive()

    def demote(self) -> None:
        """Lower the worker's CPU priority while it runs a long query (nice +10
        relative to the server's own priority, which the worker inherited)."""
        if not self.demoted:
            with contextlib.suppress(OSError):
                os.setpriority(os.PRIO_PROCESS, self.process.pid or 0, demoted_priority())
                self.demoted = True

    def restore(self) -> bool:
        """Back to normal priority; False if the system does not allow it (not root)."""
        if not self.demoted:
            return True
        try:
            os.setpriority(os.PRIO_PROCESS, self.process.pid or 0, normal_priority())
        except OSError:
            return False
        self.demoted = False
        return True

    def rss(self) -> int:
        """Resident set size in bytes (0 once the process is gone)."""
        try:
            with open(f"/proc/{self.process.pid}/statm", "rb") as fh:
                value = int(fh.read().split()[1]) * _PAGE
        except (OSError, ValueError, IndexError):
            return 0
        self.peak_rss = max(self.peak_rss, value)
        return value

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.process.kill()
        self.process.join(timeout=5)
        with contextlib.suppress(Exception):
            self.conn.close()


class _MessageReader:
    """Reassemble one :class:`multiprocessing.connection.Connection` message from
    non-blocking reads.

    The framing is the one ``Connection.send`` writes: a signed 32-bit
    big-endian length (``-1`` announces a 64-bit length for messages over
    2 GiB), then the pickled payload.
    """

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.size: int | None = None
        self.header = 4

    def feed(self, chunk: bytes) -> bytes | None:
        """Add ``chunk``; the payload once the message is complete, else ``None``."""
        self.buffer += chunk
        if self.size is None:
            if len(self.buffer) < self.header:
                return None
            if self.header == 4:
                (size,) = struct.unpack("!i", self.buffer[:4])
                if size == -1:
                    self.header = 12
                    return self.feed(b"")
            else:
                (size,) = struct.unpack("!Q", self.buffer[4:12])
            self.size = size
        end = self.header + self.size
        if len(self.buffer) < end:
            return None
        if len(self.buffer) > end:
            raise OSError("the query worker sent more than one message")
        return bytes(self.buffer[self.header :])


class _Reply:
    """One message from a worker, read on the event loop without blocking.

    Use as a context manager; :attr:`future` completes with the unpickled
    message (or EOFError/OSError).
    """

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.fd = conn.fileno()
        self.loop = asyncio.get_running_loop()
        self.future: asyncio.Future[Any] = self.loop.create_future()
        self.reader = _MessageReader()

    def _on_readable(self) -> None:
        if self.future.done():
            return
        try:
            chunk = os.read(self.fd, _READ_CHUNK)
            if not chunk:
                raise EOFError("the query worker closed its pipe")
            payload = self.reader.feed(chunk)
        except BlockingIOError:
            return
        except (EOFError, OSError) as exc:
            self.future.set_exception(exc)
            return
        if payload is not None:
            self.future.set_result(_ForkingPickler.loads(payload))

    def __enter__(self) -> _Reply:
        os.set_blocking(self.fd, False)
        self.loop.add_reader(self.fd, self._on_readable)
        return self

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(Exception):
            self.loop.remove_reader(self.fd)
            os.set_blocking(self.fd, True)


async def _receive(conn: Connection, timeout: float | None) -> Any:
    """Read one message from ``conn`` within ``timeout`` seconds."""
    with _Reply(conn) as reply:
        return await asyncio.wait_for(reply.future, timeout)


def fingerprint(job: QueryJob) -> str:
    """What identifies a query's cost: its text and its dataset."""
    key = repr((job.query, job.default_graph, job.named_graphs, job.include_inferred))
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


class _Lane:
    """The long lane: ``places`` queries may run long at once; FIFO waiters."""

    def __init__(self, places: int) -> None:
        self.places = places
        self.free = places
        self._waiters: deque[asyncio.Future[None]] = deque()

    def try_take(self) -> bool:
        """Take a place if one is free and nobody waits for it (never suspends)."""
        if self.free > 0 and not self._waiters:
            self.free -= 1
            return True
        return False

    async def take(self, timeout: float) -> None:
        """Wait up to ``timeout`` seconds for a place (TimeoutError after that)."""
        if self.places == 0:
            raise LongQueriesBusy(
                "This endpoint runs no long queries (no long-lane workers configured).",
                retry_after=60,
            )
        if self.try_take():
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await asyncio.wait_for(waiter, timeout)
        finally:
            if not waiter.done() or waiter.cancelled():
                with contextlib.suppress(ValueError):
                    self._waiters.remove(waiter)

    def give_back(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)  # the place passes to the first waiter
                return
        self.free += 1

    @property
    def in_use(self) -> int:
        return self.places - self.free

    @property
    def waiting(self) -> int:
        return sum(1 for w in self._waiters if not w.done())


class WorkerPoolStore:
    """A :class:`~api.store.base.Store` backed by sandboxed, killable worker processes."""

    def __init__(
        self,
        path: str | Path,
        *,
        workers: int | None = None,
        reserved: int | None = None,
        max_queued: int = 16,
        max_result_rows: int = 100_000,
        queue_timeout: float = 10.0,
        long_query_seconds: float = 1.0,
        memory_limit_mb: int = 640,
        sandbox: bool = True,
        spare: bool = True,
        base_iri: str | None = None,
        prefixes: dict[str, str] | None = None,
        start_timeout: float = 60.0,
    ) -> None:
        self.path = str(path)
        self.base_iri = base_iri
        self.prefixes = prefixes
        self.size = workers or default_workers()
        self.reserved = default_reserved(self.size) if reserved is None else reserved
        if not 0 <= self.reserved < self.size:
            raise ValueError("reserved workers must be fewer than all workers")
        self.max_queued = max_queued
        self.max_rows = max_result_rows
        self.queue_timeout = queue_timeout
        self.long_query_seconds = long_query_seconds
        self.memory_limit = memory_limit_mb * 1024 * 1024
        self.sandbox = sandbox
        self.use_spare = spare
        self.start_timeout = start_timeout
        self.stats = PoolStats()
        self._idle: asyncio.LifoQueue[_Worker] | None = None
        self._lane: _Lane | None = None
        self._long: OrderedDict[str, None] = OrderedDict()
        self._graphs: list[str] = []
        self._counts = TripleCounts(0, 0, 0)
        self._tasks: set[asyncio.Task] = set()
        self._initial: list[asyncio.Task] = []  # the workers start() left starting
        self._all: set[_Worker] = set()
        self._starting = 0
        self._spare: _Worker | None = None
        self._spare_starting = False
        self._short_busy = 0  # workers running queries that have not gone long
        self._running: set[_Worker] = set()  # workers running a query now
        self._leaders: dict[tuple[str, FormatChoice], asyncio.Future[QueryResult]] = {}
        self._in_flight = 0
        self._waiting = 0
        self._next_index = 0
        self._closed = False

    # --- life cycle ---------------------------------------------------------------------

    async def _spawn(self) -> _Worker:
        index, self._next_index = self._next_index, self._next_index + 1
        worker = await asyncio.to_thread(
            _Worker, self.path, index, self.sandbox, int(self.memory_limit * 1.5)
        )
        self._all.add(worker)
        try:
            kind, payload = await _receive(worker.conn, self.start_timeout)
        except (TimeoutError, EOFError, OSError) as exc:
            self._discard(worker)
            raise StoreUnavailable(f"query worker did not start: {type(exc).__name__}") from None
        if kind != "ready":
            self._discard(worker)
            raise StoreUnavailable(str(payload))
        self._graphs = payload
        self.stats.spawned += 1
        return worker

    def _discard(self, worker: _Worker) -> None:
        worker.kill()
        self._all.discard(worker)

    def _background(self, coro: Any) -> asyncio.Task:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def start(self) -> None:
        """Start one worker, read the store's counts through it, and return: the pool
        answers as soon as that worker is ready. The other workers (and the spare) start
        in the background; ``/health`` reports them as ``starting`` until they are up
        (:meth:`wait_ready` waits for them)."""
        self._idle = asyncio.LifoQueue()
        self._lane = _Lane(self.size - self.reserved)
        started = time.perf_counter()
        first = await self._spawn()
        first.conn.send(("stats", None))
        try:
            kind, counts = await _receive(first.conn, self.start_timeout)
        except (TimeoutError, EOFError, OSError) as exc:
            self._discard(first)
            raise StoreUnavailable(
                f"could not read the store statistics: {type(exc).__name__}"
            ) from None
        if kind != "ok":
            self._discard(first)
            raise StoreUnavailable("could not read the store statistics")
        self._counts = counts
        self._idle.put_nowait(first)
        # counted now, so that /health reports them before their tasks first run
        self._starting += self.size - 1 + self.use_spare
        self._spare_starting = self.use_spare
        self._initial.append(self._background(self._start_others(started)))
        self._background(self._monitor())
        log.info(
            "worker pool answering after %.3f s: 1 of %d workers ready (%d reserved for short "
            "queries; the others are starting) on %s, sandbox %s, memory limit %d MiB each",
            time.perf_counter() - started,
            self.size,
            self.reserved,
            self.path,
            "on" if self.sandbox else "OFF",
            self.memory_limit >> 20,
        )

    async def _start_others(self, started: float) -> None:
        """The workers after the first, then the spare, one process start at a time: the
        cores stay free enough for the requests the first worker is already answering."""
        for _ in range(self.size - 1):
            await self._respawn(started, initial=True)
        if self.use_spare:
            await self._respawn(started, spare=True, initial=True)

    async def wait_ready(self) -> None:
        """Wait until the workers (and the spare) :meth:`start` left starting are ready."""
        if self._initial:
            await asyncio.gather(*self._initial)

    async def close(self) -> None:
        self._closed = True
        for task in list(self._tasks):
            task.cancel()
        for worker in list(self._all):
            with contextlib.suppress(Exception):
                worker.conn.send(("stop", None))
        for worker in list(self._all):
            await asyncio.to_thread(worker.process.join, 2)
            self._discard(worker)

    async def _monitor(self) -> None:
        """Replace idle workers that died (so health and the next query see the truth)."""
        while not self._closed:
            await asyncio.sleep(MONITOR_INTERVAL)
            assert self._idle is not None
            dead = [w for w in list(self._idle._queue) if not w.alive()]  # type: ignore[attr-defined]
            for worker in dead:
                with contextlib.suppress(ValueError):
                    self._idle._queue.remove(worker)  # type: ignore[attr-defined]
                self._replace(worker, "crash")
            if self._spare is not None and not self._spare.alive():
                dead_spare, self._spare = self._spare, None
                self._discard(dead_spare)
                self._background(self._respawn(time.perf_counter(), spare=True))

    # --- statistics ---------------------------------------------------------------------

    def named_graphs(self) -> list[str]:
        return list(self._graphs)

    def counts(self) -> TripleCounts:
        return self._counts

    def triple_count(self, graph: str | None = None) -> int:
        if graph is None:
            return self._counts.total
        return self._counts.graphs.get(graph, 0)

    def health(self) -> dict[str, Any]:
        """Live/total workers, queue, recent kills; ``status`` is ``unavailable``
        when no worker can serve."""
        idle_workers = list(self._idle._queue) if self._idle is not None else []  # type: ignore[attr-defined]
        live = sum(1 for w in [*idle_workers, *self._running] if w.alive())
        now = time.monotonic()
        recent: dict[str, int] = {}
        for at, reason in self.stats.recent_kills:
            if now - at <= RECENT_SECONDS:
                recent[reason] = recent.get(reason, 0) + 1
        idle = self._idle.qsize() if self._idle is not None else 0
        if self._closed or live == 0:
            status = "unavailable"
        elif live < self.size:
            status = "degraded"
        else:
            status = "ok"
        return {
            "status": status,
            "workers": {
                "total": self.size,
                "live": live,
                "idle": idle,
                "starting": self._starting,
                "spare_ready": self._spare is not None,
                "reserved_for_short_queries": self.reserved,
                "long_lane_in_use": self._lane.in_use if self._lane else 0,
                "long_lane_waiting": self._lane.waiting if self._lane else 0,
                "memory_limit_mb": self.memory_limit >> 20,
                "sandbox": self.sandbox,
            },
            "queue": {"in_flight": self._in_flight, "waiting": self._waiting},
            "kills": {
                "total": self.stats.killed,
                "by_reason": dict(self.stats.kills),
                f"last_{int(RECENT_SECONDS)}s": recent,
            },
            "respawn_failures": self.stats.respawn_failures,
            "coalesced": self.stats.coalesced,
        }

    # --- workers ------------------------------------------------------------------------

    def _replace(self, worker: _Worker, reason: str) -> None:
        """Stop ``worker`` now. The warm spare takes its place at once (and a new spare
        starts in the background); without a spare, a replacement starts (with backoff)."""
        started = time.perf_counter()
        self._discard(worker)
        self.stats.killed += 1
        self.stats.kills[reason] = self.stats.kills.get(reason, 0) + 1
        self.stats.recent_kills.append((time.monotonic(), reason))
        self.stats.last_kill_seconds = time.perf_counter() - started
        if self._closed:
            return
        spare, self._spare = self._spare, None
        if spare is not None and spare.alive():
            assert self._idle is not None
            self._idle.put_nowait(spare)
            self._background(self._respawn(started, spare=True))
            return
        if spare is not None:
            self._discard(spare)
        self._background(self._respawn(started, spare=False))
        if self.use_spare:
            self._background(self._respawn(started, spare=True))

    async def _respawn(self, started: float, *, spare: bool = False, initial: bool = False) -> None:
        """Start a worker (retrying with backoff): into the idle stack, or as the spare.

        ``initial``: one of the workers :meth:`start` left starting (not a replacement:
        not counted in the respawn statistics)."""
        if not initial:  # start() counted the initial ones when it scheduled them
            if spare and self._spare_starting:
                return
            self._starting += 1
            self._spare_starting |= spare
        try:
            for attempt in range(1_000_000):
                try:
                    fresh = await self._spawn()
                    break
                except CcaiError as exc:
                    self.stats.respawn_failures += 1
                    self.stats.last_respawn_error = exc.message
                    delay = RESPAWN_BACKOFF[min(attempt, len(RESPAWN_BACKOFF) - 1)]
                    log.error("query worker did not start (%s); retry in %.1f s", exc, delay)
                    await asyncio.sleep(delay)
            else:  # pragma: no cover - a million failures
                return
        finally:
            self._starting -= 1
            if spare:
                self._spare_starting = False
        elapsed = time.perf_counter() - started
        if initial:
            what = "spare ready" if spare else "up"
            log.info("query worker %s %.3f s after the pool started", what, elapsed)
        else:
            self.stats.last_respawn_seconds = elapsed
            self.stats.respawn_seconds.append(elapsed)
            log.info("query worker %s in %.3f s", "spare ready" if spare else "respawned", elapsed)
        assert self._idle is not None
        if self._closed:
            self._discard(fresh)
        elif spare and self._spare is None:
            self._spare = fresh
        else:
            self._idle.put_nowait(fresh)

    async def _take_worker(self, until: float, *, long: bool = False) -> _Worker:
        """A live idle worker, waiting until the loop time ``until`` at most.

        A ``long`` query (one that holds a long-lane place) takes a worker only
        while ``reserved`` workers stay idle or busy with short queries, so a
        gap (a worker being replaced) never costs cheap queries their reserve.
        """
        assert self._idle is not None
        loop = asyncio.get_running_loop()
        while True:
            if long and self._idle.qsize() + self._short_busy <= self.reserved:
                if loop.time() >= until:
                    raise self._busy("query worker")
                await asyncio.sleep(WATCH_INTERVAL)
                continue
            try:
                worker = await asyncio.wait_for(self._idle.get(), max(until - loop.time(), 0))
            except TimeoutError:
                raise self._busy("query worker") from None
            if worker.alive():
                return worker
            self._replace(worker, "crash")

    def _busy(self, what: str) -> TooManyQueries:
        return TooManyQueries(
            f"The endpoint is busy: no {what} became free within {self.queue_timeout:g} s. "
            "Retry in a moment.",
            retry_after=max(1, round(self.queue_timeout / 2)),
        )

    def _remember_long(self, key: str) -> None:
        self._long[key] = None
        self._long.move_to_end(key)
        while len(self._long) > HISTORY_SIZE:
            self._long.popitem(last=False)

    # --- queries ------------------------------------------------------------------------

    async def query(
        self,
        sparql: str,
        *,
        formats: FormatChoice,
        default_graph: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        include_inferred: bool = True,
        timeout: float,
    ) -> QueryResult:
        if self._idle is None or self._lane is None or self._closed:
            raise StoreUnavailable("the store is not open")
        job = QueryJob.of(
            sparql,
            formats=formats,
            default_graph=default_graph,
            named_graphs=named_graphs,
            include_inferred=include_inferred,
            max_rows=self.max_rows,
            base_iri=self.base_iri,
            prefixes=self.prefixes,
        )
        key = fingerprint(job)
        shared = (key, job.formats)
        while (leader := self._leaders.get(shared)) is not None:
            # The same query is running: wait for its answer instead of running it
            # again (an unknown heavy query sent by many clients at once runs once).
            self.stats.coalesced += 1
            try:
                return await asyncio.wait_for(asyncio.shield(leader), self.queue_timeout + timeout)
            except TimeoutError:
                raise QueryTimeout("The query ran past the time limit.") from None
            except asyncio.CancelledError:
                if not leader.cancelled():
                    raise  # this request was cancelled, not the one it waited for
        answer: asyncio.Future[QueryResult] = asyncio.get_running_loop().create_future()
        self._leaders[shared] = answer
        try:
            result = await self._admitted(job, key, timeout)
        except BaseException as exc:
            if isinstance(exc, CcaiError):
                answer.set_exception(exc)
                answer.exception()  # retrieved: followers re-raise it
            else:
                answer.cancel()  # followers run the query themselves
            raise
        else:
            answer.set_result(result)
            return result
        finally:
            self._leaders.pop(shared, None)

    async def _admitted(self, job: QueryJob, key: str, timeout: float) -> QueryResult:
        """Admission, the long lane, a worker, then the run (see the module docstring)."""
        assert self._idle is not None and self._lane is not None
        if self._in_flight >= self.size + self.max_queued:
            raise TooManyQueries(
                f"The endpoint is busy ({self._in_flight} queries in progress or waiting). "
                "Retry in a moment.",
                retry_after=1,
            )
        loop = asyncio.get_running_loop()
        until = loop.time() + self.queue_timeout
        holds_lane = False
        self._in_flight += 1
        self._waiting += 1
        try:
            try:
                if key in self._long:  # known long: wait for a long-lane place first
                    if self._lane.waiting >= self._lane.places:
                        # long queries do not fill the queue that cheap ones need
                        raise TooManyQueries(
                            "This query ran long before, and as many long queries as the "
                            "endpoint runs at once are already waiting. Retry later.",
                            retry_after=max(1, round(self.queue_timeout)),
                        )
                    try:
                        await self._lane.take(max(until - loop.time(), 0))
                    except TimeoutError:
                        raise self._busy("place for long queries") from None
                    holds_lane = True
                worker = await self._take_worker(until, long=holds_lane)
            finally:
                self._waiting -= 1
            return await self._run(worker, job, key, timeout, holds_lane)
        finally:
            self._in_flight -= 1
            if holds_lane:
                self._lane.give_back()

    async def _run(
        self, worker: _Worker, job: QueryJob, key: str, timeout: float, holds_lane: bool
    ) -> QueryResult:
        assert self._idle is not None and self._lane is not None
        loop = asyncio.get_running_loop()
        started = loop.time()
        deadline = started + timeout
        long_at = started + self.long_query_seconds
        took_lane = False
        short = not holds_lane
        self._short_busy += short
        self._running.add(worker)
        try:
            worker.conn.send(("query", job))
            if holds_lane:
                worker.demote()
            with _Reply(worker.conn) as reply:
                while True:
                    now = loop.time()
                    if now >= deadline:
                        self._replace(worker, "timeout")
                        raise QueryTimeout(
                            "The query ran past the time limit and was stopped. Narrow it down "
                            "(LIMIT, more specific patterns) or download the dumps at /download."
                        )
                    if not holds_lane and not took_lane and now >= long_at:
                        if not self._lane.try_take():
                            self._remember_long(key)
                            self._replace(worker, "long-lane-full")
                            raise LongQueriesBusy(
                                f"The query ran longer than {self.long_query_seconds:g} s while "
                                f"all {self._lane.places} places for long queries were taken, "
                                "so it was stopped to keep the endpoint responsive. Retry in a "
                                "moment: it will then wait for a place.",
                                retry_after=max(1, round(self.long_query_seconds * 2)),
                            )
                        took_lane = True
                        self._short_busy -= short
                        short = False
                        self._remember_long(key)
                        worker.demote()
                    if worker.rss() > self.memory_limit:
                        self._replace(worker, "memory")
                        raise self._memory_error()
                    done, _ = await asyncio.wait(
                        {reply.future}, timeout=min(WATCH_INTERVAL, max(deadline - now, 0))
                    )
                    if done:
                        kind, payload = reply.future.result()
                        break
        except (EOFError, OSError, BrokenPipeError):
            raise self._worker_died(worker) from None
        except CcaiError:
            raise
        except BaseException:  # cancelled: the worker's state is unknown
            self._replace(worker, "cancelled")
            raise
        finally:
            self._short_busy -= short
            self._running.discard(worker)
            if took_lane:
                self._lane.give_back()
        if worker.restore():
            self._idle.put_nowait(worker)
        else:  # its priority cannot be raised again (no privilege): a fresh one replaces it
            self._replace(worker, "demoted")
        self.stats.served[worker.index] = self.stats.served.get(worker.index, 0) + 1
        if kind == "ok":
            return payload
        if kind == "error":
            raise from_wire(payload)
        raise RuntimeError("query worker reported an internal error")

    def _memory_error(self) -> QueryMemoryLimit:
        return QueryMemoryLimit(
            f"The query needed more than {self.memory_limit >> 20} MiB, the memory limit of "
            "a query on this endpoint, and was stopped. Narrow it down (LIMIT, fewer "
            "variables in ORDER BY / GROUP BY, more specific patterns) or download the dumps "
            "at /download.",
            limit_mb=self.memory_limit >> 20,
        )

    def _worker_died(self, worker: _Worker) -> CcaiError:
        """The error for a worker that ended while running a query."""
        worker.process.join(timeout=5)
        code = worker.process.exitcode
        if code == sandbox.KILLED_BY:
            self._replace(worker, "network")
            log.warning("a query tried to open a network connection; its worker was stopped")
            return ForbiddenQueryFeature(SERVICE_MESSAGE)
        if worker.peak_rss > self.memory_limit * 0.75:
            self._replace(worker, "memory")
            return self._memory_error()
        self._replace(worker, "crash")
        log.error("query worker ended unexpectedly (exit code %s)", code)
        return StoreUnavailable("The query worker stopped unexpectedly; retry.")
