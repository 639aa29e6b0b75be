"""The statistics of a store after triples were added to it, counted over those triples only.

:meth:`DatasetStatistics.from_store <api.fair.statistics.DatasetStatistics.from_store>`
reads the whole default graph: 8 s at 10⁶ triples, minutes at 10⁷. A
``ccai load`` that only adds to the default graph (a new named graph whose
entailments are inferred from its own triples, :mod:`api.load`) knows which
triples it added: :func:`statistics_after_adding` updates the statistics
recorded before the load with them, at a cost in the added triples, not in the
store. Every figure has the definition of :mod:`api.fair.statistics` (a test
requires equality with a full count):

* triples, property and class partitions, links, language literals: each
  added triple is new to the default graph (a set), so it adds one to each
  count it falls in;
* subjects and objects: counted before the triples go in, a term is new when
  the default graph has no triple with it; counted once they are in (a load's
  entailments), when every triple of the default graph with it is one of the
  added ones (read from the subject or object index until one that is not);
* entities and the first entity of each kind: the new subjects under the URI
  space;
* years: the date literals of the loaded graph (a source graph), whether or not
  the default graph held them already;
* named graphs: left to the caller, who counts the graphs it wrote
  (:class:`api.build.recorded.Additions`).

Nothing is ever subtracted: a load that removes triples (a graph loaded again,
a whole-store inference) counts everything again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pyoxigraph as ox

from api.fair.statistics import (
    DatasetStatistics,
    count_links,
    examples_of,
    first_of_kind,
    is_entity,
    language_counts,
    languages_of,
    partition_counts,
    select_rows,
    vocabularies_of,
    year_of,
)

__all__ = ["statistics_after_adding"]

_EVERYTHING = ox.DefaultGraph()
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def statistics_after_adding(
    before: DatasetStatistics,
    store: ox.Store,
    *,
    added: str,
    inserted: bool,
    sources: Iterable[str] = (),
) -> DatasetStatistics:
    """``before`` (the statistics of the store's default graph) with the triples of graph
    ``added`` that the default graph gains counted in.

    ``inserted``: whether the default graph already holds them, in which case every
    triple of ``added`` is one it lacked before (a load's entailments, inserted as they
    were found); else the default graph is still as ``before`` describes it, and the
    triples of ``added`` it lacks are counted as about to be added (the loaded data,
    counted before it goes in). ``sources``: source graphs whose date literals are
    candidate years. The named graphs are left as they were (the caller's counts).
    """
    graph = ox.NamedNode(added)
    pattern = f"GRAPH <{graph.value}> {{ ?s ?p ?o }}"
    if not inserted:
        pattern += " FILTER NOT EXISTS { ?s ?p ?o }"
    properties = partition_counts(
        store, f"SELECT ?p (COUNT(*) AS ?n) WHERE {{ {pattern} }} GROUP BY ?p"
    )
    classes = partition_counts(
        store,
        f"SELECT ?o (COUNT(*) AS ?n) WHERE {{ {pattern} FILTER(?p = <{_RDF_TYPE}>) }} GROUP BY ?o",
    )
    languages = language_counts(
        store,
        f"SELECT ?lang (COUNT(*) AS ?n) WHERE {{ {pattern} FILTER(isLiteral(?o)) }}"
        " GROUP BY (LANG(?o) AS ?lang)",
    )

    def new(quads: Iterable[ox.Quad]) -> bool:
        if not inserted:  # the default graph holds none of the added triples yet
            return next(iter(quads), None) is None
        return all(ox.Quad(q.subject, q.predicate, q.object, graph) in store for q in quads)

    new_subjects = 0
    new_entities: list[str] = []
    for (subject,) in select_rows(store, f"SELECT DISTINCT ?s WHERE {{ {pattern} }}"):
        if new(store.quads_for_pattern(subject, None, None, _EVERYTHING)):
            new_subjects += 1
            if is_entity(subject):
                new_entities.append(subject.value)

    new_objects = 0
    links = dict(before.links)
    for (obj,) in select_rows(store, f"SELECT DISTINCT ?o WHERE {{ {pattern} }}"):
        if new(store.quads_for_pattern(None, None, obj, _EVERYTHING)):
            new_objects += 1
        count_links(store, obj, graph, links, unless_in=None if inserted else _EVERYTHING)

    first = first_of_kind([*before.first_of_kind.values(), *new_entities])
    property_partitions = _plus(before.property_partitions, properties)
    class_partitions = _plus(before.class_partitions, classes)
    language_literals = _plus(before.language_literals, languages)
    return DatasetStatistics(
        triples=before.triples + sum(properties.values()),
        entities=before.entities + len(new_entities),
        distinct_subjects=before.distinct_subjects + new_subjects,
        distinct_objects=before.distinct_objects + new_objects,
        properties=len(property_partitions),
        classes=len(class_partitions),
        class_partitions=class_partitions,
        property_partitions=property_partitions,
        graphs=before.graphs,
        vocabularies=vocabularies_of(property_partitions, class_partitions),
        links=dict(sorted(links.items())),
        first_of_kind=first,
        example_resources=examples_of(first),
        language_literals=language_literals,
        languages=tuple(languages_of(language_literals)),
        years=_span(before.years, _years_stated_in(store, sources)),
    )


def _plus(before: Mapping[str, int], added: Mapping[str, int]) -> dict[str, int]:
    total = dict(before)
    for key, n in added.items():
        total[key] = total.get(key, 0) + n
    return dict(sorted(total.items()))


def _years_stated_in(store: ox.Store, sources: Iterable[str]) -> list[int]:
    years = []
    for source in sources:
        query = (
            f"SELECT DISTINCT ?o WHERE {{ GRAPH <{ox.NamedNode(source).value}> {{ ?s ?p ?o }}"
            " FILTER(isLiteral(?o)) }"
        )
        years += [y for (o,) in select_rows(store, query) if (y := year_of(o)) is not None]
    return years


def _span(before: tuple[int, int] | None, added: list[int]) -> tuple[int, int] | None:
    known = [*(before or ()), *added]
    return (min(known), max(known)) if known else None
