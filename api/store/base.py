"""The store interface the web service talks to, and the values it exchanges."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from api.store.layout import TripleCounts


@dataclass(frozen=True)
class FormatChoice:
    """Negotiated media types, one per result kind; ``None`` = nothing acceptable.

    The query form is only known once the query is parsed (inside the store),
    so the service negotiates both and the store picks by form.
    """

    results: str | None  # SELECT / ASK
    rdf: str | None  # CONSTRUCT / DESCRIBE


@dataclass(frozen=True)
class QueryJob:
    """Everything needed to run one query; plain data, so it crosses process boundaries.

    ``default_graph`` / ``named_graphs``: the protocol's ``default-graph-uri`` /
    ``named-graph-uri`` values. ``None`` for both means the request named no
    dataset: then the query's FROM / FROM NAMED apply, and without those the
    default graph is the union of the named graphs (``include_inferred``
    decides whether ``…/graph/inferred`` is part of it and visible to GRAPH).
    """

    query: str
    formats: FormatChoice
    default_graph: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    include_inferred: bool = True
    max_rows: int = 100_000
    base_iri: str | None = None  # relative IRIs in the query resolve against it
    prefixes: tuple[tuple[str, str], ...] = ()  # declared for the query (the CLI's defaults)

    @classmethod
    def of(
        cls,
        query: str,
        *,
        formats: FormatChoice,
        default_graph: Sequence[str] | None,
        named_graphs: Sequence[str] | None,
        include_inferred: bool,
        max_rows: int,
        base_iri: str | None = None,
        prefixes: dict[str, str] | None = None,
    ) -> QueryJob:
        """The job for :meth:`Store.query`'s arguments (graph lists frozen as tuples)."""
        return cls(
            query=query,
            formats=formats,
            default_graph=None if default_graph is None else tuple(default_graph),
            named_graphs=None if named_graphs is None else tuple(named_graphs),
            include_inferred=include_inferred,
            max_rows=max_rows,
            base_iri=base_iri,
            prefixes=tuple(sorted((prefixes or {}).items())),
        )


@dataclass(frozen=True)
class QueryResult:
    """A serialised result: the bytes and their media type."""

    body: bytes
    media_type: str
    form: str
    rows: int


@runtime_checkable
class Store(Protocol):
    """A read-only SPARQL store. Implementations: :class:`~api.store.oxigraph.OxigraphStore`
    (in-process) and :class:`~api.store.pool.WorkerPoolStore` (killable workers)."""

    async def start(self) -> None:
        """Open the store and read its statistics."""

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
        """Check, run and serialise ``sparql``; raise :mod:`api.errors` errors."""

    def named_graphs(self) -> list[str]:
        """IRIs of every named graph, sorted."""

    def counts(self) -> TripleCounts:
        """The size of the graph (:class:`~api.store.layout.TripleCounts`), read at start."""

    def triple_count(self, graph: str | None = None) -> int:
        """Triples in ``graph``, or distinct triples of the default graph when ``None``."""

    def health(self) -> dict[str, Any]:
        """``{"status": "ok" | "degraded" | "unavailable", …}`` plus backend details."""

    async def close(self) -> None:
        """Release the store (and stop worker processes)."""
