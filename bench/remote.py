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
3. :mod:`bench.scale` with ``--backend remote``: the floor is Virtuoso's own endpoint
   (the same query texts, with the same default graph as the service sends), the
   API the service on the remote backend over the same build folder (its label
   index, recorded counts and statistics);
4. Virtuoso stopped, its database left for ``--reuse``.

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


def load(server: Virtuoso, build: Path) -> dict:
    """``ccai load --build`` into ``server``, in a child process (wall time, peak RSS)."""
    argv = [sys.executable, "-m", "api.cli", "load", "--quiet", "--build", str(build)]
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
        "output": out.stdout.strip().splitlines()[-1:],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.remote", description=__doc__)
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--buffers", type=int, default=340_000)
    parser.add_argument("--max-rows", type=int, default=200_000)
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--reuse", action="store_true", help="Virtuoso's database as loaded before")
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
