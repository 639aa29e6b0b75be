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

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from api.fair.statistics import DatasetStatistics, write_statistics
from api.reconcile.recorded import read_store, write_rows
from api.store.layout import TripleCounts, count_triples, write_counts


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
    say: Callable[[str], None] | None = None,
    beside: Callable[[], Any] | None = None,
) -> Recorded:
    """Count, summarise and read ``store`` (laid out as built), and write the three files
    into ``store_dir`` (its folder). ``counts``: already counted on ``store`` as it is.

    ``beside``: another reader of the store (the label index, :mod:`api.search.index`),
    run in a thread meanwhile: pyoxigraph evaluates a query without holding the GIL
    and SQLite writes without it too, so on two cores the two overlap (``bench/README.md``).
    Its exception, if any, is raised here once the files are written.
    """
    report = say or (lambda _message: None)
    seconds: dict[str, float] = {}
    outcome: dict[str, Any] = {}

    def run_beside() -> None:
        started = time.perf_counter()
        try:
            outcome["value"] = beside() if beside is not None else None
        except BaseException as exc:  # handed to the caller's thread below
            outcome["error"] = exc
        seconds["beside"] = time.perf_counter() - started

    thread = threading.Thread(target=run_beside, name="ccai-record-beside", daemon=True)
    if beside is not None:
        thread.start()
    try:
        started = time.perf_counter()
        if counts is None:
            report("counting the triples")
            counts = count_triples(store)
        write_counts(store_dir, counts)
        seconds["counts"] = time.perf_counter() - started

        started = time.perf_counter()
        report("counting the dataset statistics")
        write_statistics(store_dir, DatasetStatistics.from_store(store, store_dir=store_dir))
        seconds["statistics"] = time.perf_counter() - started

        started = time.perf_counter()
        report("reading the names to reconcile")
        write_rows(store_dir, read_store(store), counts)
        seconds["reconciliation"] = time.perf_counter() - started
    finally:
        if beside is not None:
            thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return Recorded(
        counts=counts,
        seconds={k: round(v, 3) for k, v in seconds.items()},
        beside=outcome.get("value"),
    )
