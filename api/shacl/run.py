"""Load data into an Oxigraph store in bulk and run compiled checks over it.

:func:`load_store` streams RDF files (any syntax Oxigraph reads: Turtle,
N-Triples, N-Quads, TriG, RDF/XML, JSON-LD, N3; ``.gz`` too) and rdflib graphs
into the *default graph* of a fresh in-memory store: named graphs are merged,
as pySHACL merges a dataset. N-Triples and N-Quads are read as streams, with
no size cap.

:func:`run_checks` runs every :class:`~api.shacl.compile.Check` and returns
:class:`Finding` records (rdflib terms), one per SHACL validation result.
"""

from __future__ import annotations

import gzip
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, cast

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.graph import ConjunctiveGraph
from rdflib.term import Node

from api.shacl.compile import (
    FOCUS_TOKEN,
    RDFS_SUBCLASS,
    Check,
    CompiledShapes,
    Targets,
    _prologue,
    _split_prologue,
)

__all__ = ["Finding", "load_store", "run_checks", "subclass_map", "to_ox", "to_rdflib"]

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
#: Extensions read as RDF when a directory is given.
RDF_SUFFIXES = {".ttl", ".nt", ".nq", ".trig", ".rdf", ".owl", ".xml", ".jsonld", ".n3"}
_SCRATCH = "urn:x-ccai-shacl:focus"
_IN = ox.NamedNode("urn:x-ccai-shacl:in")
_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_QUAD_FORMATS = {ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG}


@dataclass(frozen=True)
class Finding:
    """One validation result, in rdflib terms (see :mod:`api.shacl.report`)."""

    focus: Node
    path: Node | None
    value: Node | None
    severity: URIRef
    shape: Node
    component: URIRef
    messages: tuple[Literal, ...]
    constraint: Node | None = None


# --------------------------------------------------------------------------- loading


def load_store(
    sources: Iterable[Path | str | Graph | ox.Store] = (), store: ox.Store | None = None
) -> ox.Store:
    """A store whose default graph holds every triple of ``sources``.

    Args:
        sources: files or directories (every RDF file below it, sorted), rdflib
            graphs or datasets (all their graphs), or pyoxigraph stores (all their
            quads).
        store: add to this store instead of a new in-memory one.

    Raises:
        SyntaxError: a file does not parse (Oxigraph's message names the position).
        ValueError: a file's extension names no RDF syntax.
        FileNotFoundError: a path does not exist.
    """
    store = store if store is not None else ox.Store()
    for source in sources:
        if isinstance(source, ox.Store):
            store.bulk_extend(ox.Quad(q.subject, q.predicate, q.object) for q in source)
        elif isinstance(source, Graph):
            _load_graph(store, source)
        else:
            for path in _files(Path(source)):
                _load_file(store, path)
    return store


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file() and _suffix(p) in RDF_SUFFIXES)
    if not path.exists():
        raise FileNotFoundError(f"no such file or directory: {path}")
    return [path]


