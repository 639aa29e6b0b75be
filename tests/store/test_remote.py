"""The remote backend's guarantees, against a scripted SPARQL endpoint (httpx MockTransport).

What the service promises on the embedded store holds here, enforced by the
service: the safety check before any request, an explicit Accept per form,
the dataset always explicit, a 200 that does not parse or is marked
truncated is an error (502), the row cap, the deadline. The same code runs
against a real Virtuoso in ``tests/remote/``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from urllib.parse import parse_qs

import httpx
import pytest

from api.errors import (
    BadRequest,
    ForbiddenQueryFeature,
    QuerySyntaxError,
    QueryTimeout,
    RemoteStoreError,
    ResultTooLarge,
    StoreUnavailable,
    UpdateNotAQuery,
)
from api.store.base import FormatChoice
from api.store.layout import INFERRED
from api.store.remote import DEFAULT_GRAPH, EMPTY_GRAPH, RemoteStore, manifest_for, split_dataset

ENDPOINT = "http://remote.test/sparql"
G = "https://w3id.org/ccai/graph/"
GRAPHS = [G + "ontology", G + "source-a", INFERRED]
JSON_FMT = FormatChoice(results="application/sparql-results+json", rdf="text/turtle")
CSV_FMT = FormatChoice(results="text/csv", rdf="application/n-triples")
SPARQL_JSON = "application/sparql-results+json"


def _bindings(var: str, values: list[dict]) -> bytes:
    return json.dumps(
        {"head": {"vars": [var]}, "results": {"bindings": [{var: v} for v in values]}}
    ).encode()


def _startup(request: httpx.Request) -> httpx.Response | None:
    """Answers for the start-up statistics (manifest, per-graph counts, default count)."""
    q = parse_qs(request.content.decode())["query"][0]
    if manifest_for(DEFAULT_GRAPH) in q:
        body = _bindings("g", [{"type": "uri", "value": g} for g in GRAPHS])
    elif "GROUP BY ?g" in q and "GRAPH ?g" in q:
        rows = [
            {"g": {"type": "uri", "value": g}, "n": {"type": "literal", "value": "3"}}
            for g in GRAPHS
        ]
        body = json.dumps({"head": {"vars": ["g", "n"]}, "results": {"bindings": rows}}).encode()
    elif q.startswith("SELECT (COUNT(*) AS ?n)"):
        body = _bindings("n", [{"type": "typed-literal", "value": "5"}])  # Virtuoso's JSON
    else:
        return None
    return httpx.Response(200, content=body, headers={"Content-Type": SPARQL_JSON})


class Endpoint:
    """A scripted endpoint: start-up answers, then ``answer`` for every other request."""

    def __init__(self, answer: Callable[[httpx.Request], httpx.Response]) -> None:
        self.answer = answer
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        startup = _startup(request)
        if startup is not None:
            return startup
        self.requests.append(request)
        return self.answer(request)

    @property
    def last(self) -> dict[str, list[str]]:
        return parse_qs(self.requests[-1].content.decode())


def run(endpoint: Endpoint, coro_factory, **options):
    async def main():
        store = RemoteStore(ENDPOINT, transport=httpx.MockTransport(endpoint), **options)
        await store.start()
        try:
            return await coro_factory(store)
        finally:
            await store.close()

    return asyncio.run(main())


def ok_rows(n: int) -> Callable[[httpx.Request], httpx.Response]:
    values = [{"type": "literal", "value": str(i)} for i in range(n)]
    return lambda r: httpx.Response(
        200, content=_bindings("x", values), headers={"Content-Type": SPARQL_JSON}
    )


def select(store: RemoteStore, query: str = "SELECT ?x { ?s ?p ?x }", **kw):
    return store.query(query, formats=kw.pop("formats", JSON_FMT), timeout=5, **kw)


def test_start_reads_graphs_and_counts_from_the_manifest() -> None:
    endpoint = Endpoint(ok_rows(0))

    async def stats(store: RemoteStore):
        return store.named_graphs(), store.counts()

    graphs, counts = run(endpoint, stats)
    assert graphs == sorted(GRAPHS)
    # the default graph holds every distinct triple (5), of which the inferred graph's 3
    assert (counts.asserted, counts.inferred, counts.total) == (2, 3, 5)


def test_a_store_without_a_manifest_is_unavailable() -> None:
    def empty(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, content=_bindings("g", []), headers={"Content-Type": SPARQL_JSON}
        )

    async def main():
        store = RemoteStore(ENDPOINT, transport=httpx.MockTransport(empty))
        with pytest.raises(StoreUnavailable, match="ccai load"):
            await store.start()
        await store.close()

    asyncio.run(main())


def test_select_sends_json_accept_a_form_post_and_the_layouts_dataset() -> None:
    endpoint = Endpoint(ok_rows(2))
    result = run(endpoint, lambda s: select(s, formats=CSV_FMT))
    request = endpoint.requests[-1]
    assert request.method == "POST"
    assert request.headers["Accept"] == SPARQL_JSON
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    sent = endpoint.last
    assert sent["default-graph-uri"] == [DEFAULT_GRAPH]
    assert sorted(sent["named-graph-uri"]) == sorted(GRAPHS)
    assert "timeout" not in sent  # generic server: no vendor parameter
    # re-serialised by pyoxigraph in the negotiated format
    assert (result.media_type, result.rows) == ("text/csv", 2)
    assert result.body.decode().splitlines() == ["x", "0", "1"]


def test_without_inference_the_inferred_graph_is_hidden() -> None:
    endpoint = Endpoint(ok_rows(0))
    run(endpoint, lambda s: select(s, include_inferred=False))
    asserted = sorted(g for g in GRAPHS if g != INFERRED)
    assert sorted(endpoint.last["default-graph-uri"]) == asserted
    assert sorted(endpoint.last["named-graph-uri"]) == asserted


def test_construct_asks_for_n_triples_and_serialises_the_negotiated_format() -> None:
    nt = b'<http://e/s> <http://e/p> "o" .\n'
    endpoint = Endpoint(
        lambda r: httpx.Response(200, content=nt, headers={"Content-Type": "application/n-triples"})
    )
    result = run(
        endpoint, lambda s: s.query("CONSTRUCT WHERE { ?s ?p ?o }", formats=JSON_FMT, timeout=5)
    )
    assert endpoint.requests[-1].headers["Accept"] == "application/n-triples"
    assert result.media_type == "text/turtle" and result.rows == 1
    assert b"<http://e/s>" in result.body


def test_from_clauses_become_protocol_parameters_limited_to_known_graphs() -> None:
    endpoint = Endpoint(ok_rows(0))
    q = (
        f"SELECT * FROM <{G}source-a> FROM <http://elsewhere/g> "
        f"FROM NAMED <{G}ontology> {{ ?s ?p ?o }}"
    )
    run(endpoint, lambda s: select(s, q))
    sent = endpoint.last
    assert "FROM" not in sent["query"][0]
    assert sent["default-graph-uri"] == [G + "source-a"]
    assert sent["named-graph-uri"] == [G + "ontology"]


def test_an_unknown_protocol_graph_is_an_empty_graph_never_every_graph() -> None:
    endpoint = Endpoint(ok_rows(0))
    run(endpoint, lambda s: select(s, default_graph=["http://elsewhere/g"], named_graphs=[]))
    assert endpoint.last["default-graph-uri"] == [EMPTY_GRAPH]
    assert endpoint.last["named-graph-uri"] == [EMPTY_GRAPH]


def test_a_prefixed_from_is_refused() -> None:
    with pytest.raises(Exception, match="full <IRI>"):
        split_dataset("PREFIX g: <http://e/> SELECT * FROM g:x { ?s ?p ?o }")


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("SELECT * { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }", ForbiddenQueryFeature),
        ("INSERT DATA { <http://e/s> <http://e/p> 1 }", UpdateNotAQuery),
        # Virtuoso's pragma that fetches IRIs: not SPARQL 1.1, never sent
        (
            'DEFINE get:soft "replace" SELECT * FROM <http://127.0.0.1:1/> { ?s ?p ?o }',
            BadRequest,
        ),
        ("SELECT * { ?s ?p ?o } OPTION (QUIETCAST)", BadRequest),
        ("SELECT (bif:sys_stat('st_dbms_ver') AS ?v) {}", BadRequest),
        ("SELECT (<bif:sys_stat>('st_dbms_ver') AS ?v) {}", BadRequest),
        ("SELECT (<\\u0062if:sys_stat>('x') AS ?v) {}", BadRequest),
        ("PREFIX b: <bi> SELECT (b:f:sys_stat('x') AS ?v) {}", BadRequest),
        ("BASE <sql:> SELECT (<x>(1) AS ?v) {}", BadRequest),
        ("{ ?s ?p ?o }", QuerySyntaxError),
    ],
)
def test_unsafe_or_invalid_queries_never_reach_the_server(query: str, error: type) -> None:
    endpoint = Endpoint(ok_rows(0))
    with pytest.raises(error):
        run(endpoint, lambda s: select(s, query))
    assert endpoint.requests == []


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(200, content=b"<html>oops</html>", headers={"Content-Type": SPARQL_JSON}),
        httpx.Response(
            200,
            content=b'{"head": {"vars": ["x"]}, "results": {"bindings": [{"x"',
            headers={"Content-Type": SPARQL_JSON},
        ),
        httpx.Response(200, content=b"x\n1\n", headers={"Content-Type": "text/csv"}),
        httpx.Response(500, content=b"SR186: No permission"),
    ],
    ids=["not-json", "cut-short", "wrong-type", "server-error"],
)
def test_an_answer_that_is_not_a_complete_result_is_a_502(answer: httpx.Response) -> None:
    endpoint = Endpoint(lambda r: answer)
    with pytest.raises(RemoteStoreError):
        run(endpoint, select)


def test_virtuoso_truncation_marker_is_an_error_never_data() -> None:
    def partial(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            content=_bindings("x", [{"type": "literal", "value": "1"}]),
            headers={"Content-Type": SPARQL_JSON, "X-SQL-State": "S1TAT"},
        )

    with pytest.raises(QueryTimeout):  # Virtuoso's anytime answer at its timeout
        run(Endpoint(partial), select, kind="virtuoso")

    def other(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            content=_bindings("x", []),
            headers={"Content-Type": SPARQL_JSON, "X-SQL-State": "22023"},
        )

    with pytest.raises(RemoteStoreError):
        run(Endpoint(other), select, kind="virtuoso")


def test_a_result_at_the_servers_cap_is_refused() -> None:
    with pytest.raises(RemoteStoreError, match="its own cap"):
        run(Endpoint(ok_rows(10)), select, kind="virtuoso", server_max_rows=10)
    result = run(Endpoint(ok_rows(9)), select, kind="virtuoso", server_max_rows=10)
    assert result.rows == 9


def test_the_row_cap_refuses_never_truncates() -> None:
    with pytest.raises(ResultTooLarge):
        run(Endpoint(ok_rows(4)), select, max_result_rows=3)
    assert run(Endpoint(ok_rows(3)), select, max_result_rows=3).rows == 3


def test_virtuoso_gets_its_timeout_parameter_in_milliseconds() -> None:
    endpoint = Endpoint(
        lambda r: httpx.Response(
            200, content=b'{"head": {}, "boolean": true}', headers={"Content-Type": SPARQL_JSON}
        )
    )
    result = run(
        endpoint, lambda s: s.query("ASK {}", formats=JSON_FMT, timeout=2.5), kind="virtuoso"
    )
    assert json.loads(result.body)["boolean"] is True
    assert endpoint.last["timeout"] == ["2500"]


def test_a_server_that_does_not_answer_is_stopped_at_the_deadline() -> None:
    class Hanging(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            startup = _startup(request)
            if startup is not None:
                return startup
            await asyncio.Event().wait()  # never set: the server never answers
            raise AssertionError("unreachable")

    async def main():
        store = RemoteStore(ENDPOINT, transport=Hanging())
        await store.start()
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        with pytest.raises(QueryTimeout):
            await store.query("ASK {}", formats=JSON_FMT, timeout=0.3)
        elapsed = loop.time() - t0
        await store.close()
        return elapsed

    assert asyncio.run(main()) < 2.0


def test_prefixes_and_base_are_declared_in_the_text_sent() -> None:
    endpoint = Endpoint(ok_rows(0))
    run(
        endpoint,
        lambda s: select(s, "SELECT * { ?s ex:p <rel> }"),
        prefixes={"ex": "http://e/"},
        base_iri="http://base.test/",
    )
    sent = endpoint.last["query"][0]
    assert sent.startswith("BASE <http://base.test/>\nPREFIX ex: <http://e/>\n")


def test_credentials_are_not_sent_with_queries_unless_asked() -> None:
    endpoint = Endpoint(ok_rows(0))
    run(endpoint, select, user="dba", password="secret", auth="basic")
    assert "Authorization" not in endpoint.requests[-1].headers
    endpoint = Endpoint(ok_rows(0))
    run(endpoint, select, user="dba", password="secret", auth="basic", query_auth=True)
    assert endpoint.requests[-1].headers["Authorization"].startswith("Basic ")


def test_a_syntax_error_is_the_servers_to_report() -> None:
    endpoint = Endpoint(
        lambda r: httpx.Response(400, content=b"Virtuoso 37000 Error SP030: syntax")
    )
    with pytest.raises(BadRequest, match="SP030"):
        run(endpoint, lambda s: select(s, "SELECT * WHERE { ?s ?p }"))


def test_inline_data_is_never_evaluated_by_the_service() -> None:
    # a parse-by-evaluation on an empty store would count 2.7e10 rows here
    values = " ".join(str(i) for i in range(3000))
    block = f"VALUES ?a {{ {values} }} VALUES ?b {{ {values} }} VALUES ?c {{ {values} }}"
    endpoint = Endpoint(ok_rows(1))
    assert run(endpoint, lambda s: select(s, f"SELECT (COUNT(*) AS ?n) {{ {block} }}")).rows == 1
