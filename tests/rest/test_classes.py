"""``/api/classes`` and ``/api/classes/{name}``."""

from __future__ import annotations

from fastapi.testclient import TestClient

from .conftest import CCAI, ID, PUBLIC


def test_class_list(client: TestClient) -> None:
    r = client.get("/api/classes")
    assert r.status_code == 200
    classes = {c["name"]: c for c in r.json()["classes"]}
    org = classes["Organisation"]
    assert org["iri"] == CCAI + "Organisation"
    assert org["label"] == "organisation"
    assert org["url"] == PUBLIC + "ontology#Organisation"
    assert org["listing"] == PUBLIC + "api/classes/Organisation"
    assert org["instances"] > 10
    # Counts include subclasses: every organisation is an actor.
    assert classes["Actor"]["instances"] >= org["instances"]
    assert all(c["iri"].startswith(CCAI) for c in classes.values())


def test_instances_sorted_by_label_and_paged(client: TestClient) -> None:
    first = client.get("/api/classes/Organisation", params={"page_size": 10}).json()
    assert first["class"]["name"] == "Organisation"
    assert first["total"] == first["class"]["instances"]
    assert len(first["instances"]) == 10
    assert first["next"] == PUBLIC + "api/classes/Organisation?page_size=10&page=2"
    everything = client.get("/api/classes/Organisation", params={"page_size": 1000}).json()
    labels = [i["label"] for i in everything["instances"]]
    assert labels == sorted(labels, key=str.lower)
    assert len(everything["instances"]) == everything["total"]
    assert everything["next"] is None
    second = client.get("/api/classes/Organisation", params={"page_size": 10, "page": 2}).json()
    assert second["instances"] == everything["instances"][10:20]
    nemo = next(i for i in everything["instances"] if i["iri"] == ID + "organisation/nemo")
    assert nemo == {
        "iri": ID + "organisation/nemo",
        "url": PUBLIC + "id/organisation/nemo",
        "label": "NEMO",
    }


def test_unknown_class_is_404(client: TestClient) -> None:
    for name in ("NoSuchClass", "organisation", "Organisation%3E", "x%20y"):
        r = client.get(f"/api/classes/{name}")
        assert r.status_code == 404, name
        assert r.json()["error"] == "not-found"


def test_bad_page_is_400(client: TestClient) -> None:
    r = client.get("/api/classes/Organisation", params={"page": "-1"})
    assert r.status_code == 400
    assert r.json()["parameter"] == "page"


def test_the_catalogue_is_built_at_start_up(app, client: TestClient) -> None:
    catalogue = app.state.services.catalogue
    index = client.portal.call(catalogue.label_index)  # built by the lifespan, never lazily
    assert len(index) > 500
    assert index.display_label(ID + "organisation/nemo") == "NEMO"
    assert ID + "organisation/nemo" in catalogue.known_iris()