def _suffix(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    return suffixes[-1] if suffixes else ""


def _load_file(store: ox.Store, path: Path) -> None:
    suffix = _suffix(path)
    fmt = ox.RdfFormat.from_extension(suffix.lstrip(".")) if suffix else None
    if suffix in {".owl", ".xml"}:
        fmt = ox.RdfFormat.RDF_XML
    if fmt is None:
        raise ValueError(f"{path}: unknown RDF file type {suffix or '(none)'}")
    base = path.resolve().as_uri()
    with _open(path) as stream:
        if fmt in _QUAD_FORMATS:
            # Quads: streamed through Python, each into the default graph.
            store.bulk_extend(
                ox.Quad(q.subject, q.predicate, q.object)
                for q in ox.parse(stream, fmt, base_iri=base, rename_blank_nodes=True)
            )
        else:
            # parsed as a stream, one transaction: less memory than bulk_load, as fast
            store.load(stream, fmt, base_iri=base, to_graph=ox.DefaultGraph())


def _open(path: Path) -> IO[bytes]:
    if path.suffix.lower() == ".gz":
        return cast(IO[bytes], gzip.open(path, "rb"))
    return path.open("rb")


def _load_graph(store: ox.Store, graph: Graph) -> None:
    if isinstance(graph, Dataset | ConjunctiveGraph):
        triples: Iterable[tuple[Node, Node, Node]] = (
            (s, p, o) for s, p, o, _g in graph.quads((None, None, None, None))
        )
    else:
        triples = graph
    store.bulk_extend(_to_quads(triples))


def _to_quads(triples: Iterable[tuple[Node, Node, Node]]) -> Iterator[ox.Quad]:
    cache: dict[Node, ox.NamedNode | ox.BlankNode | ox.Literal] = {}
    for s, p, o in triples:
        terms = []
        for term in (s, p, o):
            converted = cache.get(term)
            if converted is None:
                converted = to_ox(term)
                if len(cache) < 100_000:
                    cache[term] = converted
            terms.append(converted)
        yield ox.Quad(*terms)  # type: ignore[arg-type]


def to_ox(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """An rdflib term as a pyoxigraph term.

    >>> to_ox(Literal("x", lang="en"))
    <Literal value=x language=en>
    """
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(_bnode_id(str(term)))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


_BNODE_SAFE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")


def _bnode_id(text: str) -> str:
    # rdflib's ids are valid N-Triples labels; anything else is hex-encoded, reversibly.
    return text if _BNODE_SAFE.match(text) and not text.endswith(".") else "x" + text.encode().hex()


def to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> Node:
    """A pyoxigraph term as an rdflib term (``xsd:string`` literals become plain ones).

    >>> to_rdflib(ox.Literal("1", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")))
    rdflib.term.Literal('1', datatype=rdflib.term.URIRef('http://www.w3.org/2001/XMLSchema#integer'))
    """
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise TypeError(f"RDF-star triple terms are not supported: {term!r}")


# --------------------------------------------------------------------------- running


def subclass_map(store: ox.Store) -> dict[URIRef, set[URIRef]]:
    """``{class: its strict subclasses}`` (``rdfs:subClassOf+``) in the store's default graph."""
    out: dict[URIRef, set[URIRef]] = {}
    query = f"SELECT DISTINCT ?sub ?sup WHERE {{ ?sub <{RDFS_SUBCLASS}>+ ?sup }}"
    for row in _select(store, query):
        sub, sup = row["sub"], row["sup"]
        if isinstance(sub, ox.NamedNode) and isinstance(sup, ox.NamedNode):
            out.setdefault(URIRef(sup.value), set()).add(URIRef(sub.value))
    return out


def run_checks(store: ox.Store, compiled: CompiledShapes) -> list[Finding]:
    """Run every check of ``compiled`` over the default graph of ``store``.

    The checks are run focus set by focus set (:class:`_FocusNodes`). The
    node-level and cardinality queries join the focus nodes where
    :data:`~api.shacl.compile.FOCUS_TOKEN` stands; the rows of the others
    (failures among all nodes, each query run once for every shape that asks it)
    are kept when their ``?this`` is a focus node. Queries return failures only,
    so Python handles results, never the data.
    """
    groups: dict[str, list[Check]] = {}
    for check in compiled.checks:
        if check.focus is not None:
            groups.setdefault(check.focus, []).append(check)
    uses = Counter(c.query for c in compiled.checks if FOCUS_TOKEN not in c.query)
    shared: dict[str, _Rows] = {}
    findings: list[Finding] = []
    for number, (key, checks) in enumerate(groups.items()):
        graph = ox.NamedNode(f"{_SCRATCH}/{number}")
        focus = _FocusNodes(store, compiled.focus[key], compiled.targets.get(key), graph)
        try:
            for check in checks:
                if FOCUS_TOKEN in check.query:
                    rows = _rows(store, check.query.replace(FOCUS_TOKEN, focus.pattern()))
                else:
                    rows = focus.keep(_shared_rows(store, check.query, shared, uses))
                findings.extend(_run(check, *rows))
        finally:
            focus.close()
    return findings


class _FocusNodes:
    """The focus nodes of one focus set. Those of a SPARQL target are written into
    the scratch named graph ``urn:x-ccai-shacl:focus/<n>`` (by a SPARQL update, never
    through Python) when first needed; for the other targets, queries run the focus
    query as a subquery, and whether a node is a focus node is asked of the data
    directly (its types, its properties)."""

    def __init__(
        self, store: ox.Store, query: str, targets: Targets | None, graph: ox.NamedNode
    ) -> None:
        self.store, self.query, self.targets, self.graph = store, query, targets, graph
        self.written = False

    def pattern(self) -> str:
        """A group graph pattern binding ``?this`` to each focus node: the focus query
        itself as a subquery (classes, nodes, properties: cheaper to run again than to
        write), or the scratch graph (a SPARQL target, which may scan every triple)."""
        if self.targets is not None and not self.targets.sparql:
            body, _prefixes = _split_prologue(self.query)  # no prefixes without SPARQL
            return "{ " + body + " }"
        self._write()
        return f"GRAPH <{self.graph.value}> {{ <{self.graph.value}> <{_IN.value}> ?this }}"

    def keep(self, rows: _Rows) -> _Rows:
        """The rows whose ``?this`` is a focus node."""
        variables, solutions = rows
        column = variables.index("this") if "this" in variables else 0
        return variables, [row for row in solutions if self._has(row[column])]

    def close(self) -> None:
        if self.written:
            self.store.remove_graph(self.graph)

    def _has(self, node: ox.NamedNode | ox.BlankNode | ox.Literal | None) -> bool:
        if node is None:
            return False
        if self.written or self.targets is None or self.targets.sparql:
            self._write()
            return ox.Quad(self.graph, _IN, node, self.graph) in self.store
        return _targeted(self.store, self.targets, node)

    def _write(self) -> None:
        if self.written:
            return
        body, prefixes = _split_prologue(self.query)
        g = self.graph.value
        self.store.update(
            _prologue(prefixes)
            + f"INSERT {{ GRAPH <{g}> {{ <{g}> <{_IN.value}> ?this }} }} WHERE {{ {{ {body} }} }}"
        )
        self.written = True


def _targeted(
    store: ox.Store, targets: Targets, node: ox.NamedNode | ox.BlankNode | ox.Literal
) -> bool:
    """``node`` is a focus node of ``targets`` (no SPARQL target): index lookups."""
    if to_rdflib(node) in targets.nodes:
        return True
    default = ox.DefaultGraph()
    if not isinstance(node, ox.Literal):
        if any(
            ox.Quad(node, _RDF_TYPE, ox.NamedNode(c), default) in store for c in targets.classes
        ):
            return True
        for prop in targets.subjects_of:
            if next(store.quads_for_pattern(node, ox.NamedNode(prop), None, default), None):
                return True
    return any(
        next(store.quads_for_pattern(None, ox.NamedNode(prop), node, default), None)
        for prop in targets.objects_of
    )


_Rows = tuple[list[str], list[ox.QuerySolution]]


def _rows(store: ox.Store, query: str) -> _Rows:
    solutions = _select(store, query)
    return [v.value for v in solutions.variables], list(solutions)


def _shared_rows(store: ox.Store, query: str, cache: dict[str, _Rows], uses: Counter) -> _Rows:
    """The rows of ``query``, run once and kept until its last use."""
    uses[query] -= 1
    rows = cache.pop(query, None) if uses[query] <= 0 else cache.get(query)
    if rows is None:
        rows = _rows(store, query)
        if uses[query] > 0:
            cache[query] = rows
    return rows


def _run(check: Check, variables: list[str], rows: list[ox.QuerySolution]) -> Iterator[Finding]:
    def make(this, value=None, path=None, messages=None) -> Finding:
        return Finding(
            focus=to_rdflib(this),
            path=path if path is not None else check.path,
            value=to_rdflib(value) if value is not None else None,
            severity=check.severity,
            shape=check.shape,
            component=check.component,
            messages=messages if messages is not None else check.messages,
            constraint=check.constraint,
        )

    if check.kind == "node":
        for row in rows:
            yield make(row[0], row[0])
    elif check.kind == "value":
        for row in rows:
            yield make(row[0], row[1])
    elif check.kind in ("count", "has", "lang"):
        for row in rows:
            yield make(row[0])
    elif check.kind == "closed":
        for row in rows:
            yield make(row[0], row[2], path=to_rdflib(row[1]))
    elif check.kind == "sparql":
        for row in rows:
            bound = {name: row[name] for name in variables if row[name] is not None}
            path = to_rdflib(bound["path"]) if "path" in bound else None
            messages = _sparql_messages(check, bound)
            yield make(bound["this"], bound.get("value"), path=path, messages=messages)
    else:  # pragma: no cover - compile.py makes only the kinds above
        raise ValueError(f"unknown check kind {check.kind}")


def _select(store: ox.Store, query: str) -> ox.QuerySolutions:
    rows = store.query(query)
    if not isinstance(rows, ox.QuerySolutions):  # pragma: no cover - compile.py writes SELECTs
        raise TypeError(f"not a SELECT query: {query}")
    return rows


def _sparql_messages(check: Check, bound: dict) -> tuple[Literal, ...]:
    """pySHACL's messages for a SPARQL result: the shape's, then the constraint's, with
    ``{?var}``/``{$var}`` replaced by the row's values (language tags dropped)."""

    def fill(message: Literal) -> Literal:
        text = re.sub(
            r"\{[?$](\w+)\}",
            lambda m: str(to_rdflib(bound[m.group(1)])) if m.group(1) in bound else m.group(0),
            str(message),
        )
        return Literal(text)

    messages = [fill(m) for m in check.messages]
    messages += [fill(m) for m in check.constraint_messages if m not in check.messages]
    return tuple(messages)
