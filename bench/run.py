"""Benchmark of the ccai SPARQL service: ``python -m bench.run`` (see bench/README.md).

For each size (default 10^5 and 10^6 synthetic triples):

1. generate a deterministic synthetic heritage-metadata set (museum and archive
   collection objects: titles, creators, dates, subjects, sectors, publishers)
   linked to the real graph (vocabulary concepts, organisations, people), as
   N-Quads in the named graph ``https://w3id.org/ccai/graph/bench-heritage``;
2. load it with the real project graph (a ``ccai build``) into an Oxigraph store;
3. measure the ``queries/`` mix (every named query with its defaults, rendered)
   plus a label-lookup ASK:

   * in-process pyoxigraph (query + JSON serialisation: the floor), and
     ``api.store.execute.execute`` in-process (what a worker runs per query);
   * the ccai API over HTTP (``ccai serve`` on 127.0.0.1, keep-alive ``http.client``
     threads, concurrency 1 and 4: :mod:`bench.client`);
   * rdflib-endpoint over the same quads (uvicorn on 127.0.0.1), bounded.

Results go to ``bench/results/<timestamp>.json`` and a summary to stdout.
Everything binds 127.0.0.1; request counts and times are bounded.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import shutil
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from bench import client

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work"
RESULTS = ROOT / "bench" / "results"

CCAI = "https://w3id.org/ccai/ontology#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS_IN_SCHEME = "http://www.w3.org/2004/02/skos/core#inScheme"
DCT = "http://purl.org/dc/terms/"
SCHEMA = "https://schema.org/"
XSD = "http://www.w3.org/2001/XMLSchema#"
VOCAB = "https://w3id.org/ccai/vocab/"
HERITAGE_GRAPH = "https://w3id.org/ccai/graph/bench-heritage"
HERITAGE = "https://w3id.org/ccai/bench/heritage/"

LOOKUP = "label-lookup-ask"  # not a named query: reported in its own class, outside the targets
CLASSES = ("heavy", "light", "small", "lookup")
JSON_RESULTS = client.JSON_RESULTS


# --- data ------------------------------------------------------------------------------


def ensure_build(build: Path | None) -> Path:
    """A ``ccai build`` directory of the real project (built once into bench/.work/build)."""
    out = build or WORK / "build"
    if (out / "oxigraph" / "CURRENT").is_file():
        return out
    if build is not None:
        raise SystemExit(f"bench: {build} holds no built store (oxigraph/CURRENT)")
    from api.build.pipeline import build as run_build

    print(f"bench: building the project into {out} …", file=sys.stderr)
    run_build(out)
    return out


@dataclass
class RealGraph:
    nquads: Path
    triples: int
    organisations: list[str]
    people: list[str]
    concepts: dict[str, list[str]]  # scheme slug -> concept IRIs
    label_probe: tuple[str, str]  # (label, language) of a real organisation


def read_real(build: Path) -> RealGraph:
    store = ox.Store.read_only(str(build / "oxigraph"))
    nquads = WORK / "data" / "real.nq"
    nquads.parent.mkdir(parents=True, exist_ok=True)
    quads = list(store)
    nquads.write_bytes(ox.serialize(quads, format=ox.RdfFormat.N_QUADS))

    def column(query: str) -> list[str]:
        return sorted({s[0].value for s in store.query(query, use_default_graph_as_union=True)})

    organisations = column(f"SELECT ?o WHERE {{ ?o a <{CCAI}Organisation> }}")
    people = column(f"SELECT ?p WHERE {{ ?p a <{CCAI}Person> }}")
    concepts: dict[str, list[str]] = {}
    for sol in store.query(
        f"SELECT ?c ?s WHERE {{ ?c <{SKOS_IN_SCHEME}> ?s }}", use_default_graph_as_union=True
    ):
        slug = sol["s"].value.removeprefix(VOCAB)
        concepts.setdefault(slug, []).append(sol["c"].value)
    for values in concepts.values():
        values.sort()
    nemo = "https://w3id.org/ccai/id/organisation/nemo"
    probe = next(
        (
            (s["l"].value, s["l"].language or "")
            for s in store.query(
                f'SELECT ?l WHERE {{ <{nemo}> <{RDFS_LABEL}> ?l FILTER(LANG(?l) = "en") }}',
                use_default_graph_as_union=True,
            )
        ),
        ("NEMO", "en"),
    )
    return RealGraph(nquads, len(quads), organisations, people, concepts, probe)


_WORDS = [
    "portrait",
    "landscape",
    "letter",
    "map",
    "charter",
    "ledger",
    "photograph",
    "sketch",
    "vase",
    "tapestry",
    "coin",
    "manuscript",
    "poster",
    "score",
    "recording",
    "film",
    "reel",
    "sculpture",
    "textile",
    "chair",
    "print",
    "drawing",
    "harbour",
    "river",
    "city",
    "village",
    "mill",
    "church",
    "market",
    "garden",
    "winter",
    "summer",
    "night",
    "morning",
    "merchant",
    "family",
    "soldier",
    "queen",
    "farmer",
    "weaver",
    "painter",
    "poet",
    "fisherman",
    "child",
    "saint",
]
_ADJ = [
    "old",
    "blue",
    "silent",
    "golden",
    "northern",
    "broken",
    "early",
    "late",
    "small",
    "great",
    "red",
    "quiet",
]
_FIRST = [
    "Anna",
    "Jan",
    "Pieter",
    "Maria",
    "Willem",
    "Sofie",
    "Hendrik",
    "Johanna",
    "Karel",
    "Lotte",
    "Emil",
    "Ines",
    "Marek",
]
_LAST = [
    "de",
    "Vries",
    "Jansen",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "Mulder",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "Dekker",
]


def _lit(text: str, lang: str = "en") -> str:
    return f'"{text}"@{lang}'


def _typed(text: str, datatype: str) -> str:
    return f'"{text}"^^<{XSD}{datatype}>'


def generate(size: int, real: RealGraph, seed: int) -> Path:
    """Write exactly ``size`` synthetic quads (deterministic for ``seed``) as N-Quads."""
    path = WORK / "data" / f"heritage-{size}-seed{seed}.nq"
    if path.is_file():
        return path
    rng = random.Random(seed)
    g = f"<{HERITAGE_GRAPH}>"
    orgs = real.organisations
    # Zipf-like popularity: a few institutions publish most of the objects.
    org_weights = [1.0 / (rank + 1) for rank in range(len(orgs))]
    rng.shuffle(org_weights)
    themes = real.concepts.get("themes", [])
    sectors = real.concepts.get("sectors", [])
    techniques = real.concepts.get("ai-techniques", [])
    n_objects = size // 11 + 1
    n_creators = max(50, n_objects // 10)
    n_collections = max(10, n_objects // 500)
    lines: list[str] = []
    count = 0

    def emit(s: str, p: str, o: str) -> None:
        nonlocal count
        if count < size:
            lines.append(f"{s} <{p}> {o} {g} .\n")
            count += 1

    for k in range(n_collections):
        c = f"<{HERITAGE}collection/c{k}>"
        emit(c, RDF_TYPE, f"<{SCHEMA}Collection>")
        emit(c, RDFS_LABEL, _lit(f"Collection {k}"))
        emit(c, DCT + "publisher", f"<{rng.choices(orgs, org_weights)[0]}>")
    for k in range(n_creators):
        p = f"<{HERITAGE}creator/p{k}>"
        emit(p, RDF_TYPE, f"<{SCHEMA}Person>")
        emit(p, RDFS_LABEL, _lit(f"{rng.choice(_FIRST)} {rng.choice(_LAST)} ({k})"))
        emit(p, SCHEMA + "birthDate", _typed(str(rng.randint(1600, 1990)), "gYear"))
    i = 0
    while count < size:
        o = f"<{HERITAGE}object/o{i}>"
        title = f"{rng.choice(_ADJ).title()} {rng.choice(_WORDS)} {i}"
        publisher = rng.choices(orgs, org_weights)[0]
        if rng.random() < 0.01 and real.people:
            creator = rng.choice(real.people)
        else:
            creator = f"{HERITAGE}creator/p{rng.randrange(n_creators)}"
        emit(o, RDF_TYPE, f"<{SCHEMA}CreativeWork>")
        emit(o, RDFS_LABEL, _lit(title))
        emit(o, DCT + "title", _lit(title))
        emit(o, DCT + "creator", f"<{creator}>")
        emit(o, DCT + "date", _typed(str(rng.randint(1500, 2023)), "gYear"))
        if themes:
            emit(o, DCT + "subject", f"<{rng.choice(themes)}>")
        if techniques and rng.random() < 0.3:
            emit(o, DCT + "subject", f"<{rng.choice(techniques)}>")
        if sectors:
            emit(o, CCAI + "sector", f"<{rng.choice(sectors)}>")
        emit(o, DCT + "publisher", f"<{publisher}>")
        emit(o, DCT + "isPartOf", f"<{HERITAGE}collection/c{rng.randrange(n_collections)}>")
        emit(o, DCT + "identifier", f'"INV-{i:07d}"')
        i += 1
    tmp = path.with_suffix(".tmp")
    tmp.write_text("".join(lines), encoding="utf-8")
    tmp.rename(path)
    return path


def load_store(size: int, seed: int, files: list[Path]) -> tuple[Path, float]:
    """An Oxigraph store (``DIR/oxigraph``) with ``files``; returns (DIR, load seconds)."""
    out = WORK / "stores" / f"{size}-seed{seed}"
    marker = out / "loaded.json"
    if marker.is_file():
        return out, json.loads(marker.read_text())["seconds"]
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    started = time.perf_counter()
    store = ox.Store(str(out / "oxigraph"))
    for path in files:
        store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
    store.optimize()
    del store
    seconds = time.perf_counter() - started
    marker.write_text(json.dumps({"seconds": seconds, "files": [str(f) for f in files]}))
    return out, seconds


# --- queries ---------------------------------------------------------------------------


@dataclass
class Query:
    name: str
    text: str
    form: str
    cls: str = "light"  # heavy | light | small | lookup


def query_mix(real: RealGraph) -> list[Query]:
    from api.queries import load_queries

    mix = [Query(q.name, q.render({}), q.form) for q in load_queries().values()]
    label, lang = real.label_probe
    literal = ox.Literal(label, language=lang) if lang else ox.Literal(label)
    mix.append(Query(LOOKUP, f"ASK {{ ?s <{RDFS_LABEL}> {literal} }}", "ASK"))
    return mix


def classify(mix: list[Query], inproc: dict[str, dict]) -> dict[str, str]:
    """Class of each query by measured cost: the named queries sorted by in-process
    p50 at this size and cut in thirds (cheapest third ``small``, costliest third
    ``heavy``, the rest ``light``); the label-lookup ASK (not a named query) is
    its own class, ``lookup``, reported outside the targets.

    >>> mix = [Query(n, "", "SELECT") for n in "abcdefg"] + [Query(LOOKUP, "", "ASK")]
    >>> cost = {q.name: {"inprocess": {"p50_ms": float(i)}} for i, q in enumerate(mix)}
    >>> classify(mix, cost)  # doctest: +NORMALIZE_WHITESPACE
    {'a': 'small', 'b': 'small', 'c': 'light', 'd': 'light', 'e': 'light', 'f': 'heavy',
     'g': 'heavy', 'label-lookup-ask': 'lookup'}
    """
    named = sorted(
        (q.name for q in mix if q.name != LOOKUP), key=lambda n: inproc[n]["inprocess"]["p50_ms"]
    )
    third = len(named) // 3
    cls = {
        n: "small" if i < third else "heavy" if i >= len(named) - third else "light"
        for i, n in enumerate(named)
    }
    return {q.name: cls.get(q.name, "lookup") for q in mix}


def accept_for(q: Query) -> str:
    return JSON_RESULTS if q.form in ("SELECT", "ASK") else "text/turtle"


# --- statistics ------------------------------------------------------------------------


def pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def summary(latencies: list[float], **extra: Any) -> dict:
    ms = [x * 1000 for x in latencies]
    return {
        "n": len(ms),
        "p50_ms": pct(ms, 0.5),
        "p95_ms": pct(ms, 0.95),
        "mean_ms": statistics.fmean(ms) if ms else None,
        **extra,
    }


# --- in-process ------------------------------------------------------------------------


def inprocess_runner(store_dir: Path):
    """A read-only store and ``raw(query) -> (bytes, 0)``: the floor, i.e. pyoxigraph
    query + serialisation (JSON or Turtle) over the API's default dataset (the
    union of all named graphs, inferred included)."""
    store = ox.Store.read_only(str(store_dir / "oxigraph"))
    default_graph = [ox.NamedNode(g.value) for g in store.named_graphs()]

    def raw(q: Query) -> tuple[int, int]:
        result = store.query(q.text, default_graph=default_graph)
        if isinstance(result, ox.QueryTriples):
            body = ox.serialize(result, format=ox.RdfFormat.TURTLE)
        else:
            body = result.serialize(format=ox.QueryResultsFormat.JSON)
        return len(body), 0

    return store, raw


def measure_inprocess(
    store_dir: Path, mix: list[Query], reps: int, seconds: float
) -> dict[str, dict]:
    """pyoxigraph query + serialisation (the floor), then api.store.execute per query."""
    from api.sparql.safety import analyse
    from api.store.base import FormatChoice, QueryJob
    from api.store.execute import execute

    store, raw = inprocess_runner(store_dir)
    graphs = sorted(g.value for g in store.named_graphs())
    out: dict[str, dict] = {}

    def timed(fn, *args) -> list[float]:
        fn(*args)  # warm-up
        samples: list[float] = []
        deadline = time.perf_counter() + seconds
        while len(samples) < reps and (len(samples) < 3 or time.perf_counter() < deadline):
            t0 = time.perf_counter()
            fn(*args)
            samples.append(time.perf_counter() - t0)
        return samples

    formats = FormatChoice(results=JSON_RESULTS, rdf="text/turtle")
    for q in mix:
        size, _ = raw(q)
        rows = None
        result = store.query(q.text, default_graph=[ox.NamedNode(g) for g in graphs])
        if isinstance(result, ox.QuerySolutions):
            rows = sum(1 for _ in result)
        del result
        job = QueryJob(
            query=q.text,
            formats=formats,
            default_graph=None,
            named_graphs=None,
            include_inferred=True,
            max_rows=100_000,
        )
        out[q.name] = {
            "inprocess": summary(timed(raw, q), bytes=size, rows=rows),
            "execute": summary(timed(lambda j: execute(store, j, graphs), job)),
            "analyse": summary(timed(analyse, q.text)),
        }
        print(
            f"  in-process {q.name:<40} p50 {out[q.name]['inprocess']['p50_ms']:9.2f} ms"
            f"  execute() {out[q.name]['execute']['p50_ms']:9.2f} ms  rows {rows}",
            file=sys.stderr,
        )
    # the fixed cost of one query through each path
    trivial = Query("ask-empty", "ASK {}", "ASK")
    job = QueryJob(
        query=trivial.text,
        formats=formats,
        default_graph=None,
        named_graphs=None,
        include_inferred=True,
        max_rows=100_000,
    )
    out["ask-empty"] = {
        "inprocess": summary(timed(raw, trivial)),
        "execute": summary(timed(lambda j: execute(store, j, graphs), job)),
        "analyse": summary(timed(analyse, trivial.text)),
    }
    return out


# --- HTTP ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A server subprocess on 127.0.0.1 (ccai serve or bench.rdflib_server)."""

    def __init__(
        self,
        name: str,
        argv: list[str],
        port: int,
        ready_timeout: float,
        env: dict[str, str] | None = None,
    ) -> None:
        self.name, self.argv, self.port, self.ready_timeout = name, argv, port, ready_timeout
        self.extra_env = env or {}
        self.url = f"http://127.0.0.1:{port}/sparql"
        self.proc: subprocess.Popen | None = None
        self.log = WORK / f"{name}.log"
        self.ready_seconds: float | None = None

    def start(self) -> Server:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CCAI_")}
        env.update(self.extra_env)
        started = time.perf_counter()
        self.proc = subprocess.Popen(
            self.argv,
            cwd=WORK,
            env=env,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + self.ready_timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited ({self.proc.returncode}); see {self.log}")
            reply = client.get_once(self.url, "ASK {}", JSON_RESULTS, timeout=5)
            if reply.status == 200:
                break
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{self.name} not ready in {self.ready_timeout} s")
            time.sleep(0.5)
        self.ready_seconds = time.perf_counter() - started
        return self

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.proc = None

    def restart(self) -> None:
        self.stop()
        self.start()


def _requests(queries: list[Query]) -> list[tuple[str, str, str]]:
    return [(q.name, q.text, accept_for(q)) for q in queries]


def probe(server: Server, q: Query, timeout: float) -> tuple[str, float | None, int | None]:
    """One request: ('ok' | 'timeout' | 'HTTP nnn' | error, seconds, rows)."""
    reply = client.get_once(server.url, q.text, accept_for(q), timeout)
    if reply.status is None:
        return reply.error or "error", None, None
    if reply.status != 200:
        return f"HTTP {reply.status}: {reply.body[:200].decode('utf-8', 'replace')}", None, None
    rows = None
    if q.form == "SELECT":
        rows = len(json.loads(reply.body)["results"]["bindings"])
    return "ok", reply.seconds, rows


def class_record(res: client.RunResult, concurrency: int, **extra: Any) -> dict:
    """What one class run (or the pooled bursts) measured, as stored in the results JSON."""
    return {
        "concurrency": concurrency,
        **extra,
        "requests": res.requests,
        "ok": res.ok,
        "wall_s": res.wall,
        "throughput_rps": res.ok / res.wall if res.wall else None,
        "errors": {k: sorted(set(v)) for k, v in res.errors.items()},
        "per_query": {name: summary(lat) for name, lat in res.latencies.items()},
    }


def measure_http(
    server: Server,
    classes: dict[str, list[Query]],
    *,
    concurrencies: tuple[int, ...],
    max_requests: dict[str, int],
    max_seconds: dict[str, float],
    timeout: float,
    budget: float,
    max_restarts: int,
) -> dict:
    """Per class (in the given order): probe each query once, then run it at each concurrency.

    A client timeout leaves the server busy with the query, so the server is
    restarted (at most ``max_restarts`` times) and the query is left out.
    """
    started = time.perf_counter()
    out: dict[str, Any] = {"probe": {}, "classes": {}, "restarts": 0, "skipped": {}}

    def after_timeout() -> bool:
        if out["restarts"] >= max_restarts:
            out["skipped"]["*"] = "restart limit reached after a timeout"
            return False
        out["restarts"] += 1
        server.restart()
        return True

    for cls, queries in classes.items():
        usable: list[Query] = []
        for q in queries:
            if time.perf_counter() - started > budget:
                out["skipped"][q.name] = "time budget exhausted before the probe"
                continue
            status, seconds, rows = probe(server, q, timeout)
            out["probe"][q.name] = {"status": status, "seconds": seconds, "rows": rows}
            print(
                f"  {server.name} probe {q.name:<40} {status[:60]} "
                f"{'' if seconds is None else f'{seconds * 1000:.1f} ms'} rows {rows}",
                file=sys.stderr,
            )
            if status == "ok":
                usable.append(q)
            elif status == "timeout" and not after_timeout():
                return out
        for c in concurrencies:
            remaining = budget - (time.perf_counter() - started)
            if remaining <= 5 or not usable:
                out["skipped"][f"{cls}@c{c}"] = "time budget exhausted" if usable else "no query"
                continue
            res = client.run_class(
                server.url,
                _requests(usable),
                c,
                max_requests[cls],
                min(max_seconds[cls], remaining),
                timeout,
            )
            out["classes"][f"{cls}@c{c}"] = class_record(res, c)
            print(
                f"  {server.name} {cls}@c{c}: {res.ok}/{res.requests} ok in {res.wall:.1f} s "
                f"= {res.ok / res.wall if res.wall else 0:.1f} req/s",
                file=sys.stderr,
            )
            if res.timed_out and not after_timeout():
                return out
    out["seconds"] = time.perf_counter() - started
    return out


def measure_paired(
    api: Server, store_dir: Path, queries: list[Query], pairs: int, seconds: float, timeout: float
) -> dict[str, dict]:
    """API vs in-process, sample by sample: for each query, alternate one in-process
    run and one API request (concurrency 1), so both see the same machine state.

    This machine's speed drifts by up to 2x over minutes (a shared VM), so floors
    and API latencies measured minutes apart are not comparable; paired samples are.
    """
    _, raw = inprocess_runner(store_dir)
    conn = client.Connection(api.url, timeout)
    out: dict[str, dict] = {}
    try:
        for q in queries:
            raw(q)
            conn.query(q.text, accept_for(q))  # warm both
            floor: list[float] = []
            over_api: list[float] = []
            error = None
            deadline = time.perf_counter() + seconds
            while len(floor) < pairs and (len(floor) < 3 or time.perf_counter() < deadline):
                api_first = len(floor) % 2 == 1
                if api_first:
                    reply = conn.query(q.text, accept_for(q))
                t0 = time.perf_counter()
                raw(q)
                floor.append(time.perf_counter() - t0)
                if not api_first:
                    reply = conn.query(q.text, accept_for(q))
                if reply.status != 200:
                    error = reply.error or f"HTTP {reply.status}"
                    break
                over_api.append(reply.seconds)
            a, b = summary(floor), summary(over_api)
            ratio = b["p50_ms"] / a["p50_ms"] if b["n"] and a["p50_ms"] else None
            out[q.name] = {"inprocess": a, "api": b, "ratio": ratio, "error": error}
            print(
                f"  paired {q.name:<40} in-process {a['p50_ms']:8.1f} ms  API "
                f"{_f(b['p50_ms'], 8)} ms  ratio {_f(ratio, 5, 2)}",
                file=sys.stderr,
            )
    finally:
        conn.close()
    return out


def measure_side_by_side(
    servers: dict[str, Server],
    classes: dict[str, list[Query]],
    *,
    concurrencies: tuple[int, ...],
    rounds: int,
    requests: int,
    seconds: float,
    timeout: float,
) -> dict[str, dict]:
    """Throughput of each server on the same queries, in alternating bursts.

    Each query is probed on every server; only queries every server answers
    are run, so the servers do the same work. Then, per class and concurrency,
    ``rounds`` x (one burst per server, in turn), each burst at most
    ``requests // rounds`` requests and ``seconds`` s; throughput = answered /
    wall time summed over the bursts. Per-query latencies are pooled.
    """
    out: dict[str, dict] = {name: {"probe": {}, "classes": {}, "skipped": {}} for name in servers}
    for cls, queries in classes.items():
        usable = []
        for q in queries:
            ok = True
            for name, server in servers.items():
                status, secs, rows = probe(server, q, timeout)
                out[name]["probe"][q.name] = {"status": status, "seconds": secs, "rows": rows}
                if status == "timeout":
                    server.restart()
                ok = ok and status == "ok"
            if ok:
                usable.append(q)
            else:
                for name in servers:
                    out[name]["skipped"][q.name] = "not answered by every server"
        for c in concurrencies:
            pooled = {name: client.RunResult() for name in servers}
            for _ in range(rounds):
                for name, server in servers.items():
                    res = client.run_class(
                        server.url,
                        _requests(usable),
                        c,
                        max(requests // rounds, 1),
                        seconds,
                        timeout,
                    )
                    total = pooled[name]
                    total.requests += res.requests
                    total.ok += res.ok
                    total.wall += res.wall
                    for k, v in res.latencies.items():
                        total.latencies.setdefault(k, []).extend(v)
                    for k, v in res.errors.items():
                        total.errors.setdefault(k, []).extend(v)
                    if res.timed_out:
                        server.restart()
            for name, res in pooled.items():
                out[name]["classes"][f"{cls}@c{c}"] = class_record(res, c, rounds=rounds)
                print(
                    f"  side by side {cls}@c{c} {name}: {res.ok}/{res.requests} ok in "
                    f"{res.wall:.1f} s = {res.ok / res.wall if res.wall else 0:.1f} req/s",
                    file=sys.stderr,
                )
    return out


def _merge(section: dict, extra: dict) -> dict:
    for key in ("probe", "classes", "skipped"):
        section.setdefault(key, {}).update(extra.get(key, {}))
    return section


def _request_counts(n: int) -> dict[str, int]:
    """Requests per class run: ``n`` for the cheap classes, fewer for the costly ones."""
    return {"small": n, "lookup": n, "light": max(n // 2, 1), "heavy": max(n // 10, 1)}


# --- one size ----------------------------------------------------------------------------


def bench_size(size: int, real: RealGraph, args: argparse.Namespace) -> dict:
    print(f"bench: size {size}", file=sys.stderr)
    t0 = time.perf_counter()
    synthetic = generate(size, real, args.seed)
    gen_seconds = time.perf_counter() - t0
    store_dir, load_seconds = load_store(size, args.seed, [real.nquads, synthetic])
    mix = query_mix(real)
    record: dict[str, Any] = {
        "size_synthetic": size,
        "triples_total": size + real.triples,
        "generate_s": gen_seconds,
        "oxigraph_load_s": load_seconds,
        "loadavg_start": os.getloadavg(),
    }

    inproc = measure_inprocess(store_dir, mix, args.inproc_reps, args.inproc_seconds)
    record["inprocess"] = inproc
    classes_by_name = classify(mix, inproc)
    for q in mix:
        q.cls = classes_by_name[q.name]
    by_cost = sorted(mix, key=lambda q: inproc[q.name]["inprocess"]["p50_ms"])
    classes = {cls: [q for q in by_cost if q.cls == cls] for cls in CLASSES}
    record["classes"] = {cls: [q.name for q in qs] for cls, qs in classes.items()}

    def api_server(name: str, env: dict[str, str] | None = None) -> Server:
        port = free_port()
        argv = [sys.executable, "-m", "api.cli", "serve", "--host", "127.0.0.1"]
        argv += ["--port", str(port), "--store", str(store_dir)]
        argv += ["--query-timeout", str(args.timeout)]
        return Server(name, argv, port, 120, env)

    # The targets are measured with the result cache off: every request evaluated.
    api = api_server("ccai-api", {"CCAI_RESULT_CACHE_BYTES": "0"})
    # As shipped (cache on): reported next to it in the side-by-side bursts.
    api_cached = api_server("ccai-api-cached")
    rdf = None
    if not args.skip_rdflib:
        rdf_port = free_port()
        rdf = Server(
            "rdflib-endpoint",
            [
                sys.executable,
                "-m",
                "bench.rdflib_server",
                "--port",
                str(rdf_port),
                str(real.nquads),
                str(synthetic),
            ],
            rdf_port,
            args.rdflib_load_timeout,
        )
    cheap = {cls: classes[cls] for cls in ("lookup", "small")}
    costly = {cls: classes[cls] for cls in ("light", "heavy")}
    try:
        api.start()
        api_cached.start()
        if rdf is not None:
            try:
                rdf.start()
            except RuntimeError as exc:
                record["rdflib"] = {"error": str(exc)}
                rdf = None
        calibration = client.run_class(
            api.url, [("ask-empty", "ASK {}", JSON_RESULTS)], 1, 500, 20, 10
        )
        record["api_ask_empty"] = summary(calibration.latencies.get("ask-empty", []))
        # 1. the heavy target: API and in-process, sample by sample
        record["paired"] = measure_paired(
            api, store_dir, classes["heavy"], args.pairs, args.heavy_seconds, args.timeout + 5
        )
        # 2. the small target: both servers, alternating bursts on the same queries
        servers = {
            "api": api,
            "api_cached": api_cached,
            **({"rdflib": rdf} if rdf is not None else {}),
        }
        side = measure_side_by_side(
            servers,
            cheap,
            concurrencies=(1, 4),
            rounds=args.rounds,
            requests=args.requests,
            seconds=args.burst_seconds,
            timeout=args.rdflib_timeout,
        )
        # 3. latencies of the costlier classes, one server at a time
        record["api"] = _merge(
            measure_http(
                api,
                costly,
                concurrencies=(1, 4),
                max_requests=_request_counts(args.requests),
                max_seconds={"light": 45, "heavy": args.heavy_seconds},
                timeout=args.timeout + 5,
                budget=args.api_budget,
                max_restarts=2,
            ),
            side["api"],
        )
        record["api"]["ready_s"] = api.ready_seconds
        record["api_cached"] = side["api_cached"]
        if rdf is not None:
            record["rdflib"] = _merge(
                measure_http(
                    rdf,
                    costly,
                    concurrencies=(1, 4),
                    max_requests=_request_counts(args.rdflib_requests),
                    max_seconds={"light": 45, "heavy": 60},
                    timeout=args.rdflib_timeout,
                    budget=args.rdflib_budget,
                    max_restarts=1,
                ),
                side["rdflib"],
            )
            record["rdflib"]["ready_s"] = rdf.ready_seconds
    finally:
        api.stop()
        api_cached.stop()
        if rdf is not None:
            rdf.stop()
    record["loadavg_end"] = os.getloadavg()
    record["targets"] = targets(record, classes)
    return record


def _p50(section: dict, cls: str, c: int, name: str) -> float | None:
    return (
        section.get("classes", {}).get(f"{cls}@c{c}", {}).get("per_query", {}).get(name, {})
    ).get("p50_ms")


def _rps(section: dict | None, cls: str, c: int) -> float | None:
    if not section:
        return None
    return section.get("classes", {}).get(f"{cls}@c{c}", {}).get("throughput_rps")


def targets(record: dict, classes: dict[str, list[Query]]) -> dict:
    api = record.get("api", {})
    heavy = {
        q.name: record.get("paired", {}).get(q.name, {}).get("ratio") for q in classes["heavy"]
    }
    ratios = [r for r in heavy.values() if r is not None]
    small = {}
    for c in (1, 4):
        a, b = _rps(api, "small", c), _rps(record.get("rdflib"), "small", c)
        small[f"c{c}"] = None if a is None or not b else a / b
    return {
        "heavy_api_p50_over_inprocess": heavy,
        "heavy_max_ratio": max(ratios) if ratios else None,
        "heavy_median_ratio": statistics.median(ratios) if ratios else None,
        "heavy_target_1_3x_met": bool(ratios) and len(ratios) == len(heavy) and max(ratios) <= 1.3,
        "small_api_rps_over_rdflib_rps": small,
        "small_target_4x_met": all(v is not None and v >= 4 for v in small.values()),
    }


# --- report ----------------------------------------------------------------------------


def _f(value: float | None, width: int = 8, digits: int = 1) -> str:
    return f"{'—':>{width}}" if value is None else f"{value:>{width}.{digits}f}"


def table(record: dict) -> str:
    inproc, api, rdf = record["inprocess"], record.get("api", {}), record.get("rdflib", {})
    lines = [
        f"Size: {record['size_synthetic']:,} synthetic + real = "
        f"{record['triples_total']:,} triples",
        f"{'query':<38} {'class':<5} {'rows':>6} | {'inproc p50':>10} {'p95':>7} "
        f"{'exec p50':>8} | {'API c1 p50':>10} {'p95':>7} {'c4 p50':>7} {'p95':>7} | "
        f"{'rdflib c1 p50':>13} {'p95':>8} | {'API/inproc':>10}",
    ]
    lines.append("-" * len(lines[-1]))
    for cls in CLASSES:
        for name in record["classes"][cls]:
            ip = inproc[name]
            probe = rdf.get("probe", {}).get(name, {}) if isinstance(rdf, dict) else {}
            a1, a4 = _p50(api, cls, 1, name), _p50(api, cls, 4, name)
            api_q1 = api.get("classes", {}).get(f"{cls}@c1", {}).get("per_query", {}).get(name, {})
            api_q4 = api.get("classes", {}).get(f"{cls}@c4", {}).get("per_query", {}).get(name, {})
            r1 = rdf.get("classes", {}).get(f"{cls}@c1", {}).get("per_query", {}).get(name, {})
            if r1:
                rtxt = f"{_f(r1.get('p50_ms'), 13)} {_f(r1.get('p95_ms'))}"
            elif probe.get("status") and probe["status"] != "ok":
                rtxt = f"{probe['status'][:22]:>22}"
            elif probe.get("seconds") is not None:
                rtxt = f"{_f(probe['seconds'] * 1000, 13)} {'(1 run)':>8}"
            else:
                rtxt = f"{'not measured':>22}"
            ratio = a1 / ip["inprocess"]["p50_ms"] if a1 and ip["inprocess"]["p50_ms"] else None
            lines.append(
                f"{name:<38} {cls:<5} {ip['inprocess'].get('rows') or '':>6} | "
                f"{_f(ip['inprocess']['p50_ms'], 10)} {_f(ip['inprocess']['p95_ms'], 7)} "
                f"{_f(ip['execute']['p50_ms'])} | {_f(a1, 10)} {_f(api_q1.get('p95_ms'), 7)} "
                f"{_f(a4, 7)} {_f(api_q4.get('p95_ms'), 7)} | {rtxt} | {_f(ratio, 10, 2)}"
            )
    lines.append("")
    lines.append(
        f"{'throughput (req/s)':<24} {'API c1':>8} {'API c4':>8} {'rdflib c1':>10} "
        f"{'rdflib c4':>10} {'inproc c1':>10} {'cached c1':>10} {'cached c4':>10}"
    )
    for cls in CLASSES:
        names = record["classes"][cls]
        floor = sum(inproc[n]["inprocess"]["p50_ms"] for n in names) / max(len(names), 1)
        lines.append(
            f"{cls:<24} {_f(_rps(api, cls, 1))} {_f(_rps(api, cls, 4))} "
            f"{_f(_rps(rdf, cls, 1), 10)} {_f(_rps(rdf, cls, 4), 10)} "
            f"{_f(1000 / floor if floor else None, 10)} "
            f"{_f(_rps(record.get('api_cached'), cls, 1), 10)} "
            f"{_f(_rps(record.get('api_cached'), cls, 4), 10)}"
        )
    lines.append("")
    lines.append(
        f"{'heavy, paired samples (c1)':<38} {'n':>4} {'inproc p50':>10} {'API p50':>9} "
        f"{'API p95':>9} {'ratio':>6}"
    )
    for name, pair in record.get("paired", {}).items():
        lines.append(
            f"{name:<38} {pair['api']['n']:>4} {_f(pair['inprocess']['p50_ms'], 10)} "
            f"{_f(pair['api']['p50_ms'], 9)} {_f(pair['api']['p95_ms'], 9)} "
            f"{_f(pair['ratio'], 6, 2)}{'  ' + pair['error'] if pair.get('error') else ''}"
        )
    t = record["targets"]
    lines.append("")
    lines.append(
        f"heavy: API p50 / in-process p50 (paired): max {_f(t['heavy_max_ratio'], 0, 2)}, median "
        f"{_f(t['heavy_median_ratio'], 0, 2)} (target <= 1.3: "
        f"{'met' if t['heavy_target_1_3x_met'] else 'NOT met'})"
    )
    s = t["small_api_rps_over_rdflib_rps"]
    lines.append(
        f"small: API req/s / rdflib-endpoint req/s: c1 {_f(s['c1'], 0, 2)}, c4 "
        f"{_f(s['c4'], 0, 2)} (target >= 4: {'met' if t['small_target_4x_met'] else 'NOT met'})"
    )
    ae = record.get("api_ask_empty", {})
    ie = inproc["ask-empty"]
    lines.append(
        f"fixed cost of 'ASK {{}}': in-process {_f(ie['inprocess']['p50_ms'], 0, 3)} ms, "
        f"analyse() {_f(ie['analyse']['p50_ms'], 0, 2)} ms, execute() "
        f"{_f(ie['execute']['p50_ms'], 0, 2)} ms, API over HTTP {_f(ae.get('p50_ms'), 0, 2)} ms"
    )
    return "\n".join(lines)


def machine() -> dict:
    import rdflib

    info: dict[str, Any] = {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "pyoxigraph": ox.__version__,
        "rdflib": rdflib.__version__,
    }
    with contextlib.suppress(Exception):
        import rdflib_endpoint

        info["rdflib_endpoint"] = getattr(rdflib_endpoint, "__version__", "?")
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    return info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--seed", type=int, default=20240521)
    parser.add_argument("--build", type=Path, help="a ccai build dir (default: build once)")
    parser.add_argument(
        "--requests",
        type=int,
        default=1000,
        help="requests per small/lookup run (fewer for others)",
    )
    parser.add_argument("--heavy-seconds", type=float, default=60, help="cap per heavy run")
    parser.add_argument("--api-budget", type=float, default=360, help="API seconds per size")
    parser.add_argument("--inproc-reps", type=int, default=30)
    parser.add_argument("--inproc-seconds", type=float, default=6)
    parser.add_argument("--timeout", type=float, default=60, help="API query timeout")
    parser.add_argument("--pairs", type=int, default=30, help="paired samples per heavy query")
    parser.add_argument("--rounds", type=int, default=3, help="alternating bursts per server")
    parser.add_argument("--burst-seconds", type=float, default=15, help="cap per burst")
    parser.add_argument("--skip-rdflib", action="store_true")
    parser.add_argument(
        "--rdflib-requests", type=int, default=500, help="rdflib-endpoint: small/lookup requests"
    )
    parser.add_argument("--rdflib-timeout", type=float, default=60, help="client timeout (s)")
    parser.add_argument("--rdflib-budget", type=float, default=420, help="seconds per size")
    parser.add_argument("--rdflib-load-timeout", type=float, default=600)
    args = parser.parse_args(argv)

    started = time.perf_counter()
    WORK.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    build = ensure_build(args.build)
    real = read_real(build)
    report: dict[str, Any] = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": machine(),
        "loadavg_start": os.getloadavg(),
        "config": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "real_graph_triples": real.triples,
        "sizes": {},
    }
    out = RESULTS / f"{time.strftime('%Y%m%dT%H%M%S')}.json"
    for size in args.sizes:
        report["sizes"][str(size)] = bench_size(size, real, args)
        out.write_text(json.dumps(report, indent=2))
        print(table(report["sizes"][str(size)]) + "\n", flush=True)
    report["seconds"] = time.perf_counter() - started
    report["loadavg_end"] = os.getloadavg()
    out.write_text(json.dumps(report, indent=2))
    print(f"results: {out.relative_to(ROOT)} ({report['seconds']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
