"""The FAIR publication routes over a real fixture build (tests/conftest.py: fixture_build)."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
import re
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from rdflib import RDF, Graph, Literal, Namespace, URIRef

from api.fair.statistics import STATISTICS_FILE
from api.fair.validate import validate_dcat_ap

from .conftest import PUBLIC, make_app

DCAT = Namespace("http://www.w3.org/ns/dcat#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
VOID = Namespace("http://rdfs.org/ns/void#")
SCHEMA = Namespace("https://schema.org/")
CATALOG = URIRef("https://w3id.org/ccai/catalog")
DATASET = URIRef("https://w3id.org/ccai/dataset")

SHAPES = Path(__file__).resolve().parents[2] / ".." / "shared" / "standards" / "dcat-ap" / "3.0.1"
needs_shapes = pytest.mark.skipif(
    not SHAPES.is_dir(), reason=f"official DCAT-AP 3.0.1 shapes not found at {SHAPES}"
)

RDF_TYPES = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
}
DESCRIPTIONS = ["/catalog", "/dataset", "/.well-known/void"]


def parse(response, media_type: str = "text/turtle") -> Graph:
    return Graph().parse(data=response.content, format=RDF_TYPES[media_type])


def local(url: str) -> str:
    assert url.startswith(PUBLIC), url
    return "/" + url[len(PUBLIC) :]


@pytest.fixture(scope="module")
def catalog(client: TestClient) -> Graph:
    response = client.get("/catalog", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    return parse(response)


@pytest.fixture(scope="module")
def report(build_dir: Path) -> dict:
    return json.loads((build_dir / "report.json").read_text(encoding="utf-8"))


# --- the catalogue ----------------------------------------------------------------------


@needs_shapes
@pytest.mark.parametrize("profile", ["core", "generated"])
def test_catalog_conforms_to_dcat_ap_3_0_1(catalog: Graph, profile: str) -> None:
    outcome = validate_dcat_ap(catalog, SHAPES, profile)
    assert outcome.violations == [], "\n".join(map(str, outcome.violations))


def test_every_download_url_serves_the_published_bytes(client: TestClient, catalog: Graph) -> None:
    distributions = list(catalog.objects(DATASET, DCAT.distribution))
    downloads = [d for d in distributions if catalog.value(d, DCAT.downloadURL) is not None]
    assert len(downloads) == 6  # the six dumps; the SPARQL distribution has only accessURL
    for dist in downloads:
        url = str(catalog.value(dist, DCAT.downloadURL))
        size = int(catalog.value(dist, DCAT.byteSize))
        checksum = catalog.value(dist, SPDX.checksum)
        sha = str(catalog.value(checksum, SPDX.checksumValue))
        body = client.get(local(url)).content
        assert len(body) == size, url
        assert hashlib.sha256(body).hexdigest() == sha, url


def test_dataset_iri_resolves_to_the_same_description(client: TestClient, catalog: Graph) -> None:
    response = client.get("/dataset", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    graph = parse(response)
    assert (DATASET, RDF.type, DCAT.Dataset) in graph
    assert len(graph) == len(catalog)
    assert f'<{DATASET}>; rel="canonical"' in response.headers["link"]


# --- VoID -------------------------------------------------------------------------------


def test_void_counts_the_store(client: TestClient, build_dir: Path) -> None:
    response = client.get("/.well-known/void")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    void = parse(response)
    store = ox.Store.read_only(str(build_dir / "oxigraph"))
    distinct = next(
        iter(
            store.query(
                "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }",
                use_default_graph_as_union=True,
            )
        )
    )["n"]
    del store
    assert void.value(DATASET, VOID.triples) == Literal(int(distinct.value))
    assert int(distinct.value) > 0
    assert void.value(DATASET, VOID.sparqlEndpoint) == URIRef(PUBLIC + "sparql")
    dumps = set(void.objects(DATASET, VOID.dataDump))
    assert URIRef(PUBLIC + "download/ccai.nt.gz") in dumps


def _void_entities(c: TestClient) -> int:
    void = parse(c.get("/.well-known/void", headers={"Accept": "text/turtle"}))
    return int(void.value(DATASET, VOID.entities))


def test_the_statistics_recorded_with_the_build_are_served(build_copy: Path) -> None:
    """The service reads the statistics the build recorded (no counting at start-up)
    when they describe its store, and counts when they do not."""
    path = build_copy / "oxigraph" / STATISTICS_FILE
    recorded = json.loads(path.read_text(encoding="utf-8"))
    with TestClient(make_app(build_copy)) as c:
        assert _void_entities(c) == recorded["entities"]  # the build recorded the true count
    path.write_text(json.dumps({**recorded, "entities": 424242}), encoding="utf-8")
    with TestClient(make_app(build_copy)) as c:  # read, not counted
        assert _void_entities(c) == 424242
    stale = {**recorded, "entities": 424242, "graphs": {**recorded["graphs"], "x:g": 1}}
    path.write_text(json.dumps(stale), encoding="utf-8")
    with TestClient(make_app(build_copy)) as c:  # another store's: counted again
        assert _void_entities(c) == recorded["entities"]
    path.unlink()
    with TestClient(make_app(build_copy)) as c:  # a build from before they were recorded
        assert _void_entities(c) == recorded["entities"]


# --- content negotiation ----------------------------------------------------------------


@pytest.mark.parametrize("path", DESCRIPTIONS)
@pytest.mark.parametrize("media_type", list(RDF_TYPES))
def test_descriptions_negotiate_rdf(client: TestClient, path: str, media_type: str) -> None:
    response = client.get(path, headers={"Accept": media_type})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    assert "Accept" in response.headers["vary"]
    assert len(parse(response, media_type)) > 10
    link = response.headers["link"]
    for other in RDF_TYPES:
        assert f'type="{other}"' in link
    assert response.headers["content-location"].startswith(PUBLIC + path.lstrip("/") + ".")


@pytest.mark.parametrize("path", DESCRIPTIONS)
def test_default_is_turtle_and_browsers_get_html(client: TestClient, path: str) -> None:
    for accept in (None, "*/*"):
        headers = {"Accept": accept} if accept else {}
        assert client.get(path, headers=headers).headers["content-type"].startswith("text/turtle")
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    page = client.get(path, headers={"Accept": browser})
    assert page.headers["content-type"].startswith("text/html")
    assert "<h1>" in page.text


@pytest.mark.parametrize(
    ("query", "media_type"),
    [
        ("turtle", "text/turtle"),
        ("jsonld", "application/ld+json"),
        ("nt", "application/n-triples"),
        ("rdfxml", "application/rdf+xml"),
        ("html", "text/html"),
    ],
)
def test_format_parameter_and_extensions(client: TestClient, query: str, media_type: str) -> None:
    response = client.get(f"/catalog?format={query}", headers={"Accept": "application/rdf+xml"})
    assert response.headers["content-type"].split(";")[0] == media_type
    ext = {"turtle": "ttl", "jsonld": "jsonld", "nt": "nt", "rdfxml": "rdf", "html": "html"}[query]
    fixed = client.get(f"/.well-known/void.{ext}", headers={"Accept": "text/turtle"})
    assert fixed.status_code == 200
    assert fixed.headers["content-type"].split(";")[0] == media_type


def test_jsonld_parses_offline(client: TestClient) -> None:
    response = client.get("/catalog", headers={"Accept": "application/ld+json"})
    graph = parse(response, "application/ld+json")
    assert (CATALOG, RDF.type, DCAT.Catalog) in graph


@pytest.mark.parametrize("path", [*DESCRIPTIONS, "/", "/download"])
def test_406_when_nothing_acceptable(client: TestClient, path: str) -> None:
    response = client.get(path, headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert response.json()["error"] == "not-acceptable"
    assert response.json()["available"]


def test_unknown_format_and_extension(client: TestClient) -> None:
    assert client.get("/catalog?format=yaml").status_code == 406
    assert client.get("/catalog.yaml").status_code == 404


def test_descriptions_have_etags_and_304(client: TestClient) -> None:
    first = client.get("/catalog", headers={"Accept": "text/turtle"})
    etag = first.headers["etag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)
    again = client.get("/catalog", headers={"Accept": "text/turtle", "If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    other = client.get("/catalog", headers={"Accept": "application/ld+json", "If-None-Match": etag})
    assert other.status_code == 200  # another representation, another tag


def test_head_on_descriptions(client: TestClient) -> None:
    response = client.head("/.well-known/void")
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-type"].startswith("text/turtle")


# --- downloads --------------------------------------------------------------------------


def test_download_headers(client: TestClient, build_dir: Path, report: dict) -> None:
    for artefact in report["artefacts"]:
        name = artefact["file"]
        response = client.get(f"/download/{name}")
        assert response.status_code == 200, name
        body = response.content
        digest = hashlib.sha256(body).digest()
        assert body == (build_dir / name).read_bytes()
        assert response.headers["content-length"] == str(artefact["bytes"])
        assert response.headers["etag"] == f'"{artefact["sha256"]}"'
        b64 = base64.b64encode(digest).decode()
        assert response.headers["repr-digest"] == f"sha-256=:{b64}:"
        assert response.headers["digest"] == f"sha-256={b64}"
        assert "max-age" in response.headers["cache-control"]
        assert response.headers["content-disposition"] == f'attachment; filename="{name}"'
        assert "content-encoding" not in response.headers


def test_gzip_dump_is_served_as_gzip(client: TestClient) -> None:
    response = client.get("/download/ccai.nt.gz")
    assert response.headers["content-type"] == "application/gzip"
    assert "content-encoding" not in response.headers
    lines = gzip.decompress(response.content).decode("utf-8").splitlines()
    assert lines and all(line.endswith(" .") for line in lines)


def test_media_types_of_downloads(client: TestClient) -> None:
    expected = {
        "dataset.trig": "application/trig",
        "dataset.nq": "application/n-quads",
        "ccai.ttl": "text/turtle",
        "ccai.jsonld": "application/ld+json",
        "SHA256SUMS": "text/plain",
    }
    for name, media_type in expected.items():
        assert client.head(f"/download/{name}").headers["content-type"].split(";")[0] == media_type


def test_sha256sums_matches_the_files(client: TestClient, build_dir: Path) -> None:
    response = client.get("/download/SHA256SUMS")
    assert response.status_code == 200
    assert response.headers["etag"] == f'"{hashlib.sha256(response.content).hexdigest()}"'
    for line in response.text.splitlines():
        sha, name = line.split("  ")
        assert hashlib.sha256((build_dir / name).read_bytes()).hexdigest() == sha


def test_conditional_get_head_and_range(client: TestClient, report: dict) -> None:
    artefact = next(a for a in report["artefacts"] if a["file"] == "ccai.ttl")
    etag = f'"{artefact["sha256"]}"'
    assert client.get("/download/ccai.ttl", headers={"If-None-Match": etag}).status_code == 304
    assert (
        client.get("/download/ccai.ttl", headers={"If-None-Match": '"x", ' + etag}).status_code
        == 304
    )
    assert client.get("/download/ccai.ttl", headers={"If-None-Match": '"other"'}).status_code == 200
    modified = client.get("/download/ccai.ttl").headers["last-modified"]
    assert (
        client.get("/download/ccai.ttl", headers={"If-Modified-Since": modified}).status_code == 304
    )

    head = client.head("/download/ccai.ttl")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == str(artefact["bytes"])
    assert head.headers["etag"] == etag

    part = client.get("/download/ccai.ttl", headers={"Range": "bytes=0-9"})
    assert part.status_code == 206
    assert len(part.content) == 10
    assert part.headers["content-range"] == f"bytes 0-9/{artefact['bytes']}"
    stale = client.get("/download/ccai.ttl", headers={"Range": "bytes=0-9", "If-Range": '"old"'})
    assert stale.status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/download/report.json",  # in the build directory, not an artefact
        "/download/oxigraph",
        "/download/nope.ttl",
        "/download/..%2freport.json",
        "/download/..%2f..%2f..%2fetc%2fpasswd",
        "/download/%2fetc%2fpasswd",
        "/download//etc/passwd",
        "/download/ccai.ttl%00.txt",
        "/download/%2e%2e",  # httpx would remove a literal ".." before sending
        "/download/%2e",
        "/download/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/download/CCAI.TTL",
        "/download/ccai.ttl%2f..%2freport.json",
    ],
)
def test_only_allow_listed_files(client: TestClient, path: str) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 404, (path, response.status_code)
    assert "root:" not in response.text


def test_trailing_slash_only_redirects_to_the_file(client: TestClient) -> None:
    response = client.get("/download/ccai.ttl/", follow_redirects=False)
    assert response.status_code in (307, 404)
    if response.status_code == 307:  # Starlette's redirect_slashes
        assert response.headers["location"] == PUBLIC + "download/ccai.ttl"


def test_absolute_path_is_refused(client: TestClient, build_dir: Path) -> None:
    target = build_dir / "ccai.ttl"
    assert client.get(f"/download/{target}").status_code == 404
    assert client.get("/download/" + str(target).replace("/", "%2f")).status_code == 404


def test_symlinks_and_changed_files_are_refused(build_copy: Path, tmp_path: Path) -> None:
    # An allow-listed name that is a symlink: refused, even to a file of the right size.
    outside = tmp_path / "outside.ttl"
    outside.write_bytes((build_copy / "ccai.ttl").read_bytes())
    (build_copy / "ccai.ttl").unlink()
    os.symlink(outside, build_copy / "ccai.ttl")
    (build_copy / "dataset.trig").unlink()
    os.symlink("/etc/passwd", build_copy / "dataset.trig")
    # A file that is no longer the size the report publishes.
    with (build_copy / "ccai.jsonld").open("ab") as stream:
        stream.write(b"\n")
    # A symlink that is not allow-listed at all.
    os.symlink("/etc/passwd", build_copy / "passwd")
    with TestClient(make_app(build_copy)) as c:
        for name in ("ccai.ttl", "dataset.trig", "ccai.jsonld", "passwd"):
            response = c.get(f"/download/{name}")
            assert response.status_code == 404, name
            assert "root:" not in response.text
        assert c.get("/download/dataset.nq").status_code == 200


def test_missing_report_is_503(build_copy: Path) -> None:
    (build_copy / "report.json").unlink()
    with TestClient(make_app(build_copy)) as c:
        for path in ("/catalog", "/download/ccai.ttl", "/"):
            response = c.get(path, headers={"Accept": "application/json"})
            assert response.status_code == 503, path
            assert response.json()["error"] == "build-unavailable"
            assert str(build_copy) not in response.text
        page = c.get("/", headers={"Accept": "text/html"})  # a browser gets the error page
        assert page.status_code == 503 and page.headers["content-type"].startswith("text/html")
        assert str(build_copy) not in page.text


def _rebuild_in_place(build: Path, version: str) -> None:
    """What `ccai build` does: a new directory swapped in, never a file edited in place."""
    staging = build.with_name(build.name + ".tmp-test")
    shutil.copytree(build, staging)
    report = json.loads((staging / "report.json").read_text(encoding="utf-8"))
    report["version"] = version
    (staging / "report.json").unlink()
    (staging / "report.json").write_text(json.dumps(report), encoding="utf-8")
    old = build.with_name(build.name + ".old-test")
    build.rename(old)
    staging.rename(build)
    shutil.rmtree(old)


def test_one_generation_until_restart(build_copy: Path) -> None:
    # A running service serves the build it started with: a rebuild changes
    # nothing (catalogue, downloads, SPARQL) until the service restarts.
    with TestClient(make_app(build_copy)) as c:
        before = c.get("/catalog").text
        count = c.get("/health").json()["triples"]
        _rebuild_in_place(build_copy, "0.0.0-test")
        assert c.get("/catalog").text == before
        assert "0.0.0-test" not in before
        assert c.get("/download/ccai.ttl").status_code == 200
        assert c.get("/health").json()["triples"] == count
        r = c.get("/sparql", params={"query": "ASK { ?s ?p ?o }"})
        assert r.status_code == 200
    with TestClient(make_app(build_copy)) as c:  # restarted: the new build
        assert "0.0.0-test" in c.get("/catalog").text


def test_download_listing(client: TestClient, report: dict) -> None:
    listing = client.get("/download").json()
    files = {a["file"]: a for a in listing["artefacts"]}
    for artefact in report["artefacts"]:
        entry = files[artefact["file"]]
        assert entry["bytes"] == artefact["bytes"]
        assert entry["sha256"] == artefact["sha256"]
        assert entry["url"] == PUBLIC + "download/" + artefact["file"]
    assert "SHA256SUMS" in files
    assert "report.json" not in files
    assert files["ccai.nt.gz"]["media_type"] == "application/gzip"
    assert files["ccai.nt.gz"]["content_media_type"] == "application/n-triples"

    html = client.get("/download", headers={"Accept": "text/html"})
    assert html.headers["content-type"].startswith("text/html")
    for artefact in report["artefacts"]:
        assert artefact["sha256"] in html.text
        assert f'href="{PUBLIC}download/{artefact["file"]}"' in html.text


# --- landing page -----------------------------------------------------------------------

_SCRIPT = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.DOTALL)


def test_landing_page(client: TestClient, report: dict) -> None:
    response = client.get("/", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    for href in (
        "sparql",
        "api/search?q=",
        "api/queries",
        "ontology",
        "vocab",
        "download",
        "catalog",
        ".well-known/void",
        "docs",
    ):
        assert f'href="{PUBLIC}{href}' in page, href
    for slug in report["sources"]:
        assert f'href="{PUBLIC}source/{slug}"' in page
    assert "Demo conference report (test fixture)" in page  # the source's dct:title
    assert f"{report['triples']['asserted']} asserted" in page
    # the chart of entities per class names classes by label and links to their listing
    chart = page.split('id="chart-classes"')[1].split("</figure>")[0]
    assert f'<a href="{PUBLIC}id/event">event</a>' in chart and "ccai:" not in chart
    link = response.headers["link"]
    assert '<https://w3id.org/ccai/dataset>; rel="cite-as"' in link
    assert 'rel="describedby"; type="text/turtle"' in link
    assert f'<{PUBLIC}download/ccai.ttl>; rel="item"' in link


def test_landing_page_json_ld_is_a_schema_dataset(client: TestClient) -> None:
    page = client.get("/").text
    (script,) = _SCRIPT.findall(page)
    assert "</" not in script
    data = json.loads(script)
    graph = Graph().parse(data=script, format="json-ld")  # inline context: offline
    assert (DATASET, RDF.type, SCHEMA.Dataset) in graph
    distributions = list(graph.objects(DATASET, SCHEMA.distribution))
    assert len(distributions) == 6
    for dist in distributions:
        assert (dist, RDF.type, SCHEMA.DataDownload) in graph
        assert str(graph.value(dist, SCHEMA.contentUrl)).startswith(PUBLIC + "download/")
    assert data["includedInDataCatalog"]["url"] == PUBLIC + "catalog"


@pytest.mark.parametrize("accept", ["text/turtle", "application/ld+json", "application/rdf+xml"])
def test_rdf_clients_on_the_home_page_are_sent_to_the_catalog(
    client: TestClient, accept: str
) -> None:
    response = client.get("/", headers={"Accept": accept}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == PUBLIC + "catalog"
    followed = client.get("/", headers={"Accept": accept})
    assert followed.headers["content-type"].split(";")[0] == accept
    named = client.get("/?format=jsonld", follow_redirects=False)
    assert named.headers["location"] == PUBLIC + "catalog.jsonld"


def test_router_mounts_every_route(client: TestClient) -> None:
    paths = set(client.app.openapi()["paths"])
    assert {
        "/",
        "/catalog",
        "/dataset",
        "/.well-known/void",
        "/download",
        "/download/{file}",
    } <= paths
