"""``/api/search`` answers from the build's FTS5 index (nothing read into memory at start)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.rest.search_fts import FtsLabelIndex
from api.settings import Settings
from api.web.app import create_app


@pytest.fixture(scope="module")
def client(fixture_build):
    out, _ = fixture_build
    settings = Settings(
        _env_file=None,
        store_path=out,
        store_backend="inprocess",
        public_base_url="http://testserver/",
    )
    with TestClient(create_app(settings)) as client:
        yield client


def test_search_uses_the_build_index(client: TestClient) -> None:
    catalogue = client.app.state.services.catalogue  # type: ignore[attr-defined]
    assert isinstance(catalogue._index, FtsLabelIndex)
    body = client.get("/api/search", params={"q": "DEMO muse"}).json()
    assert body["total"] >= 1
    first = body["hits"][0]
    assert first["iri"].endswith("/id/organisation/demo-museum-network")
    assert first["url"].startswith("http://testserver/")
    org = "https://schema.org/Organization"
    typed = client.get("/api/search", params={"q": "demo", "type": org}).json()
    assert typed["hits"] and all(org in h["types"] for h in typed["hits"])
    assert client.get("/api/search", params={"q": "zzzznothing"}).json()["total"] == 0


def test_the_build_index_serves_a_store_that_holds_the_builds_data(fixture_build) -> None:
    """A remote store loaded from the build (same triples per graph) is searched through
    the build's index; one holding anything else is not."""
    from dataclasses import replace

    from api.build.artefacts import STORE_DIR
    from api.store.layout import read_counts
    from api.web.services import label_index_dir

    out, _ = fixture_build
    counts = read_counts(out / STORE_DIR)
    assert counts is not None
    assert label_index_dir(out, counts) == out
    more = dict(counts.graphs) | {"https://example.org/museum/linkset": 4}
    assert label_index_dir(out, replace(counts, total=counts.total + 4, graphs=more)) is None
    assert label_index_dir(None, counts) is None
