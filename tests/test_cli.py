"""The ``ccai`` command line: exit codes, messages and output formats."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rdflib import Graph

import api
from api import resources
from api.cli import main

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:rdflib.*")

ORGANISATION = "https://w3id.org/ccai/id/organisation/demo-museum-network"
ORGANISATIONS_QUERY = "SELECT ?o WHERE { ?o a schema:Organization }"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# --- general ---------------------------------------------------------------------


def test_version(capsys) -> None:
    code, out, _err = run(capsys, "--version")
    assert code == 0
    assert out.strip() == f"ccai {api.__version__}"


def test_no_command_is_a_usage_error(capsys) -> None:
    code, _out, err = run(capsys)
    assert code == 2
    assert "usage: ccai" in err


def test_unknown_option_is_a_usage_error(capsys) -> None:
    code, _out, err = run(capsys, "validate", "--format", "yaml")
    assert code == 2
    assert "invalid choice" in err


# --- validate --------------------------------------------------------------------


def test_validate_conforming_graph(capsys, fixture_graph_dir: Path) -> None:
    code, out, err = run(capsys, "validate", fixture_graph_dir)
    assert code == 0, out + err
    assert out.startswith("Conforms: yes")


def test_validate_non_conforming_names_the_focus_node(capsys, input_dir: Path) -> None:
    code, out, err = run(capsys, "validate", input_dir / "graph", input_dir / "nonconforming")
    assert code == 1
    assert "post:nobody-demo-museum-network" in out
    assert "ccai:postHolder" in out
    assert "1 violation" in err


def test_validate_json_output_parses(capsys, input_dir: Path) -> None:
    code, out, _err = run(
        capsys, "validate", input_dir / "graph", input_dir / "nonconforming", "--format", "json"
    )
    assert code == 1
    report = json.loads(out)
    assert report["conforms"] is False
    assert [r["focusNode"] for r in report["results"] if r["severity"] == "Violation"] == [
        "https://w3id.org/ccai/id/post/nobody-demo-museum-network"
    ]


def test_validate_turtle_output_parses(capsys, fixture_graph_dir: Path) -> None:
    code, out, _err = run(capsys, "validate", fixture_graph_dir, "--format", "turtle")
    assert code == 0
    report = Graph().parse(data=out, format="turtle")
    assert report.query(
        "ASK { ?r a <http://www.w3.org/ns/shacl#ValidationReport> ; "
        "<http://www.w3.org/ns/shacl#conforms> true }"
    ).askAnswer


def test_validate_broken_turtle_gives_file_and_line(capsys, input_dir: Path) -> None:
    code, out, err = run(capsys, "validate", input_dir / "broken.ttl")
    assert code == 2
    assert out == ""
    # Oxigraph's parser (``ccai validate`` streams its inputs): the column of the ``;``
    assert "broken.ttl:8:18: ; is not a valid RDF object" in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_validate_unknown_file_type(capsys, input_dir: Path) -> None:
    code, _out, err = run(capsys, "validate", input_dir / "unknown.xyz")
    assert code == 2
    assert "unknown.xyz: unknown RDF file type '.xyz'" in err


def test_validate_refuses_entity_expansion(capsys, input_dir: Path) -> None:
    started = time.perf_counter()
    code, out, err = run(capsys, "validate", input_dir / "entity.rdf")
    assert time.perf_counter() - started < 5
    assert code == 2
    assert "entity.rdf:2:1:" in err and "DOCTYPE" in err
    assert "lollol" not in out + err


def test_validate_refuses_remote_json_ld_context(capsys, input_dir: Path) -> None:
    code, _out, err = run(capsys, "validate", input_dir / "remote-context.jsonld")
    assert code == 2
    assert "remote-context.jsonld: JSON-LD @context 'https://schema.org/' refused" in err


def test_validate_missing_path(capsys, tmp_path: Path) -> None:
    code, _out, err = run(capsys, "validate", tmp_path / "nope.ttl")
    assert code == 2
    assert "nope.ttl: no such file or directory" in err


def test_validate_warnings_alone_do_not_fail(
    capsys, tmp_path: Path, fixture_graph_dir: Path
) -> None:
    shapes = tmp_path / "shapes"
    shapes.mkdir()
    (shapes / "warn.ttl").write_text(
        """
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix ccai: <https://w3id.org/ccai/ontology#> .
        <https://e.org/shapes#PersonWarning> a sh:NodeShape ;
            sh:targetClass ccai:Person ;
            sh:property [ sh:path ccai:nickname ; sh:minCount 1 ; sh:severity sh:Warning ] .
        """,
        encoding="utf-8",
    )
    code, out, _err = run(capsys, "validate", fixture_graph_dir, "--shapes", shapes)
    assert code == 0
    assert "1 warnings" in out and "person:ada-example" in out


def test_validate_project_graph_default(capsys, monkeypatch, fixture_graph_dir: Path) -> None:
    """Without paths, validate loads graph/ (here pointed at the fixture folder)."""
    from api import resources

    monkeypatch.setattr(resources, "graph_dir", lambda: fixture_graph_dir)
    code, out, err = run(capsys, "validate")
    assert code == 0, out + err


# --- build -----------------------------------------------------------------------


def test_build_prints_a_summary(capsys, tmp_path: Path, fixture_graph_dir: Path) -> None:
    out_dir = tmp_path / "out"
    code, out, err = run(capsys, "build", "--out", out_dir, "--graph-dir", fixture_graph_dir)
    assert code == 0, err
    assert (out_dir / "report.json").is_file()
    assert "https://w3id.org/ccai/graph/inferred" in out
    assert "demo-conference" in out
    assert "Validation: conforms=True" in out
    assert "Timings: load" in out
    assert "ccai build: reasoning" in err


def test_build_non_conforming_exits_1_and_writes_nothing(
    capsys, tmp_path: Path, input_dir: Path
) -> None:
    graphs = tmp_path / "graphs"
    graphs.mkdir()
    shutil.copy(input_dir / "graph" / "demo-conference.ttl", graphs)
    text = (input_dir / "nonconforming" / "bad-post.ttl").read_text()
    # The same bad post, inside the demo source's own graph file.
    (graphs / "demo-conference.ttl").write_text(
        (graphs / "demo-conference.ttl").read_text() + "\n" + text.split("\n\n", 1)[1]
    )
    out_dir = tmp_path / "out"
    code, out, err = run(capsys, "build", "-q", "--out", out_dir, "--graph-dir", graphs)
    assert code == 1
    assert "post:nobody-demo-museum-network" in out
    assert "nothing written" in err
    assert not out_dir.exists()


def test_build_broken_input_exits_2(capsys, tmp_path: Path, input_dir: Path) -> None:
    graphs = tmp_path / "graphs"
    graphs.mkdir()
    shutil.copy(input_dir / "broken.ttl", graphs / "broken.ttl")
    code, _out, err = run(capsys, "build", "-q", "--out", tmp_path / "out", "--graph-dir", graphs)
    assert code == 2
    assert err.strip() == f"{graphs / 'broken.ttl'}:8:17: Bad syntax (objectList expected)"


def test_build_missing_graph_dir(capsys, tmp_path: Path) -> None:
    code, _out, err = run(capsys, "build", "--out", tmp_path / "o", "--graph-dir", tmp_path / "x")
    assert code == 2
    assert "--graph-dir" in err and "no such directory" in err


# --- query -----------------------------------------------------------------------


def test_query_json(capsys, fixture_build) -> None:
    out_dir, _report = fixture_build
    code, out, _err = run(capsys, "query", ORGANISATIONS_QUERY, "--store", out_dir)
    assert code == 0
    bindings = json.loads(out)["results"]["bindings"]
    assert [b["o"]["value"] for b in bindings] == [ORGANISATION]


def test_query_refuses_service_and_updates(capsys, fixture_build) -> None:
    out_dir, _report = fixture_build
    for query, reason in (
        ("SELECT * { #\r SERVICE <http://127.0.0.1:9/> { ?s ?p ?o }\n }", "SERVICE"),
        ("INSERT DATA { <a:b> <a:c> <a:d> }", "SPARQL Update"),
    ):
        code, out, err = run(capsys, "query", query, "--store", out_dir)
        assert code == 2 and out == ""
        assert err.startswith("ccai query: ") and reason in err and "Traceback" not in err


def test_query_csv_and_tsv(capsys, fixture_build) -> None:
    out_dir, _report = fixture_build
    code, out, _err = run(
        capsys, "query", ORGANISATIONS_QUERY, "--store", out_dir, "--format", "csv"
    )
    assert code == 0
    assert list(csv.reader(io.StringIO(out))) == [["o"], [ORGANISATION]]
    code, out, _err = run(
        capsys, "query", ORGANISATIONS_QUERY, "--store", out_dir, "--format", "tsv"
    )
    assert out.splitlines() == ["?o", f"<{ORGANISATION}>"]


def test_query_table(capsys, fixture_build) -> None:
    out_dir, _report = fixture_build
    query = "SELECT ?o ?label WHERE { ?o a schema:Organization ; rdfs:label ?label }"
    code, out, _err = run(capsys, "query", query, "--store", out_dir, "--format", "table")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["o", "label"]
    assert set(lines[1]) <= {"-", " "}
    assert lines[2].split(None, 1) == ["organisation:demo-museum-network", "Demo Museum Network@en"]
    assert lines[3] == "(1 row)"


def test_query_from_file_and_asserted_graph(capsys, fixture_build, tmp_path: Path) -> None:
    out_dir, _report = fixture_build
    query_file = tmp_path / "q.rq"
    query_file.write_text("ASK { ?o a <https://schema.org/Organization> }")
    code, out, _err = run(capsys, "query", f"@{query_file}", "--store", out_dir)
    assert json.loads(out)["boolean"] is True
    code, out, _err = run(
        capsys, "query", f"@{query_file}", "--store", out_dir, "--graph", "asserted"
    )
    assert code == 0
    assert json.loads(out)["boolean"] is False


def test_query_construct_turtle_and_ntriples(capsys, fixture_build) -> None:
    out_dir, _report = fixture_build
    query = "CONSTRUCT WHERE { ?o a schema:Organization }"
    for fmt, rdf in (("turtle", "turtle"), ("ntriples", "nt")):
        code, out, _err = run(capsys, "query", query, "--store", out_dir, "--format", fmt)
        assert code == 0
        assert len(Graph().parse(data=out, format=rdf)) == 1


def test_query_format_that_does_not_fit_the_query(capsys, fixture_build) -> None:
    out_dir, _report = fixture_build
    code, _out, err = run(
        capsys, "query", ORGANISATIONS_QUERY, "--store", out_dir, "--format", "turtle"
    )
    assert code == 2
    assert "CONSTRUCT" in err


def test_query_malformed(capsys, fixture_build) -> None:
    out_dir, _report = fixture_build
    code, out, err = run(capsys, "query", "SELECT ?x WHERE {", "--store", out_dir)
    assert code == 2
    assert out == ""
    assert err.startswith("ccai query: The query does not parse: error at 1:")
    assert len(err.strip().splitlines()) == 1


def test_query_without_a_build(capsys, tmp_path: Path) -> None:
    code, _out, err = run(capsys, "query", ORGANISATIONS_QUERY, "--store", tmp_path)
    assert code == 2
    assert "run `ccai build` first" in err


def test_query_missing_query_file(capsys, fixture_build, tmp_path: Path) -> None:
    out_dir, _report = fixture_build
    code, _out, err = run(capsys, "query", f"@{tmp_path / 'nope.rq'}", "--store", out_dir)
    assert code == 2
    assert "nope.rq: cannot read query file" in err


# --- fmt -------------------------------------------------------------------------


def test_fmt_check_and_fix(capsys, tmp_path: Path) -> None:
    path = tmp_path / "messy.ttl"
    label = "<http://www.w3.org/2000/01/rdf-schema#label>"
    path.write_text(f'<https://w3id.org/ccai/id/place/x>    {label} "X"@en .\n')
    code, out, err = run(capsys, "fmt", "--check", path)
    assert code == 1
    assert f"not canonical: {path}" in out
    assert f"ccai fmt {path}" in err
    assert path.read_text().startswith("<https://")  # --check does not write

    code, out, _err = run(capsys, "fmt", path)
    assert code == 0
    assert f"reformatted {path}" in out
    code, _out, _err = run(capsys, "fmt", "--check", tmp_path)
    assert code == 0


def test_fmt_broken_file(capsys, input_dir: Path) -> None:
    code, _out, err = run(capsys, "fmt", "--check", input_dir / "broken.ttl")
    assert code == 2
    assert "broken.ttl:8:17: Bad syntax" in err


def test_fmt_missing_path(capsys, tmp_path: Path) -> None:
    code, _out, err = run(capsys, "fmt", tmp_path / "nope")
    assert code == 2
    assert "no such file or directory" in err


# --- serve -----------------------------------------------------------------------


def test_serve_without_web_modules(capsys, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "api.web.app", None)  # import fails
    code, _out, err = run(capsys, "serve")
    assert code == 2
    assert "web service is not available" in err


def test_serve_passes_settings_to_the_app(capsys, monkeypatch, tmp_path: Path) -> None:
    import types

    import uvicorn

    seen: dict[str, object] = {}
    fake = types.ModuleType("api.web.app")

    def create_app(settings):
        seen["settings"] = settings
        return "the-app"

    fake.create_app = create_app
    monkeypatch.setitem(sys.modules, "api.web.app", fake)
    (tmp_path / "oxigraph").mkdir()
    (tmp_path / "oxigraph" / "CURRENT").write_text("")
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(app=app, **kw))
    for name in ("CCAI_PORT", "CCAI_QUERY_TIMEOUT", "CCAI_LOG_LEVEL", "CCAI_HOST"):
        monkeypatch.delenv(name, raising=False)
    code, _out, _err = run(
        capsys, "serve", "--port", "8123", "--store", tmp_path, "--query-timeout", "5"
    )
    assert code == 0
    settings = seen["settings"]
    assert (settings.host, settings.port, settings.store_path, settings.query_timeout) == (
        "127.0.0.1",
        8123,
        tmp_path,
        5.0,
    )
    assert (seen["app"], seen["host"], seen["port"]) == ("the-app", "127.0.0.1", 8123)
    assert seen["http"] == "h11" and seen["log_level"] == "info"
    # flags override the environment only when given (issue 9)
    monkeypatch.setenv("CCAI_PORT", "9000")
    monkeypatch.setenv("CCAI_QUERY_TIMEOUT", "7")
    monkeypatch.setenv("CCAI_LOG_LEVEL", "warning")
    assert run(capsys, "serve", "--store", tmp_path)[0] == 0
    settings = seen["settings"]
    assert (settings.port, settings.query_timeout, seen["port"]) == (9000, 7.0, 9000)
    assert seen["log_level"] == "warning"
    assert run(capsys, "serve", "--store", tmp_path, "--port", "8124")[0] == 0
    assert seen["port"] == 8124 and seen["settings"].query_timeout == 7.0


def test_serve_without_a_build(capsys, tmp_path: Path) -> None:
    code, _out, err = run(capsys, "serve", "--store", tmp_path / "nothing")
    assert code == 2
    assert "run `ccai build` first" in err


# --- the installed console script ---------------------------------------------------


def _console_script() -> str:
    script = Path(sys.executable).parent / "ccai"
    return str(script) if script.exists() else shutil.which("ccai") or "ccai"


def test_console_script_validate_and_errors(input_dir: Path, fixture_graph_dir: Path) -> None:
    ok = subprocess.run(
        [_console_script(), "validate", str(fixture_graph_dir)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("Conforms: yes")
    broken = subprocess.run(
        [_console_script(), "validate", str(input_dir / "broken.ttl")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert broken.returncode == 2
    assert "broken.ttl:8:18:" in broken.stderr
    assert "Traceback" not in broken.stderr


@pytest.mark.slow
def test_console_script_serves_the_build(fixture_build) -> None:
    """``ccai serve`` on a built store answers /health (the web app is api.web.app)."""
    import socket
    import urllib.request

    out_dir, _report = fixture_build
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [_console_script(), "serve", "--port", str(port), "--store", str(out_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        body = None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as resp:
                    body = json.loads(resp.read())
                    break
            except OSError:
                time.sleep(0.3)
        assert body is not None, server.stdout.read() if server.poll() is not None else "timeout"
        assert isinstance(body, dict) and body
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_query_named_file_binds_defaults_and_params(capsys, project_build) -> None:
    """A named query file gets its header's defaults; --param overrides them."""
    out_dir, _report = project_build
    query = f"@{resources.queries_dir() / 'themes-across-sources.rq'}"
    assert main(["query", query, "--store", str(out_dir), "--format", "csv"]) == 0
    everything = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert everything, "the default (min_sources = 1) keeps every theme with a challenge"
    args = ["query", query, "--store", str(out_dir), "--format", "csv", "--param", "min_sources=3"]
    assert main(args) == 0
    several = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert 0 < len(several) < len(everything)
    assert all(int(row["sources"]) >= 3 for row in several)


def test_query_param_errors_exit_2(capsys, fixture_build) -> None:
    out_dir, _report = fixture_build
    query = f"@{resources.queries_dir() / 'event-participants.rq'}"
    assert main(["query", query, "--store", str(out_dir), "--param", "event=not an iri"]) == 2
    assert "not an absolute IRI" in capsys.readouterr().err
    assert main(["query", query, "--store", str(out_dir), "--param", "nope"]) == 2
    assert "NAME=VALUE" in capsys.readouterr().err
    assert main(["query", "ASK {}", "--store", str(out_dir), "--param", "a=b"]) == 2
    assert "named query file" in capsys.readouterr().err
