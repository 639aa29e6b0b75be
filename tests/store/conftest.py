"""A tiny on-disk store for the backend tests (independent of ``ccai build``)."""

from __future__ import annotations

import gc
from pathlib import Path

import pyoxigraph as ox
import pytest

from api.store.layout import materialise

G = "https://w3id.org/ccai/graph/"
P = ox.NamedNode("http://example.org/p")


@pytest.fixture(scope="session")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("store") / "oxigraph"
    store = ox.Store(str(path))
    store.extend(
        ox.Quad(
            ox.NamedNode(f"http://example.org/s{i}"),
            P,
            ox.Literal(str(i)),
            ox.NamedNode(G + ("inferred" if i % 10 == 0 else f"source-{i % 3}")),
        )
        for i in range(150)
    )
    # the same triple in two graphs, and awkward literals
    s = ox.NamedNode("http://example.org/dup")
    store.add(ox.Quad(s, P, ox.Literal("x"), ox.NamedNode(G + "source-0")))
    store.add(ox.Quad(s, P, ox.Literal("x"), ox.NamedNode(G + "source-1")))
    store.add(
        ox.Quad(
            ox.BlankNode("b1"),
            P,
            ox.Literal('line\nbreak\ttab "q"', language="en"),
            ox.NamedNode(G + "source-2"),
        )
    )
    materialise(store)  # as the build does: set-semantics default graph
    store.flush()
    del store
    gc.collect()
    return path
