"""Linked-data pages: every IRI under https://w3id.org/ccai/ resolves here.

Routes (GET and HEAD): ``/id/{kind}/{slug}``, ``/vocab``, ``/vocab/{scheme}``,
``/vocab/{scheme}/{concept}``, ``/source/{slug}``, ``/source/{slug}/{locator}``,
``/graph/{name}``, ``/ontology``, ``/ontology/{version}``, ``/context.jsonld``,
``/static/ccai.css``. The last segment of a resource path may carry an
extension (``.html .ttl .jsonld .nt .rdf``) that fixes the format.

The resource IRI answers ``200`` with the representation the client prefers
(no 303: the description is served at the IRI, with ``Content-Location``
naming the format-specific document ``…/x.ttl``), ``Vary: Accept`` and a
``Link`` header listing the alternates (``rel="alternate"; type=…``), the
canonical IRI (``rel="canonical"``) and, for JSON-LD, the published context.
``400`` for a path outside the slug grammar, ``404`` (HTML, JSON or an empty
RDF document, per ``Accept``) for an IRI the graph does not describe, ``406``
when no offered format is acceptable (or ``?format=``/``?_mediatype=`` names
an unknown one).

App state it needs (read on first request):

``app.state.linked_data``
    an :class:`api.linked_data.LinkedData`; or else it is built from
``app.state.store``
    a ``pyoxigraph.Store`` or any :class:`api.linked_data.SparqlSource`
    (``construct(sparql) -> rdflib.Graph``, ``select(sparql) -> rows``); if it
    is neither (the SPARQL service's :class:`api.store.base.Store`), a
    read-only ``pyoxigraph.Store`` is opened on ``settings.oxigraph_path()``;
``app.state.settings`` (optional)
    an :class:`api.settings.Settings`: ``public_base_url`` and
    ``sparql_endpoint_url`` (default: the request's base URL).

Wiring::

    from api.web.routers import linked_data
    app.include_router(linked_data.router)
"""

from __future__ import annotations

import json

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from rdflib import Graph

from api.linked_data import formats as fmt
from api.linked_data.describe import ontology_graph, ontology_version_iris
from api.linked_data.iris import (
    MalformedPath,
    ResourceRef,
    UnknownResource,
    parse_ontology_version,
    parse_resource_path,
)
from api.linked_data.jsonld import CONTEXT_REL, context_document, script_safe_json, to_jsonld
from api.linked_data.service import STATIC_DIR, LinkedData
from api.linked_data.source import SparqlSource
from api.linked_data.view import curie, resource_view, sparql_link
from api.namespaces import BASE, ONTOLOGY_IRI
from api.negotiation import choose, content_type_header
from api.web.routing import Alternate, content, error_responses, get_and_head, link_header

router = APIRouter(tags=["linked data"])

_MEDIA_TYPES = tuple(f.media_type for f in fmt.FORMATS)
#: OpenAPI of a resource route: what it answers (see the module docstring) and the
#: parameters it reads besides its path.
_RESOURCE: dict = {
    "response_class": Response,
    "responses": {
        200: {
            "description": "The description, in the negotiated format",
            "content": content(*_MEDIA_TYPES),
        },
        **error_responses(
            400, 404, 406, media_types=(*_MEDIA_TYPES, "application/json", "text/plain")
        ),
    },
    "openapi_extra": {
        "parameters": [
            {
                "name": "format",
                "in": "query",
                "description": "Format name; overrides Accept.",
                "schema": {"type": "string", "enum": sorted(fmt.FORMAT_NAMES)},
            },
            {
                "name": "_mediatype",
                "in": "query",
                "description": "Media type; overrides Accept.",
                "schema": {"type": "string", "enum": list(fmt.OFFERED)},
            },
        ]
    },
}


