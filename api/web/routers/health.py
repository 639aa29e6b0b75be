"""``/health``: the pool's workers and queue, the size of the store, the result cache.

200 while the service can answer queries (``status`` ``ok`` or ``degraded``:
some workers are being replaced); 503 when it cannot (``unavailable``: no
live worker), so a load balancer or orchestrator takes it out of rotation.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.sparql import service
from api.web.deps import ResultCacheDep, StoreDep
from api.web.routing import get_and_head

router = APIRouter(tags=["health"])


_UNAVAILABLE = {
    503: {
        "description": "No query worker can serve (the same JSON body, status 'unavailable').",
        "content": {"application/json": {}},
    }
}


@get_and_head(
    router,
    "/health",
    summary="Workers, queue, recent kills, store size, result-cache counters",
    responses=_UNAVAILABLE,
)
async def health(store: StoreDep, cache: ResultCacheDep) -> JSONResponse:
    body = service.health(store, cache)
    return JSONResponse(body, status_code=503 if body["status"] == "unavailable" else 200)
