"""The application factory.

>>> from api.settings import Settings
>>> app = create_app(Settings(store_backend="inprocess"))
>>> paths = app.openapi()["paths"]
>>> all(p in paths for p in ("/sparql", "/health", "/id/{kind}/{slug}", "/ontology"))
True

``ccai serve`` calls ``create_app(Settings(...))`` and ``uvicorn.run``. The
lifespan builds the app's :class:`~api.web.services.Services` (the pinned
build generation, the store and its worker processes, the read facade, the
cache, the catalogue, linked data, FAIR metadata) and closes them on
shutdown. Tests may pass ``store=`` to serve a store they built themselves.

FastAPI prepares a router's routes when the first request reaches it, not
when they are added. That took 0.24 s of the first ``/api/search`` at start-up
(every router before it, 64 routes). The lifespan has them prepared on a
thread while the store's workers start (:func:`prepare_routes`), so the
first request to any route costs what later ones do.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from api import __version__
from api.linked_data.service import STATIC_DIR
from api.settings import Settings
from api.store.base import Store
from api.web import errors
from api.web.middleware import RequestGuard
from api.web.routers import (
    fair,
    health,
    linked_data,
    pages,
    reconcile,
    rest,
    sparql,
    validate,
)
from api.web.services import Services

log = logging.getLogger("ccai.web")

# A path no route matches: matching it walks, and so prepares, every router.
_NO_ROUTE = "/.well-known/ccai-kg/prepare-routes"


def prepare_routes(app: FastAPI) -> None:
    """Have every route of ``app`` prepared now rather than by its first request.

    Matching a request walks each included router, which prepares its routes
    (once; later matches reuse them). Only Starlette's ``BaseRoute.matches`` is
    called: nothing is handled, no state is touched.
    """
    scope = {
        "type": "http",
        "method": "GET",
        "path": _NO_ROUTE,
        "root_path": "",
        "query_string": b"",
        "headers": [],
    }
    for route in app.router.routes:
        route.matches(dict(scope))


def create_app(settings: Settings | None = None, *, store: Store | None = None) -> FastAPI:
    """Build the FastAPI app for ``settings`` (default: from the environment)."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # the routes prepared on a thread meanwhile (a request before it ends prepares
        # its router itself, as without it)
        preparing = asyncio.create_task(_prepare_routes_aside(app))
        app.state.routes_prepared = preparing
        try:
            services = await Services.start(settings, store=store)
        except BaseException:
            await preparing  # a thread cannot be cancelled: let it end
            raise
        app.state.services = services
        try:
            yield
        finally:
            if getattr(app.state, "services", None) is services:
                del app.state.services
            await preparing
            await services.close()

    app = FastAPI(
        title="ccai-kg",
        version=__version__,
        summary="SPARQL endpoint of the knowledge graph of AI in the cultural and creative sectors",
        lifespan=lifespan,
        # /docs and /redoc are served by the pages router, with local assets (no CDN).
        docs_url=None,
        redoc_url=None,
    )
    errors.install(app)
    app.include_router(sparql.router)
    app.include_router(health.router)
    app.include_router(fair.router)
    app.include_router(rest.build_router())
    app.include_router(reconcile.router)  # /reconcile: W3C reconciliation (OpenRefine)
    app.include_router(validate.router)  # POST /validate: SHACL validation of an upload
    app.include_router(pages.router)  # /search, /id, /id/{kind}, /challenges, /docs, /redoc
    # Last: its paths (/id/…, /vocab/…, /source/…) are the dereferenceable IRIs.
    app.include_router(linked_data.router)
    # The web interface's files (CSS, JS, the npm packages of `make web-assets`).
    app.mount("/static", StaticFiles(directory=STATIC_DIR, check_dir=False), name="static")
    # Outermost last: CORS wraps the guard, so a 413, 408 or 431 still carries CORS headers.
    app.add_middleware(
        RequestGuard,
        max_bytes=settings.max_request_bytes,
        max_header_bytes=settings.max_header_bytes,
        body_timeout=settings.body_timeout,
        public_base_url=settings.public_base_url,
        path_limits={"/validate": settings.validate_max_bytes},
    )
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origin_list,
        allow_methods=["GET", "HEAD", "POST", "OPTIONS"],
        allow_headers=["Accept", "Content-Type", "Accept-Language", "Content-Language"],
        expose_headers=[
            "Content-Type",
            "Content-Length",
            "Retry-After",
            "Vary",
            "Link",
            "ETag",
            "Cache-Status",
            "Repr-Digest",
            "Digest",
            "Content-Location",
            "Content-Disposition",
        ],
        allow_credentials=False,
        max_age=600,
    )
    return app


async def _prepare_routes_aside(app: FastAPI) -> None:
    """:func:`prepare_routes` on a thread; a failure is logged (each router is then
    prepared by its first request, as FastAPI does by itself)."""
    try:
        await asyncio.to_thread(prepare_routes, app)
    except Exception:
        log.exception("preparing the routes ahead of their first requests failed")
