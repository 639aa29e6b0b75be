"""The matcher: every label in every language, accents, case, word order, typos, acronyms.

Unit tests of :mod:`api.reconcile.index` on small hand-made rows, then the same
behaviours through ``/reconcile`` on the project's graph.
"""

from __future__ import annotations

import json

import pytest

from api.reconcile.index import (
    MATCH_MARGIN,
    MATCH_THRESHOLD,
    Candidate,
    ReconIndex,
    is_match,
    normalise,
)

ID = "https://w3id.org/ccai/id/"
CCAI = "https://w3id.org/ccai/ontology#"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
ALT = "http://www.w3.org/2004/02/skos/core#altLabel"


@pytest.fixture(scope="module")
def index() -> ReconIndex:
    names = [
        (ID + "organisation/nemo", LABEL, "NEMO", "en"),
        (ID + "organisation/louvre", LABEL, "Musée du Louvre", "fr"),
        (ID + "organisation/louvre", ALT, "Louvre Museum", "en"),
        (ID + "organisation/eu", LABEL, "European Union", "en"),
        (ID + "place/eu", LABEL, "European Union", "en"),
        (ID + "challenge/bias", LABEL, "Bias in AI", "en"),
        (ID + "challenge/bias", LABEL, "Vooroordelen in AI", "nl"),
        (ID + "organisation/oecd", LABEL, "OECD", None),
        (ID + "organisation/wef", LABEL, "World Economic Forum", "en"),
        (ID + "person/x", "http://xmlns.com/foaf/0.1/name", "Zoë Ångström", None),
    ]
    types = [
        (ID + "organisation/nemo", CCAI + "Organisation", None, None),
        (ID + "organisation/louvre", CCAI + "Organisation", None, None),
        (ID + "organisation/eu", CCAI + "Organisation", None, None),
        (ID + "place/eu", CCAI + "Place", None, None),
        (ID + "organisation/oecd", CCAI + "Organisation", None, None),
        (ID + "organisation/wef", CCAI + "Organisation", None, None),
        (ID + "person/x", CCAI + "Person", None, None),
    ]
    classes = [
        (CCAI + "Organisation", "organisation", "en", None, CCAI + "Agent"),
        (CCAI + "Person", "person", "en", None, CCAI + "Agent"),
        (CCAI + "Place", "place", "en", None, None),
        (CCAI + "Agent", "agent", "en", None, None),
    ]
    return ReconIndex.from_rows(names=names, types=types, class_rows=classes)


def top(index: ReconIndex, query: str, **kw) -> str | None:
    found = index.search(query, **kw)
    return found[0].id if found else None


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("NEMO", "id/organisation/nemo"),
        ("nemo", "id/organisation/nemo"),
        ("Network of European Museum Organisations", "id/organisation/nemo"),  # acronym
        ("musee du louvre", "id/organisation/louvre"),  # accents
        ("MUSÉE DU LOUVRE", "id/organisation/louvre"),  # case
        ("Louvre, Musée du", "id/organisation/louvre"),  # word order, punctuation
        ("Louvre Musem", "id/organisation/louvre"),  # a typo, and the English altLabel
        ("vooroordelen in AI", "id/challenge/bias"),  # the Dutch label
        ("Organisation for Economic Co-operation and Development", "id/organisation/oecd"),
        ("WEF", "id/organisation/wef"),  # an acronym of a full name
        ("zoe angstrom", "id/person/x"),  # foaf:name, accents
    ],
)
def test_variants_find_the_entity(index, query, expected) -> None:
    assert top(index, query) == expected
    assert index.search(query)[0].score >= MATCH_THRESHOLD


def test_nothing_unrelated(index) -> None:
    assert index.search("Rijksmuseum") == []
    assert index.search("   ") == []
    assert normalise("Ærø & Co.") == "aero and co"


def test_type_filters(index) -> None:
    assert {c.id for c in index.search("European Union")} == {
        "id/organisation/eu",
        "id/place/eu",
    }
    place = index.search("European Union", classes=[CCAI + "Place"])
    assert [c.id for c in place] == ["id/place/eu"]
    # a superclass finds the instances of its subclasses
    agents = index.search("European Union", classes=[CCAI + "Agent"])
    assert [c.id for c in agents] == ["id/organisation/eu"]
    both = index.search("European Union", classes=[CCAI + "Agent", CCAI + "Place"])
    assert len(both) == 2
    assert (
        index.search("European Union", classes=[CCAI + "Agent", CCAI + "Place"], require_all=True)
        == []
    )


def _candidate(score: float) -> Candidate:
    return Candidate(id="x", iri="x", name="x", matched="x", score=score, types=())


def test_the_match_rule() -> None:
    assert is_match([_candidate(1.0)])
    assert is_match([_candidate(MATCH_THRESHOLD)])
    assert not is_match([_candidate(MATCH_THRESHOLD - 0.01)])
    assert is_match([_candidate(1.0), _candidate(1.0 - MATCH_MARGIN)])
    assert not is_match([_candidate(1.0), _candidate(1.0 - MATCH_MARGIN + 0.01)])
    assert not is_match([])


# --- through the API, on the project's graph -------------------------------------------------


def reconcile(client, **queries) -> dict:
    response = client.post("/reconcile", data={"queries": json.dumps(queries)})
    assert response.status_code == 200, response.text
    return response.json()


