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


def test_a_large_store_on_disk_is_read_in_child_processes_from_a_checkpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from api.build import recorded as module
    from api.fair.statistics import STATISTICS_FILE
    from api.reconcile.recorded import RECONCILE_FILE, recorded_rows

    folder = tmp_path / "oxigraph"
    store = ox.Store(str(folder))
    store.extend(_store())
    by_threads = record(store, folder)  # below APART_FROM, or not said to be on disk
    statistics, rows = read_statistics(folder), recorded_rows(folder, by_threads.counts)
    assert statistics is not None and rows is not None and rows.names

    submitted: list[str] = []

    class Processes(module.ProcessPoolExecutor):
        def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def]
            submitted.append(args[0])
            return super().submit(fn, *args, **kwargs)

    monkeypatch.setattr(module, "ProcessPoolExecutor", Processes)
    monkeypatch.setattr(module, "APART_FROM", 0)
    stale = tmp_path / ".oxigraph-reading-0123"  # left by a killed run
    stale.mkdir()
    for name in (RECONCILE_FILE, STATISTICS_FILE):
        (folder / name).unlink()
    apart = record(store, folder, beside=lambda: 7, on_disk=True)
    assert sorted(submitted) == ["reconciliation", "statistics"]
    assert apart.beside == 7 and apart.counts == by_threads.counts
    assert read_statistics(folder) == statistics
    assert recorded_rows(folder, apart.counts) == rows
    assert sorted(p.name for p in tmp_path.iterdir()) == ["oxigraph"]  # no checkpoint left


def test_no_checkpoint_beside_the_store_means_reading_it_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from contextlib import contextmanager

    from api.build import recorded as module

    @contextmanager
    def unwritable(store: ox.Store, folder: Path):  # type: ignore[no-untyped-def]
        raise PermissionError(13, "Permission denied", str(folder.parent))
        yield folder

    def no_processes(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("no child process without a checkpoint")

    monkeypatch.setattr(module, "checkpoint", unwritable)
    monkeypatch.setattr(module, "ProcessPoolExecutor", no_processes)
    monkeypatch.setattr(module, "APART_FROM", 0)
    said: list[str] = []
    folder = tmp_path / "oxigraph"
    store = ox.Store(str(folder))
    store.extend(_store())
    recorded = record(store, folder, on_disk=True, say=said.append)
    assert read_statistics(folder) is not None and recorded.counts.total == 1
    assert any("Permission denied" in line for line in said)
