"""Inference: compiled rules (api.build.rules) against owlrl (api.build.reasoning).

``python -m bench.inference [--copies 1 5 20 200] [--owlrl-max 5]``

The data is the project's source graphs, copied ``k`` times under renamed IRIs
(``…/id/…`` → ``…/id/copy{i}/…``), so every copy uses the ontology's axioms as
the real data does. For each ``k``: owlrl (``reasoning.infer``, rdflib, only up
to ``--owlrl-max`` copies: it is the slow one), the rules through the build's
entry point (``rules.infer``: rdflib in and out) and the rules alone inside a
pyoxigraph store (``compile_rules`` + ``run_rules``: what a load runs), with
the kept entailments compared whenever owlrl ran.
"""

from __future__ import annotations

import argparse
import json
import time

import pyoxigraph as ox
from rdflib import Graph, URIRef

from api.build import reasoning, rules
from api.build.loader import load

ID = "https://w3id.org/ccai/id/"


def copies(data: Graph, k: int) -> Graph:
    out = Graph()
    for i in range(k):
        prefix = f"{ID}copy{i}/"

        def rename(term, prefix=prefix):
            if isinstance(term, URIRef) and str(term).startswith(ID):
                return URIRef(prefix + str(term)[len(ID) :])
            return term

        for s, p, o in data:
            out.add((rename(s), p, rename(o)))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.inference")
    parser.add_argument("--copies", type=int, nargs="+", default=[1, 5, 20, 200])
    parser.add_argument("--owlrl-max", type=int, default=5)
    args = parser.parse_args(argv)
    loaded = load()
    source = loaded.source_union()
    records = []
    for k in args.copies:
        data = copies(source, k)
        record: dict[str, object] = {"copies": k, "data_triples": len(data)}
        if k <= args.owlrl_max:
            t = time.perf_counter()
            oracle = reasoning.infer(data, loaded.ontology, loaded.vocabularies)
            record["owlrl_seconds"] = round(time.perf_counter() - t, 2)
        else:
            oracle = None
        t = time.perf_counter()
        result = rules.infer(data, loaded.ontology, loaded.vocabularies)
        record["rules_infer_seconds"] = round(time.perf_counter() - t, 2)
        record["kept"] = result.kept
        if oracle is not None:
            record["same_as_owlrl"] = set(result.graph) == set(oracle.graph)
        store = ox.Store()
        for graph in (loaded.ontology, loaded.vocabularies, data):
            store.load(graph.serialize(format="nt", encoding="utf-8"), ox.RdfFormat.N_TRIPLES)
        before = len(store)
        t = time.perf_counter()
        compiled = rules.compile_rules(store)
        rounds = rules.run_rules(store, compiled)
        record["rules_in_store_seconds"] = round(time.perf_counter() - t, 2)
        record["rounds"] = rounds
        record["store_added"] = len(store) - before
        records.append(record)
        print(json.dumps(record), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
