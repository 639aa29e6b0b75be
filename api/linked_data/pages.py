"""What the web pages show, assembled from the read facade: :class:`Pages`.

Each method returns plain data for one template of ``api/web/templates/``;
every read goes through the service's :class:`~api.linked_data.source.SparqlSource`
(the same checks and deadline as ``/sparql``) with the queries of
``api/linked_data/sparql/page-*.rq`` (values bound as RDF terms). Labels
follow the page's language (:func:`api.web.i18n.pick`: the language, else
English, else untagged), never CURIEs where a person reads: properties are
named by their ``rdfs:label`` in the ontology (a few external properties by
:data:`EXTERNAL_LABELS`), and the IRI is kept for the link and its tooltip.

The labels of the ontology, the vocabularies and the source documents, the
rows behind each kind's listing, the recommendation → challenge links and the
concept counts are read once per process (the store of a generation never
changes, and a new build is served by a new process). The links *to* a resource
are never read whole: the store counts them per property, and a page asks for its
50 links only, in label order, with ``LIMIT`` and ``OFFSET`` (:meth:`Pages.incoming`).

>>> import pyoxigraph as ox
>>> from api.store.reader import reader_over
>>> pages = Pages(reader_over(ox.Store()), public_base="http://127.0.0.1:8000/")
>>> pages.listing("challenge", "en", {}, 1).total
0
"""

from __future__ import annotations

import json
import re
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDFS, SKOS
from rdflib.term import Node

from api.linked_data import queries
from api.linked_data.iris import to_public
from api.linked_data.source import SparqlSource, as_source
from api.linked_data.view import LABEL_PROPERTIES, Link, ResourceView, curie
from api.namespaces import BASE, CCAI, ENTITY_KINDS, GRAPH_INFERRED, PROV
from api.store.reader import SyncReader
from api.web.i18n import pick

#: Labels of the external properties a page shows (the ontology labels its own).
EXTERNAL_LABELS: dict[str, dict[str, str]] = {
    str(RDFS.label): {"en": "label", "nl": "label"},
    str(RDFS.comment): {"en": "comment", "nl": "opmerking"},
    str(RDFS.seeAlso): {"en": "see also", "nl": "zie ook"},
    str(SKOS.prefLabel): {"en": "preferred label", "nl": "voorkeurslabel"},
    str(SKOS.altLabel): {"en": "also known as", "nl": "ook bekend als"},
    str(SKOS.definition): {"en": "definition", "nl": "definitie"},
    str(SKOS.inScheme): {"en": "in scheme", "nl": "in schema"},
    str(SKOS.broader): {"en": "broader", "nl": "breder"},
    str(SKOS.narrower): {"en": "narrower", "nl": "smaller"},
    str(SKOS.hasTopConcept): {"en": "top concept", "nl": "topconcept"},
    str(SKOS.topConceptOf): {"en": "top concept of", "nl": "topconcept van"},
    str(SKOS.exactMatch): {"en": "same as", "nl": "zelfde als"},
    str(SKOS.closeMatch): {"en": "close to", "nl": "vergelijkbaar met"},
    str(SKOS.notation): {"en": "notation", "nl": "notatie"},
    str(SKOS.scopeNote): {"en": "scope note", "nl": "toepassingsnotitie"},
    str(DCTERMS.title): {"en": "title", "nl": "titel"},
    str(DCTERMS.description): {"en": "description", "nl": "beschrijving"},
    str(DCTERMS.source): {"en": "source", "nl": "bron"},
    str(DCTERMS.isPartOf): {"en": "part of", "nl": "deel van"},
    str(DCTERMS.hasPart): {"en": "has part", "nl": "heeft deel"},
    str(DCTERMS.issued): {"en": "issued", "nl": "uitgegeven"},
    str(DCTERMS.created): {"en": "created", "nl": "gemaakt"},
    str(DCTERMS.creator): {"en": "creator", "nl": "maker"},
    str(DCTERMS.publisher): {"en": "publisher", "nl": "uitgever"},
    str(DCTERMS.language): {"en": "language", "nl": "taal"},
    str(DCTERMS.license): {"en": "licence", "nl": "licentie"},
    str(DCTERMS.identifier): {"en": "identifier", "nl": "identificatie"},
    str(DCTERMS.subject): {"en": "subject", "nl": "onderwerp"},
    str(DCTERMS.relation): {"en": "related to", "nl": "gerelateerd aan"},
    str(DCTERMS.references): {"en": "refers to", "nl": "verwijst naar"},
    str(DCTERMS.isReferencedBy): {"en": "referred to by", "nl": "waarnaar verwezen door"},
    str(PROV.wasDerivedFrom): {"en": "derived from", "nl": "afgeleid van"},
    "http://xmlns.com/foaf/0.1/homepage": {"en": "homepage", "nl": "homepage"},
    "http://xmlns.com/foaf/0.1/page": {"en": "web page", "nl": "webpagina"},
    "https://schema.org/url": {"en": "web address", "nl": "webadres"},
    "http://www.w3.org/2002/07/owl#sameAs": {"en": "same as", "nl": "zelfde als"},
    str(RDF.type): {"en": "type", "nl": "type"},
}

