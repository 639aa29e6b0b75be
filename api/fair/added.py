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
  (:class:`api.build.recorded.Changes`).

A graph loaded again can also take triples out of the default graph (those
it no longer states, with what they alone entailed). :func:`statistics_after_changing`
counts in what the default graph gained and what it lost, each in a graph of its
own, with the same definitions: a triple gained adds one to each count it falls
in and a triple lost takes one off; a subject or object is new when the default
graph holds it now and held it before in none of its triples (those lost, or
those it still holds that were not gained), gone the other way round. Two figures
cannot be taken back from what is lost alone, so the load counts everything again
when one would have to be: the first entity of a kind gone, or a date literal of the
first or last year no longer stated (another literal may or may not give that
year). A whole-store inference counts everything again too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

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

__all__ = ["statistics_after_adding", "statistics_after_changing"]

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
    counted = _Counted.of(store, pattern)

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

    return _with(
        before,
        store,
        entities=before.entities + len(new_entities),
        subjects=before.distinct_subjects + new_subjects,
        objects=before.distinct_objects + new_objects,
        first=first_of_kind([*before.first_of_kind.values(), *new_entities]),
        property_partitions=_plus(before.property_partitions, counted.properties),
        class_partitions=_plus(before.class_partitions, counted.classes),
        language_literals=_plus(before.language_literals, counted.languages),
        links=dict(sorted(links.items())),
        sources=sources,
    )


def statistics_after_changing(
    before: DatasetStatistics,
    store: ox.Store,
    *,
    gained: str,
    lost: str,
    sources: Iterable[str] = (),
    unstated: Iterable[str] = (),
) -> DatasetStatistics | None:
    """``before`` (the statistics of the store's default graph) once the default graph
    gained the triples of graph ``gained`` (none of which it held before) and lost those
    of graph ``lost`` (all of which it held before, none of which it holds now): the
    changes are in place, the two graphs beside them.

    ``sources``: source graphs whose date literals are candidate years; ``unstated``:
    graphs of the triples that source graphs no longer state. ``None`` when a figure
    needs a full count (the module doc): the first entity of a kind lost, or a date
    literal of the first or last year no longer stated. The named graphs are left as
    they were (the caller's counts).
    """
    if before.years is not None and set(before.years) & set(_years_stated_in(store, unstated)):
        return None
    plus, minus = ox.NamedNode(gained), ox.NamedNode(lost)
    gained_graph, lost_graph = _Counted.of_graph(store, plus), _Counted.of_graph(store, minus)
    both = f"VALUES ?g {{ <{plus.value}> <{minus.value}> }} GRAPH ?g {{ ?s ?p ?o }}"

    subjects = 0
    new_entities: list[str] = []
    gone_entities: set[str] = set()
    for (subject,) in select_rows(store, f"SELECT DISTINCT ?s WHERE {{ {both} }}"):
        now, then = _held(store, subject, None, gained=plus, lost=minus)
        subjects += int(now) - int(then)
        if is_entity(subject) and now and not then:
            new_entities.append(subject.value)
        elif is_entity(subject) and then and not now:
            gone_entities.add(subject.value)
    if gone_entities & set(before.first_of_kind.values()):
        return None
    objects = 0
    for (obj,) in select_rows(store, f"SELECT DISTINCT ?o WHERE {{ {both} }}"):
        now, then = _held(store, None, obj, gained=plus, lost=minus)
        objects += int(now) - int(then)

    return _with(
        before,
        store,
        entities=before.entities + len(new_entities) - len(gone_entities),
        subjects=before.distinct_subjects + subjects,
        objects=before.distinct_objects + objects,
        first=first_of_kind([*before.first_of_kind.values(), *new_entities]),
        property_partitions=_minus(
            _plus(before.property_partitions, gained_graph.properties), lost_graph.properties
        ),
        class_partitions=_minus(
            _plus(before.class_partitions, gained_graph.classes), lost_graph.classes
        ),
        language_literals=_minus(
            _plus(before.language_literals, gained_graph.languages), lost_graph.languages
        ),
        links=_minus(_plus(before.links, gained_graph.links), lost_graph.links),
        sources=sources,
    )


