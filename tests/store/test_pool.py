"""The worker-process pool: deadlines, kill + respawn, admission, crash recovery."""

from __future__ import annotations

import asyncio
import os
import signal
import struct
import time
from pathlib import Path

import pytest

from api.errors import (
    ForbiddenQueryFeature,
    QuerySyntaxError,
    QueryTimeout,
    StoreUnavailable,
    TooManyQueries,
)
from api.store.base import FormatChoice
from api.store.pool import WorkerPoolStore, _MessageReader

pytestmark = pytest.mark.slow

F = FormatChoice("application/sparql-results+json", "text/turtle")
HEAVY = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


async def _until(condition, timeout: float, what: str) -> None:
    """Poll ``condition()`` on the loop until it holds; fail after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, f"{what}: not within {timeout:g} s"
        await asyncio.sleep(0.01)


def _running(pool: WorkerPoolStore, n: int = 1) -> bool:
    """``n`` queries hold a worker (sent to it), none waits for one."""
    queue = pool.health()["queue"]
    return queue["in_flight"] == n and queue["waiting"] == 0


async def _with_pool(path: Path, body, **kwargs) -> None:
    pool = WorkerPoolStore(path, **kwargs)
    await pool.start()
    await pool.wait_ready()  # every worker up: the tests count on them
    try:
        await body(pool)
    finally:
        await pool.close()
    assert all(not w.process.is_alive() for w in pool._all)


def test_pool_end_to_end(store_path: Path) -> None:
    async def body(pool: WorkerPoolStore) -> None:
        assert pool.triple_count() == 152 and len(pool.named_graphs()) == 4
        r = await pool.query("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", formats=F, timeout=5)
        assert b'"value":"152"' in r.body and r.media_type == F.results
        r = await pool.query("CONSTRUCT WHERE { ?s ?p ?o } LIMIT 3", formats=F, timeout=5)
        assert r.media_type == "text/turtle" and r.rows == 3
        # typed errors cross the process boundary intact
        with pytest.raises(QuerySyntaxError) as info:
            await pool.query("SELECT * {\n ?s ?p }", formats=F, timeout=5)
        assert info.value.position["line"] == 2
        with pytest.raises(ForbiddenQueryFeature):
            await pool.query("ASK { SERVICE <http://127.0.0.1:1/> { } }", formats=F, timeout=5)
        # nesting up to the limit (api.sparql.safety.MAX_NESTING) runs
        nested = "ASK { FILTER(" + "(" * 200 + "true" + ")" * 200 + ") }"
        r = await pool.query(nested, formats=F, timeout=10)
        assert r.body.endswith(b"true}")

    asyncio.run(_with_pool(store_path, body, workers=2))


def test_deadline_kills_and_respawns(store_path: Path) -> None:
    timeout = 1.0

    async def body(pool: WorkerPoolStore) -> None:
        start = time.monotonic()
        with pytest.raises(QueryTimeout):
            await pool.query(HEAVY, formats=F, timeout=timeout)
        assert time.monotonic() - start < timeout * 1.5
        assert pool.stats.killed == 1 and pool.stats.last_kill_seconds < 0.5
        # the replacement comes up in the background
        r = await pool.query("ASK { ?s ?p ?o }", formats=F, timeout=10)
        assert r.body.endswith(b"true}")
        await _until(
            lambda: pool.stats.last_respawn_seconds is not None,
            pool.start_timeout,
            "the replacement worker started",
        )
        assert pool.stats.last_respawn_seconds < 5
        assert pool._idle.qsize() == 2

    asyncio.run(_with_pool(store_path, body, workers=2))


def test_admission_and_queue(store_path: Path) -> None:
    async def body(pool: WorkerPoolStore) -> None:
        heavy = asyncio.create_task(pool.query(HEAVY, formats=F, timeout=1.5))
        await _until(lambda: _running(pool), 1.5, "the heavy query holds the worker")
        queued = asyncio.create_task(pool.query("ASK {} # queued", formats=F, timeout=5))
        await _until(lambda: pool.health()["queue"]["waiting"] == 1, 1.5, "the second query waits")
        assert not heavy.done()
        with pytest.raises(TooManyQueries) as info:
            await pool.query("ASK {} # one too many", formats=F, timeout=5)
        assert info.value.retry_after >= 1
        with pytest.raises(QueryTimeout):
            await heavy
        # the queued query runs once the respawned worker is ready
        assert (await queued).body.endswith(b"true}")

    asyncio.run(_with_pool(store_path, body, workers=1, max_queued=1))


def test_crashed_idle_worker_is_replaced_before_a_query_gets_it(store_path: Path) -> None:
    async def body(pool: WorkerPoolStore) -> None:
        worker = await pool._idle.get()
        os.kill(worker.process.pid, signal.SIGKILL)
        worker.process.join(5)
        pool._idle.put_nowait(worker)
        # the dead worker is noticed when taken, replaced, and the query waits for it
        r = await pool.query("ASK {}", formats=F, timeout=10)
        assert r.body.endswith(b"true}")
        assert pool.stats.kills == {"crash": 1}

    asyncio.run(_with_pool(store_path, body, workers=1))


def test_worker_that_dies_mid_query_is_reported_and_replaced(store_path: Path) -> None:
    async def body(pool: WorkerPoolStore) -> None:
        heavy = asyncio.create_task(pool.query(HEAVY, formats=F, timeout=10))
        await _until(lambda: _running(pool), 10, "the heavy query holds the worker")
        (busy,) = pool._all
        os.kill(busy.process.pid, signal.SIGKILL)
        with pytest.raises(StoreUnavailable):
            await heavy
        r = await pool.query("ASK {}", formats=F, timeout=10)
        assert r.body.endswith(b"true}")

    asyncio.run(_with_pool(store_path, body, workers=1, spare=False))


def test_missing_store_fails_to_start(tmp_path: Path) -> None:
    async def main() -> None:
        pool = WorkerPoolStore(tmp_path / "nothing", workers=1)
        with pytest.raises(StoreUnavailable, match="cannot open the store"):
            await pool.start()
        await pool.close()

    asyncio.run(main())


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
def test_large_results_arrive_whole(store_path: Path, loop: str) -> None:
    """Results larger than the pipe buffer (64 KiB) arrive in many reads; on both
    loops (uvicorn runs uvloop) they are reassembled, and the pipe is blocking
    again afterwards (``Connection.send`` needs that)."""
    import uvloop

    big = "SELECT ?s ?p ?o ?x WHERE { ?s ?p ?o . ?a ?b ?x }"  # 152 x 152 rows, > 1 MB

    async def body(pool: WorkerPoolStore) -> None:
        for _ in range(3):
            r = await pool.query(big, formats=F, timeout=30)
            assert len(r.body) > 256 * 1024 and r.rows == 152 * 152
        for worker in pool._all:
            assert os.get_blocking(worker.conn.fileno())

    factory = uvloop.new_event_loop if loop == "uvloop" else asyncio.new_event_loop
    with asyncio.Runner(loop_factory=factory) as runner:
        runner.run(_with_pool(store_path, body, workers=1, spare=False))


def _framed(payload: bytes, *, wide: bool = False) -> bytes:
    if wide:  # how Connection.send frames messages over 2 GiB
        return struct.pack("!i", -1) + struct.pack("!Q", len(payload)) + payload
    return struct.pack("!i", len(payload)) + payload


@pytest.mark.parametrize("wide", [False, True])
def test_message_reader_reassembles_byte_by_byte(wide: bool) -> None:
    message = _framed(b"0123456789" * 7, wide=wide)
    reader = _MessageReader()
    for i in range(len(message) - 1):
        assert reader.feed(message[i : i + 1]) is None
    assert reader.feed(message[-1:]) == b"0123456789" * 7


def test_message_reader_reads_what_connection_send_writes() -> None:
    import multiprocessing

    a, b = multiprocessing.Pipe()
    a.send_bytes(b"x" * 100_000)
    raw = b""
    while len(raw) < 100_004:
        raw += os.read(b.fileno(), 65536)
    assert _MessageReader().feed(raw) == b"x" * 100_000


def test_message_reader_refuses_trailing_bytes() -> None:
    with pytest.raises(OSError, match="more than one message"):
        _MessageReader().feed(_framed(b"ab") + b"junk")


def test_sequential_queries_reuse_the_warm_worker(store_path: Path) -> None:
    """Idle workers are a LIFO stack: one client's queries stay on one (warm) worker;
    concurrent queries still spread over all workers."""

    async def body(pool: WorkerPoolStore) -> None:
        for _ in range(10):
            await pool.query("ASK { ?s ?p ?o }", formats=F, timeout=10)
        assert sorted(pool.stats.served.values()) == [10]
        slow = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f }"
        # two different texts (identical ones would be answered by one run)
        await asyncio.gather(
            *(pool.query(f"{slow} # {i}", formats=F, timeout=30) for i in range(2))
        )
        assert len(pool.stats.served) == 2 and sum(pool.stats.served.values()) == 12

    asyncio.run(_with_pool(store_path, body, workers=2))


def test_the_pool_answers_once_one_worker_is_ready(store_path: Path) -> None:
    """start() returns after one worker: the others start in the background, and
    /health reports them as starting until they are up."""

    async def main() -> None:
        pool = WorkerPoolStore(store_path, workers=3, spare=True)
        await pool.start()
        try:
            health = pool.health()
            assert health["workers"]["live"] >= 1
            if health["workers"]["live"] < 3:  # the others are still starting
                assert health["status"] == "degraded" and health["workers"]["starting"] >= 1
            r = await pool.query("ASK { ?s ?p ?o }", formats=F, timeout=10)
            assert r.body.endswith(b"true}") and pool.triple_count() == 152
            await pool.wait_ready()
            health = pool.health()
            assert health["status"] == "ok" and health["workers"]["live"] == 3
            assert health["workers"]["starting"] == 0 and health["workers"]["spare_ready"]
            assert pool.stats.respawn_seconds == []  # starting is not respawning
        finally:
            await pool.close()
        assert all(not w.process.is_alive() for w in pool._all)

    asyncio.run(main())
