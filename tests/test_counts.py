"""One number for the size of the graph, everywhere (issue 9), and answers without duplicates.

The README, the build report, ``ccai stats``, ``/health``, the landing page
and VoID all report :class:`api.store.layout.TripleCounts`; every named query
returns distinct rows over the project's real graph.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from api.build.summary import graph_summary, render_markdown
from api.queries import load_queries
from api.settings import Settings
from api.store.layout import count_triples
from api.web.app import create_app

VOID = "http://rdfs.org/ns/void#"
README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.fixture(scope="module")
def served(project_build):
    out, _ = project_build
    settings = Settings(
        _env_file=None,
        store_path=out,
        store_backend="inprocess",
        public_base_url="http://testserver/",
        query_timeout=60,
    )
    with TestClient(create_app(settings)) as client:
        yield client


def test_the_same_figures_everywhere(project_build, served: TestClient) -> None:
    out, _ = project_build
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))["triples"]
    store = ox.Store.read_only(str(out / "oxigraph"))
    counts = count_triples(store)
    assert report == counts.as_dict()
    assert counts.total == counts.asserted + counts.inferred
    # the distinct triples a query sees by default
    total = served.get(
        "/sparql",
        params={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"},
        headers={"Accept": "application/sparql-results+json"},
    ).json()["results"]["bindings"][0]["n"]["value"]
    assert int(total) == counts.total
    assert served.get("/health").json()["triples"] == counts.total
    void = served.get("/.well-known/void", headers={"Accept": "application/n-triples"}).text
    dataset_triples = {int(m.group(1)) for m in re.finditer(rf'<{VOID}triples> "(\d+)"', void)}
    assert counts.total in dataset_triples
    landing = served.get("/", headers={"Accept": "text/html"}).text
    assert f"<dt>Triples</dt><dd>{counts.total}" in landing
    summary = graph_summary(out)
    assert (summary.total, summary.asserted, summary.inferred) == (
        counts.total,
        counts.asserted,
        counts.inferred,
    )
    assert f"{counts.total:,} triples" in render_markdown(summary)


@pytest.mark.parametrize("name", sorted(load_queries()))
def test_named_queries_return_distinct_rows(name: str, served: TestClient) -> None:
    query = load_queries()[name]
    r = served.get(f"/api/queries/{name}", params={"page_size": 1000})
    assert r.status_code == 200, r.text
    rows = [json.dumps(row, sort_keys=True) for row in r.json()["rows"]]
    if "duplicates" in query.text.split("\n\n", 1)[0].lower():  # a header that says so
        return
    assert len(rows) == len(set(rows)), f"{name}: {len(rows)} rows, {len(set(rows))} distinct"
