"""The label index ``ccai load FILE --graph G --backend remote`` keeps for Virtuoso beside
the build (:mod:`api.search.remote`), and the service that searches through it.

Each test loads a copy of the build into its own copy of the dataset on the
session's Virtuoso (another ``CCAI_REMOTE_DEFAULT_GRAPH``), so that what it
writes beside the build and into the store stays its own.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.cli import main
from api.namespaces import CCAI, ID
from api.rest.search_fts import FtsLabelIndex
from api.search.index import INDEX_FILE
from api.search.remote import remote_index_dir
from api.store.layout import read_counts
from api.web.app import create_app
from tests.remote.conftest import remote_options, settings_for
from tests.remote.test_remote_load import EX, counts
from tests.remote.virtuoso import Virtuoso
from tests.search.test_remote_index import rows

DEFAULT = "urn:x-ccai:index-tests"
LINKSET = "https://example.org/museum/index-linkset"
FIRST = f"""
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<{EX}zebedee> a <{CCAI}Organisation> ; rdfs:label "Zebedee Kunsthalle"@de, "Zebedee art hall"@en .
<{EX}object/2> rdfs:label "Quixotic object" ; skos:altLabel "Objet quixotique"@fr .
<{ID}organisation/nemo> skos:altLabel "Xylophone network" .
<{EX}object/3> <http://purl.org/dc/terms/subject> [ rdfs:label "Blank zebedee" ] .
"""
SECOND = f"""
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<{EX}object/4> a <{CCAI}Person> ; rdfs:label "Yodelling person" .
"""


@pytest.fixture
def copy(virtuoso: Virtuoso, build: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the build, loaded into Virtuoso under :data:`DEFAULT`."""
    monkeypatch.setenv("CCAI_REMOTE_DEFAULT_GRAPH", DEFAULT)
    monkeypatch.delenv("CCAI_BACKEND", raising=False)
    virtuoso.update(f"DROP SILENT GRAPH <{LINKSET}>")
    out = tmp_path / "build"
    shutil.copytree(build, out)
    assert main(["load", "--quiet", "--build", str(out), *remote_options(virtuoso)]) == 0
    return out


def load(server: Virtuoso, build: Path, text: str, folder: Path) -> int:
    """``text`` into :data:`LINKSET` (a file ``folder/<n>.ttl``), ``--build build``."""
    path = folder / f"{len(list(folder.glob('*.ttl')))}.ttl"
    path.write_text(text, encoding="utf-8")
    options = ["load", "-q", "--no-validate", str(path), "--graph", LINKSET]
    return main([*options, "--build", str(build), *remote_options(server)])


def own_dir(server: Virtuoso, build: Path) -> Path:
    return remote_index_dir(build, server.url + "/sparql", DEFAULT)


@pytest.fixture
def service(virtuoso: Virtuoso, copy: Path) -> Iterator[Callable[[], TestClient]]:
    """Start the service over Virtuoso and the copy of the build (once the test loaded)."""
    clients: list[TestClient] = []

    def start() -> TestClient:
        settings = settings_for(copy, virtuoso, remote_default_graph=DEFAULT)
        client = TestClient(create_app(settings)).__enter__()
        clients.append(client)
        return client

    yield start
    for client in clients:
        client.__exit__(None, None, None)


def found(client: TestClient, q: str) -> list[str]:
    response = client.get("/api/search", params={"q": q})
    assert response.status_code == 200, response.text
    return [hit["iri"] for hit in response.json()["hits"]]


