"""The named-query registry: every file parses and binds values safely."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from api.queries import (
    NamedQuery,
    Parameter,
    ParameterError,
    QueryDefinitionError,
    load_queries,
    parse_query_file,
)

QUERIES = load_queries()
HOSTILE = ['" } ; DROP ALL ; #', "> <http://evil>", "}", 'a"b', "x\nSERVICE <http://127.0.0.1/> {}"]


def test_there_are_at_least_fifteen_named_queries() -> None:
    assert len(QUERIES) >= 15


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_query_has_header_and_runs_with_defaults(name: str) -> None:
    query = QUERIES[name]
    assert query.title and query.description
    assert query.form in {"SELECT", "CONSTRUCT", "ASK", "DESCRIBE"}
    ox.Store().query(query.render({}))  # parses and runs on an empty store


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_declared_parameter_changes_the_query(name: str) -> None:
    query = QUERIES[name]
    for param in query.parameters:
        value = {
            "iri": "https://w3id.org/ccai/id/x/y",
            "integer": "2",
            "string": "x",
            "year": "2024",
            "date": "2024-01-01",
            "decimal": "1.5",
            "language": "en",
        }[param.type]
        rendered = query.render({param.name: value})
        assert f"VALUES ?{param.name} {{" in rendered
        ox.Store().query(rendered)


@pytest.mark.parametrize("name", sorted(QUERIES))
@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_values_never_change_the_query_structure(name: str, hostile: str) -> None:
    query = QUERIES[name]
    for param in query.parameters:
        try:
            rendered = query.render({param.name: hostile})
        except ParameterError as exc:
            assert exc.parameter == param.name
            continue
        # Accepted only as an escaped string literal: the query still parses and
        # the value sits inside one literal.
        assert param.type == "string"
        ox.Store().query(rendered)


def test_unknown_parameter_is_rejected() -> None:
    query = QUERIES["entity-provenance"]
    with pytest.raises(ParameterError, match="unknown parameter"):
        query.bind({"nope": "1"})


@pytest.mark.parametrize(
    ("ptype", "raw"),
    [
        ("iri", "not an iri"),
        ("iri", "http://a b"),
        ("integer", "1.5"),
        ("integer", "9" * 20),
        ("date", "2024-13-01"),
        ("year", "24"),
        ("decimal", "1e5"),
        ("language", "en_GB!"),
    ],
)
def test_parameter_types_reject_bad_values(ptype: str, raw: str) -> None:
    with pytest.raises(ParameterError):
        Parameter("p", ptype).convert(raw)


def test_string_values_are_escaped_literals() -> None:
    term = Parameter("p", "string").convert('a"b}')
    assert str(term) == '"a\\"b}"'


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "q.rq"
    path.write_text(text, encoding="utf-8")
    return path


def test_missing_title_is_a_definition_error(tmp_path: Path) -> None:
    with pytest.raises(QueryDefinitionError, match="title"):
        parse_query_file(write(tmp_path, "# description: d\nSELECT * WHERE { ?s ?p ?o }\n"))


def test_unused_parameter_is_a_definition_error(tmp_path: Path) -> None:
    text = "# title: t\n# description: d\n# param: x iri\nSELECT * WHERE { ?s ?p ?o }\n"
    with pytest.raises(QueryDefinitionError, match=r"\?x is not used"):
        parse_query_file(write(tmp_path, text))


def test_unknown_parameter_type_is_a_definition_error(tmp_path: Path) -> None:
    text = "# title: t\n# description: d\n# param: x float\nSELECT * WHERE { ?s ?p ?x }\n"
    with pytest.raises(QueryDefinitionError, match="type"):
        parse_query_file(write(tmp_path, text))


def test_bad_default_is_a_definition_error(tmp_path: Path) -> None:
    text = "# title: t\n# description: d\n# param: x integer = many\nSELECT * WHERE { ?s ?p ?x }\n"
    with pytest.raises(ParameterError):
        parse_query_file(write(tmp_path, text))


def test_continuation_lines_extend_fields(tmp_path: Path) -> None:
    text = (
        "# title: t\n# description: first\n#   second\n"
        "# param: x iri = https://w3id.org/ccai/id/a/b | The\n#   thing.\n"
        "SELECT * WHERE { ?s ?p ?x }\n"
    )
    query: NamedQuery = parse_query_file(write(tmp_path, text))
    assert query.description == "first second"
    assert query.parameters[0].description == "The thing."
    assert query.parameters[0].default == "https://w3id.org/ccai/id/a/b"


def test_bound_optional_filter_narrows_results() -> None:
    """An optional parameter filters when given and matches anything when not."""
    store = ox.Store()
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    source = ox.NamedNode("http://purl.org/dc/terms/source")
    sector = ox.NamedNode("https://w3id.org/ccai/ontology#sector")
    music = "https://w3id.org/ccai/vocab/sectors/music"
    for slug, in_music in (("a", True), ("b", False)):
        app = ox.NamedNode(f"https://w3id.org/ccai/id/application/{slug}")
        store.add(
            ox.Quad(app, rdf_type, ox.NamedNode("https://w3id.org/ccai/ontology#AIApplication"))
        )
        store.add(ox.Quad(app, label, ox.Literal(slug, language="en")))
        store.add(ox.Quad(app, source, ox.NamedNode("https://w3id.org/ccai/source/s")))
        if in_music:
            store.add(ox.Quad(app, sector, ox.NamedNode(music)))
    query = QUERIES["ai-applications"]
    assert len(list(store.query(query.render({})))) == 2
    rows = list(store.query(query.render({"sector": music})))
    assert [row["application"].value for row in rows] == ["https://w3id.org/ccai/id/application/a"]
