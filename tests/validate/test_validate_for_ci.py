"""``ccai validate`` for CI: inputs, nothing-to-validate, reports, exit codes (issue 10)."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from rdflib import RDFS, Graph, Literal, URIRef
from rdflib.namespace import SH

from .conftest import MUSEUM, NEMO, run, write

MUSEUM_IRI = "https://data.example-museum.nl/id/museum"
TYPO = NEMO + "-collectionz"


@pytest.fixture
def records(tmp_path: Path) -> Path:
    """A folder of a museum's records: one conforming file, one with a dangling link."""
    folder = tmp_path / "records"
    (folder / "2025").mkdir(parents=True)
    (folder / "museum.ttl").write_text(MUSEUM, encoding="utf-8")
    write(folder / "2025", "typo.ttl", f"<{MUSEUM_IRI}/shop> ccai:memberOf <{TYPO}> .\n")
    (folder / "README.md").write_text("not RDF, skipped in a directory\n", encoding="utf-8")
    return folder


def junit(text: str) -> ET.Element:
    return ET.fromstring(text)  # noqa: S314 - the command's own output, no DTD


# --- inputs ---------------------------------------------------------------------------


def test_directories_and_globs(capsys, records: Path) -> None:
    linkset = ("validate", "--profile", "linkset", "--format", "json")
    code, out, _err = run(capsys, *linkset, records)
    assert code == 1
    assert {r["file"] for r in json.loads(out)["results"]} == {str(records / "2025" / "typo.ttl")}
    code, out, _err = run(capsys, *linkset, f"{records}/*.ttl")  # the pattern, as CI quotes it
    assert code == 0, out
    code, out, _err = run(capsys, *linkset, f"{records}/**/*.ttl", records / "museum.ttl")
    assert code == 1  # recursive glob; a file named twice is read once
    code, _out, err = run(capsys, *linkset, "--verbose", f"{records}/**/*.ttl")
    assert err.count("ccai validate: read ") == 2


#: name → (file to create, its content or None for a directory, the message expected)
NOTHING = {
    "empty-dir": ("input", None, "no RDF files in this directory"),
    "empty-file": ("input.ttl", "", "no RDF triples"),
    "only-prefixes": ("input.ttl", "@prefix a: <https://e.org/> .\n# only\n", "no RDF triples"),
    "not-rdf": ("input.txt", "hello", "unknown RDF file type '.txt'"),
    "json-not-json-ld": ("input.json", '{"name": "x"}', "not JSON-LD"),
}


@pytest.mark.parametrize("case", sorted(NOTHING))
def test_nothing_to_validate_is_exit_2(capsys, tmp_path: Path, case: str) -> None:
    name, content, message = NOTHING[case]
    path = tmp_path / name
    if content is None:
        path.mkdir()
    else:
        path.write_text(content, encoding="utf-8")
    for profile in ("core", "linkset"):
        code, out, err = run(capsys, "validate", "--profile", profile, path)
        assert code == 2, (profile, out, err)
        assert out == ""
        assert err.startswith(f"{path}:") and message in err
        assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_a_glob_matching_nothing_and_no_paths_are_exit_2(capsys, tmp_path: Path) -> None:
    code, _out, err = run(capsys, "validate", "--profile", "linkset", f"{tmp_path}/*.ttl")
    assert code == 2 and "this pattern matches no file" in err
    code, _out, err = run(capsys, "validate", "--profile", "linkset")
    assert code == 2 and "nothing to validate" in err
    code, _out, err = run(
        capsys, "validate", "--profile", "linkset", tmp_path, "--shapes", tmp_path / "no"
    )
    assert code == 2 and "--shapes" in err and "no such directory" in err
    code, _out, err = run(
        capsys, "validate", "--profile", "linkset", tmp_path, "--graph", tmp_path / "no"
    )
    assert code == 2 and "--graph" in err


def test_a_syntax_error_names_file_line_and_column(capsys, tmp_path: Path) -> None:
    path = write(tmp_path, "broken.ttl", f"<{MUSEUM_IRI}> ccai:memberOf .\n")
    code, out, err = run(capsys, "validate", "--profile", "linkset", path)
    assert code == 2 and out == ""
    assert err.startswith(f"{path}:7:") and "Traceback" not in err


def test_ill_typed_literals_are_violations_with_lexical_form_and_reason(
    capsys, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "dates.ttl",
        f'<{MUSEUM_IRI}> schema:foundingDate "2024-06-31"^^xsd:date ;\n'
        '    schema:numberOfEmployees "abc"^^xsd:integer .\n',
    )
    code, out, err = run(capsys, "validate", "--profile", "linkset", path, "--format", "json")
    assert code == 1, out + err
    assert err == "ccai validate: 2 violation(s), 0 warning(s), 0 info(s)\n"  # no traceback
    found = {r["path"]: r for r in json.loads(out)["results"]}
    date, count = found["schema:foundingDate"], found["schema:numberOfEmployees"]
    assert date["value"] == '"2024-06-31"^^<http://www.w3.org/2001/XMLSchema#date>'
    assert date["message"] == '"2024-06-31" is not a valid xsd:date: day is out of range for month'
    assert count["message"].startswith(
        '"abc" is not a valid xsd:integer: invalid literal for int()'
    )
    assert {date["line"], count["line"]} == {7}
    assert date["constraint"] == str(SH.DatatypeConstraintComponent)