#: The filters of a listing: name -> the properties it reads.
FACETS: dict[str, tuple[str, ...]] = {
    "sector": (str(CCAI.sector),),
    "theme": (str(CCAI.theme),),
    "level": (str(CCAI.level), str(CCAI.policyLevel)),
    "source": (str(DCTERMS.source),),
}
#: The entity kind (``/id/{kind}/``) of each class the landing page counts.
KIND_OF_CLASS: dict[str, str] = {
    "Organisation": "organisation",
    "Person": "person",
    "Post": "post",
    "Participation": "participation",
    "Event": "event",
    "Project": "project",
    "Network": "network",
    "Programme": "programme",
    "FundingMeasure": "funding",
    "Platform": "platform",
    "SkillsAlliance": "alliance",
    "Document": "document",
    "Challenge": "challenge",
    "Opportunity": "opportunity",
    "Recommendation": "recommendation",
    "AIApplication": "application",
    "Artwork": "work",
    "Statistic": "statistic",
    "Place": "place",
}
_PROVENANCE = {str(DCTERMS.source), str(PROV.wasDerivedFrom), str(CCAI.quote)}
_LABELS = {str(p) for p in LABEL_PROPERTIES}
PAGE_SIZE = 50
INCOMING_PAGE_SIZE = 50
GRAPH_NODES = 40  # at most this many neighbours in an entity's graph


@dataclass
class Value:
    """One object of a property: a link or a literal, with its provenance groups."""

    link: Link | None = None
    text: str = ""
    language: str | None = None
    datatype: str | None = None
    sources: list[int] = field(default_factory=list)  # numbers of ProvenanceGroup


@dataclass
class PropertyRow:
    predicate: Link
    values: list[Value]


@dataclass
class ProvenanceGroup:
    number: int
    document: Link | None
    locators: list[Link]
    quotes: list[Value]


@dataclass
class IncomingGroup:
    predicate: Link
    subjects: list[Link]
    total: int


@dataclass
class Pager:
    page: int
    pages: int
    total: int

    @property
    def previous(self) -> int | None:
        return self.page - 1 if self.page > 1 else None

    @property
    def next(self) -> int | None:
        return self.page + 1 if self.page < self.pages else None


@dataclass
class EntityPage:
    iri: str
    title: str
    types: list[Link]
    inferred_types: list[Link]
    description: list[Value]
    rows: list[PropertyRow]
    provenance: list[ProvenanceGroup]
    incoming: list[IncomingGroup]
    incoming_pager: Pager
    graph_json: str
    concept_use: list[tuple[Link, int]] = field(default_factory=list)


@dataclass
class Option:
    value: str  # the IRI
    label: str
    count: int
    selected: bool


@dataclass
class ListItem:
    link: Link
    types: list[str]
    sources: list[str]


@dataclass
class Listing:
    kind: str
    title: str
    total: int
    items: list[ListItem]
    pager: Pager
    facets: dict[str, list[Option]]
    filters: dict[str, str]


@dataclass
class MatrixRow:
    challenge: Link
    recommendations: list[tuple[Link, str, bool]]  # (recommendation, property label, interpreted)


@dataclass
class Matrix:
    rows: list[MatrixRow]
    links: int
    recommendations: int
    facets: dict[str, list[Option]]
    filters: dict[str, str]
    graph_json: str


