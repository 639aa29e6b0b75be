"""Scale on a real Virtuoso 7: the data and the mixes of :mod:`bench.scale`, remote backend.

``python -m bench.remote --size 1000000 [--reps 3] [--buffers 340000]`` (on demand,
not part of ``pytest``; ``bench/README.md`` has the figures):

1. a throwaway Virtuoso 7 on 127.0.0.1 (:class:`tests.remote.virtuoso.Virtuoso`:
   Debian's ``virtuoso-opensource``, ``make virtuoso``), its database in
   ``bench/.work/virtuoso-<size>``, with ``NumberOfBuffers`` = ``--buffers``
   (8 KiB pages: 340,000 is Virtuoso's own setting for 4 GB; the Debian ini's
   10,000 is 80 MB) and ``ResultSetMaxRows`` = ``--max-rows``;
2. ``ccai load --build bench/.work/scale/build-<size> --backend remote …``, as a user
   sets up a remote store (every named graph, the default graph's copy, the
   manifest), in a child process: its wall time and peak memory;
3. the user mix through the API on the embedded store and on Virtuoso, one after the
   other: the same rows (SELECT bindings, CONSTRUCT triples) for every query
   (``bench/results/rows-<size>-embedded-virtuoso.json``);
4. :mod:`bench.scale` with ``--backend remote``: the floor is Virtuoso's own endpoint
   (the same query texts, with the same default graph as the service sends), the
   API the service on the remote backend over the same build folder (its label
   index, recorded counts and statistics);
5. Virtuoso stopped, its database left for ``--reuse``.

``--small-loads N`` times N loads of a 2-triple file instead of 3–4
(:func:`small_loads`): into a new graph, then into that graph again.
``--reload CHANGED`` times ``ccai load`` of the benchmark's graph again from
``CHANGED`` (``python -m bench.changed``), then from the original again
(:func:`reloads`), then stops.

``bench.scale --size N`` must have loaded ``bench/.work/scale/build-N`` first.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

from api.store.remote import DEFAULT_GRAPH
from bench.scale import WORK
from tests.remote.virtuoso import Virtuoso, missing

ROOT = Path(__file__).resolve().parent.parent


def ccai_load(server: Virtuoso, *args: str) -> dict:
    """``ccai load ARGS`` into ``server``, in a child process (wall time, peak RSS)."""
    argv = [sys.executable, "-m", "api.cli", "load", "--quiet", *args]
    argv += ["--backend", "remote", "--remote-kind", "virtuoso"]
    argv += ["--query-endpoint", server.url + "/sparql"]
    argv += ["--update-endpoint", server.url + "/sparql-auth"]
    argv += ["--gsp-endpoint", server.url + "/sparql-graph-crud-auth"]
    argv += ["--user", "dba"]
    env = {"CCAI_REMOTE_PASSWORD": server.password, "PATH": "/usr/bin:/bin"}
    started = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"ccai load failed ({out.returncode}): {out.stderr[-2000:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {
        "wall_seconds": round(time.perf_counter() - started, 1),
        "peak_rss_mib": round(max(peak, before) / 1024),
        "output": out.stdout.strip().splitlines(),
    }


def load(server: Virtuoso, build: Path) -> dict:
    """``ccai load --build`` into ``server``: the build, as a user sets up a remote store."""
    figures = ccai_load(server, "--build", str(build))
    return figures | {"output": figures["output"][-1:]}


#: A graph of two triples: an organisation (a subclass of ``ccai:Actor``: entailments) with
#: a label (the label index follows).
TINY = (
    "<https://example.org/bench/org-{n}> a <https://w3id.org/ccai/ontology#Organisation> ;\n"
    '  <http://www.w3.org/2000/01/rdf-schema#label> "Bench organisation {n}" .\n'
)


def small_loads(server: Virtuoso, build: Path, reps: int) -> dict:
    """``ccai load FILE --graph G`` of :data:`TINY` into the loaded store, ``reps`` times: into
    a new graph (inferred from its own triples, the working graph kept), then into the same
    graph again (the whole store inferred again, the working graph copied again)."""
    folder = WORK / "small-loads"
    folder.mkdir(parents=True, exist_ok=True)
    runs: dict[str, list[dict]] = {"new graph": [], "same graph again": []}
    for n in range(reps):
        path = folder / f"org-{n}.ttl"
        path.write_text(TINY.format(n=n), encoding="utf-8")
        graph = f"https://example.org/bench/small-{n}-{time.time_ns()}"
        for kind in runs:
            args = (str(path), "--graph", graph, "--no-validate", "--build", str(build))
            runs[kind].append(ccai_load(server, *args))
    return {
        kind: {
            "wall_seconds": sorted(r["wall_seconds"] for r in done),
            "peak_rss_mib": max(r["peak_rss_mib"] for r in done),
            "output": done[-1]["output"],
        }
        for kind, done in runs.items()
    }


def reloads(server: Virtuoso, build: Path, changed: Path, original: Path) -> dict:
    """``ccai load`` of the benchmark's graph (:data:`bench.scale.HERITAGE_GRAPH`) again,
    from ``changed`` (``python -m bench.changed``), then from ``original`` again: twice a
    graph loaded again with what changed, inferred from it and applied as a difference
    on the server (:meth:`api.load.RemoteTarget._split`)."""
    from bench.scale import HERITAGE_GRAPH

    runs = {}
    for kind, path in (("changed copy", changed), ("original again", original)):
        args = (str(path), "--graph", HERITAGE_GRAPH, "--no-validate", "--build", str(build))
        runs[kind] = ccai_load(server, *args)
    return runs


def answers(base: str, mix: dict[str, str], timeout: float) -> dict[str, set[str]]:
    """Each query's answer through the API at ``base``, as a set of rows (SELECT: each
    binding set as sorted JSON; CONSTRUCT: each N-Triples line)."""
    from bench import client, scale

    conn = client.Connection(base + "/sparql", timeout)
    out: dict[str, set[str]] = {}
    try:
        for name, text in mix.items():
            reply = conn.query(text, scale.accept_for(text))
            if reply.status != 200:
                raise RuntimeError(f"{name}: HTTP {reply.status} from {base}")
            if scale.accept_for(text) == scale.JSON:
                bindings = json.loads(reply.body)["results"]["bindings"]
                out[name] = {json.dumps(b, sort_keys=True) for b in bindings}
            else:
                out[name] = {line for line in reply.body.decode().splitlines() if line}
    finally:
        conn.close()
    return out


def same_rows(build: Path, endpoint: str, max_rows: int, timeout: float) -> dict[str, dict]:
    """The user mix through the API on the embedded store and on Virtuoso: the same rows?"""
    from bench import scale

    mix = scale.queries(scale.USER_QUERIES)
    remote = ["--backend", "remote", "--query-endpoint", endpoint, "--remote-kind", "virtuoso"]
    found: dict[str, dict[str, set[str]]] = {}
    for name, extra, env in (
        ("embedded", [], {}),
        ("virtuoso", remote, {"CCAI_REMOTE_MAX_ROWS": str(max_rows)}),
    ):
        service = scale.Service(build, extra, env)
        service.start()
        try:
            found[name] = answers(service.base, mix, timeout)
        finally:
            service.stop()
    return {
        query: {
            "rows": len(found["embedded"][query]),
            "same": found["embedded"][query] == found["virtuoso"][query],
        }
        for query in mix
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.remote", description=__doc__)
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--buffers", type=int, default=340_000)
    parser.add_argument("--max-rows", type=int, default=200_000)
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--reuse", action="store_true", help="Virtuoso's database as loaded before")
    parser.add_argument("--rows-only", action="store_true", help="compare the rows, then stop")
    parser.add_argument(
        "--small-loads", type=int, default=0, help="time N small `ccai load FILE`s, then stop"
    )
    parser.add_argument(
        "--reload",
        type=Path,
        metavar="CHANGED",
        help="time `ccai load` of the benchmark's graph again from CHANGED, then from the "
        "original again, then stop",
    )
    parser.add_argument("--seed", type=int, default=11, help="the original's seed (--reload)")
    args = parser.parse_args(argv)
    reason = missing()
    if reason is not None:
        parser.error(reason)
    build = WORK / f"build-{args.size}"
    if not (build / "oxigraph").is_dir():
        parser.error(f"{build}: run `python -m bench.scale --size {args.size}` first")
    root = WORK.parent / f"virtuoso-{args.size}"
    loaded = root / "loaded.json"
    server = Virtuoso(root, max_rows=args.max_rows, buffers=args.buffers)
    server.start(timeout=600)
    try:
        if args.reuse and loaded.is_file():
            figures = json.loads(loaded.read_text()) | {"reused": True}
        else:
            figures = load(server, build)
            loaded.write_text(json.dumps(figures), encoding="utf-8")
        print(f"ccai load into Virtuoso: {figures}", flush=True)
        from bench import scale

        scale.RESULTS.mkdir(parents=True, exist_ok=True)
        if args.small_loads:
            small = small_loads(server, build, args.small_loads)
            print(f"small loads: {json.dumps(small, indent=1)}", flush=True)
            (scale.RESULTS / f"small-loads-{args.size}-virtuoso.json").write_text(
                json.dumps(small, indent=1) + "\n", encoding="utf-8"
            )
            return 0

        if args.reload:
            original = WORK / f"heritage-{args.size}-seed{args.seed}.nt.gz"
            again = reloads(server, build, args.reload, original)
            print(f"graph loaded again: {json.dumps(again, indent=1)}", flush=True)
            (scale.RESULTS / f"reload-{args.size}-virtuoso.json").write_text(
                json.dumps(again, indent=1) + "\n", encoding="utf-8"
            )
            return 0

        rows = same_rows(build, server.url + "/sparql", args.max_rows, args.timeout)
        print(f"the same rows on both backends: {json.dumps(rows)}", flush=True)
        (scale.RESULTS / f"rows-{args.size}-embedded-virtuoso.json").write_text(
            json.dumps(rows, indent=1) + "\n", encoding="utf-8"
        )
        if args.rows_only:
            return 0 if all(r["same"] for r in rows.values()) else 1
        serve = ["--remote-kind", "virtuoso"]
        return scale.main(
            [
                "--size",
                str(args.size),
                "--reps",
                str(args.reps),
                "--timeout",
                str(args.timeout),
                "--skip-project-mix",
                "--backend",
                "remote",
                "--query-endpoint",
                server.url + "/sparql",
                "--floor-endpoint",  # the dataset the service sends with every query
                server.url + "/sparql?default-graph-uri=" + quote(DEFAULT_GRAPH, safe=""),
                "--remote-load",
                json.dumps(figures),
                "--remote-max-rows",
                str(args.max_rows),
                *(f"--serve-arg={a}" for a in serve),
            ]
        )
    finally:
        server.stop()


if __name__ == "__main__":
    raise SystemExit(main())
