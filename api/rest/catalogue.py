"""What the REST API reads from the store once and keeps: the label index and the classes.

A :class:`Catalogue` lives on ``app.state.rest_catalogue``. It is built
**lazily**: the first request that needs the label index (``/api/search``) or
the class list (``/api/classes…``, or a ``type`` filter) runs the SELECT and
keeps the result; concurrent first requests wait on one lock and share it.
The store is read-only, so nothing is ever invalidated. To pay the cost at
start-up instead, call :func:`warm_up` in the app's lifespan once the store
has started (both reads take well under a second on the project's graph).
"""

from __future__ import annotations

import asyncio

from api.settings import Settings
from api.store.base import Store

from .classes import OntologyClass, read_classes
from .search import LabelIndex, build_label_index

STATE_ATTRIBUTE = "rest_catalogue"


class Catalogue:
    """Label index and class list of one store, each read on first use."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self._lock = asyncio.Lock()
        self._index: LabelIndex | None = None
        self._classes: dict[str, OntologyClass] | None = None

    async def label_index(self) -> LabelIndex:
        if self._index is None:
            async with self._lock:
                if self._index is None:
                    self._index = await build_label_index(self.store, self.settings)
        return self._index

    async def classes(self) -> dict[str, OntologyClass]:
        if self._classes is None:
            async with self._lock:
                if self._classes is None:
                    self._classes = await read_classes(self.store, self.settings)
        return self._classes


def catalogue_for(state: object, store: Store, settings: Settings) -> Catalogue:
    """The catalogue kept on ``state`` (``app.state``) for ``store``; created if missing."""
    current = getattr(state, STATE_ATTRIBUTE, None)
    if not isinstance(current, Catalogue) or current.store is not store:
        current = Catalogue(store, settings)
        setattr(state, STATE_ATTRIBUTE, current)
    return current


async def warm_up(app) -> Catalogue:
    """Build the catalogue of ``app`` now (for the lifespan, after the store started)."""
    catalogue = catalogue_for(app.state, app.state.store, app.state.settings)
    await catalogue.label_index()
    await catalogue.classes()
    return catalogue
