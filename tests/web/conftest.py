"""Fixtures for the web tests: a small on-disk store, apps over it, live servers.

The store mirrors the build contract (``build/oxigraph``): named graphs
``…/graph/ontology``, ``…/graph/vocabularies``, one per source, and
``…/graph/inferred``; the default graph is empty. It does not depend on
``ccai build``.
"""

from __future__ import annotations

import gc
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import uvicorn
from fastapi.testclient import TestClient

from api.settings import Settings
from api.store.layout import materialise
from api.web.app import create_app

G = "https://w3id.org/ccai/graph/"
ID = "https://w3id.org/ccai/id/"
CCAI = "https://w3id.org/ccai/ontology#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"

GRAPHS = {
    "ontology": G + "ontology",
    "vocabularies": G + "vocabularies",
    "source-a": G + "source-a",
    "source-b": G + "source-b",
    "inferred": G + "inferred",
}
FILLER = 200  # triples in source-b: a 4-way cartesian product of the store never ends


def _q(s: str, p: str, o: ox.NamedNode | ox.Literal, g: str) -> ox.Quad:
    return ox.Quad(ox.NamedNode(s), ox.NamedNode(p), o, ox.NamedNode(g))


def build_fixture_store(path: Path) -> Path:
    """Write the fixture store at ``path`` and close it; return ``path``."""
    store = ox.Store(str(path))
    quads = [
        _q(
            CCAI + "Organisation",
            RDF_TYPE,
            ox.NamedNode("http://www.w3.org/2002/07/owl#Class"),
            GRAPHS["ontology"],
        ),
        _q(
            "https://w3id.org/ccai/vocab/sectors/music",
            LABEL,
            ox.Literal("Music", language="en"),
            GRAPHS["vocabularies"],
        ),
        _q(
            ID + "organisation/nemo",
            RDF_TYPE,
            ox.NamedNode(CCAI + "Organisation"),
            GRAPHS["source-a"],
        ),
        _q(ID + "organisation/nemo", LABEL, ox.Literal("NEMO"), GRAPHS["source-a"]),
        _q(
            ID + "person/julia-pagel",
            LABEL,
            ox.Literal('Julia "J" Pagel\n<tab>\t}'),
            GRAPHS["source-b"],
        ),
        _q(ID + "organisation/nemo", RDF_TYPE, ox.NamedNode(CCAI + "Agent"), GRAPHS["inferred"]),
    ]
    quads += [
        _q(
            f"{ID}statistic/s{i}",
            CCAI + "value",
            ox.Literal(str(i), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
            GRAPHS["source-b"],
        )
        for i in range(FILLER)
    ]
    store.extend(quads)
    materialise(store)  # as the build does: set-semantics default graph
    store.flush()
    del store
    gc.collect()
    return path


@pytest.fixture(scope="session")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    build = tmp_path_factory.mktemp("build")
    build_fixture_store(build / "oxigraph")
    return build


def make_settings(store_dir: Path, **overrides) -> Settings:
    base = {
        "store_path": store_dir,
        "store_backend": "inprocess",
        "public_base_url": "http://testserver/",
        "query_timeout": 10,
    }
    base.update(overrides)
    return Settings(_env_file=None, **base)


@pytest.fixture(scope="session")
def settings(store_dir: Path) -> Settings:
    return make_settings(store_dir)


@pytest.fixture(scope="session")
def client(settings: Settings) -> Iterator[TestClient]:
    """In-process backend: fast protocol tests (no runaway queries here!)."""
    with TestClient(create_app(settings)) as c:
        yield c


class LiveServer:
    """uvicorn on 127.0.0.1 (random port) in a thread, with the app's real lifespan."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        config = uvicorn.Config(
            create_app(settings), host="127.0.0.1", port=0, log_level="warning", lifespan="on"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.02)
        sock = self.server.servers[0].sockets[0]
        self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)


@pytest.fixture(scope="session")
def live(store_dir: Path) -> Iterator[LiveServer]:
    """The production path: worker-process pool, 2 s deadline."""
    settings = make_settings(
        store_dir,
        store_backend="workers",
        query_timeout=2,
        max_concurrent_queries=2,
        max_queued_queries=4,
    )
    with LiveServer(settings) as server:
        yield server


class Listener:
    """A TCP listener on 127.0.0.1 that records every connection attempt."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.connected = threading.Event()  # set at the first connection
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            self.connected.set()
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    lst = Listener()
    yield lst
    lst.close()
