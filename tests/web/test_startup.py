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
