"""OpenRefine's own requests for a CSV of institutions, played against ``/reconcile``.

The order is what OpenRefine 3.x does when a user adds the service and
reconciles a column: fetch the manifest (old versions by JSONP, with jQuery's
``callback=`` and cache-buster ``_=``), guess the column's type from its first
cells (a form POST of ``queries`` without a type, ``limit`` 3), reconcile in
batches of 10 (form POST, ``type`` + ``type_strict: "should"``), search by
hand with the suggest service, show a preview, then propose properties and
extend the matched column (form POST of ``extend``).
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from pathlib import Path

CSV = Path(__file__).parent / "fixtures" / "institutions.csv"
FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"}
BATCH = 10  # OpenRefine's default batch size


def rows() -> list[dict[str, str]]:
    with CSV.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def jsonp(body: str, callback: str) -> object:
    match = re.fullmatch(rf"/\*\*/{re.escape(callback)}\((.*)\);", body, flags=re.DOTALL)
    assert match, body[:200]
    return json.loads(match.group(1))


def post_queries(client, batch: dict) -> dict:
    response = client.post("/reconcile", data={"queries": json.dumps(batch)}, headers=FORM)
    assert response.status_code == 200, response.text
    return response.json()


def test_openrefine_reconciles_a_csv_of_institutions(client, validate) -> None:
    # 1. the manifest, as OpenRefine 2.x fetched it (JSONP)
    callback = "jQuery34105963231240458867_1733044800000"
    response = client.get("/reconcile", params={"callback": callback, "_": "1733044800001"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/javascript")
    assert response.headers["x-content-type-options"] == "nosniff"
    manifest = jsonp(response.text, callback)
    validate("0.2", "manifest", manifest)

    table = rows()
    # 2. type guessing: the first cells, no type
    guess = post_queries(
        client, {f"q{i}": {"query": r["name"], "limit": 3} for i, r in enumerate(table[:BATCH])}
    )
    validate("0.2", "reconciliation-result-batch", guess)
    types = Counter(t["id"] for r in guess.values() for c in r["result"] for t in c["type"])
    assert types.most_common(1)[0][0] == "Organisation"

    # 3. reconciliation, batches of 10, typed
    results: dict[int, dict] = {}
    for start in range(0, len(table), BATCH):
        batch = {
            f"q{i}": {"query": r["name"], "type": "Organisation", "type_strict": "should"}
            for i, r in enumerate(table[start : start + BATCH], start)
        }
        answer = post_queries(client, batch)
        validate("0.2", "reconciliation-result-batch", answer)
        results.update({int(k[1:]): v for k, v in answer.items()})
    for i, row in enumerate(table):
        candidates = results[i]["result"]
        matched = [c for c in candidates if c["match"]]
        if row["expected_id"]:
            assert candidates[0]["id"] == row["expected_id"], (row["name"], candidates[:2])
            assert all(t["id"] == "Organisation" for c in candidates for t in c["type"])
        if row["expected_match"] == "true":
            assert [c["id"] for c in matched] == [row["expected_id"]], (row["name"], candidates[:2])
        else:
            assert matched == [], (row["name"], matched)

    # 4. "search for match" in a cell: the suggest service, with the column's type
    suggest = manifest["suggest"]["entity"]
    path = suggest["service_url"].removeprefix("http://testserver") + suggest["service_path"]
    found = client.get(
        path, params={"prefix": "kazerne", "type": "Organisation", "type_strict": "should"}
    ).json()
    assert found["result"][0]["id"] == "id/organisation/kazerne-dossin"

    # 5. the preview of a match, and its view URL (the entity's page here)
    entity = results[0]["result"][0]["id"]
    preview_url = manifest["preview"]["url"].replace("{{id}}", entity)
    preview = client.get(preview_url.removeprefix("http://testserver"))
    assert preview.status_code == 200 and "NEMO" in preview.text
    assert manifest["view"]["url"].replace("{{id}}", entity) == (
        "http://testserver/id/organisation/nemo"
    )

    # 6. add columns from reconciled values: propose, then extend
    propose = manifest["extend"]["propose_properties"]
    path = propose["service_url"].removeprefix("http://testserver") + propose["service_path"]
    proposed = client.get(path, params={"type": "Organisation", "limit": 10}).json()
    validate("0.2", "data-extension-property-proposal", proposed)
    ids = [results[i]["result"][0]["id"] for i in range(3)]
    extend = {"ids": ids, "properties": [{"id": "organisationKind", "settings": {"limit": "1"}}]}
    response = client.post("/reconcile", data={"extend": json.dumps(extend)}, headers=FORM)
    assert response.status_code == 200, response.text
    extension = response.json()
    validate("0.2", "data-extension-response", extension)
    assert extension["rows"]["id/organisation/nemo"]["organisationKind"][0]["id"] == (
        "vocab/organisation-kinds/network-association"
    )
    assert all(len(v["organisationKind"]) <= 1 for v in extension["rows"].values())
