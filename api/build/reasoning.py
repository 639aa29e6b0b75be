"""OWL RL inference, keeping only the entailments a client can use.

The ontology aligns every ccai term with schema.org, W3C ORG, FOAF, PROV-O and
Dublin Core (``rdfs:subClassOf``, ``rdfs:subPropertyOf``, ``owl:inverseOf``,
``owl:propertyChainAxiom``, transitive and symmetric properties). Running the
OWL RL closure over ontology + vocabularies + data materialises those views of
the data, so a client that knows only schema.org (``?x a schema:Organization``)
or only ORG (``?m org:member ?p``) finds it.

The raw closure is mostly noise for a published graph; :func:`infer` keeps an
entailment only when it is about data and says something new:

* kept: ``rdf:type`` with a named class outside the RDF/RDFS/OWL/XSD namespaces;
  triples of super-, inverse, chain, symmetric and transitive properties whose
  subject is an IRI and whose object is an IRI or a literal; ``owl:sameAs``
  between two different IRIs.
* dropped (counted by reason): literal and blank-node subjects (owlrl's literal
  proxies, list cells, error records); blank-node objects; types that are
  built-in or anonymous classes (``rdfs:Resource``, ``owl:Thing``, ``owl:Class``,
  restrictions…); reflexive ``owl:sameAs``; any other triple whose predicate is an
  RDF/RDFS/OWL term (``rdfs:subClassOf`` closure, ``owl:equivalentClass``,
  domains…: schema entailments belong to the ontology, not to the inferred
  data graph, and the ontology graph is published beside it); triples whose
  subject is a built-in term or an ontology term (any IRI the ontology graph
  mentions, any IRI used as a predicate or a class); triples already asserted.

OWL RL inconsistencies that owlrl reports (for example a member of two disjoint
classes) are returned as messages, not published as triples.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import owlrl
from rdflib import OWL, RDF, RDFS, XSD, BNode, Graph, Literal, Namespace, URIRef
from rdflib.term import Node

from api.namespaces import PREFIXES

#: Namespaces of the built-in vocabularies whose terms never appear as data.
BUILTIN_NAMESPACES: tuple[str, ...] = (str(RDF), str(RDFS), str(OWL), str(XSD))

#: Predicates from the built-in namespaces that are data, not schema.
DATA_PREDICATES = frozenset({RDF.type, OWL.sameAs})

#: owlrl records inconsistencies as ``[] a err:ErrorMessage ; err:error "…"``.
_ERR = Namespace("http://www.daml.org/2002/03/agents/agent-ont#")


@dataclass
class InferenceResult:
    """What the reasoner added.

    Attributes:
        graph: the kept entailments (to be stored as the named graph
            ``https://w3id.org/ccai/graph/inferred``).
        total: every triple the closure added.
        dropped_by_reason: dropped triples counted per reason.
        inconsistencies: owlrl's messages about contradictions, if any.
    """

    graph: Graph
    total: int
    dropped_by_reason: dict[str, int] = field(default_factory=dict)
    inconsistencies: list[str] = field(default_factory=list)

    @property
    def kept(self) -> int:
        return len(self.graph)

    @property
    def dropped(self) -> int:
        return sum(self.dropped_by_reason.values())

    def summary(self) -> dict[str, object]:
        return {
            "total": self.total,
            "kept": self.kept,
            "dropped": self.dropped,
            "dropped_by_reason": dict(sorted(self.dropped_by_reason.items())),
            "inconsistencies": list(self.inconsistencies),
        }


def infer(data: Graph, ontology: Graph, vocabularies: Graph | None = None) -> InferenceResult:
    """Run the OWL RL closure over ontology + vocabularies + ``data``; filter it.

    None of the inputs is modified.

    >>> from rdflib import Graph
    >>> onto = Graph().parse(data='''
    ...   @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
    ...   <https://e.org/Museum> rdfs:subClassOf <https://schema.org/Organization> .''',
    ...   format="turtle")
    >>> data = Graph().parse(data='<https://e.org/x> a <https://e.org/Museum> .', format="turtle")
    >>> result = infer(data, onto)
    >>> [(str(s), str(o)) for s, _, o in result.graph]
    [('https://e.org/x', 'https://schema.org/Organization')]
    """
    work = Graph()
    work += ontology
    if vocabularies is not None:
        work += vocabularies
    work += data
    asserted = set(work)

    owlrl.DeductiveClosure(
        owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False
    ).expand(work)

    inconsistencies = sorted(
        str(message)
        for record in work.subjects(RDF.type, _ERR.ErrorMessage)
        for message in work.objects(record, _ERR.error)
    )
    terms = _schema_terms(ontology, work)

    kept = Graph()
    for prefix, namespace in PREFIXES.items():
        kept.bind(prefix, namespace, override=True, replace=True)
    dropped: Counter[str] = Counter()
    total = 0
    for triple in work:
        if triple in asserted:
            continue
        total += 1
        reason = noise_reason(triple, terms)
        if reason is None:
            kept.add(triple)
        else:
            dropped[reason] += 1
    return InferenceResult(
        graph=kept,
        total=total,
        dropped_by_reason=dict(dropped),
        inconsistencies=inconsistencies,
    )


def is_builtin(term: Node) -> bool:
    """True for IRIs in the RDF, RDFS, OWL and XSD namespaces."""
    return isinstance(term, URIRef) and str(term).startswith(BUILTIN_NAMESPACES)


def noise_reason(triple: tuple[Node, Node, Node], terms: frozenset[Node]) -> str | None:
    """Why an entailment is dropped, or ``None`` when it is kept.

    ``terms`` are the ontology terms (see :func:`_schema_terms`).
    """
    s, p, o = triple
    if isinstance(s, Literal):
        return "literal subject"
    if isinstance(s, BNode):
        return "blank-node subject"
    if p == RDF.type:
        if not isinstance(o, URIRef):
            return "anonymous class"
        if is_builtin(o):
            return "built-in class"
    elif p == OWL.sameAs:
        if s == o:
            return "reflexive owl:sameAs"
    elif is_builtin(p):
        return "schema entailment"
    if is_builtin(s):
        return "about a built-in term"
    if s in terms:
        return "about an ontology term"
    if isinstance(o, BNode):
        return "blank-node object"
    return None


def _schema_terms(ontology: Graph, work: Graph) -> frozenset[Node]:
    """IRIs that name schema, not data.

    Every IRI the ontology graph mentions (its classes and properties, the
    external ones it aligns with, its own IRI), every predicate and every class
    (object of ``rdf:type``) of the closure. The vocabularies' concepts are data.
    """
    terms: set[Node] = set()
    for s, p, o in ontology:
        terms.update(t for t in (s, p, o) if isinstance(t, URIRef))
    terms.update(work.predicates(unique=True))
    terms.update(o for o in work.objects(None, RDF.type, unique=True) if isinstance(o, URIRef))
    return frozenset(terms)
