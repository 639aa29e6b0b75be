"""The build's filter of entailments over a graph of a pyoxigraph store, read in Python.

:func:`api.build.reasoning.noise_reason` says which entailments the build drops
(blank nodes, built-in classes, schema entailments, statements about schema
terms), and :mod:`api.build.entailment` says the same in one SPARQL ``DELETE`` for
``ccai load`` on any store. On pyoxigraph that ``DELETE`` evaluates eleven tests,
five of them ``EXISTS``, on every entailment: 12.8 s for the 191,838 entailments
of the bench's 10⁶ triples, none of them dropped. :func:`dropped` reads the graph
once, with the classes of the default graph (the objects of ``rdf:type``, one range of
an index), and looks up each distinct subject's use as a predicate in the store's
index once (2.6 s there, ``bench/README.md``).

The rule is the ``DELETE``'s, on the store's default graph (the working graph of
the embedded store): a triple ``(s, p, o)`` is dropped when

* ``s`` or ``o`` is a blank node;
* ``p`` is ``rdf:type`` and ``o`` is not an IRI or is a built-in one;
* ``p`` is ``owl:sameAs`` and ``s`` is ``o``;
* ``p`` is another built-in IRI (RDF, RDFS, OWL, XSD);
* ``s`` is a built-in IRI, or a schema term: an IRI of the ontology graph (in any
  position), a predicate of the default graph or a class (an object of
  ``rdf:type``) of it.

Tests require the same triples as the ``DELETE`` on a fixture of every case and on
random graphs.

>>> store = ox.Store()
>>> p = ox.NamedNode("https://w3id.org/ccai/vocab/p")
>>> a, b = ox.NamedNode("https://w3id.org/ccai/id/a"), ox.NamedNode("https://w3id.org/ccai/id/b")
>>> g = ox.NamedNode("https://w3id.org/ccai/graph/scratch")
>>> store.extend([ox.Quad(a, p, b), ox.Quad(a, p, b, g), ox.Quad(p, p, b, g)])
>>> [str(t.subject) for t in dropped(store, g.value, "https://w3id.org/ccai/graph/ontology")]
['<https://w3id.org/ccai/vocab/p>']
"""

from __future__ import annotations

import pyoxigraph as ox

from api.build.reasoning import BUILTIN_NAMESPACES

__all__ = ["dropped"]

_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_SAME_AS = ox.NamedNode("http://www.w3.org/2002/07/owl#sameAs")


def dropped(store: ox.Store, graph: str, ontology: str) -> list[ox.Triple]:
    """The triples of named graph ``graph`` that the build's filter drops (module doc),
    the schema terms being those of named graph ``ontology`` and of the default graph."""
    schema = _ontology_terms(store, ontology) | _classes(store)
    subjects: dict[ox.NamedNode, bool] = {}  # subject -> whether it is a schema term

    def about_schema(s: ox.NamedNode) -> bool:
        known = subjects.get(s)
        if known is None:
            known = subjects[s] = (
                s.value.startswith(BUILTIN_NAMESPACES)
                or s in schema
                or next(iter(store.quads_for_pattern(None, s, None, ox.DefaultGraph())), None)
                is not None  # a predicate of the default graph (one index seek)
            )
        return known

    found = []
    # three terms decoded for each triple (a quad's graph name would be the fourth)
    query = f"SELECT ?s ?p ?o WHERE {{ GRAPH <{ox.NamedNode(graph).value}> {{ ?s ?p ?o }} }}"
    for s, p, o in _solutions(store, query):
        if _dropped_by_form(s, p, o) or about_schema(s):
            found.append(ox.Triple(s, p, o))
    return found


def _dropped_by_form(s: object, p: ox.NamedNode, o: object) -> bool:
    """Whether the triple is dropped whatever the store says (every test but the
    schema terms')."""
    if type(s) is not ox.NamedNode or type(o) is ox.BlankNode:
        return True
    if p == _RDF_TYPE:
        return type(o) is not ox.NamedNode or o.value.startswith(BUILTIN_NAMESPACES)
    if p == _SAME_AS:
        return s == o
    return p.value.startswith(BUILTIN_NAMESPACES)


def _ontology_terms(store: ox.Store, ontology: str) -> frozenset[object]:
    """Every IRI of named graph ``ontology``, in any position."""
    terms: set[ox.NamedNode] = set()
    for quad in store.quads_for_pattern(None, None, None, ox.NamedNode(ontology)):
        terms.update(
            t for t in (quad.subject, quad.predicate, quad.object) if type(t) is ox.NamedNode
        )
    return frozenset(terms)


def _classes(store: ox.Store) -> frozenset[object]:
    """The classes of the default graph: the objects of its ``rdf:type`` statements."""
    query = f"SELECT DISTINCT ?c WHERE {{ ?s <{_RDF_TYPE.value}> ?c }}"
    return frozenset(row[0] for row in _solutions(store, query))


def _solutions(store: ox.Store, query: str) -> ox.QuerySolutions:
    solutions = store.query(query)
    assert isinstance(solutions, ox.QuerySolutions), query
    return solutions