def test_ambiguous_names_match_only_with_a_type(client) -> None:
    answer = reconcile(
        client,
        q0={"query": "European Union"},
        q1={"query": "European Union", "type": "Organisation", "type_strict": "should"},
        q2={"query": "EU", "type": "Place"},
    )
    untyped = answer["q0"]["result"]
    assert {c["id"] for c in untyped[:2]} == {
        "id/organisation/european-union",
        "id/place/european-union",
    }
    assert not any(c["match"] for c in untyped)
    assert [c["id"] for c in answer["q1"]["result"] if c["match"]] == [
        "id/organisation/european-union"
    ]
    assert answer["q2"]["result"][0]["id"] == "id/place/european-union"


def test_limit_and_scores(client) -> None:
    answer = reconcile(
        client, q0={"query": "european", "limit": 2}, q1={"query": "NEMO", "limit": 0}
    )
    assert len(answer["q0"]["result"]) == 2
    scores = [c["score"] for c in answer["q0"]["result"]]
    assert scores == sorted(scores, reverse=True) and all(0 <= s <= 100 for s in scores)
    assert answer["q1"]["result"] == []


def test_limit_one_still_checks_the_runner_up(client) -> None:
    """With limit 1 the second candidate is not returned, but the rule still sees it."""
    answer = reconcile(client, q0={"query": "European Union", "limit": 1})
    assert len(answer["q0"]["result"]) == 1 and answer["q0"]["result"][0]["match"] is False


def test_property_constraints(client) -> None:
    description = "http://purl.org/dc/terms/description"
    answer = reconcile(
        client,
        q0={
            "query": "European Union",
            "properties": [{"pid": description, "v": "Funder of the ekip project"}],
        },
        q1={
            "query": "NEMO",
            "properties": [
                {
                    "pid": "organisationKind",
                    "v": {"id": "vocab/organisation-kinds/network-association"},
                }
            ],
        },
    )
    assert answer["q0"]["result"][0]["id"] == "id/organisation/european-union"
    assert answer["q1"]["result"][0]["score"] == 100.0 and answer["q1"]["result"][0]["match"]
    # a 1.0 required condition drops the candidates without the value
    v1 = client.post(
        "/reconcile/v1/match",
        json={
            "queries": [
                {
                    "conditions": [
                        {"matchType": "name", "propertyValue": "European Union"},
                        {
                            "matchType": "property",
                            "propertyId": description,
                            "propertyValue": "Funder of the ekip project",
                            "required": True,
                        },
                    ]
                }
            ]
        },
    ).json()
    ids = [c["id"] for c in v1["results"][0]["candidates"]]
    assert "id/place/european-union" not in ids


def test_a_single_01_query(client) -> None:
    answer = client.get("/reconcile", params={"query": "Centre Pompidou"}).json()
    assert answer["result"][0]["id"] == "id/organisation/centre-pompidou"
    typed = client.get("/reconcile", params={"query": '{"query": "EU", "type": "Place"}'}).json()
    assert typed["result"][0]["id"] == "id/place/european-union"


def test_two_letter_initials_of_a_query_are_not_an_acronym(client) -> None:
    """Regression (found by bench/reconcile_eval.py): "Unversity of Konstanz" is not "UK"."""
    answer = reconcile(
        client,
        q0={"query": "Unversity of Konstanz"},
        q1={"query": "ekip consotrium"},
        q2={"query": "Gogole"},  # a swap in a short word is still found (not matched)
    )
    assert answer["q0"]["result"][0]["id"] == "id/organisation/university-of-konstanz"
    assert answer["q1"]["result"][0]["id"] == "id/organisation/ekip-consortium"
    assert answer["q2"]["result"][0]["id"] == "id/organisation/google"
    assert not answer["q2"]["result"][0]["match"]


def test_head_answers_like_get(client) -> None:
    for path in (
        "/reconcile",
        "/reconcile/v1",
        "/reconcile/suggest/entity?prefix=nemo",
        "/reconcile/preview?id=id/organisation/nemo",
    ):
        head, get = client.head(path), client.get(path)
        assert head.status_code == get.status_code == 200, path
        assert head.content == b"" and head.headers["content-type"] == get.headers["content-type"]


def test_the_index_is_read_in_pages_past_the_row_cap() -> None:
    """A graph with more names than the store's row cap still gets its whole index."""
    from api.reconcile.index import build_index
    from api.store.reader import reader_over
    from tests.rest.conftest import project_store

    raw = project_store()
    whole = reader_over(raw)
    capped = reader_over(raw, max_result_rows=100)
    try:
        full = whole.run(build_index(whole.reader))
        paged = capped.run(build_index(capped.reader, page=100))
    finally:
        whole.close()
        capped.close()
    assert len(full.names) > 300
    assert [r.id for r in paged.resources] == [r.id for r in full.resources]
    assert len(paged.names) == len(full.names)
    assert set(paged.properties) == set(full.properties)


def test_a_batch_past_its_deadline_is_stopped(index) -> None:
    from api.errors import QueryTimeout
    from api.reconcile.models import Query
    from api.reconcile.service import ReconcileService

    slow = ReconcileService(index, reader=None, base="http://x/", timeout=-1)  # type: ignore[arg-type]
    with pytest.raises(QueryTimeout):
        slow._pools([Query(text="NEMO")])
    ok = ReconcileService(index, reader=None, base="http://x/")  # type: ignore[arg-type]
    assert ok._pools([Query(text="NEMO")])[0][0].id == "id/organisation/nemo"


def test_long_queries_are_bounded(index) -> None:
    """Only the first words of a very long query are matched (bounded work per query)."""
    long = "NEMO " + " ".join(f"word{i}" for i in range(200))
    assert index.search(long[:500]) == index.search(long[:500])
    assert top(index, "Louvre Museum " + "and more " * 100) == "id/organisation/louvre"
