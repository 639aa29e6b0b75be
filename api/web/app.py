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
"""

from __future__ import annotations

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


def create_app(settings: Settings | None = None, *, store: Store | None = None) -> FastAPI:
    """Build the FastAPI app for ``settings`` (default: from the environment)."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services = await Services.start(settings, store=store)
        app.state.services = services
        try:
            yield
        finally:
            if getattr(app.state, "services", None) is services:
                del app.state.services
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
