"""Compile a SHACL shapes graph into SPARQL checks (:func:`compile_shapes`).

Every shape that applies to focus nodes becomes a few :class:`Check` objects,
each one SPARQL ``SELECT`` that Oxigraph runs once over the whole data (never
once per focus node, as pySHACL does):

* the **focus nodes** of a shape are a SPARQL group pattern binding ``?this``
  (``sh:targetClass`` through ``rdfs:subClassOf*``, ``sh:targetNode``,
  ``sh:targetSubjectsOf``, ``sh:targetObjectsOf``, ``sh:SPARQLTarget``);
* a **value constraint** (``sh:class``, ``sh:datatype``, ``sh:nodeKind``,
  ``sh:pattern``, ``sh:languageIn``, ``sh:in``, ``sh:min/maxInclusive``,
  ``sh:min/maxExclusive``, ``sh:min/maxLength``, ``sh:node``, ``sh:or``,
  ``sh:and``, ``sh:not``, ``sh:xone``, ``sh:hasValue`` on a node shape) is a
  SPARQL boolean expression over the value; nested shapes (``sh:node``,
  ``sh:or``…, ``sh:qualifiedValueShape``) are inlined as expressions with
  ``EXISTS`` for their property shapes;
* **cardinalities** (``sh:minCount``, ``sh:maxCount``, ``sh:qualifiedMin/MaxCount``,
  ``sh:hasValue`` on a path) are ``FILTER NOT EXISTS`` (at least one) or a grouped
  query with ``HAVING`` (other bounds);
* ``sh:uniqueLang``, ``sh:closed`` and **SPARQL constraints** (``sh:sparql``)
  are one query each.

Every query returns failures only (never the nodes that pass); the node-level and
cardinality queries join the focus nodes where :data:`FOCUS_TOKEN` stands
(:mod:`api.shacl.run` puts the focus query there, or a scratch named graph holding
the nodes of a SPARQL target).

Anything else (an unknown ``sh:`` parameter on a shape, a SPARQL constraint
that uses ``$shapesGraph``, a recursive shape…) raises
:class:`UnsupportedShapeError` naming the shape and the feature: nothing is
skipped silently.

The class hierarchy (``rdfs:subClassOf``) is read from the data before
compiling (:func:`compile_shapes` takes it as ``subclasses``), so that
``sh:class`` becomes a ``VALUES`` list of classes instead of a property path
evaluated per value.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from rdflib import RDF, BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

__all__ = [
    "CHECKED_DATATYPES",
    "FOCUS_TOKEN",
    "SH",
    "Check",
    "CompiledShapes",
    "Targets",
    "UnsupportedShapeError",
    "compile_shapes",
    "lexical_form_check",
]

SH = Namespace("http://www.w3.org/ns/shacl#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
RDFS_SUBCLASS = URIRef("http://www.w3.org/2000/01/rdf-schema#subClassOf")
RDF_TYPE = RDF.type
SPEC = "https://www.w3.org/TR/shacl/"

#: Parameters that describe a shape without constraining anything.
_DESCRIPTIVE = {
    SH.name,
    SH.description,
    SH.message,
    SH.severity,
    SH.order,
    SH.group,
    SH.defaultValue,
    SH.deactivated,
    SH.path,
    SH.targetClass,
    SH.targetNode,
    SH.targetSubjectsOf,
    SH.targetObjectsOf,
    SH.target,
    SH.property,
    SH.qualifiedMinCount,
    SH.qualifiedMaxCount,
    SH.qualifiedValueShapesDisjoint,
    SH.flags,
    SH.ignoredProperties,
    SH.declare,
    SH.prefixes,
}

#: Constraint parameters that test each value on its own.
_VALUE_PARAMS = {
    SH["class"],
    SH.datatype,
    SH.nodeKind,
    SH.pattern,
    SH.languageIn,
    SH["in"],
    SH.minInclusive,
    SH.maxInclusive,
    SH.minExclusive,
    SH.maxExclusive,
    SH.minLength,
    SH.maxLength,
    SH.node,
    SH["or"],
    SH["and"],
    SH["not"],
    SH.xone,
}
_OTHER_PARAMS = {
    SH.minCount,
    SH.maxCount,
    SH.qualifiedValueShape,
    SH.uniqueLang,
    SH.hasValue,
    SH.closed,
    SH.sparql,
}

_COMPONENT: dict[Node, URIRef] = {
    SH["class"]: SH.ClassConstraintComponent,
    SH.datatype: SH.DatatypeConstraintComponent,
    SH.nodeKind: SH.NodeKindConstraintComponent,
    SH.pattern: SH.PatternConstraintComponent,
    SH.languageIn: SH.LanguageInConstraintComponent,
    SH["in"]: SH.InConstraintComponent,
    SH.minInclusive: SH.MinInclusiveConstraintComponent,
    SH.maxInclusive: SH.MaxInclusiveConstraintComponent,
    SH.minExclusive: SH.MinExclusiveConstraintComponent,
    SH.maxExclusive: SH.MaxExclusiveConstraintComponent,
    SH.minLength: SH.MinLengthConstraintComponent,
    SH.maxLength: SH.MaxLengthConstraintComponent,
    SH.node: SH.NodeConstraintComponent,
    SH["or"]: SH.OrConstraintComponent,
    SH["and"]: SH.AndConstraintComponent,
    SH["not"]: SH.NotConstraintComponent,
    SH.xone: SH.XoneConstraintComponent,
    SH.minCount: SH.MinCountConstraintComponent,
    SH.maxCount: SH.MaxCountConstraintComponent,
    SH.hasValue: SH.HasValueConstraintComponent,
    SH.uniqueLang: SH.UniqueLangConstraintComponent,
    SH.closed: SH.ClosedConstraintComponent,
    SH.sparql: SH.SPARQLConstraintComponent,
}

_NODE_KINDS: dict[Node, str] = {
    SH.IRI: "isIRI({v})",
    SH.BlankNode: "isBlank({v})",
    SH.Literal: "isLiteral({v})",
    SH.BlankNodeOrIRI: "!isLiteral({v})",
    SH.BlankNodeOrLiteral: "!isIRI({v})",
    SH.IRIOrLiteral: "!isBlank({v})",
}

_RANGE_OPS: dict[Node, str] = {
    SH.minInclusive: ">=",
    SH.maxInclusive: "<=",
    SH.minExclusive: ">",
    SH.maxExclusive: "<",
}

#: Datatypes whose lexical space Oxigraph checks by a cast (ill-typed → no match).
_CASTABLE = {
    XSD[name]
    for name in (
        "integer",
        "decimal",
        "double",
        "float",
        "boolean",
        "date",
        "dateTime",
        "time",
        "gYear",
        "gYearMonth",
        "gMonthDay",
        "gDay",
        "gMonth",
        "duration",
        "dayTimeDuration",
        "yearMonthDuration",
    )
}
#: Integer types Oxigraph has no cast for: an ``xsd:integer`` cast and these bounds.
_INTEGER_RANGES: dict[URIRef, tuple[int | None, int | None]] = {
    XSD.long: (-(2**63), 2**63 - 1),
    XSD.int: (-(2**31), 2**31 - 1),
    XSD.short: (-(2**15), 2**15 - 1),
    XSD.byte: (-(2**7), 2**7 - 1),
    XSD.nonNegativeInteger: (0, None),
    XSD.positiveInteger: (1, None),
    XSD.nonPositiveInteger: (None, 0),
    XSD.negativeInteger: (None, -1),
    XSD.unsignedLong: (0, 2**64 - 1),
    XSD.unsignedInt: (0, 2**32 - 1),
    XSD.unsignedShort: (0, 2**16 - 1),
    XSD.unsignedByte: (0, 2**8 - 1),
}
#: Datatypes whose lexical space :func:`lexical_form_check` tests.
CHECKED_DATATYPES = frozenset(_CASTABLE | set(_INTEGER_RANGES))


class UnsupportedShapeError(ValueError):
    """A shape uses a SHACL feature the fast engine does not implement.

    Attributes:
        shape: the shape (IRI or blank node) that uses it.
        feature: the parameter or construct, e.g. ``sh:equals``.
        spec: a link to the SHACL specification of that feature.

    Validate such shapes with pySHACL (``engine="pyshacl"``) instead.
    """

    def __init__(self, shape: Node, feature: str, detail: str = "") -> None:
        self.shape = shape
        self.feature = feature
        self.spec = SPEC
        text = f"shape {_show(shape)} uses {feature}, which the fast SHACL engine does not support"
        super().__init__(text + (f" ({detail})" if detail else "") + f"; see {SPEC}")


@dataclass(frozen=True)
class Check:
    """One SPARQL query and what its rows mean.

    Every query returns failures only, one result per row, so that Python never
    handles the nodes that pass. The ``"node"``, ``"has"`` and at-least ``"count"``
    queries read their focus nodes where :data:`FOCUS_TOKEN` stands; the others
    select failures among all nodes (one query shared by every shape that asks it)
    and :mod:`api.shacl.run` keeps the rows whose ``?this`` is a focus node.

    Attributes:
        kind: how :mod:`api.shacl.run` reads the rows:
            ``"node"`` (rows ``?this``: the focus node fails, value = focus),
            ``"value"`` (rows ``?this ?value``),
            ``"count"`` (rows ``?this``: fewer than ``low`` or more than ``high`` values),
            ``"has"`` (rows ``?this``: the focus nodes without the value),
            ``"lang"`` (rows ``?this ?lang``),
            ``"closed"`` (rows ``?this ?p ?value``),
            ``"sparql"`` (rows of a SHACL-SPARQL constraint).
        query: the SPARQL text (prefixes included).
        shape: the shape reported as ``sh:sourceShape``.
        component: ``sh:sourceConstraintComponent``.
        focus: key of the focus-node pattern (:attr:`CompiledShapes.focus`) whose
            nodes the rows are restricted to.
        path: the shape's ``sh:path`` (reported as ``sh:resultPath``), or ``None``.
        severity: ``sh:Violation``, ``sh:Warning`` or ``sh:Info``.
        messages: the shape's ``sh:message`` literals.
        low, high: bounds of a ``"count"`` check (``high`` None = unbounded).
        constraint: ``sh:sourceConstraint`` of a SPARQL constraint.
        constraint_messages: its own ``sh:message`` literals.
    """

    kind: str
    query: str
    shape: Node
    component: URIRef
    focus: str | None
    path: Node | None
    severity: URIRef
    messages: tuple[Literal, ...]
    low: int = 0
    high: int | None = None
    constraint: Node | None = None
    constraint_messages: tuple[Literal, ...] = ()


@dataclass(frozen=True)
class Targets:
    """The targets behind one focus-pattern key, for testing a node without the query.

    Attributes:
        classes: ``sh:targetClass`` classes and their subclasses.
        nodes: ``sh:targetNode`` nodes.
        subjects_of, objects_of: ``sh:targetSubjectsOf``/``sh:targetObjectsOf`` properties.
        sparql: a ``sh:SPARQLTarget`` is among them (then only its query tells).
    """

    classes: frozenset[URIRef] = frozenset()
    nodes: frozenset[Node] = frozenset()
    subjects_of: frozenset[URIRef] = frozenset()
    objects_of: frozenset[URIRef] = frozenset()
    sparql: bool = False


@dataclass
class CompiledShapes:
    """The output of :func:`compile_shapes`.

    Attributes:
        checks: every query to run.
        focus: focus-pattern key → ``SELECT DISTINCT ?this`` query.
        targets: focus-pattern key → its :class:`Targets`.
        shapes: the shapes graph (for copying complex paths into the report).
    """

    checks: list[Check] = field(default_factory=list)
    focus: dict[str, str] = field(default_factory=dict)
    targets: dict[str, Targets] = field(default_factory=dict)
    shapes: Graph = field(default_factory=Graph)


def compile_shapes(
    shapes: Graph, subclasses: Callable[[URIRef], Iterable[URIRef]] | None = None
) -> CompiledShapes:
    """Compile every shape of ``shapes`` that has targets or is reached from one.

    Args:
        shapes: the SHACL shapes graph.
        subclasses: ``subclasses(C)`` → ``C`` and every class that is
            ``rdfs:subClassOf*`` it in the data (default: ``C`` alone).

    Raises:
        UnsupportedShapeError: a shape uses a feature that is not implemented.

    >>> g = Graph().parse(data='''
    ...   @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://e/> .
    ...   ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:minCount 1 ] .
    ... ''', format="turtle")
    >>> [check.kind for check in compile_shapes(g).checks]
    ['count']
    """
    return _Compiler(shapes, subclasses or (lambda c: [c])).run()


# --------------------------------------------------------------------------- compiler


class _Compiler:
    def __init__(self, g: Graph, subclasses: Callable[[URIRef], Iterable[URIRef]]) -> None:
        self.g = g
        self.subclasses = subclasses
        self.out = CompiledShapes(shapes=g)
        self.vars = itertools.count()
        self._prefix_cache: dict[Node, dict[str, str]] = {}

    # ---- shapes and targets

    def run(self) -> CompiledShapes:
        targeted: set[Node] = set()
        for predicate in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf):
            targeted.update(self.g.subjects(predicate, None))
        targeted.update(self.g.subjects(SH.target, None))
        for cls in (RDF.type,):
            for shape in self.g.subjects(cls, SH.NodeShape):
                if (
                    shape,
                    RDF.type,
                    URIRef("http://www.w3.org/2000/01/rdf-schema#Class"),
                ) in self.g:
                    raise UnsupportedShapeError(shape, "implicit class targets")
        for shape in sorted(targeted, key=str):
            if self._deactivated(shape):
                continue
            focus = self._focus_key(shape)
            self._apply(shape, focus)
        return self.out

    def _deactivated(self, shape: Node) -> bool:
        return any(_true(v) for v in self.g.objects(shape, SH.deactivated))

    def _focus_key(self, shape: Node) -> str:
        parts: list[str] = []
        prefixes: dict[str, str] = {}
        # Variables named by their place, so that shapes with the same targets share a key.
        var = "?_target"
        classes: set[URIRef] = set()
        for cls in sorted(self.g.objects(shape, SH.targetClass), key=str):
            listed = self._class_list(shape, cls)
            classes.update(URIRef(c[1:-1]) for c in listed.split())
            parts.append(f"{{ VALUES {var} {{ {listed} }} ?this a {var} }}")
        nodes = sorted(self.g.objects(shape, SH.targetNode), key=str)
        for node in nodes:
            parts.append(f"{{ VALUES ?this {{ {self._term(shape, node)} }} }}")
        subjects_of = sorted(self.g.objects(shape, SH.targetSubjectsOf), key=str)
        for prop in subjects_of:
            parts.append(f"{{ ?this {self._term(shape, prop)} {var} }}")
        objects_of = sorted(self.g.objects(shape, SH.targetObjectsOf), key=str)
        for prop in objects_of:
            parts.append(f"{{ {var} {self._term(shape, prop)} ?this }}")
        sparql = False
        for target in sorted(self.g.objects(shape, SH.target), key=str):
            if (target, RDF.type, SH.SPARQLTarget) not in self.g:
                raise UnsupportedShapeError(shape, "sh:target other than sh:SPARQLTarget")
            if self._deactivated(target):
                continue
            selects = list(self.g.objects(target, SH.select))
            if len(selects) != 1:
                raise UnsupportedShapeError(shape, "sh:SPARQLTarget without one sh:select")
            body, own = _split_prologue(str(selects[0]))
            prefixes.update(self._prefixes(shape, target))
            prefixes.update(own)
            if re.search(r"[?$](shapesGraph|currentShape)\b", body):
                raise UnsupportedShapeError(shape, "$shapesGraph/$currentShape in a SPARQL target")
            parts.append("{ " + body + " }")
            sparql = True
        pattern = " UNION ".join(parts)
        key = _prologue(prefixes) + pattern
        if key not in self.out.focus:
            self.out.focus[key] = (
                f"{_prologue(prefixes)}SELECT DISTINCT ?this WHERE {{ {pattern} }}"
            )
            self.out.targets[key] = Targets(
                classes=frozenset(classes),
                nodes=frozenset(nodes),
                subjects_of=frozenset(p for p in subjects_of if isinstance(p, URIRef)),
                objects_of=frozenset(p for p in objects_of if isinstance(p, URIRef)),
                sparql=sparql,
            )
        return key

    def _apply(self, shape: Node, focus: str) -> None:
        """The checks of ``shape`` applied to the focus nodes ``focus``."""
        params = self._params(shape)
        path = self._one(shape, SH.path)
        if path is None:
            self._node_shape(shape, focus, params)
        else:
            self._property_shape(shape, focus, path, params)

    def _params(self, shape: Node) -> set[Node]:
        params = set(self.g.predicates(shape, None))
        for p in params:
            if (
                isinstance(p, URIRef)
                and str(p).startswith(str(SH))
                and p not in _DESCRIPTIVE | _VALUE_PARAMS | _OTHER_PARAMS
            ):
                raise UnsupportedShapeError(shape, _short(p))
        return params

    # ---- node shapes

    def _node_shape(self, shape: Node, focus: str, params: set[Node]) -> None:
        for param in sorted(params & _VALUE_PARAMS, key=str):
            for value in sorted(self.g.objects(shape, param), key=str):
                cond = self._value_cond(shape, param, value, "?this", set())
                self._add("node", _node_query(cond), shape, _COMPONENT[param], focus, None)
        for value in self.g.objects(shape, SH.hasValue):
            cond = f"sameTerm(?this, {self._term(shape, value)})"
            self._add("node", _node_query(cond), shape, SH.HasValueConstraintComponent, focus, None)
        if any(_true(v) for v in self.g.objects(shape, SH.closed)):
            allowed = {
                p
                for prop in self.g.objects(shape, SH.property)
                for p in [self._one(prop, SH.path)]
                if isinstance(p, URIRef)
            }
            for lst in self.g.objects(shape, SH.ignoredProperties):
                allowed.update(p for p in Collection(self.g, lst) if isinstance(p, URIRef))
            where = "?this ?p ?value ."
            if allowed:
                where += f" FILTER(?p NOT IN ({', '.join(p.n3() for p in sorted(allowed))}))"
            self._add(
                "closed",
                f"SELECT ?this ?p ?value WHERE {{ {where} }}",
                shape,
                SH.ClosedConstraintComponent,
                focus,
                None,
            )
        for param in (SH.minCount, SH.maxCount, SH.qualifiedValueShape, SH.uniqueLang):
            if param in params:
                raise UnsupportedShapeError(shape, f"{_short(param)} on a node shape")
        for constraint in self.g.objects(shape, SH.sparql):
            self._sparql(shape, focus, None, constraint)
        for prop in sorted(self.g.objects(shape, SH.property), key=str):
            if self._deactivated(prop):
                continue
            if self._one(prop, SH.path) is None:
                raise UnsupportedShapeError(prop, "sh:property without sh:path")
            self._apply(prop, focus)

    # ---- property shapes

    def _property_shape(self, shape: Node, focus: str, path: Node, params: set[Node]) -> None:
        p = self._path(shape, path)
        if SH.property in params:
            raise UnsupportedShapeError(shape, "sh:property on a property shape")
        for param in sorted(params & _VALUE_PARAMS, key=str):
            for value in sorted(self.g.objects(shape, param), key=str):
                cond = self._value_cond(shape, param, value, "?value", set())
                query = (
                    f"SELECT DISTINCT ?this ?value WHERE {{ ?this {p} ?value . FILTER(!({cond})) }}"
                )
                self._add("value", query, shape, _COMPONENT[param], focus, path)
        counts = [
            (SH.minCount, SH.MinCountConstraintComponent, True),
            (SH.maxCount, SH.MaxCountConstraintComponent, False),
        ]
        for param, component, at_least in counts:
            for value in self.g.objects(shape, param):
                n = _int(shape, value)
                self._count(shape, focus, path, p, component, n, at_least, None)
        for value in self.g.objects(shape, SH.hasValue):
            query = (
                f"SELECT ?this WHERE {{ {FOCUS_TOKEN} "
                f"FILTER NOT EXISTS {{ ?this {p} {self._term(shape, value)} }} }}"
            )
            self._add("has", query, shape, SH.HasValueConstraintComponent, focus, path)
        for qshape in self.g.objects(shape, SH.qualifiedValueShape):
            if any(_true(v) for v in self.g.objects(shape, SH.qualifiedValueShapesDisjoint)):
                raise UnsupportedShapeError(shape, "sh:qualifiedValueShapesDisjoint true")
            cond = self._shape_cond(qshape, "?value", set())
            qualified = [
                (SH.qualifiedMinCount, SH.QualifiedMinCountConstraintComponent, True),
                (SH.qualifiedMaxCount, SH.QualifiedMaxCountConstraintComponent, False),
            ]
            for param, component, at_least in qualified:
                for value in self.g.objects(shape, param):
                    n = _int(shape, value)
                    self._count(shape, focus, path, p, component, n, at_least, cond)
        if any(_true(v) for v in self.g.objects(shape, SH.uniqueLang)):
            query = (
                f"SELECT ?this ?lang WHERE {{ ?this {p} ?value . "
                'FILTER(isLiteral(?value) && LANG(?value) != "") '
                "BIND(LCASE(LANG(?value)) AS ?lang) } GROUP BY ?this ?lang "
                "HAVING (COUNT(DISTINCT ?value) > 1)"
            )
            self._add("lang", query, shape, SH.UniqueLangConstraintComponent, focus, path)
        if SH.closed in params:
            raise UnsupportedShapeError(shape, "sh:closed on a property shape")
        for constraint in self.g.objects(shape, SH.sparql):
            self._sparql(shape, focus, path, constraint)

    def _count(
        self,
        shape: Node,
        focus: str,
        path: Node,
        p: str,
        component: URIRef,
        n: int,
        at_least: bool,
        cond: str | None,
    ) -> None:
        """A ``"count"`` check: the focus nodes with fewer than ``n`` (``at_least``) or
        more than ``n`` distinct values along ``p`` (that satisfy ``cond``, when given).

        Only the failing nodes come back: at least one is ``FILTER NOT EXISTS`` and at
        least ``n`` a ``GROUP BY`` with ``HAVING`` over the focus nodes; at most ``n``
        needs no focus nodes (nodes without values pass), so it groups the values
        along ``p`` alone and :mod:`api.shacl.run` keeps the focus nodes among the
        rows. At least zero is no check at all.
        """
        if at_least and n <= 0:
            return
        where = f"?this {p} ?value" + (f" . FILTER({cond})" if cond else "")
        if at_least and n == 1:
            query = f"SELECT ?this WHERE {{ {FOCUS_TOKEN} FILTER NOT EXISTS {{ {where} }} }}"
        elif at_least:
            query = (
                f"SELECT ?this WHERE {{ {FOCUS_TOKEN} OPTIONAL {{ {where} }} }} "
                f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) < {n})"
            )
        else:
            query = (
                f"SELECT ?this WHERE {{ {where} }} "
                f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) > {n})"
            )
        low, high = (n, None) if at_least else (0, n)
        self._add("count", query, shape, component, focus, path, low=low, high=high)

    # ---- SHACL-SPARQL constraints

    def _sparql(self, shape: Node, focus: str, path: Node | None, constraint: Node) -> None:
        if self._deactivated(constraint):
            return
        selects = list(self.g.objects(constraint, SH.select))
        if len(selects) != 1:
            raise UnsupportedShapeError(shape, "sh:sparql without exactly one sh:select")
        body, own = _split_prologue(str(selects[0]))
        if re.search(r"[?$](shapesGraph|currentShape)\b", body):
            raise UnsupportedShapeError(shape, "$shapesGraph/$currentShape in a SPARQL constraint")
        if re.search(r"\$PATH\b", body):
            if path is None:
                raise UnsupportedShapeError(shape, "$PATH in a node shape's SPARQL constraint")
            body = re.sub(r"\$PATH\b", lambda _m: self._path(shape, path), body)
        if not re.search(r"[?$]this\b", body):
            raise UnsupportedShapeError(shape, "a SPARQL constraint that does not mention $this")
        prefixes = {**self._prefixes(shape, constraint), **own}
        messages = tuple(
            m for m in self.g.objects(constraint, SH.message) if isinstance(m, Literal)
        )
        self.out.checks.append(
            Check(
                kind="sparql",
                query=_prologue(prefixes) + body,
                shape=shape,
                component=SH.SPARQLConstraintComponent,
                focus=focus,
                path=path,
                severity=self._severity(shape),
                messages=self._messages(shape),
                constraint=constraint,
                constraint_messages=messages,
            )
        )

    def _prefixes(self, shape: Node, node: Node) -> dict[str, str]:
        out: dict[str, str] = {}
        for ontology in self.g.objects(node, SH.prefixes):
            if ontology not in self._prefix_cache:
                found: dict[str, str] = {}
                for decl in self.g.objects(ontology, SH.declare):
                    prefix, namespace = self._one(decl, SH.prefix), self._one(decl, SH.namespace)
                    if prefix is None or namespace is None:
                        raise UnsupportedShapeError(
                            shape, "an sh:declare without sh:prefix and sh:namespace"
                        )
                    found[str(prefix)] = str(namespace)
                self._prefix_cache[ontology] = found
            out.update(self._prefix_cache[ontology])
        return out

    # ---- value conditions (SPARQL expressions)

    def _value_cond(self, shape: Node, param: Node, value: Node, v: str, stack: set[Node]) -> str:
        if param == SH["class"]:
            return self._class_cond(shape, value, v)
        if param == SH.datatype:
            return _datatype_cond(value, v)
        if param == SH.nodeKind:
            if value not in _NODE_KINDS:
                raise UnsupportedShapeError(shape, f"sh:nodeKind {_show(value)}")
            return _NODE_KINDS[value].format(v=v)
        if param == SH.pattern:
            flags = self._one(shape, SH.flags)
            args = f"STR({v}), {_string(str(value))}" + (
                f", {_string(str(flags))}" if flags else ""
            )
            return f"(!isBlank({v}) && REGEX({args}))"
        if param == SH.languageIn:
            tags = [str(t) for t in Collection(self.g, value)]
            if not tags:
                return "false"
            matches = " || ".join(f"langMatches(LANG({v}), {_string(t)})" for t in tags)
            return f'(isLiteral({v}) && LANG({v}) != "" && ({matches}))'
        if param == SH["in"]:
            items = [self._term(shape, t) for t in Collection(self.g, value)]
            return "(" + (" || ".join(f"sameTerm({v}, {t})" for t in items) or "false") + ")"
        if param in (SH.minInclusive, SH.maxInclusive, SH.minExclusive, SH.maxExclusive):
            op = _RANGE_OPS[param]
            return f"COALESCE({v} {op} {self._term(shape, value)}, false)"
        if param in (SH.minLength, SH.maxLength):
            op = ">=" if param == SH.minLength else "<="
            return f"(!isBlank({v}) && STRLEN(STR({v})) {op} {_int(shape, value)})"
        if param == SH.node:
            return self._shape_cond(value, v, stack)
        if param in (SH["or"], SH["and"], SH.xone):
            shapes = list(Collection(self.g, value))
            classes = [self._only_class(m) for m in shapes]
            if param == SH["or"] and shapes and all(c is not None for c in classes):
                # sh:or of plain sh:class shapes: one VALUES list of every class
                listed = " ".join(self._class_list(shape, c) for c in classes if c is not None)
                return _types_in(self._var(), v, listed)
            members = [self._shape_cond(s, v, stack) for s in shapes]
            if param == SH["or"]:
                return "(" + (" || ".join(members) or "false") + ")"
            if param == SH["and"]:
                return "(" + (" && ".join(members) or "true") + ")"
            ones = " + ".join(f"IF({m}, 1, 0)" for m in members) or "0"
            return f"(({ones}) = 1)"
        if param == SH["not"]:
            return f"(!{self._shape_cond(value, v, stack)})"
        raise UnsupportedShapeError(shape, _short(param))  # pragma: no cover - guarded by _params

    def _shape_cond(self, shape: Node, v: str, stack: set[Node]) -> str:
        """A SPARQL expression: the node bound to ``v`` conforms to ``shape``."""
        if shape in stack:
            raise UnsupportedShapeError(shape, "a recursive shape")
        if self._deactivated(shape):
            return "true"
        stack = stack | {shape}
        params = self._params(shape)
        path = self._one(shape, SH.path)
        if SH.sparql in params or SH.closed in params:
            raise UnsupportedShapeError(shape, "sh:sparql or sh:closed in a nested shape")
        conds: list[str] = []
        if path is None:
            for param in sorted(params & _VALUE_PARAMS, key=str):
                for value in sorted(self.g.objects(shape, param), key=str):
                    conds.append(self._value_cond(shape, param, value, v, stack))
            for value in self.g.objects(shape, SH.hasValue):
                conds.append(f"sameTerm({v}, {self._term(shape, value)})")
            for param in (SH.minCount, SH.maxCount):
                if param in params:
                    raise UnsupportedShapeError(shape, f"{_short(param)} on a node shape")
            for prop in sorted(self.g.objects(shape, SH.property), key=str):
                if self._one(prop, SH.path) is None:
                    raise UnsupportedShapeError(prop, "sh:property without sh:path")
                conds.append(self._shape_cond(prop, v, stack))
        else:
            if SH.property in params:
                raise UnsupportedShapeError(shape, "sh:property on a property shape")
            p = self._path(shape, path)
            w = self._var()
            for param in sorted(params & _VALUE_PARAMS, key=str):
                for value in sorted(self.g.objects(shape, param), key=str):
                    inner = self._value_cond(shape, param, value, w, stack)
                    conds.append(f"NOT EXISTS {{ {v} {p} {w} . FILTER(!({inner})) }}")
            for value in self.g.objects(shape, SH.hasValue):
                conds.append(f"EXISTS {{ {v} {p} {self._term(shape, value)} }}")
            for value in self.g.objects(shape, SH.minCount):
                conds.append(self._count_cond(v, p, _int(shape, value), True, None))
            for value in self.g.objects(shape, SH.maxCount):
                conds.append(self._count_cond(v, p, _int(shape, value), False, None))
            for qshape in self.g.objects(shape, SH.qualifiedValueShape):
                if any(_true(x) for x in self.g.objects(shape, SH.qualifiedValueShapesDisjoint)):
                    raise UnsupportedShapeError(shape, "sh:qualifiedValueShapesDisjoint true")

                def qualified(w: str, qshape: Node = qshape) -> str:
                    return self._shape_cond(qshape, w, stack)

                for value in self.g.objects(shape, SH.qualifiedMinCount):
                    conds.append(self._count_cond(v, p, _int(shape, value), True, qualified))
                for value in self.g.objects(shape, SH.qualifiedMaxCount):
                    conds.append(self._count_cond(v, p, _int(shape, value), False, qualified))
            if any(_true(x) for x in self.g.objects(shape, SH.uniqueLang)):
                a, b = self._var(), self._var()
                conds.append(
                    f"NOT EXISTS {{ {v} {p} {a} . {v} {p} {b} . FILTER(!sameTerm({a}, {b}) && "
                    f'isLiteral({a}) && isLiteral({b}) && LANG({a}) != "" && '
                    f"LCASE(LANG({a})) = LCASE(LANG({b}))) }}"
                )
        return "(" + (" && ".join(conds) or "true") + ")"

    def _count_cond(
        self, v: str, p: str, n: int, at_least: bool, cond: Callable[[str], str] | None
    ) -> str:
        """At least ``n`` (``at_least``) or at most ``n`` distinct values of ``v`` along
        ``p`` that satisfy ``cond``."""
        if at_least and n <= 0:
            return "true"
        ws = [self._var() for _ in range(n if at_least else n + 1)]
        triples = " . ".join(f"{v} {p} {w}" for w in ws)
        tests = [f"!sameTerm({a}, {b})" for a, b in itertools.combinations(ws, 2)]
        tests += [cond(w) for w in ws] if cond is not None else []
        where = triples + (f" . FILTER({' && '.join(tests)})" if tests else "")
        return ("EXISTS" if at_least else "NOT EXISTS") + f" {{ {where} }}"

    def _only_class(self, shape: Node) -> Node | None:
        """The class of a shape that is ``[ sh:class C ]`` and nothing else, or None."""
        if not isinstance(shape, BNode) or self._deactivated(shape):
            return None
        pairs = [(p, o) for p, o in self.g.predicate_objects(shape) if p != RDF.type]
        if len(pairs) == 1 and pairs[0][0] == SH["class"]:
            return pairs[0][1]
        return None

    def _class_cond(self, shape: Node, cls: Node, v: str) -> str:
        return _types_in(self._var(), v, self._class_list(shape, cls))

    def _class_list(self, shape: Node, cls: Node) -> str:
        if not isinstance(cls, URIRef):
            raise UnsupportedShapeError(shape, "a class that is a blank node or a literal")
        return " ".join(c.n3() for c in sorted(set(self.subclasses(cls)) | {cls}))

    # ---- helpers

    def _path(self, shape: Node, path: Node) -> str:
        if isinstance(path, URIRef):
            return path.n3()
        if isinstance(path, BNode):
            if (path, RDF.first, None) in self.g:
                return "(" + "/".join(self._path(shape, p) for p in Collection(self.g, path)) + ")"
            for key, fmt in (
                (SH.inversePath, "^({})"),
                (SH.zeroOrMorePath, "({})*"),
                (SH.oneOrMorePath, "({})+"),
                (SH.zeroOrOnePath, "({})?"),
            ):
                inner = self._one(path, key)
                if inner is not None:
                    return fmt.format(self._path(shape, inner))
            alternatives = self._one(path, SH.alternativePath)
            if alternatives is not None:
                return (
                    "("
                    + "|".join(self._path(shape, p) for p in Collection(self.g, alternatives))
                    + ")"
                )
        raise UnsupportedShapeError(shape, f"the path {_show(path)}")

    def _add(
        self,
        kind: str,
        query: str,
        shape: Node,
        component: URIRef,
        focus: str | None,
        path: Node | None,
        *,
        low: int = 0,
        high: int | None = None,
    ) -> None:
        self.out.checks.append(
            Check(
                kind=kind,
                query=query,
                shape=shape,
                component=component,
                focus=focus,
                path=path,
                severity=self._severity(shape),
                messages=self._messages(shape),
                low=low,
                high=high,
            )
        )

    def _severity(self, shape: Node) -> URIRef:
        value = self._one(shape, SH.severity)
        return value if isinstance(value, URIRef) else SH.Violation

    def _messages(self, shape: Node) -> tuple[Literal, ...]:
        return tuple(
            sorted(
                (m for m in self.g.objects(shape, SH.message) if isinstance(m, Literal)), key=str
            )
        )

    def _one(self, node: Node, predicate: URIRef) -> Node | None:
        return next(iter(self.g.objects(node, predicate)), None)

    def _term(self, shape: Node, term: Node) -> str:
        if isinstance(term, URIRef | Literal):
            return term.n3()
        raise UnsupportedShapeError(shape, "a blank node as a constant")

    def _var(self) -> str:
        return f"?_v{next(self.vars)}"


#: Where a check's query reads its focus nodes: :mod:`api.shacl.run` puts a group graph
#: pattern that binds ``?this`` to them here (a subquery, or a scratch named graph).
FOCUS_TOKEN = "__CCAI_SHACL_FOCUS__"  # noqa: S105 - a placeholder, not a secret


def _types_in(t: str, v: str, classes: str) -> str:
    """``v`` has a type among ``classes`` (IRIs separated by spaces). ``v`` is bound
    where this is used: its few types are read and compared, rather than each class
    of a long list looked up."""
    listed = ", ".join(classes.split())
    return f"EXISTS {{ {v} a {t} . FILTER({t} IN ({listed})) }}"


def _node_query(cond: str) -> str:
    return f"SELECT DISTINCT ?this WHERE {{ {FOCUS_TOKEN} FILTER(!({cond})) }}"


def _datatype_cond(datatype: Node, v: str) -> str:
    if datatype == RDF.langString:
        return f'(isLiteral({v}) && LANG({v}) != "")'
    if datatype == URIRef("http://www.w3.org/2000/01/rdf-schema#Literal"):
        return f"isLiteral({v})"
    base = f"(isLiteral({v}) && sameTerm(DATATYPE({v}), {datatype.n3()})"
    if isinstance(datatype, URIRef) and datatype in CHECKED_DATATYPES:
        base += f" && {lexical_form_check(datatype, v)}"
    return base + ")"


def lexical_form_check(datatype: URIRef, v: str) -> str:
    """A SPARQL expression, never an error: the lexical form of the literal ``v`` is in
    the lexical space of ``datatype`` (one of :data:`CHECKED_DATATYPES`), by Oxigraph's
    cast (the ``xsd:integer`` cast and the bounds of a derived integer type).

    >>> lexical_form_check(XSD.byte, "?v")  # doctest: +ELLIPSIS
    'COALESCE((<...#integer>(STR(?v)) >= -128 && <...#integer>(STR(?v)) <= 127), false)'
    """
    if datatype in _INTEGER_RANGES:
        cast = f"{XSD.integer.n3()}(STR({v}))"
        low, high = _INTEGER_RANGES[datatype]
        bounds = [f"{cast} >= {low}"] if low is not None else []
        bounds += [f"{cast} <= {high}"] if high is not None else []
        return f"COALESCE(({' && '.join(bounds)}), false)"
    return f"isLiteral(COALESCE({datatype.n3()}(STR({v})), <urn:x-ccai-shacl:error>))"


_PROLOGUE = re.compile(r"^\s*(?:(?:PREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>)|(?:#[^\n]*))\s*", re.I)


def _split_prologue(text: str) -> tuple[str, dict[str, str]]:
    """``(query without its PREFIX lines, {prefix: namespace})``; BASE is refused."""
    prefixes: dict[str, str] = {}
    while True:
        match = _PROLOGUE.match(text)
        if not match or not match.group(0):
            break
        if match.group(2) is not None:
            prefixes[match.group(1) or ""] = match.group(2)
        text = text[match.end() :]
    if re.match(r"\s*BASE\b", text, re.I):
        raise UnsupportedShapeError(BNode(), "BASE in a SHACL-SPARQL query")
    return text, prefixes


def _prologue(prefixes: Mapping[str, str]) -> str:
    if not prefixes:
        return ""
    return (
        "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in sorted(prefixes.items())).rstrip("\n") + "\n"
    )


def _string(text: str) -> str:
    escaped = (
        text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    )
    return f'"{escaped}"'


def _true(value: Node) -> bool:
    return isinstance(value, Literal) and value.toPython() is True


def _int(shape: Node, value: Node) -> int:
    if isinstance(value, Literal) and isinstance(value.toPython(), int):
        return int(value.toPython())
    raise UnsupportedShapeError(shape, f"a non-integer count {_show(value)}")


def _short(term: Node) -> str:
    text = str(term)
    return "sh:" + text[len(str(SH)) :] if text.startswith(str(SH)) else _show(term)


def _show(term: Node) -> str:
    return (
        f"<{term}>" if isinstance(term, URIRef) else term.n3() if hasattr(term, "n3") else str(term)
    )
