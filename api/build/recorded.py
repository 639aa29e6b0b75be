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

import shutil
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor, wait
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from api.fair.added import statistics_after_adding, statistics_after_changing
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
    on_disk: bool = False,
) -> Recorded:
    """Count, summarise and read ``store`` (laid out as built), and write the three files
    into ``store_dir`` (its folder). ``counts``: already counted on ``store`` as it is;
    ``known``: its figures updated by a load with what it changed (:class:`Changes`),
    so none is read again (but the reconciliation rows, when it has none).

    ``beside``: another reader of the store (the label index, :mod:`api.search.index`).
    It, the statistics and the reconciliation rows are read at once, and ``beside``'s
    exception, if any, is raised here once the files are written:

    * ``on_disk`` (``store`` is the store in ``store_dir``) and at least
      :data:`APART_FROM` triples: the statistics and the rows in two child processes,
      each reading a checkpoint of the store (:func:`checkpoint`), ``beside`` on a
      thread here. All three spend much of their time in Python, and on threads of one
      process they took turns holding its lock (at 10⁷ triples the statistics took 82 s
      there, 39 s alone; ``bench/README.md``).
    * else on two worker threads, the longest first, the rows to whichever is free
      first: pyoxigraph evaluates a query without holding the GIL and SQLite writes
      without it too, and a small store is read before a process would have started.
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

    with ExitStack() as stack:
        threads = stack.enter_context(
            ThreadPoolExecutor(max_workers=2, thread_name_prefix="ccai-record")
        )
        aside = threads.submit(timed, "beside", beside) if beside is not None else None
        source: ox.Store | str = store
        readers: Executor = threads
        if on_disk and counts.total >= APART_FROM and (statistics is None or rows is None):
            try:
                source = str(stack.enter_context(checkpoint(store, Path(store_dir))))
            except OSError as exc:  # no room or no right beside the store: read it here
                report(f"reading the store in this process, with no checkpoint beside it: {exc}")
            else:
                readers = stack.enter_context(
                    ProcessPoolExecutor(max_workers=2, mp_context=get_context("spawn"))
                )

        def reading(what: str, known: Any, message: str) -> Future[tuple[Any, float]]:
            if known is None:
                report(message)
                return readers.submit(_read, what, source, str(store_dir))
            done: Future[tuple[Any, float]] = Future()
            done.set_result((known, 0.0))
            return done

        counted = reading("statistics", statistics, "counting the dataset statistics")
        named = reading("reconciliation", rows, "reading the names to reconcile")
        try:
            value, seconds["statistics"] = counted.result()
            write_statistics(store_dir, value)
            value, seconds["reconciliation"] = named.result()
            write_rows(store_dir, value, counts)
        finally:
            wait([f for f in (aside, counted, named) if f is not None])
    return Recorded(
        counts=counts,
        seconds={k: round(v, 3) for k, v in seconds.items()},
        beside=aside.result() if aside is not None else None,
    )


#: From this many triples on, an on-disk store's statistics and reconciliation rows are
#: read in child processes (:func:`record`).
APART_FROM = 500_000


def _read(what: str, store: ox.Store | str, store_dir: str) -> tuple[Any, float]:
    """The ``statistics`` or the ``reconciliation`` rows of ``store`` (a path: a
    checkpoint, opened read-only here, in a child process), with the seconds it took."""
    began = time.perf_counter()
    if isinstance(store, str):
        store = ox.Store.read_only(store)
    if what == "statistics":
        value: Any = DatasetStatistics.from_store(store, store_dir=store_dir)
    else:
        value = read_store(store)
    return value, time.perf_counter() - began


@contextmanager
def checkpoint(store: ox.Store, store_dir: Path) -> Iterator[Path]:
    """A checkpoint of the on-disk ``store`` beside its folder, removed on exit: RocksDB
    hard-links the store's immutable files into it (milliseconds), so other processes
    read the store as it is now however the writer's background work changes its files
    meanwhile."""
    remove_stale_checkpoints(store_dir)
    folder = store_dir.parent / f".{store_dir.name}-reading-{uuid.uuid4().hex}"
    try:
        store.flush()
        store.backup(str(folder))
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def remove_stale_checkpoints(store_dir: Path) -> None:
    """Remove the checkpoints a killed writer of the store in ``store_dir`` left (whoever
    calls this holds the store's lock: no checkpoint of it is being read)."""
    for stale in store_dir.parent.glob(f".{store_dir.name}-reading-*"):
        shutil.rmtree(stale, ignore_errors=True)


@dataclass(frozen=True)
class Figures:
    """The three recorded figures of a store: read back before a load changes it
    (:func:`baseline`), or updated by a load with what it changed (:class:`Changes`)."""

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


class Changes:
    """A :func:`baseline` updated as a load changes the default graph, at a cost in the
    triples it gains or loses, not in the store (:mod:`api.fair.added`)."""

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

    def change(
        self,
        store: ox.Store,
        *,
        gained: str,
        lost: str,
        sources: Sequence[str] = (),
        unstated: Sequence[str] = (),
    ) -> bool:
        """Count in that the default graph gained the triples of graph ``gained`` and lost
        those of graph ``lost`` (see :func:`~api.fair.added.statistics_after_changing`);
        ``False`` when only a full count can say, and nothing is counted in."""
        statistics = statistics_after_changing(
            self.statistics, store, gained=gained, lost=lost, sources=sources, unstated=unstated
        )
        if statistics is None:
            return False
        self.statistics = statistics
        self.touches_rows = (
            self.touches_rows or rows_touched_by(store, gained) or rows_touched_by(store, lost)
        )
        return True

    def figures(self, store: ox.Store, *, graph: str) -> Figures:
        """The figures once the load wrote the named graph ``graph`` and its
        entailments into the inferred graph: the reconciliation rows stand when no
        triple gained or lost can change them."""
        counts = counts_after_adding(
            store, self.before.counts, total=self.statistics.triples, graphs=[graph, INFERRED]
        )
        statistics = replace(self.statistics, graphs=dict(counts.graphs))
        return Figures(counts, statistics, None if self.touches_rows else self.before.rows)
