"""Precision and recall of ``/reconcile`` on a labelled set built from the graph's own names.

Run: ``.venv/bin/python -m bench.reconcile_eval [--seed N] [--json FILE]``.
Not part of ``pytest`` (``tests/reconcile`` checks behaviours; this measures).

The graph (ontology, vocabularies, ``graph/*.ttl``) is loaded into an in-memory
Oxigraph store laid out as a build lays it out, and the service is built from
it exactly as the app's lifespan builds it. The labelled set:

* for every **named entity** (organisations, persons, networks, projects,
  programmes, platforms, events, places, skills alliances, funding measures,
  documents) and each of its names (``rdfs:label``, ``skos:altLabel``, …):
  the name as printed (**exact**); **case** changed (upper, or lower for an
  all-caps name); **accents stripped** (names with non-ASCII letters);
  **word order** changed (the words rotated by one; 2+ words); **one typo**
  (two adjacent letters of the longest word swapped, or one letter dropped,
  chosen with the seed; words of 5+ letters);
* **acronym → entity**: for every organisation name of 3+ significant words,
  its acronym in capitals (``European Investment Fund`` → ``EIF``);
* **full name → acronym-named entity**: full names that sources print for
  entities the graph names by acronym only (:data:`FULL_NAMES`);
* **Dutch label**: every ``@nl`` name of an entity (challenges, opportunities,
  applications of the Dutch article), as the query;
* **negatives**: institutions that are not in the graph (:data:`NEGATIVES`);
  the right answer is no match.

A query's expected answer is the entity whose name it was built from; when
another entity has the same normalised name (the European Union is an
organisation and a place), either counts as correct for the *top candidate*
only if a type filter is given, so the untyped figures count such a top
candidate as correct when it is one of the entities with that exact name.

Measured, untyped (no ``type``) and typed (the entity's class, as OpenRefine
sends after type guessing):

* **top-1 precision** = correct top candidates / queries with a candidate;
  **top-1 recall** = correct top candidates / queries with an answer;
* **match precision** = correct ``match: true`` / all ``match: true``
  (negatives included); **match recall** = correct ``match: true`` / queries
  with an answer.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import time
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from api.reconcile.index import CCAI, ReconIndex, normalise
from api.reconcile.models import Query
from api.reconcile.service import ReconcileService
from api.resources import graph_dir, ontology_dir, vocabularies_dir
from api.store.layout import materialise
from api.store.oxigraph import OxigraphStore
from api.store.reader import Reader

G = "https://w3id.org/ccai/graph/"
NAMED = [
    "Organisation",
    "Person",
    "Network",
    "Project",
    "Programme",
    "Platform",
    "Event",
    "Place",
    "SkillsAlliance",
    "FundingMeasure",
    "Document",
]
#: Full names printed by the sources (or their README) for entities the graph names by acronym.
FULL_NAMES = {
    "id/organisation/nemo": "Network of European Museum Organisations",
    "id/organisation/oecd": "Organisation for Economic Co-operation and Development",
    "id/organisation/unesco": "United Nations Educational, Scientific and Cultural Organization",
    "id/organisation/cnrs": "Centre national de la recherche scientifique",
}
#: Cultural institutions and bodies that the graph does not describe.
NEGATIVES = [
    "Rijksmuseum",
    "British Museum",
    "Museo Nacional del Prado",
    "Galleria degli Uffizi",
    "Smithsonian Institution",
    "Tate Modern",
    "Van Gogh Museum",
    "Deutsches Museum",
    "Ars Electronica",
    "Stedelijk Museum Amsterdam",
    "Museum of Modern Art",
    "Getty Research Institute",
    "Koninklijke Bibliotheek",
    "Bibliothèque nationale de France",
    "Wikimedia Foundation",
    "Europeana Foundation",
    "Network of European Film Archives",
    "Museum für Naturkunde Berlin",
    "Statens Museum for Kunst",
    "Royal Museums of Fine Arts of Belgium",
    "International Council of Archives",
    "Creative Europe Desk Denmark",
    "Ateneum Art Museum",
    "Louvre Abu Dhabi",
]


@dataclass(frozen=True)
class Case:
    variant: str
    query: str
    expected: frozenset[str]  # acceptable ids (empty: nothing should match)
    type_id: str | None


def load_store() -> ox.Store:
    store = ox.Store()
    turtle = ox.RdfFormat.TURTLE
    store.load(
        path=str(ontology_dir() / "ccai.ttl"), format=turtle, to_graph=ox.NamedNode(G + "ontology")
    )
    for path in sorted(vocabularies_dir().glob("*.ttl")):
        store.load(path=str(path), format=turtle, to_graph=ox.NamedNode(G + "vocabularies"))
    for path in sorted(graph_dir().glob("*.ttl")):
        store.load(path=str(path), format=turtle, to_graph=ox.NamedNode(G + path.stem))
    materialise(store)
    return store


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def typo(text: str, rng: random.Random) -> str | None:
    words = text.split()
    longest = max(range(len(words)), key=lambda i: len(words[i]))
    word = words[longest]
    if len(word) < 5:
        return None
    i = rng.randrange(1, len(word) - 2)
    if rng.random() < 0.5:
        changed = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    else:
        changed = word[:i] + word[i + 1 :]
    if changed == word:
        return None
    words[longest] = changed
    return " ".join(words)


def build_cases(index: ReconIndex, seed: int) -> list[Case]:
    rng = random.Random(seed)
    same_name: dict[str, set[str]] = defaultdict(set)
    for r in index.resources:
        for n in r.names:
            same_name[n.text.text].add(r.id)
    cases: list[Case] = []
    named = {CCAI + n for n in NAMED}

    def add(variant: str, query: str, resource_id: str, type_id: str | None) -> None:
        expected = {resource_id} | same_name.get(normalise(query), set())
        if variant not in ("exact", "case", "accents stripped", "word order"):
            expected = {resource_id}
        cases.append(Case(variant, query, frozenset(expected), type_id))

    for r in index.resources:
        types = index.type_refs(r)
        type_id = types[0] if types else None
        if not r.classes & named:
            for n in r.names:
                if n.language == "nl" and r.id.startswith("id/"):
                    add("Dutch label", n.label, r.id, type_id)
            continue
        for n in {n.label: n for n in r.names}.values():
            label = n.label
            add("exact", label, r.id, type_id)
            add("case", label.lower() if label.isupper() else label.upper(), r.id, type_id)
            if strip_accents(label) != label:
                add("accents stripped", strip_accents(label), r.id, type_id)
            words = label.split()
            if len(words) >= 2:
                add("word order", " ".join(words[1:] + words[:1]), r.id, type_id)
            wrong = typo(label, rng)
            if wrong:
                add("one typo", wrong, r.id, type_id)
            significant = [
                w
                for w in normalise(label).split()
                if w not in ("of", "the", "and", "for", "de", "la", "van")
            ]
            if CCAI + "Organisation" in r.classes and len(significant) >= 3:
                add(
                    "acronym of a full name",
                    "".join(w[0] for w in significant).upper(),
                    r.id,
                    type_id,
                )
            if n.language == "nl":
                add("Dutch label", label, r.id, type_id)
    for entity, full in FULL_NAMES.items():
        if index.resource(entity) is not None:
            add("full name of an acronym", full, entity, "Organisation")
    known = set(same_name)
    for name in NEGATIVES:
        if normalise(name) not in known:
            cases.append(Case("not in the graph", name, frozenset(), "Organisation"))
    return cases


@dataclass
class Tally:
    queries: int = 0
    answerable: int = 0
    with_candidate: int = 0
    top_correct: int = 0
    matches: int = 0
    match_correct: int = 0

    def add(self, case: Case, candidates: list[dict]) -> None:
        self.queries += 1
        self.answerable += bool(case.expected)
        if candidates:
            self.with_candidate += 1
            self.top_correct += candidates[0]["id"] in case.expected
        matched = [c for c in candidates if c["match"]]
        self.matches += len(matched)
        self.match_correct += sum(c["id"] in case.expected for c in matched)

    def figures(self) -> dict[str, float | int | None]:
        def ratio(a: int, b: int) -> float | None:
            return round(a / b, 3) if b else None

        return {
            "queries": self.queries,
            "top1_precision": ratio(self.top_correct, self.with_candidate),
            "top1_recall": ratio(self.top_correct, self.answerable),
            "match_precision": ratio(self.match_correct, self.matches),
            "match_recall": ratio(self.match_correct, self.answerable),
            "matches": self.matches,
        }


async def evaluate(seed: int) -> dict:
    store = OxigraphStore(load_store())
    await store.start()
    reader = Reader(store, timeout=600)
    started = time.perf_counter()
    service = await ReconcileService.start(reader, "http://127.0.0.1:8000/")
    build_seconds = time.perf_counter() - started
    cases = build_cases(service.index, seed)
    report: dict = {"seed": seed, "index_build_seconds": round(build_seconds, 3), "modes": {}}
    for mode in ("untyped", "typed"):
        tallies: dict[str, Tally] = defaultdict(Tally)
        timings: list[float] = []
        for case in cases:
            classes: tuple[str, ...] = ()
            if mode == "typed" and case.type_id:
                iri = service.index.class_iri(case.type_id)
                classes = (iri,) if iri else ()
            query = Query(text=case.query, classes=classes, limit=5)
            t0 = time.perf_counter()
            (candidates,) = await service._candidates([query])
            timings.append(time.perf_counter() - t0)
            tallies[case.variant].add(case, candidates)
            tallies["all"].add(case, candidates)
        report["modes"][mode] = {
            "variants": {v: t.figures() for v, t in sorted(tallies.items())},
            "latency_ms_p50": round(statistics.median(timings) * 1000, 2),
            "latency_ms_p95": round(sorted(timings)[int(0.95 * len(timings))] * 1000, 2),
        }
    await store.close()
    return report


def table(report: dict) -> str:
    def fmt(v: float | int | None) -> str:
        return "–" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)

    columns = ["top-1 P", "top-1 R", "match P", "match R"]
    header = ["variant", "queries", *columns, *(f"{c} (typed)" for c in columns)]
    lines = ["| " + " | ".join(header) + " |", "|---|" + "---:|" * (len(header) - 1)]
    untyped, typed = report["modes"]["untyped"]["variants"], report["modes"]["typed"]["variants"]
    order = [v for v in untyped if v != "all"] + ["all"]
    for v in order:
        u, t = untyped[v], typed[v]
        keys = ["top1_precision", "top1_recall", "match_precision", "match_recall"]
        cells = [v, str(u["queries"]), *(fmt(u[k]) for k in keys), *(fmt(t[k]) for k in keys)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=20241201)
    parser.add_argument("--json", type=Path, help="write the full report here")
    args = parser.parse_args(argv)
    report = asyncio.run(evaluate(args.seed))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(table(report))
    for mode, data in report["modes"].items():
        print(f"{mode}: p50 {data['latency_ms_p50']} ms, p95 {data['latency_ms_p95']} ms per query")
    print(f"index built in {report['index_build_seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
