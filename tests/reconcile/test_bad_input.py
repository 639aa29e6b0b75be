"""Bad input is a 4xx with the project's error body, never a 500 nor a silent empty answer."""

from __future__ import annotations

import json

import pytest

from api.reconcile.models import MAX_BATCH, MAX_QUERY_CHARS

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _error(response, status: int = 400, parameter: str | None = None) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["message"], body
    if status == 400:  # ours, or FastAPI's parameter validation through the same model
        assert body["error"] in ("invalid-reconciliation-request", "invalid-parameter"), body
    if parameter is not None:
        assert body.get("parameter") == parameter, body
    return body


@pytest.mark.parametrize(
    ("queries", "needle"),
    [
        ('{"q0": {"query": "NEMO"', "not valid JSON"),
        ("[1, 2]", "JSON object"),
        ('{"q0": 42}', "JSON object"),
        ('{"q0": {"query": "NEMO", "type": "Unicorn"}}', "unknown type 'Unicorn'"),
        ('{"q0": {"query": "NEMO", "type": ["Organisation", 3]}}', "type id"),
        ('{"q0": {"query": "NEMO", "limit": -1}}', "negative"),
        ('{"q0": {"query": "NEMO", "limit": "ten"}}', "number"),
        ('{"q0": {"query": "NEMO", "type_strict": "maybe"}}', "type_strict"),
        ('{"q0": {"query": "NEMO", "colour": "red"}}', "unknown member 'colour'"),
        ('{"q0": {"query": ["NEMO"]}}', "must be a string"),
        ('{"q0": {}}', "needs a 'query'"),
        ('{"q0": {"query": "x", "properties": [{"pid": "nope", "v": "x"}]}}', "unknown property"),
        ('{"q0": {"query": "x", "properties": [{"v": "x"}]}}', "'pid' and 'v'"),
        ('{"q0": {"query": "' + "a" * (MAX_QUERY_CHARS + 1) + '"}}', "longer than"),
        ("[" * 100_000, "not valid JSON"),
    ],
)
def test_malformed_queries_are_400_with_a_message(client, queries, needle) -> None:
    for response in (
        client.post("/reconcile", data={"queries": queries}, headers=FORM),
        client.get("/reconcile", params={"queries": queries[:4000]}),
    ):
        if len(queries) > 4000 and response.request.method == "GET":
            continue
        body = _error(response, parameter="queries")
        assert needle in body["message"], body


def test_oversize_batch_is_refused(client) -> None:
    batch = {f"q{i}": {"query": "NEMO"} for i in range(MAX_BATCH + 1)}
    body = _error(client.post("/reconcile", data={"queries": json.dumps(batch)}, headers=FORM))
    assert f"at most {MAX_BATCH}" in body["message"]
    # the limit itself is accepted
    batch.pop(f"q{MAX_BATCH}")
    assert client.post("/reconcile", data={"queries": json.dumps(batch)}).status_code == 200


def test_v1_bad_batches(client) -> None:
    _error(
        client.post(
            "/reconcile/v1/match", content=b"{", headers={"Content-Type": "application/json"}
        ),
        parameter="body",
    )
    _error(client.post("/reconcile/v1/match", json={"queries": [{"conditions": []}]}))
    _error(
        client.post(
            "/reconcile/v1/match",
            json={"queries": [{"conditions": [{"matchType": "smell", "propertyValue": "x"}]}]},
        )
    )
    _error(
        client.post(
            "/reconcile/v1/match",
            json={
                "queries": [
                    {"type": "Unicorn", "conditions": [{"matchType": "name", "propertyValue": "x"}]}
                ]
            },
        )
    )
    _error(
        client.post(
            "/reconcile/v1/match",
            json={
                "queries": [{"conditions": [{"matchType": "name", "propertyValue": "x"}]}]
                * (MAX_BATCH + 1)
            },
        )
    )
    _error(client.post("/reconcile/v1/match", data={"queries": "{}"}), status=415)
    _error(client.post("/reconcile/v1/extend", json={"ids": "nemo", "properties": []}))
    _error(
        client.post(
            "/reconcile/v1/extend",
            json={"ids": ["id/organisation/nemo"], "properties": [{"id": "nope"}]},
        )
    )


def test_form_errors(client) -> None:
    _error(client.post("/reconcile", data={"nothing": "here"}, headers=FORM), parameter="queries")
    _error(
        client.post("/reconcile", content=b"queries=1", headers={"Content-Type": "text/plain"}),
        status=415,
    )
    _error(
        client.post("/reconcile", data={"extend": '{"ids": [], "properties": 1}'}),
        parameter="extend",
    )
    both = {"queries": '{"q0": {"query": "NEMO"}}', "extend": '{"ids": [], "properties": []}'}
    _error(client.post("/reconcile", data=both, headers=FORM))


@pytest.mark.parametrize(
    "callback", ["alert(1)//", "a b", "x;y", "<script>", "1abc", "a" * 700, "a..b"]
)
def test_unsafe_callbacks_are_refused(client, callback) -> None:
    response = client.get("/reconcile", params={"callback": callback})
    _error(response, parameter="callback" if len(callback) <= 600 else None)
    assert response.headers["content-type"].startswith("application/json")


def test_callback_does_not_break_out_of_the_call(client) -> None:
    """A label with U+2028 or quotes stays inside the JSON argument (escaped)."""
    response = client.get(
        "/reconcile", params={"callback": "cb", "queries": '{"q0": {"query": "\u2028\\")"}}'}
    )
    assert response.status_code == 200
    assert "\u2028" not in response.text
    assert response.text.startswith("/**/cb(") and response.text.endswith(");")


def test_other_bad_parameters(client) -> None:
    _error(
        client.get("/reconcile/suggest/entity", params={"prefix": "x", "type": "Unicorn"}),
        parameter="type",
    )
    _error(client.get("/reconcile/suggest/entity", params={"prefix": "x", "limit": -3}))
    _error(client.get("/reconcile/suggest/nothing", params={"prefix": "x"}))
    _error(
        client.get("/reconcile/propose_properties", params={"type": "Unicorn"}), parameter="type"
    )
    _error(client.get("/reconcile/preview", params={"id": "id/organisation/no-such"}), status=404)
    _error(client.get("/reconcile/preview"))


def test_preview_escapes_what_it_shows(client) -> None:
    response = client.get(
        "/reconcile/preview",
        params={"id": "<script>alert(1)</script>"},
        headers={"Accept": "text/html"},
    )
    assert response.status_code == 404 and "<script>" not in response.text
    ok = client.get("/reconcile/preview", params={"id": "id/organisation/v-and-a"})
    assert "V&amp;A" in ok.text and "default-src 'none'" in ok.headers["content-security-policy"]


def test_without_an_index_the_routes_answer_503(client) -> None:
    services = client.app.state.services
    assert client.get("/reconcile").status_code == 200  # the index is built (in the background)
    saved, services.reconcile = services.reconcile, None
    try:
        response = client.get("/reconcile")
        _error(response, status=503)
        assert response.headers["retry-after"] == "60"
        assert client.get("/sparql", params={"query": "ASK {}"}).status_code == 200
    finally:
        services.reconcile = saved
    assert client.get("/reconcile").status_code == 200
