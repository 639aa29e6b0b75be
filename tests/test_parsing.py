"""api.rdf.parsing: every format by suffix, errors with file and line, unsafe input refused."""

from __future__ import annotations

import gzip
import time
import urllib.request
from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import RDFS

from api.rdf.parsing import (
    MissingInputError,
    RdfInputError,
    RdfSyntaxError,
    UnknownFormatError,
    UnsafeInputError,
    expand_paths,
    parse_file,
    parse_paths,
    rdf_format,
)

PLACE = "https://w3id.org/ccai/id/place/"
LABEL_A = (URIRef(PLACE + "a"), RDFS.label, Literal("A"))

GOOD = {
    "x.ttl": f'<{PLACE}a> <{RDFS.label}> "A" .\n',
    "x.nt": f'<{PLACE}a> <{RDFS.label}> "A" .\n',
    "x.nq": f'<{PLACE}a> <{RDFS.label}> "A" <https://w3id.org/ccai/graph/g> .\n',
    "x.trig": f'<https://w3id.org/ccai/graph/g> {{ <{PLACE}a> <{RDFS.label}> "A" . }}\n',
    "x.jsonld": f'{{"@id": "{PLACE}a", "{RDFS.label}": "A"}}\n',
    "x.json": f'{{"@context": {{"l": "{RDFS.label}"}}, "@id": "{PLACE}a", "l": "A"}}\n',
    "x.rdf": (
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        f'xmlns:rdfs="{RDFS}"><rdf:Description rdf:about="{PLACE}a">'
        "<rdfs:label>A</rdfs:label></rdf:Description></rdf:RDF>\n"
    ),
}