def _lang_key(node: Node) -> str:
    return (node.language or "") if isinstance(node, Literal) else ""


def _pager(total: int, page: int, size: int) -> Pager:
    pages = max(1, -(-total // size))
    return Pager(min(max(page, 1), pages), pages, total)


class Pages:
    """The page data of one app (see the module docstring)."""

    def __init__(
        self,
        reader: SparqlSource | SyncReader,
        *,
        public_base: str = BASE,
        known_iris: Callable[[], Iterable[str]] = tuple,
    ) -> None:
        self.source = as_source(reader)
        self.public_base = public_base if public_base.endswith("/") else public_base + "/"
        self.known_iris = known_iris
        self._labels: dict[str, dict[str, str]] | None = None
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, ...], Any] = {}

    def _cached(self, key: tuple[str, ...], read: Callable[[], Any]) -> Any:
        """``read()`` once per key (two first requests may both read; both get the same)."""
        if key not in self._cache:
            value = read()
            with self._lock:
                self._cache.setdefault(key, value)
        return self._cache[key]

    # --- labels -------------------------------------------------------------------------
    def labels(self) -> dict[str, dict[str, str]]:
        """IRI -> {language: label} of the ontology, vocabularies and sources (cached)."""
        with self._lock:
            if self._labels is None:
                found: dict[str, dict[str, str]] = defaultdict(dict)
                rank = {str(p): i for i, p in enumerate(LABEL_PROPERTIES)}
                rows = self.source.select(queries.render("page-labels"))
                rows.sort(key=lambda r: rank.get(str(r["property"]), 9))
                for row in rows:
                    found[str(row["term"])].setdefault(_lang_key(row["label"]), str(row["label"]))
                self._labels = dict(found)
            return self._labels

    def term_label(self, iri: str, lang: str) -> str:
        """A property's or concept's label in ``lang`` (fallbacks), else its local name
        in words (``dct:isReferencedBy`` → "is referenced by")."""
        known = self.labels().get(iri) or EXTERNAL_LABELS.get(iri)
        return (pick(known, lang) if known else None) or _words(iri)

    def link(self, iri: str, lang: str, graph: Graph | None = None) -> Link:
        text = None
        if graph is not None:
            text = _graph_label(graph, URIRef(iri), lang)
        if text is None:
            known = self.labels().get(iri)
            text = pick(known, lang) if known else None
        return Link(
            href=to_public(iri, self.public_base),
            text=text or _fallback_text(iri),
            iri=iri,
            local=iri.startswith(BASE),
        )

    def property_link(self, iri: str, lang: str) -> Link:
        return Link(
            href=to_public(iri, self.public_base),
            text=self.term_label(iri, lang),
            iri=iri,
            local=iri.startswith(BASE),
        )

    # --- entity pages -------------------------------------------------------------------
    def entity(
        self,
        iri: str,
        graph: Graph,
        lang: str,
        *,
        incoming_page: int = 1,
        incoming_counts: Sequence[tuple[str, int]] | None = None,
        concept_use: bool = False,
    ) -> EntityPage:
        """The page of one resource, from its description ``graph`` without its incoming
        links (``describe(…, incoming=False)``): those are read one page at a time
        (:meth:`incoming`; ``incoming_counts`` when the caller has them already)."""
        subject = URIRef(iri)
        statements = self.source.select(queries.render("page-statements", {"resource": iri}))
        graphs_of: dict[tuple[str, str], set[str]] = defaultdict(set)
        asserted_types: set[str] = set()
        inferred_types: set[str] = set()
        by_graph: dict[str, list[tuple[str, Node]]] = defaultdict(list)
        for row in statements:
            g, p, o = str(row["g"]), str(row["property"]), row["value"]
            if p == str(RDF.type):
                (inferred_types if g == str(GRAPH_INFERRED) else asserted_types).add(str(o))
                continue
            graphs_of[(p, str(o))].add(g)
            by_graph[g].append((p, o))
        numbered = self._provenance(by_graph, graph, lang)
        provenance = [group for _g, group in numbered]
        graph_number = {g: group.number for g, group in numbered}
        rows: list[PropertyRow] = []
        description: list[Value] = []
        by_predicate: dict[str, list[Node]] = defaultdict(list)
        for pred, o in graph.predicate_objects(subject):
            p_s = str(pred)
            if (
                p_s == str(RDF.type)
                or p_s in _PROVENANCE
                or (p_s in _LABELS and p_s != str(DCTERMS.title))
            ):
                continue
            by_predicate[p_s].append(o)
        for p_s, objects in by_predicate.items():
            values = []
            for o in sorted(
                objects, key=lambda o: (str(_graph_label(graph, o, lang) or o)).lower()
            ):
                sources = sorted(
                    {graph_number[g] for g in graphs_of.get((p_s, str(o)), ()) if g in graph_number}
                )
                values.append(self._value(o, graph, lang, sources))
            if p_s == str(DCTERMS.description):
                description = values
                continue
            rows.append(PropertyRow(self.property_link(p_s, lang), values))
        rows.sort(key=lambda r: r.predicate.text.lower())
        if incoming_counts is None:
            incoming_counts = self.incoming_counts(iri)
        groups, pager = self.incoming(iri, lang, incoming_page, incoming_counts)
        shown = [(group.predicate, link) for group in groups for link in group.subjects]
        page = EntityPage(
            iri=iri,
            title=_graph_label(graph, subject, lang) or _fallback_text(iri),
            types=sorted((self.link(t, lang, graph) for t in asserted_types), key=lambda x: x.text),
            inferred_types=sorted(
                (self.link(t, lang, graph) for t in inferred_types - asserted_types),
                key=lambda x: x.text,
            ),
            description=description,
            rows=rows,
            provenance=provenance,
            incoming=groups,
            incoming_pager=pager,
            graph_json=self._graph_json(iri, graph, rows, shown, lang),
        )
        if concept_use:
            page.concept_use = self.concept_use(iri, lang)
        return page

    def incoming_counts(self, iri: str) -> list[tuple[str, int]]:
        """The properties that link to ``iri``, each with its number of distinct subjects
        (IRIs), counted by the store (``page-incoming-counts``)."""
        rows = self.source.select(queries.render("page-incoming-counts", {"resource": iri}))
        return [(str(row["property"]), int(str(row["subjects"]))) for row in rows]

    def incoming(
        self, iri: str, lang: str, page: int, counts: Sequence[tuple[str, int]]
    ) -> tuple[list[IncomingGroup], Pager]:
        """Page ``page`` of the links to ``iri``: grouped by property (the groups ordered by
        the property's label in ``lang``), each group's subjects ordered by their label.

        The list is never read whole: ``counts`` (:meth:`incoming_counts`) places each
        group in it, and only the groups this page overlaps are asked for, each with a
        ``LIMIT`` and an ``OFFSET`` (``page-incoming``), so a source document cited by
        every entity costs what a page of 50 links costs.
        """
        predicates = sorted(
            ((self.property_link(p, lang), n) for p, n in counts if n > 0),
            key=lambda item: (item[0].text.lower(), item[0].iri),
        )
        pager = _pager(sum(n for _link, n in predicates), page, INCOMING_PAGE_SIZE)
        start = (pager.page - 1) * INCOMING_PAGE_SIZE
        end = start + INCOMING_PAGE_SIZE
        groups: list[IncomingGroup] = []
        first = 0  # where the group starts in the whole list
        for predicate, n in predicates:
            low, high = max(start, first), min(end, first + n)
            if low < high:
                subjects = self._incoming_subjects(
                    iri, predicate.iri, lang, low - first, high - low
                )
                groups.append(IncomingGroup(predicate, subjects, n))
            first += n
        return groups, pager

    def _incoming_subjects(
        self, iri: str, predicate: str, lang: str, offset: int, limit: int
    ) -> list[Link]:
        """``limit`` subjects of ``?subject predicate iri`` from ``offset``, by label."""
        values = {"resource": iri, "property": predicate, "lang": lang}
        query = queries.render("page-incoming", values)
        rows = self.source.select(f"{query}\nLIMIT {int(limit)} OFFSET {int(offset)}")
        links = []
        for row in rows:
            subject = str(row["subject"])
            rank, _, text = str(row["best"]).partition("|")
            if rank.startswith("9") or not text:  # no label: the IRI's last segment
                links.append(self.link(subject, lang))
            else:
                links.append(
                    Link(
                        to_public(subject, self.public_base),
                        text,
                        subject,
                        subject.startswith(BASE),
                    )
                )
        return links

    def _value(self, node: Node, graph: Graph, lang: str, sources: list[int]) -> Value:
        if isinstance(node, URIRef):
            return Value(link=self.link(str(node), lang, graph), sources=sources)
        if isinstance(node, Literal):
            datatype = curie(str(node.datatype)) if node.datatype else None
            return Value(text=str(node), language=node.language, datatype=datatype, sources=sources)
        nested = sorted(
            f"{self.term_label(str(p), lang)}: {_graph_label(graph, o, lang) or o}"
            for p, o in graph.predicate_objects(node)
        )
        return Value(text="; ".join(nested) or "[…]", sources=sources)

    def _provenance(
        self, by_graph: Mapping[str, list[tuple[str, Node]]], graph: Graph, lang: str
    ) -> list[tuple[str, ProvenanceGroup]]:
        """One group per named graph that says where the resource comes from."""
        groups: list[tuple[str, ProvenanceGroup]] = []
        for g in sorted(by_graph):
            pairs = by_graph[g]
            docs = sorted(str(o) for p, o in pairs if p == str(DCTERMS.source))
            locators = sorted(str(o) for p, o in pairs if p == str(PROV.wasDerivedFrom))
            quotes = [o for p, o in pairs if p == str(CCAI.quote) and isinstance(o, Literal)]
            if not (docs or locators or quotes):
                continue
            groups.append(
                (
                    g,
                    ProvenanceGroup(
                        number=len(groups) + 1,
                        document=self.link(docs[0], lang, graph) if docs else None,
                        locators=[self.link(loc, lang, graph) for loc in locators],
                        quotes=[Value(text=str(q), language=q.language) for q in sorted(quotes)],
                    ),
                )
            )
        return groups

    def _graph_json(
        self,
        iri: str,
        graph: Graph,
        rows: list[PropertyRow],
        incoming: list[tuple[Link, Link]],
        lang: str,
    ) -> str:
        """Cytoscape elements: the resource, the resources it links to and those linking
        to it (our own IRIs; at most :data:`GRAPH_NODES` neighbours)."""
        centre = self.link(iri, lang, graph)
        nodes: dict[str, dict[str, Any]] = {
            iri: {"id": iri, "label": centre.text, "href": centre.href, "centre": True}
        }
        edges: list[dict[str, str]] = []

        def add(node: Link, source: str, target: str, label: str) -> None:
            if node.iri not in nodes:
                if len(nodes) > GRAPH_NODES:
                    return
                nodes[node.iri] = {"id": node.iri, "label": node.text, "href": node.href}
            edges.append(
                {"id": f"e{len(edges)}", "source": source, "target": target, "label": label}
            )

        for row in rows:
            for value in row.values:
                if value.link and value.link.local:
                    add(value.link, iri, value.link.iri, row.predicate.text)
        for predicate, link in incoming:
            add(link, link.iri, iri, predicate.text)
        elements = [{"data": n} for n in nodes.values()] + [
            {"data": e} for e in edges if e["source"] in nodes and e["target"] in nodes
        ]
        return _script_json(elements)

    def concept_use(self, scheme: str, lang: str) -> list[tuple[Link, int]]:
        """The concepts of a scheme with the number of entities using each."""
        rows = self._cached(
            ("concept-use", scheme),
            lambda: self.source.select(queries.render("page-concept-use", {"scheme": scheme})),
        )
        out = [(self.link(str(r["concept"]), lang), int(str(r["entities"]))) for r in rows]
        return sorted(out, key=lambda item: (-item[1], item[0].text.lower()))

    # --- listings -----------------------------------------------------------------------
    def kinds(self) -> list[tuple[str, int]]:
        """Every entity kind with the number of its labelled entities (label index)."""
        counts = dict.fromkeys(ENTITY_KINDS, 0)
        prefix = BASE + "id/"
        for iri in self.known_iris():
            if iri.startswith(prefix):
                kind = iri[len(prefix) :].split("/", 1)[0]
                if kind in counts:
                    counts[kind] += 1
        return [(k, n) for k, n in counts.items() if n]

    def _entities(self, kind: str) -> dict[str, dict[str, Any]]:
        rows = self._cached(
            ("kind", kind),
            lambda: self.source.select(
                queries.render("page-kind", {"prefix": f"{BASE}id/{kind}/"})
            ),
        )
        entities: dict[str, dict[str, Any]] = {}
        for row in rows:
            e = str(row["entity"])
            data = entities.setdefault(
                e, {"labels": {}, "types": set(), "graphs": set(), **{f: set() for f in FACETS}}
            )
            p, value = str(row["property"]), row["value"]
            data["graphs"].add(str(row["g"]))
            if p in _LABELS:
                data["labels"].setdefault(_lang_key(value), str(value))
            elif p == str(RDF.type):
                data["types"].add(str(value))
            for name, props in FACETS.items():
                if p in props:
                    data[name].add(str(value))
        return entities

    def _facets(
        self, entities: Mapping[str, Mapping[str, Any]], filters: Mapping[str, str], lang: str
    ) -> dict[str, list[Option]]:
        facets: dict[str, list[Option]] = {}
        for name in FACETS:
            counts: dict[str, int] = defaultdict(int)
            for data in entities.values():
                for value in data[name]:
                    counts[value] += 1
            facets[name] = sorted(
                (
                    Option(v, self.term_label(v, lang), n, filters.get(name) == v)
                    for v, n in counts.items()
                ),
                key=lambda o: o.label.lower(),
            )
        return facets

    @staticmethod
    def _keep(data: Mapping[str, Any], filters: Mapping[str, str]) -> bool:
        return all(value in data[name] for name, value in filters.items() if name in FACETS)

    def listing(self, kind: str, lang: str, filters: Mapping[str, str], page: int) -> Listing:
        """One page of the entities of ``kind`` that pass ``filters`` (facet -> IRI)."""
        entities = self._entities(kind)
        kept = {e: d for e, d in entities.items() if self._keep(d, filters)}
        items = sorted(
            (
                ListItem(
                    link=Link(
                        href=to_public(e, self.public_base),
                        text=pick(d["labels"], lang) or _fallback_text(e),
                        iri=e,
                        local=True,
                    ),
                    types=sorted(self.term_label(t, lang) for t in d["types"]),
                    sources=sorted(self.term_label(s, lang) for s in d["source"]),
                )
                for e, d in kept.items()
            ),
            key=lambda item: item.link.text.lower(),
        )
        pager = _pager(len(items), page, PAGE_SIZE)
        start = (pager.page - 1) * PAGE_SIZE
        classes = [c for c, k in KIND_OF_CLASS.items() if k == kind]
        title = self.term_label(str(CCAI[classes[0]]), lang) if classes else kind
        return Listing(
            kind=kind,
            title=title,
            total=len(items),
            items=items[start : start + PAGE_SIZE],
            pager=pager,
            facets=self._facets(entities, filters, lang),
            filters=dict(filters),
        )

    def matrix(self, lang: str, filters: Mapping[str, str]) -> Matrix:
        """Challenges with the recommendations that address them, filtered on the
        recommendations' facets."""
        recommendations = self._entities("recommendation")
        challenges = self._entities("challenge")
        kept = {e for e, d in recommendations.items() if self._keep(d, filters)}
        by_challenge: dict[str, list[tuple[Link, str, bool]]] = defaultdict(list)
        seen: set[tuple[str, str, str]] = set()
        links = 0
        links_rows = self._cached(
            ("links",), lambda: self.source.select(queries.render("page-links"))
        )
        for found in links_rows:
            rec, challenge = str(found["recommendation"]), str(found["challenge"])
            p = found["property"]
            if rec not in kept or (rec, challenge, str(p)) in seen:
                continue
            seen.add((rec, challenge, str(p)))
            label = pick(recommendations.get(rec, {}).get("labels", {}), lang)
            by_challenge[challenge].append(
                (
                    Link(to_public(rec, self.public_base), label or _fallback_text(rec), rec, True),
                    self.term_label(str(p), lang),
                    str(p) != str(CCAI.addresses),
                )
            )
            links += 1
        rows = []
        for challenge, recs in by_challenge.items():
            label = pick(challenges.get(challenge, {}).get("labels", {}), lang)
            rows.append(
                MatrixRow(
                    Link(
                        to_public(challenge, self.public_base),
                        label or _fallback_text(challenge),
                        challenge,
                        True,
                    ),
                    sorted(recs, key=lambda r: r[0].text.lower()),
                )
            )
        rows.sort(key=lambda r: (-len(r.recommendations), r.challenge.text.lower()))
        nodes: dict[str, dict[str, Any]] = {}
        edges: list[dict[str, Any]] = []
        for row in rows:
            nodes[row.challenge.iri] = {
                "id": row.challenge.iri,
                "label": row.challenge.text,
                "href": row.challenge.href,
                "kind": "challenge",
            }
            for rec_link, prop, interpreted in row.recommendations:
                nodes.setdefault(
                    rec_link.iri,
                    {
                        "id": rec_link.iri,
                        "label": rec_link.text,
                        "href": rec_link.href,
                        "kind": "recommendation",
                    },
                )
                edges.append(
                    {
                        "id": f"e{len(edges)}",
                        "source": rec_link.iri,
                        "target": row.challenge.iri,
                        "label": prop,
                        "interpreted": interpreted,
                    }
                )
        elements = [{"data": n} for n in nodes.values()] + [{"data": e} for e in edges]
        return Matrix(
            rows=rows,
            links=links,
            recommendations=len({r[0].iri for row in rows for r in row.recommendations}),
            facets=self._facets(recommendations, filters, lang),
            filters=dict(filters),
            graph_json=_script_json(elements),
        )


