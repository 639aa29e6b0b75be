"""In-process backend: a pyoxigraph store queried on a thread.

pyoxigraph releases the GIL while it evaluates, so the event loop keeps serving
while a query runs on a worker thread. There is no way to stop the query from
outside, though: the deadline is cooperative (checked while results are
written), so a COUNT over a cartesian product runs to its end. Use
:class:`~api.store.pool.WorkerPoolStore` when serving the public.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from pathlib import Path

import pyoxigraph as ox

from api.errors import QueryTimeout
from api.store.admission import Admission
from api.store.base import FormatChoice, QueryJob, QueryResult
from api.store.execute import execute
from api.store.layout import TripleCounts, stored_counts


class OxigraphStore:
    """A :class:`~api.store.base.Store` over a pyoxigraph store in this process.

    >>> import asyncio, pyoxigraph as ox
    >>> from api.store.layout import materialise
    >>> raw = ox.Store()
    >>> raw.add(ox.Quad(ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p"),
    ...                 ox.Literal("o"), ox.NamedNode("http://e/g")))
    >>> materialise(raw)  # as `ccai build` does: the default graph is the asserted union
    >>> store = OxigraphStore(raw)
    >>> async def demo():
    ...     await store.start()
    ...     r = await store.query("ASK { ?s ?p 'o' }", formats=FormatChoice(
    ...         "application/sparql-results+json", None), timeout=5)
    ...     return r.body
    >>> asyncio.run(demo())
    b'{"head":{},"boolean":true}'
    """

    def __init__(
        self,
        store: ox.Store,
        *,
        max_result_rows: int = 100_000,
        max_concurrent: int = 2,
        max_queued: int = 8,
        base_iri: str | None = None,
        prefixes: dict[str, str] | None = None,
        path: str | Path | None = None,
    ) -> None:
        """``path``: the store's folder, whose recorded triple counts are read at
        :meth:`start` when they describe the store (else it is counted)."""
        self._store = store
        self.base_iri = base_iri
        self.prefixes = prefixes
        self._max_rows = max_result_rows
        self._admission = Admission(max_concurrent, max_queued)
        self._counts = TripleCounts(0, 0, 0)
        self._path = Path(path) if path is not None else None

    @classmethod
    def open(cls, path: str | Path, **kwargs) -> OxigraphStore:
        """Open an on-disk store read-only (its counts are read from the build's record)."""
        return cls(ox.Store.read_only(str(path)), path=path, **kwargs)

    async def start(self) -> None:
        self._counts = await asyncio.to_thread(stored_counts, self._store, self._path)

    def named_graphs(self) -> list[str]:
        return list(self._counts.graphs)

    def counts(self) -> TripleCounts:
        return self._counts

    def triple_count(self, graph: str | None = None) -> int:
        if graph is None:
            return self._counts.total
        return self._counts.graphs.get(graph, 0)

    def health(self) -> dict:
        return {
            "status": "ok" if self._store is not None else "unavailable",
            "backend": "inprocess",
            "queue": {"in_flight": self._admission.in_flight},
        }

    def run(self, job: QueryJob, deadline: float | None = None) -> QueryResult:
        """Synchronous execution (CLI, tests)."""
        return execute(self._store, job, self.named_graphs(), deadline)

    async def query(
        self,
        sparql: str,
        *,
        formats: FormatChoice,
        default_graph: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        include_inferred: bool = True,
        timeout: float,
    ) -> QueryResult:
        job = QueryJob.of(
            sparql,
            formats=formats,
            default_graph=default_graph,
            named_graphs=named_graphs,
            include_inferred=include_inferred,
            max_rows=self._max_rows,
            base_iri=self.base_iri,
            prefixes=self.prefixes,
        )
        async with self._admission.slot(timeout):
            deadline = time.monotonic() + timeout
            work = asyncio.ensure_future(asyncio.to_thread(self.run, job, deadline))
            try:
                return await asyncio.wait_for(asyncio.shield(work), timeout)
            except TimeoutError:
                # The thread cannot be stopped; it ends at its next cooperative check.
                raise QueryTimeout("The query ran past the time limit.") from None

    async def close(self) -> None:
        self._store = None  # type: ignore[assignment]
