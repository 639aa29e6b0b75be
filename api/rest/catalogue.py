"""What the REST API reads from the store once and keeps: the label index and the classes.

A :class:`Catalogue` lives on ``app.state.rest_catalogue``. The app's lifespan
builds it at start-up (:meth:`Catalogue.warm`, once the store has started), with a
start-up time limit (:data:`WARM_UP_TIMEOUT`) rather than a request's: a
request never builds it (building the label index took 7.7 s at 10^5
triples, longer than a short ``query_timeout``). If it could not be built,
the routes that need it answer 503 and the rest of the service runs. The
store is read-only, so nothing is ever invalidated.
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

    async def warm(self) -> None:
        """Read the label index and the class list (start-up only)."""
        async with self._lock:
            timeout = max(self.settings.query_timeout, WARM_UP_TIMEOUT)
            self._classes = await read_classes(self.store, self.settings, timeout=timeout)
            # The build's full-text index when there is one (nothing to read from the
            # store); otherwise every label, read into memory.
            fts = open_fts_index(self.index_dir) if self.index_dir is not None else None
            if fts is not None:
                self._index = fts  # type: ignore[assignment]
            else:
                self._index = await build_label_index(self.store, self.settings, timeout=timeout)

    def _unavailable(self, what: str) -> StoreUnavailable:
        return StoreUnavailable(
            f"The {what} was not built when the service started; see the server log.",
            retry_after=60,
        )

    async def label_index(self) -> LabelIndex:
        if self._index is None:
            raise self._unavailable("label index behind /api/search")
        return self._index

    async def classes(self) -> dict[str, OntologyClass]:
        if self._classes is None:
            raise self._unavailable("class list")
        return self._classes

    def known_iris(self) -> list[str]:
        """Every labelled IRI (entities, concepts, sources), from the label index."""
        return self._index.iris() if self._index is not None else []
