"""Shapes and ontology parsed once for the shapes tests; the fixtures of
test_shapes_fixtures.py validated in worker processes."""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

import pytest
from rdflib import Graph

from api.resources import shapes_dir
from api.validation import load_ontology, load_shapes


@pytest.fixture(scope="session")
def shapes_graph() -> Graph:
    return load_shapes()


@pytest.fixture(scope="session")
def ontology_graph() -> Graph:
    return load_ontology()


@pytest.fixture(scope="session")
def shapes_by_scope(shapes_graph) -> dict[str, Graph]:
    """``all`` shapes, and the ``data`` shapes (without vocabularies.ttl and ontology.ttl)."""
    data = Graph()
    for path in sorted(shapes_dir().glob("*.ttl")):
        if path.name not in {"vocabularies.ttl", "ontology.ttl"}:
            data.parse(path, format="turtle")
    return {"all": shapes_graph, "data": data}


# --- the fixtures of test_shapes_fixtures.py, validated in worker processes -------------
# pySHACL's SPARQL-based targets are pure Python: some 150 validations take a minute and
# a half of CPU. They are submitted to two worker processes as soon as collection ends,
# at a lower CPU priority, so that they run on the second core while the tests before
# them run on the first (and after the project's build, see tests/conftest.py); each
# test then waits for its own result.

_VALIDATIONS = pytest.StashKey[tuple[ProcessPoolExecutor, dict[Path, Future]]]()


def pytest_collection_finish(session: pytest.Session) -> None:
    selected = [
        item
        for item in session.items
        if "outcomes" in getattr(item, "fixturenames", ()) and hasattr(item, "callspec")
    ]
    if not selected or session.config.option.collectonly:
        return
    pool = ProcessPoolExecutor(
        max_workers=max(1, min(2, os.cpu_count() or 1)),
        mp_context=multiprocessing.get_context("spawn"),  # a fresh interpreter, untraced
        initializer=os.nice,
        initargs=(15,),  # after this process's tests and the project's build
    )
    futures = {
        item.callspec.params["fixture"]: pool.submit(
            item.module.validate_fixture, str(item.callspec.params["fixture"])
        )
        for item in selected
    }
    session.config.stash[_VALIDATIONS] = (pool, futures)


def pytest_sessionfinish(session: pytest.Session) -> None:
    started = session.config.stash.get(_VALIDATIONS, None)
    if started is not None:
        started[0].shutdown(cancel_futures=True)


@pytest.fixture(scope="session")
def outcomes(request: pytest.FixtureRequest) -> dict[Path, Future]:
    """``{fixture path: future of validate_fixture(path)}`` for the selected fixtures."""
    return request.config.stash[_VALIDATIONS][1]
