"""The one read path: every read of the data goes through a :class:`Reader`.

``/sparql``, the REST API, the linked-data pages under ``/id/``, ``/vocab/``,
``/source/``, the FAIR metadata, ``ccai query`` and ``ccai stats`` all read
through this facade over a :class:`~api.store.base.Store`, so every read gets
the same guarantees: the safety check (no ``SERVICE``, no update), the
execution deadline that stops work, admission control (429), the row cap,
and the same default graph (a set: :mod:`api.store.layout`). Nothing else
in the package opens the store.

Two faces:

* **async** (the web service's event loop): :meth:`Reader.query` returns the
  serialised result; :meth:`Reader.rows` and :meth:`Reader.triples` parse it
  into pyoxigraph terms.
* **sync** (:class:`SyncReader`): the same calls for code that runs in a
  worker thread of the server (the linked-data pages, rendered off the event
  loop) or in a command: each call is scheduled on the reader's event loop
  and waited for.

A :class:`Reader` over another backend (a remote SPARQL store) needs only a
:class:`~api.store.base.Store` implementation.

>>> import asyncio, pyoxigraph as ox
>>> from api.store.oxigraph import OxigraphStore
>>> from api.store.layout import materialise
>>> raw = ox.Store()
>>> raw.add(ox.Quad(ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p"),
...                 ox.Literal("o"), ox.NamedNode("https://w3id.org/ccai/graph/g")))
>>> materialise(raw)
>>> async def demo():
...     store = OxigraphStore(raw)
...     await store.start()
...     reader = Reader(store, timeout=5)
...     return [r["o"].value for r in await reader.rows("SELECT ?o { ?s ?p ?o }")]
>>> asyncio.run(demo())
['o']
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any, TypeVar

import pyoxigraph as ox

from api.store.base import FormatChoice, QueryResult, Store

T = TypeVar("T")

SPARQL_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"
_ROWS = FormatChoice(results=SPARQL_JSON, rdf=None)
_TRIPLES = FormatChoice(results=None, rdf=N_TRIPLES)


class Row(dict[str, Any]):
    """One solution: variable name -> pyoxigraph term; an unbound variable reads as None."""

    def __missing__(self, key: str) -> None:
        return None


class Reader:
    """Reads through a :class:`~api.store.base.Store` with the service's defaults.

    ``timeout``: the execution deadline of each query (seconds);
    ``include_inferred``: whether the default graph includes the inferred
    graph when a call does not say.
    """

    def __init__(self, store: Store, *, timeout: float, include_inferred: bool = True) -> None:
        self.store = store
        self.timeout = timeout
        self.include_inferred = include_inferred

    async def query(
        self,
        sparql: str,
        *,
        formats: FormatChoice,
        default_graph: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        include_inferred: bool | None = None,
        timeout: float | None = None,
    ) -> QueryResult:
        """Check, run and serialise ``sparql`` (see :meth:`Store.query`)."""
        dataset: dict[str, Any] = {}
        if default_graph is not None or named_graphs is not None:
            dataset = {"default_graph": default_graph, "named_graphs": named_graphs}
        return await self.store.query(
            sparql,
            formats=formats,
            include_inferred=self.include_inferred
            if include_inferred is None
            else include_inferred,
            timeout=self.timeout if timeout is None else timeout,
            **dataset,
        )

    async def rows(self, sparql: str, *, timeout: float | None = None) -> list[Row]:
        """The solutions of a SELECT query as dicts of pyoxigraph terms."""
        result = await self.query(sparql, formats=_ROWS, timeout=timeout)
        solutions = ox.parse_query_results(result.body, format=ox.QueryResultsFormat.JSON)
        if isinstance(solutions, ox.QueryBoolean):
            raise TypeError("rows() needs a SELECT query")
        names = [v.value for v in solutions.variables]
        out = []
        for solution in solutions:
            row = Row()
            for name in names:
                value = solution[name]
                if value is not None:
                    row[name] = value
            out.append(row)
        return out

    async def triples(self, sparql: str, *, timeout: float | None = None) -> list[ox.Triple]:
        """The triples of a CONSTRUCT or DESCRIBE query."""
        result = await self.query(sparql, formats=_TRIPLES, timeout=timeout)
        return [q.triple for q in ox.parse(result.body, format=ox.RdfFormat.N_TRIPLES)]

    async def ask(self, sparql: str, *, timeout: float | None = None) -> bool:
        result = await self.query(sparql, formats=_ROWS, timeout=timeout)
        return bool(ox.parse_query_results(result.body, format=ox.QueryResultsFormat.JSON))


class SyncReader:
    """The blocking face of a :class:`Reader`, for threads other than its event loop's.

    ``loop``: the event loop the store runs on (the server's); ``None`` gives
    the reader a loop of its own (commands), closed by :meth:`close`.
    """

    def __init__(self, reader: Reader, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self.reader = reader
        self._runner: asyncio.Runner | None = None
        if loop is None:
            self._runner = asyncio.Runner()
            loop = self._runner.get_loop()
        self.loop = loop

    def _wait(self, coro: Coroutine[Any, Any, T]) -> T:
        if self._runner is not None:
            return self._runner.run(coro)
        if self._on_loop_thread():
            coro.close()
            raise RuntimeError("SyncReader called on its own event loop's thread (would deadlock)")
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def _on_loop_thread(self) -> bool:
        try:
            return asyncio.get_running_loop() is self.loop
        except RuntimeError:
            return getattr(self.loop, "_thread_id", None) == threading.get_ident()

    def query(self, sparql: str, **kwargs: Any) -> QueryResult:
        return self._wait(self.reader.query(sparql, **kwargs))

    def rows(self, sparql: str, *, timeout: float | None = None) -> list[Row]:
        return self._wait(self.reader.rows(sparql, timeout=timeout))

    def triples(self, sparql: str, *, timeout: float | None = None) -> list[ox.Triple]:
        return self._wait(self.reader.triples(sparql, timeout=timeout))

    def ask(self, sparql: str, *, timeout: float | None = None) -> bool:
        return self._wait(self.reader.ask(sparql, timeout=timeout))

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run any coroutine of the store's (start, close) on the reader's loop."""
        return self._wait(coro)

    def close(self) -> None:
        if self._runner is not None:
            self._runner.close()


def reader_over(
    store: ox.Store,
    *,
    timeout: float = 30.0,
    store_dir: str | Path | None = None,
    **options: Any,
) -> SyncReader:
    """A :class:`SyncReader` over a pyoxigraph store of this process, started.

    For doctests, tests and offline tools; the store must be laid out as a
    build lays it out (:func:`api.store.layout.materialise`). ``store_dir``: its
    folder, whose recorded counts are used when they describe it (else it is counted).
    """
    from api.store.oxigraph import OxigraphStore

    backend = OxigraphStore(store, path=store_dir, **options)
    sync = SyncReader(Reader(backend, timeout=timeout))
    sync.run(backend.start())
    return sync
