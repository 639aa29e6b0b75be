"""FAIR publication routes: landing page, DCAT-AP catalogue, VoID and downloads.

Routes (all GET and HEAD):

=============================  ======================================================
``/``                          landing page (HTML). An RDF ``Accept`` (or
                               ``?format=turtle`` …) gets ``303 See Other`` to
                               ``/catalog`` (``/catalog.ttl`` …): the home page is a
                               document *about* the dataset, its RDF description
                               lives at the catalogue (the httpRange-14 pattern), so
                               one URL never names two things. 406 if nothing fits.
``/catalog``, ``/dataset``     the DCAT-AP 3.0.1 description (catalogue, dataset,
                               distributions, SPARQL service); ``/dataset`` is where
                               ``https://w3id.org/ccai/dataset`` resolves and serves
                               the same graph, its HTML view focused on the dataset.
``/.well-known/void``          the VoID description (RFC 8615 well-known URI, as
                               the VoID guide proposes).
``/catalog.{ext}`` …           the same, one format fixed by ``.ttl .jsonld .nt .rdf
                               .html``
``/download``                  the artefacts with size and SHA-256 (JSON, or HTML)
``/download/{file}``           one artefact of ``report.json`` or ``SHA256SUMS``
=============================  ======================================================

Negotiation for the three descriptions (data: :data:`DESCRIPTION_FORMATS`):
an extension, then ``?format=`` (``turtle``, ``jsonld``, ``ntriples``,
``rdfxml``, ``html`` and the aliases of :mod:`api.linked_data.formats`) or
``?_mediatype=``, then ``Accept``. With no preference (no ``Accept``,
``*/*``) **Turtle** is served: these are metadata documents fetched mostly by
harvesters; a browser (``text/html`` first) gets HTML. Responses carry
``Vary: Accept``, ``Content-Location``, a ``Link`` header (alternates,
canonical IRI, JSON-LD context), a strong ``ETag`` and ``Cache-Control``;
``If-None-Match`` → 304. ``406`` (JSON body listing the alternates) when
nothing offered is acceptable or a ``format`` is unknown.

Downloads: an allow-list (:class:`api.fair.service.FairService`); any other
name, a path, a symbolic link or a file whose size differs from the report →
404. ``Content-Type`` is the artefact's media type; ``ccai.nt.gz`` is served as
``application/gzip`` **without** ``Content-Encoding`` (so that clients do not
decompress it and the bytes match the published size and checksum), with
``Content-Disposition: attachment; filename="ccai.nt.gz"``.
Headers: ``Content-Length``, ``ETag: "<sha256 hex>"``,
``Repr-Digest: sha-256=:<base64>:`` (RFC 9530) and ``Digest: sha-256=<base64>``
(RFC 3230), ``Last-Modified``, ``Cache-Control: public, max-age=3600``,
``Accept-Ranges: bytes``. Conditional GET (``If-None-Match``, else
``If-Modified-Since``) → 304; ``Range``/``If-Range`` → 206 (Starlette's
``FileResponse``). ``503 build-unavailable`` when the build directory has no
``report.json``.

Services (:mod:`api.web.deps`): the app's :class:`~api.fair.service.FairService`,
built in the lifespan from the pinned build generation (``503
build-unavailable`` when the build has no ``report.json``), and the settings
(``public_base_url``: the base of every URL in the descriptions). Errors are
raised as :class:`~api.errors.CcaiError` and rendered by the app's one
handler.

Wiring (in :func:`api.web.app.create_app`)::

    from api.web.routers import fair
    app.include_router(fair.router)

Include it *after* any router that also claims ``/`` (it owns the home page).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from typing import Any, Final

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from api.errors import NotAcceptable
from api.fair import terms as t
from api.fair.service import (
    DOWNLOAD_MAX_AGE,
    METADATA_MAX_AGE,
    ArtefactNotFound,
    FairService,
    Kind,
    Rendered,
    rendered_document,
)
from api.fair.void import void_description_iri
from api.linked_data import formats as fmt
from api.linked_data.iris import to_public
from api.linked_data.jsonld import CONTEXT_REL, dumps, script_safe_json, to_jsonld
from api.linked_data.pages import KIND_OF_CLASS, page_from_view
from api.linked_data.view import resource_view, sparql_link
from api.namespaces import CCAI, VOCAB
from api.negotiation import choose, etag_matches
from api.settings import Settings
from api.web import render
from api.web.deps import FairDep, LandingServicesDep, SettingsDep
from api.web.i18n import COOKIE, LANGUAGES
from api.web.routing import Alternate, content, error_responses, get_and_head, link_header
from api.web.services import Services

router = APIRouter(tags=["FAIR publication"])


@dataclass(frozen=True)
class Description:
    """One negotiated description route: which graph, where, and what its HTML shows."""

    path: str  # public path without extension
    kind: Kind
    canonical: str  # the IRI the document is about / canonical address
    focus: str  # the resource the HTML view is about
    heading: str


#: Formats of the three descriptions, server order: the first is the default.
DESCRIPTION_FORMATS: Final[tuple[fmt.Format, ...]] = tuple(
    fmt.FORMAT_NAMES[name] for name in ("turtle", "jsonld", "ntriples", "rdfxml", "html")
)
_DESCRIPTION_OFFERED: Final = tuple(
    [f.media_type for f in DESCRIPTION_FORMATS] + list(fmt.MEDIA_TYPE_ALIASES)
)
#: The landing page: HTML first; an RDF type redirects to the catalogue.
_LANDING_OFFERED: Final = ("text/html", *_DESCRIPTION_OFFERED[:4], *fmt.MEDIA_TYPE_ALIASES)
_LISTING_OFFERED: Final = ("application/json", "text/html")

# --- OpenAPI: what each route answers --------------------------------------------------------
_NOT_MODIFIED: Final[dict[int | str, dict[str, Any]]] = {
    304: {"description": "Not modified (If-None-Match, If-Modified-Since)"}
}
_FORMAT_PARAMETERS: Final = [
    {
        "name": "format",
        "in": "query",
        "description": "Format name; overrides Accept.",
        "schema": {"type": "string", "enum": [f.name for f in DESCRIPTION_FORMATS]},
    },
    {
        "name": "_mediatype",
        "in": "query",
        "description": "Media type; overrides Accept.",
        "schema": {"type": "string", "enum": [f.media_type for f in DESCRIPTION_FORMATS]},
    },
]
_DESCRIPTION_ROUTE: Final = {
    "response_class": Response,
    "responses": {
        200: {
            "description": "The description, in the negotiated format",
            "content": content(*(f.media_type for f in DESCRIPTION_FORMATS)),
        },
        **_NOT_MODIFIED,
        **error_responses(404, 406, 503),
    },
    "openapi_extra": {"parameters": _FORMAT_PARAMETERS},
}
_LANDING_ROUTE: Final = {
    "response_class": Response,
    "responses": {
        200: {"description": "The landing page", "content": content("text/html")},
        303: {"description": "An RDF format was asked for: see the catalogue"},
        **_NOT_MODIFIED,
        **error_responses(406, 503),
    },
    "openapi_extra": {"parameters": _FORMAT_PARAMETERS},
}
_LISTING_ROUTE: Final = {
    "response_class": Response,
    "responses": {
        200: {"description": "The artefacts", "content": content(*_LISTING_OFFERED)},
        **_NOT_MODIFIED,
        **error_responses(406, 503),
    },
    "openapi_extra": {
        "parameters": [
            {
                "name": "format",
                "in": "query",
                "description": "json or html; overrides Accept.",
                "schema": {"type": "string", "enum": ["json", "html"]},
            }
        ]
    },
}
#: What the build writes (api.build.artefacts), its report and checksums.
_ARTEFACT_TYPES: Final = (
    "text/turtle",
    "application/gzip",
    "application/ld+json",
    "application/trig",
    "application/n-quads",
    "application/n-triples",
    "application/json",
    "text/plain",
    "application/octet-stream",
)
_FILE_ROUTE: Final = {
    "response_class": Response,
    "responses": {
        200: {"description": "The artefact", "content": content(*_ARTEFACT_TYPES)},
        206: {"description": "Part of it (Range)", "content": content(*_ARTEFACT_TYPES)},
        **_NOT_MODIFIED,
        416: {"description": "Range not satisfiable", "content": content("text/plain")},
        **error_responses(404, 503),
    },
}


def _base(settings: Settings) -> str:
    return t.normalise_base(settings.public_base_url)


# --- negotiation ---------------------------------------------------------------------------
def _choose_format(
    request: Request,
    extension: str | None,
    offered: tuple[str, ...],
    alternates: list[Alternate],
) -> fmt.Format:
    """Extension, then ``_mediatype``/``format``, then ``Accept`` (see the module docstring)."""
    allowed = {f.name for f in DESCRIPTION_FORMATS}
    if extension is not None:
        chosen = fmt.FORMAT_NAMES.get(extension)
    elif "_mediatype" in request.query_params:
        chosen = fmt.by_media_type(request.query_params["_mediatype"])
    elif "format" in request.query_params:
        chosen = fmt.by_name(request.query_params["format"])
    else:
        media_type = choose(request.headers.get("accept"), offered)
        chosen = fmt.by_media_type(media_type) if media_type else None
        if chosen is None:
            raise _not_acceptable("none of the offered media types is acceptable", alternates)
    if chosen is None or chosen.name not in allowed:
        raise _not_acceptable(
            "unknown format; use one of " + ", ".join(sorted(allowed)), alternates
        )
    return chosen


def _alternates(base: str, path: str) -> list[Alternate]:
    return [
        Alternate(f.media_type, f"{base}{path}.{f.extension}", f.title) for f in DESCRIPTION_FORMATS
    ]


def _not_acceptable(message: str, alternates: list[Alternate]) -> NotAcceptable:
    return NotAcceptable(message, alternates={a.media_type: a.href for a in alternates})


def _alternate_links(alternates: list[Alternate]) -> list[str]:
    return [f'<{a.href}>; rel="alternate"; type="{a.media_type}"' for a in alternates]


# --- conditional requests ------------------------------------------------------------------
def _not_modified(request: Request, etag: str, mtime: float | None = None) -> bool:
    inm = request.headers.get("if-none-match")
    if inm is not None:
        return etag_matches(inm, etag)
    ims = request.headers.get("if-modified-since")
    if ims is None or mtime is None:
        return False
    try:
        since = parsedate_to_datetime(ims).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return False
    return int(mtime) <= since


def _respond(request: Request, rendered: Rendered, headers: dict[str, str]) -> Response:
    headers = {
        **headers,
        "ETag": rendered.etag,
        "Cache-Control": f"public, max-age={METADATA_MAX_AGE}",
    }
    if _not_modified(request, rendered.etag):
        return Response(status_code=304, headers=headers)
    return Response(rendered.body, headers={**headers, "Content-Type": rendered.content_type})


# --- the descriptions ----------------------------------------------------------------------
def _descriptions(base: str) -> dict[str, Description]:
    void_doc = str(void_description_iri(base))
    return {
        "catalog": Description(
            "catalog", "catalog", str(t.CATALOG_IRI), str(t.CATALOG_IRI), "DCAT-AP catalogue"
        ),
        "dataset": Description(
            "dataset", "catalog", str(t.DATASET), str(t.DATASET), "DCAT-AP dataset description"
        ),
        "void": Description(
            ".well-known/void", "void", void_doc, str(t.DATASET), "VoID description"
        ),
    }


def serve_description(
    request: Request,
    service: FairService,
    settings: Settings,
    name: str,
    extension: str | None = None,
) -> Response:
    """Negotiate and serve one of the descriptions (``catalog``, ``dataset``, ``void``)."""
    base = _base(settings)
    described = _descriptions(base)[name]
    alternates = _alternates(base, described.path)
    chosen = _choose_format(request, extension, _DESCRIPTION_OFFERED, alternates)
    extra = f'<{base}context.jsonld>; rel="{CONTEXT_REL}"' if chosen.name == "jsonld" else ""
    headers = {"Link": link_header(alternates, described.canonical, extra)}
    if extension is None:
        headers["Vary"] = "Accept"
        headers["Content-Location"] = f"{base}{described.path}.{chosen.extension}"
    if chosen.is_rdf:
        return _respond(request, service.serialized(described.kind, base, chosen), headers)
    graph = service.graph(described.kind, base)
    view = resource_view(graph, described.focus, base)
    body = (
        render.environment()
        .get_template("resource.html")
        .render(
            **render.context(request),
            base=base,
            title=view.title,
            page=page_from_view(view),
            incoming_href=lambda n: f"?in_page={n}",
            jsonld=script_safe_json(to_jsonld(graph)),
            alternates=alternates,
            canonical=to_public(described.canonical, base),
            sparql_href=sparql_link(base + "sparql", described.focus),
            incoming_capped=False,
            extra={"heading": described.heading, "text": _summary(described, base)},
        )
    )
    return _respond(request, rendered_document(body.encode("utf-8"), "text/html"), headers)


def _summary(described: Description, base: str) -> str:
    if described.kind == "void":
        return (
            "Statistics of the knowledge graph in the Vocabulary of Interlinked Datasets "
            "(VoID): counts, class and property partitions, named graphs and linksets. "
            "Counted from the store of this build."
        )
    return (
        "The catalogue entry of the knowledge graph in DCAT-AP 3.0.1: the dataset, its "
        f"downloadable distributions ({base}download) and the SPARQL endpoint."
    )


# --- landing page -------------------------------------------------------------------------
def landing_page(request: Request, services: Services) -> Response:
    """HTML landing page, or 303 to the catalogue for an RDF client."""
    settings = services.settings
    base = _base(settings)
    alternates = _alternates(base, "catalog")
    chosen = _choose_format(request, None, _LANDING_OFFERED, alternates)
    if chosen.is_rdf:
        # A named format is kept in the target; a negotiated one is negotiated again there.
        named = "format" in request.query_params or "_mediatype" in request.query_params
        target = f"{base}catalog.{chosen.extension}" if named else f"{base}catalog"
        return RedirectResponse(target, status_code=303, headers={"Vary": "Accept"})
    landing = services.require_fair().landing(base)
    lang = render.language(request)
    pages = services.pages
    body = (
        render.environment()
        .get_template("home.html")
        .render(
            **render.context(request),
            base=base,
            page="home",
            title="Home",
            landing=landing,
            jsonld=script_safe_json(dumps(landing.jsonld)),
            described_by=alternates[:2],
            void_href=base + ".well-known/void",
            alternates=[],
            canonical=str(t.HOMEPAGE),
            class_bars=[
                (
                    pages.term_label(str(CCAI[local]), lang),
                    c.with_inference,
                    base + "id/" + KIND_OF_CLASS[local] if local in KIND_OF_CLASS else c.href,
                )
                for c in landing.classes
                if c.with_inference and (local := c.name.removeprefix("ccai:")) in KIND_OF_CLASS
            ],
            source_bars=[(s.title, s.entities, f"{base}source/{s.slug}") for s in landing.sources],
            theme_bars=[
                (link.text, n, link.href)
                for link, n in pages.concept_use(str(VOCAB["themes"]), lang)
                if n
            ],
        )
    )
    links = [
        f'<{t.DATASET}>; rel="cite-as"',
        *(f'<{a.href}>; rel="describedby"; type="{a.media_type}"' for a in alternates[:2]),
        f'<{t.LICENSE}>; rel="license"',
        *(
            f'<{base}download/{d.file}>; rel="item"; type="{d.media_type}"'
            for d in landing.downloads
            if d.distribution
        ),
    ]
    headers = {"Vary": render.VARY, "Link": ", ".join(links)}
    response = _respond(request, rendered_document(body.encode("utf-8"), "text/html"), headers)
    if request.query_params.get("lang") in LANGUAGES:
        response.set_cookie(COOKIE, request.query_params["lang"], max_age=365 * 86400)
    return response


# --- downloads ----------------------------------------------------------------------------
def download_listing(request: Request, service: FairService, settings: Settings) -> Response:
    """The artefacts with URL, size and SHA-256, as JSON (default) or HTML."""
    base = _base(settings)
    wanted = request.query_params.get("format")
    if wanted is not None:
        media_type = {"json": "application/json", "html": "text/html"}.get(wanted.lower())
    else:
        media_type = choose(request.headers.get("accept"), _LISTING_OFFERED)
    alternates = [
        Alternate("application/json", f"{base}download?format=json", "JSON"),
        Alternate("text/html", f"{base}download?format=html", "HTML"),
    ]
    if media_type is None:
        raise _not_acceptable("the listing is offered as JSON or HTML", alternates)
    headers = {"Vary": "Accept", "Link": ", ".join(_alternate_links(alternates))}
    if media_type == "application/json":
        body = json.dumps(service.download_list(base), indent=2).encode("utf-8")
        return _respond(request, rendered_document(body, "application/json"), headers)
    landing = service.landing(base)
    html = (
        render.environment()
        .get_template("home.html")
        .render(
            **render.context(request),
            base=base,
            page="downloads",
            title="Downloads",
            landing=landing,
            jsonld=None,
            described_by=[],
            alternates=alternates,
            canonical=None,
        )
    )
    return _respond(request, rendered_document(html.encode("utf-8"), "text/html"), headers)


def download_file(request: Request, service: FairService, file: str) -> Response:
    """One allow-listed artefact (see the module docstring for the headers)."""
    artefact = service.download(file)
    try:
        info = os.stat(artefact.path)
    except OSError:
        raise ArtefactNotFound(f"{file} is missing from the build directory.") from None
    headers = {
        "ETag": artefact.etag,
        "Repr-Digest": artefact.repr_digest,
        "Digest": artefact.digest,
        "Cache-Control": f"public, max-age={DOWNLOAD_MAX_AGE}",
        "Last-Modified": formatdate(info.st_mtime, usegmt=True),
    }
    if _not_modified(request, artefact.etag, info.st_mtime):
        return Response(status_code=304, headers=headers)
    return FileResponse(
        artefact.path,
        media_type=artefact.content_type,
        filename=artefact.file,
        stat_result=info,
        headers=headers,
    )


# --- the routes (thin: read the request, call one function) ------------------------------
@get_and_head(router, "/", summary="Landing page of the dataset", **_LANDING_ROUTE)
def home(request: Request, services: LandingServicesDep) -> Response:
    return landing_page(request, services)


@get_and_head(router, "/catalog", summary="DCAT-AP 3.0.1 catalogue", **_DESCRIPTION_ROUTE)
def catalog(request: Request, fair: FairDep, settings: SettingsDep) -> Response:
    return serve_description(request, fair, settings, "catalog")


@get_and_head(router, "/catalog.{ext}", include_in_schema=False, **_DESCRIPTION_ROUTE)
def catalog_ext(request: Request, fair: FairDep, settings: SettingsDep, ext: str) -> Response:
    return serve_description(request, fair, settings, "catalog", _extension(ext))


@get_and_head(router, "/dataset", summary="The dataset (DCAT-AP description)", **_DESCRIPTION_ROUTE)
def dataset(request: Request, fair: FairDep, settings: SettingsDep) -> Response:
    return serve_description(request, fair, settings, "dataset")


@get_and_head(router, "/dataset.{ext}", include_in_schema=False, **_DESCRIPTION_ROUTE)
def dataset_ext(request: Request, fair: FairDep, settings: SettingsDep, ext: str) -> Response:
    return serve_description(request, fair, settings, "dataset", _extension(ext))


@get_and_head(router, "/.well-known/void", summary="VoID description", **_DESCRIPTION_ROUTE)
def void(request: Request, fair: FairDep, settings: SettingsDep) -> Response:
    return serve_description(request, fair, settings, "void")


@get_and_head(router, "/.well-known/void.{ext}", include_in_schema=False, **_DESCRIPTION_ROUTE)
def void_ext(request: Request, fair: FairDep, settings: SettingsDep, ext: str) -> Response:
    return serve_description(request, fair, settings, "void", _extension(ext))


@get_and_head(router, "/download", summary="The downloadable artefacts", **_LISTING_ROUTE)
def downloads(request: Request, fair: FairDep, settings: SettingsDep) -> Response:
    return download_listing(request, fair, settings)


@get_and_head(router, "/download/{file}", summary="One build artefact", **_FILE_ROUTE)
def download(request: Request, fair: FairDep, file: str) -> Response:
    return download_file(request, fair, file)


def _extension(ext: str) -> str:
    if ext not in {f.extension for f in DESCRIPTION_FORMATS}:
        raise ArtefactNotFound(f"no .{ext} representation is published")
    return ext


__all__ = ["DESCRIPTION_FORMATS", "router", "serve_description"]
