"""The ccai graph as background for data that links to it (the ``linkset`` profile).

The background is the ontology, the SKOS vocabularies and every source graph,
read from the installed package (:func:`api.resources.data_root`) or from a
build directory (its ``ccai.ttl``). It is parsed once with pyoxigraph (about
0.1 s) into plain Python tables; it is **never validated itself**. For a data
graph, :meth:`Background.context_for` returns the small slice the shapes need
about the ccai IRIs that the data uses:

* ``<iri> <urn:x-ccai:linkset:inGraph> true`` for every used IRI that exists
  (the marker :data:`IN_GRAPH` the ``shapes/linkset/`` constraints test);
* its ``rdf:type``\\ s and ``skos:inScheme``\\ s;
* every ``rdfs:subClassOf`` axiom of the ontology (so ``sh:class`` and the
  ``rdf:type/rdfs:subClassOf*`` paths of the shapes see that a ``ccai:Network``
  is a ``ccai:Organisation``).

:meth:`Background.suggest` names the nearest existing IRIs of a dangling link,
by slug and by label.

>>> bg = Background.from_package()
>>> URIRef("https://w3id.org/ccai/id/organisation/nemo") in bg
True
>>> [str(i) for i in bg.suggest(URIRef("https://w3id.org/ccai/id/organisation/nemmo"))][:1]
['https://w3id.org/ccai/id/organisation/nemo']
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph
from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import SKOS

from api import resources
from api.namespaces import BASE, DATASET_IRI, GRAPH
from api.rdf.parsing import RdfInputError, RdfSyntaxError, open_regular, rdf_files_in

__all__ = ["IN_GRAPH", "Background"]

#: Marker of the IRIs that exist in the ccai graph (added to the validated copy only).
IN_GRAPH = URIRef("urn:x-ccai:linkset:inGraph")

_RDF_TYPE = str(RDF.type)
_SUBCLASS = str(RDFS.subClassOf)
_IN_SCHEME = str(SKOS.inScheme)
_LABELS = {str(RDFS.label), str(SKOS.prefLabel), str(SKOS.altLabel)}
_FORMATS = {
    ".ttl": pyoxigraph.RdfFormat.TURTLE,
    ".nt": pyoxigraph.RdfFormat.N_TRIPLES,
    ".nq": pyoxigraph.RdfFormat.N_QUADS,
    ".trig": pyoxigraph.RdfFormat.TRIG,
}
#: IRIs the service publishes that no source graph describes as a subject.
_PUBLISHED = (
    DATASET_IRI,
    URIRef(BASE + "catalog"),
    GRAPH["ontology"],
    GRAPH["vocabularies"],
    GRAPH["inferred"],
)


@dataclass
class Background:
    """What the ccai graph says about its own IRIs, as lookup tables.

    Attributes:
        known: every IRI under ``https://w3id.org/ccai/`` that is the subject of
            a triple (plus the dataset, catalogue and named-graph IRIs).
        types: IRI → its ``rdf:type`` IRIs.
        schemes: concept IRI → its ``skos:inScheme`` IRIs.
        labels: IRI → its labels (``rdfs:label``, ``skos:prefLabel``/``altLabel``).
        subclass: every ``(sub, super)`` pair of ``rdfs:subClassOf`` IRIs.
        origin: where it was read from (for ``--verbose``).
    """

    known: set[str] = field(default_factory=set)
    types: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    schemes: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    labels: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    subclass: set[tuple[str, str]] = field(default_factory=set)
    origin: str = ""

    def __contains__(self, iri: object) -> bool:
        return str(iri) in self.known

    # ------------------------------------------------------------ construction

    @classmethod
    def from_package(cls) -> Background:
        """The installed package's ontology, vocabularies and ``graph/`` (cached)."""
        return _package_background()

    @classmethod
    def from_directory(cls, directory: Path) -> Background:
        """A build directory (its ``ccai.ttl``) or a folder of RDF files
        (``.ttl``, ``.nt``, ``.nq``, ``.trig``; the ontology and vocabularies of
        the package are added when the folder does not hold them).

        Raises:
            RdfInputError: a missing directory, no RDF in it, or a file that
            does not parse (``file:line:column: message``).
        """
        build_dump = directory / "ccai.ttl"
        if build_dump.is_file():
            return cls._read([build_dump], origin=f"build {directory}")
        files = rdf_files_in(directory, suffixes=set(_FORMATS))
        if not files:
            raise RdfInputError(
                directory, "no ccai.ttl (a build) and no .ttl/.nt/.nq/.trig files in it"
            )
        background = cls._read(files, origin=str(directory))
        if str(BASE + "ontology#Organisation") not in background.known:
            schema = sorted(resources.ontology_dir().rglob("*.ttl"))
            background._add_files(schema)
        return background

    @classmethod
    def _read(cls, files: Iterable[Path], *, origin: str) -> Background:
        background = cls(origin=origin)
        background._add_files(files)
        background.known.update(str(iri) for iri in _PUBLISHED)
        return background

    def _add_files(self, files: Iterable[Path]) -> None:
        for path in files:
            fmt = _FORMATS.get(path.suffix.lower(), pyoxigraph.RdfFormat.TURTLE)
            with open_regular(path) as stream:
                try:
                    for quad in pyoxigraph.parse(stream, fmt, base_iri=path.resolve().as_uri()):
                        self._add(quad.subject, quad.predicate, quad.object)
                except SyntaxError as exc:
                    raise RdfSyntaxError(path, str(exc.msg), line=exc.lineno) from None

    def _add(self, s: object, p: pyoxigraph.NamedNode, o: object) -> None:
        if not isinstance(s, pyoxigraph.NamedNode):
            return
        subject = s.value
        if subject.startswith(BASE):
            self.known.add(subject)
        predicate = p.value
        if predicate == _RDF_TYPE and isinstance(o, pyoxigraph.NamedNode):
            self.types[subject].add(o.value)
        elif predicate == _IN_SCHEME and isinstance(o, pyoxigraph.NamedNode):
            self.schemes[subject].add(o.value)
        elif predicate == _SUBCLASS and isinstance(o, pyoxigraph.NamedNode):
            self.subclass.add((subject, o.value))
        elif predicate in _LABELS and isinstance(o, pyoxigraph.Literal):
            self.labels[subject].add(o.value)

    # ------------------------------------------------------------------- use

    def context_for(self, data: Graph) -> Graph:
        """The slice of the background the linkset shapes need for ``data``."""
        classes = {str(o) for o in data.objects(None, RDF.type) if isinstance(o, URIRef)}
        return self._context(_ccai_iris(data), classes)

    def context_for_store(self, store: pyoxigraph.Store) -> Graph:
        """:meth:`context_for` the default graph of ``store`` (read by SPARQL, in Oxigraph)."""
        used = (
            "SELECT DISTINCT ?t WHERE { { ?t ?p ?o } UNION { ?s ?t ?o } UNION { ?s ?p ?t } "
            f'FILTER(isIRI(?t) && STRSTARTS(STR(?t), "{BASE}")) }}'
        )
        typed = f"SELECT DISTINCT ?c WHERE {{ ?s <{_RDF_TYPE}> ?c FILTER(isIRI(?c)) }}"
        iris = {URIRef(row[0].value) for row in _select(store, used)}
        classes = {row[0].value for row in _select(store, typed)}
        return self._context(iris, classes)

    def _context(self, iris: set[URIRef], classes: set[str]) -> Graph:
        context = Graph()
        true = Literal(True)
        classes = set(classes)
        for iri in iris:
            key = str(iri)
            if key not in self.known:
                continue
            context.add((iri, IN_GRAPH, true))
            for cls in self.types.get(key, ()):
                context.add((iri, RDF.type, URIRef(cls)))
                classes.add(cls)
            for scheme in self.schemes.get(key, ()):
                context.add((iri, SKOS.inScheme, URIRef(scheme)))
        for sub, sup in self._superclass_axioms(classes):
            context.add((URIRef(sub), RDFS.subClassOf, URIRef(sup)))
        return context

    def _superclass_axioms(self, classes: set[str]) -> set[tuple[str, str]]:
        """The ``rdfs:subClassOf`` axioms above ``classes`` (transitively)."""
        supers: dict[str, set[str]] = defaultdict(set)
        for sub, sup in self.subclass:
            supers[sub].add(sup)
        axioms: set[tuple[str, str]] = set()
        stack = list(classes)
        seen: set[str] = set()
        while stack:
            cls = stack.pop()
            if cls in seen:
                continue
            seen.add(cls)
            for sup in supers.get(cls, ()):
                axioms.add((cls, sup))
                stack.append(sup)
        return axioms

    def suggest(self, iri: URIRef | str, limit: int = 3) -> list[URIRef]:
        """The existing IRIs nearest to ``iri`` (a dangling link), best first.

        Candidates of the same kind (``…/id/organisation/``, ``…/vocab/themes/``)
        are compared first, by slug and by label; other kinds only when none
        of that kind is close.
        """
        text = str(iri)
        if not text.startswith(BASE):
            return []
        folder, slug = _split(text)
        wanted = _words(slug)
        same_kind = [k for k in self.known if _split(k)[0] == folder]
        for pool in (same_kind, self.known):
            scored: list[tuple[float, str]] = []
            for candidate in pool:
                names = [_split(candidate)[1], *self.labels.get(candidate, ())]
                score = max(_similarity(wanted, _words(name)) for name in names)
                if pool is self.known and _split(candidate)[0] != folder:
                    score -= 0.1  # another kind: only when clearly closer
                if score >= 0.6:
                    scored.append((score, candidate))
            if scored:
                best = max(score for score, _candidate in scored)
                near = sorted((-s, c) for s, c in scored if s >= best - 0.05)
                return [URIRef(candidate) for _score, candidate in near[:limit]]
        return []