def test_the_installed_command_prints_no_traceback(tmp_path: Path) -> None:
    path = write(
        tmp_path, "dates.ttl", f'<{MUSEUM_IRI}> schema:foundingDate "2024-02-30"^^xsd:date .\n'
    )
    script = Path(sys.executable).parent / "ccai"
    argv = [str(script)] if script.exists() else [sys.executable, "-m", "api.cli"]
    done = subprocess.run(
        [*argv, "validate", "--profile", "linkset", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and "Failed to convert" not in done.stderr
    assert '"2024-02-30" is not a valid xsd:date' in done.stdout


# --- reports ------------------------------------------------------------------------


def test_junit_has_one_test_case_per_focus_node_and_shape(capsys, records: Path) -> None:
    typo_file = records / "2025" / "typo.ttl"
    write(
        records / "2025",
        "typo.ttl",
        f"<{MUSEUM_IRI}/shop> ccai:memberOf <{TYPO}> ; ccai:sector <{NEMO}> .\n",
    )
    code, out, _err = run(capsys, "validate", "--profile", "linkset", records, "--format", "junit")
    assert code == 1
    root = junit(out)
    assert root.tag == "testsuites" and root.get("failures") == "2"
    cases = root.findall("./testsuite/testcase")
    assert {(c.get("classname"), c.get("name")) for c in cases} == {
        (str(records / "museum.ttl"), "parses"),
        (str(typo_file), "parses"),
        (str(typo_file), f"<{MUSEUM_IRI}/shop> (:LinksetShape-exists)"),
        (str(typo_file), f"<{MUSEUM_IRI}/shop> (:LinksetShape-sector)"),
    }
    exists = next(c for c in cases if c.get("name", "").endswith("(:LinksetShape-exists)"))
    [failure] = exists.findall("failure")
    assert failure.get("type") == "Violation"
    assert f"{typo_file}:7:" in (failure.text or "") and TYPO in (failure.text or "")
    assert f"did you mean <{NEMO}>?" in (failure.text or "")


def test_junit_warnings_fail_only_with_fail_on_warning(
    capsys, tmp_path: Path, museum: Path
) -> None:
    shapes = tmp_path / "shapes"
    shapes.mkdir()
    (shapes / "w.ttl").write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "<https://e.org/s> a sh:NodeShape ; sh:targetClass <https://schema.org/Museum> ;\n"
        "  sh:property [ sh:path <https://schema.org/address> ; sh:minCount 1 ;"
        " sh:severity sh:Warning ] .\n",
        encoding="utf-8",
    )
    args = ("validate", "--profile", "linkset", museum, "--shapes", shapes, "--format", "junit")
    code, out, _err = run(capsys, *args)
    assert code == 0
    root = junit(out)
    assert root.get("failures") == "0"
    assert root.findall(".//system-out")
    code, out, err = run(capsys, *args, "--fail-on", "warning")
    assert code == 1 and "1 warning(s)" in err
    assert junit(out).get("failures") == "1"


def test_turtle_report_is_a_shacl_report_with_suggestions(capsys, records: Path) -> None:
    code, out, _err = run(capsys, "validate", "--profile", "linkset", records, "--format", "turtle")
    assert code == 1
    report = Graph().parse(data=out, format="turtle")
    [node] = report.subjects(SH.conforms, Literal(False))
    [result] = report.objects(node, SH.result)
    assert report.value(result, SH.value) == URIRef(TYPO)
    assert report.value(result, RDFS.seeAlso) == URIRef(NEMO)


def test_quiet_prints_no_report_and_verbose_tells_what_was_read(capsys, records: Path) -> None:
    code, out, err = run(capsys, "validate", "--profile", "linkset", records, "--quiet")
    assert (code, out) == (1, "")
    assert err == "ccai validate: 1 violation(s), 0 warning(s), 0 info(s)\n"
    code, out, err = run(capsys, "validate", "--profile", "linkset", records / "museum.ttl", "-v")
    assert code == 0 and out.startswith("Conforms: yes")
    assert "profile linkset; background: package data" in err
    assert f"read {records / 'museum.ttl'}" in err and "validate " in err
    code, _out, err = run(capsys, "validate", records, "--quiet", "--verbose")
    assert code == 2 and "not allowed with" in err
