"""The web interface's own pages: search, browse, challenges, API docs, favicon.

Routes (GET and HEAD):

* ``/search`` — one box with results as you type (``/api/search``) and a
  results page (``?q=``; ``in=en|nl`` keeps labels in one language);
* ``/id`` — the kinds of entities with their counts; ``/id/{kind}`` — the
  entities of one kind, filterable (``sector``, ``theme``, ``level``,
  ``source``: IRIs) and paginated (``page``);
* ``/challenges`` — the challenges with the recommendations that address
  them, as a list and a network, filterable like a listing;
* ``/docs`` and ``/redoc`` — Swagger UI and ReDoc with their files served from
  ``/static/vendor/`` (``make web-assets``), never a CDN;
* ``/favicon.ico``.

Every page is HTML for a browser and JSON for anything that prefers it
(``Accept``; ``/search`` sends a JSON client to ``/api/search`` with a 303).
Page data comes from :class:`~api.linked_data.pages.Pages` (no SPARQL here).

Wiring::

    from api.web.routers import pages
    app.include_router(pages.router)  # before the linked-data router
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response

from api.errors import NotAcceptable
from api.linked_data.iris import UnknownResource
from api.linked_data.pages import FACETS
from api.linked_data.service import STATIC_DIR
from api.namespaces import ENTITY_KINDS, is_slug
from api.negotiation import choose
from api.rest.search import MAX_QUERY_LENGTH
from api.web import render
from api.web.deps import CatalogueDep, PagesDep, SettingsDep
from api.web.i18n import translator
from api.web.routing import content, error_responses, get_and_head

router = APIRouter(tags=["web interface"])

_OFFERED = ("application/json", "text/html")
_PAGE = {
    "response_class": Response,
    "responses": {
        200: {"description": "The page (HTML) or its data (JSON)", "content": content(*_OFFERED)},
        **error_responses(400, 404, 406, media_types=("application/json", "text/html")),
    },
}
SEARCH_PAGE_SIZE = 20
PageNumber = Annotated[int, Query(ge=1, le=10_000, description="Page number (1-based).")]


def _wants_html(request: Request) -> bool:
    chosen = choose(request.headers.get("accept"), _OFFERED)
    if chosen is None:
        raise NotAcceptable("this page is offered as application/json or text/html")
    return chosen == "text/html"


def _filters(request: Request) -> dict[str, str]:
    return {k: v for k in FACETS if (v := request.query_params.get(k, "").strip())}


@get_and_head(router, "/search", summary="Search page (results as you type)", **_PAGE)
async def search_page(
    request: Request,
    catalogue: CatalogueDep,
    pages: PagesDep,
    settings: SettingsDep,
    q: Annotated[str, Query(max_length=MAX_QUERY_LENGTH, description="Text to find.")] = "",
    in_: Annotated[
        str | None, Query(alias="in", pattern="^(en|nl)$", description="Labels in")
    ] = None,
    page: PageNumber = 1,
) -> Response:
    if not _wants_html(request):
        params = {"q": q, **({"lang": in_} if in_ else {})}
        return RedirectResponse(f"/api/search?{urlencode(params)}", status_code=303)
    lang = render.language(request)
    await asyncio.to_thread(pages.labels)  # read once per process, never on the loop
    hits, total = [], 0
    if q.strip():
        index = await catalogue.label_index()
        result = index.search(
            q, language=in_, start=(page - 1) * SEARCH_PAGE_SIZE, count=SEARCH_PAGE_SIZE
        )
        total = result.total
        for hit in result.hits:
            link = pages.link(hit.iri, lang)
            hits.append(
                {
                    "link": link,
                    "matched": hit.matched_label,
                    "language": hit.language,
                    "types": sorted({pages.term_label(t, lang) for t in hit.types}),
                }
            )
    pager_pages = max(1, -(-total // SEARCH_PAGE_SIZE))

    def href(n: int) -> str:
        return "/search?" + urlencode({"q": q, **({"in": in_} if in_ else {}), "page": n})

    return render.page(
        request,
        "search.html",
        base=settings.public_base_url,
        title=translator(lang)("search.title"),
        nav="search",
        q=q,
        in_=in_,
        hits=hits,
        total=total,
        results_pager={
            "page": page,
            "pages": pager_pages,
            "total": total,
            "previous": page - 1 if page > 1 else None,
            "next": page + 1 if page < pager_pages else None,
        },
        page_href=href,
    )


@get_and_head(router, "/id", summary="The kinds of entities", **_PAGE)
async def kinds(request: Request, pages: PagesDep, settings: SettingsDep) -> Response:
    found = pages.kinds()
    lang = render.language(request)
    if not _wants_html(request):
        return JSONResponse({"kinds": [{"kind": k, "entities": n} for k, n in found]})
    return render.page(
        request,
        "browse.html",
        base=settings.public_base_url,
        title=translator(lang)("browse.title"),
        nav="browse",
        kinds=found,
        listing=None,
    )


@get_and_head(router, "/id/{kind}", summary="The entities of one kind (filterable)", **_PAGE)
def kind_listing(
    request: Request,
    pages: PagesDep,
    settings: SettingsDep,
    kind: str,
    page: PageNumber = 1,
) -> Response:
    if not is_slug(kind) or kind not in ENTITY_KINDS:
        raise UnknownResource(
            f"No entity kind {kind!r}; the kinds are: {', '.join(ENTITY_KINDS)}",
            [f"https://w3id.org/ccai/id/{k}" for k in ENTITY_KINDS if k[:2] == kind[:2]],
            iri=f"https://w3id.org/ccai/id/{kind}",
        )
    lang = render.language(request)
    filters = _filters(request)
    listing = pages.listing(kind, lang, filters, page)
    if not _wants_html(request):
        return JSONResponse(
            {
                "kind": kind,
                "total": listing.total,
                "page": listing.pager.page,
                "pages": listing.pager.pages,
                "filters": listing.filters,
                "items": [
                    {"iri": i.link.iri, "url": i.link.href, "label": i.link.text}
                    for i in listing.items
                ],
                "facets": {k: [asdict(o) for o in v] for k, v in listing.facets.items()},
            }
        )

    def href(n: int) -> str:
        return f"/id/{kind}?" + urlencode({**filters, "page": n})

    return render.page(
        request,
        "browse.html",
        base=settings.public_base_url,
        title=listing.title,
        nav="browse",
        kinds=pages.kinds(),
        listing=listing,
        page_href=href,
    )


@get_and_head(router, "/challenges", summary="Challenges and recommendations", **_PAGE)
def challenges(request: Request, pages: PagesDep, settings: SettingsDep) -> Response:
    lang = render.language(request)
    matrix = pages.matrix(lang, _filters(request))
    if not _wants_html(request):
        return JSONResponse(
            {
                "links": matrix.links,
                "filters": matrix.filters,
                "challenges": [
                    {
                        "iri": row.challenge.iri,
                        "label": row.challenge.text,
                        "recommendations": [
                            {"iri": r.iri, "label": r.text, "property": p, "interpreted": i}
                            for r, p, i in row.recommendations
                        ],
                    }
                    for row in matrix.rows
                ],
            }
        )
    return render.page(
        request,
        "challenges.html",
        base=settings.public_base_url,
        title=translator(lang)("matrix.title"),
        nav="challenges",
        matrix=matrix,
    )


@get_and_head(router, "/docs", include_in_schema=False)
async def swagger_ui(settings: SettingsDep) -> HTMLResponse:
    base = settings.public_base_url
    return _with_language(
        get_swagger_ui_html(
            openapi_url=base + "openapi.json",
            title="ccai-kg API",
            swagger_js_url=base + "static/vendor/swagger-ui-bundle.js",
            swagger_css_url=base + "static/vendor/swagger-ui.css",
            swagger_favicon_url=base + "static/favicon.svg",
        )
    )


@get_and_head(router, "/redoc", include_in_schema=False)
async def redoc(settings: SettingsDep) -> HTMLResponse:
    base = settings.public_base_url
    return _with_language(
        get_redoc_html(
            openapi_url=base + "openapi.json",
            title="ccai-kg API",
            redoc_js_url=base + "static/vendor/redoc.standalone.js",
            redoc_favicon_url=base + "static/favicon.svg",
            with_google_fonts=False,
        )
    )


def _with_language(page: HTMLResponse) -> HTMLResponse:
    """FastAPI's documentation pages with the language of their text (``<html lang>``)."""
    body = bytes(page.body).replace(b"<html>", b'<html lang="en">', 1)
    return HTMLResponse(body)


@get_and_head(router, "/favicon.ico", include_in_schema=False)
def favicon() -> FileResponse:
    return FileResponse(
        STATIC_DIR / "favicon.svg",
        media_type="image/svg+xml",
        headers={"Cache-Control": "public, max-age=86400"},
    )
