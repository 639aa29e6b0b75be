"""``/sparql``: the SPARQL 1.1 Protocol query operation (GET and POST).

GET without ``query`` returns the SPARQL 1.1 Service Description (Turtle by
default). A browser (``Accept`` names ``text/html`` and prefers it, no ``format``
parameter) gets the SPARQL editor instead (YASGUI, served from ``/static/vendor/``),
with the request's ``query`` in its first tab and the named queries of ``queries/``
as examples; protocol clients keep their answers. See :mod:`api.sparql.protocol`
for the request rules and :mod:`api.sparql.service` for the default graph.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.linked_data.jsonld import script_safe_json
from api.namespaces import PREFIXES
from api.negotiation import (
    FORMAT_PARAMETER,
    RDF_FORMATS,
    RESULTS_FORMATS,
    content_type_header,
    prefers_html,
)
from api.queries import load_queries
from api.sparql import service
from api.web import render
from api.web.deps import ResultCacheDep, SettingsDep, StoreDep
from api.web.i18n import translator
from api.web.routing import content, error_responses, get_and_head

router = APIRouter(tags=["sparql"])

_DOC = (
    "SPARQL 1.1 Protocol query operation. Parameters: query (exactly one), "
    "default-graph-uri and named-graph-uri (repeatable), format (json, xml, csv, tsv, "
    "turtle, ntriples, jsonld, rdfxml, trig, nquads; overrides Accept), inference "
    "(false = asserted graphs only). Without query: the service description."
)


_PARAMETERS = [
    {
        "name": "query",
        "in": "query",
        "description": "The SPARQL query (SELECT, ASK, CONSTRUCT or DESCRIBE).",
        "schema": {"type": "string", "minLength": 1},
        "examples": {"ask": {"value": "ASK { ?s ?p ?o }"}},
    },
    *(
        {
            "name": name,
            "in": "query",
            "description": "A graph of the dataset (repeatable).",
            "schema": {"type": "array", "items": {"type": "string", "format": "iri"}},
            "style": "form",
            "explode": True,
        }
        for name in ("default-graph-uri", "named-graph-uri")
    ),
    {
        "name": "format",
        "in": "query",
        "description": "Result format; overrides Accept.",
        "schema": {"type": "string", "enum": list(FORMAT_PARAMETER)},
    },
    {
        "name": "inference",
        "in": "query",
        "description": "false: asserted graphs only (no OWL RL inferences).",
        "schema": {"type": "boolean"},
    },
]
_FORM = {
    "type": "object",
    "properties": {
        "query": {"type": "string"},
        "default-graph-uri": {"type": "array", "items": {"type": "string"}},
        "named-graph-uri": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["query"],
}
_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Query results (SELECT, ASK) or an RDF graph (CONSTRUCT, DESCRIBE, "
        "the service description)",
        "content": content(*RESULTS_FORMATS, *RDF_FORMATS),
    },
    304: {"description": "Not modified (If-None-Match names the result's ETag)"},
}
_ERRORS = (400, 403, 406, 413, 429, 503, 504, 507)


def sparql_editor(request: Request, settings: SettingsDep) -> Response:
    """The YASGUI page (see the module docstring)."""
    lang = render.language(request)
    examples = [
        {"name": q.name, "title": q.title, "query": q.render({})} for q in load_queries().values()
    ]
    prefixes = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in sorted(PREFIXES.items()))
    start = request.query_params.get("query") or (
        "# " + translator(lang)("sparql.title") + "\n" + prefixes + "\n"
        "SELECT ?class (COUNT(?entity) AS ?entities) WHERE {\n"
        "  ?entity a ?class .\n  FILTER (STRSTARTS(STR(?class), STR(ccai:)))\n}\n"
        "GROUP BY ?class\nORDER BY DESC(?entities)\n"
    )
    config = {
        "endpoint": settings.sparql_endpoint_url,
        "start": start,
        "examples": examples,
        "prefixes": dict(sorted(PREFIXES.items())),
    }
    response = render.page(
        request,
        "sparql.html",
        base=settings.public_base_url,
        title=translator(lang)("sparql.title"),
        nav="sparql",
        endpoint=settings.sparql_endpoint_url,
        examples=examples,
        config=script_safe_json(json.dumps(config)),
    )
    response.headers["Vary"] = "Accept, Accept-Language, Cookie"
    return response


def _response(answer: service.Answer) -> Response:
    headers = {"Vary": "Accept", **answer.headers}
    return Response(
        answer.body,
        status_code=answer.status,
        media_type=content_type_header(answer.media_type),
        headers=headers,
    )


@get_and_head(
    router,
    "/sparql",
    summary="Query (GET) or service description",
    description=_DOC,
    response_class=Response,
    responses={**_RESPONSES, **error_responses(*_ERRORS)},
    openapi_extra={"parameters": _PARAMETERS},
)
async def sparql_get(
    request: Request, store: StoreDep, settings: SettingsDep, cache: ResultCacheDep
) -> Response:
    if "format" not in request.query_params and prefers_html(
        request.headers.get("accept"), (*RESULTS_FORMATS, *RDF_FORMATS)
    ):
        return sparql_editor(request, settings)
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


@router.post(
    "/sparql",
    summary="Query (POST: form or application/sparql-query)",
    description=_DOC,
    response_class=Response,
    responses={**_RESPONSES, **error_responses(*_ERRORS, 408, 415)},
    openapi_extra={
        "parameters": _PARAMETERS[1:],
        "requestBody": {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {"schema": _FORM},
                "application/sparql-query": {"schema": {"type": "string"}},
            },
        },
    },
)
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
