"""``/api/queries`` and ``/api/queries/{name}``: every named query as a typed REST operation."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.queries import load_queries, parse_query_file
from api.rest.named import pageable_in_sparql

from .conftest import ID, PUBLIC, RecordingStore, make_app

QUERIES = load_queries()
PARAMETERISED = [(q.name, p.name, p.type) for q in QUERIES.values() for p in q.parameters]

#: A value of the right type, other than the default, for each parameter type.
OTHER_VALUE = {
    "iri": ID + "organisation/nemo",
    "integer": "2",
}

HOSTILE = [
    '"',
    "'",
    ">",
    "}",
    '"} } SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } #',
    "https://w3id.org/ccai/id/x> } SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } #",
    "https://w3id.org/ccai/id/x>",
    "https://w3id.org/ccai/id/x}",
    'https://w3id.org/ccai/id/x"',
    "https://w3id.org/ccai/id/x\n} SERVICE <http://127.0.0.1:1/> {",
    "1 } SERVICE <http://127.0.0.1:1/> { ?s ?p ?o }",
    "1\n",
    "x" * 2000,
]


def rows_of(body: dict, column: str) -> list[str]:
    return [row[column]["value"] for row in body["rows"] if column in row]


def test_listing_names_every_query_with_parameters(client: TestClient) -> None:
    r = client.get("/api/queries")
    assert r.status_code == 200
    listed = {q["name"]: q for q in r.json()["queries"]}
    assert set(listed) == set(QUERIES)
    participants = listed["event-participants"]
    assert participants["title"] == "Participants of an event"
    assert participants["url"] == PUBLIC + "api/queries/event-participants"
    assert participants["parameters"] == [
        {
            "name": "event",
            "type": "iri",
            "default": ID + "event/nemo-conference-2024",
            "description": "The event.",
            "required": False,
        }
    ]
    assert "events" in participants["tags"]


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_query_answers_with_its_defaults(client: TestClient, name: str) -> None:
    r = client.get(f"/api/queries/{name}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["query"] == name
    assert body["title"] == QUERIES[name].title
    assert body["rows"], f"{name} has no rows with its defaults"
    assert all(set(row) <= set(body["columns"]) for row in body["rows"])
    assert {p.name: p.default for p in QUERIES[name].parameters if p.default} == body["parameters"]


@pytest.mark.parametrize(("name", "param", "ptype"), PARAMETERISED)
def test_every_parameter_is_bound_as_a_term(
    client: TestClient, store: RecordingStore, name: str, param: str, ptype: str
) -> None:
    value = OTHER_VALUE[ptype]
    store.queries.clear()
    r = client.get(f"/api/queries/{name}", params={param: value})
    assert r.status_code == 200, r.text
    assert r.json()["parameters"][param] == value
    (ran,) = store.queries
    assert ran.startswith(QUERIES[name].render({param: value}))
    expected = (
        f"<{value}>" if ptype == "iri" else f'"{value}"^^<http://www.w3.org/2001/XMLSchema#integer>'
    )
    assert f"VALUES ?{param} {{ {expected} }}" in ran


def test_event_participants_include_the_keynote_speaker(client: TestClient) -> None:
    r = client.get(
        "/api/queries/event-participants",
        params={"event": ID + "event/nemo-conference-2024", "page_size": 1000},
    )
    assert r.status_code == 200
    rows = r.json()["rows"]
    keller = [row for row in rows if row["name"]["value"] == "Paul Keller"]
    assert keller and keller[0]["roleLabel"] == {
        "type": "literal",
        "value": "keynote speaker",
        "lang": "en",
    }
    assert keller[0]["person"]["url"].startswith(PUBLIC + "id/person/")


def test_a_parameter_changes_the_answer(client: TestClient) -> None:
    all_posts = client.get("/api/queries/people-and-posts", params={"page_size": 1000}).json()
    nemo_posts = client.get(
        "/api/queries/people-and-posts",
        params={"organisation": ID + "organisation/nemo", "page_size": 1000},
    ).json()
    assert 0 < len(nemo_posts["rows"]) < len(all_posts["rows"])
    assert set(rows_of(nemo_posts, "postOrganisation")) == {ID + "organisation/nemo"}


@pytest.mark.parametrize(("name", "param", "ptype"), PARAMETERISED)
@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_values_are_refused_or_inert(
    client: TestClient, store: RecordingStore, name: str, param: str, ptype: str, value: str
) -> None:
    store.queries.clear()
    r = client.get(f"/api/queries/{name}", params={param: value})
    assert r.status_code in (200, 400), r.text
    if r.status_code == 400:
        assert r.json()["error"] == "invalid-parameter"
        assert r.json()["parameter"] == param
        assert store.queries == []  # nothing reached the store
    else:
        # Accepted only as one well-formed term: the query ran is the registry's
        # rendering of the validated value, plus the page's LIMIT/OFFSET.
        (ran,) = store.queries
        rendered = QUERIES[name].render({param: value})
        assert ran.startswith(rendered)
        assert re.fullmatch(r"\nLIMIT \d+ OFFSET \d+\n", ran[len(rendered) :])


def test_a_quote_in_an_iri_is_a_safe_term(client: TestClient, store: RecordingStore) -> None:
    store.queries.clear()
    r = client.get("/api/queries/entity-provenance", params={"entity": ID + "x'y"})
    assert r.status_code == 200
    assert r.json()["rows"] == []
    assert f"VALUES ?entity {{ <{ID}x'y> }}" in store.queries[0]


def test_hostile_string_parameter_is_a_literal(tmp_path: Path, raw_store) -> None:
    """No shipped query takes a string; one made for the test shows a string stays a literal."""
    rq = tmp_path / "labelled.rq"
    rq.write_text(
        "# title: Things with a label\n# description: By exact label.\n"
        "# param: label string | The label.\n"
        "SELECT ?s WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l "
        "FILTER(STR(?l) = ?label) }\n",
        encoding="utf-8",
    )
    store = RecordingStore(raw_store)
    app = make_app(store, tmp_path, {"labelled": parse_query_file(rq)})
    hostile = '"} } SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } } #\n>'
    with TestClient(app) as client:
        r = client.get("/api/queries/labelled", params={"label": hostile})
        assert r.status_code == 200, r.text
        assert r.json()["rows"] == []
        assert r.json()["parameters"] == {"label": hostile.strip()}
        r = client.get("/api/queries/labelled", params={"label": "NEMO"})
        assert {row["s"]["value"] for row in r.json()["rows"]} == {ID + "organisation/nemo"}


def test_unknown_and_repeated_parameters_are_refused(client: TestClient) -> None:
    r = client.get("/api/queries/events", params={"organizer": ID + "organisation/nemo"})
    assert r.status_code == 400
    assert r.json()["error"] == "unknown-parameter"
    assert r.json()["parameter"] == "organizer"
    r = client.get("/api/queries/events?organiser=https://e.org/a&organiser=https://e.org/b")
    assert r.status_code == 400
    assert r.json()["parameter"] == "organiser"
    r = client.get("/api/queries/no-such-query")
    assert r.status_code == 404


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"page": "0"}, "page"),
        ({"page": "x"}, "page"),
        ({"page_size": "1001"}, "page_size"),
        ({"format": "xml"}, "format"),
        ({"min_sources": "1.5"}, "min_sources"),
    ],
)
def test_bad_paging_and_format_values(client: TestClient, params: dict, parameter: str) -> None:
    r = client.get("/api/queries/themes-across-sources", params=params)
    assert r.status_code == 400
    assert r.json() | {"message": ""} == {
        "error": "invalid-parameter",
        "message": "",
        "spec": None,
        "parameter": parameter,
    }


def test_csv_by_accept_and_by_format(client: TestClient) -> None:
    for kwargs in ({"headers": {"Accept": "text/csv"}}, {"params": {"format": "csv"}}):
        r = client.get("/api/queries/event-participants", **kwargs)
        assert r.status_code == 200
        assert r.headers["content-type"] == "text/csv; charset=utf-8"
        table = list(csv.reader(io.StringIO(r.text)))
        assert table[0] == [
            "person",
            "name",
            "role",
            "roleLabel",
            "session",
            "sessionLabel",
            "order",
            "title",
            "organisation",
            "organisationLabel",
        ]
        assert ["Paul Keller", "keynote speaker"] in [[row[1], row[3]] for row in table[1:]]
    r = client.get("/api/queries/events", headers={"Accept": "application/xml"})
    assert r.status_code == 406
    assert r.json()["error"] == "not-acceptable"


def test_pages(client: TestClient) -> None:
    first = client.get("/api/queries/statistics", params={"page_size": 5}).json()
    assert first["page"] == 1 and len(first["rows"]) == 5 and first["previous"] is None
    assert first["next"] == PUBLIC + "api/queries/statistics?page_size=5&page=2"
    second = client.get(first["next"].removeprefix(PUBLIC.rstrip("/"))).json()
    assert second["page"] == 2 and second["rows"] and second["rows"] != first["rows"]
    everything = client.get("/api/queries/statistics", params={"page_size": 1000}).json()
    assert everything["next"] is None
    assert everything["rows"][:10] == first["rows"] + second["rows"]
    last = -(-len(everything["rows"]) // 5)
    tail = client.get("/api/queries/statistics", params={"page_size": 5, "page": last}).json()
    assert tail["next"] is None and tail["rows"] == everything["rows"][(last - 1) * 5 :]
    beyond = client.get("/api/queries/statistics", params={"page_size": 5, "page": last + 1})
    assert beyond.status_code == 200 and beyond.json()["rows"] == []
    assert len(everything["rows"]) > 6
    r = client.get("/api/queries/statistics", params={"format": "csv", "page_size": 3, "page": 2})
    assert 'rel="next"' in r.headers["link"] and 'rel="prev"' in r.headers["link"]
    assert len(list(csv.reader(io.StringIO(r.text)))) == 4


def test_every_shipped_query_is_paged_in_sparql() -> None:
    assert all(pageable_in_sparql(q) for q in QUERIES.values())


def test_a_query_with_its_own_limit_is_paged_in_python(tmp_path: Path, raw_store) -> None:
    rq = tmp_path / "first-labels.rq"
    rq.write_text(
        "# title: Some labels\n# description: The first labels.\n"
        "SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label }\n"
        "ORDER BY ?s ?label\nLIMIT 7\n",
        encoding="utf-8",
    )
    query = parse_query_file(rq)
    assert not pageable_in_sparql(query)
    store = RecordingStore(raw_store)
    with TestClient(make_app(store, tmp_path, {"first-labels": query})) as client:
        client.portal.call(client.app.state.services.prepared)  # type: ignore[attr-defined]
        store.queries.clear()  # the start-up reads (label index, classes, in the background)
        pages = [
            client.get("/api/queries/first-labels", params={"page_size": 3, "page": n}).json()
            for n in (1, 2, 3)
        ]
    assert [len(p["rows"]) for p in pages] == [3, 3, 1]
    assert [p["next"] is not None for p in pages] == [True, True, False]
    assert all(q == query.text for q in store.queries)


def test_openapi_documents_every_query_with_typed_parameters(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    for name, query in QUERIES.items():
        op = doc["paths"][f"/api/queries/{name}"]["get"]
        assert op["summary"] == query.title
        assert op["description"].startswith(query.description)
        assert op["tags"] == list(query.tags)
        params = {p["name"]: p for p in op["parameters"]}
        assert set(params) == {p.name for p in query.parameters} | {"page", "page_size", "format"}
        for p in query.parameters:
            schema = params[p.name]["schema"]
            assert schema["type"] == {"iri": "string", "integer": "integer"}[p.type]
            if p.type == "iri":
                assert schema["format"] == "iri"
            assert p.description in params[p.name]["description"]
            assert params[p.name]["required"] is False
        assert "text/csv" in op["responses"]["200"]["content"]
        assert "422" not in op["responses"]
    themes = doc["paths"]["/api/queries/themes-across-sources"]["get"]["parameters"]
    assert themes[0]["schema"]["default"] == 1
    for path in ("/api/queries", "/api/search", "/api/classes", "/api/classes/{name}"):
        assert "get" in doc["paths"][path]


def test_reserved_parameter_names_are_refused(tmp_path: Path) -> None:
    from api.web.routers.rest import build_router

    rq = tmp_path / "paged.rq"
    rq.write_text(
        "# title: T\n# description: D.\n# param: page integer | Clashes.\n"
        "SELECT ?page WHERE { ?s ?p ?page }\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="reserved"):
        build_router({"paged": parse_query_file(rq)})
