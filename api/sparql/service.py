"""Service functions behind ``/sparql`` and ``/health``: one call per route.

The default graph
-----------------
When a request names no dataset (no ``default-graph-uri`` / ``named-graph-uri``
parameters and no ``FROM`` / ``FROM NAMED`` in the query), the default graph is
the **union of the named graphs** in the store:

* ``CCAI_DEFAULT_GRAPH=union`` (default): all named graphs, including
  ``https://w3id.org/ccai/graph/inferred`` (OWL RL entailments);
* ``CCAI_DEFAULT_GRAPH=asserted``: all but the inferred graph;
* a request parameter ``inference=false`` (or ``true``) overrides the setting
  for that request; with ``false`` the inferred graph is hidden from ``GRAPH ?g``
  as well.

The union is a *bag* in pyoxigraph: a triple asserted in two graphs appears
twice in ``{ ?s ?p ?o }`` (use DISTINCT). Protocol parameters override the
query's FROM / FROM NAMED (SPARQL 1.1 Protocol §2.1.4). IRIs of graphs the
store does not hold are empty graphs, never fetched.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from api.errors import NotAcceptable
from api.negotiation import FORMAT_PARAMETER, RDF_FORMATS, RESULTS_FORMATS, choose, etag_matches
from api.settings import Settings
from api.sparql.cache import CacheKey, ResultCache
from api.sparql.description import serialize_description, service_description
from api.sparql.protocol import ProtocolRequest, parse_request
from api.sparql.safety import analyse
from api.store.base import FormatChoice, Store


@dataclass(frozen=True)
class Answer:
    """What a route returns: bytes, their media type, extra headers, the status."""

    body: bytes
    media_type: str
    headers: dict[str, str] = field(default_factory=dict)
    status: int = 200


_NO_CACHE = ResultCache(max_bytes=0, max_entry_bytes=1024 * 1024)  # ETags, nothing stored


@functools.lru_cache(maxsize=512)
def negotiate(accept: str | None, format_name: str | None) -> FormatChoice:
    """Media types for each result kind; ``format`` (browsers) overrides ``Accept``.

    Pure, and clients repeat the same few Accept headers: cached.
    """
    if format_name is not None:
        key = format_name.strip().lower()
        if key not in FORMAT_PARAMETER:
            names = ", ".join(FORMAT_PARAMETER)
            raise NotAcceptable(
                f"Unknown format {format_name!r}; use one of: {names}.",
                available=list(FORMAT_PARAMETER),
            )
        results, rdf = FORMAT_PARAMETER[key]
        return FormatChoice(results=results, rdf=rdf)
    return FormatChoice(
        results=choose(accept, list(RESULTS_FORMATS)),
        rdf=choose(accept, list(RDF_FORMATS)),
    )


def describe(store: Store, settings: Settings, request: ProtocolRequest) -> Answer:
    """The SPARQL 1.1 Service Description in the negotiated RDF format (Turtle by default)."""
    media_type = negotiate(request.accept, request.format).rdf
    if media_type is None:
        raise NotAcceptable(
            "The service description is RDF; available: " + ", ".join(RDF_FORMATS),
            available=list(RDF_FORMATS),
        )
    counts = {g: store.triple_count(g) for g in store.named_graphs()}
    triples = service_description(
        settings.sparql_endpoint_url, counts, union_default_graph=settings.default_graph == "union"
    )
    return Answer(serialize_description(triples, media_type), media_type)


async def query_operation(
    store: Store,
    settings: Settings,
    *,
    method: str,
    query_string: str,
    content_type: str | None,
    body: bytes,
    accept: str | None,
    cache: ResultCache | None = None,
    if_none_match: str | None = None,
) -> Answer:
    """The SPARQL 1.1 Protocol query operation (and the service description on a bare GET).

    With a ``cache``, a repeated request is answered from memory
    (``Cache-Status: ccai-kg; hit``), and a GET whose ``If-None-Match`` names
    the result's ETag gets 304 without a body. Results of non-deterministic
    queries (``NOW()``, ``RAND()``, ``UUID()``, ``STRUUID()``, ``BNODE()``, a
    CONSTRUCT template's blank nodes) are never cached and get no ETag.
    """
    request = parse_request(
        method,
        query_string=query_string,
        content_type=content_type,
        body=body,
        accept=accept,
        max_query_chars=settings.max_query_chars,
    )
    if request.query is None:
        return describe(store, settings, request)
    include_inferred = (
        request.inference if request.inference is not None else settings.default_graph == "union"
    )
    formats = negotiate(request.accept, request.format)
    key = CacheKey(
        request.query,
        request.default_graph_uris,
        request.named_graph_uris,
        include_inferred,
        formats,
    )
    cache = cache if cache is not None else _NO_CACHE
    deterministic = analyse(request.query).deterministic
    cached = cache.get(key) if cache.enabled and deterministic else None
    status = "hit"
    if cached is None:
        dataset: dict = {}
        if request.has_protocol_dataset:
            dataset = {
                "default_graph": request.default_graph_uris,
                "named_graphs": request.named_graph_uris,
            }
        result = await store.query(
            request.query,
            formats=formats,
            include_inferred=include_inferred,
            timeout=settings.query_timeout,
            **dataset,
        )
        if not deterministic:  # NOW(), RAND(), new blank nodes: neither cached nor tagged
            headers = {"Cache-Status": "ccai-kg; fwd=bypass; detail=non-deterministic"}
            return Answer(result.body, result.media_type, headers)
        cached = cache.put(key, result)
        status = "fwd=miss; stored" if cache.enabled and cached.etag is not None else "fwd=miss"
    headers = {"Cache-Status": f"ccai-kg; {status}"}
    if cached.etag is None:
        return Answer(cached.result.body, cached.result.media_type, headers)
    headers["ETag"] = cached.etag
    if method == "GET" and etag_matches(if_none_match, cached.etag):
        return Answer(b"", cached.result.media_type, headers, status=304)
    return Answer(cached.result.body, cached.result.media_type, headers)


def health(store: Store, cache: ResultCache | None = None) -> dict:
    """The store's health (workers, queue, recent kills), its size, the cache's counters.

    ``status``: ``ok``, ``degraded`` (serving with fewer workers) or
    ``unavailable`` (no worker can serve).
    """
    store_health = store.health()
    answer: dict = {
        "status": store_health.get("status", "ok"),
        "triples": store.triple_count(),
        "graphs": len(store.named_graphs()),
        "store": store_health,
    }
    if cache is not None:
        answer["result_cache"] = cache.stats()
    return answer
