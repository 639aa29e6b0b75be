"""The safety check sees SERVICE wherever Oxigraph does (issue 8: the ``#\\r`` bypass).

Three kinds of test:

* **probes** of pyoxigraph itself, so that a new version that reads the text
  differently (comments, escapes, keyword boundaries) fails here first;
* a **corpus** of bypass attempts, each refused by :func:`analyse`;
* a **differential fuzz**: seeded random queries built from SERVICE fragments
  and lexically tricky pieces; every query the check lets through is run by
  pyoxigraph next to a loopback listener, which must see no connection.
"""

from __future__ import annotations

import random
import socket
import threading
import time
from collections.abc import Iterator

import pyoxigraph as ox
import pytest

from api.errors import ForbiddenQueryFeature, QueryTooComplex, UpdateNotAQuery
from api.sparql.lexer import scan, unescape_codepoints
from api.sparql.safety import MAX_NESTING, analyse


class _Listener:
    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            conn.close()  # the engine's request fails at once


@pytest.fixture(scope="module")
def listener() -> Iterator[_Listener]:
    lst = _Listener()
    yield lst
    lst.sock.close()


def _store() -> ox.Store:
    """Triples that the fuzzed patterns can match, so that SERVICE is reached."""
    store = ox.Store()
    s, p = ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p")
    for o in (ox.Literal(True), ox.Literal(1), ox.Literal("x"), ox.NamedNode("http://e/o")):
        store.add(ox.Quad(s, p, o))
    store.add(ox.Quad(s, ox.NamedNode("http://e/a#b"), ox.NamedNode("http://e/o")))
    return store


STORE = _store()


def _connects(query: str, listener: _Listener) -> bool:
    """Does pyoxigraph, running ``query`` on a small store, connect to the listener?"""
    before = listener.connections
    try:
        result = STORE.query(query, use_default_graph_as_union=True)
        if not isinstance(result, ox.QueryBoolean):
            list(result)
    except (SyntaxError, OSError, ValueError):
        pass
    time.sleep(0.02)
    return listener.connections > before


# --- probes: how pyoxigraph reads the text ------------------------------------------------


def test_probe_comments_end_at_carriage_return(listener: _Listener) -> None:
    q = f"SELECT * WHERE {{ #\r SERVICE <http://127.0.0.1:{listener.port}/x> {{ ?a ?b ?c }}\n }}"
    assert _connects(q, listener)  # the engine runs it: the check must see it
    with pytest.raises(ForbiddenQueryFeature):
        analyse(q)


def test_probe_keywords_have_no_word_boundary(listener: _Listener) -> None:
    for q in (
        f"SELECT*{{SERVICESILENT<http://127.0.0.1:{listener.port}/y>{{?a ?b ?c}}}}",
        f"SELECT*{{?s ?p trueSERVICE<http://127.0.0.1:{listener.port}/y>{{?a ?b ?c}}}}",
    ):
        assert _connects(q, listener), q
        with pytest.raises(ForbiddenQueryFeature):
            analyse(q)


def test_probe_codepoint_escapes_only_inside_strings_and_iris() -> None:
    # pyoxigraph 0.5 resolves \u in strings and IRIs only (not SPARQL 1.1 §19.2's
    # whole-text rule); the check lexes both readings, so either engine is covered
    with pytest.raises(SyntaxError):
        ox.Store().query('SELECT ("a\\u0022 AS ?x) {}')
    assert unescape_codepoints('"a\\u0022') == '"a"'


# --- the corpus ----------------------------------------------------------------------------

URL = "<http://127.0.0.1:9/sparql>"
BYPASSES = [
    f"SELECT * {{ #\r SERVICE {URL} {{ ?s ?p ?o }}\n }}",
    f"SELECT * {{ #\r\n SERVICE {URL} {{ ?s ?p ?o }} }}",
    f"SELECT * {{ # \\u000D SERVICE {URL} {{ ?s ?p ?o }}\n }}",
    f"SELECT * {{ # \\u000A SERVICE {URL} {{ ?s ?p ?o }}\n }}",
    f"#\rSELECT * {{ SERVICE {URL} {{ ?s ?p ?o }} }}",
    f"PREFIX e: <http://e/> #\r SELECT * {{ SERVICE {URL} {{ }} }}",
    f"SELECT * # c\r WHERE {{ SERVICE {URL} {{ }} }}",
    f"SELECT * {{ ?s ?p ?o . #\r SERVICE SILENT {URL} {{ }} }}",
    f"ASK {{ FILTER EXISTS {{ #\r SERVICE {URL} {{ }} }} }}",
    f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ #\r SERVICE {URL} {{ ?s ?p ?o }} }}",
    f"DESCRIBE ?s WHERE {{ #\rservice {URL} {{ ?s ?p ?o }} }}",
    f"SELECT*{{SERVICESILENT{URL}{{}}}}",
    f"SELECT*{{SERVICE{URL}{{}}}}",
    "SELECT*{SERVICE?u{}}",
    "PREFIX SERVICEx: <http://127.0.0.1:9/> SELECT*{SERVICEx:sparql{}}",
    f"SELECT*{{?s ?p true SERVICE{URL}{{}}}}",
    f"SELECT*{{?s ?p falseSERVICE{URL}{{}}}}",
    f"SELECT*{{?s ?p 1SERVICE{URL}{{}}}}",
    f"PREFIX e: <http://e/> SELECT*{{?s ?p e:o.SERVICE {URL} {{}}}}",
    f'SELECT * {{ ?s ?p "x" SERVICE {URL} {{ }} }}',
    f"SELECT * {{ ?s ?p 'a\\'' SERVICE {URL} {{ }} }}",
    f'SELECT * {{ ?s ?p """a"b""" SERVICE {URL} {{ }} }}',
    f"PREFIX e: <http://e/> SELECT * {{ ?s e:a\\# ?o SERVICE {URL} {{ }} }}",
    f"SELECT * {{ ?s <http://e/p#x> ?o SERVICE {URL} {{ }} }}",
    f"SELECT * {{ BIND('\\u0027' AS ?x) SERVICE {URL} {{ }} }}",
    f"SELECT * {{ {{ SELECT * {{ SERVICE {URL} {{ }} }} }} }}",
    f"SELECT * {{ ?s ?p ?o MINUS {{ SeRvIcE {URL} {{ }} }} }}",
]


