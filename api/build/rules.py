"""Inference by rules compiled from the ontology's own axioms, run inside a pyoxigraph store.

:mod:`api.build.reasoning` runs owlrl's full OWL RL closure in rdflib and then
throws most of it away (:func:`api.build.reasoning.noise_reason`). The
entailments it keeps come from a handful of axiom kinds, which this module
turns into SPARQL UPDATE rules and runs to a fixpoint inside a store:

================================  ===============================================
axiom (anywhere in the schema)    rule
================================  ===============================================
``C rdfs:subClassOf D``,          ``?x a C`` ⇒ ``?x a D`` (over the transitive
``C owl:equivalentClass D``       closure; an equivalence is two subclass axioms)
``p rdfs:subPropertyOf q``,       ``?s p ?o`` ⇒ ``?s q ?o`` (closure likewise)
``p owl:equivalentProperty q``
``p owl:inverseOf q``             ``?s p ?o`` ⇒ ``?o q ?s`` and back
``p a owl:SymmetricProperty``     ``?s p ?o`` ⇒ ``?o p ?s``
``p a owl:TransitiveProperty``    ``?x p ?y . ?y p ?z`` ⇒ ``?x p ?z``
``p owl:propertyChainAxiom (…)``  ``?x p1 ?y1 . … ?yn-1 pn ?z`` ⇒ ``?x p ?z``
``p rdfs:domain C``               ``?s p ?o`` ⇒ ``?s a C``
``p rdfs:range C``                ``?s p ?o`` ⇒ ``?o a C`` (``?o`` not a literal)
``C owl:disjointWith D``          ``?x a C, D`` ⇒ an inconsistency message
================================  ===============================================

Each rule is one ``INSERT … WHERE`` whose axioms are a ``VALUES`` block of
IRIs read from the schema (never text spliced into the query), so a rule
costs one pass over the triples of the predicates or classes it names. The
rules run in rounds until a round adds nothing; the kept entailments are then
filtered exactly as owlrl's are (:func:`api.build.reasoning.noise_reason`),
and owlrl stays the oracle: a test requires the same kept entailments on the
project graph and on a fixture with every axiom kind.

Not covered (the ontology states none of them; :func:`unsupported_axioms`
names any that appear, so a test fails when the ontology starts using one):
class expressions (restrictions, ``owl:unionOf``, ``owl:intersectionOf``…),
``owl:sameAs`` and the functional/inverse-functional/key rules that produce it.

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

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.term import Node

from api.build.reasoning import BUILTIN_NAMESPACES, InferenceResult, noise_reason
from api.namespaces import PREFIXES

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_TYPE = f"<{RDF_TYPE}>"
_PREFIXES = """PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
"""

#: The asserted triples, kept apart so that what the rules add can be told from them.
ASSERTED = ox.NamedNode("urn:ccai:rules:asserted")

_SUBCLASS = (
    _PREFIXES
    + """SELECT DISTINCT ?a ?b WHERE {
  ?a (rdfs:subClassOf|owl:equivalentClass|^owl:equivalentClass)+ ?b
  FILTER(isIRI(?a) && isIRI(?b) && ?a != ?b)
}"""
)
_SUBPROPERTY = (
    _PREFIXES
    + """SELECT DISTINCT ?a ?b WHERE {
  ?a (rdfs:subPropertyOf|owl:equivalentProperty|^owl:equivalentProperty)+ ?b
  FILTER(isIRI(?a) && isIRI(?b) && ?a != ?b)
}"""
)
_INVERSE = (
    _PREFIXES + "SELECT DISTINCT ?a ?b WHERE { ?a owl:inverseOf ?b FILTER(isIRI(?a) && isIRI(?b)) }"
)
_SYMMETRIC = _PREFIXES + "SELECT DISTINCT ?a WHERE { ?a a owl:SymmetricProperty FILTER isIRI(?a) }"
_TRANSITIVE = (
    _PREFIXES + "SELECT DISTINCT ?a WHERE { ?a a owl:TransitiveProperty FILTER isIRI(?a) }"
)
_DOMAIN = (
    _PREFIXES + "SELECT DISTINCT ?a ?b WHERE { ?a rdfs:domain ?b FILTER(isIRI(?a) && isIRI(?b)) }"
)
_RANGE = (
    _PREFIXES + "SELECT DISTINCT ?a ?b WHERE { ?a rdfs:range ?b FILTER(isIRI(?a) && isIRI(?b)) }"
)
_DISJOINT = (
    _PREFIXES
    + "SELECT DISTINCT ?a ?b WHERE { ?a owl:disjointWith ?b FILTER(isIRI(?a) && isIRI(?b)) }"
)
_CHAINS = (
    _PREFIXES
    + """SELECT ?p ?chain (COUNT(?mid) AS ?pos) ?step WHERE {
  ?p owl:propertyChainAxiom ?chain .
  ?chain rdf:rest* ?mid . ?mid rdf:rest* ?cell . ?cell rdf:first ?step .
  FILTER isIRI(?p)
} GROUP BY ?p ?chain ?cell ?step"""
)
#: Axiom kinds owlrl would act on that no rule here compiles (see the module docstring).
_UNSUPPORTED = (
    _PREFIXES
    + """SELECT DISTINCT ?kind WHERE {
  { ?x ?kind ?y VALUES ?kind { owl:sameAs owl:hasValue owl:someValuesFrom owl:allValuesFrom
      owl:unionOf owl:intersectionOf owl:oneOf owl:hasKey owl:complementOf
      owl:maxCardinality owl:maxQualifiedCardinality owl:cardinality owl:propertyDisjointWith } }
  UNION
  { ?x a ?kind VALUES ?kind { owl:FunctionalProperty owl:InverseFunctionalProperty
      owl:AllDisjointClasses owl:AllDifferent owl:AsymmetricProperty owl:IrreflexiveProperty } }
}"""
)


@dataclass(frozen=True)
class Rule:
    """One rule, ``INSERT { template } WHERE { values premises filter }``.

    ``premises``: its triple patterns, joined; ``closure``: for a transitive property
    (N-Triples form), whose premises are ``?x p ?y . ?y p+ ?z``.
    """

    template: str
    premises: tuple[str, ...]
    values: str = ""
    filter: str = ""
    closure: str | None = None
    derives: tuple[tuple[str, str], ...] = ()  # (predicate read, predicate written), N-Triples
    writes: tuple[str, ...] = ()  # the predicates or classes its conclusions use, N-Triples
    reads: tuple[str, ...] = ()  # the predicates or classes its premises match, N-Triples

    @property
    def where(self) -> str:
        return self.where_from("")

    def where_from(self, pattern: str) -> str:
        """:attr:`where` with ``pattern`` (a small graph's) joined in first, right after
        the ``VALUES``: an engine that follows the written order starts from it (on
        Virtuoso, the premises first timed out at 10⁶ triples), and Virtuoso 7.2 compiles
        it (a ``GRAPH`` pattern before the ``VALUES`` failed, SQ156)."""
        joined = " . ".join(self.premises)
        return " ".join(p for p in (self.values, pattern, joined, self.filter) if p)

    def delta_wheres(self, delta: str) -> list[str]:
        """The WHERE clauses of this rule's derivations that use a triple of the named graph
        ``delta`` (semi-naive evaluation: one clause per premise, that premise matched in
        ``delta``, the others in the default graph; for a transitive property, every path
        through one edge of ``delta``)."""
        graph = _iri(delta)
        if self.closure is not None:
            p = self.closure
            return [f"?x {p}* ?a . GRAPH {graph} {{ ?a {p} ?b }} . ?b {p}* ?z"]
        clauses = []
        for i in range(len(self.premises)):
            joined = " . ".join(
                f"GRAPH {graph} {{ {premise} }}" if j == i else premise
                for j, premise in enumerate(self.premises)
            )
            clauses.append(" ".join(p for p in (self.values, joined, self.filter) if p))
        return clauses


@dataclass
class RuleSet:
    """The rules compiled from a schema and what they came from.

    ``rules``: each one rule ``INSERT { template } WHERE { where }``
    (:attr:`updates`); :mod:`api.build.entailment` runs the same rules over a
    chosen graph, and over what a load adds only (:meth:`Rule.delta_wheres`).
    """

    rules: list[Rule]
    axioms: dict[str, int]
    disjoint: list[tuple[str, str]]

    @property
    def updates(self) -> list[str]:
        """Each rule as a SPARQL UPDATE over the store's default graph."""
        return [f"INSERT {{ {rule.template} }} WHERE {{ {rule.where} }}" for rule in self.rules]

    def written_terms(self) -> set[str]:
        """Every predicate and class (N-Triples form) the rules' conclusions can use."""
        return {term for rule in self.rules for term in rule.writes}

    def reads_builtin(self) -> bool:
        """Whether a rule's premise matches a predicate or class of a built-in namespace
        (``rdfs:label``, ``owl:Thing``…): an entailment about it is one the build drops,
        and a rule would derive further from it."""
        return any(
            term.strip("<>").startswith(BUILTIN_NAMESPACES)
            for rule in self.rules
            for term in rule.reads
        )

    def feeding_joins(self) -> set[str]:
        """The predicates (N-Triples form) of the triples a rule with two or more premises
        reads (a property chain, a transitive property), and of every triple from which
        rules derive such a triple: what the entailments a join needs are made of."""
        wanted = {p for rule in self.rules if _joins(rule) for p, _ in rule.derives}
        todo = list(wanted)
        while todo:
            written = todo.pop()
            for rule in self.rules:
                for read, out in rule.derives:
                    if out == written and read not in wanted:
                        wanted.add(read)
                        todo.append(read)
        return wanted

    def __len__(self) -> int:
        return len(self.rules)


def _joins(rule: Rule) -> bool:
    return rule.closure is not None or len(rule.premises) > 1


def _rows(store: ox.Store, query: str, graph: ox.NamedNode | None) -> list[tuple[str, ...]]:
    solutions = store.query(query, default_graph=None if graph is None else [graph])
    assert isinstance(solutions, ox.QuerySolutions)
    return [tuple(term.value for term in solution) for solution in solutions]


def _iri(value: str) -> str:
    return str(ox.NamedNode(value))  # validated, then written in N-Triples form


def _iris(pairs: Iterable[tuple[str, ...]]) -> tuple[tuple[str, str], ...]:
    """``(read, written)`` predicate pairs in N-Triples form, each once."""
    return tuple(sorted({(_iri(a), _iri(b)) for a, b in pairs}))


def _firsts(rows: Iterable[tuple[str, ...]]) -> tuple[str, ...]:
    """The first IRI of each row, each once, in N-Triples form."""
    return tuple(sorted({_iri(row[0]) for row in rows}))


def _seconds(pairs: Iterable[tuple[str, ...]]) -> tuple[str, ...]:
    """The second IRI of each pair, each once, in N-Triples form."""
    return tuple(sorted({_iri(pair[1]) for pair in pairs}))


def _values(variables: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    body = " ".join("(" + " ".join(_iri(v) for v in row) + ")" for row in rows)
    return f"VALUES ({' '.join('?' + v for v in variables)}) {{ {body} }}"


def compile_rules(store: ox.Store, graph: ox.NamedNode | None = None) -> RuleSet:
    """Compile the rules of the axioms in ``store`` (its ``graph``, or its default graph).

    >>> store = ox.Store()
    >>> store.add(ox.Quad(ox.NamedNode("http://e/A"),
    ...     ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#subClassOf"), ox.NamedNode("http://e/B")))
    >>> rules = compile_rules(store)
    >>> rules.axioms["subClassOf"], len(rules)
    (1, 1)
    """
    rules: list[Rule] = []
    axioms: dict[str, int] = {}

    subclass = _rows(store, _SUBCLASS, graph)
    axioms["subClassOf"] = len(subclass)
    if subclass:
        rules.append(
            Rule(
                "?x a ?b",
                ("?x a ?a",),
                _values(("a", "b"), subclass),
                derives=((_TYPE, _TYPE),),
                writes=_seconds(subclass),
                reads=_firsts(subclass),
            )
        )
    subproperty = _rows(store, _SUBPROPERTY, graph)
    axioms["subPropertyOf"] = len(subproperty)
    if subproperty:
        rules.append(
            Rule(
                "?s ?b ?o",
                ("?s ?a ?o",),
                _values(("a", "b"), subproperty),
                derives=_iris(subproperty),
                writes=_seconds(subproperty),
                reads=_firsts(subproperty),
            )
        )
    inverse = _rows(store, _INVERSE, graph)
    axioms["inverseOf"] = len(inverse)
    pairs = sorted({*inverse, *((b, a) for a, b in inverse)})
    if pairs:
        rules.append(
            Rule(
                "?o ?b ?s",
                ("?s ?a ?o",),
                _values(("a", "b"), pairs),
                "FILTER(!isLiteral(?o))",
                derives=_iris(pairs),
                writes=_seconds(pairs),
                reads=_firsts(pairs),
            )
        )
    symmetric = _rows(store, _SYMMETRIC, graph)
    axioms["SymmetricProperty"] = len(symmetric)
    if symmetric:
        rules.append(
            Rule(
                "?o ?p ?s",
                ("?s ?p ?o",),
                _values(("p",), symmetric),
                "FILTER(!isLiteral(?o))",
                derives=_iris((p, p) for (p,) in symmetric),
                writes=_seconds((p, p) for (p,) in symmetric),
                reads=_firsts(symmetric),
            )
        )
    transitive = _rows(store, _TRANSITIVE, graph)
    axioms["TransitiveProperty"] = len(transitive)
    for (prop,) in transitive:
        p = _iri(prop)
        rules.append(
            Rule(
                f"?x {p} ?z",
                (f"?x {p} ?y", f"?y {p}+ ?z"),
                closure=p,
                derives=((p, p),),
                writes=(p,),
                reads=(p,),
            )
        )
    chains = _chains(store, graph)
    axioms["propertyChainAxiom"] = len(chains)
    for prop, steps in chains:
        if len(steps) < 2:
            continue
        path = tuple(f"?v{i} {_iri(step)} ?v{i + 1}" for i, step in enumerate(steps))
        derives = _iris((step, prop) for step in steps)
        rules.append(
            Rule(
                f"?v0 {_iri(prop)} ?v{len(steps)}",
                path,
                derives=derives,
                writes=(_iri(prop),),
                reads=_firsts((step,) for step in steps),
            )
        )
    domain = _rows(store, _DOMAIN, graph)
    axioms["domain"] = len(domain)
    if domain:
        rules.append(
            Rule(
                "?s a ?b",
                ("?s ?a ?o",),
                _values(("a", "b"), domain),
                derives=_iris((a, RDF_TYPE) for a, _ in domain),
                writes=_seconds(domain),
                reads=_firsts(domain),
            )
        )
    range_ = _rows(store, _RANGE, graph)
    axioms["range"] = len(range_)
    if range_:
        rules.append(
            Rule(
                "?o a ?b",
                ("?s ?a ?o",),
                _values(("a", "b"), range_),
                "FILTER(!isLiteral(?o))",
                derives=_iris((a, RDF_TYPE) for a, _ in range_),
                writes=_seconds(range_),
                reads=_firsts(range_),
            )
        )
    disjoint = [(a, b) for a, b in _rows(store, _DISJOINT, graph)]
    axioms["disjointWith"] = len(disjoint)
    return RuleSet(rules=rules, axioms=axioms, disjoint=disjoint)


def _chains(store: ox.Store, graph: ox.NamedNode | None) -> list[tuple[str, list[str]]]:
    """``(property, [step, …])`` per ``owl:propertyChainAxiom`` (list order kept)."""
    cells: dict[tuple[str, str], list[tuple[int, str]]] = {}
    for prop, chain, pos, step in _rows(store, _CHAINS, graph):
        cells.setdefault((prop, chain), []).append((int(pos), step))
    return sorted((prop, [step for _, step in sorted(items)]) for (prop, _), items in cells.items())


def unsupported_axioms(store: ox.Store, graph: ox.NamedNode | None = None) -> list[str]:
    """OWL terms in the schema that would entail what no rule here compiles."""
    return sorted(row[0] for row in _rows(store, _UNSUPPORTED, graph))


def run_rules(store: ox.Store, rules: RuleSet, *, max_rounds: int = 32) -> int:
    """Apply ``rules`` to the store's default graph until a round adds nothing.

    Returns the number of rounds run (the last one added nothing).
    """
    size = len(store)
    for rounds in range(1, max_rounds + 1):
        for update in rules.updates:
            store.update(update)
        grown = len(store)
        if grown == size:
            return rounds
        size = grown
    raise RuntimeError(f"inference did not reach a fixpoint in {max_rounds} rounds")


def inconsistencies(store: ox.Store, rules: RuleSet) -> list[str]:
    """A message per member of two classes the schema declares disjoint."""
    if not rules.disjoint:
        return []
    query = f"SELECT ?x ?a ?b WHERE {{ {_values(('a', 'b'), rules.disjoint)} ?x a ?a, ?b }}"
    return sorted(
        f"Disjoint classes {a} and {b} have a common individual {x}"
        for x, a, b in _rows(store, query, None)
    )


def infer(data: Graph, ontology: Graph, vocabularies: Graph | None = None) -> InferenceResult:
    """The kept entailments of ontology + vocabularies + ``data``, by the compiled rules.

    Same contract as :func:`api.build.reasoning.infer` (owlrl); none of the
    inputs is modified. ``total`` counts what the rules added before filtering.
    """
    store = ox.Store()
    asserted: set[tuple[Node, Node, Node]] = set()
    for graph in (ontology, vocabularies, data):
        if graph is None:
            continue
        asserted.update(graph)
    text = Graph()
    for triple in asserted:
        text.add(triple)
    payload = text.serialize(format="nt", encoding="utf-8")
    store.load(payload, format=ox.RdfFormat.N_TRIPLES)
    store.load(payload, format=ox.RdfFormat.N_TRIPLES, to_graph=ASSERTED)

    rules = compile_rules(store)
    run_rules(store, rules)
    messages = inconsistencies(store, rules)

    added = Graph()
    solutions = store.query(
        "SELECT ?s ?p ?o WHERE { ?s ?p ?o "
        f"FILTER NOT EXISTS {{ GRAPH {ASSERTED} {{ ?s ?p ?o }} }} }}"
    )
    assert isinstance(solutions, ox.QuerySolutions)
    lines = "".join(f"{s} {p} {o} .\n" for s, p, o in solutions)
    if lines:
        added.parse(data=lines, format="nt")

    terms = _schema_terms(ontology, text, added)
    kept = Graph()
    for prefix, namespace in PREFIXES.items():
        kept.bind(prefix, namespace, override=True, replace=True)
    dropped: Counter[str] = Counter()
    for triple in added:
        reason = noise_reason(triple, terms)
        if reason is None:
            kept.add(triple)
        else:
            dropped[reason] += 1
    return InferenceResult(
        graph=kept, total=len(added), dropped_by_reason=dict(dropped), inconsistencies=messages
    )


def _schema_terms(ontology: Graph, asserted: Graph, added: Graph) -> frozenset[Node]:
    """As :func:`api.build.reasoning._schema_terms`, over asserted + added triples."""
    from rdflib import RDF

    terms: set[Node] = set()
    for s, p, o in ontology:
        terms.update(t for t in (s, p, o) if isinstance(t, URIRef))
    for graph in (asserted, added):
        terms.update(graph.predicates(unique=True))
        terms.update(o for o in graph.objects(None, RDF.type, unique=True) if isinstance(o, URIRef))
    return frozenset(terms)


__all__ = [
    "ASSERTED",
    "Rule",
    "RuleSet",
    "compile_rules",
    "inconsistencies",
    "infer",
    "run_rules",
    "unsupported_axioms",
]