def _graph_label(graph: Graph, node: Node, lang: str) -> str | None:
    for prop in LABEL_PROPERTIES:
        labels = {
            _lang_key(o): str(o)
            for o in sorted(o for o in graph.objects(node, prop) if isinstance(o, Literal))
        }
        if labels:
            return pick(labels, lang)
    return None


def _words(iri: str) -> str:
    """The local name of ``iri`` as lower-case words (camelCase and hyphens split).

    >>> _words("http://purl.org/dc/terms/isReferencedBy")
    'is referenced by'
    """
    local = iri.rstrip("/").rpartition("/")[2].rpartition("#")[2]
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", local).replace("-", " ").replace("_", " ")
    return spaced.lower() or iri


def _fallback_text(iri: str) -> str:
    """A readable stand-in for an unlabelled IRI: its last segment, de-hyphenated (an
    external term keeps its vocabulary: ``Organization (schema)``)."""
    last = iri.rstrip("/").rpartition("/")[2].rpartition("#")[2]
    if not iri.startswith(BASE):
        prefix, _, local = curie(iri).partition(":")
        if local and "/" not in prefix:
            return f"{local} ({prefix})"
    return last.replace("-", " ") or iri


def _script_json(data: Any) -> str:
    """JSON safe inside ``<script type="application/json">``."""
    return (
        json.dumps(data, ensure_ascii=False)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )


