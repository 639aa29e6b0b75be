"""``POST /validate``: SHACL validation of an upload, in sandboxed, killable workers.

One app (one warm worker) serves most tests; the limits (size, time,
memory) each get an app of their own with that limit turned down.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import multiprocessing
import os
import socket
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, Namespace

from api.store import sandbox
from api.validate_service import worker
from api.web.app import create_app

from .conftest import Listener, make_settings

SH = Namespace("http://www.w3.org/ns/shacl#")
BAD_PLACE = "https://w3id.org/ccai/id/place/Bad_Slug"
NEMO = "https://w3id.org/ccai/id/organisation/nemo"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"

TURTLE = f"""\
@prefix ccai: <https://w3id.org/ccai/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .

<{BAD_PLACE}> a ccai:Place ;
    rdfs:label "Somewhere"@en .
"""
MUSEUM = f"""\
@prefix ccai: <https://w3id.org/ccai/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .

<https://museum.example/org/rijks> a ccai:Organisation ;
    rdfs:label "Rijksmuseum"@en ;
    ccai:memberOf <{NEMO}> .
"""
MUSEUM_IRI = "https://museum.example/org/rijks"
DANGLING = NEMO + "-collectionz"
MEMBER_OF = "https://w3id.org/ccai/ontology#memberOf"
# The museum with a dangling link, in every upload format (validated with profile=linkset,
# which is quicker than core: these tests are about the formats, not the shapes).
UPLOADS = {
    "text/turtle": MUSEUM.replace(NEMO, DANGLING),
    "application/n-triples": f"<{MUSEUM_IRI}> <{MEMBER_OF}> <{DANGLING}> .\n",
    "application/trig": f"<https://example.org/g> {{ <{MUSEUM_IRI}> <{MEMBER_OF}> <{DANGLING}> }}",
    "application/ld+json": json.dumps(
        {
            "@context": {"ccai": "https://w3id.org/ccai/ontology#"},
            "@id": MUSEUM_IRI,
            "ccai:memberOf": {"@id": DANGLING},
        }
    ),
    "application/rdf+xml": (
        '<?xml version="1.0"?>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"\n'
        '         xmlns:ccai="https://w3id.org/ccai/ontology#">\n'
        f'  <rdf:Description rdf:about="{MUSEUM_IRI}">\n'
        f'    <ccai:memberOf rdf:resource="{DANGLING}"/>\n'
        "  </rdf:Description>\n"
        "</rdf:RDF>\n"
    ),
}
LINKSET = {"profile": "linkset"}


@pytest.fixture(scope="module")
def vclient(store_dir: Path) -> Iterator[TestClient]:
    with TestClient(create_app(make_settings(store_dir))) as client:
        yield client


def post(client: TestClient, body: str | bytes, content_type: str = "text/turtle", **kw):
    headers = {"Content-Type": content_type, **kw.pop("headers", {})}
    return client.post("/validate", content=body, headers=headers, **kw)


def error(response) -> dict:
    assert response.headers["content-type"].startswith("application/json"), response.text
    body = response.json()
    assert set(body) >= {"error", "message"}, body
    assert "Traceback" not in response.text
    return body


# --- the report ---------------------------------------------------------------------------


def test_turtle_gives_a_json_summary(vclient: TestClient) -> None:
    r = post(vclient, TURTLE)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json")
    report = r.json()
    assert report["conforms"] is False
    assert report["counts"]["Violation"] >= 1 and set(report["counts"]) == {
        "Violation",
        "Warning",
        "Info",
    }
    bad = [x for x in report["results"] if x["focusNode"] == BAD_PLACE]
    assert bad, report
    for key in ("focusNode", "path", "value", "message", "sourceShape", "severity"):
        assert key in bad[0]
    assert {x["severity"] for x in bad} == {"Violation"}
    assert any("place" in x["message"].lower() or x["message"] for x in bad)


@pytest.mark.parametrize("content_type", list(UPLOADS))
def test_every_upload_format(vclient: TestClient, content_type: str) -> None:
    r = post(vclient, UPLOADS[content_type], content_type, params=LINKSET)
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["conforms"] is False
    assert [(x["focusNode"], x["value"]) for x in report["results"]] == [
        (MUSEUM_IRI, f"<{DANGLING}>")
    ]


def test_linkset_profile_conforms_and_names_a_dangling_link(vclient: TestClient) -> None:
    good = post(vclient, MUSEUM, params=LINKSET)
    assert good.status_code == 200, good.text
    assert good.json()["conforms"] is True, good.text
    bad = post(vclient, UPLOADS["text/turtle"], params=LINKSET)
    assert bad.status_code == 200
    report = bad.json()
    assert report["conforms"] is False
    (result,) = report["results"]
    assert result["value"] == f"<{NEMO}-collectionz>"
    assert result["path"] == "ccai:memberOf"
    assert NEMO in result["suggestions"]
    assert result["line"] == 4  # the subject's line in the upload


def test_unknown_profile_names_the_available_ones(vclient: TestClient) -> None:
    r = post(vclient, TURTLE, params={"profile": "nope"})
    assert r.status_code == 400
    body = error(r)
    assert body["error"] == "invalid-parameter" and body["parameter"] == "profile"
    assert "core" in body["message"] and "linkset" in body["message"]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # rdflib's JSON-LD parser
@pytest.mark.parametrize(
    ("accept", "params", "media_type"),
    [
        ("text/turtle", {}, "text/turtle"),
        ("application/ld+json", {}, "application/ld+json"),
        ("application/json", {"format": "turtle"}, "text/turtle"),
        (None, {"format": "text"}, "text/plain"),
    ],
)
def test_report_formats(
    vclient: TestClient, accept: str | None, params: dict, media_type: str
) -> None:
    headers = {"Accept": accept} if accept else {}
    r = post(vclient, UPLOADS["text/turtle"], headers=headers, params={**params, **LINKSET})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].split(";")[0] == media_type
    if media_type == "text/plain":
        assert r.text.startswith("Conforms: no")
        return
    graph = Graph().parse(
        data=r.text, format="turtle" if media_type == "text/turtle" else "json-ld"
    )
    assert [c.toPython() for c in graph.objects(None, SH.conforms)] == [False]
    assert [str(o) for o in graph.objects(None, SH.focusNode)] == [MUSEUM_IRI]


def test_unacceptable_report_format(vclient: TestClient) -> None:
    r = post(vclient, TURTLE, headers={"Accept": "image/png"})
    assert r.status_code == 406
    assert "text/turtle" in error(r)["available"]
    r = post(vclient, TURTLE, params={"format": "pdf"})
    assert r.status_code == 400 and error(r)["parameter"] == "format"


# --- bad input: 4xx through the error model -------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "body", "line"),
    [
        ("text/turtle", "@prefix ex: <https://e.org/> .\nex:a ex:b ex:c ;\n ex:d .\n", 3),
        ("application/n-triples", "<https://e.org/a> <https://e.org/b> <https://e.org/c> .\n<x", 2),
        ("application/ld+json", '{\n  "@id": "https://e.org/a",\n  "x": }', 3),
        ("application/rdf+xml", '<?xml version="1.0"?>\n<rdf:RDF>\n<oops></rdf:RDF>', 2),
    ],
)
def test_malformed_rdf_is_400_with_position(
    vclient: TestClient, content_type: str, body: str, line: int
) -> None:
    r = post(vclient, body, content_type)
    assert r.status_code == 400, r.text
    payload = error(r)
    assert payload["error"] == "malformed-rdf"
    assert payload["position"]["line"] == line, payload


@pytest.mark.parametrize(
    "body", ["", "   \n", "@prefix ex: <https://e.org/> .\n# only a comment\n"]
)
def test_nothing_to_validate_is_400(vclient: TestClient, body: str) -> None:
    r = post(vclient, body)
    assert r.status_code == 400
    assert error(r)["error"] == "malformed-rdf"
    assert "nothing to validate" in r.json()["message"]


def test_json_that_is_not_json_ld_is_400(vclient: TestClient) -> None:
    r = post(vclient, '{"name": "just JSON"}', "application/json")
    assert r.status_code == 400 and error(r)["error"] == "malformed-rdf"


@pytest.mark.parametrize(
    "content_type", [None, "text/html", "application/octet-stream", "text/turtle; charset=latin-1"]
)
def test_unsupported_media_type_is_415(vclient: TestClient, content_type: str | None) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    r = vclient.post("/validate", content=TURTLE.encode(), headers=headers)
    assert r.status_code == 415, r.text
    body = error(r)
    assert body["error"] == "unsupported-media-type"
    assert "text/turtle" in body["message"]


def test_ill_typed_literal_is_a_violation(vclient: TestClient) -> None:
    doc = (
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
        '<https://museum.example/x> <https://schema.org/startDate> "2024-06-31"^^xsd:date .\n'
    )
    r = post(vclient, doc, params=LINKSET)
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert any("2024-06-31" in x["message"] and x["severity"] == "Violation" for x in results)


def test_multipart_file_upload(vclient: TestClient) -> None:
    files = {"file": ("museum.ttl", MUSEUM.encode(), "application/octet-stream")}
    r = vclient.post("/validate", files=files, params={"profile": "linkset"})
    assert r.status_code == 200, r.text
    assert r.json()["conforms"] is True
    files = {"file": ("museum.jsonld", UPLOADS["application/ld+json"].encode(), "text/plain")}
    r = vclient.post("/validate", files=files, params=LINKSET)
    assert r.status_code == 200 and r.json()["conforms"] is False
    assert {x["file"] for x in r.json()["results"]} == {"museum.jsonld"}


def test_multipart_without_a_file_or_of_another_type(vclient: TestClient) -> None:
    r = vclient.post("/validate", data={"profile": "core"}, files={"x": (None, "y")})
    assert r.status_code == 400 and "no file" in error(r)["message"]
    r = vclient.post("/validate", files={"file": ("notes.docx", b"PK\x03\x04", "application/zip")})
    assert r.status_code == 415 and error(r)["error"] == "unsupported-media-type"


# --- hostile input: the server stays up -------------------------------------------------------

BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [\n <!ENTITY a "aaaaaaaaaa">\n'
    + "".join(f' <!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">\n' for i in range(9))
    + ']>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"\n'
    ' xmlns:ex="https://e.org/"><rdf:Description rdf:about="https://e.org/a">'
    "<ex:p>&j;</ex:p></rdf:Description></rdf:RDF>\n"
)


def test_billion_laughs_is_refused(vclient: TestClient) -> None:
    started = time.monotonic()
    r = post(vclient, BILLION_LAUGHS, "application/rdf+xml")
    assert r.status_code == 400, r.text
    body = error(r)
    assert body["error"] == "unsafe-rdf" and "DOCTYPE" in body["message"]
    assert body["position"]["line"] == 2
    assert time.monotonic() - started < 10
    assert post(vclient, MUSEUM, params=LINKSET).status_code == 200  # still serving


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/ld+json", "[" * 100_000 + "]" * 100_000),
        ("application/ld+json", '{"https://e.org/p": ' * 50_000 + "1" + "}" * 50_000),
        ("text/turtle", "<https://e.org/a> <https://e.org/p> " + "[ <https://e.org/p> " * 20_000),
    ],
    ids=["json-arrays", "json-ld-objects", "turtle-blank-nodes"],
)
def test_deep_nesting_is_400(vclient: TestClient, content_type: str, body: str) -> None:
    r = post(vclient, body, content_type)
    assert r.status_code == 400, r.text[:300]
    assert error(r)["error"] == "malformed-rdf"
    assert post(vclient, MUSEUM, params=LINKSET).status_code == 200


def test_a_100_mb_literal_is_413_before_it_is_read(vclient: TestClient) -> None:
    literal = b'<https://e.org/a> <https://e.org/b> "' + b"x" * (100 * 1024 * 1024) + b'" .\n'
    r = post(vclient, literal, "application/n-triples")
    assert r.status_code == 413
    body = error(r)
    assert body["error"] == "request-too-large" and str(16 * 1024 * 1024) in body["message"]
    del literal
    assert post(vclient, MUSEUM, params=LINKSET).status_code == 200


def test_a_streamed_body_over_the_limit_is_413(store_dir: Path) -> None:
    settings = make_settings(store_dir, validate_max_bytes=4096)

    def chunks() -> Iterator[bytes]:
        for _ in range(1000):
            yield b"# " + b"x" * 1022 + b"\n"

    with TestClient(create_app(settings)) as client:
        r = client.post("/validate", content=chunks(), headers={"Content-Type": "text/turtle"})
        assert r.status_code == 413
        assert error(r)["error"] == "request-too-large"
        r = post(client, "#" * 5000)
        assert r.status_code == 413
        # other routes keep their own cap
        assert client.app.state.services.settings.max_request_bytes > 4096


def test_timeout_is_504_and_the_worker_is_replaced(store_dir: Path) -> None:
    settings = make_settings(store_dir, validate_timeout=0.2)
    many = "".join(
        f"<{BAD_PLACE}{i}> {RDF_TYPE} <https://w3id.org/ccai/ontology#Place> .\n"
        for i in range(3000)
    )
    with TestClient(create_app(settings)) as client:
        r = post(client, many, "application/n-triples")
        assert r.status_code == 504, r.text
        body = error(r)
        assert body["error"] == "validation-timeout" and "0.2 s" in body["message"]
        validator = client.app.state.services.validator
        assert validator.health()["kills"] == {"timeout": 1}


def test_memory_limit_is_507_then_the_next_upload_is_served(store_dir: Path) -> None:
    settings = make_settings(store_dir, validate_memory_mb=128, validate_max_bytes=32 * 1024 * 1024)
    # 200,000 triples (16 MB): rdflib needs far more than 128 MiB for them
    many = "".join(
        f"<https://e.org/s{i}> <https://e.org/p> <https://e.org/o{i}> .\n" for i in range(200_000)
    ).encode()
    with TestClient(create_app(settings)) as client:
        r = post(client, many, "application/n-triples")
        assert r.status_code == 507, r.text[:300]
        body = error(r)
        assert body["error"] == "validation-memory-limit" and body["limit_mb"] == 128
        del many
        after = post(client, MUSEUM, params=LINKSET)
        assert after.status_code == 200, after.text


# --- nothing is fetched, nothing is stored ------------------------------------------------------


def _hostile(port: int) -> list[tuple[str, str, int]]:
    url = f"http://127.0.0.1:{port}/"
    return [
        (
            "application/ld+json",
            json.dumps({"@context": url + "context.jsonld", "@id": BAD_PLACE, "@type": "X"}),
            400,
        ),
        (
            "application/ld+json",
            json.dumps({"@context": [{"@import": url + "c"}], "@id": BAD_PLACE, "ex": 1}),
            400,
        ),
        (
            "application/rdf+xml",
            f'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "{url}x">]>\n'
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            'xmlns:ex="https://e.org/"><rdf:Description rdf:about="https://e.org/a">'
            "<ex:p>&x;</ex:p></rdf:Description></rdf:RDF>",
            400,
        ),
        (
            "text/turtle",
            f"<https://museum.example/o> a <http://www.w3.org/2002/07/owl#Ontology> ;\n"
            f"  <http://www.w3.org/2002/07/owl#imports> <{url}ontology.ttl> .\n",
            200,
        ),
        (
            "application/ld+json",
            json.dumps({"@context": {"@vocab": url}, "@id": url + "a", "seeAlso": {"@id": url}}),
            200,
        ),
    ]


def test_uploads_never_make_the_server_fetch(vclient: TestClient, listener: Listener) -> None:
    for content_type, body, status in _hostile(listener.port):
        r = post(vclient, body, content_type, params=LINKSET)
        assert r.status_code == status, (content_type, r.text)
        if status == 400:
            assert error(r)["error"] == "unsafe-rdf"
    assert not listener.connected.wait(0.3)
    assert listener.connections == 0


def _connect_after_isolating(port: int) -> None:  # runs in a spawned process
    worker.isolate(True, 0)
    socket.create_connection(("127.0.0.1", port), timeout=2).close()


def test_the_worker_cannot_open_a_socket(vclient: TestClient, listener: Listener) -> None:
    """The barrier below the parser's checks: an isolated worker that tries to connect
    is ended by the kernel (SIGSYS) before anything leaves the process."""
    assert post(vclient, MUSEUM, params=LINKSET).status_code == 200
    assert vclient.app.state.services.validator.health()["sandboxed"] is True
    process = multiprocessing.get_context("spawn").Process(
        target=_connect_after_isolating, args=(listener.port,)
    )
    process.start()
    process.join(timeout=60)
    assert process.exitcode == sandbox.KILLED_BY
    assert listener.connections == 0


def _files_holding(marker: bytes, roots: list[Path], since: float) -> list[Path]:
    found = []
    for root in roots:
        for folder, _dirs, names in os.walk(root, onerror=lambda _e: None):
            for name in names:
                path = Path(folder, name)
                try:
                    info = path.stat()
                    if info.st_mtime < since or info.st_size > 256 * 1024 * 1024:
                        continue
                    if marker in path.read_bytes():
                        found.append(path)
                except OSError:
                    continue
    return found


def test_nothing_uploaded_is_stored(vclient: TestClient, store_dir: Path) -> None:
    marker = uuid.uuid4().hex
    since = time.time() - 1
    doc = f'<https://museum.example/{marker}> <https://schema.org/name> "{marker}" .\n'
    assert post(vclient, doc, "application/n-triples", params=LINKSET).status_code == 200
    padding = "# " + "p" * 1200 + "\n"  # a form over 1 MiB: Starlette would spool it to disk
    big = (padding * 1000 + doc).encode()
    files = {"file": ("upload.nt", big, "application/n-triples")}
    assert vclient.post("/validate", files=files, params=LINKSET).status_code == 200
    roots = [Path(tempfile.gettempdir()), store_dir, Path.cwd() / "build"]
    assert _files_holding(marker.encode(), [r for r in roots if r.is_dir()], since) == []


# --- documentation ----------------------------------------------------------------------------


def test_openapi_documents_the_operation(vclient: TestClient) -> None:
    operation = vclient.get("/openapi.json").json()["paths"]["/validate"]["post"]
    body = operation["requestBody"]["content"]
    for media_type in (*UPLOADS, "multipart/form-data"):
        assert media_type in body
    assert "examples" in body["text/turtle"] and "examples" in body["application/ld+json"]
    ok = operation["responses"]["200"]["content"]
    assert set(ok) >= {"application/json", "text/turtle", "application/ld+json"}
    assert ok["application/json"]["example"]["conforms"] is False
    for status in ("400", "406", "413", "415", "429", "503", "504", "507"):
        assert status in operation["responses"]
    assert {p["name"] for p in operation["parameters"]} == {"profile", "format"}


def test_a_full_queue_is_429(store_dir: Path) -> None:
    """One worker, no queue: a second upload while the first runs is refused at once."""
    from api.errors import TooManyValidations
    from api.validate_service import ValidationService

    async def scenario() -> None:
        service = ValidationService(make_settings(store_dir, validate_queue=0, queue_timeout=60))

        async def body() -> bytes:
            return MUSEUM.encode()

        first = asyncio.create_task(
            service.validate_request(content_type="text/turtle", accept=None, body=body)
        )
        deadline = time.monotonic() + 10
        while not (service._slots is not None and service._slots.locked()):
            assert time.monotonic() < deadline
            await asyncio.sleep(0)
        started = time.monotonic()
        with pytest.raises(TooManyValidations) as refused:
            await service.validate_request(content_type="text/turtle", accept=None, body=body)
        assert time.monotonic() - started < 5  # refused at once, not after queue_timeout
        assert refused.value.retry_after >= 1
        first.cancel()
        with contextlib.suppress(BaseException):
            await first
        await service.close()
        assert service.health()["workers"]["live"] == 0

    def workers() -> set[int | None]:
        return {c.pid for c in multiprocessing.active_children() if c.name == "ccai-validate"}

    before = workers()  # other apps' workers (this module's client) stay
    asyncio.run(scenario())
    deadline = time.monotonic() + 10  # the worker whose start was abandoned is stopped too
    while workers() - before:
        assert time.monotonic() < deadline, workers() - before
        time.sleep(0.05)
