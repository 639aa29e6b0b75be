"""The benchmark's load client (bench/client.py) and its query classes, against a live server.

The benchmark itself runs on demand (``make bench``); these tests keep the code
it relies on working: the client counts what it sends, separates errors from
successes, and reports a timed-out request instead of hanging.
"""

from __future__ import annotations

import json

import pytest

from bench import client
from bench.run import LOOKUP, Query, classify

pytestmark = pytest.mark.slow

ASK = ("ask", "ASK { ?s ?p ?o }", client.JSON_RESULTS)
SELECT = ("select", "SELECT ?s WHERE { ?s ?p ?o } LIMIT 3", client.JSON_RESULTS)
BROKEN = ("broken", "SELECT WHERE {", client.JSON_RESULTS)
RUNAWAY = (
    "runaway",
    "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }",
    client.JSON_RESULTS,
)


def test_round_robin_counts_every_request(live) -> None:
    result = client.run_class(f"{live.url}/sparql", [ASK, SELECT], 2, 40, 30, 10)
    assert (result.requests, result.ok) == (40, 40)
    assert {k: len(v) for k, v in result.latencies.items()} == {"ask": 20, "select": 20}
    assert result.wall > 0 and not result.errors and not result.timed_out


def test_http_errors_are_recorded_not_counted_as_ok(live) -> None:
    result = client.run_class(f"{live.url}/sparql", [ASK, BROKEN], 1, 6, 30, 10)
    assert (result.requests, result.ok) == (6, 3)
    assert result.errors == {"broken": ["HTTP 400"] * 3}


def test_a_timeout_ends_the_thread_and_is_reported(live) -> None:
    result = client.run_class(f"{live.url}/sparql", [RUNAWAY], 1, 5, 30, 0.3)
    assert result.requests == 1 and result.ok == 0
    assert result.timed_out == ["runaway"] and result.errors == {"runaway": ["timeout"]}


def test_get_once_returns_the_body(live) -> None:
    reply = client.get_once(f"{live.url}/sparql", ASK[1], ASK[2], 10)
    assert reply.status == 200 and json.loads(reply.body) == {"head": {}, "boolean": True}


def test_classes_are_thirds_by_in_process_cost() -> None:
    names = [f"q{i:02d}" for i in range(18)]
    mix = [Query(n, "", "SELECT") for n in reversed(names)] + [Query(LOOKUP, "", "ASK")]
    cost = {n: {"inprocess": {"p50_ms": float(i)}} for i, n in enumerate(names)}
    cost[LOOKUP] = {"inprocess": {"p50_ms": 0.01}}
    classes = classify(mix, cost)
    assert [n for n in names if classes[n] == "small"] == names[:6]
    assert [n for n in names if classes[n] == "heavy"] == names[12:]
    assert classes[LOOKUP] == "lookup"


def test_an_endpoint_urls_own_parameters_go_with_every_query() -> None:
    """bench.remote's floor: Virtuoso's endpoint with the service's default graph."""
    conn = client.Connection("http://127.0.0.1:9/sparql?default-graph-uri=urn%3Ax", 1)
    sent: list[str] = []
    conn.get = lambda target, accept: sent.append(target)  # type: ignore[method-assign]
    conn.query("ASK {}", client.JSON_RESULTS)
    assert sent == ["/sparql?default-graph-uri=urn%3Ax&query=ASK%20%7B%7D"]


def test_a_connection_the_server_closed_while_idle_is_opened_again() -> None:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class OneAnswerPerConnection(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # says keep-alive, then closes: as after an idle time

        def do_GET(self) -> None:
            body = b'{"head": {}, "boolean": true}'
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            self.close_connection = True

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), OneAnswerPerConnection)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        conn = client.Connection(f"http://127.0.0.1:{server.server_port}/sparql", 5)
        replies = [conn.query("ASK {}", client.JSON_RESULTS) for _ in range(3)]
        assert [r.status for r in replies] == [200, 200, 200]
        conn.close()
    finally:
        server.shutdown()
        server.server_close()
