"""Scale benchmark (issue 11): ``python -m bench.scale --size 1000000`` (see bench/README.md).

For each size:

1. **generate** a deterministic synthetic heritage-metadata set linked to the
   graph (collection objects, institutions, people; subjects pointing at our
   challenges, themes, sectors, organisations: real IRIs read from a project
   build), streamed to ``bench/.work/scale/heritage-<size>-seed<seed>.nt.gz``;
2. **load** it with the project's build into a new embedded store the way the
   service lays it out (:mod:`api.store.layout`: each synthetic triple in the
   named graph ``…/graph/bench-heritage`` and in the default graph), write the
   FTS5 label index and record what the service reads at start-up
   (:mod:`api.build.recorded`: counts, dataset statistics, reconciliation
   rows); in a child process, so its wall time and peak RSS are its own;
3. **start-up**: ``ccai serve`` on the new build, time until the first answer
   to a SPARQL query, and until the first ``/api/search`` answer;
4. **mixes**: the user mix (``bench/queries-user/*.rq``) and the project mix
   (``queries/*.rq`` as written, parameters unbound), p50/p95 through the API
   (``GET /sparql``) and at the floor (pyoxigraph in-process on the same
   store, one default graph, JSON serialisation included);
5. **search**: p95 of ``/api/search`` and of the index alone.

``--backend remote --query-endpoint URL [--serve-arg …]`` measures a service
configured for a remote store instead (the data must already be loaded there,
e.g. with ``ccai load``); the floor is then the endpoint itself over HTTP.
``--api URL`` measures an already running service. Results go to
``bench/results/scale-<size>-<timestamp>.json`` and a table to stdout.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox

from bench import client
from bench.run import _ADJ, _FIRST, _LAST, _WORDS, ensure_build, free_port, read_real

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work" / "scale"
RESULTS = ROOT / "bench" / "results"
USER_QUERIES = ROOT / "bench" / "queries-user"
PROJECT_QUERIES = ROOT / "queries"

CCAI = "https://w3id.org/ccai/ontology#"
HERITAGE = "https://w3id.org/ccai/bench/heritage/"
HERITAGE_GRAPH = "https://w3id.org/ccai/graph/bench-heritage"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS_ALT = "http://www.w3.org/2004/02/skos/core#altLabel"
FOAF_NAME = "http://xmlns.com/foaf/0.1/name"
DCT = "http://purl.org/dc/terms/"
SCHEMA = "https://schema.org/"
XSD = "http://www.w3.org/2001/XMLSchema#"
JSON = client.JSON_RESULTS
#: Titles in other languages, with accents (the search must fold them).
_FOREIGN = [
    ("nl", "Gezicht op {}"),
    ("fr", "Étude pour «{}»"),
    ("de", "Stillleben mit {}"),
    ("es", "Retrato en el jardín: {}"),
]
SEARCH_TERMS = [
    "lantern",
    "etude",
    "ÉTUDE",
    "gezicht",
    "stilll",
    "jardin",
    "nemo",
    "rijks",
    "anna",
    "collection 1",
    "museum",
    "ai",
    "copyright",
    "skills",
    "portrait of",
    "harbour",
    "musee",
    "europe",
]


def _esc(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def generate(size: int, seed: int, build: Path) -> Path:
    """Stream exactly ``size`` synthetic triples (deterministic for ``seed``) as gzip N-Triples."""
    path = WORK / f"heritage-{size}-seed{seed}.nt.gz"
    if path.is_file():
        return path
    WORK.mkdir(parents=True, exist_ok=True)
    real = read_real(build)
    store = ox.Store.read_only(str(build / "oxigraph"))
    challenges = sorted(
        s["c"].value for s in store.query(f"SELECT ?c {{ ?c a <{CCAI}Challenge> }}")
    )
    rng = random.Random(seed)
    orgs = sorted(real.organisations)
    nemo = "https://w3id.org/ccai/id/organisation/nemo"
    if nemo in orgs:  # the export query reads NEMO's objects: make it the biggest publisher
        orgs.remove(nemo)
        orgs.insert(0, nemo)
    weights = [1.0 / (rank + 1) for rank in range(len(orgs))]
    themes = real.concepts.get("themes", [])
    sectors = real.concepts.get("sectors", [])
    n_objects = size // 12 + 1
    n_people = max(50, n_objects // 20)
    n_collections = max(10, n_objects // 1000)
    tmp = path.with_suffix(".tmp")
    count = 0
    with gzip.open(tmp, "wt", encoding="utf-8", compresslevel=3) as out:
        buffer: list[str] = []

        def emit(s: str, p: str, o: str) -> None:
            nonlocal count
            if count < size:
                buffer.append(f"<{s}> <{p}> {o} .\n")
                count += 1
                if len(buffer) >= 100_000:
                    out.write("".join(buffer))
                    buffer.clear()

        for k in range(n_collections):
            c = f"{HERITAGE}collection/c{k}"
            emit(c, RDF_TYPE, f"<{SCHEMA}Collection>")
            emit(c, RDFS_LABEL, f'"Collection {k}"@en')
            emit(c, DCT + "publisher", f"<{rng.choices(orgs, weights)[0]}>")
        for k in range(n_people):
            p = f"{HERITAGE}person/p{k}"
            name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
            emit(p, RDF_TYPE, f"<{SCHEMA}Person>")
            emit(p, RDFS_LABEL, f'"{_esc(name)} ({k})"')
            emit(p, FOAF_NAME, f'"{_esc(name)}"')
        i = 0
        while count < size:
            o = f"{HERITAGE}object/o{i}"
            title = f"{rng.choice(_ADJ).title()} {rng.choice(_WORDS)} {i}"
            emit(o, RDF_TYPE, f"<{SCHEMA}CreativeWork>")
            emit(o, RDFS_LABEL, f'"{_esc(title)}"@en')
            emit(o, DCT + "title", f'"{_esc(title)}"@en')
            if rng.random() < 0.3:
                lang, pattern = rng.choice(_FOREIGN)
                emit(o, SKOS_ALT, f'"{_esc(pattern.format(title))}"@{lang}')
            emit(o, DCT + "creator", f"<{HERITAGE}person/p{rng.randrange(n_people)}>")
            emit(o, DCT + "date", f'"{rng.randint(1500, 2023)}"^^<{XSD}gYear>')
            emit(o, DCT + "publisher", f"<{rng.choices(orgs, weights)[0]}>")
            emit(o, DCT + "isPartOf", f"<{HERITAGE}collection/c{rng.randrange(n_collections)}>")
            emit(o, DCT + "identifier", f'"INV-{i:08d}"')
            if themes:
                emit(o, CCAI + "theme", f"<{rng.choice(themes)}>")
            if sectors:
                emit(o, CCAI + "sector", f"<{rng.choice(sectors)}>")
            if challenges and rng.random() < 0.2:
                emit(o, DCT + "subject", f"<{rng.choice(challenges)}>")
            i += 1
        out.write("".join(buffer))
    tmp.rename(path)
    return path


def load(data: Path, build: Path, target: Path) -> dict:
    """A build directory at ``target``: the project build's files (hard links) and a new store
    holding the project's dataset and ``data``. Runs in the calling process."""
    from api.build.artefacts import STORE_DIR, record_build
    from api.search import index as search_index
    from api.store.layout import count_triples, materialise

    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for item in build.iterdir():
        if item.is_file() and item.name != search_index.INDEX_FILE:
            os.link(item, target / item.name)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    store = ox.Store(str(target / STORE_DIR))
    store.bulk_load(path=str(build / "dataset.nq"), format=ox.RdfFormat.N_QUADS)
    materialise(store)
    timings["project"] = time.perf_counter() - started
    # the named graph and the default graph (the union) at once: one bulk load leaves
    # part of two cores idle (together: 0.7-0.8 of the time one after the other,
    # bench/README.md)
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="bench-load") as pool:
        named = pool.submit(_bulk_load, store, data, ox.NamedNode(HERITAGE_GRAPH))
        union = pool.submit(_bulk_load, store, data, ox.DefaultGraph())
        timings["named graph"], timings["default graph"] = named.result(), union.result()
    t = time.perf_counter()
    store.flush()
    counts = count_triples(store)
    timings["counts"] = time.perf_counter() - t
    timings["load total"] = time.perf_counter() - started
    t = time.perf_counter()
    # what the service reads at start-up instead of the store (api.build.recorded), and
    # the label index in a thread meanwhile (as `ccai build` and `ccai load` record them)
    recorded = record_build(store, target, counts)
    labels = recorded.beside
    timings["recorded"] = time.perf_counter() - t
    timings["search index"] = recorded.seconds["beside"]
    timings["statistics"] = recorded.seconds["statistics"]
    timings["reconciliation rows"] = recorded.seconds["reconciliation"]
    del store
    record = {
        "timings": {k: round(v, 2) for k, v in timings.items()},
        "triples": counts.as_dict() | {"graphs": len(counts.graphs)},
        "labels": labels,
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    (target.parent / f"{target.name}.load.json").write_text(json.dumps(record), encoding="utf-8")
    return record


def _bulk_load(store: ox.Store, data: Path, graph: ox.NamedNode | ox.DefaultGraph) -> float:
    """Bulk-load the gzipped N-Triples ``data`` into ``graph`` of ``store``: its seconds."""
    started = time.perf_counter()
    with gzip.open(data, "rb") as stream:
        store.bulk_load(stream, ox.RdfFormat.N_TRIPLES, to_graph=graph)
    return time.perf_counter() - started


def load_in_child(data: Path, build: Path, target: Path) -> dict:
    """:func:`load` in a child process: its wall time and peak memory are its own."""
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "bench.scale", "--load-only", str(data), str(build), str(target)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    record = json.loads(out.stdout.strip().splitlines()[-1])
    record["wall_seconds"] = round(time.perf_counter() - started, 2)
    return record


def queries(folder: Path) -> dict[str, str]:
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.rq"))}


def accept_for(text: str) -> str:
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    return "application/n-triples" if "CONSTRUCT" in body.upper() else JSON


def pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def summary(values: list[float]) -> dict:
    return {
        "p50_ms": round(1000 * statistics.median(values), 2) if values else None,
        "p95_ms": round(1000 * (pct(values, 95) or 0), 2) if values else None,
        "n": len(values),
    }


def floor(store_dir: Path, mix: dict[str, str], reps: int) -> dict[str, dict]:
    """pyoxigraph in-process on the store's own default graph, JSON/N-Triples serialisation."""
    store = ox.Store.read_only(str(store_dir))
    out: dict[str, dict] = {}
    for name, text in mix.items():
        times: list[float] = []
        rows = 0
        for rep in range(reps + 1):
            started = time.perf_counter()
            result = store.query(text)
            if isinstance(result, ox.QuerySolutions | ox.QueryBoolean):
                body = result.serialize(format=ox.QueryResultsFormat.JSON)
            else:
                body = ox.serialize(result, format=ox.RdfFormat.N_TRIPLES)
            elapsed = time.perf_counter() - started
            rows = (body or b"").count(b"\n")
            if rep:  # the first run warms the caches
                times.append(elapsed)
        out[name] = summary(times) | {"lines": rows}
    return out


def dataset_figures(store_dir: Path, mix: dict[str, str], reps: int) -> dict[str, dict]:
    """The same aggregates on three ways of giving pyoxigraph the default graph: the store's
    own (what the service does now), default ∪ inferred as a list (before), and the list of
    every named graph (the layout issue 11 measured)."""
    from api.store.layout import INFERRED

    store = ox.Store.read_only(str(store_dir))
    named = [g for g in store.named_graphs() if isinstance(g, ox.NamedNode)]
    ways: dict[str, dict] = {
        "store default graph": {},
        "[default, inferred]": {"default_graph": [ox.DefaultGraph(), ox.NamedNode(INFERRED)]},
        "every named graph": {"default_graph": named},
    }
    out: dict[str, dict] = {}
    for name, text in mix.items():
        if not name.startswith("agg-"):
            continue
        out[name] = {}
        for way, kwargs in ways.items():
            times = []
            for rep in range(reps + 1):
                started = time.perf_counter()
                result = store.query(text, **kwargs)  # type: ignore[arg-type]
                assert isinstance(result, ox.QuerySolutions)
                rows = len(list(result))
                if rep:
                    times.append(time.perf_counter() - started)
            out[name][way] = summary(times) | {"rows": rows}
    return out


def through_api(url: str, mix: dict[str, str], reps: int, timeout: float) -> dict[str, dict]:
    conn = client.Connection(url, timeout)
    out: dict[str, dict] = {}
    try:
        for name, text in mix.items():
            times: list[float] = []
            statuses: set[int | None] = set()
            for rep in range(reps + 1):
                reply = conn.query(text, accept_for(text))
                statuses.add(reply.status)
                if rep and reply.status == 200:
                    times.append(reply.seconds)
            out[name] = summary(times) | {"statuses": sorted(s or 0 for s in statuses)}
    finally:
        conn.close()
    return out


def search_p95(base: str, build: Path | None, reps: int) -> dict:
    """p50/p95 of ``/api/search`` and of the index alone over :data:`SEARCH_TERMS`, and
    each term's own median (``per_term``: which terms are the slow ones)."""
    conn = client.Connection(base + "/sparql", 30)
    api_times: list[float] = []
    per_term: dict[str, dict[str, list[float]]] = {
        t: {"api": [], "index": []} for t in SEARCH_TERMS
    }
    statuses: set[int | None] = set()
    for _ in range(reps):
        for term in SEARCH_TERMS:
            reply = conn.get(f"/api/search?q={quote(term)}", "application/json")
            statuses.add(reply.status)
            if reply.status == 200:
                api_times.append(reply.seconds)
                per_term[term]["api"].append(reply.seconds)
    conn.close()
    record: dict = {"api": summary(api_times) | {"statuses": sorted(s or 0 for s in statuses)}}
    if build is not None and (build / "search.sqlite").is_file():
        from api.search.index import SearchIndex

        index = SearchIndex(build / "search.sqlite")
        direct: list[float] = []
        for _ in range(reps):
            for term in SEARCH_TERMS:
                started = time.perf_counter()
                index.search(term, limit=20)
                index.count(term)
                direct.append(time.perf_counter() - started)
                per_term[term]["index"].append(direct[-1])
        record["index"] = summary(direct)
    record["per_term"] = {
        term: {where: pct(times, 50) for where, times in kinds.items() if times}
        for term, kinds in per_term.items()
    }
    return record


class Service:
    """``ccai serve`` on 127.0.0.1; ``ready`` is the time to the first SPARQL answer."""

    def __init__(
        self, build: Path | None, extra: list[str], env: dict[str, str] | None = None
    ) -> None:
        self.port = free_port()
        self.env = env or {}
        self.base = f"http://127.0.0.1:{self.port}"
        argv = [sys.executable, "-m", "api.cli", "serve", "--port", str(self.port)]
        argv += ["--log-level", "warning"]
        if build is not None:
            argv += ["--store", str(build), "--no-verify"]
        self.argv = argv + extra
        self.proc: subprocess.Popen | None = None
        self.log = WORK / "serve.log"

    def start(self, timeout: float = 300) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CCAI_")}
        env["CCAI_RESULT_CACHE_BYTES"] = "0"  # every repetition is evaluated, as at the floor
        env.update(self.env)
        started = time.perf_counter()
        self.proc = subprocess.Popen(
            self.argv, cwd=ROOT, env=env, stdout=self.log.open("ab"), stderr=subprocess.STDOUT
        )
        first: dict[str, float] = {}
        while "sparql" not in first or "search" not in first:
            if self.proc.poll() is not None:
                raise RuntimeError(f"ccai serve exited ({self.proc.returncode}); see {self.log}")
            if time.perf_counter() - started > timeout:
                raise RuntimeError(f"ccai serve gave no answer in {timeout} s")
            if "sparql" not in first:
                reply = client.get_once(self.base + "/sparql", "ASK { ?s ?p ?o }", JSON, 5)
                if reply.status == 200:
                    first["sparql"] = time.perf_counter() - started
            if "search" not in first:
                conn = client.Connection(self.base + "/", 5)
                reply = conn.get("/api/search?q=museum", "application/json")
                conn.close()
                if reply.status == 200:
                    first["search"] = time.perf_counter() - started
            time.sleep(0.02)
        return {f"first_{k}_seconds": round(v, 3) for k, v in first.items()}

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None


def ratios(api: dict[str, dict], base: dict[str, dict]) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for name, rec in api.items():
        f = base.get(name, {}).get("p50_ms")
        a = rec.get("p50_ms")
        out[name] = round(a / f, 2) if a and f else None
    return out


def table(record: dict) -> str:
    lines = [f"size {record['size']:,} synthetic triples"]
    if "load" in record:
        ld = record["load"]
        lines.append(
            f"load: {ld.get('timings', '')} wall {ld.get('wall_seconds')} s, "
            f"peak RSS {ld['peak_rss_mib']} MiB"
        )
    lines.append(f"start-up: {record.get('startup')}")
    for mix in ("user", "project"):
        api, base = record["api"][mix], record["floor"][mix]
        lines.append(f"{mix} mix        API p50/p95 ms     floor p50/p95 ms   ratio  statuses")
        for name in api:
            a, f = api[name], base.get(name, {})
            lines.append(
                f"  {name[:34]:<34} {a['p50_ms']!s:>8}/{a['p95_ms']!s:<8} "
                f"{f.get('p50_ms')!s:>8}/{f.get('p95_ms')!s:<8} "
                f"{record['ratio'][mix].get(name)!s:>5}  {a.get('statuses')}"
            )
    lines.append(f"search: {record.get('search')}")
    for name, ways in record.get("default_graph", {}).items():
        shown = ", ".join(f"{way} {r['p50_ms']} ms" for way, r in ways.items())
        lines.append(f"default graph, {name}: {shown}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__)
    parser.add_argument("--size", type=int, action="append", help="synthetic triples (repeat)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--build", type=Path, help="a project build (default: bench/.work)")
    parser.add_argument("--reps", type=int, default=5, help="timed runs per query")
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--backend", choices=("embedded", "remote"), default="embedded")
    parser.add_argument("--query-endpoint", help="remote backend: its SPARQL query endpoint")
    parser.add_argument(
        "--floor-endpoint", help="remote: the floor's URL (default: --query-endpoint)"
    )
    parser.add_argument("--remote-load", help="remote: the load's figures (JSON), recorded")
    parser.add_argument("--remote-max-rows", type=int, help="remote: the server's own row cap")
    parser.add_argument(
        "--serve-arg", action="append", default=[], help="passed on to ccai serve (repeat)"
    )
    parser.add_argument("--api", help="measure this running service instead of starting one")
    parser.add_argument("--skip-project-mix", action="store_true")
    parser.add_argument("--reuse", action="store_true", help="reuse a store loaded before")
    parser.add_argument("--load-only", nargs=3, metavar=("DATA", "BUILD", "TARGET"))
    args = parser.parse_args(argv)
    if args.load_only:
        data, build, target = (Path(p) for p in args.load_only)
        print(json.dumps(load(data, build, target)))
        return 0

    build = ensure_build(args.build)
    RESULTS.mkdir(parents=True, exist_ok=True)
    user = queries(USER_QUERIES)
    project = {} if args.skip_project_mix else queries(PROJECT_QUERIES)
    for size in args.size or [1_000_000]:
        record: dict = {"size": size, "seed": args.seed, "backend": args.backend}
        t = time.perf_counter()
        data = generate(size, args.seed, build)
        record["generate_seconds"] = round(time.perf_counter() - t, 1)
        served: Path | None = None
        if args.backend == "embedded":
            served = WORK / f"build-{size}"
            done = WORK / f"build-{size}.load.json"
            if args.reuse and done.is_file():
                record["load"] = json.loads(done.read_text()) | {"reused": True}
            else:
                record["load"] = load_in_child(data, build, served)
            record["floor"] = {
                mix: floor(served / "oxigraph", texts, args.reps)
                for mix, texts in (("user", user), ("project", project))
            }
            record["default_graph"] = dataset_figures(served / "oxigraph", user, args.reps)
        else:
            if not args.query_endpoint:
                parser.error("--backend remote needs --query-endpoint")
            floor_url = args.floor_endpoint or args.query_endpoint
            record["floor_is"] = floor_url
            if args.remote_load:
                record["load"] = json.loads(args.remote_load)
            if (WORK / f"build-{size}" / "oxigraph").is_dir():
                served = WORK / f"build-{size}"  # its label index and recorded figures
            record["floor"] = {
                mix: through_api(floor_url, texts, args.reps, args.timeout)
                for mix, texts in (("user", user), ("project", project))
            }
        service = None
        base = args.api
        if base is None:
            extra = list(args.serve_arg)
            if args.backend == "remote":
                extra += ["--backend", "remote", "--query-endpoint", args.query_endpoint]
            env = {}
            if args.remote_max_rows:
                env["CCAI_REMOTE_MAX_ROWS"] = str(args.remote_max_rows)
            service = Service(served, extra, env)
            record["startup"] = service.start()
            base = service.base
        try:
            url = base.rstrip("/") + "/sparql"
            record["api"] = {
                "user": through_api(url, user, args.reps, args.timeout),
                "project": through_api(url, project, args.reps, args.timeout),
            }
            record["search"] = search_p95(base.rstrip("/"), served, max(1, args.reps))
        finally:
            if service is not None:
                service.stop()
        record["ratio"] = {
            mix: ratios(record["api"][mix], record["floor"][mix]) for mix in ("user", "project")
        }
        stamp = time.strftime("%Y%m%d-%H%M%S")
        path = RESULTS / f"scale-{size}-{args.backend}-{stamp}.json"
        path.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
        print(table(record))
        print(f"written {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
