"""SERVICE is refused, and FROM / FROM NAMED / graph parameters never reach the network.

Each test runs a TCP listener on 127.0.0.1 and asserts that it received no
connection after the request (checked after a short wait). A positive control
shows that the listener does see pyoxigraph's outbound request when a SERVICE
query is run on a raw store, i.e. the refusal is what keeps the server inert.
"""

from __future__ import annotations

import time

import httpx
import pyoxigraph as ox
import pytest

from .conftest import GRAPHS, Listener, LiveServer

pytestmark = pytest.mark.slow

SETTLE = 0.5  # seconds to wait for a (wrong) outbound connection


def _service_queries(port: int) -> list[str]:
    url = f"http://127.0.0.1:{port}/sparql"
    return [
        f"SELECT * {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        f"SELECT * {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}",
        f"SELECT * {{ ?s ?p ?o OPTIONAL {{ SERVICE <{url}> {{ ?s ?q ?r }} }} }}",
        f"SELECT * {{ {{ SELECT ?s {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }}",
        f"ASK {{ FILTER EXISTS {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
        f"ASK {{ FILTER NOT EXISTS {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
        f"SELECT * {{ ?s ?p ?o MINUS {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
        f"SELECT * {{ {{ ?s ?p ?o }} UNION {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
        f"SELECT * {{ GRAPH ?g {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
        f"SELECT * {{ BIND(<{url}> AS ?u) SERVICE ?u {{ ?s ?p ?o }} }}",
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        f"DESCRIBE ?s WHERE {{ service <{url}> {{ ?s ?p ?o }} }}",
        f"PREFIX r: <http://127.0.0.1:{port}/> SELECT * {{ SERVICE r:sparql {{ ?s ?p ?o }} }}",
    ]


def test_positive_control_raw_pyoxigraph_does_connect(listener: Listener) -> None:
    with pytest.raises(OSError):
        list(
            ox.Store().query(
                f"SELECT * {{ SERVICE <http://127.0.0.1:{listener.port}/s> {{ ?s ?p ?o }} }}"
            )
        )
    assert listener.connected.wait(timeout=10), "pyoxigraph never connected"
    assert listener.connections >= 1


def test_service_refused_everywhere_and_inert(live: LiveServer, listener: Listener) -> None:
    for query in _service_queries(listener.port):
        r = httpx.get(f"{live.url}/sparql", params={"query": query}, timeout=10)
        assert r.status_code == 403, (query, r.text)
        assert r.json()["error"] == "service-not-allowed"
        r = httpx.post(
            f"{live.url}/sparql",
            content=query.encode(),
            headers={"Content-Type": "application/sparql-query"},
            timeout=10,
        )
        assert r.status_code == 403, (query, r.text)
    time.sleep(SETTLE)
    assert listener.connections == 0


def test_service_word_in_strings_and_names_is_fine(live: LiveServer) -> None:
    query = (
        "PREFIX ex: <http://example.org/service#> "
        'SELECT * { ?s ex:service "SERVICE <http://127.0.0.1:1/> { }" } # SERVICE'
    )
    r = httpx.get(f"{live.url}/sparql", params={"query": query}, timeout=10)
    assert r.status_code == 200, r.text


def test_remote_graphs_are_never_fetched(live: LiveServer, listener: Listener) -> None:
    remote = f"http://127.0.0.1:{listener.port}/g"
    count = "SELECT (COUNT(*) AS ?n)"
    held = GRAPHS["source-a"]
    cases = [
        {"query": f"{count} FROM <{remote}> WHERE {{ ?s ?p ?o }}"},
        {"query": f"{count} FROM NAMED <{remote}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"},
        {"query": f"{count} FROM <{remote}> FROM <{held}> WHERE {{ ?s ?p ?o }}"},
        {"query": f"{count} WHERE {{ GRAPH <{remote}> {{ ?s ?p ?o }} }}"},
        {"query": f"{count} WHERE {{ ?s ?p ?o }}", "default-graph-uri": remote},
        {"query": f"{count} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}", "named-graph-uri": remote},
    ]
    expected = [0, 0, 2, 0, 0, 0]
    for params, n in zip(cases, expected, strict=True):
        r = httpx.get(f"{live.url}/sparql", params=params, timeout=10)
        assert r.status_code == 200, r.text
        assert int(r.json()["results"]["bindings"][0]["n"]["value"]) == n, params
    time.sleep(SETTLE)
    assert listener.connections == 0


def _bypass_attempts(port: int) -> list[str]:
    url = f"<http://127.0.0.1:{port}/sparql>"
    return [
        f"SELECT ?a WHERE {{ #\r SERVICE {url} {{ ?a ?b ?c }}\n }}",
        f"SELECT ?a WHERE {{ #\r\n SERVICE {url} {{ ?a ?b ?c }} }}",
        f"SELECT ?a WHERE {{ # \\u000D SERVICE {url} {{ ?a ?b ?c }}\n }}",
        f"ASK {{ #\r SERVICE SILENT {url} {{ ?a ?b ?c }}\n }}",
        f"CONSTRUCT {{ ?a ?b ?c }} WHERE {{ #\r SERVICE {url} {{ ?a ?b ?c }}\n }}",
        f"SELECT*{{SERVICESILENT{url}{{?a ?b ?c}}}}",
        f"SELECT*{{?s ?p trueSERVICE{url}{{?a ?b ?c}}}}",
        f"SELECT * FROM {url} {{ #\r SERVICE {url} {{ ?a ?b ?c }}\n }}",
    ]


def test_comment_and_keyword_bypasses_are_refused_and_inert(
    live: LiveServer, listener: Listener
) -> None:
    for query in _bypass_attempts(listener.port):
        for r in (
            httpx.get(f"{live.url}/sparql", params={"query": query}, timeout=10),
            httpx.post(f"{live.url}/sparql", data={"query": query}, timeout=10),
        ):
            assert r.status_code == 403, (query, r.text)
            assert r.json()["error"] == "service-not-allowed"
    for update in (f"#\rLOAD <http://127.0.0.1:{listener.port}/x>", "CLEAR ALL"):
        r = httpx.get(f"{live.url}/sparql", params={"query": update}, timeout=10)
        assert r.status_code == 400 and r.json()["error"] == "update-not-a-query"
    time.sleep(SETTLE)
    assert listener.connections == 0


def test_the_escape_that_broke_the_old_check_is_answered(live: LiveServer) -> None:
    r = httpx.get(f"{live.url}/sparql", params={"query": 'ASK { ?s ?p "\\u00530000" }'})
    assert r.status_code == 200, r.text