def test_a_loaded_file_is_searched_through_the_index_kept_for_the_store(
    virtuoso: Virtuoso,
    copy: Path,
    service,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    capsys.readouterr()
    assert load(virtuoso, copy, FIRST, tmp_path) == 0
    out = capsys.readouterr().out
    own = own_dir(virtuoso, copy)
    assert f"label index: 5 labels of {LINKSET} and the inferred graph, in {own}" in out
    assert read_counts(own) == counts(virtuoso, DEFAULT)  # what the service will count
    client = service()
    catalogue = client.app.state.services.catalogue  # type: ignore[attr-defined]
    assert isinstance(catalogue._index, FtsLabelIndex)
    assert catalogue._index.index.path.parent.name == own.name
    assert found(client, "zebedee") == [f"{EX}zebedee"]  # not the blank node's label
    assert found(client, "xylophone") == [f"{ID}organisation/nemo"]  # a label outside /id/…
    hits = client.get("/api/search", params={"q": "zebedee", "type": f"{CCAI}Actor"}).json()
    assert [h["iri"] for h in hits["hits"]] == [f"{EX}zebedee"]  # an inferred class
    assert found(client, "museum")  # the build's labels are all there


def test_the_kept_index_equals_the_embedded_stores_after_the_same_loads(
    virtuoso: Virtuoso, copy: Path, build: Path, tmp_path: Path
) -> None:
    embedded = tmp_path / "embedded"
    shutil.copytree(build, embedded)
    own = own_dir(virtuoso, copy)
    for n, text in enumerate((FIRST, SECOND)):  # the second replaces the first
        assert load(virtuoso, copy, text, tmp_path) == 0
        path = tmp_path / f"{n}.ttl"
        options = ["load", "-q", "--no-validate", str(path), "--graph", LINKSET]
        assert main([*options, "--store", str(embedded / "oxigraph")]) == 0
        assert rows(own / INDEX_FILE) == rows(embedded / INDEX_FILE)
    labels = {label for _, label, *_ in rows(own / INDEX_FILE)[0]}
    assert "Yodelling person" in labels and "Quixotic object" not in labels


#: A graph loaded again and again, each version changed by its difference: a label
#: edited, one gone, a subject's type (and the classes inferred from it) come and gone,
#: a subject new, one unchanged; the last one adds a subclass statement (every class
#: can change: every label of the graph is read again).
AGAIN = [
    FIRST,
    f"""
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<{EX}zebedee> a <{CCAI}Organisation> ; rdfs:label "Zebedee Kunsthalle"@de, "Zebedee arts hall"@en .
<{EX}object/2> a <{CCAI}Person> ; rdfs:label "Quixotic object" .
<{ID}organisation/nemo> <http://www.w3.org/2004/02/skos/core#altLabel> "Xylophone network" .
<{EX}object/5> rdfs:label "Umbrella object" .
""",
    f"""
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<{EX}zebedee> rdfs:label "Zebedee Kunsthalle"@de, "Zebedee arts hall"@en .
<{EX}object/2> a <{CCAI}Person> ; rdfs:label "Quixotic object" .
<{EX}object/5> rdfs:label "Umbrella object" .
""",
    f"""
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<{EX}Kind> rdfs:subClassOf <{CCAI}Organisation> .
<{EX}zebedee> a <{EX}Kind> ; rdfs:label "Zebedee Kunsthalle"@de, "Zebedee arts hall"@en .
<{EX}object/2> a <{CCAI}Person> ; rdfs:label "Quixotic object" .
<{EX}object/5> rdfs:label "Umbrella object" .
""",
]


def test_a_graph_loaded_again_replaces_the_labels_of_the_subjects_it_changed(
    virtuoso: Virtuoso,
    copy: Path,
    build: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Changed by its difference, a graph loaded again has only the labels and classes
    of the subjects whose label or type statements changed read again (in the graph or
    the inferred graph); the index is the embedded store's after the same loads all the
    same."""
    embedded = tmp_path / "embedded"
    shutil.copytree(build, embedded)
    own = own_dir(virtuoso, copy)
    notes = []
    for n, text in enumerate(AGAIN):
        capsys.readouterr()
        assert load(virtuoso, copy, text, tmp_path) == 0
        notes.append(
            next(line for line in capsys.readouterr().out.splitlines() if "label index" in line)
        )
        path = tmp_path / f"{n}.ttl"
        options = ["load", "-q", "--no-validate", str(path), "--graph", LINKSET]
        assert main([*options, "--store", str(embedded / "oxigraph")]) == 0
        assert rows(own / INDEX_FILE) == rows(embedded / INDEX_FILE), n
    assert "subjects it changed" not in notes[0]  # a new graph: all its labels
    # zebedee (a label), object/2 (its type, a label gone; the inferred classes) and the
    # blank node's skolem IRI (a label, gone) change, object/5 is new; nemo does not
    assert "(of the 4 subjects it changed)" in notes[1], notes[1]
    assert "(of the 2 subjects it changed)" in notes[2], notes[2]  # nemo, zebedee
    assert "subjects it changed" not in notes[3]  # a subclass statement
    labels, classes, _ = rows(own / INDEX_FILE)
    assert (f"{EX}object/2", f"{CCAI}Actor") in classes
    assert "Xylophone network" not in {label for _, label, *_ in labels}


def test_a_new_graph_gives_the_subjects_it_types_their_classes(
    virtuoso: Virtuoso, copy: Path, build: Path, tmp_path: Path
) -> None:
    """A new graph that types a subject labelled only in the project's graphs (the
    European Commission): its classes in the kept index follow, as in the embedded
    store's index after the same load, though the new graph labels it not."""
    embedded = tmp_path / "embedded"
    shutil.copytree(build, embedded)
    commission = f"{ID}organisation/european-commission"
    label = "http://www.w3.org/2000/01/rdf-schema#label"
    text = f'<{commission}> a <{EX}Kind> .\n<{EX}zz> <{label}> "Zz" .\n'
    assert load(virtuoso, copy, text, tmp_path) == 0
    options = ["load", "-q", "--no-validate", str(tmp_path / "0.ttl"), "--graph", LINKSET]
    assert main([*options, "--store", str(embedded / "oxigraph")]) == 0
    own = own_dir(virtuoso, copy)
    _labels, classes, _ = rows(own / INDEX_FILE)
    assert (commission, f"{EX}Kind") in classes
    assert rows(own / INDEX_FILE) == rows(embedded / INDEX_FILE)


def test_a_reload_from_the_build_drops_the_kept_index(
    virtuoso: Virtuoso, copy: Path, service, tmp_path: Path
) -> None:
    assert load(virtuoso, copy, FIRST, tmp_path) == 0
    assert own_dir(virtuoso, copy).is_dir()
    assert main(["load", "--quiet", "--build", str(copy), *remote_options(virtuoso)]) == 0
    assert not own_dir(virtuoso, copy).exists()
    client = service()  # the store holds the build again: the build's index
    index = client.app.state.services.catalogue._index  # type: ignore[attr-defined]
    assert (
        isinstance(index, FtsLabelIndex)
        and index.index.path.parent.name != own_dir(virtuoso, copy).name
    )


def test_a_store_no_index_describes_gets_none_and_the_service_reads_its_labels(
    virtuoso: Virtuoso,
    copy: Path,
    service,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A triple written behind ccai's back: no index describes the store, so none is
    kept and the service reads the labels from the store (none is trusted wrongly)."""
    assert load(virtuoso, copy, FIRST, tmp_path) == 0
    virtuoso.update(f"INSERT DATA {{ GRAPH <{LINKSET}> {{ <{EX}x> <{EX}p> <{EX}y> }} }}")
    capsys.readouterr()
    assert load(virtuoso, copy, SECOND, tmp_path) == 0  # the data loads all the same
    assert "label index: none kept (neither the build's index nor an earlier load's" in (
        capsys.readouterr().out
    )
    assert read_counts(own_dir(virtuoso, copy)) is None
    client = service()
    assert not isinstance(
        client.app.state.services.catalogue._index,  # type: ignore[attr-defined]
        FtsLabelIndex,
    )
    assert found(client, "Yodelling") == []  # the fallback: /id/, /vocab/, /source/ only


def test_without_a_build_the_load_says_no_index_is_kept(
    virtuoso: Virtuoso, copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert load(virtuoso, tmp_path / "nothing", FIRST, tmp_path) == 0
    assert "label index: none kept" in capsys.readouterr().out
