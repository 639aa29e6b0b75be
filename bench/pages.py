"""Server time of every kind of web page: ``python -m bench.pages`` (see bench/README.md).

The app (``api.web.app.create_app``) serves the real project build through
Starlette's ``TestClient`` (no socket, no uvicorn: what is timed is the app's own
work, the same in-process code path a live server runs per request) with the
store backend of ``--backend`` (``workers``, as ``ccai serve`` ships, or
``inprocess``). Every page is requested as a browser asks for it (``Accept:
text/html…``), once to warm up and then ``--requests`` times; per page the
median, p95 and maximum wall time of the requests are reported.

The pages: the landing page, ``/id``, every ``/id/{kind}`` listing, for every
kind the entity with the most statements (in and out: the heaviest page of the
kind), ``/vocab``, every scheme, for every scheme its most used concept, every
source document (``/source/{slug}``) with its second page of incoming links,
the most cited locator, a named graph, ``/challenges``, ``/search`` (empty and
with a query), ``/sparql``, ``/ontology`` (English and Dutch), ``/download``,
``/catalog``, ``/dataset``, ``/.well-known/void`` and a 404 page. The pages
that depend on the data are found by SPARQL through the app itself.

Results: ``bench/results/pages-<timestamp>.json`` (git-ignored) and a table on
stdout; ``--baseline FILE`` adds the medians of an earlier run as a column.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from bench.run import RESULTS, ensure_build, machine, pct

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
BASE = "https://w3id.org/ccai/"
#: The target of issue 12: every page's median server time at most this (ms).
TARGET_MS = 300.0

#: Pages that do not depend on the data: (kind of page, path).
FIXED_PAGES: tuple[tuple[str, str], ...] = (
    ("landing", "/"),
    ("kinds index", "/id"),
    ("vocabularies", "/vocab"),
    ("challenges matrix", "/challenges"),
    ("search (empty)", "/search"),
    ("search (results)", "/search?q=museum"),
    ("sparql editor", "/sparql"),
    ("ontology", "/ontology"),
    ("ontology (nl)", "/ontology?lang=nl"),
    ("downloads", "/download"),
    ("catalogue", "/catalog"),
    ("dataset", "/dataset"),
    ("void", "/.well-known/void"),
    ("named graph", "/graph/ekip-policy-lab-1"),
    ("not found", "/id/organisation/nemoo"),
)

#: Every IRI of ours with its number of statements, in and out (asserted graphs).
_WEIGHTS = """
SELECT ?iri (COUNT(*) AS ?n) WHERE {
  { GRAPH ?g { ?iri ?p ?o } } UNION { GRAPH ?g { ?s ?p ?iri } }
  FILTER (?g != <https://w3id.org/ccai/graph/inferred>)
  FILTER (isIRI(?iri) && STRSTARTS(STR(?iri), "https://w3id.org/ccai/"))
}
GROUP BY ?iri
"""


def _path(iri: str) -> str:
    """The path on this server of one of our IRIs."""
    return "/" + iri.removeprefix(BASE)


def weights(client: TestClient) -> dict[str, int]:
    """IRI -> statements about it (``_WEIGHTS``), asked of the app's ``/sparql``."""
    r = client.get(
        "/sparql", params={"query": _WEIGHTS}, headers={"Accept": "application/sparql-results+json"}
    )
    r.raise_for_status()
    return {row["iri"]["value"]: int(row["n"]["value"]) for row in r.json()["results"]["bindings"]}


def _heaviest(found: dict[str, int], prefix: str, depth: int) -> dict[str, str]:
    """Per first segment after ``prefix``: the IRI with ``depth`` segments there that has
    the most statements."""
    best: dict[str, tuple[int, str]] = {}
    for iri, n in found.items():
        rest = iri.removeprefix(prefix)
        if rest == iri or rest.count("/") != depth - 1:
            continue
        group = rest.split("/", 1)[0]
        if group not in best or (n, iri) > best[group]:
            best[group] = (n, iri)
    return {group: iri for group, (_n, iri) in sorted(best.items())}


def discover(client: TestClient) -> list[tuple[str, str]]:
    """Every page to time: (kind of page, path), the data-dependent ones from the store."""
    found = weights(client)
    pages = list(FIXED_PAGES)
    kinds = client.get("/id", headers={"Accept": "application/json"}).json()["kinds"]
    pages += [("listing", f"/id/{k['kind']}") for k in kinds]
    entities = _heaviest(found, BASE + "id/", 2)
    pages += [(f"entity: {kind}", _path(iri)) for kind, iri in entities.items()]
    schemes = _heaviest(found, BASE + "vocab/", 1)
    pages += [("scheme", _path(iri)) for iri in schemes.values()]
    concepts = _heaviest(found, BASE + "vocab/", 2)
    pages += [("concept", _path(iri)) for iri in concepts.values()]
    sources = _heaviest(found, BASE + "source/", 1)
    for iri in sources.values():
        pages += [("source", _path(iri)), ("source, links p. 2", _path(iri) + "?in_page=2")]
    locators = _heaviest(found, BASE + "source/", 2)
    pages += [("locator", _path(iri)) for iri in locators.values()]
    return pages


def time_page(client: TestClient, path: str, requests: int) -> dict[str, Any]:
    """Wall times of ``requests`` requests for ``path`` (after one warm-up), in ms, and
    the median CPU time of this process per request (every thread: client, event loop,
    the page's thread; not the worker processes of the ``workers`` backend)."""
    client.cookies.clear()
    first = client.get(path, headers={"Accept": BROWSER})
    samples, cpu = [], []
    for _ in range(requests):
        start, start_cpu = time.perf_counter(), time.process_time()
        r = client.get(path, headers={"Accept": BROWSER})
        samples.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return {
        "status": first.status_code,
        "bytes": len(r.content),
        "n": len(samples),
        "p50_ms": round(statistics.median(samples), 1),
        "p95_ms": round(pct(samples, 0.95) or 0.0, 1),
        "max_ms": round(max(samples), 1),
        "cpu_p50_ms": round(statistics.median(cpu), 1),
    }


@contextmanager
def app_client(build: Path, backend: str) -> Iterator[TestClient]:
    """A ``TestClient`` over the app serving ``build`` (its lifespan run)."""
    from api.settings import Settings
    from api.web.app import create_app

    settings = Settings(
        _env_file=None,
        store_path=build,
        store_backend=backend,
        public_base_url="http://testserver/",
        query_timeout=30,
    )
    with TestClient(create_app(settings)) as client:
        yield client


def table(rows: list[dict[str, Any]], baseline: dict[str, float]) -> str:
    """The results as a text table (with the baseline's medians when given)."""
    head = f"{'page':<22} {'path':<72} {'status':>6} {'p50':>7} {'p95':>7} {'max':>7} {'cpu':>7}"
    head += f" {'before':>7}" if baseline else ""
    lines = [head, "-" * len(head)]
    for row in rows:
        line = (
            f"{row['kind']:<22} {row['path']:<72} {row['status']:>6} "
            f"{row['p50_ms']:>7.1f} {row['p95_ms']:>7.1f} {row['max_ms']:>7.1f}"
            f" {row['cpu_p50_ms']:>7.1f}"
        )
        if baseline:
            before = baseline.get(row["path"])
            line += f" {before:>7.1f}" if before is not None else f" {'—':>7}"
        lines.append(line)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.pages", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--build", type=Path, help="a ccai build directory (default: bench/.work/build)"
    )
    parser.add_argument("--backend", choices=("workers", "inprocess"), default="workers")
    parser.add_argument("--requests", type=int, default=20, help="timed requests per page")
    parser.add_argument("--only", help="time only the pages whose path contains this")
    parser.add_argument("--baseline", type=Path, help="an earlier pages-*.json to compare with")
    parser.add_argument("--out", type=Path, help="where to write the JSON")
    args = parser.parse_args(argv)
    build = ensure_build(args.build)
    baseline: dict[str, float] = {}
    if args.baseline:
        before = json.loads(args.baseline.read_text())
        baseline = {row["path"]: row["p50_ms"] for row in before["pages"]}
    started = time.strftime("%Y%m%dT%H%M%S")
    rows = []
    with app_client(build, args.backend) as client:
        for kind, path in discover(client):
            if args.only and args.only not in path:
                continue
            rows.append({"kind": kind, "path": path, **time_page(client, path, args.requests)})
            print(f"{kind:<22} {path:<72} {rows[-1]['p50_ms']:>7.1f} ms", file=sys.stderr)
    print(table(rows, baseline))
    slow = [row["path"] for row in rows if row["p50_ms"] > TARGET_MS]
    slowest = max((r["p50_ms"] for r in rows), default=0.0)
    print(f"\nslowest p50: {slowest:.1f} ms; over {TARGET_MS:.0f} ms: {slow or 'none'}")
    out = args.out or RESULTS / f"pages-{started}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "started": started,
        "build": str(build),
        "backend": args.backend,
        "requests": args.requests,
        "machine": machine(),
        "pages": rows,
    }
    out.write_text(json.dumps(record, indent=2) + "\n")
    print(f"results: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
