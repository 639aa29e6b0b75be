"""``/health``: liveness, the size of the store, the result cache's counters."""

from __future__ import annotations

from fastapi import APIRouter

from api.sparql import service
from api.web.deps import ResultCacheDep, StoreDep

router = APIRouter(tags=["health"])


@router.get("/health", summary="Liveness, store size, result-cache counters")
async def health(store: StoreDep, cache: ResultCacheDep) -> dict:
    return service.health(store, cache)