def page_from_view(view: ResourceView) -> EntityPage:
    """An :class:`EntityPage` from a plain :class:`~api.linked_data.view.ResourceView`
    (the catalogue, dataset and VoID pages, whose graphs are not in the store)."""

    def named(predicate: Link) -> Link:  # a label, never a CURIE (the IRI stays the link)
        known = EXTERNAL_LABELS.get(predicate.iri)
        text = (pick(known, "en") if known else None) or _words(predicate.iri)
        return replace(predicate, text=text)

    def value(v: Any) -> Value:
        if v.nested:
            parts = []
            for row in v.nested:
                texts = ", ".join(n.link.text if n.link else n.text for n in row.values)
                parts.append(f"{named(row.predicate).text}: {texts}")
            text = "; ".join(parts)
            return Value(text=text)
        return Value(link=v.link, text=v.text, language=v.language, datatype=v.datatype)

    rows = [PropertyRow(named(r.predicate), [value(v) for v in r.values]) for r in view.rows]
    incoming: list[IncomingGroup] = []
    for subject, raw in view.incoming:
        predicate = named(raw)
        if not incoming or incoming[-1].predicate.iri != predicate.iri:
            incoming.append(IncomingGroup(predicate, [], 0))
        incoming[-1].subjects.append(subject)
        incoming[-1].total += 1
    return EntityPage(
        iri=view.iri,
        title=view.title,
        types=view.types,
        inferred_types=[],
        description=[],
        rows=rows,
        provenance=[],
        incoming=incoming,
        incoming_pager=_pager(len(view.incoming), 1, max(1, len(view.incoming))),
        graph_json="[]",
    )