@pytest.mark.parametrize("name", sorted(GOOD))
def test_each_format_parses_by_suffix(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text(GOOD[name], encoding="utf-8")
    graph = parse_file(path)
    assert set(graph) == {LABEL_A}


@pytest.mark.parametrize("name", sorted(GOOD))
def test_gzip_of_each_format(tmp_path: Path, name: str) -> None:
    path = tmp_path / (name + ".gz")
    path.write_bytes(gzip.compress(GOOD[name].encode("utf-8")))
    assert set(parse_file(path)) == {LABEL_A}


def test_owl_and_xml_suffixes_are_rdf_xml() -> None:
    assert rdf_format(Path("a.owl")) == rdf_format(Path("a.XML")) == "xml"
    assert rdf_format(Path("dump.nq.gz")) == "nquads"


@pytest.mark.parametrize("name", ["data.xyz", "data", "data.gz", "notes.txt.gz"])
def test_unknown_suffix(name: str) -> None:
    with pytest.raises(UnknownFormatError) as info:
        rdf_format(Path(name))
    assert isinstance(info.value, RdfInputError)
    assert str(info.value).startswith(f"{name}: unknown RDF file type")


def test_unknown_fixture(input_dir: Path) -> None:
    with pytest.raises(UnknownFormatError, match=r"unknown\.xyz: unknown RDF file type '\.xyz'"):
        parse_file(input_dir / "unknown.xyz")


def test_error_str_is_file_line_column() -> None:
    error = RdfSyntaxError(Path("graph/x.ttl"), "Bad syntax (x)", line=12, column=5)
    assert str(error) == "graph/x.ttl:12:5: Bad syntax (x)"
    assert str(RdfSyntaxError(Path("a.ttl"), "m", line=3)) == "a.ttl:3: m"
    assert str(RdfSyntaxError(Path("a.ttl"), "m")) == "a.ttl: m"


@pytest.mark.parametrize(
    ("name", "line", "column", "message"),
    [
        ("broken.ttl", 8, 17, "Bad syntax (objectList expected)"),
        ("broken.trig", 4, 55, "Bad syntax (expected '.' or '}' or ']' at end of statement)"),
        ("broken.nt", 5, 81, "Unexpected end of file"),
        ("broken.nq", 2, 117, "Quads must be followed by a dot"),
        ("broken.jsonld", 4, 1, "Expecting value"),
        ("broken.rdf", 6, 3, "mismatched tag"),
    ],
)
def test_syntax_errors_carry_line_and_column(
    input_dir: Path, name: str, line: int, column: int, message: str
) -> None:
    path = input_dir / name
    with pytest.raises(RdfSyntaxError) as info:
        parse_file(path)
    error = info.value
    assert (error.path, error.line, error.column, error.message) == (path, line, column, message)
    assert str(error) == f"{path}:{line}:{column}: {message}"


def test_turtle_line_is_right_in_a_long_file(tmp_path: Path) -> None:
    lines = [f'<{PLACE}p{i}> <{RDFS.label}> "P{i}" .' for i in range(200)]
    lines[137] = f"<{PLACE}bad> <{RDFS.label}> ."
    path = tmp_path / "long.ttl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(RdfSyntaxError) as info:
        parse_file(path)
    assert info.value.line == 138


def test_doctype_is_refused_before_parsing(input_dir: Path) -> None:
    started = time.perf_counter()
    with pytest.raises(UnsafeInputError) as info:
        parse_file(input_dir / "entity.rdf")
    assert time.perf_counter() - started < 1
    assert info.value.line == 2
    assert "<!DOCTYPE>" in info.value.message


def test_entity_declaration_alone_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.owl"
    path.write_text('<?xml version="1.0"?>\n\n<!ENTITY x "y">\n<rdf:RDF/>\n', encoding="utf-8")
    with pytest.raises(UnsafeInputError) as info:
        parse_file(path)
    assert info.value.line == 3


def test_doctype_in_utf16_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.rdf"
    text = '<?xml version="1.0" encoding="utf-16"?>\n<!DOCTYPE x [<!ENTITY a "b">]>\n<x/>\n'
    path.write_bytes(text.encode("utf-16"))
    with pytest.raises(UnsafeInputError):
        parse_file(path)


def test_doctype_in_gzip_is_refused(tmp_path: Path, input_dir: Path) -> None:
    path = tmp_path / "entity.rdf.gz"
    path.write_bytes(gzip.compress((input_dir / "entity.rdf").read_bytes()))
    with pytest.raises(UnsafeInputError):
        parse_file(path)


@pytest.mark.parametrize("name", ["remote-context.jsonld", "nested-remote-context.jsonld"])
def test_remote_json_ld_context_is_refused_without_fetching(
    input_dir: Path, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_network(*args, **kwargs):
        raise AssertionError("a remote context was fetched")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    with pytest.raises(UnsafeInputError, match=r"@context .* refused"):
        parse_file(input_dir / name)


def test_json_ld_import_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonld"
    path.write_text('{"@context": {"@import": "https://e.org/c"}, "@id": "https://e.org/a"}')
    with pytest.raises(UnsafeInputError, match="@import"):
        parse_file(path)


def test_inline_json_ld_context_is_fine(input_dir: Path) -> None:
    graph = parse_file(input_dir / "place.jsonld")
    assert (URIRef(PLACE + "jsonld-city"), RDFS.label, Literal("JSON-LD City", lang="en")) in graph


def test_gzip_bomb_is_capped(tmp_path: Path) -> None:
    path = tmp_path / "big.nt.gz"
    path.write_bytes(gzip.compress(b"#" * 100_000))
    with pytest.raises(UnsafeInputError, match="larger than"):
        parse_file(path, max_bytes=1000)


def test_corrupt_gzip(tmp_path: Path) -> None:
    path = tmp_path / "x.ttl.gz"
    path.write_bytes(b"not gzip at all")
    with pytest.raises(RdfSyntaxError, match="cannot read"):
        parse_file(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(MissingInputError):
        parse_file(tmp_path / "nope.ttl")
    with pytest.raises(MissingInputError):
        expand_paths([tmp_path / "nope"])


def test_expand_paths_is_recursive_sorted_and_keeps_named_files(tmp_path: Path) -> None:
    for name in ["b.ttl", "a/z.nt", "a/y.jsonld.gz", "notes.txt", ".hidden/c.ttl", "c.xyz"]:
        path = tmp_path / "dir" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")
    found = expand_paths([tmp_path / "dir", tmp_path / "dir" / "c.xyz"])
    root = tmp_path / "dir"
    assert found == [root / "a/y.jsonld.gz", root / "a/z.nt", root / "b.ttl", root / "c.xyz"]


def test_parse_paths_merges_formats(input_dir: Path) -> None:
    graph = parse_paths([input_dir / "place.jsonld", input_dir / "place.rdf"])
    labels = {str(o) for o in graph.objects(None, RDFS.label)}
    assert labels == {"JSON-LD City", "XML City"}


def test_parse_paths_stops_at_the_broken_file(input_dir: Path) -> None:
    with pytest.raises(RdfSyntaxError, match=r"broken\.ttl:8"):
        parse_paths([input_dir / "place.rdf", input_dir / "broken.ttl"])
