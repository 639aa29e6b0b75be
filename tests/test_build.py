"""api.build: the loader, the pipeline, the artefacts and the atomic swap."""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import pyoxigraph
import pytest
from rdflib import Dataset, Graph

from api.build import BuildFailed, build
from api.build.loader import SourceGraphError, load
from api.namespaces import GRAPH_INFERRED, GRAPH_ONTOLOGY, GRAPH_VOCABULARIES, graph_iri
from api.rdf.parsing import RdfSyntaxError

# rdflib's own TriG/N-Quads/JSON-LD parsers call its deprecated ConjunctiveGraph API.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:rdflib.*")

DUMPS = ["dataset.trig", "dataset.nq", "ccai.ttl", "ccai-inferred.ttl", "ccai.nt.gz", "ccai.jsonld"]


def _conforming(_data: Graph) -> SimpleNamespace:
    return SimpleNamespace(conforms=True, counts={"Violation": 0, "Warning": 0, "Info": 0})


def _failing(_data: Graph) -> SimpleNamespace:
    return SimpleNamespace(conforms=False, counts={"Violation": 1, "Warning": 0, "Info": 0})


# --- loader ----------------------------------------------------------------------


def test_loader_puts_each_file_in_its_named_graph(fixture_graph_dir: Path) -> None:
    loaded = load(graph_dir=fixture_graph_dir)
    names = {g.identifier for g in loaded.dataset.graphs() if len(g)}
    assert names == {GRAPH_ONTOLOGY, GRAPH_VOCABULARIES, graph_iri("demo-conference")}
    assert set(loaded.sources) == {"demo-conference"}
    assert len(loaded.asserted_union()) == sum(len(g) for g in loaded.dataset.graphs())


def test_loader_requires_the_source_document(input_dir: Path) -> None:
    with pytest.raises(SourceGraphError) as info:
        load(graph_dir=input_dir / "graph-unnamed-source")
    message = str(info.value)
    assert message.startswith(str(input_dir / "graph-unnamed-source" / "some-source.ttl"))
    assert "source:some-source" in message and "ccai:SourceDocument" in message


def test_loader_rejects_file_names_that_are_not_slugs(
    tmp_path: Path, fixture_graph_dir: Path
) -> None:
    shutil.copy(fixture_graph_dir / "demo-conference.ttl", tmp_path / "Demo_Conference.ttl")
    with pytest.raises(SourceGraphError, match=r"not graph/<slug>\.ttl"):
        load(graph_dir=tmp_path)


def test_loader_reports_syntax_errors_with_the_file(tmp_path: Path, input_dir: Path) -> None:
    shutil.copy(input_dir / "broken.ttl", tmp_path / "broken.ttl")
    with pytest.raises(RdfSyntaxError) as info:
        load(graph_dir=tmp_path)
    assert str(info.value).startswith(f"{tmp_path / 'broken.ttl'}:8:17: Bad syntax")


# --- the build's artefacts ----------------------------------------------------------


def test_build_writes_every_artefact(fixture_build) -> None:
    out, _report = fixture_build
    for name in [*DUMPS, "report.json", "SHA256SUMS"]:
        assert (out / name).is_file(), name
    assert (out / "oxigraph").is_dir()
    assert not list(out.parent.glob("build.tmp-*")), "staging folder left behind"


def test_report_json(fixture_build) -> None:
    out, report = fixture_build
    data = json.loads((out / "report.json").read_text())
    assert data["version"] == report.version
    assert data["started"] <= data["finished"]
    assert set(data["timings"]) >= {"load", "reason", "validate", "serialise", "store", "total"}
    graphs = data["triples"]["graphs"]
    assert set(graphs) == {
        str(GRAPH_ONTOLOGY),
        str(GRAPH_VOCABULARIES),
        str(GRAPH_INFERRED),
        str(graph_iri("demo-conference")),
    }
    assert data["sources"] == {"demo-conference": graphs[str(graph_iri("demo-conference"))]}
    assert data["classes"]["ccai:Person"] == {"asserted": 1, "with_inference": 1}
    assert data["classes"]["ccai:Actor"] == {"asserted": 0, "with_inference": 2}
    assert data["validation"]["conforms"] is True
    assert data["validation"]["counts"]["Violation"] == 0
    assert data["entailments"]["kept"] == graphs[str(GRAPH_INFERRED)]
    assert data["entailments"]["dropped"] > 0
    # the store's default graph holds the distinct asserted and inferred triples
    # (api.store.layout)
    triples = data["triples"]
    assert data["store"]["quads"] == sum(graphs.values()) + triples["total"]
    assert triples["total"] == triples["asserted"] + triples["inferred"]
    assert triples["inferred"] == graphs[str(GRAPH_INFERRED)]
    assert triples["asserted"] <= sum(n for g, n in graphs.items() if g != str(GRAPH_INFERRED))
    assert sorted(a["file"] for a in data["artefacts"]) == sorted(DUMPS)


def test_checksums_match_report_and_files(fixture_build) -> None:
    out, _report = fixture_build
    data = json.loads((out / "report.json").read_text())
    sums = dict(
        reversed(line.split("  ", 1)) for line in (out / "SHA256SUMS").read_text().splitlines()
    )
    assert set(sums) == set(DUMPS)  # what /download serves: not report.json (issue 9)
    for name, digest in sums.items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest, name
    for artefact in data["artefacts"]:
        path = out / artefact["file"]
        assert artefact["bytes"] == path.stat().st_size
        assert artefact["sha256"] == sums[artefact["file"]]
        assert artefact["media_type"]


