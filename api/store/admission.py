"""Bounded concurrency: at most N queries run, at most M wait; beyond → 429."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from api.errors import QueryTimeout, TooManyQueries


class Admission:
    """Admit a query if a slot is free or the wait queue has room.

    >>> import asyncio
    >>> async def demo():
    ...     gate = Admission(max_running=1, max_queued=0)
    ...     async with gate.slot(timeout=1):
    ...         try:
    ...             async with gate.slot(timeout=1):
    ...                 pass
    ...         except TooManyQueries as e:
    ...             return e.code
    >>> asyncio.run(demo())
    'too-many-queries'
    """

    def __init__(self, max_running: int, max_queued: int, retry_after: int = 1) -> None:
        self.max_running = max_running
        self.max_queued = max_queued
        self.retry_after = retry_after
        self._in_flight = 0
        self._sem: asyncio.Semaphore | None = None

    @property
    def in_flight(self) -> int:
        return self._in_flight

    @asynccontextmanager
    async def slot(self, timeout: float) -> AsyncIterator[None]:
        if self._sem is None:  # created lazily, inside the running loop
            self._sem = asyncio.Semaphore(self.max_running)
        if self._in_flight >= self.max_running + self.max_queued:
            raise TooManyQueries(
                f"The endpoint is busy ({self.max_running} queries running, "
                f"{self.max_queued} waiting). Retry in a moment.",
                retry_after=self.retry_after,
            )
        self._in_flight += 1
        try:
            try:
                await asyncio.wait_for(self._sem.acquire(), timeout)
            except TimeoutError:
                raise QueryTimeout(
                    "The query waited for a free slot until its time limit ran out."
                ) from None
            try:
                yield
            finally:
                self._sem.release()
        finally:
            self._in_flight -= 1
