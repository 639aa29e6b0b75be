"""The SPARQL result cache: repeated requests from memory, ETags and 304, bounds."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.sparql.cache import CacheKey, ResultCache, etag_of, key_bytes
from api.store.base import FormatChoice, QueryResult
from api.web.app import create_app

from .conftest import ID, make_settings

JSON = "application/sparql-results+json"
F = FormatChoice(JSON, "text/turtle")
NEMO = f"SELECT ?label WHERE {{ <{ID}organisation/nemo> ?p ?label }}"


def _key(query: str, **kw) -> CacheKey:
    return CacheKey(query, kw.get("dg", ()), kw.get("ng", ()), kw.get("inferred", True), F)


def _result(size: int) -> QueryResult:
    return QueryResult(b"x" * size, JSON, "SELECT", 1)


# --- the cache itself ----------------------------------------------------------------------


def test_lru_eviction_is_bounded_by_bytes() -> None:
    k = key_bytes(_key("a"))  # the key counts too
    cache = ResultCache(max_bytes=2 * (40 + k) + 20, max_entry_bytes=50 + k)
    for name in "abc":
        cache.put(_key(name), _result(40))
    assert cache.stats()["bytes"] == 2 * (40 + k) and cache.get(_key("a")) is None  # a evicted
    assert cache.get(_key("b")) is not None  # b is now the most recent
    cache.put(_key("d"), _result(40))
    assert cache.get(_key("c")) is None and cache.get(_key("b")) is not None
    assert cache.stats()["entries"] == 2


def test_keys_count_in_the_budget() -> None:
    # 100 requests naming 1 MB of graph IRIs each: not 100 MB held behind a tiny count
    cache = ResultCache(max_bytes=4 * 2**20, max_entry_bytes=2**20)
    graphs = tuple(f"http://example.org/graph/{i:06d}" for i in range(30_000))  # ~1 MB
    for i in range(100):
        cache.put(_key(f"ASK {{ }} # {i}", ng=graphs[: 10_000 + i]), _result(10))
    stats = cache.stats()
    assert stats["bytes"] <= 4 * 2**20
    assert stats["bytes"] >= stats["entries"] * 300_000
    # a key alone over the entry limit is not stored at all
    cache.put(_key("huge", ng=graphs), _result(10))
    assert cache.get(_key("huge", ng=graphs)) is None


def test_large_results_are_neither_stored_nor_hashed() -> None:
    cache = ResultCache(max_bytes=100, max_entry_bytes=50)
    entry = cache.put(_key("big"), _result(51))
    assert entry.etag is None and cache.get(_key("big")) is None
    assert cache.stats()["entries"] == 0


def test_replacing_an_entry_keeps_the_byte_count_right() -> None:
    cache = ResultCache(max_bytes=1000, max_entry_bytes=500)
    cache.put(_key("a"), _result(30))
    cache.put(_key("a"), _result(10))
    assert cache.stats()["bytes"] == 10 + key_bytes(_key("a"))


def test_a_disabled_cache_stores_nothing_but_still_gives_etags() -> None:
    cache = ResultCache(max_bytes=0, max_entry_bytes=50)
    entry = cache.put(_key("a"), _result(10))
    assert not cache.enabled and entry.etag == etag_of(b"x" * 10)
    assert cache.get(_key("a")) is None


def test_keys_separate_datasets() -> None:
    assert _key("q") != _key("q", inferred=False)
    assert _key("q") != _key("q", dg=("http://e/g",))
    assert _key("q") != _key("q", ng=("http://e/g",))


# --- over HTTP -----------------------------------------------------------------------------


@pytest.fixture
def fresh(store_dir) -> TestClient:
    with TestClient(create_app(make_settings(store_dir))) as c:
        yield c


def test_second_request_is_a_hit_with_the_same_bytes_and_etag(fresh: TestClient) -> None:
    first = fresh.get("/sparql", params={"query": NEMO}, headers={"Accept": JSON})
    second = fresh.get("/sparql", params={"query": NEMO}, headers={"Accept": JSON})
    assert first.status_code == second.status_code == 200
    assert first.headers["Cache-Status"] == "ccai-kg; fwd=miss; stored"
    assert second.headers["Cache-Status"] == "ccai-kg; hit"
    assert first.content == second.content
    assert first.headers["ETag"] == second.headers["ETag"] == etag_of(first.content)
    stats = fresh.get("/health").json()["result_cache"]
    assert stats["hits"] == 1 and stats["misses"] == 1 and stats["entries"] == 1


def test_if_none_match_gets_304_without_a_body(fresh: TestClient) -> None:
    first = fresh.get("/sparql", params={"query": NEMO}, headers={"Accept": JSON})
    etag = first.headers["ETag"]
    r = fresh.get(
        "/sparql", params={"query": NEMO}, headers={"Accept": JSON, "If-None-Match": f'"x", {etag}'}
    )
    assert r.status_code == 304 and r.content == b""
    assert r.headers["ETag"] == etag and "Accept" in r.headers["Vary"]
    other = fresh.get(
        "/sparql", params={"query": NEMO}, headers={"Accept": JSON, "If-None-Match": '"stale"'}
    )
    assert other.status_code == 200 and other.content == first.content


def test_post_is_cached_but_never_answered_304(fresh: TestClient) -> None:
    headers = {"Content-Type": "application/sparql-query", "Accept": JSON}
    first = fresh.post("/sparql", content=NEMO, headers=headers)
    again = fresh.post(
        "/sparql", content=NEMO, headers={**headers, "If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 200 and again.headers["Cache-Status"] == "ccai-kg; hit"


def test_format_dataset_and_inference_are_separate_entries(fresh: TestClient) -> None:
    variants = [
        {"query": NEMO},
        {"query": NEMO, "format": "csv"},
        {"query": NEMO, "inference": "false"},
        {"query": NEMO, "default-graph-uri": "https://w3id.org/ccai/graph/source-a"},
    ]
    bodies = set()
    for params in variants:
        r = fresh.get("/sparql", params=params, headers={"Accept": JSON})
        assert r.status_code == 200 and "fwd=miss" in r.headers["Cache-Status"]
        bodies.add(r.content)
    assert len(bodies) >= 3
    # an equivalent Accept header negotiates the same media type: same entry
    r = fresh.get("/sparql", params={"query": NEMO}, headers={"Accept": f"{JSON};q=0.9"})
    assert r.headers["Cache-Status"] == "ccai-kg; hit"


def test_errors_are_not_cached(fresh: TestClient) -> None:
    for _ in range(2):
        r = fresh.get("/sparql", params={"query": "SELECT WHERE {"})
        assert r.status_code == 400 and "Cache-Status" not in r.headers
    assert fresh.get("/health").json()["result_cache"]["entries"] == 0


def test_the_cache_can_be_turned_off(store_dir) -> None:
    with TestClient(create_app(make_settings(store_dir, result_cache_bytes=0))) as c:
        for _ in range(2):
            r = c.get("/sparql", params={"query": NEMO}, headers={"Accept": JSON})
            assert r.headers["Cache-Status"] == "ccai-kg; fwd=miss" and "ETag" in r.headers


@pytest.mark.parametrize(
    "query",
    [
        "SELECT (NOW() AS ?t) {}",
        "SELECT (RAND() AS ?r) {}",
        "SELECT (UUID() AS ?u) {}",
        "SELECT (struuid() AS ?u) {}",
        "SELECT (BNODE() AS ?b) {}",
        "CONSTRUCT { _:b <http://e/p> 1 } WHERE {}",
        "CONSTRUCT { [] <http://e/p> 1 } WHERE {}",
    ],
)
def test_non_deterministic_results_are_neither_cached_nor_tagged(
    fresh: TestClient, query: str
) -> None:
    for _ in range(2):
        r = fresh.get("/sparql", params={"query": query})
        assert r.status_code == 200, r.text
        assert "ETag" not in r.headers
        assert r.headers["Cache-Status"] == "ccai-kg; fwd=bypass; detail=non-deterministic"
    assert fresh.get("/health").json()["result_cache"]["entries"] == 0


def test_relative_iris_resolve_against_the_service_base(fresh: TestClient) -> None:
    # W3C protocol test (and Virtuoso's federation probe): relative IRIs are not an error
    r = fresh.get(
        "/sparql",
        params={"query": "CONSTRUCT { <s> <p> 1 } WHERE {}"},
        headers={"Accept": "application/n-triples"},
    )
    assert r.status_code == 200, r.text
    assert r.text.startswith("<http://testserver/s> <http://testserver/p> ")
    r = fresh.get(
        "/sparql",
        params={"query": "SELECT ?o WHERE { ?s <no-such-p-1234> ?o }"},
        headers={"Accept": JSON},
    )
    assert r.status_code == 200 and r.json()["results"]["bindings"] == []
