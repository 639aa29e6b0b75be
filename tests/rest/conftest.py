"""An app over the project's real graph with the REST router included.

The store is a pyoxigraph store in memory holding the project's files in the
named graphs of the build contract (``…/graph/ontology``,
``…/graph/vocabularies``, ``…/graph/<slug>`` per ``graph/*.ttl``; no inferred
graph), wrapped so that tests can see the exact SPARQL each request ran.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.queries import NamedQuery
from api.resources import graph_dir, ontology_dir, vocabularies_dir
from api.settings import Settings
from api.store.layout import materialise
from api.store.oxigraph import OxigraphStore
from api.web.app import create_app
from api.web.routers.rest import build_router

G = "https://w3id.org/ccai/graph/"
ID = "https://w3id.org/ccai/id/"
CCAI = "https://w3id.org/ccai/ontology#"
PUBLIC = "http://testserver/"


def project_store() -> ox.Store:
    store = ox.Store()
    ttl = ox.RdfFormat.TURTLE
    store.load(
        path=str(ontology_dir() / "ccai.ttl"), format=ttl, to_graph=ox.NamedNode(G + "ontology")
    )
    for path in sorted(vocabularies_dir().glob("*.ttl")):
        store.load(path=str(path), format=ttl, to_graph=ox.NamedNode(G + "vocabularies"))
    for path in sorted(graph_dir().glob("*.ttl")):
        store.load(path=str(path), format=ttl, to_graph=ox.NamedNode(G + path.stem))
    materialise(store)  # as the build does
    return store


class RecordingStore(OxigraphStore):
    """The in-process store, remembering every query text it was given."""

    def __init__(self, store: ox.Store) -> None:
        super().__init__(store)
        self.queries: list[str] = []

    async def query(self, sparql: str, **kwargs):  # type: ignore[override]
        self.queries.append(sparql)
        return await super().query(sparql, **kwargs)


def make_app(
    store: RecordingStore, tmp: Path, queries: dict[str, NamedQuery] | None = None
) -> FastAPI:
    settings = Settings(
        _env_file=None,
        store_path=tmp,
        store_backend="inprocess",
        public_base_url=PUBLIC,
        query_timeout=10,
    )
    app = create_app(settings, store=store)
    app.include_router(build_router(queries))
    return app


@pytest.fixture(scope="session")
def raw_store() -> ox.Store:
    return project_store()


@pytest.fixture(scope="session")
def store(raw_store: ox.Store) -> RecordingStore:
    return RecordingStore(raw_store)


@pytest.fixture(scope="session")
def app(store: RecordingStore, tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    return make_app(store, tmp_path_factory.mktemp("rest"))


@pytest.fixture(scope="session")
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c
