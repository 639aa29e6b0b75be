"""Statistics of the knowledge graph, counted by SPARQL: :class:`DatasetStatistics`.

The VoID description (:mod:`api.fair.void`) and parts of the DCAT description
(languages, temporal coverage) are made from these numbers, never typed by hand.

Definitions (all over the *set* of distinct triples in the union of every graph
of the store, so that a triple asserted in two source graphs counts once):

=====================  ==========================================================
``triples``            distinct (s, p, o)
``entities``           distinct IRIs in subject position under the URI space
                       ``https://w3id.org/ccai/id/`` (VoID: an entity has an IRI
                       matching ``void:uriSpace``)
``distinct_subjects``  distinct subjects (IRIs and blank nodes)
``distinct_objects``   distinct objects (IRIs, blank nodes and literals)
``properties``         distinct predicates
``classes``            distinct objects of ``rdf:type``
``class_partitions``   class IRI -> distinct subjects typed with it
``property_partitions`` property IRI -> distinct triples using it
``graphs``             named graph IRI -> triples in that graph (per-graph count)
``vocabularies``       namespaces of every predicate and class used
``links``              (target key, predicate) -> distinct triples whose object
                       is an IRI of an external dataset (:data:`LINK_TARGETS`)
``first_of_kind``      entity kind (the path segment after ``/id/``) -> the
                       alphabetically first entity IRI of that kind
``example_resources``  up to five entity IRIs, the first of each kind
``language_literals``  primary language tag -> number of literals with it
``languages``          the tags of at least 1 % of the tagged literals (so a
                       university's Catalan motto does not make the dataset
                       Catalan): the languages of the dataset
``years``              (first, last) year of every date literal (``xsd:date``,
                       ``dateTime``, ``gYear``, ``gYearMonth``) in the source
                       graphs: publication dates, event and programme start and
                       end dates (not the ontology's, vocabularies' or inferred)
=====================  ==========================================================

**Recorded with the build.** Counting scans every triple (seconds at 10⁵,
past a query time limit at 10⁶), so ``ccai build`` and ``ccai load`` count
once and record the figures in the store's folder (:data:`STATISTICS_FILE`,
beside the triple counts of :mod:`api.store.layout`):
:func:`write_statistics`; the service reads them
(:func:`recorded_statistics`) when they describe the store it serves (same
triples per named graph as its counts) and counts only when they do not (a
remote store holding other data, a build from before they were recorded).

Example::

    >>> from rdflib import Dataset
    >>> ds = Dataset()
    >>> _ = ds.parse(data='<https://w3id.org/ccai/id/organisation/nemo> '
    ...     '<http://www.w3.org/2000/01/rdf-schema#label> "NEMO"@en '
    ...     '<https://w3id.org/ccai/graph/x> .', format="nquads")
    >>> stats = DatasetStatistics.from_dataset(ds)
    >>> stats.triples, stats.entities, stats.languages
    (1, 1, ('en',))
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import pyoxigraph as ox
from rdflib import Dataset

from api.namespaces import (
    ENTITY_KINDS,
    GRAPH_INFERRED,
    GRAPH_ONTOLOGY,
    GRAPH_VOCABULARIES,
    ID,
)
from api.store.layout import TripleCounts, materialise, stored_counts
from api.store.reader import Row, SyncReader

__all__ = [
    "LINK_TARGETS",
    "MIN_LANGUAGE_SHARE",
    "STATISTICS_FILE",
    "DatasetStatistics",
    "LinkTarget",
    "namespace_of",
    "read_statistics",
    "recorded_statistics",
    "write_statistics",
]

#: The statistics the build records, a file inside the store's folder (beside the counts).
STATISTICS_FILE = "ccai-statistics.json"
#: Version of that file's format (a file of another version is not read; 2: ``first_of_kind``).
_FORMAT = 2


@dataclass(frozen=True)
class LinkTarget:
    """An external dataset the graph links to, recognised by IRI prefix."""

    key: str
    title: str
    uri_space: str
    homepage: str | None = None
    exclude: tuple[str, ...] = ()  # prefixes under uri_space that are vocabularies

    def matches(self, iri: str) -> bool:
        return iri.startswith(self.uri_space) and not iri.startswith(self.exclude)


LINK_TARGETS: Final[tuple[LinkTarget, ...]] = (
    LinkTarget(
        "eli",
        "European Legislation Identifier (ELI) resources",
        "http://data.europa.eu/eli/",
        "https://eur-lex.europa.eu/",
        exclude=("http://data.europa.eu/eli/ontology",),
    ),
    LinkTarget(
        "eu-authority",
        "EU Vocabularies: authority tables of the Publications Office",
        "http://publications.europa.eu/resource/authority/",
        "https://op.europa.eu/en/web/eu-vocabularies",
    ),
    LinkTarget(
        "eurovoc",
        "EuroVoc",
        "http://eurovoc.europa.eu/",
        "https://op.europa.eu/en/web/eu-vocabularies",
    ),
    LinkTarget(
        "cordis",
        "CORDIS: EU research results",
        "https://cordis.europa.eu/",
        "https://cordis.europa.eu/",
    ),
    LinkTarget(
        "wikidata", "Wikidata", "http://www.wikidata.org/entity/", "https://www.wikidata.org/"
    ),
    LinkTarget(
        "getty-aat",
        "Getty Art & Architecture Thesaurus",
        "http://vocab.getty.edu/aat/",
        "http://vocab.getty.edu/",
    ),
    LinkTarget(
        "oecd-legal",
        "OECD Legal Instruments",
        "https://legalinstruments.oecd.org/",
        "https://legalinstruments.oecd.org/",
    ),
)

#: Graphs that are not about the sources (no source dates in them).
_NON_SOURCE_GRAPHS: Final = (GRAPH_ONTOLOGY, GRAPH_VOCABULARIES, GRAPH_INFERRED)
_DATE_TYPES: Final = ("date", "dateTime", "gYear", "gYearMonth")
_XSD = "http://www.w3.org/2001/XMLSchema#"
_DATE_TYPE_IRIS: Final = frozenset(_XSD + t for t in _DATE_TYPES)
_MAX_EXAMPLES: Final = 5
_SPACE: Final = str(ID)
_LINK_PREFIXES: Final = tuple(t.uri_space for t in LINK_TARGETS)

_DISTINCT = "SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o }"
_COUNTS = f"""
SELECT (COUNT(*) AS ?triples) (COUNT(DISTINCT ?s) AS ?subjects)
       (COUNT(DISTINCT ?o) AS ?objects) (COUNT(DISTINCT ?p) AS ?properties)
