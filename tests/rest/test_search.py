"""``/api/search``: ranked, accent- and case-insensitive label search with filters and pages."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.rest.search import LabelEntry, LabelIndex, Subject, fold

from .conftest import CCAI, ID, PUBLIC


def search(client: TestClient, **params) -> dict:
    r = client.get("/api/search", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def test_exact_label_ranks_first(client: TestClient) -> None:
    body = search(client, q="NEMO")
    first = body["hits"][0]
    assert first["iri"] == ID + "organisation/nemo"
    assert first["url"] == PUBLIC + "id/organisation/nemo"
    assert (first["label"], first["matched_label"], first["match"], first["score"]) == (
        "NEMO",
        "NEMO",
        "exact",
        1.0,
    )
    assert CCAI + "Organisation" in first["types"]
    scores = [h["score"] for h in body["hits"]]
    assert scores == sorted(scores, reverse=True) and len(scores) > 1


def test_case_insensitive_and_lower_case_label(client: TestClient) -> None:
    for q in ("meemoo", "MEEMOO", "Meemoo"):
        first = search(client, q=q)["hits"][0]
        assert first["iri"] == ID + "organisation/meemoo"
        assert first["match"] == "exact"


def test_accent_insensitive(client: TestClient) -> None:
    for q in ("servellon", "Servellón", "SERVELLÓN"):
        labels = [h["matched_label"] for h in search(client, q=q)["hits"]]
        assert any("Servellón" in label for label in labels), (q, labels)


def test_dutch_labels_and_language_filter(client: TestClient) -> None:
    body = search(client, q="vooroordeel", lang="nl")
    assert body["total"] >= 1
    assert all(h["language"] == "nl" for h in body["hits"])
    assert any("vooroordeel-vrij" in h["matched_label"] for h in body["hits"])
    assert search(client, q="vooroordeel", lang="de")["total"] == 0
    discrimination = search(client, q="discriminatie ras")  # all words, out of order
    assert discrimination["hits"][0]["matched_label"].startswith("Discriminatie op basis van ras")


def test_ranking_tiers() -> None:
    index = LabelIndex(
        [
            LabelEntry("https://w3id.org/ccai/id/a/1", "Museum of AI", "en"),
            LabelEntry("https://w3id.org/ccai/id/a/2", "The museum", "en"),
            LabelEntry("https://w3id.org/ccai/id/a/3", "Musée du Louvre", "fr"),
            LabelEntry("https://w3id.org/ccai/id/a/4", "Museum", "en"),
            LabelEntry("https://w3id.org/ccai/id/a/5", "Antimuseum", "en"),
            LabelEntry("https://w3id.org/ccai/id/a/6", "AI of the Museum world", "en"),
        ],
        {"https://w3id.org/ccai/id/a/1": Subject(classes=frozenset({"urn:c"}))},
    )
    hits = index.search("museum").hits
    assert [(h.iri[-1], h.match) for h in hits] == [
        ("4", "exact"),
        ("1", "prefix"),
        ("2", "word-prefix"),
        ("6", "word-prefix"),
        ("5", "substring"),
    ]
    assert [h.iri[-1] for h in index.search("musee").hits] == ["3"]
    assert [h.match for h in index.search("ai museum").hits] == ["words", "words"]
    assert [h.iri[-1] for h in index.search("museum", class_iri="urn:c").hits] == ["1"]
    assert index.search("museum", start=2, count=2).total == 5
    assert fold("Ǆemal  Ærø") == "dzemal ærø"


def test_pages_and_total(client: TestClient) -> None:
    first = search(client, q="ai", page_size=5)
    assert first["total"] > 10 and len(first["hits"]) == 5
    assert first["next"] == PUBLIC + "api/search?q=ai&page_size=5&page=2"
    second = search(client, q="ai", page_size=5, page=2)
    assert second["previous"] == PUBLIC + "api/search?q=ai&page_size=5&page=1"
    assert {h["iri"] for h in first["hits"]}.isdisjoint(h["iri"] for h in second["hits"])
    everything = search(client, q="ai", page_size=1000)
    assert everything["next"] is None and len(everything["hits"]) == first["total"]
    assert [h["iri"] for h in everything["hits"][:10]] == [
        h["iri"] for h in first["hits"] + second["hits"]
    ]


def test_type_filter_by_name_and_iri(client: TestClient) -> None:
    orgs = search(client, q="nemo", type="Organisation")
    assert orgs["type"] == CCAI + "Organisation"
    assert orgs["hits"] and all(CCAI + "Organisation" in h["types"] for h in orgs["hits"])
    assert search(client, q="nemo", type=CCAI + "Organisation")["total"] == orgs["total"]
    assert orgs["total"] < search(client, q="nemo")["total"]
    # A superclass finds the instances of its subclasses (rdfs:subClassOf*, no inferred graph).
    actors = search(client, q="nemo", type="Actor")
    assert ID + "organisation/nemo" in {h["iri"] for h in actors["hits"]}
    events = search(client, q="museums", type="Event")  # the conference is a ccai:Conference
    assert ID + "event/nemo-conference-2024" in {h["iri"] for h in events["hits"]}
    assert all(h["iri"].startswith(ID + "event/") for h in events["hits"])


def test_concepts_and_source_documents_are_found(client: TestClient) -> None:
    hits = search(client, q="policy makers")["hits"]
    assert any(h["iri"].startswith("https://w3id.org/ccai/vocab/") for h in hits)
    hits = search(client, q="Welke invloed heeft AI", lang="nl")["hits"]
    assert hits[0]["iri"] == "https://w3id.org/ccai/source/ai-culturele-ontwikkeling"
    assert all("/source/ai-culturele-ontwikkeling/" not in h["iri"] for h in hits)


@pytest.mark.parametrize(
    ("params", "parameter", "code"),
    [
        ({"q": ""}, "q", "invalid-parameter"),
        ({"q": "   "}, "q", "invalid-parameter"),
        ({"q": "x" * 201}, "q", "invalid-parameter"),
        ({}, "q", "invalid-parameter"),
        ({"q": "nemo", "lang": "n l"}, "lang", "invalid-parameter"),
        ({"q": "nemo", "type": "NoSuchClass"}, "type", "invalid-parameter"),
        ({"q": "nemo", "type": "<x>"}, "type", "invalid-parameter"),
        ({"q": "nemo", "page": "0"}, "page", "invalid-parameter"),
        ({"q": "nemo", "page_size": "5000"}, "page_size", "invalid-parameter"),
        ({"q": "nemo", "query": "x"}, "query", "unknown-parameter"),
    ],
)
def test_bad_requests(client: TestClient, params: dict, parameter: str, code: str) -> None:
    r = client.get("/api/search", params=params)
    assert r.status_code == 400, r.text
    assert (r.json()["error"], r.json()["parameter"]) == (code, parameter)


def test_hostile_text_is_just_text(client: TestClient) -> None:
    for q in ['"} SERVICE <http://127.0.0.1:1/> {', "<script>", "\n}\n"]:
        assert search(client, q=q)["total"] == 0
