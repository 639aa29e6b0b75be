"""``/sparql``: the SPARQL 1.1 Protocol query operation (GET and POST).

GET without ``query`` returns the SPARQL 1.1 Service Description (Turtle by
default). See :mod:`api.sparql.protocol` for the request rules and
:mod:`api.sparql.service` for the default graph.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.negotiation import content_type_header
from api.sparql import service
from api.web.deps import ResultCacheDep, SettingsDep, StoreDep

router = APIRouter(tags=["sparql"])

_DOC = (
    "SPARQL 1.1 Protocol query operation. Parameters: query (exactly one), "
    "default-graph-uri and named-graph-uri (repeatable), format (json, xml, csv, tsv, "
    "turtle, ntriples, jsonld, rdfxml, trig, nquads; overrides Accept), inference "
    "(false = asserted graphs only). Without query: the service description."
)


def _response(answer: service.Answer) -> Response:
    headers = {"Vary": "Accept", **answer.headers}
    return Response(
        answer.body,
        status_code=answer.status,
        media_type=content_type_header(answer.media_type),
        headers=headers,
    )


@router.get("/sparql", summary="Query (GET) or service description", description=_DOC)
async def sparql_get(
    request: Request, store: StoreDep, settings: SettingsDep, cache: ResultCacheDep
) -> Response:
    answer = await service.query_operation(
        store,
        settings,
        method="GET",
        query_string=request.url.query,
        content_type=None,
        body=b"",
        accept=request.headers.get("accept"),
        cache=cache,
        if_none_match=request.headers.get("if-none-match"),
    )
    return _response(answer)


@router.post("/sparql", summary="Query (POST: form or application/sparql-query)", description=_DOC)
async def sparql_post(
    request: Request, store: StoreDep, settings: SettingsDep, cache: ResultCacheDep
) -> Response:
    answer = await service.query_operation(
        store,
        settings,
        method="POST",
        query_string=request.url.query,
        content_type=request.headers.get("content-type"),
        body=await request.body(),
        accept=request.headers.get("accept"),
        cache=cache,
        if_none_match=request.headers.get("if-none-match"),
    )
    return _response(answer)
