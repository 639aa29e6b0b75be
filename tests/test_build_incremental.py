"""Builds that cost only what changed (issue 11): a content hash of the inputs in
``report.json``; ``ccai build`` skips an unchanged build; the store records its
counts so that a service starts without scanning every triple."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from api.build import build, fingerprint
from api.cli import main
from api.store.layout import COUNTS_FILE, count_triples, read_counts, stored_counts


@pytest.fixture()
def built_copy(fixture_build, tmp_path: Path) -> Path:
    out, _ = fixture_build
    copy = tmp_path / "build"
    shutil.copytree(out, copy)
    return copy


def _inputs(graph_dir: Path) -> dict[str, object]:
    from api import resources

    return fingerprint.fingerprint(
        {
            "graph": graph_dir,
            "ontology": resources.ontology_file(),
            "vocabularies": resources.vocabularies_dir(),
            "shapes": resources.shapes_dir(),
        }
    )


def test_report_records_the_inputs_hash(fixture_build, fixture_graph_dir: Path) -> None:
    out, report = fixture_build
    recorded = json.loads((out / "report.json").read_text())["inputs"]
    assert recorded == report.inputs == _inputs(fixture_graph_dir)
    assert len(str(recorded["sha256"])) == 64 and int(recorded["files"]) > 10


def test_unchanged_inputs_skip_the_build(built_copy: Path, fixture_graph_dir: Path) -> None:
    before = {p: p.stat().st_mtime_ns for p in built_copy.rglob("*") if p.is_file()}
    started = time.perf_counter()
    report = build(built_copy, graph_dir=fixture_graph_dir, force=False)
    assert report.skipped and time.perf_counter() - started < 2
    assert report.triples["total"] > 0
    assert {p: p.stat().st_mtime_ns for p in built_copy.rglob("*") if p.is_file()} == before


def test_an_edited_byte_changes_the_hash(fixture_graph_dir: Path, tmp_path: Path) -> None:
    graph = tmp_path / "graph"
    shutil.copytree(fixture_graph_dir, graph)
    first = _inputs(graph)
    assert _inputs(graph) == first  # deterministic
    target = sorted(graph.glob("*.ttl"))[0]
    target.touch()
    assert _inputs(graph) == first  # a new mtime is no change
    target.write_text(target.read_text() + "\n# edited\n")
    assert _inputs(graph)["sha256"] != first["sha256"]


def test_up_to_date_needs_a_complete_build(built_copy: Path, fixture_graph_dir: Path) -> None:
    inputs = _inputs(fixture_graph_dir)
    assert fingerprint.up_to_date(built_copy, inputs)
    assert not fingerprint.up_to_date(built_copy, {**inputs, "sha256": "0" * 64})
    shutil.rmtree(built_copy / "oxigraph")
    assert not fingerprint.up_to_date(built_copy, inputs)


def test_cli_build_skips_and_force_is_offered(
    built_copy: Path, fixture_graph_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["build", "--quiet", "--out", str(built_copy), "--graph-dir", str(fixture_graph_dir)]
    )
    assert code == 0
    assert "up to date" in capsys.readouterr().out


def test_store_records_its_counts(fixture_build) -> None:
    out, report = fixture_build
    recorded = read_counts(out / "oxigraph")
    assert recorded is not None and recorded.as_dict() == report.triples
    store = ox.Store.read_only(str(out / "oxigraph"))
    assert count_triples(store) == recorded  # the record is what a full count finds
    assert stored_counts(store, out / "oxigraph") == recorded


def test_stale_or_missing_counts_are_recounted(built_copy: Path) -> None:
    path = built_copy / "oxigraph"
    counted = count_triples(ox.Store.read_only(str(path)))
    data = json.loads((path / COUNTS_FILE).read_text())
    data["graphs"] = {"https://example.org/not-in-the-store": 1}
    data["total"] = 1
    (path / COUNTS_FILE).write_text(json.dumps(data))
    assert stored_counts(ox.Store.read_only(str(path)), path) == counted
    (path / COUNTS_FILE).unlink()
    assert read_counts(path) is None
    assert stored_counts(ox.Store.read_only(str(path)), path) == counted