WHERE {{ {{ {_DISTINCT} }} }}"""
_ENTITIES = """
SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {
  ?s ?p ?o FILTER(isIRI(?s) && STRSTARTS(STR(?s), "%s")) }"""
_CLASSES = """
SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c"""
_PROPERTIES = f"""
SELECT ?p (COUNT(*) AS ?n) WHERE {{ {{ {_DISTINCT} }} }} GROUP BY ?p"""
_GRAPHS = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
_LINK_CANDIDATES = """
SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o FILTER(isIRI(?o) && (%s)) }"""
_EXAMPLES = """
SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(isIRI(?s) && STRSTARTS(STR(?s), "%s")) }"""
_LANGUAGES = f"""
SELECT ?lang (COUNT(*) AS ?n) WHERE {{
  {{ {_DISTINCT} }} BIND(LANG(?o) AS ?lang) FILTER(?lang != "") }} GROUP BY ?lang"""
#: A language is a language of the dataset from this share of the tagged literals on.
MIN_LANGUAGE_SHARE: Final = 0.01
_DATES = """
SELECT DISTINCT ?d WHERE {
  GRAPH ?g { ?s ?p ?d }
  FILTER(?g NOT IN (%s))
  FILTER(isLiteral(?d) && DATATYPE(?d) IN (%s))
}"""


def namespace_of(iri: str) -> str:
    """The namespace of a term: up to the last ``#``, else up to the last ``/``.

    >>> namespace_of("https://schema.org/name"), namespace_of("http://www.w3.org/ns/org#Post")
    ('https://schema.org/', 'http://www.w3.org/ns/org#')
    """
    cut = iri.rfind("#") if "#" in iri else iri.rfind("/")
    return iri[: cut + 1] if cut > 0 else iri


@dataclass(frozen=True)
class DatasetStatistics:
    """Counts and facts about the graph; see the module docstring for definitions."""

    triples: int = 0
    entities: int = 0
    distinct_subjects: int = 0
    distinct_objects: int = 0
    properties: int = 0
    classes: int = 0
    class_partitions: Mapping[str, int] = field(default_factory=dict)
    property_partitions: Mapping[str, int] = field(default_factory=dict)
    graphs: Mapping[str, int] = field(default_factory=dict)
    vocabularies: tuple[str, ...] = ()
    links: Mapping[tuple[str, str], int] = field(default_factory=dict)
    first_of_kind: Mapping[str, str] = field(default_factory=dict)
    example_resources: tuple[str, ...] = ()
    language_literals: Mapping[str, int] = field(default_factory=dict)
    languages: tuple[str, ...] = ()
    years: tuple[int, int] | None = None

    # --- constructors -----------------------------------------------------------
    @classmethod
    def from_reader(cls, reader: SyncReader) -> DatasetStatistics:
        """Count through the read facade (the service's default graph: a set)."""
        return cls._count(reader.rows)

    @classmethod
    def from_store(
        cls, store: ox.Store | str | Path, *, store_dir: str | Path | None = None
    ) -> DatasetStatistics:
        """Count over a built pyoxigraph store, or its directory (opened read-only).

        Offline (build, load, tools): no query time limit and no row cap. The
        store's own default graph is read directly: a set (:mod:`api.store.layout`),
        so no count needs ``DISTINCT`` over the triples, and what SPARQL filters
        slowly row by row (IRI prefixes, datatypes) is decided once per distinct
        subject or object here instead (:func:`_count_store`; 8 s instead of 42–51 s
        at 10⁶ triples, ``bench/README.md``). ``store_dir``: the folder of ``store``,
        whose recorded triple counts save a count.

        Raises:
            OSError: the directory holds no readable store.
        """
        if not isinstance(store, ox.Store):
            store_dir = store_dir if store_dir is not None else store
            store = ox.Store.read_only(str(store))
        return _count_store(cls, store, stored_counts(store, store_dir))

    @classmethod
    def from_dataset(cls, dataset: Dataset) -> DatasetStatistics:
        """Count over an rdflib Dataset (copied into an in-memory store laid out as built)."""
        store = ox.Store()
        data = dataset.serialize(format="nquads", encoding="utf-8")
        store.load(data, format=ox.RdfFormat.N_QUADS)
        materialise(store)
        return cls.from_store(store)

    # --- recorded with the build ------------------------------------------------
    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form (:meth:`from_dict` reads it back, equal)."""
        return {
            "format": _FORMAT,
            "triples": self.triples,
            "entities": self.entities,
            "distinct_subjects": self.distinct_subjects,
            "distinct_objects": self.distinct_objects,
            "properties": self.properties,
            "classes": self.classes,
            "class_partitions": dict(self.class_partitions),
            "property_partitions": dict(self.property_partitions),
            "graphs": dict(self.graphs),
            "vocabularies": list(self.vocabularies),
            "links": [[key, predicate, n] for (key, predicate), n in self.links.items()],
            "first_of_kind": dict(self.first_of_kind),
            "example_resources": list(self.example_resources),
            "language_literals": dict(self.language_literals),
            "languages": list(self.languages),
            "years": list(self.years) if self.years else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DatasetStatistics:
        """The statistics :meth:`as_dict` wrote.

        Raises:
            ValueError, KeyError, TypeError: not such a document (or another format).
        """
        if data.get("format") != _FORMAT:
            raise ValueError(f"statistics format {data.get('format')!r}, not {_FORMAT}")

        def counts(name: str) -> dict[str, int]:
            return {str(k): int(v) for k, v in data[name].items()}

        years = data["years"]
        first, last = (int(years[0]), int(years[1])) if years else (0, 0)
        return cls(
            triples=int(data["triples"]),
            entities=int(data["entities"]),
            distinct_subjects=int(data["distinct_subjects"]),
            distinct_objects=int(data["distinct_objects"]),
            properties=int(data["properties"]),
            classes=int(data["classes"]),
            class_partitions=counts("class_partitions"),
            property_partitions=counts("property_partitions"),
            graphs=counts("graphs"),
            vocabularies=tuple(str(v) for v in data["vocabularies"]),
            links={(str(k), str(p)): int(n) for k, p, n in data["links"]},
            first_of_kind={str(k): str(v) for k, v in data["first_of_kind"].items()},
            example_resources=tuple(str(v) for v in data["example_resources"]),
            language_literals=counts("language_literals"),
            languages=tuple(str(v) for v in data["languages"]),
            years=(first, last) if years else None,
        )

    def describes(self, counts: TripleCounts) -> bool:
        """Whether these statistics were counted on a store of these counts (the same
        distinct triples, the same named graphs of the same sizes)."""
        return self.triples == counts.total and dict(self.graphs) == dict(counts.graphs)

    # --- the counting -----------------------------------------------------------
    @classmethod
    def _count(cls, select: Callable[[str], list[Row]]) -> DatasetStatistics:
        space = str(ID)  # a constant of ours, safe to inline
        (counts,) = select(_COUNTS)
        class_partitions = {
            r["c"].value: _int(r["n"]) for r in select(_CLASSES) if isinstance(r["c"], ox.NamedNode)
        }
        property_partitions = {r["p"].value: _int(r["n"]) for r in select(_PROPERTIES)}
        graphs = {
            r["g"].value: _int(r["n"]) for r in select(_GRAPHS) if isinstance(r["g"], ox.NamedNode)
        }
        vocabularies = sorted({namespace_of(t) for t in [*property_partitions, *class_partitions]})

        prefixes = " || ".join(f'STRSTARTS(STR(?o), "{t.uri_space}")' for t in LINK_TARGETS)
        links: dict[tuple[str, str], int] = {}
        for row in select(_LINK_CANDIDATES % prefixes):
            target = link_target(row["o"])
            if target is not None:
                key = (target.key, row["p"].value)
                links[key] = links.get(key, 0) + 1

        language_literals: dict[str, int] = {}
        for row in select(_LANGUAGES):
            tag = row["lang"].value.split("-")[0]
            language_literals[tag] = language_literals.get(tag, 0) + _int(row["n"])
        languages = languages_of(language_literals)
        first = first_of_kind(r["s"].value for r in select(_EXAMPLES % space))
        return cls(
            triples=_int(counts["triples"]),
            entities=_int(select(_ENTITIES % space)[0]["n"]),
            distinct_subjects=_int(counts["subjects"]),
            distinct_objects=_int(counts["objects"]),
            properties=_int(counts["properties"]),
            classes=len(class_partitions),
            class_partitions=dict(sorted(class_partitions.items())),
            property_partitions=dict(sorted(property_partitions.items())),
            graphs=dict(sorted(graphs.items())),
            vocabularies=tuple(vocabularies),
            links=dict(sorted(links.items())),
            first_of_kind=first,
            example_resources=examples_of(first),
            language_literals=dict(sorted(language_literals.items())),
            languages=tuple(languages),
            years=_years(select),
        )


_SET_PROPERTIES = "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p"
#: Each distinct object with its triples: the language literals are counted from these
#: rows (a ``GROUP BY LANG(?o)`` over the triples took 5.8 s at 10⁶, this 2.3 s).
_SET_OBJECTS = "SELECT ?o (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?o"


def _count_store(
    cls: type[DatasetStatistics], store: ox.Store, counts: TripleCounts
) -> DatasetStatistics:
    """:meth:`DatasetStatistics._count`'s figures over a pyoxigraph store laid out as built,
    read from its default graph (a set of triples): the same definitions, fewer passes.

    * properties and triples: one ``GROUP BY ?p`` (no ``DISTINCT`` over the triples);
    * subjects: one ``SELECT DISTINCT ?s``, whose IRIs under the URI space are the
      entities and give the examples;
    * objects: one ``GROUP BY ?o`` with each object's triples, whose IRIs under a link
      target are the link objects (each then counted per predicate from the object
      index), whose language literals give the triples per language, and whose date
      literals are the candidate years (each then looked up in the source graphs,
      from the earliest and from the latest until one is found there);
    * classes: one ``GROUP BY``; named graphs: ``counts``.
    """
    everything = ox.DefaultGraph()
    property_partitions = partition_counts(store, _SET_PROPERTIES)
    class_partitions = partition_counts(store, _CLASSES)
    subjects = 0
    entities: list[str] = []
    for (subject,) in select_rows(store, "SELECT DISTINCT ?s WHERE { ?s ?p ?o }"):
        subjects += 1
        if is_entity(subject):
            entities.append(subject.value)

    objects = 0
    links: dict[tuple[str, str], int] = {}
    dates: list[tuple[int, ox.Literal]] = []
    language_literals: dict[str, int] = {}
    for obj, n in select_rows(store, _SET_OBJECTS):
        objects += 1
        if type(obj) is ox.Literal:
            tag = (obj.language or "").split("-")[0]
            if tag:
                language_literals[tag] = language_literals.get(tag, 0) + _int(n)
            year = year_of(obj)
            if year is not None:
                dates.append((year, obj))
        else:
            count_links(store, obj, everything, links)

    first = first_of_kind(entities)
    return cls(
        triples=sum(property_partitions.values()),
        entities=len(entities),
        distinct_subjects=subjects,
        distinct_objects=objects,
        properties=len(property_partitions),
        classes=len(class_partitions),
        class_partitions=dict(sorted(class_partitions.items())),
        property_partitions=dict(sorted(property_partitions.items())),
        graphs=dict(sorted(counts.graphs.items())),
        vocabularies=vocabularies_of(property_partitions, class_partitions),
        links=dict(sorted(links.items())),
        first_of_kind=first,
        example_resources=examples_of(first),
        language_literals=dict(sorted(language_literals.items())),
        languages=tuple(languages_of(language_literals)),
        years=_source_years(store, dates),
    )


def _source_years(store: ox.Store, dates: list[tuple[int, ox.Literal]]) -> tuple[int, int] | None:
    """The first and last year of the ``dates`` (year, literal) that a source graph states."""
    excluded = {str(g) for g in _NON_SOURCE_GRAPHS}
    sources = [g for g in store.named_graphs() if g.value not in excluded]

    def in_a_source(literal: ox.Literal) -> bool:  # an index probe per source graph
        return any(
            next(iter(store.quads_for_pattern(None, None, literal, g)), None) is not None
            for g in sources
        )

    ordered = sorted(dates, key=lambda d: d[0])
    first = next((year for year, literal in ordered if in_a_source(literal)), None)
    if first is None:
        return None
    last = next(year for year, literal in reversed(ordered) if in_a_source(literal))
    return (first, last)


# --- shared with the counting over added triples (api.fair.added) -------------------


def select_rows(store: ox.Store, query: str) -> ox.QuerySolutions:
    """The solutions of a SELECT query on ``store`` (no time limit: offline)."""
    solutions = store.query(query)
    assert isinstance(solutions, ox.QuerySolutions), query
    return solutions


def partition_counts(store: ox.Store, query: str) -> dict[str, int]:
    """``{IRI: n}`` from a query selecting an IRI (or other term, skipped) and ``?n``."""
    return {
        row[0].value: _int(row["n"])
        for row in select_rows(store, query)
        if type(row[0]) is ox.NamedNode
    }


def language_counts(store: ox.Store, query: str) -> dict[str, int]:
    """``{primary tag: n}`` from a query selecting ``?lang`` and ``?n`` (untagged: skipped)."""
    counted: dict[str, int] = {}
    for row in select_rows(store, query):
        tag = row["lang"].value.split("-")[0]
        if tag:
            counted[tag] = counted.get(tag, 0) + _int(row["n"])
    return counted


def is_entity(term: object) -> bool:
    """Whether ``term`` is an IRI under the URI space (``…/id/``)."""
    return type(term) is ox.NamedNode and term.value.startswith(_SPACE)


def link_target(term: object) -> LinkTarget | None:
    """The external dataset an IRI belongs to (:data:`LINK_TARGETS`), if any."""
    if type(term) is not ox.NamedNode or not term.value.startswith(_LINK_PREFIXES):
        return None
    return next((t for t in LINK_TARGETS if t.matches(term.value)), None)


def count_links(
    store: ox.Store,
    obj: object,
    graph: ox.NamedNode | ox.DefaultGraph,
    links: dict[tuple[str, str], int],
    *,
    unless_in: ox.DefaultGraph | None = None,
) -> None:
    """Add to ``links`` the triples of ``graph`` whose object is ``obj``, when ``obj`` is
    an IRI of a link target (one index range read per such object); ``unless_in``: but
    not those this graph holds too."""
    target = link_target(obj)
    if target is None:
        return
    assert isinstance(obj, ox.NamedNode)
    for quad in store.quads_for_pattern(None, None, obj, graph):
        if unless_in is not None and ox.Quad(quad.subject, quad.predicate, obj, unless_in) in store:
            continue
        key = (target.key, quad.predicate.value)
        links[key] = links.get(key, 0) + 1


def year_of(term: object) -> int | None:
    """The year of a date literal (``xsd:date``, ``dateTime``, ``gYear``, ``gYearMonth``)."""
    if type(term) is not ox.Literal or term.datatype.value not in _DATE_TYPE_IRIS:
        return None
    head = term.value[:4]
    return int(head) if head.isdigit() else None


def vocabularies_of(*partitions: Mapping[str, int]) -> tuple[str, ...]:
    """The namespaces of the terms of ``partitions`` (properties, classes), sorted."""
    return tuple(sorted({namespace_of(t) for partition in partitions for t in partition}))


def first_of_kind(iris: Iterable[str]) -> dict[str, str]:
    """The alphabetically first entity IRI of each kind (its path segment after ``/id/``)."""
    first: dict[str, str] = {}
    for iri in iris:
        kind = iri[len(_SPACE) :].split("/", 1)[0]
        if kind not in first or iri < first[kind]:
            first[kind] = iri
    return dict(sorted(first.items()))


def examples_of(first: Mapping[str, str]) -> tuple[str, ...]:
    """Up to five examples: the first entity of each kind, kinds in ENTITY_KINDS order."""
    ordered = [first[k] for k in ENTITY_KINDS if k in first]
    ordered += [iri for k, iri in sorted(first.items()) if k not in ENTITY_KINDS]
    return tuple(ordered[:_MAX_EXAMPLES])


def languages_of(language_literals: Mapping[str, int]) -> list[str]:
    """The languages of the dataset: the tags of at least :data:`MIN_LANGUAGE_SHARE` of
    the tagged literals."""
    tagged = sum(language_literals.values())
    return sorted(tag for tag, n in language_literals.items() if n >= MIN_LANGUAGE_SHARE * tagged)


def write_statistics(store_dir: str | Path, statistics: DatasetStatistics) -> Path:
    """Record ``statistics`` in the store's folder (:data:`STATISTICS_FILE`, replaced
    atomically); whatever changes the store writes them again, as it does the counts."""
    path = Path(store_dir) / STATISTICS_FILE
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(statistics.as_dict(), indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def read_statistics(store_dir: str | Path) -> DatasetStatistics | None:
    """The statistics :func:`write_statistics` recorded, or ``None`` (missing, unreadable,
    another format)."""
    try:
        data = json.loads((Path(store_dir) / STATISTICS_FILE).read_text(encoding="utf-8"))
        return DatasetStatistics.from_dict(data)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError):
        return None


def recorded_statistics(store_dir: str | Path, counts: TripleCounts) -> DatasetStatistics | None:
    """The recorded statistics when they describe a store of ``counts``, else ``None``.

    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> stats = DatasetStatistics(triples=2, graphs={"https://e.org/g": 2})
    >>> _ = write_statistics(folder, stats)
    >>> recorded_statistics(folder, TripleCounts(2, 2, 0, {"https://e.org/g": 2})) == stats
    True
    >>> recorded_statistics(folder, TripleCounts(3, 3, 0, {"https://e.org/g": 3})) is None
    True
    """
    recorded = read_statistics(store_dir)
    return recorded if recorded is not None and recorded.describes(counts) else None


def _int(term: ox.Literal) -> int:
    return int(term.value)


def _years(select: Callable[[str], list[Row]]) -> tuple[int, int] | None:
    query = _DATES % (
        ", ".join(f"<{g}>" for g in _NON_SOURCE_GRAPHS),
        ", ".join(f"<{_XSD}{t}>" for t in _DATE_TYPES),
    )
    years = set()
    for row in select(query):
        head = row["d"].value[:4]
        if head.isdigit():
            years.add(int(head))
    return (min(years), max(years)) if years else None
