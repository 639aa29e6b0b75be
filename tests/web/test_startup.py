"""Start-up (issue 11): the app answers once its store can; what reads more comes after.

``Services.start`` returns as soon as the store answers; the class list, the
FAIR metadata, the reconciliation index and the page labels are prepared in
the background, and a route that needs one waits for it (up to the query
timeout, then 503 with ``Retry-After``).
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.reconcile.service import ReconcileService
from api.settings import Settings
from api.web.app import create_app


@pytest.fixture
def build(fixture_build, tmp_path: Path) -> Path:
    out, _report = fixture_build
    copy = tmp_path / "build"
    shutil.copytree(out, copy, symlinks=True)
    return copy


def _settings(build: Path, timeout: float) -> Settings:
    return Settings(
        _env_file=None, store_path=build, store_backend="inprocess", query_timeout=timeout
    )


def test_queries_are_answered_while_the_rest_is_prepared(
    build: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = asyncio.Event()
    original = ReconcileService.start.__func__  # type: ignore[attr-defined]

    async def slow_start(cls, *args, **kwargs):  # the reconciliation index takes its time
        await release.wait()
        return await original(cls, *args, **kwargs)

    monkeypatch.setattr(ReconcileService, "start", classmethod(slow_start))
    with TestClient(create_app(_settings(build, timeout=1))) as c:
        assert c.get("/sparql", params={"query": "ASK {}"}).status_code == 200
        assert c.get("/api/search", params={"q": "demo"}).status_code == 200
        assert c.get("/catalog").status_code == 200  # prepared before the slow step
        waiting = c.get("/reconcile")  # waited up to the query timeout
        assert waiting.status_code == 503 and waiting.headers["retry-after"] == "5"
        assert "still being prepared" in waiting.json()["message"]
        c.portal.call(release.set)
        assert c.get("/reconcile").status_code == 200  # waits for the step, then answers


def test_a_failed_step_is_a_503_and_the_rest_is_served(
    build: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def failing(cls, *args, **kwargs):
        raise RuntimeError("the index could not be built")

    monkeypatch.setattr(ReconcileService, "start", classmethod(failing))
    with TestClient(create_app(_settings(build, timeout=5))) as c:
        response = c.get("/reconcile")
        assert response.status_code == 503 and response.headers["retry-after"] == "60"
        assert c.get("/catalog").status_code == 200
        assert c.get("/sparql", params={"query": "ASK {}"}).status_code == 200


def test_the_routes_are_prepared_before_their_first_requests(
    build: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """FastAPI prepares a router's routes on the first request that reaches it (0.24 s
    of the first search at start-up); the lifespan has it done on a thread meanwhile."""
    import fastapi.routing

    context = getattr(fastapi.routing, "_EffectiveRouteContext", None)
    if context is None:
        pytest.skip("this FastAPI prepares its routes when they are added")
    prepared: list[str] = []
    original = context.from_api_route.__func__

    def spy(cls, *args, **kwargs):
        prepared.append(kwargs.get("original_route", args[0] if args else None).path)
        return original(cls, *args, **kwargs)

    monkeypatch.setattr(context, "from_api_route", classmethod(spy))
    app = create_app(_settings(build, timeout=5))
    with TestClient(app) as c:
        c.portal.call(_wait, app.state.routes_prepared)
        assert "/api/search" in prepared and "/sparql" in prepared  # by the lifespan
        before = len(prepared)
        assert c.get("/api/search", params={"q": "museum"}).status_code == 200
        assert c.get("/catalog").status_code == 200
        assert c.get("/sparql", params={"query": "ASK {}"}).status_code == 200
        assert len(prepared) == before  # the requests prepared nothing more


def test_a_failure_to_prepare_the_routes_leaves_them_to_their_requests(
    build: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import api.web.app as web_app

    def broken(app) -> None:
        raise RuntimeError("cannot prepare")

    monkeypatch.setattr(web_app, "prepare_routes", broken)
    with TestClient(create_app(_settings(build, timeout=5))) as c:
        assert c.get("/api/search", params={"q": "museum"}).status_code == 200
    assert "preparing the routes ahead of their first requests failed" in caplog.text


async def _wait(task: asyncio.Task) -> None:
    await task
