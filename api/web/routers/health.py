"""``/health``: liveness and the size of the store."""

from __future__ import annotations

from fastapi import APIRouter

from api.sparql import service
from api.web.deps import StoreDep

router = APIRouter(tags=["health"])


@router.get("/health", summary="Liveness and store size")
async def health(store: StoreDep) -> dict:
    return service.health(store)