def test_trig_round_trips_to_the_same_quads(fixture_build) -> None:
    out, _report = fixture_build
    trig = Dataset()
    trig.parse(out / "dataset.trig", format="trig")
    nquads = Dataset()
    nquads.parse(out / "dataset.nq", format="nquads")
    count = len(list(trig.quads((None, None, None, None))))
    assert count == len(list(nquads.quads((None, None, None, None))))
    data = json.loads((out / "report.json").read_text())
    assert count == sum(data["triples"]["graphs"].values())
    assert {g.identifier for g in trig.graphs() if len(g)} == {
        GRAPH_ONTOLOGY,
        GRAPH_VOCABULARIES,
        GRAPH_INFERRED,
        graph_iri("demo-conference"),
    }


def test_unions_in_turtle_ntriples_and_json_ld(fixture_build) -> None:
    out, _report = fixture_build
    data = json.loads((out / "report.json").read_text())
    asserted = Graph().parse(out / "ccai.ttl", format="turtle")
    inferred = Graph().parse(out / "ccai-inferred.ttl", format="turtle")
    assert len(asserted) == data["triples"]["asserted"]
    assert len(inferred) == data["triples"]["total"]
    ntriples = Graph().parse(data=gzip.decompress((out / "ccai.nt.gz").read_bytes()), format="nt")
    assert len(ntriples) == len(inferred)
    document = json.loads((out / "ccai.jsonld").read_text())
    assert document["@context"]["ccai"] == "https://w3id.org/ccai/ontology#"
    jsonld = Graph().parse(out / "ccai.jsonld", format="json-ld")
    assert len(jsonld) == len(inferred)


def test_oxigraph_store_answers_a_query(fixture_build) -> None:
    out, _report = fixture_build
    store = pyoxigraph.Store.read_only(str(out / "oxigraph"))
    rows = list(
        store.query(
            "SELECT ?o WHERE { GRAPH <https://w3id.org/ccai/graph/inferred> "
            "{ ?o a <https://schema.org/Organization> } }"
        )
    )
    assert [row["o"].value for row in rows] == [
        "https://w3id.org/ccai/id/organisation/demo-museum-network"
    ]
    graphs = {g.value for g in store.named_graphs()}
    assert str(GRAPH_INFERRED) in graphs and str(GRAPH_ONTOLOGY) in graphs


# --- atomicity ---------------------------------------------------------------------


def _previous_build(tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    out = tmp_path / "build"
    out.mkdir()
    (out / "report.json").write_text('{"previous": true}')
    (out / "keep.txt").write_text("untouched")
    return out, {p.name: p.read_bytes() for p in out.iterdir()}


def _snapshot(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in out.iterdir()}


def test_non_conforming_build_leaves_previous_build_untouched(
    tmp_path: Path, fixture_graph_dir: Path
) -> None:
    out, before = _previous_build(tmp_path)
    with pytest.raises(BuildFailed) as info:
        build(out, graph_dir=fixture_graph_dir, validator=_failing)
    assert info.value.report.validation == {
        "conforms": False,
        "counts": {"Violation": 1, "Warning": 0, "Info": 0},
    }
    assert _snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build"]


def test_unusable_input_leaves_previous_build_untouched(tmp_path: Path, input_dir: Path) -> None:
    out, before = _previous_build(tmp_path)
    graphs = tmp_path / "graphs"
    graphs.mkdir()
    shutil.copy(input_dir / "broken.ttl", graphs / "broken.ttl")
    with pytest.raises(RdfSyntaxError):
        build(out, graph_dir=graphs, validator=_conforming)
    assert _snapshot(out) == before


def test_error_while_writing_leaves_previous_build_untouched(
    tmp_path: Path, fixture_graph_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from api.build import artefacts

    out, before = _previous_build(tmp_path)

    def broken_store(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(artefacts, "write_store", broken_store)
    with pytest.raises(OSError, match="disk full"):
        build(out, graph_dir=fixture_graph_dir, validator=_conforming)
    assert _snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build"]


def test_successful_build_replaces_previous_build(tmp_path: Path, fixture_graph_dir: Path) -> None:
    out, _before = _previous_build(tmp_path)
    steps: list[str] = []
    report = build(out, graph_dir=fixture_graph_dir, validator=_conforming, progress=steps.append)
    assert steps == ["loading", "reasoning", "validating", "writing"]
    assert not (out / "keep.txt").exists()
    assert json.loads((out / "report.json").read_text())["version"] == report.version
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build"]


# --- the real project ----------------------------------------------------------------


@pytest.mark.slow
def test_real_project_builds(project_build) -> None:
    """The whole project: graph/, shapes/, ontology/. Fails while graph/ does not conform."""
    from api.resources import graph_dir

    _, report = project_build
    assert report.validation["conforms"] is True
    expected = {p.stem for p in graph_dir().glob("*.ttl")}
    assert set(report.sources) == expected
    assert all(count > 0 for count in report.sources.values())
    assert report.triples["inferred"] > 0
