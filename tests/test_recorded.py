"""api.build.recorded: what a store's writer records beside it, and the label index
built meanwhile (``beside``) in a thread."""

from __future__ import annotations

import threading
from pathlib import Path

import pyoxigraph as ox
import pytest

from api.build.recorded import record
from api.fair.statistics import read_statistics
from api.store.layout import count_triples, materialise, read_counts

G = ox.NamedNode("https://w3id.org/ccai/graph/source")


def _store() -> ox.Store:
    store = ox.Store()
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    store.add(
        ox.Quad(
            ox.NamedNode("https://w3id.org/ccai/id/organisation/nemo"),
            label,
            ox.Literal("NEMO", language="en"),
            G,
        )
    )
    materialise(store)
    return store


def test_beside_runs_in_another_thread_meanwhile(tmp_path: Path) -> None:
    store = _store()
    seen: list[str] = []
    recorded = record(
        store, tmp_path, beside=lambda: seen.append(threading.current_thread().name) or 7
    )
    assert recorded.beside == 7 and seen and seen[0] != threading.current_thread().name
    assert read_counts(tmp_path) == count_triples(store) == recorded.counts
    assert read_statistics(tmp_path) is not None
    assert {"counts", "statistics", "reconciliation", "beside"} <= set(recorded.seconds)


def test_a_failure_beside_is_raised_once_the_files_are_written(tmp_path: Path) -> None:
    def fail() -> None:
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        record(_store(), tmp_path, beside=fail)
    assert read_statistics(tmp_path) is not None  # the statistics were written first
