"""The application factory.

>>> from api.settings import Settings
>>> app = create_app(Settings(store_backend="inprocess"))
>>> paths = app.openapi()["paths"]
>>> all(p in paths for p in ("/sparql", "/health", "/id/{kind}/{slug}", "/ontology"))
True

``ccai serve`` calls ``create_app(Settings(...))`` and ``uvicorn.run``. The store
opens in the lifespan (worker processes start there) and closes on shutdown.
Tests may pass ``store=`` to use a store they built themselves.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from api import __version__
from api.rest.catalogue import warm_up
from api.settings import Settings
from api.sparql.cache import ResultCache
from api.store import open_store
from api.store.base import Store
from api.web import errors
from api.web.middleware import RequestGuard
from api.web.routers import fair, health, linked_data, rest, sparql

log = logging.getLogger("ccai.web")


def create_app(settings: Settings | None = None, *, store: Store | None = None) -> FastAPI:
    """Build the FastAPI app for ``settings`` (default: from the environment)."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        the_store = store if store is not None else open_store(settings)
        await the_store.start()
        app.state.store = the_store
        log.info(
            "store ready: %d named graphs, %d triples",
            len(the_store.named_graphs()),
            the_store.triple_count(),
        )
        await warm_up(app)  # the label index and class list: never built inside a request
        try:
            yield
        finally:
            await the_store.close()

    app = FastAPI(
        title="ccai-kg",
        version=__version__,
        summary="SPARQL endpoint of the knowledge graph of AI in the cultural and creative sectors",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.result_cache = ResultCache(
        settings.result_cache_bytes, settings.result_cache_entry_bytes
    )
    errors.install(app)
    app.include_router(sparql.router)
    app.include_router(health.router)
    app.include_router(fair.router)
    app.include_router(rest.build_router())
    # Last: its paths (/id/…, /vocab/…, /source/…) are the dereferenceable IRIs.
    app.include_router(linked_data.router)
    # Outermost last: CORS wraps the guard, so a 413, 408 or 431 still carries CORS headers.
    app.add_middleware(
        RequestGuard,
        max_bytes=settings.max_request_bytes,
        max_header_bytes=settings.max_header_bytes,
        body_timeout=settings.body_timeout,
        public_base_url=settings.public_base_url,
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
