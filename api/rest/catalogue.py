"""What the REST API reads from the store once and keeps: the label index and the classes.

A :class:`Catalogue` lives on the app's services. At start-up the app opens
the build's full-text label index at once (:meth:`Catalogue.open_index`: a
file, nothing read from the store) and reads the class list, and the labels
of a store without a build index, in the background (:meth:`Catalogue.warm`,
with a start-up time limit, :data:`WARM_UP_TIMEOUT`, rather than a request's:
building the in-memory label index took 7.7 s at 10^5 triples, longer than a
short ``query_timeout``). A request waits for what it needs up to
``query_timeout`` (then 503 with ``Retry-After``: still being read), and
never builds it. If it could not be built, the routes that need it answer
503 and the rest of the service runs. The store is read-only, so nothing is
ever invalidated.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from api.errors import StoreUnavailable
from api.settings import Settings
from api.store.base import Store

from .classes import OntologyClass, read_classes
from .search import LabelIndex, build_label_index
from .search_fts import open_fts_index

log = logging.getLogger("ccai.rest")

STATE_ATTRIBUTE = "rest_catalogue"
WARM_UP_TIMEOUT = 600.0  # seconds for each start-up read


class Catalogue:
    """Label index and class list of one store, each read on first use."""

    def __init__(self, store: Store, settings: Settings, *, index_dir: Path | None = None) -> None:
        self.store = store
        self.settings = settings
        self.index_dir = index_dir  # a build whose search.sqlite indexes ``store``
        self._lock = asyncio.Lock()
        self._index: LabelIndex | None = None
        self._classes: dict[str, OntologyClass] | None = None
        self._warmed = asyncio.Event()  # set once warm() has ended, whatever its outcome

    def open_index(self) -> bool:
        """Open the build's full-text label index, if it has one (a file: no store read)."""
        fts = open_fts_index(self.index_dir) if self.index_dir is not None else None
        if fts is not None:
            self._index = fts  # type: ignore[assignment]
        return fts is not None

    async def warm(self) -> None:
        """Read the class list, and every label into memory when no build index was
        opened (start-up only; the app runs it in the background)."""
        try:
            async with self._lock:
                timeout = max(self.settings.query_timeout, WARM_UP_TIMEOUT)
                self._classes = await read_classes(self.store, self.settings, timeout=timeout)
                if self._index is None and not self.open_index():
                    self._index = await build_label_index(
                        self.store, self.settings, timeout=timeout
                    )
        finally:
            self._warmed.set()

    async def _wait(self, what: str) -> None:
        """Wait for :meth:`warm` up to ``query_timeout`` (503 while it still runs)."""
        if self._warmed.is_set():
            return
        try:
            await asyncio.wait_for(self._warmed.wait(), self.settings.query_timeout)
        except TimeoutError:
            raise StoreUnavailable(
                f"The {what} is still being read (the service has just started); "
                "retry in a moment.",
                retry_after=5,
            ) from None

    def _unavailable(self, what: str) -> StoreUnavailable:
        return StoreUnavailable(
            f"The {what} was not built when the service started; see the server log.",
            retry_after=60,
        )

    async def label_index(self) -> LabelIndex:
        if self._index is None:
            await self._wait("label index behind /api/search")
        if self._index is None:
            raise self._unavailable("label index behind /api/search")
        return self._index

    async def classes(self) -> dict[str, OntologyClass]:
        if self._classes is None:
            await self._wait("class list")
        if self._classes is None:
            raise self._unavailable("class list")
        return self._classes

    def known_iris(self) -> list[str]:
        """Every labelled IRI (entities, concepts, sources), from the label index."""
        return self._index.iris() if self._index is not None else []