class NotAcceptable(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _ld(request: Request) -> LinkedData:
    state = request.app.state
    ld = getattr(state, "linked_data", None)
    if ld is None:
        settings = getattr(state, "settings", None)
        public = settings.public_base_url if settings else str(request.base_url)
        sparql = settings.sparql_endpoint_url if settings else None
        store = getattr(state, "store", None)
        if not isinstance(store, ox.Store | SparqlSource) and settings is not None:
            # The SPARQL service's Store speaks serialized results; open our own
            # read-only handle on the same Oxigraph directory.
            store = ox.Store.read_only(str(settings.oxigraph_path()))
        ld = LinkedData(store, public_base=public, sparql_url=sparql)
        state.linked_data = ld
    return ld


def _select_format(request: Request, extension: str | None) -> fmt.Format:
    if extension:
        return fmt.by_extension(extension)
    params = request.query_params
    if "_mediatype" in params:
        chosen = fmt.by_media_type(params["_mediatype"])
        if chosen is None:
            raise NotAcceptable(f"unsupported _mediatype {params['_mediatype']!r}")
        return chosen
    if "format" in params:
        chosen = fmt.by_name(params["format"])
        if chosen is None:
            raise NotAcceptable(f"unknown format {params['format']!r}")
        return chosen
    chosen = fmt.negotiate(request.headers.get("accept"))
    if chosen is None:
        raise NotAcceptable("none of the offered media types is acceptable")
    return chosen


def _alternates(ld: LinkedData, path: str) -> list[Alternate]:
    return [
        Alternate(f.media_type, f"{ld.public_base}{path}.{f.extension}", f.title)
        for f in fmt.FORMATS
    ]


def _serialize(graph: Graph, chosen: fmt.Format) -> str:
    if chosen.name == "jsonld":
        return to_jsonld(graph)
    return graph.serialize(format=chosen.rdflib_format)


def _error(
    request: Request,
    status: int,
    code: str,
    message: str,
    *,
    iri: str | None = None,
    suggestions: list[tuple[str, str]] | None = None,
    extension: str | None = None,
) -> Response:
    """An error in the form the client can read: HTML, JSON, an empty RDF document, or text."""
    ld = _ld(request)
    suggestions = suggestions or []
    if extension:
        wanted = fmt.by_extension(extension).media_type
    else:
        offered = ["text/html", "application/json", *(f.media_type for f in fmt.FORMATS[1:])]
        wanted = choose(request.headers.get("accept"), offered) or "text/plain"
    headers = {"Vary": "Accept"}
    if wanted == "text/html":
        titles = {400: "Malformed address", 404: "Not found", 406: "Not acceptable"}
        body = ld.render(
            "not_found.html" if status == 404 else "error.html",
            title=titles.get(status, "Error"),
            message=message,
            iri=iri,
            suggestions=[{"href": href, "text": text} for href, text in suggestions],
            query=(iri or "").rstrip("/").rpartition("/")[2].replace("-", " "),
            alternates=[],
        )
        return HTMLResponse(body, status_code=status, headers=headers)
    if wanted == "application/json":
        payload = {"error": code, "message": message, "status": status}
        if iri:
            payload["iri"] = iri
        if suggestions:
            payload["suggestions"] = [href for href, _ in suggestions]
        return Response(
            json.dumps(payload), status_code=status, media_type="application/json", headers=headers
        )
    rdf = next((f for f in fmt.FORMATS if f.media_type == wanted), None)
    if rdf is not None and status == 404:  # a well-formed, empty document: zero triples
        body = "{}" if rdf.name == "jsonld" else Graph().serialize(format=rdf.rdflib_format)
        return Response(
            body,
            status_code=status,
            headers={**headers, "Content-Type": content_type_header(rdf.media_type)},
        )
    return Response(f"{code}: {message}\n", status_code=status, media_type="text/plain")


def _not_acceptable(request: Request, ld: LinkedData, path: str, message: str) -> Response:
    alternates = _alternates(ld, path)
    payload = {
        "error": "not-acceptable",
        "message": message,
        "status": 406,
        "available": {a.media_type: a.href for a in alternates},
    }
    return Response(
        json.dumps(payload),
        status_code=406,
        media_type="application/json",
        headers={"Vary": "Accept", "Link": link_header(alternates, BASE + path)},
    )


def _serve(request: Request, ref: ResourceRef, *, canonical_path: str | None = None) -> Response:
    ld = _ld(request)
    path = canonical_path or ref.path
    try:
        chosen = _select_format(request, ref.extension)
    except NotAcceptable as exc:
        return _not_acceptable(request, ld, path, exc.message)
    graph = ld.describe(ref)
    iri = str(ref.iri)
    if len(graph) == 0:
        return _not_found(request, ld, ref)
    alternates = _alternates(ld, path)
    extra = ""
    if chosen.name == "jsonld":
        extra = f'<{ld.public_base}context.jsonld>; rel="{CONTEXT_REL}"'
    headers = {"Link": link_header(alternates, iri, extra)}
    if ref.extension is None:
        headers["Vary"] = "Accept"
        headers["Content-Location"] = f"{ld.public_base}{path}.{chosen.extension}"
    if chosen.is_rdf:
        return Response(
            _serialize(graph, chosen),
            headers={**headers, "Content-Type": content_type_header(chosen.media_type)},
        )
    if ref.family == "ontology":
        return HTMLResponse(ld.ontology_html(alternates), headers=headers)
    view = resource_view(graph, iri, ld.public_base)
    body = ld.render(
        "resource.html",
        title=view.title,
        view=view,
        jsonld=script_safe_json(to_jsonld(graph)),
        alternates=alternates,
        canonical=iri,
        sparql_href=sparql_link(ld.sparql_url, iri),
        incoming_capped=len(view.incoming) >= 2000,
        extra=None,
    )
    return HTMLResponse(body, headers=headers)


def _not_found(request: Request, ld: LinkedData, ref: ResourceRef) -> Response:
    suggestions = [(ld.href(s), curie(s)) for s in ld.similar(ref)]
    return _error(
        request,
        404,
        "not-found",
        f"The knowledge graph has no description of {ref.iri}.",
        iri=str(ref.iri),
        suggestions=suggestions,
        extension=ref.extension,
    )


def _resolve(request: Request, *segments: str) -> Response:
    try:
        ref = parse_resource_path(*segments)
    except MalformedPath as exc:
        return _error(request, 400, "malformed-path", str(exc))
    except UnknownResource as exc:
        suggestions = [(_ld(request).public_base + s, s) for s in exc.suggestions]
        return _error(request, 404, "not-found", exc.message, suggestions=suggestions)
    return _serve(request, ref)


@get_and_head(router, "/id/{kind}/{slug}", summary="An entity", **_RESOURCE)
def entity(request: Request, kind: str, slug: str) -> Response:
    return _resolve(request, "id", kind, slug)


@get_and_head(router, "/vocab", summary="The concept schemes", **_RESOURCE)
def vocabularies(request: Request) -> Response:
    return _resolve(request, "vocab")


@get_and_head(router, "/vocab.{ext}", include_in_schema=False, **_RESOURCE)
def vocabularies_ext(request: Request, ext: str) -> Response:
    return _resolve(request, f"vocab.{ext}") if ext in fmt.FORMAT_NAMES else _bad_ext(request)


@get_and_head(router, "/vocab/{scheme}", summary="A concept scheme", **_RESOURCE)
def scheme(request: Request, scheme: str) -> Response:
    return _resolve(request, "vocab", scheme)


@get_and_head(router, "/vocab/{scheme}/{concept}", summary="A concept", **_RESOURCE)
def concept(request: Request, scheme: str, concept: str) -> Response:
    return _resolve(request, "vocab", scheme, concept)


@get_and_head(router, "/source/{slug}", summary="A source document", **_RESOURCE)
def source_document(request: Request, slug: str) -> Response:
    return _resolve(request, "source", slug)


@get_and_head(router, "/source/{slug}/{locator}", summary="A place in a source", **_RESOURCE)
def locator(request: Request, slug: str, locator: str) -> Response:
    return _resolve(request, "source", slug, locator)


@get_and_head(router, "/graph/{name}", summary="A named graph (VoID summary)", **_RESOURCE)
def named_graph(request: Request, name: str) -> Response:
    return _resolve(request, "graph", name)


@get_and_head(router, "/ontology", summary="The ontology", **_RESOURCE)
def ontology(request: Request) -> Response:
    return _resolve(request, "ontology")


@get_and_head(router, "/ontology.{ext}", include_in_schema=False, **_RESOURCE)
def ontology_ext(request: Request, ext: str) -> Response:
    return _resolve(request, f"ontology.{ext}") if ext in fmt.FORMAT_NAMES else _bad_ext(request)


@get_and_head(router, "/ontology/{version}", summary="A version of the ontology", **_RESOURCE)
def ontology_version(request: Request, version: str) -> Response:
    try:
        number, extension = parse_ontology_version(version)
    except MalformedPath as exc:
        return _error(request, 400, "malformed-path", str(exc))
    ld = _ld(request)
    declared = ontology_version_iris(ontology_graph(ld.source))
    if f"{ONTOLOGY_IRI}/{number}" not in declared:
        return _error(
            request,
            404,
            "not-found",
            f"No version {number} of the ontology is published here.",
            iri=f"{ONTOLOGY_IRI}/{number}",
            suggestions=[(ld.href(v), v) for v in sorted(declared)],
            extension=extension,
        )
    return _serve(request, ResourceRef("ontology", ONTOLOGY_IRI, "ontology", extension))


def _bad_ext(request: Request) -> Response:
    return _error(
        request,
        400,
        "malformed-path",
        f"unknown extension; use one of {', '.join('.' + f.extension for f in fmt.FORMATS)}",
    )


@get_and_head(
    router,
    "/context.jsonld",
    summary="The JSON-LD context of the knowledge graph",
    response_class=Response,
    responses={
        200: {"description": "The context", "content": content("application/ld+json")},
        **error_responses(),
    },
)
def jsonld_context() -> Response:
    return Response(
        json.dumps(context_document(), indent=2),
        media_type="application/ld+json",
        headers={"Cache-Control": "public, max-age=86400"},
    )


@get_and_head(router, "/static/ccai.css", include_in_schema=False)
def stylesheet() -> FileResponse:
    return FileResponse(STATIC_DIR / "ccai.css", media_type="text/css")
