"""The pool under hostile load: memory limit, the sandbox, fair lanes, queue bounds, healing.

Time bounds are relative to the limits each test configures, never absolute
machine speeds.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import time
from pathlib import Path

import pytest

from api.errors import (
    ForbiddenQueryFeature,
    LongQueriesBusy,
    QueryMemoryLimit,
    QueryTimeout,
    TooManyQueries,
)
from api.store import pool as pool_module
from api.store.base import FormatChoice
from api.store.pool import WorkerPoolStore

pytestmark = pytest.mark.slow

F = FormatChoice("application/sparql-results+json", "text/turtle")
# 153^3 ≈ 3.6 million rows sorted: memory grows until the query ends or is stopped
MEMORY_HOG = "SELECT * { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i LIMIT 1"
HEAVY = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


async def _with_pool(path: Path, body, **kwargs) -> None:
    pool = WorkerPoolStore(path, **kwargs)
    await pool.start()
    await pool.wait_ready()  # every worker up: the tests count on them
    try:
        await body(pool)
    finally:
        await pool.close()
    assert all(not w.process.is_alive() for w in pool._all)


def test_memory_limit_stops_the_query_and_the_pool_survives(store_path: Path) -> None:
    async def body(pool: WorkerPoolStore) -> None:
        with pytest.raises(QueryMemoryLimit) as info:
            await pool.query(MEMORY_HOG, formats=F, timeout=60)
        assert "128 MiB" in info.value.message and info.value.details["limit_mb"] == 128
        assert pool.stats.kills.get("memory") == 1
        # the worker was stopped close to the limit (sampled every WATCH_INTERVAL)
        r = await pool.query("ASK { ?s ?p ?o }", formats=F, timeout=10)
        assert r.body.endswith(b"true}")

    asyncio.run(_with_pool(store_path, body, workers=1, memory_limit_mb=128))


def test_peak_memory_of_a_stopped_worker_stays_near_its_limit(store_path: Path) -> None:
    async def body(pool: WorkerPoolStore) -> None:
        (worker,) = [w for w in pool._all if w is not pool._spare]
        with pytest.raises(QueryMemoryLimit):
            await pool.query(MEMORY_HOG, formats=F, timeout=60)
        # overshoot is bounded by one sampling interval of growth (≈ 0.5 GB/s here)
        assert worker.peak_rss < 128 * 2**20 + 100 * 2**20

    asyncio.run(_with_pool(store_path, body, workers=1, memory_limit_mb=128))


def test_a_worker_stopped_by_the_network_filter_is_a_refused_service(store_path: Path) -> None:
    # The seccomp filter ends a worker whose engine opens a network socket with
    # SIGSYS (proven in tests/store/test_sandbox.py); here: that exit status is
    # reported as the safety refusal and the worker is replaced.
    async def body(pool: WorkerPoolStore) -> None:
        heavy = asyncio.create_task(pool.query(HEAVY, formats=F, timeout=10))
        await asyncio.sleep(0.3)
        (busy,) = pool._all
        os.kill(busy.process.pid, signal.SIGSYS)
        with pytest.raises(ForbiddenQueryFeature):
            await heavy
        assert pool.stats.kills == {"network": 1}
        r = await pool.query("ASK {}", formats=F, timeout=10)
        assert r.body.endswith(b"true}")

    asyncio.run(_with_pool(store_path, body, workers=1, spare=False))


def test_queue_wait_is_not_charged_to_the_execution_deadline(store_path: Path) -> None:
    async def body(pool: WorkerPoolStore) -> None:
        heavy = asyncio.create_task(pool.query(HEAVY, formats=F, timeout=1.0))
        await asyncio.sleep(0.1)
        # waits ~1 s for the heavy query to be stopped and the worker replaced,
        # yet its own 0.5 s budget only starts when it runs
        cheap = await pool.query("ASK { ?s ?p ?o }", formats=F, timeout=0.5)
        assert cheap.body.endswith(b"true}")
        with pytest.raises(QueryTimeout):
            await heavy

    asyncio.run(_with_pool(store_path, body, workers=1, long_query_seconds=30))


def test_queue_wait_has_its_own_bound(store_path: Path) -> None:
    async def body(pool: WorkerPoolStore) -> None:
        heavy = asyncio.create_task(pool.query(HEAVY, formats=F, timeout=5))
        await asyncio.sleep(0.1)
        start = time.monotonic()
        with pytest.raises(TooManyQueries) as info:
            await pool.query("ASK {}", formats=F, timeout=5)
        assert 0.4 <= time.monotonic() - start < 2.0
        assert info.value.retry_after >= 1
        heavy.cancel()
        with pytest.raises(asyncio.CancelledError):
            await heavy

    asyncio.run(_with_pool(store_path, body, workers=1, queue_timeout=0.5, long_query_seconds=30))


def test_heavy_queries_cannot_starve_cheap_ones(store_path: Path) -> None:
    async def body(pool: WorkerPoolStore) -> None:
        first = asyncio.create_task(pool.query(HEAVY, formats=F, timeout=8))
        await asyncio.sleep(0.05)
        second = asyncio.create_task(pool.query(HEAVY + " LIMIT 1", formats=F, timeout=8))
        # the second heavy query runs long while the one long-lane place is taken
        with pytest.raises(LongQueriesBusy) as info:
            await second
        assert info.value.retry_after >= 1
        # meanwhile cheap queries are answered by the reserved worker (once it is
        # back from the stop of the second heavy query), quickly
        r = await pool.query("ASK { ?s ?p ?o }", formats=F, timeout=5)
        for _ in range(5):
            start = time.monotonic()
            r = await pool.query("ASK { ?s ?p ?o }", formats=F, timeout=5)
            assert r.body.endswith(b"true}")
            assert time.monotonic() - start < 0.5
        # sent again, the known-long query waits for a long-lane place (here: in vain)
        with pytest.raises(TooManyQueries):
            await pool.query(HEAVY + " LIMIT 1", formats=F, timeout=8)
        first.cancel()
        with pytest.raises(asyncio.CancelledError):
            await first
        health = pool.health()
        assert health["kills"]["by_reason"]["long-lane-full"] == 1

    asyncio.run(
        _with_pool(
            store_path,
            body,
            workers=2,
            reserved=1,
            long_query_seconds=0.3,
            queue_timeout=3.0,
        )
    )


def test_failed_respawns_are_retried_and_health_tells(
    store_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pool_module, "RESPAWN_BACKOFF", (0.1, 0.2))
    monkeypatch.setattr(pool_module, "MONITOR_INTERVAL", 0.1)
    copy = tmp_path / "store"
    shutil.copytree(store_path, copy)

    async def body(pool: WorkerPoolStore) -> None:
        assert pool.health()["status"] == "ok"
        copy.rename(tmp_path / "away")  # the replacement cannot open the store
        (worker,) = pool._all
        os.kill(worker.process.pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while pool.stats.respawn_failures < 2 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        health = pool.health()
        assert health["status"] == "unavailable" and health["workers"]["live"] == 0
        assert health["respawn_failures"] >= 2
        (tmp_path / "away").rename(copy)
        while pool.health()["status"] != "ok" and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert pool.health()["status"] == "ok"
        r = await pool.query("ASK {}", formats=F, timeout=5)
        assert r.body.endswith(b"true}")

    asyncio.run(_with_pool(copy, body, workers=1, spare=False))


def test_a_long_query_runs_at_lower_cpu_priority(store_path: Path) -> None:
    async def body(pool: WorkerPoolStore) -> None:
        heavy = asyncio.create_task(pool.query(HEAVY, formats=F, timeout=30))
        deadline = time.monotonic() + 10
        busy = None
        while time.monotonic() < deadline:  # until the query has entered the long lane
            busy = next((w for w in pool._all if w.demoted), None)
            if busy is not None:
                break
            await asyncio.sleep(0.05)
        assert busy is not None
        # relative to this process's own priority (the suite may run under `nice`)
        assert os.getpriority(os.PRIO_PROCESS, busy.process.pid) == pool_module.demoted_priority()
        # the cheap query's worker keeps its normal priority
        await pool.query("ASK {}", formats=F, timeout=5)
        others = [w for w in pool._all if w is not busy]
        normal = pool_module.normal_priority()
        assert all(os.getpriority(os.PRIO_PROCESS, w.process.pid) == normal for w in others)
        heavy.cancel()
        with pytest.raises(asyncio.CancelledError):
            await heavy

    asyncio.run(_with_pool(store_path, body, workers=3, long_query_seconds=0.3))


def test_default_lanes_leave_a_core_to_cheap_queries() -> None:
    assert pool_module.default_reserved(3) == 2  # 2 cores: one long-lane place
    assert pool_module.default_reserved(9) == 2  # 8 cores: seven
    assert pool_module.default_reserved(1) == 0


def test_a_warm_spare_replaces_a_stopped_worker_at_once(store_path: Path) -> None:
    async def body(pool: WorkerPoolStore) -> None:
        deadline = time.monotonic() + 20
        while not pool.health()["workers"]["spare_ready"] and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert pool.health()["workers"]["spare_ready"]
        with pytest.raises(QueryTimeout):
            await pool.query(HEAVY, formats=F, timeout=0.5)
        # no process start between the stop and the next answer
        start = time.monotonic()
        r = await pool.query("ASK { ?s ?p ?o }", formats=F, timeout=5)
        assert r.body.endswith(b"true}")
        assert time.monotonic() - start < 0.25
        assert pool.health()["workers"]["live"] == 1

    asyncio.run(_with_pool(store_path, body, workers=1, long_query_seconds=30))


def test_a_long_query_never_takes_the_reserve(store_path: Path) -> None:
    # workers=2, reserved=1: a known-long query waits while only the reserve is idle
    async def body(pool: WorkerPoolStore) -> None:
        first = asyncio.create_task(pool.query(HEAVY, formats=F, timeout=3))
        with pytest.raises(QueryTimeout):
            await first  # ran long: remembered, and stopped at its deadline
        while pool.health()["workers"]["idle"] < 2:
            await asyncio.sleep(0.05)
        blocker = asyncio.create_task(pool.query("ASK {}", formats=F, timeout=5))
        await blocker
        # hold one worker with a short-lived unknown query, then send the long one
        slow = asyncio.create_task(
            pool.query("SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f }", formats=F, timeout=5)
        )
        await asyncio.sleep(0.02)
        again = asyncio.create_task(pool.query(HEAVY, formats=F, timeout=3))
        await asyncio.sleep(0.2)
        # the long query has not taken the last idle worker: cheap ones still get it
        r = await pool.query("ASK { ?s ?p ?o }", formats=F, timeout=5)
        assert r.body.endswith(b"true}")
        await slow
        with pytest.raises(QueryTimeout):
            await again

    asyncio.run(
        _with_pool(store_path, body, workers=2, reserved=1, long_query_seconds=0.3, spare=False)
    )


def test_identical_queries_at_once_run_once(store_path: Path) -> None:
    async def body(pool: WorkerPoolStore) -> None:
        heavy = [asyncio.create_task(pool.query(HEAVY, formats=F, timeout=1.0)) for _ in range(6)]
        await asyncio.sleep(0.2)
        # one worker runs the heavy query; the other answers cheap queries at once
        start = time.monotonic()
        r = await pool.query("ASK { ?s ?p ?o }", formats=F, timeout=5)
        assert r.body.endswith(b"true}") and time.monotonic() - start < 0.5
        outcomes = await asyncio.gather(*heavy, return_exceptions=True)
        assert all(isinstance(o, QueryTimeout) for o in outcomes)
        assert pool.stats.coalesced == 5
        assert pool.stats.kills == {"timeout": 1}
        # different formats are different answers: not shared
        a = pool.query("SELECT * { ?s ?p ?o } LIMIT 1", formats=F, timeout=5)
        b = pool.query(
            "SELECT * { ?s ?p ?o } LIMIT 1",
            formats=FormatChoice("text/csv", None),
            timeout=5,
        )
        ra, rb = await asyncio.gather(a, b)
        assert ra.media_type != rb.media_type and pool.stats.coalesced == 5

    asyncio.run(_with_pool(store_path, body, workers=2, long_query_seconds=30, spare=False))
