"""Apps that mount the FAIR router over a real (fixture) build.

``fixture_build`` (tests/conftest.py) is shared by the session and must not be
changed; tests that tamper with files use :func:`build_copy`, a private copy.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.settings import Settings
from api.web.app import create_app

PUBLIC = "http://testserver/"


def make_app(build_dir: Path) -> FastAPI:
    settings = Settings(
        _env_file=None,
        store_path=build_dir,
        store_backend="inprocess",
        public_base_url=PUBLIC,
        query_timeout=10,
    )
    return create_app(settings)


@pytest.fixture(scope="session")
def build_dir(fixture_build) -> Path:
    out, _report = fixture_build
    return Path(out)


@pytest.fixture(scope="session")
def client(build_dir: Path) -> Iterator[TestClient]:
    with TestClient(make_app(build_dir)) as c:
        yield c


@pytest.fixture
def build_copy(build_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the fixture build, safe to tamper with."""
    copy = tmp_path / "build"
    shutil.copytree(build_dir, copy, symlinks=True)
    return copy
