"""``ccai validate --profile linkset``: other people's data that links to the graph (issue 10)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import Graph, URIRef

import api.validate as validate_module
from api.validate import validate_paths
from api.validate.background import IN_GRAPH, Background

from .conftest import NEMO, run, write

MUSEUM_IRI = "https://data.example-museum.nl/id/museum"


def results(out: str) -> list[dict]:
    return json.loads(out)["results"]


def test_the_museum_of_the_trial_conforms(capsys, museum: Path) -> None:
    """Own IRIs, no ccai provenance, links to NEMO, a sector and a theme: conforms."""
    code, out, err = run(capsys, "validate", "--profile", "linkset", museum, "--format", "json")
    assert code == 0, out + err
    report = json.loads(out)
    assert report["conforms"] is True
    assert report["counts"] == {"Info": 0, "Violation": 0, "Warning": 0}
    assert err == ""


def test_the_core_profile_still_rejects_it(capsys, museum: Path) -> None:
    """core is the project's own rules (ccai IRIs, provenance): the trial's failure."""
    code, out, _err = run(capsys, "validate", museum)
    assert code == 1
    assert "Conforms: no" in out


def test_a_dangling_link_names_the_iri_and_the_nearest(capsys, tmp_path: Path) -> None:
    typo = NEMO + "-collectionz"
    path = write(tmp_path, "typo.ttl", f"<{MUSEUM_IRI}> ccai:memberOf <{typo}> .\n")
    code, out, err = run(capsys, "validate", "--profile", "linkset", path, "--format", "json")
    assert code == 1, out + err
    [result] = results(out)
    assert result["focusNode"] == MUSEUM_IRI
    assert result["path"] == "ccai:memberOf"
    assert result["value"] == f"<{typo}>"
    assert typo in result["message"] and "does not exist" in result["message"]
    assert result["suggestions"] == [NEMO]
    assert result["sourceShape"].endswith("#LinksetShape-exists")
    assert (result["file"], result["line"]) == (str(path), 7)

    code, out, _err = run(capsys, "validate", "--profile", "linkset", path)
    assert f"did you mean <{NEMO}>?" in out


@pytest.mark.parametrize(
    ("triple", "path", "value", "words"),
    [
        (
            "ccai:memberOf <https://w3id.org/ccai/id/challenge/nemo-bias-and-representation>",
            "ccai:memberOf",
            "https://w3id.org/ccai/id/challenge/nemo-bias-and-representation",
            "an organisation or an initiative",
        ),
        (
            f"ccai:sector <{NEMO}>",
            "ccai:sector",
            NEMO,
            "a concept of the sectors scheme",
        ),
        (
            "ccai:theme <https://w3id.org/ccai/vocab/sectors/museums>",
            "ccai:theme",
            "https://w3id.org/ccai/vocab/sectors/museums",
            "a concept of the themes scheme",
        ),
        (
            "owl:sameAs <https://w3id.org/ccai/vocab/sectors/museums>",
            "owl:sameAs",
            "https://w3id.org/ccai/vocab/sectors/museums",
            "an entity of the graph",
        ),
        (
            "skos:exactMatch <https://w3id.org/ccai/ontology#Project>",
            "skos:exactMatch",
            "https://w3id.org/ccai/ontology#Project",
            "or a SKOS concept",
        ),
        (
            "skos:closeMatch <https://w3id.org/ccai/vocab/sectors>",
            "skos:closeMatch",
            "https://w3id.org/ccai/vocab/sectors",
            "not a class, property or scheme",
        ),
    ],
)
def test_a_link_of_the_wrong_kind_names_property_and_iri(
    capsys, tmp_path: Path, triple: str, path: str, value: str, words: str
) -> None:
    data = write(tmp_path, "kind.ttl", f"<{MUSEUM_IRI}> {triple} .\n")
    code, out, err = run(capsys, "validate", "--profile", "linkset", data, "--format", "json")
    assert code == 1, out + err
    [result] = results(out)
    assert (result["focusNode"], result["path"], result["value"]) == (
        MUSEUM_IRI,
        path,
        f"<{value}>",
    )
    assert path in result["message"] and value in result["message"] and words in result["message"]


def test_identity_links_to_existing_entities_and_concepts_conform(capsys, tmp_path: Path) -> None:
    data = write(
        tmp_path,
        "same.ttl",
        f"<{MUSEUM_IRI}> owl:sameAs <{NEMO}> ; skos:closeMatch <{NEMO}> .\n"
        "<https://e.org/concept/museum> skos:exactMatch "
        "<https://w3id.org/ccai/vocab/sectors/museums> .\n",
    )
    code, out, err = run(capsys, "validate", "--profile", "linkset", data)
    assert code == 0, out + err


def test_unknown_ccai_terms_and_subjects_are_dangling(capsys, tmp_path: Path) -> None:
    """A misspelt property, an unknown class, a resource described under our IRIs."""
    data = write(
        tmp_path,
        "terms.ttl",
        f"<{MUSEUM_IRI}> a ccai:Museum ; ccai:memberof <{NEMO}> .\n"
        "<https://w3id.org/ccai/id/organisation/example-museum> schema:name 'x' .\n",
    )
    code, out, _err = run(capsys, "validate", "--profile", "linkset", data, "--format", "json")
    assert code == 1
    found = {(r["focusNode"], r["value"]): r for r in results(out)}
    ontology = "https://w3id.org/ccai/ontology#"
    assert found[(MUSEUM_IRI, f"<{ontology}memberof>")]["suggestions"][0] == ontology + "memberOf"
    assert (MUSEUM_IRI, f"<{ontology}Museum>") in found
    own_iri = "https://w3id.org/ccai/id/organisation/example-museum"
    own = found[(own_iri, f"<{own_iri}>")]
    assert "does not exist in the ccai graph" in own["message"]
    assert len(found) == 3


def test_own_shapes_are_added_to_the_profile(capsys, tmp_path: Path, museum: Path) -> None:
    shapes = tmp_path / "shapes"
    shapes.mkdir()
    (shapes / "museum.ttl").write_text(
        """
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix schema: <https://schema.org/> .
        <https://data.example-museum.nl/shapes#MuseumShape> a sh:NodeShape ;
            sh:targetClass schema:Museum ;
            sh:property [ sh:path schema:address ; sh:minCount 1 ; sh:severity sh:Warning ;
                          sh:message "A museum needs an address." ] .
        """,
        encoding="utf-8",
    )
    args = ("validate", "--profile", "linkset", museum, "--shapes", shapes)
    code, out, _err = run(capsys, *args, "--format", "json")
    assert code == 0  # a warning alone passes
    [result] = results(out)
    assert (result["severity"], result["message"]) == ("Warning", "A museum needs an address.")
    code, _out, err = run(capsys, *args, "--fail-on", "warning", "--quiet")
    assert code == 1
    assert "1 warning(s)" in err


def test_the_background_is_not_validated(
    capsys, monkeypatch: pytest.MonkeyPatch, museum: Path
) -> None:
    """The engine sees the input plus the small slice of the graph it links to,
    never the whole project graph (the trial's 57 s and 95 warnings)."""
    seen: list[tuple[int, int]] = []
    engine = validate_module._run

    def spy(store, shapes: Graph, background: Graph, name):
        seen.append((len(store), len(background)))  # the input's store, before the slice
        return engine(store, shapes, background, name)

    monkeypatch.setattr(validate_module, "_run", spy)
    outcome = validate_paths([str(museum)], profile="linkset")
    assert outcome.report.conforms
    [(data, background)] = seen
    assert data == len(Graph().parse(museum))
    assert background < 200  # the graph has thousands of triples
    assert "package data" in outcome.background


def test_results_about_the_background_are_never_reported(tmp_path: Path) -> None:
    """A user shape that targets every organisation only reports the input's."""
    shapes = tmp_path / "shapes"
    shapes.mkdir()
    (shapes / "org.ttl").write_text(
        """
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix ccai: <https://w3id.org/ccai/ontology#> .
        <https://e.org/shapes#OrgShape> a sh:NodeShape ; sh:targetClass ccai:Organisation ;
            sh:property [ sh:path <https://e.org/budget> ; sh:minCount 1 ] .
        """,
        encoding="utf-8",
    )
    data = write(
        tmp_path, "m.ttl", f"<{MUSEUM_IRI}> a ccai:Organisation ; ccai:memberOf <{NEMO}> .\n"
    )
    outcome = validate_paths([str(data)], profile="linkset", shapes=[shapes])
    assert [str(r.focus_node) for r in outcome.report.results] == [MUSEUM_IRI]  # not NEMO
    turtle = outcome.report.report_graph
    assert URIRef(NEMO) not in set(turtle.objects())


def test_a_build_can_be_the_background(capsys, tmp_path: Path, fixture_build) -> None:
    """--graph BUILD_DIR: links are checked against that build's graph."""
    out_dir, _report = fixture_build
    network = "https://w3id.org/ccai/id/organisation/demo-museum-network"
    data = write(tmp_path, "m.ttl", f"<{MUSEUM_IRI}> ccai:memberOf <{network}> .\n")
    args = ("validate", "--profile", "linkset", data)
    code, out, err = run(capsys, *args, "--graph", out_dir, "--verbose")
    assert code == 0, out + err
    assert f"background: build {out_dir}" in err
    code, out, _err = run(capsys, *args)  # the package's graph has no such organisation
    assert code == 1 and "does not exist in the ccai graph" in out
    data = write(tmp_path, "n.ttl", f"<{MUSEUM_IRI}> ccai:memberOf <{NEMO}> .\n")
    code, out, _err = run(capsys, "validate", "--profile", "linkset", data, "--graph", out_dir)
    assert code == 1 and NEMO in out


def test_background_tables() -> None:
    background = Background.from_package()
    assert NEMO in background
    assert "https://w3id.org/ccai/ontology#memberOf" in background
    assert "https://w3id.org/ccai/dataset" in background
    assert NEMO + "-collectionz" not in background
    context = background.context_for(
        Graph().parse(data=f"<https://e.org/m> <https://e.org/p> <{NEMO}> .", format="turtle")
    )
    assert (URIRef(NEMO), IN_GRAPH, None) in context
    assert background.suggest("https://e.org/not-ours") == []


def test_a_broken_background_is_reported_by_file_and_line(capsys, tmp_path: Path) -> None:
    graph = tmp_path / "graph"
    graph.mkdir()
    (graph / "g.ttl").write_text("<https://e.org/a> <https://e.org/b> .\n", encoding="utf-8")
    data = write(tmp_path, "m.ttl", f"<{MUSEUM_IRI}> ccai:memberOf <{NEMO}> .\n")
    code, out, err = run(capsys, "validate", "--profile", "linkset", data, "--graph", graph)
    assert code == 2 and out == ""
    assert err.startswith(f"{graph / 'g.ttl'}:1") and "Traceback" not in err
