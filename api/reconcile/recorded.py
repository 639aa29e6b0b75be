"""The rows of the reconciliation index, recorded with the build: no store read at start-up.

:func:`~api.reconcile.index.read_rows` reads four SELECTs over the whole
graph (``sparql/names.rq``, ``types.rq``, ``classes.rq``,
``properties.rq``); at 10⁶ triples they scan every label and every typed
subject, which made the service's start-up wait (6 s at 2×10⁴ triples on a
loaded machine). ``ccai build`` and ``ccai load`` run them once, offline
(:func:`read_store`), and record their rows in the store's folder
(:data:`RECONCILE_FILE`, beside the triple counts of :mod:`api.store.layout`)
with the per-graph triple counts of the store they describe. The service
builds its index from them (:func:`recorded_rows`, then
:meth:`~api.reconcile.index.ReconIndex.from_recorded`) when those counts are
the counts of the store it serves, and reads the store otherwise (a remote
store holding other data, a build from before the rows were recorded).

The rows are plain values, each query's columns in its ``SELECT`` order
(:class:`Rows`). Only the reconcilable resources are in them (entities,
concepts, schemes and source documents under ``https://w3id.org/ccai/``):
data loaded under other IRIs adds nothing, however large.

>>> import tempfile
>>> from api.store.layout import TripleCounts, select
>>> rows = Rows(names=[("https://w3id.org/ccai/id/organisation/nemo", "rdfs:label", "NEMO", None)])
>>> counts = TripleCounts(1, 1, 0, {"https://w3id.org/ccai/graph/a": 1})
>>> folder = tempfile.mkdtemp()
>>> _ = write_rows(folder, rows, counts)
>>> recorded_rows(folder, counts) == rows
True
>>> recorded_rows(folder, TripleCounts(2, 2, 0, {"https://w3id.org/ccai/graph/a": 2})) is None
True
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from api.store.layout import TripleCounts, select

from .queries import render

#: The recorded rows, a file inside the store's folder (beside the counts).
RECONCILE_FILE = "ccai-reconcile.json"
_FORMAT = 1

Name = tuple[str, str, str, str | None]  # subject, predicate, name, language
Type = tuple[str, str | None, str | None, str | None]  # subject, type, description, language
Class = tuple[str, str | None, str | None, str | None, str | None]  # class, label, lang, def, super
Property = tuple[str, str, int, str | None]  # type, predicate, uses, label


@dataclass(frozen=True)
class Rows:
    """What the four start-up queries return, as plain values."""

    names: list[Name] = field(default_factory=list)
    types: list[Type] = field(default_factory=list)
    classes: list[Class] = field(default_factory=list)
    properties: list[Property] = field(default_factory=list)


def _value(term: object) -> str | None:
    return None if term is None else str(getattr(term, "value", term))


def _language(term: object) -> str | None:
    return getattr(term, "language", None) or None


def rows_of(results: Mapping[str, Iterable[Mapping[str, Any]]]) -> Rows:
    """:class:`Rows` from each query's solutions (``{"names": rows, …}``), whose values
    are pyoxigraph terms or ``None`` (what the :class:`~api.store.reader.Reader` reads)."""
    return Rows(
        names=[
            (str(_value(r["s"])), str(_value(r["p"])), str(_value(r["name"])), _language(r["name"]))
            for r in results["names"]
        ],
        types=[
            (
                str(_value(r["s"])),
                _value(r["type"]),
                _value(r["description"]),
                _language(r["description"]),
            )
            for r in results["types"]
        ],
        classes=[
            (
                str(_value(r["class"])),
                _value(r["label"]),
                _language(r["label"]),
                _value(r["definition"]),
                _value(r["super"]),
            )
            for r in results["classes"]
        ],
        properties=[
            (
                str(_value(r["type"])),
                str(_value(r["p"])),
                int(str(_value(r["uses"]))),
                _value(r["label"]),
            )
            for r in results["properties"]
        ],
    )


QUERIES = ("names", "types", "classes", "properties")


#: The namespaces of the reconcilable resources, as ``names.rq`` and ``types.rq`` filter
#: their subjects (a test holds the two to the same rows).
RECONCILABLE = (
    "https://w3id.org/ccai/id/",
    "https://w3id.org/ccai/vocab/",
    "https://w3id.org/ccai/source/",
)


def read_store(store: ox.Store) -> Rows:
    """Run the four queries on a pyoxigraph store of this process (its default graph,
    laid out as built: asserted and inferred triples), with no time limit.

    ``names.rq`` and ``types.rq`` match only triples whose subject is reconcilable, so
    they run on a small store of those triples (:func:`_reconcilable_triples`) and
    give the same rows: at 10⁷ triples they scanned 2.2 million labels and a million
    types, 39 s, to keep about 4,000 rows (``bench/README.md``).
    """

    def solutions(name: str, on: ox.Store) -> list[dict[str, Any]]:
        found = select(on, render(name))
        names = [v.value for v in found.variables]
        return [{n: solution[n] for n in names} for solution in found]

    own = _reconcilable_triples(store)
    return rows_of(
        {
            "names": solutions("names", own),
            "types": solutions("types", own),
            "classes": solutions("classes", store),
            "properties": solutions("properties", store),
        }
    )


def _reconcilable_triples(store: ox.Store) -> ox.Store:
    """An in-memory store whose default graph holds the triples of ``store``'s default
    graph whose subject is an IRI in :data:`RECONCILABLE`: each distinct subject is
    read once (pyoxigraph's ``DISTINCT`` over the subject index), those kept looked up."""
    everything = ox.DefaultGraph()
    own = ox.Store()
    for (subject,) in select(store, "SELECT DISTINCT ?s WHERE { ?s ?p ?o }"):
        if type(subject) is ox.NamedNode and subject.value.startswith(RECONCILABLE):
            own.extend(
                ox.Quad(q.subject, q.predicate, q.object)
                for q in store.quads_for_pattern(subject, None, None, everything)
            )
    return own


#: Whether a triple of a graph (``%s``) can change what the four queries read: its subject
#: is one of ours (an entity, concept, scheme or source: :data:`RECONCILABLE`, or a term of
#: the ontology) or one of the two SKOS classes ``classes.rq`` lists, it extends a
#: superclass path, or it labels a predicate (``properties.rq`` shows predicates'
#: labels). Other IRIs under ``https://w3id.org/ccai/`` (the benchmark's heritage data)
#: are no subjects of the queries.
_TOUCHES = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
ASK { GRAPH <%s> { ?s ?p ?o }
  FILTER((isIRI(?s) && (STRSTARTS(STR(?s), "https://w3id.org/ccai/id/")
      || STRSTARTS(STR(?s), "https://w3id.org/ccai/vocab/")
      || STRSTARTS(STR(?s), "https://w3id.org/ccai/source/")
      || STRSTARTS(STR(?s), "https://w3id.org/ccai/ontology")))
    || ?s IN (skos:Concept, skos:ConceptScheme)
    || ?p = rdfs:subClassOf
    || (?p = rdfs:label && EXISTS { { ?x ?s ?y } UNION { GRAPH <%s> { ?x ?s ?y } } })) }"""


def rows_touched_by(store: ox.Store, graph: str) -> bool:
    """Whether adding the triples of ``graph`` to the default graph of ``store`` (before or
    after they are in it) can change
    the rows (:data:`QUERIES`): when not, the rows recorded before stand (``ccai load`` of
    an institution's data, whose subjects are its own, reads none of them again)."""
    iri = ox.NamedNode(graph).value
    return bool(store.query(_TOUCHES % (iri, iri)))


def write_rows(store_dir: str | Path, rows: Rows, counts: TripleCounts) -> Path:
    """Record ``rows`` (read from a store of ``counts``) in the store's folder, replaced
    atomically; whatever changes the store writes them again, as it does the counts."""
    path = Path(store_dir) / RECONCILE_FILE
    payload = {
        "format": _FORMAT,
        "total": counts.total,
        "graphs": dict(counts.graphs),
        "names": rows.names,
        "types": rows.types,
        "classes": rows.classes,
        "properties": rows.properties,
    }
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(payload, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def recorded_rows(store_dir: str | Path, counts: TripleCounts) -> Rows | None:
    """The recorded rows when they were read from a store of ``counts``, else ``None``
    (also when the file is missing, unreadable or of another format)."""
    try:
        data = json.loads((Path(store_dir) / RECONCILE_FILE).read_text(encoding="utf-8"))
        if data.get("format") != _FORMAT:
            return None
        if int(data["total"]) != counts.total or data["graphs"] != dict(counts.graphs):
            return None
        return Rows(
            names=[_tuple(r, 4, (str, str, str, _opt)) for r in data["names"]],
            types=[_tuple(r, 4, (str, _opt, _opt, _opt)) for r in data["types"]],
            classes=[_tuple(r, 5, (str, _opt, _opt, _opt, _opt)) for r in data["classes"]],
            properties=[_tuple(r, 4, (str, str, int, _opt)) for r in data["properties"]],
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _opt(value: object) -> str | None:
    return None if value is None else str(value)


def _tuple(row: list[Any], width: int, kinds: tuple[Callable[[Any], Any], ...]) -> Any:
    if not isinstance(row, list) or len(row) != width:
        raise ValueError("a recorded row of the wrong width")
    return tuple(kind(value) for kind, value in zip(kinds, row, strict=True))
