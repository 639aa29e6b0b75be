"""Remote backend: a :class:`~api.store.base.Store` over a SPARQL 1.1 endpoint.

The service keeps every guarantee it gives on the embedded store, enforced
here and not trusted to the remote server:

* **safety**: :func:`api.sparql.safety.analyse` (no ``SERVICE``, no update),
  then :func:`vendor_extension` refuses what a server reads beyond SPARQL 1.1
  (Virtuoso's ``DEFINE input:grab-…`` pragmas, which fetch IRIs, its
  ``OPTION (…)`` clauses, its ``bif:``/``sql:`` built-ins). The syntax is the
  server's to check (its message, 400): a parse here would mean evaluating
  the query (pyoxigraph has no parse-only call), and a query of inline data
  (``VALUES`` × ``VALUES``) explodes even on an empty store. Only the query
  operation is sent to the query endpoint, anonymously; credentials are for
  loading (:mod:`api.load`). A second barrier belongs to the deployment: the
  server's anonymous SPARQL account should hold no update or SQL rights.
* **deadline**: a client-side deadline on the whole exchange (the request is
  abandoned and the connection closed), and the server is asked to stop too
  (Virtuoso's ``timeout`` parameter, milliseconds).
* **row cap**: the result is parsed and counted here; more than
  ``max_result_rows`` rows (or triples) is :class:`~api.errors.ResultTooLarge`,
  never truncated.
* **a 200 is not data until it parses**: an explicit ``Accept`` per query
  form (SPARQL JSON for SELECT/ASK, N-Triples for CONSTRUCT/DESCRIBE); a
  body that does not parse, a Virtuoso ``X-SQL-State`` header (its "anytime"
  partial answers and silent truncation), or a row count that reaches the
  server's own cap (``server_max_rows``, Virtuoso's ``ResultSetMaxRows``)
  is :class:`RemoteStoreError` (502), never a result. The parsed result is
  serialised again by pyoxigraph in the negotiated format, exactly as the
  embedded store does.

**Default-graph semantics.** The embedded layout (:mod:`api.store.layout`):
the default graph is the set of asserted triples, the inferred graph is
disjoint from it, ``GRAPH ?g`` ranges over the named graphs. On a remote
store (whose own default graph is usually the union of *every* graph,
system graphs included) ``ccai load`` writes:

===================================  =====================================
remote graph                         holds
===================================  =====================================
each named graph of the build        the same triples
``default_graph_iri``                every distinct triple, asserted or inferred
(``urn:x-ccai:default``)             (the embedded store's default graph)
``manifest_iri``                     ``<manifest> void:subset <g>`` for each
(``urn:x-ccai:default:graphs``)      public named graph
===================================  =====================================

and every query is sent with an explicit dataset (protocol parameters
``default-graph-uri`` / ``named-graph-uri``): by default
``default_graph_iri`` and the manifest's graphs as named graphs; without
inference, the manifest's graphs but the inferred one, as both. A protocol
dataset in the request, or ``FROM``/``FROM NAMED`` in the query (moved out
of the text into the parameters, because Virtuoso adds the parameters to a
query's own ``FROM`` instead of replacing it), keeps only graphs the manifest
lists; an empty list becomes a graph that
does not exist (an empty parameter list would mean "every graph").

>>> RemoteStore("http://127.0.0.1:8890/sparql").health()["backend"]
'remote'
"""

from __future__ import annotations

import asyncio
import re
import time
import traceback
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Literal

import httpx
import pyoxigraph as ox

from api.errors import (
    BadRequest,
    QuerySyntaxError,
    QueryTimeout,
    RemoteStoreError,
    StoreUnavailable,
)
from api.sparql.lexer import unescape_codepoints
from api.sparql.safety import analyse
from api.store.admission import Admission
from api.store.base import FormatChoice, QueryResult
from api.store.execute import _media_type, _serialize
from api.store.layout import INFERRED, TripleCounts

