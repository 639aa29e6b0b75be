"""Data extension: values rendered as the protocol's typed values, in both versions' shapes."""

from __future__ import annotations

import json

import pytest

from api.reconcile.index import ReconIndex
from api.reconcile.service import XSD, ReconcileService, Value

STAT = "id/statistic/cci-employment-eu-persons"
GVA = "id/statistic/cci-share-eu-gva"


def service() -> ReconcileService:
    index = ReconIndex.from_rows(
        names=[
            (
                "https://w3id.org/ccai/id/place/eu",
                "http://www.w3.org/2000/01/rdf-schema#label",
                "European Union",
                "en",
            )
        ]
    )
    return ReconcileService(index, reader=None, base="http://testserver/")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "version", "expected"),
    [
        (Value("42", False, XSD + "integer", None, None), "0.2", {"int": 42}),
        (Value("5.3", False, XSD + "decimal", None, None), "0.2", {"float": 5.3}),
        (Value("NaNx", False, XSD + "double", None, None), "0.2", {"str": "NaNx"}),
        (
            Value("2024-07-12", False, XSD + "date", None, None),
            "0.2",
            {"date": "2024-07-12T00:00:00Z"},
        ),
        (
            Value("2024-07-12T10:00:00Z", False, XSD + "dateTime", None, None),
            "0.2",
            {"date": "2024-07-12T10:00:00Z"},
        ),
        (Value("2024", False, XSD + "gYear", None, None), "0.2", {"str": "2024"}),
        (Value("true", False, XSD + "boolean", None, None), "0.2", {"str": "true"}),
        (Value("Musée", False, None, "fr", None), "0.2", {"str": "Musée"}),
        (Value("Musée", False, None, "fr", None), "1.0-draft", {"str": "Musée", "lang": "fr"}),
        (
            Value("https://w3id.org/ccai/id/place/eu", True, None, None, None),
            "0.2",
            {"id": "id/place/eu", "name": "European Union"},
        ),
        (
            Value("https://example.org/x", True, None, None, None),
            "0.2",
            {"str": "https://example.org/x"},
        ),
        (
            Value("https://w3id.org/ccai/id/locator/x", True, None, None, "slide 3"),
            "0.2",
            {"id": "id/locator/x", "name": "slide 3"},
        ),
    ],
)
def test_values_are_typed(value: Value, version: str, expected: dict) -> None:
    assert service()._render_value(value, version) == expected


def test_statistics_through_the_api(client, validate) -> None:
    query = {
        "ids": [STAT, GVA],
        "properties": [{"id": "value"}, {"id": "scope"}, {"id": "measure"}],
    }
    v02 = client.post("/reconcile", data={"extend": json.dumps(query)}).json()
    validate("0.2", "data-extension-response", v02)
    assert v02["rows"][STAT]["value"] == [{"int": 12000000}]
    assert v02["rows"][GVA]["value"] == [{"float": 5.3}]
    assert v02["rows"][STAT]["scope"] == [
        {"id": "id/place/european-union", "name": "European Union"}
    ]
    assert [m["id"] for m in v02["meta"]] == ["value", "scope", "measure"]
    v10 = client.post("/reconcile/v1/extend", json=query).json()
    validate("1.0-draft", "data-extension-response", v10)
    measure = next(p for p in v10["rows"][0]["properties"] if p["id"] == "measure")
    assert measure["values"][0]["lang"] == "en"


def test_v1_id_conditions(client, validate) -> None:
    batch = {
        "queries": [
            {"conditions": [{"matchType": "id", "propertyValue": "id/organisation/nemo"}]},
            {
                "type": "Place",
                "conditions": [
                    {
                        "matchType": "id",
                        "propertyValue": ["id/organisation/nemo", "id/place/european-union"],
                    },
                    {"matchType": "name", "propertyValue": "EU"},
                ],
            },
        ]
    }
    validate("1.0-draft", "reconciliation-query-batch", batch)
    answer = client.post("/reconcile/v1/match", json=batch).json()
    validate("1.0-draft", "reconciliation-result-batch", answer)
    first, second = answer["results"]
    assert [c["id"] for c in first["candidates"]] == ["id/organisation/nemo"]
    assert first["candidates"][0]["match"] is True
    assert [c["id"] for c in second["candidates"]] == ["id/place/european-union"]


def test_suggest_paging_and_property_suggestions_by_type(client) -> None:
    first = client.get("/reconcile/suggest/entity", params={"prefix": "europ", "limit": 2}).json()
    second = client.get(
        "/reconcile/suggest/entity", params={"prefix": "europ", "limit": 2, "cursor": 2}
    ).json()
    assert len(first["result"]) == 2 and len(second["result"]) == 2
    assert not {e["id"] for e in first["result"]} & {e["id"] for e in second["result"]}
    props = client.get("/reconcile/suggest/property", params={"type": "Statistic"}).json()
    assert "value" in [p["id"] for p in props["result"]]
    everything = client.get(
        "/reconcile/propose_properties", params={"type": "Statistic", "limit": 3}
    )
    assert len(everything.json()["properties"]) == 3


def test_propose_without_a_type(client, validate) -> None:
    answer = client.get("/reconcile/propose_properties").json()
    validate("0.2", "data-extension-property-proposal", answer)
    assert "type" not in answer and len(answer["properties"]) > 10
