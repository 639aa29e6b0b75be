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

Services (:mod:`api.web.deps`): the app's
:class:`~api.linked_data.service.LinkedData`, built in the lifespan over the
read facade (every description goes through the same store, checks and
deadline as ``/sparql``). Errors are :class:`~api.errors.CcaiError`
subclasses (``malformed-path`` 400, ``not-found`` 404 with ``iri`` and
``suggestions``, ``not-acceptable`` 406) rendered by the app's one handler:
HTML for browsers, JSON, text, or an empty RDF document for an RDF client's
404.

Wiring::

    from api.web.routers import linked_data
    app.include_router(linked_data.router)
"""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from rdflib import Graph

from api.errors import NotAcceptable
from api.linked_data import formats as fmt
from api.linked_data.describe import new_graph, ontology_graph, ontology_version_iris
from api.linked_data.iris import (
    MalformedPath,
    ResourceRef,
    UnknownResource,
    parse_ontology_version,
    parse_resource_path,
)
from api.linked_data.jsonld import CONTEXT_REL, context_document, script_safe_json, to_jsonld
from api.linked_data.pages import Pages
from api.linked_data.service import STATIC_DIR, LinkedData
from api.linked_data.view import resource_view, sparql_link
from api.namespaces import ONTOLOGY_IRI
from api.negotiation import content_type_header
from api.web import render
from api.web.deps import LinkedDataDep, PagesDep
from api.web.routing import Alternate, content, error_responses, get_and_head, link_header

router = APIRouter(tags=["linked data"])
#: An HTML page embeds its description as JSON-LD up to this many triples.
EMBED_JSONLD_TRIPLES = 300

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


def _select_format(
    request: Request, extension: str | None, ld: LinkedData, path: str
) -> fmt.Format:
    alternates = {a.media_type: a.href for a in _alternates(ld, path)}
    if extension:
        return fmt.by_extension(extension)
    params = request.query_params
    if "_mediatype" in params:
        chosen = fmt.by_media_type(params["_mediatype"])
        if chosen is None:
            raise NotAcceptable(
                f"unsupported _mediatype {params['_mediatype']!r}", alternates=alternates
            )
        return chosen
    if "format" in params:
        chosen = fmt.by_name(params["format"])
        if chosen is None:
            raise NotAcceptable(f"unknown format {params['format']!r}", alternates=alternates)
        return chosen
    chosen = fmt.negotiate(request.headers.get("accept"))
    if chosen is None:
        raise NotAcceptable("none of the offered media types is acceptable", alternates=alternates)
    return chosen


def _alternates(ld: LinkedData, path: str) -> list[Alternate]:
    return [
        Alternate(f.media_type, f"{ld.public_base}{path}.{f.extension}", f.title)
        for f in fmt.FORMATS
    ]


def _serialize(graph: Graph, chosen: fmt.Format) -> str:
    if chosen.name == "jsonld":
        return to_jsonld(graph)
    assert chosen.rdflib_format is not None  # the caller checked chosen.is_rdf
    return graph.serialize(format=chosen.rdflib_format)


def serve(
    request: Request, ld: LinkedData, ref: ResourceRef, pages: Pages | None = None
) -> Response:
    """The description of ``ref`` in the negotiated representation (or an error).

    HTML is the page of :meth:`api.linked_data.pages.Pages.entity` in the
    visitor's language (:mod:`api.web.render`); without ``pages`` (an app
    without the web interface) the plain view of :mod:`api.linked_data.view`.
    """
    path = ref.path
    chosen = _select_format(request, ref.extension, ld, path)
    iri = str(ref.iri)
    # A page reads its incoming links one page at a time (a source document is cited by
    # hundreds of entities): its description leaves them out, their counts tell whether
    # anything links here at all.
    as_page = pages is not None and not chosen.is_rdf and ref.family != "ontology"
    graph = ld.describe(ref, incoming=not as_page)
    counts = pages.incoming_counts(iri) if pages is not None and as_page else []
    if len(graph) == 0 and not counts:
        error = UnknownResource(
            f"The knowledge graph has no description of {iri}.", ld.similar(ref), iri=iri
        )
        if ref.extension:  # the address fixes the representation of the 404 too
            error.details["representation"] = fmt.by_extension(ref.extension).media_type
        raise error
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
        lang = render.language(request)
        html = ld.ontology_html(alternates, lang, render.context(request, nav="ontology"))
        response = HTMLResponse(html, headers=headers)
        response.headers["Vary"] = _vary(ref)
        return response
    if pages is not None:
        return _entity_page(request, ld, pages, ref, graph, counts, alternates, headers)
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


def _vary(ref: ResourceRef) -> str:
    """What an HTML page varies with: its language, and ``Accept`` unless the address
    fixes the format (``….html``)."""
    return "Accept-Language, Cookie" if ref.extension else render.VARY


def _entity_page(
    request: Request,
    ld: LinkedData,
    pages: Pages,
    ref: ResourceRef,
    graph: Graph,
    counts: list[tuple[str, int]],
    alternates: list[Alternate],
    headers: dict[str, str],
) -> Response:
    iri = str(ref.iri)
    lang = render.language(request)
    try:
        in_page = max(1, int(request.query_params.get("in_page", "1")))
    except ValueError:
        in_page = 1
    page = pages.entity(
        iri,
        graph,
        lang,
        incoming_page=in_page,
        incoming_counts=counts,
        concept_use=ref.family == "scheme",
    )
    path = request.url.path

    def incoming_href(n: int) -> str:
        return f"{path}?in_page={n}#in-h"

    return render.page(
        request,
        "resource.html",
        headers=headers,
        vary=_vary(ref),
        base=ld.public_base,
        title=page.title,
        page=page,
        jsonld=_embedded_jsonld(ld, ref, graph, sum(n for _p, n in counts)),
        alternates=alternates,
        canonical=iri,
        sparql_href=sparql_link(ld.sparql_url, iri),
        incoming_href=incoming_href,
        extra=None,
    )


def _embedded_jsonld(ld: LinkedData, ref: ResourceRef, graph: Graph, incoming: int) -> str | None:
    """The whole description (the RDF representations' graph) as JSON-LD for a page to
    embed, if it is small: at most :data:`EMBED_JSONLD_TRIPLES` triples. A large one (a
    source document with its hundreds of incoming links) is one click away
    (``rel="alternate"``), not inlined, and its incoming links are not read for it:
    ``incoming`` links count two triples each (the link and its subject's label)."""
    if len(graph) + 2 * incoming > EMBED_JSONLD_TRIPLES:
        return None
    whole = graph
    if incoming:
        whole = new_graph()
        whole += graph
        whole += ld.incoming_links(ref)
    return script_safe_json(to_jsonld(whole)) if len(whole) <= EMBED_JSONLD_TRIPLES else None


def resolve(
    request: Request, ld: LinkedData, *segments: str, pages: Pages | None = None
) -> Response:
    """Parse a resource path (400 malformed, 404 unknown) and serve its description."""
    return serve(request, ld, parse_resource_path(*segments), pages)


@get_and_head(router, "/id/{kind}/{slug}", summary="An entity", **_RESOURCE)
def entity(request: Request, ld: LinkedDataDep, pages: PagesDep, kind: str, slug: str) -> Response:
    return resolve(request, ld, "id", kind, slug, pages=pages)


@get_and_head(router, "/vocab", summary="The concept schemes", **_RESOURCE)
def vocabularies(request: Request, ld: LinkedDataDep, pages: PagesDep) -> Response:
    return resolve(request, ld, "vocab", pages=pages)


@get_and_head(router, "/vocab.{ext}", include_in_schema=False, **_RESOURCE)
def vocabularies_ext(request: Request, ld: LinkedDataDep, pages: PagesDep, ext: str) -> Response:
    return resolve(request, ld, f"vocab.{_known(ext)}", pages=pages)


@get_and_head(router, "/vocab/{scheme}", summary="A concept scheme", **_RESOURCE)
def scheme(request: Request, ld: LinkedDataDep, pages: PagesDep, scheme: str) -> Response:
    return resolve(request, ld, "vocab", scheme, pages=pages)


@get_and_head(router, "/vocab/{scheme}/{concept}", summary="A concept", **_RESOURCE)
def concept(
    request: Request, ld: LinkedDataDep, pages: PagesDep, scheme: str, concept: str
) -> Response:
    return resolve(request, ld, "vocab", scheme, concept, pages=pages)


@get_and_head(router, "/source/{slug}", summary="A source document", **_RESOURCE)
def source_document(request: Request, ld: LinkedDataDep, pages: PagesDep, slug: str) -> Response:
    return resolve(request, ld, "source", slug, pages=pages)


@get_and_head(router, "/source/{slug}/{locator}", summary="A place in a source", **_RESOURCE)
def locator(
    request: Request, ld: LinkedDataDep, pages: PagesDep, slug: str, locator: str
) -> Response:
    return resolve(request, ld, "source", slug, locator, pages=pages)


@get_and_head(router, "/graph/{name}", summary="A named graph (VoID summary)", **_RESOURCE)
def named_graph(request: Request, ld: LinkedDataDep, pages: PagesDep, name: str) -> Response:
    return resolve(request, ld, "graph", name, pages=pages)


@get_and_head(router, "/ontology", summary="The ontology", **_RESOURCE)
def ontology(request: Request, ld: LinkedDataDep, pages: PagesDep) -> Response:
    return resolve(request, ld, "ontology", pages=pages)


@get_and_head(router, "/ontology.{ext}", include_in_schema=False, **_RESOURCE)
def ontology_ext(request: Request, ld: LinkedDataDep, pages: PagesDep, ext: str) -> Response:
    return resolve(request, ld, f"ontology.{_known(ext)}", pages=pages)


@get_and_head(router, "/ontology/{version}", summary="A version of the ontology", **_RESOURCE)
def ontology_version(
    request: Request, ld: LinkedDataDep, pages: PagesDep, version: str
) -> Response:
    return serve(request, ld, ontology_version_ref(ld, version), pages)


def ontology_version_ref(ld: LinkedData, version: str) -> ResourceRef:
    """The ontology, if ``version`` is one it declares (``owl:versionIRI``); else 404."""
    number, extension = parse_ontology_version(version)
    declared = ontology_version_iris(ontology_graph(ld.source))
    if f"{ONTOLOGY_IRI}/{number}" not in declared:
        raise UnknownResource(
            f"No version {number} of the ontology is published here.",
            sorted(declared),
            iri=f"{ONTOLOGY_IRI}/{number}",
        )
    return ResourceRef("ontology", ONTOLOGY_IRI, "ontology", extension)


def _known(ext: str) -> str:
    if ext not in fmt.FORMAT_NAMES:
        names = ", ".join("." + f.extension for f in fmt.FORMATS)
        raise MalformedPath(f"unknown extension; use one of {names}")
    return ext


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