DEFAULT_GRAPH = "urn:x-ccai:default"
VOID_SUBSET = "http://rdfs.org/ns/void#subset"
EMPTY_GRAPH = "urn:x-ccai:empty"  # never written: an empty graph
SPARQL_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"
_FROM = re.compile(r"(?i)\bFROM\s+(NAMED\s+)?<([^<>\"{}|^`\\\x00-\x20]*)>")
_VIRTUOSO_ROWS = 10_000  # Virtuoso's ResultSetMaxRows in Debian's virtuoso.ini

Kind = Literal["generic", "virtuoso"]
AuthScheme = Literal["digest", "basic"]


def auth_for(user: str | None, password: str | None, scheme: AuthScheme) -> httpx.Auth | None:
    """The httpx authentication for ``user``/``password`` (``None`` without a user)."""
    if not user:
        return None
    if scheme == "basic":
        return httpx.BasicAuth(user, password or "")
    return httpx.DigestAuth(user, password or "")


def split_dataset(query: str) -> tuple[str, list[str], list[str]]:
    """Move ``FROM <iri>`` / ``FROM NAMED <iri>`` clauses out of ``query``.

    Returns the text with each clause blanked (same length: error positions
    keep their line and column), the FROM IRIs and the FROM NAMED IRIs.

    >>> split_dataset("SELECT * FROM <http://e/g> FROM NAMED <http://e/h> { ?s ?p ?o }")[1:]
    (['http://e/g'], ['http://e/h'])

    Raises:
        BadRequest: a FROM clause that is not a full ``<IRI>`` (a prefixed
            name), which this backend cannot move.
    """
    default: list[str] = []
    named: list[str] = []

    def blank(m: re.Match[str]) -> str:
        (named if m.group(1) else default).append(m.group(2))
        return " " * len(m.group(0))

    text = _FROM.sub(blank, query)
    if analyse(text).has_dataset:
        raise BadRequest(
            "FROM / FROM NAMED must name a full <IRI> on this endpoint's backend "
            "(not a prefixed name); or send default-graph-uri / named-graph-uri."
        )
    return text, default, named