@functools.lru_cache(maxsize=1)
def _package_background() -> Background:
    root = resources.data_root()
    files = [
        *sorted(resources.ontology_dir().rglob("*.ttl")),
        *sorted(resources.graph_dir().glob("*.ttl")),
    ]
    return Background._read(files, origin=f"package data {root}")


def _ccai_iris(data: Graph) -> set[URIRef]:
    found: set[URIRef] = set()
    for triple in data:
        for term in triple:
            if isinstance(term, URIRef) and str(term).startswith(BASE):
                found.add(term)
    return found


def _select(store: pyoxigraph.Store, query: str) -> pyoxigraph.QuerySolutions:
    rows = store.query(query, use_default_graph_as_union=False)
    assert isinstance(rows, pyoxigraph.QuerySolutions)  # a SELECT
    return rows


def _split(iri: str) -> tuple[str, str]:
    """``(folder, local name)``: split at the last ``#`` or ``/``."""
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[:cut], iri[cut + 1 :]


def _similarity(wanted: str, name: str) -> float:
    """How close two word strings are (0..1): the whole strings, or ``name``
    against the start of ``wanted`` (``nemo`` for ``nemo collectionz``)."""
    if not name:
        return 0.0
    whole = difflib.SequenceMatcher(None, wanted, name).ratio()
    if len(name) >= 4 and len(wanted) > len(name):
        start = difflib.SequenceMatcher(None, wanted[: len(name) + 1], name + " ").ratio()
        return max(whole, 0.9 * start)
    return whole


def _words(text: str) -> str:
    """Lower-case ASCII words joined by spaces: a slug and a label compare alike."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return " ".join(re.findall(r"[a-z0-9]+", ascii_text.lower()))
