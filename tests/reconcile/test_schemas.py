"""Every kind of answer validates against the official JSON Schemas (0.2 and 1.0-draft).

The examples shipped with the schemas are validated first, valid and invalid,
so a schema loading problem (a ``$ref`` not resolved) cannot pass as success.
"""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from .conftest import STANDARDS

ORG = "Organisation"


def _examples(version: str, name: str, kind: str) -> list:
    folder = STANDARDS / version / "examples" / name / kind
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))]


@pytest.mark.parametrize("version", ["0.2", "1.0-draft"])
def test_the_schemas_accept_and_refuse_their_own_examples(validate, version) -> None:
    for valid in _examples(version, "manifest", "valid"):
        validate(version, "manifest", valid)
    for invalid in _examples(version, "manifest", "invalid"):
        with pytest.raises(AssertionError):
            validate(version, "manifest", invalid)


def test_manifest_02(client, validate) -> None:
    response = client.get("/reconcile")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    manifest = response.json()
    validate("0.2", "manifest", manifest)
    assert manifest["identifierSpace"] == "https://w3id.org/ccai/"
    assert manifest["schemaSpace"] == "https://w3id.org/ccai/ontology#"
    types = [t["id"] for t in manifest["defaultTypes"]]
    assert ORG in types and "Person" in types
    assert manifest["view"]["url"] == "http://testserver/{{id}}"


def test_manifest_10(client, validate) -> None:
    manifest = client.get("/reconcile/v1").json()
    validate("1.0-draft", "manifest", manifest)
    assert manifest["suggest"] == {"entity": True, "property": True, "type": True}


def test_result_batch_02(client, validate) -> None:
    batch = {
        "q0": {"query": "NEMO", "type": ORG, "limit": 3},
        "q1": {"query": "european comission"},
        "q2": {"query": "Rijksmuseum Amsterdam", "type": [ORG, "Person"], "type_strict": "any"},
    }
    validate("0.2", "reconciliation-query-batch", batch)
    response = client.get("/reconcile?queries=" + quote(json.dumps(batch)))
    assert response.status_code == 200
    results = response.json()
    validate("0.2", "reconciliation-result-batch", results)
    assert set(results) == {"q0", "q1", "q2"}
    assert results["q0"]["result"][0]["id"] == "id/organisation/nemo"


def test_result_batch_10(client, validate) -> None:
    batch = {
        "queries": [
            {
                "type": ORG,
                "limit": 2,
                "conditions": [{"matchType": "name", "propertyValue": "CWI"}],
            },
            {"conditions": [{"matchType": "name", "propertyValue": "Centre Pompidou"}]},
        ]
    }
    validate("1.0-draft", "reconciliation-query-batch", batch)
    response = client.post("/reconcile/v1/match", json=batch)
    assert response.status_code == 200
    results = response.json()
    validate("1.0-draft", "reconciliation-result-batch", results)
    assert [r["candidates"][0]["id"] for r in results["results"]] == [
        "id/organisation/cwi",
        "id/organisation/centre-pompidou",
    ]
    # the same batch POSTed as JSON to the 0.2 address answers in the 1.0 shape
    assert client.post("/reconcile", json=batch).json() == results


@pytest.mark.parametrize("base", ["/reconcile", "/reconcile/v1"])
def test_suggest_responses(client, validate, base) -> None:
    version = "0.2" if base == "/reconcile" else "1.0-draft"
    entities = client.get(f"{base}/suggest/entity", params={"prefix": "europ"}).json()
    validate(version, "suggest-entities-response", entities)
    assert any(e["id"] == "id/organisation/european-commission" for e in entities["result"])
    types = client.get(f"{base}/suggest/type", params={"prefix": "organ"}).json()
    validate(version, "suggest-types-response", types)
    assert types["result"][0]["id"] == ORG
    properties = client.get(f"{base}/suggest/property", params={"prefix": "sect"}).json()
    validate(version, "suggest-properties-response", properties)
    assert "sector" in [p["id"] for p in properties["result"]], properties


def test_extension_02(client, validate) -> None:
    proposal = client.get("/reconcile/propose_properties", params={"type": ORG}).json()
    validate("0.2", "data-extension-property-proposal", proposal)
    pids = [p["id"] for p in proposal["properties"]]
    assert "organisationKind" in pids
    query = {
        "ids": ["id/organisation/nemo", "id/organisation/cwi", "id/organisation/no-such"],
        "properties": [
            {"id": "organisationKind"},
            {"id": "http://www.w3.org/2000/01/rdf-schema#label"},
        ],
    }
    validate("0.2", "data-extension-query", query)
    response = client.post("/reconcile", data={"extend": json.dumps(query)})
    assert response.status_code == 200, response.text
    extension = response.json()
    validate("0.2", "data-extension-response", extension)
    kinds = extension["rows"]["id/organisation/nemo"]["organisationKind"]
    assert kinds == [
        {"id": "vocab/organisation-kinds/network-association", "name": kinds[0]["name"]}
    ]
    assert extension["rows"]["id/organisation/no-such"]["organisationKind"] == []


def test_extension_10(client, validate) -> None:
    proposal = client.get("/reconcile/v1/extend/propose", params={"type": ORG}).json()
    validate("1.0-draft", "data-extension-property-proposal", proposal)
    query = {"ids": ["id/organisation/nemo"], "properties": [{"id": "organisationKind"}]}
    validate("1.0-draft", "data-extension-query", query)
    extension = client.post("/reconcile/v1/extend", json=query).json()
    validate("1.0-draft", "data-extension-response", extension)
    assert extension["rows"][0]["id"] == "id/organisation/nemo"
    assert extension["rows"][0]["properties"][0]["values"]
