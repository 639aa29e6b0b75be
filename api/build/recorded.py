"""What is recorded beside a store so that a service starts without reading all of it.

A service that counted, summarised and indexed the store at start-up waited
77 s for its first answer at 10⁶ triples (``bench/README.md``). Whatever
writes a store (``ccai build``, ``ccai load`` on the embedded store,
``bench/scale.py``) calls :func:`record` once it is complete, and the
service reads these files instead:

========================  ===================================================  =====================
file, in the store's      what                                                 read by
folder
========================  ===================================================  =====================
``ccai-counts.json``      the triple counts (:mod:`api.store.layout`)          every query worker
``ccai-statistics.json``  the dataset statistics (:mod:`api.fair.statistics`)  the FAIR metadata
``ccai-reconcile.json``   the rows of the reconciliation index                 ``/reconcile``
                          (:mod:`api.reconcile.recorded`)
========================  ===================================================  =====================

Each file records the per-graph triple counts of the store it was made
from, and is used only by a service whose store has those counts (else the
service counts or reads as it did before: a remote store holding other data,
a build from before a file existed). The files are inside the store's folder,
so the build's store checksums (``oxigraph.SHA256SUMS``) cover them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from api.fair.added import statistics_after_adding
from api.fair.statistics import DatasetStatistics, recorded_statistics, write_statistics
from api.reconcile.recorded import Rows, read_store, recorded_rows, rows_touched_by, write_rows
from api.store.layout import (
    INFERRED,
    TripleCounts,
    count_triples,
    counts_after_adding,
    read_counts,
    write_counts,
)


@dataclass
class Recorded:
    """What :func:`record` wrote: the counts, seconds per file, and what ``beside`` returned."""

    counts: TripleCounts
    seconds: dict[str, float] = field(default_factory=dict)
    beside: Any = None


def record(
    store: ox.Store,
    store_dir: str | Path,
    *,
    counts: TripleCounts | None = None,
    known: Figures | None = None,
    say: Callable[[str], None] | None = None,
    beside: Callable[[], Any] | None = None,
) -> Recorded:
    """Count, summarise and read ``store`` (laid out as built), and write the three files
    into ``store_dir`` (its folder). ``counts``: already counted on ``store`` as it is;
    ``known``: its figures updated by a load that only added (:class:`Additions`),
    so none is read again (but the reconciliation rows, when it has none).

    ``beside``: another reader of the store (the label index, :mod:`api.search.index`).
    It, the statistics and the reconciliation rows are read on two worker threads:
    pyoxigraph evaluates a query without holding the GIL and SQLite writes without it
    too, so on two cores they overlap (``bench/README.md``). ``beside``'s exception, if
    any, is raised here once the files are written.
    """
    report = say or (lambda _message: None)
    seconds: dict[str, float] = {}
    statistics, rows = None, None
    if known is not None:
        counts, statistics, rows = known.counts, known.statistics, known.rows
    started = time.perf_counter()
    if counts is None:
        report("counting the triples")
        counts = count_triples(store)
    write_counts(store_dir, counts)
    seconds["counts"] = time.perf_counter() - started

    def timed(name: str, read: Callable[[], Any]) -> Any:
        began = time.perf_counter()
        try:
            return read()
        finally:
            seconds[name] = time.perf_counter() - began

    def read_statistics() -> DatasetStatistics:
        if statistics is not None:
            return statistics
        report("counting the dataset statistics")
        return DatasetStatistics.from_store(store, store_dir=store_dir)

    def read_rows() -> Rows:
        if rows is not None:
            return rows
        report("reading the names to reconcile")
        return read_store(store)

    # The readers share two workers, the longest first: the reconciliation rows go to
    # whichever is free first (at 10^7 triples the label index and the statistics take
    # 75-83 s each and the rows 22 s; one after the other, 180 s).
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="ccai-record") as pool:
        aside = pool.submit(timed, "beside", beside) if beside is not None else None
        counted = pool.submit(timed, "statistics", read_statistics)
        named = pool.submit(timed, "reconciliation", read_rows)
        try:
            write_statistics(store_dir, counted.result())
            write_rows(store_dir, named.result(), counts)
        finally:
            wait([f for f in (aside, counted, named) if f is not None])
    return Recorded(
        counts=counts,
        seconds={k: round(v, 3) for k, v in seconds.items()},
        beside=aside.result() if aside is not None else None,
    )


@dataclass(frozen=True)
class Figures:
    """The three recorded figures of a store: read back before a load changes it
    (:func:`baseline`), or updated by a load that only added triples (:class:`Additions`)."""

    counts: TripleCounts
    statistics: DatasetStatistics
    rows: Rows | None  # None: not known (read from the store when recorded)


def baseline(store: ox.Store, store_dir: str | Path) -> Figures | None:
    """The recorded counts and statistics when they describe ``store`` (the same named
    graphs; the statistics of those counts), with the recorded rows when they do too;
    else ``None``."""
    counts = read_counts(store_dir)
    if counts is None or sorted(g.value for g in store.named_graphs()) != sorted(counts.graphs):
        return None
    statistics = recorded_statistics(store_dir, counts)
    if statistics is None:
        return None
    return Figures(counts, statistics, recorded_rows(store_dir, counts))


class Additions:
    """A :func:`baseline` updated graph by graph as a load adds triples to the default
    graph, at a cost in those triples, not in the store (:mod:`api.fair.added`)."""

    def __init__(self, before: Figures) -> None:
        self.before = before
        self.statistics = before.statistics
        self.touches_rows = False

    def count(
        self, store: ox.Store, graph: str, *, inserted: bool, sources: Sequence[str] = ()
    ) -> None:
        """Count in what graph ``graph`` adds (``inserted``: see
        :func:`~api.fair.added.statistics_after_adding`)."""
        self.statistics = statistics_after_adding(
            self.statistics, store, added=graph, inserted=inserted, sources=sources
        )
        self.touches_rows = self.touches_rows or rows_touched_by(store, graph)

    def figures(self, store: ox.Store, *, graph: str) -> Figures:
        """The figures once the load wrote the new named graph ``graph`` and its
        entailments into the inferred graph: the reconciliation rows stand when no
        added triple can change them."""
        counts = counts_after_adding(
            store, self.before.counts, total=self.statistics.triples, graphs=[graph, INFERRED]
        )
        statistics = replace(self.statistics, graphs=dict(counts.graphs))
        return Figures(counts, statistics, None if self.touches_rows else self.before.rows)