def _with(
    before: DatasetStatistics,
    store: ox.Store,
    *,
    entities: int,
    subjects: int,
    objects: int,
    first: dict[str, str],
    property_partitions: dict[str, int],
    class_partitions: dict[str, int],
    language_literals: dict[str, int],
    links: dict[tuple[str, str], int],
    sources: Iterable[str],
) -> DatasetStatistics:
    """The statistics of these counts, the figures that follow from them derived (the
    triples from the property partitions, the vocabularies, examples, languages), the
    years of ``before`` spanned to those of the date literals of ``sources``."""
    return DatasetStatistics(
        triples=sum(property_partitions.values()),
        entities=entities,
        distinct_subjects=subjects,
        distinct_objects=objects,
        properties=len(property_partitions),
        classes=len(class_partitions),
        class_partitions=class_partitions,
        property_partitions=property_partitions,
        graphs=before.graphs,
        vocabularies=vocabularies_of(property_partitions, class_partitions),
        links=links,
        first_of_kind=first,
        example_resources=examples_of(first),
        language_literals=language_literals,
        languages=tuple(languages_of(language_literals)),
        years=_span(before.years, _years_stated_in(store, sources)),
    )


def _held(
    store: ox.Store,
    subject: ox.NamedNode | ox.BlankNode | None,
    obj: ox.NamedNode | ox.BlankNode | ox.Literal | None,
    *,
    gained: ox.NamedNode,
    lost: ox.NamedNode,
) -> tuple[bool, bool]:
    """Whether the default graph holds a triple with ``subject`` (or ``obj``) now, and
    whether it held one before: a lost triple with it, or one it holds and did not gain
    (read from the subject or object index until one is found)."""
    now = next(iter(store.quads_for_pattern(subject, None, obj, _EVERYTHING)), None) is not None
    then = next(iter(store.quads_for_pattern(subject, None, obj, lost)), None) is not None or any(
        ox.Quad(q.subject, q.predicate, q.object, gained) not in store
        for q in store.quads_for_pattern(subject, None, obj, _EVERYTHING)
    )
    return now, then


@dataclass(frozen=True)
class _Counted:
    """What the triples matching a pattern add to the counted figures: triples per
    property, per class (``rdf:type`` triples: one subject each), per language, and,
    for a graph's triples, per link."""

    properties: dict[str, int]
    classes: dict[str, int]
    languages: dict[str, int]
    links: dict[tuple[str, str], int]

    @classmethod
    def of(cls, store: ox.Store, pattern: str) -> _Counted:
        """The figures of the triples matching ``pattern`` (``?s ?p ?o``); no links."""
        return cls(
            properties=partition_counts(
                store, f"SELECT ?p (COUNT(*) AS ?n) WHERE {{ {pattern} }} GROUP BY ?p"
            ),
            classes=partition_counts(
                store,
                f"SELECT ?o (COUNT(*) AS ?n) WHERE {{ {pattern} FILTER(?p = <{_RDF_TYPE}>) }}"
                " GROUP BY ?o",
            ),
            languages=language_counts(
                store,
                f"SELECT ?lang (COUNT(*) AS ?n) WHERE {{ {pattern} FILTER(isLiteral(?o)) }}"
                " GROUP BY (LANG(?o) AS ?lang)",
            ),
            links={},
        )

    @classmethod
    def of_graph(cls, store: ox.Store, graph: ox.NamedNode) -> _Counted:
        """The figures of the triples of ``graph``, links included."""
        pattern = f"GRAPH <{graph.value}> {{ ?s ?p ?o }}"
        counted = cls.of(store, pattern)
        for (obj,) in select_rows(store, f"SELECT DISTINCT ?o WHERE {{ {pattern} }}"):
            count_links(store, obj, graph, counted.links)
        return counted


_Key = TypeVar("_Key", str, tuple[str, str])


def _plus(before: Mapping[_Key, int], added: Mapping[_Key, int]) -> dict[_Key, int]:
    total = dict(before)
    for key, n in added.items():
        total[key] = total.get(key, 0) + n
    return dict(sorted(total.items()))


def _minus(before: Mapping[_Key, int], taken: Mapping[_Key, int]) -> dict[_Key, int]:
    """``before`` less ``taken``, without the keys counted down to nothing."""
    total = dict(before)
    for key, n in taken.items():
        total[key] = total.get(key, 0) - n
    return {key: n for key, n in sorted(total.items()) if n}


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