@pytest.mark.parametrize("query", BYPASSES)
def test_every_bypass_attempt_is_refused(query: str) -> None:
    with pytest.raises(ForbiddenQueryFeature):
        analyse(query)


ALLOWED = [
    'SELECT * { ?s ?p "SERVICE <http://127.0.0.1:9/> { }" }',
    "SELECT * { ?s ?p 'service' } # SERVICE <http://127.0.0.1:9/> { }",
    "SELECT * { ?s <http://example.org/service> ?o }",
    "PREFIX schema: <http://schema.org/> SELECT * { ?s schema:serviceType ?o }",
    "PREFIX ex: <http://example.org/service#> SELECT * { ?s ex:service ?o }",
    "SELECT ?serviceLevel { ?s ?p ?serviceLevel }",
    'SELECT * { ?s ?p ?o FILTER(CONTAINS(?o, "public service")) }',
    "SELECT * { ?s ?p '''multi\nline SERVICE <http://x/> {}''' }",
]


@pytest.mark.parametrize("query", ALLOWED)
def test_the_word_service_in_data_is_fine(query: str) -> None:
    assert analyse(query).form == "SELECT"


def test_forms_datasets_and_updates() -> None:
    assert analyse("ASKWHERE{}").form == "ASK"
    assert analyse("PREFIX e: <http://e/> BASE <http://b/> CONSTRUCT WHERE {}").form == (
        "CONSTRUCT"
    )
    assert analyse("SELECT * FROM <http://e/g> {}").has_dataset
    assert not analyse("SELECT * { GRAPH <http://e/g> {} }").has_dataset
    assert analyse("SELEC * {}").form is None  # the engine reports the syntax error
    for update in ("LOAD <http://127.0.0.1:9/x>", "# x\rINSERT DATA {}", "WITH <g> DELETE {}"):
        with pytest.raises(UpdateNotAQuery):
            analyse(update)


def test_nesting_limit() -> None:
    ok = "SELECT * " + "{" * MAX_NESTING + "}" * MAX_NESTING
    assert analyse(ok).form == "SELECT"
    with pytest.raises(QueryTooComplex):
        analyse("SELECT * " + "{" * (MAX_NESTING + 1) + "}" * (MAX_NESTING + 1))
    # brackets inside strings, IRIs and comments do not count
    assert scan("SELECT * { ?s ?p '((((((((' } # ((((((((").depth == 1


def test_hostile_escapes_never_raise_unexpectedly() -> None:
    for q in ('ASK { ?s ?p "\\u00530000" }', "ASK { ?s ?p '\\UFFFFFFFF' }", "ASK {} \\", "\\u"):
        analyse(q)  # no exception other than the documented ones


# --- differential fuzz ---------------------------------------------------------------------

_FRAGMENTS = [
    "#",
    "# c",
    "\r",
    "\n",
    "\r\n",
    "\\u000D",
    "\\u000A",
    "\\u0022",
    "\\u0027",
    "\\u0023",
    "\\",
    '"',
    "'",
    '"""',
    "'''",
    "<",
    ">",
    "<http://e/a#b>",
    "e:a\\#",
    "e:o.",
    "?v",
    "$v",
    "true",
    "1",
    "{",
    "}",
    "(",
    ")",
    ".",
    " ",
    "FILTER(?v<?w)",
    "SERVICE",
    "SERVICE SILENT",
    "service",
    "SERVICEx:",
]


def _fuzz_query(rng: random.Random, port: int) -> str:
    pieces = [rng.choice(_FRAGMENTS) for _ in range(rng.randint(0, 6))]
    insert = rng.randint(0, len(pieces))
    target = rng.choice(
        [
            f"SERVICE <http://127.0.0.1:{port}/s> {{ ?a ?b ?c }}",
            f"SERVICE SILENT<http://127.0.0.1:{port}/s>{{}}",
            "SERVICE x:s { ?a ?b ?c }",
        ]
    )
    pieces.insert(insert, target)
    pieces += [rng.choice(_FRAGMENTS) for _ in range(rng.randint(0, 4))]
    return (
        f"PREFIX e: <http://e/> PREFIX x: <http://127.0.0.1:{port}/> SELECT * WHERE {{ "
        + " ".join(pieces)
        + " }"
    )


def test_differential_fuzz_no_accepted_query_reaches_the_network(listener: _Listener) -> None:
    rng = random.Random(20261201)
    accepted = refused = 0
    for _ in range(3000):
        query = _fuzz_query(rng, listener.port)
        try:
            analyse(query)
        except (ForbiddenQueryFeature, QueryTooComplex, UpdateNotAQuery):
            refused += 1
            continue
        accepted += 1
        assert not _connects(query, listener), repr(query)
    # the generator reaches both sides of the check
    assert accepted > 100 and refused > 1000, (accepted, refused)
