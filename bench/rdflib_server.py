"""rdflib-endpoint over the same quads, for the benchmark (``python -m bench.rdflib_server``).

    python -m bench.rdflib_server --port N FILE.nq [FILE.nq ...]

Loads the N-Quads files into an rdflib ``Dataset(default_union=True)`` (the
default graph is the union of the named graphs, as on the ccai endpoint) and
serves it with ``rdflib_endpoint.SparqlEndpoint`` at ``/sparql`` on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import sys
import time


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.rdflib_server")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("files", nargs="+")
    args = parser.parse_args(argv)

    import uvicorn
    from rdflib import Dataset
    from rdflib_endpoint import SparqlEndpoint

    started = time.perf_counter()
    dataset = Dataset(default_union=True)
    for path in args.files:
        dataset.parse(path, format="nquads")
    sys.stderr.write(
        f"bench.rdflib_server: loaded {len(dataset)} triples (union) "
        f"in {time.perf_counter() - started:.1f} s\n"
    )
    sys.stderr.flush()
    app = SparqlEndpoint(
        graph=dataset,
        path="/sparql",
        public_url=f"http://127.0.0.1:{args.port}/sparql",
        cors_enabled=False,
    )
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