class RemoteStore:
    """A read-only :class:`~api.store.base.Store` over a remote SPARQL 1.1 query endpoint.

    ``kind="virtuoso"``: send Virtuoso's ``timeout`` parameter and expect its
    ``ResultSetMaxRows`` cap (``server_max_rows``, default 10,000) unless told.
    ``transport``: an httpx transport (tests).
    """

    def __init__(
        self,
        query_endpoint: str,
        *,
        kind: Kind = "generic",
        user: str | None = None,
        password: str | None = None,
        auth: AuthScheme = "digest",
        query_auth: bool = False,
        default_graph_iri: str = DEFAULT_GRAPH,
        max_result_rows: int = 100_000,
        server_max_rows: int | None = None,
        max_concurrent: int = 4,
        max_queued: int = 16,
        base_iri: str | None = None,
        prefixes: dict[str, str] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.endpoint = query_endpoint
        self.kind = kind
        self.default_graph_iri = default_graph_iri
        self.manifest_iri = manifest_for(default_graph_iri)
        self.base_iri = base_iri
        self.prefixes = prefixes
        self._auth = auth_for(user, password, auth) if query_auth else None
        self._max_rows = max_result_rows
        if server_max_rows is None and kind == "virtuoso":
            server_max_rows = _VIRTUOSO_ROWS
        self._server_max_rows = server_max_rows
        self._admission = Admission(max_concurrent, max_queued)
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        self._counts = TripleCounts(0, 0, 0)
        self._errors = 0

    # --- the Store protocol ------------------------------------------------------

    async def start(self) -> None:
        self._client = httpx.AsyncClient(
            transport=self._transport, auth=self._auth, follow_redirects=False
        )
        graphs = [
            r["g"].value
            for r in await self._rows(
                f"SELECT DISTINCT ?g WHERE {{ <{self.manifest_iri}> <{VOID_SUBSET}> ?g }}",
                default=[self.manifest_iri],
                named=[EMPTY_GRAPH],
            )
        ]
        if not graphs:
            raise StoreUnavailable(
                f"The remote store at {self.endpoint} holds no ccai dataset (no graph is "
                f"listed in <{self.manifest_iri}>): load it with `ccai load --backend remote`."
            )
        per_graph = {
            r["g"].value: int(r["n"].value)
            for r in await self._rows(
                "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
                default=[EMPTY_GRAPH],
                named=sorted(graphs),
            )
        }
        total = int(
            (
                await self._rows(
                    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
                    default=[self.default_graph_iri],
                    named=[EMPTY_GRAPH],
                )
            )[0]["n"].value
        )
        per_graph = {g: per_graph.get(g, 0) for g in sorted(graphs)}
        inferred = per_graph.get(INFERRED, 0)
        self._counts = TripleCounts(total, total - inferred, inferred, per_graph)

    def named_graphs(self) -> list[str]:
        return list(self._counts.graphs)

    def counts(self) -> TripleCounts:
        return self._counts

    def triple_count(self, graph: str | None = None) -> int:
        if graph is None:
            return self._counts.total
        return self._counts.graphs.get(graph, 0)

    def health(self) -> dict[str, Any]:
        return {
            "status": "ok",
            "backend": "remote",
            "endpoint": self.endpoint,
            "queue": {"in_flight": self._admission.in_flight},
            "remote_errors": self._errors,
        }

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def query(
        self,
        sparql: str,
        *,
        formats: FormatChoice,
        default_graph: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        include_inferred: bool = True,
        timeout: float,
    ) -> QueryResult:
        info = analyse(sparql)  # SERVICE, update, nesting: refused before anything else
        if info.form is not None:
            _media_type(info.form, formats)  # an unacceptable format is refused before work
        text = sparql
        if default_graph is not None or named_graphs is not None:
            if info.has_dataset:
                text = split_dataset(sparql)[0]  # the protocol dataset overrides FROM
            default, named = list(default_graph or ()), list(named_graphs or ())
        elif info.has_dataset:
            text, default, named = split_dataset(sparql)
        elif include_inferred:
            default, named = [self.default_graph_iri], self.named_graphs()
        else:  # as the embedded layout: the named graphs but the inferred one
            default = named = [g for g in self.named_graphs() if g != INFERRED]
        known = set(self.named_graphs()) | {self.default_graph_iri}
        default = [g for g in default if g in known] or [EMPTY_GRAPH]
        named = [g for g in named if g in known and g != self.default_graph_iri] or [EMPTY_GRAPH]
        text = self._prologue() + text
        extension = vendor_extension(text)
        if extension is not None:
            raise BadRequest(
                f"The query uses {extension}, a vendor extension of SPARQL that this endpoint "
                "does not accept. Write it in SPARQL 1.1."
            )
        form = info.form
        if form is None:
            raise QuerySyntaxError(
                "The query does not parse: no query form (SELECT, ASK, CONSTRUCT, DESCRIBE) found."
            )
        async with self._admission.slot(timeout):
            return await self._run(text, form, formats, default, named, timeout)

    # --- internals ---------------------------------------------------------------

    def _prologue(self) -> str:
        lines = [f"BASE <{self.base_iri}>"] if self.base_iri else []
        lines += [f"PREFIX {p}: <{iri}>" for p, iri in sorted((self.prefixes or {}).items())]
        return "".join(line + "\n" for line in lines)

    async def _run(
        self,
        text: str,
        form: str,
        formats: FormatChoice,
        default: list[str],
        named: list[str],
        timeout: float,
    ) -> QueryResult:
        media_type, table = _media_type(form, formats)
        accept = SPARQL_JSON if form in ("SELECT", "ASK") else N_TRIPLES
        deadline = time.monotonic() + timeout
        try:
            body = await asyncio.wait_for(
                self._post(text, accept, default, named, timeout), timeout
            )
        except TimeoutError:
            raise QueryTimeout("The query ran past the time limit and was stopped.") from None
        remaining = deadline - time.monotonic()
        return await asyncio.to_thread(
            self._convert, body, form, accept, formats, media_type, table, remaining
        )

    async def _post(
        self, text: str, accept: str, default: list[str], named: list[str], timeout: float
    ) -> bytes:
        if self._client is None:
            raise StoreUnavailable("The remote store is not started.")
        data: list[tuple[str, str]] = [("query", text)]
        data += [("default-graph-uri", g) for g in default]
        data += [("named-graph-uri", g) for g in named]
        if self.kind == "virtuoso":
            data.append(("timeout", str(max(int(timeout * 1000), 1))))
        try:
            # A form-encoded POST: Virtuoso 7 never answers a POST of
            # application/sparql-query (virtuoso-opensource#842).
            response = await self._client.post(
                self.endpoint,
                data=dict(_multi(data)),
                headers={"Accept": accept},
                timeout=timeout,
            )
        except httpx.TimeoutException:
            raise QueryTimeout("The query ran past the time limit and was stopped.") from None
        except httpx.HTTPError as exc:
            self._errors += 1
            raise StoreUnavailable(
                f"The remote store cannot be reached: {type(exc).__name__}"
            ) from None
        state = response.headers.get("X-SQL-State")
        if state:
            self._errors += 1
            if state.upper().startswith("S1T"):
                raise QueryTimeout(
                    "The query ran past the remote store's time limit (partial result refused)."
                )
            raise RemoteStoreError(
                f"The remote store marked its answer incomplete (X-SQL-State {state}): refused."
            )
        if response.status_code == 400:
            raise BadRequest("The remote store rejected the query: " + _excerpt(response.text))
        if response.status_code != 200 and "estimated execution time" in response.text:
            # Virtuoso refuses a query whose estimated cost exceeds its limit: a timeout
            raise QueryTimeout(
                "The remote store estimates the query would run past its time limit and "
                "refused it: " + _excerpt(response.text, 200)
            )
        if response.status_code != 200:
            self._errors += 1
            raise RemoteStoreError(
                f"The remote store answered HTTP {response.status_code}: " + _excerpt(response.text)
            )
        ctype = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if ctype and ctype != accept:
            self._errors += 1
            raise RemoteStoreError(
                f"The remote store answered {ctype} where {accept} was asked for: refused."
            )
        return response.content

    def _convert(
        self,
        body: bytes,
        form: str,
        accept: str,
        formats: FormatChoice,
        media_type: str,
        table: dict[str, str],
        remaining: float,
    ) -> QueryResult:
        from api.store.base import QueryJob

        job = QueryJob(query="", formats=formats, max_rows=self._max_rows)
        deadline = time.monotonic() + max(remaining, 0.0)
        try:
            return self._check_cap(
                self._reserialise(body, form, accept, job, media_type, table, deadline), form
            )
        except BaseException as exc:
            # pyoxigraph results must be dropped on the thread that made them (this one):
            # no frame kept by the traceback may hold one (as in api.store.execute).
            seen: BaseException | None = exc
            while seen is not None:  # the suppressed context too (``raise … from None``)
                traceback.clear_frames(seen.__traceback__)
                seen = seen.__context__
            raise

    def _reserialise(
        self,
        body: bytes,
        form: str,
        accept: str,
        job: Any,
        media_type: str,
        table: dict[str, str],
        deadline: float,
    ) -> QueryResult:
        parsed: Any = None
        try:
            if accept == SPARQL_JSON:
                parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
                if form == "ASK" and not isinstance(parsed, ox.QueryBoolean):
                    raise SyntaxError("an ASK query answered with solutions")
                if form == "SELECT" and not isinstance(parsed, ox.QuerySolutions):
                    raise SyntaxError("a SELECT query answered with a boolean")
            else:
                parsed = _triples(ox.parse(body, format=ox.RdfFormat.N_TRIPLES))
            return _serialize(parsed, job, form, media_type, table, deadline)
        except (SyntaxError, ValueError, OSError) as exc:
            self._errors += 1
            raise RemoteStoreError(
                f"The remote store's answer does not parse as {accept}: {_excerpt(str(exc))}"
            ) from None
        finally:
            del parsed

    def _check_cap(self, result: QueryResult, form: str) -> QueryResult:
        cap = self._server_max_rows
        if cap is not None and result.rows >= cap and form in ("SELECT", "CONSTRUCT", "DESCRIBE"):
            self._errors += 1
            raise RemoteStoreError(
                f"The remote store returned {result.rows} rows, its own cap: the answer may be "
                "truncated and is refused. Add a LIMIT, or raise the server's limit "
                "(Virtuoso: ResultSetMaxRows)."
            )
        return result

    async def _rows(
        self, query: str, *, default: list[str], named: list[str], timeout: float = 60.0
    ) -> list[dict[str, Any]]:
        """Solutions of an internal SELECT (start-up statistics)."""
        body = await self._post(query, SPARQL_JSON, default, named, timeout)
        try:
            solutions = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
            if not isinstance(solutions, ox.QuerySolutions):
                raise SyntaxError("not solutions")
            names = [v.value for v in solutions.variables]
            return [{n: s[n] for n in names} for s in solutions]
        except (SyntaxError, ValueError) as exc:
            raise RemoteStoreError(
                f"The remote store's answer does not parse: {_excerpt(str(exc))}"
            ) from None


def manifest_for(default_graph_iri: str) -> str:
    """The graph listing the public named graphs of a dataset stored remotely."""
    return default_graph_iri + ":graphs"


def _triples(quads: Iterable[ox.Quad]) -> Iterator[ox.Triple]:
    for quad in quads:
        yield quad.triple


def _multi(pairs: list[tuple[str, str]]) -> Iterator[tuple[str, list[str]]]:
    out: dict[str, list[str]] = {}
    for k, v in pairs:
        out.setdefault(k, []).append(v)
    yield from out.items()


_PRAGMA = re.compile(r"(?i)\bDEFINE\s+[\w-]+:|\bOPTION\s*\(")
_VENDOR_NAME = re.compile(r"(?i)(?<![\w.-])(?:bif|sql)\s*:")
_DECLARED = re.compile(r"(?i)\b(?:PREFIX\s+[\w.-]*:|BASE)\s*<([^<>]*)>")
_IRI = re.compile(r"<([^<>\s]*)>")
_VENDOR_SCHEMES = ("bif:", "sql:")


def vendor_extension(text: str) -> str | None:
    """The vendor extension ``text`` uses, or ``None`` (conservative: strings count too).

    Virtuoso reads pragmas (``DEFINE input:grab-all "yes"`` makes it fetch
    IRIs), ``OPTION (…)`` clauses and SQL built-ins (``bif:``/``sql:``
    functions) in the query text; none is SPARQL 1.1 and none leaves the
    service. A namespace from which such an IRI could be spelled
    (``PREFIX b: <bi>`` then ``b:f:x``) counts too, in either reading of
    ``\\u`` escapes.

    >>> vendor_extension('DEFINE input:grab-all "yes" SELECT * { ?s ?p ?o }')
    'a pragma or OPTION clause'
    >>> vendor_extension("PREFIX b: <bi> SELECT (b:f:sys_stat('x') AS ?v) {}")
    'an IRI in the bif: or sql: scheme'
    >>> vendor_extension("SELECT * { ?s <http://schema.org/name> ?o }") is None
    True
    """
    for reading in {text, unescape_codepoints(text)}:
        if _PRAGMA.search(reading):
            return "a pragma or OPTION clause"
        if _VENDOR_NAME.search(reading):
            return "a bif: or sql: function"
        for m in _DECLARED.finditer(reading):
            ns = m.group(1).lower()
            if any(v.startswith(ns) or ns.startswith(v) for v in _VENDOR_SCHEMES):
                return "an IRI in the bif: or sql: scheme"
        for m in _IRI.finditer(reading):
            if m.group(1).lower().startswith(_VENDOR_SCHEMES):
                return "an IRI in the bif: or sql: scheme"
    return None


def _excerpt(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + " …"


def open_remote(settings: Any) -> RemoteStore:
    """The :class:`RemoteStore` described by the settings (``backend = "remote"``)."""
    if not settings.query_endpoint:
        raise StoreUnavailable(
            "backend 'remote' needs a query endpoint: set CCAI_QUERY_ENDPOINT or --query-endpoint."
        )
    return RemoteStore(
        settings.query_endpoint,
        kind=settings.remote_kind,
        user=settings.remote_user or None,
        password=settings.remote_password or None,
        auth=settings.remote_auth,
        default_graph_iri=settings.remote_default_graph,
        max_result_rows=settings.max_result_rows,
        server_max_rows=settings.remote_max_rows,
        max_concurrent=settings.max_concurrent_queries,
        max_queued=settings.max_queued_queries,
        base_iri=settings.public_base_url,
    )
