"""``ccai validate`` streams its inputs into Oxigraph (issue 10): no size cap for
N-Triples/N-Quads/Turtle/TriG, every RDF syntax, errors with file and line,
ill-typed literals, and pySHACL's results on the same input."""

from __future__ import annotations

import gzip
import json
import warnings
from collections import Counter
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, URIRef

import api.validate.files as files_module
import api.validate.inputs as inputs_module
from api.validate import validate_paths

from .conftest import MUSEUM, NEMO, run, write

SHOP = "https://data.example-museum.nl/id/shop"
TYPO = NEMO + "-collectionz"
EXISTS = "https://w3id.org/ccai/shapes#LinksetShape-exists"


def _results(out: str) -> list[dict]:
    return json.loads(out)["results"]


def _keys(out: str) -> Counter:
    return Counter((r["focusNode"], r["path"], r["sourceShape"]) for r in _results(out))


# --- no size cap ------------------------------------------------------------------------


def test_a_file_larger_than_the_whole_document_cap_is_streamed(
    capsys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cap only applies to a format read whole (JSON-LD): N-Triples, Turtle and a
    .nt.gz far larger than it are streamed, never read into memory at once."""
    monkeypatch.setattr(inputs_module, "WHOLE_DOCUMENT_MAX_BYTES", 64)

    def no_whole_read(*_args: object, **_kwargs: object) -> bytes:
        raise AssertionError("a streamed format was read whole")

    monkeypatch.setattr(files_module, "read_bytes", no_whole_read)
    museum = Graph().parse(data=MUSEUM, format="turtle")
    nt = tmp_path / "museum.nt"
    nt.write_text(museum.serialize(format="nt"), encoding="utf-8")
    gz = tmp_path / "museum.nt.gz"
    gz.write_bytes(gzip.compress(nt.read_bytes()))
    ttl = write(tmp_path, "typo.ttl", f"<{SHOP}> ccai:memberOf <{TYPO}> .\n")
    for path in (nt, gz, ttl):
        assert path.stat().st_size > 64
        code, out, err = run(capsys, "validate", "--profile", "linkset", path, "--format", "json")
        assert code in (0, 1), err
    assert _keys(out) == Counter({(SHOP, "ccai:memberOf", EXISTS): 1})
    monkeypatch.undo()
    monkeypatch.setattr(inputs_module, "WHOLE_DOCUMENT_MAX_BYTES", 64)
    jsonld = tmp_path / "museum.jsonld"
    jsonld.write_text(museum.serialize(format="json-ld"), encoding="utf-8")
    code, out, err = run(capsys, "validate", "--profile", "linkset", jsonld)
    assert (code, out) == (2, "")
    assert err.startswith(f"{jsonld}: larger than 64 bytes")
    assert "JSON-LD is read as a whole document" in err and "N-Triples" in err


# --- every syntax ------------------------------------------------------------------------


def test_every_syntax_gives_the_same_results(capsys, tmp_path: Path) -> None:
    data = Dataset()
    graph = data.graph(URIRef("https://data.example-museum.nl/graph"))
    graph.parse(data=MUSEUM, format="turtle")
    graph.add((URIRef(SHOP), URIRef("https://w3id.org/ccai/ontology#memberOf"), URIRef(TYPO)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # rdflib's quad serialisers
        written = {
            "data.ttl": graph.serialize(format="turtle"),
            "data.nt": graph.serialize(format="nt"),
            "data.rdf": graph.serialize(format="xml"),
            "data.jsonld": graph.serialize(format="json-ld"),
            "data.nq": data.serialize(format="nquads"),
            "data.trig": data.serialize(format="trig"),
        }
    found = {}
    for name, text in written.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        code, out, err = run(capsys, "validate", "--profile", "linkset", path, "--format", "json")
        assert code == 1, (name, err)
        found[name] = _keys(out)
    gz = tmp_path / "data.nq.gz"
    gz.write_bytes(gzip.compress(written["data.nq"].encode()))
    code, out, _err = run(capsys, "validate", "--profile", "linkset", gz, "--format", "json")
    found[gz.name] = _keys(out)
    assert len({frozenset(k.items()) for k in found.values()}) == 1, found
    assert sum(found["data.nt"].values()) == 1


def test_utf16_rdf_xml_is_decoded_and_a_dtd_refused(capsys, tmp_path: Path) -> None:
    text = Graph().parse(data=MUSEUM, format="turtle").serialize(format="xml")
    utf16 = tmp_path / "museum.rdf"
    utf16.write_bytes(text.replace('encoding="utf-8"', 'encoding="utf-16"').encode("utf-16"))
    code, out, err = run(capsys, "validate", "--profile", "linkset", utf16)
    assert code == 0, err
    entities = tmp_path / "entities.rdf"
    entities.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY a "aaaa">]>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>\n'
    )
    code, out, err = run(capsys, "validate", entities)
    assert (code, out) == (2, "")
    assert err.startswith(f"{entities}:2:1: RDF/XML with <!DOCTYPE> refused")


# --- errors with file and line ------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "where"),
    [
        ("broken.nt", f'<{SHOP}> <https://e.org/p> "x" .\n<{SHOP}> <https://e.org/p> .\n', ":2:"),
        ("broken.nq", f'<{SHOP}> <https://e.org/p> "x" <https://e.org/g> .\n<{SHOP}> .\n', ":2:"),
        ("broken.ttl", '@prefix e: <https://e.org/> .\n\ne:a e:p "x" ;\n    e:q .\n', ":4:9:"),
        ("broken.trig", "<https://e.org/g> {\n  <https://e.org/a> <https://e.org/p> }\n", ":2:"),
        ("broken.nt.gz", None, ":2:"),
        ("iri.nt", '<https://e.org/a b> <https://e.org/p> "x" .\n', ":1:"),
    ],
)
def test_a_syntax_error_names_file_and_line(
    capsys, tmp_path: Path, name: str, content: str | None, where: str
) -> None:
    path = tmp_path / name
    if content is None:
        bad = f'<{SHOP}> <https://e.org/p> "x" .\n<{SHOP}> <https://e.org/p> .\n'
        path.write_bytes(gzip.compress(bad.encode()))
    else:
        path.write_text(content, encoding="utf-8")
    code, out, err = run(capsys, "validate", path)
    assert (code, out) == (2, "")
    assert err.startswith(f"{path}{where}"), err
    assert "Parser error" not in err  # Oxigraph's prefix: the position is in file:line:column
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_a_corrupt_gzip_is_exit_2(capsys, tmp_path: Path) -> None:
    path = tmp_path / "data.nt.gz"
    path.write_bytes(b"not gzip")
    code, _out, err = run(capsys, "validate", path)
    assert code == 2 and err.startswith(f"{path}: cannot read:")


# --- ill-typed literals --------------------------------------------------------------------


def test_ill_typed_literals_in_streamed_files(capsys, tmp_path: Path) -> None:
    """In N-Triples (the bulk loader), and in Turtle that names a derived integer
    type (Oxigraph's store keeps those as xsd:integer: checked while streaming)."""
    xsd = "http://www.w3.org/2001/XMLSchema#"
    nt = tmp_path / "a.nt"
    nt.write_text(
        f'<{SHOP}> <https://schema.org/name> "Shop"@en .\n'
        f'<{SHOP}> <https://schema.org/foundingDate> "2024-02-30"^^<{xsd}date> .\n'
        f'<{SHOP}> <https://schema.org/numberOfEmployees> " 12 "^^<{xsd}integer> .\n',
        encoding="utf-8",
    )
    ttl = write(
        tmp_path,
        "b.ttl",
        f"<{SHOP}/cafe> schema:numberOfEmployees\n"
        '    "300"^^xsd:byte , "-1"^^xsd:nonNegativeInteger , "7"^^xsd:int .\n',
    )
    code, out, err = run(capsys, "validate", "--profile", "linkset", nt, ttl, "--format", "json")
    assert code == 1, err
    found = {(r["focusNode"], r["value"]): r for r in _results(out)}
    assert set(found) == {
        (SHOP, f'"2024-02-30"^^<{xsd}date>'),
        (f"{SHOP}/cafe", f'"300"^^<{xsd}byte>'),
        (f"{SHOP}/cafe", f'"-1"^^<{xsd}nonNegativeInteger>'),
    }  # " 12 " is an xsd:integer (whitespace is collapsed), "7" an xsd:int
    date = found[(SHOP, f'"2024-02-30"^^<{xsd}date>')]
    assert date["message"] == '"2024-02-30" is not a valid xsd:date: day is out of range for month'
    assert (date["file"], date["line"]) == (str(nt), 1)
    byte = found[(f"{SHOP}/cafe", f'"300"^^<{xsd}byte>')]
    assert byte["message"].startswith('"300" is not a valid xsd:byte')
    assert (byte["file"], byte["line"]) == (str(ttl), 7)


# --- origins -----------------------------------------------------------------------------


def test_each_result_names_the_first_file_describing_its_focus_node(capsys, tmp_path: Path) -> None:
    """Blank nodes too: several files are streamed through Python, each subject's first
    file noted on the way."""
    write(tmp_path, "a.ttl", f"<{SHOP}> ccai:memberOf <{TYPO}> .\n[] ccai:memberOf <{TYPO}> .\n")
    (tmp_path / "b.nt").write_text(
        f"_:x <https://w3id.org/ccai/ontology#memberOf> <{TYPO}> .\n"
        f"<{SHOP}> <https://w3id.org/ccai/ontology#memberOf> <{TYPO}> .\n",
        encoding="utf-8",
    )
    code, out, _err = run(capsys, "validate", "--profile", "linkset", tmp_path, "--format", "json")
    assert code == 1
    located = Counter(
        (r["file"], r["line"], r["focusNode"].startswith("_:")) for r in _results(out)
    )
    assert located == Counter(
        {
            (str(tmp_path / "a.ttl"), 7, False): 1,  # the shop, described in both files
            (str(tmp_path / "a.ttl"), None, True): 1,
            (str(tmp_path / "b.nt"), None, True): 1,
        }
    )


# --- pySHACL, the oracle -------------------------------------------------------------------


FIXTURES = Path(__file__).parent.parent / "shapes" / "fixtures"


def test_the_fixtures_give_pyshacls_results_through_the_whole_command() -> None:
    """Every fixture file, streamed into the store as ``ccai validate`` reads them:
    the fast engine and pySHACL report the same results, files and lines."""
    paths = [str(p) for p in sorted(FIXTURES.glob("*.ttl")) + sorted(FIXTURES.glob("*/*.ttl"))]
    fast = validate_paths(paths, engine="fast").report
    oracle = validate_paths(paths, engine="pyshacl").report
    assert fast.results == oracle.results
    assert fast.counts == oracle.counts and fast.conforms is oracle.conforms
    assert len(fast.results) > 100
    assert all(r.file and r.line for r in fast.results if isinstance(r.focus_node, URIRef))


def test_linkset_records_give_pyshacls_results(tmp_path: Path) -> None:
    (tmp_path / "museum.ttl").write_text(MUSEUM, encoding="utf-8")
    write(tmp_path, "typo.ttl", f"<{SHOP}> ccai:memberOf <{TYPO}> ; ccai:sector <{NEMO}> .\n")
    fast = validate_paths([str(tmp_path)], profile="linkset").report
    oracle = validate_paths([str(tmp_path)], profile="linkset", engine="pyshacl").report
    assert fast.results == oracle.results and len(fast.results) == 2
