"""Inference over a store by the build's rules, as SPARQL 1.1 Update text: for ``ccai load``.

``ccai build`` infers with the rules compiled from the ontology's axioms
(:mod:`api.build.rules`) before it writes the store. ``ccai load`` adds or
replaces a named graph in a store that is already built, on either backend,
so it runs the same rules as SPARQL UPDATE requests on the store itself
(:func:`entail`), never reading the data into this process:

1. the rules are compiled from the store's **schema**, the ontology and
   vocabulary graphs (:func:`schema_rules`; a loaded graph's own axioms are
   data, not schema: a dataset cannot change what the rest of the graph
   entails);
2. they run on one **working graph** holding every asserted triple once: the
   store's default graph on the embedded store, the default graph's named
   graph on a remote one (:mod:`api.load` prepares it: the new data added;
   when a graph is replaced, its old triples and every old entailment taken
   out first, so that everything is inferred again from what stays). Each
   rule is ``INSERT { t GRAPH <scratch> { t } } WHERE { w FILTER NOT EXISTS {
   t } }``, round after round until a round adds nothing: one graph, no list
   of graphs for the engine to merge (a list made the same rules 6× slower at
   10⁶ triples, ``bench/README.md``). On the embedded store, a ``CONSTRUCT``
   with the same ``WHERE`` instead, whose triples the bulk writer writes
   (pyoxigraph holds an update's writes in memory);
3. what the build would drop is deleted from both graphs by one ``DELETE``:
   the filter of :func:`api.build.reasoning.noise_reason` (blank nodes,
   built-in classes, schema entailments, statements about ontology terms: any
   IRI of the ontology graph, any predicate, any class), written in SPARQL; on
   the embedded store it is read in Python instead (:mod:`api.build.noise`, four
   times faster, tested equal);
4. the caller moves the scratch graph onto the inferred graph in the same
   request that moves the new data onto its graph (:mod:`api.load`).

So after a load the inferred graph holds the kept entailments of everything
asserted, as a build of the same graphs keeps them (a test compares them with
:func:`api.build.rules.infer` on a fixture of every axiom kind, another with
the build's own entailments), and a graph loaded again replaces its
entailments with it. The cost is the rules' passes over the working graph,
whatever the size of the graph loaded (measured in ``bench/README.md``).

A **new** graph, when :func:`added_alone_suffices` shows that this gives the
same, is inferred from its own triples instead (:func:`entail_added`:
semi-naive, each round only what uses a triple new in the round before), on
either backend: then the cost is that of the new triples and what they entail.

A graph loaded **again** is inferred from what changed (:func:`entail_replaced`:
delete and rederive) under the same conditions and a few more: then the cost is that
of the triples removed and added and of what they entail.

Members of two classes the schema declares disjoint are reported
(:attr:`Entailed.inconsistencies`), as the build reports them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from api.build.reasoning import BUILTIN_NAMESPACES
from api.build.rules import RuleSet, compile_rules

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
OWL_SAME_AS = "http://www.w3.org/2002/07/owl#sameAs"
#: Rounds after which inference gives up (the project's graph needs 4).
MAX_ROUNDS = 32

Update = Callable[[str], None]
Select = Callable[[str], list[dict[str, Any]]]
#: Evaluates a CONSTRUCT query, then writes its triples into each of the graphs named
#: (``None``: the default graph) outside any transaction: a store's bulk writer.
Construct = Callable[[str, Sequence[str | None]], None]
#: Deletes what the build drops (:func:`api.build.reasoning.noise_reason`) from a scratch
#: graph and the default graph, the ontology graph named second: a store's own reading
#: of the rule (:mod:`api.build.noise`) in place of the ``DELETE`` of :func:`_drop_noise`.
DropNoise = Callable[[str, str], None]


@dataclass
class Entailed:
    """What :func:`entail` left in its scratch graph."""

    graph: str  # the scratch graph holding the kept entailments
    incremental: bool = False  # only what changed (entail_added, entail_replaced)
    #: entail_replaced: the graph of the entailments that leave the inferred graph
    gone: str | None = None
    removed: int = 0  # the triples in ``gone``
    kept: int = 0
    total: int = 0  # every entailment the rules added, before the build's filter
    rounds: int = 0
    inconsistencies: list[str] = field(default_factory=list)


def schema_rules(select: Select, graphs: Sequence[str]) -> RuleSet:
    """The rules of the axioms in ``graphs`` (the ontology and vocabularies), compiled
    from a copy of them in memory (a few thousand triples, read in one SELECT)."""
    if not graphs:
        return RuleSet(rules=[], axioms={}, disjoint=[])
    sources = " ".join(f"FROM {_iri(g)}" for g in graphs)
    rows = select(f"SELECT ?s ?p ?o {sources} WHERE {{ ?s ?p ?o }}")
    schema = ox.Store()
    schema.extend(ox.Quad(row["s"], row["p"], row["o"]) for row in rows)
    return compile_rules(schema)


def entail(
    update: Update,
    select: Select,
    rules: RuleSet,
    *,
    scratch: str,
    ontology: str,
    working: str | None = None,
    prefix: str = "",
    construct: Construct | None = None,
    drop_noise: DropNoise | None = None,
) -> Entailed:
    """Run ``rules`` to a fixpoint on the working graph (``None``: the store's default
    graph; else a named graph), adding each entailment to it and to the (new, empty)
    graph ``scratch``; then delete what the build drops from both (module docstring).

    ``ontology``: the ontology graph (its IRIs are schema terms); ``prefix``: text put
    before each update (Virtuoso's ``DEFINE sql:log-enable 3``); ``construct``: on the
    default graph, each rule's conclusions are found by a query and written by it
    instead of an ``INSERT … WHERE`` (pyoxigraph holds an update's writes in memory:
    a 9.2 GiB peak for 1.9 million entailments written into three graphs).
    """
    result = Entailed(graph=scratch)
    using = f"USING {_iri(working)} " if working else ""
    size = 0
    for rounds in range(1, MAX_ROUNDS + 1):
        for rule in rules.rules:
            template = rule.template
            if construct is not None and not working:
                construct(
                    f"CONSTRUCT {{ {template} }} "
                    f"WHERE {{ {rule.where} FILTER NOT EXISTS {{ {template} }} }}",
                    [None, scratch],
                )
                continue
            inserted = f"GRAPH {_iri(working)} {{ {template} }}" if working else template
            update(
                f"{prefix}INSERT {{ {inserted} GRAPH {_iri(scratch)} {{ {template} }} }} {using}"
                f"WHERE {{ {rule.where} FILTER NOT EXISTS {{ {template} }} }}"
            )
        grown = _count(select, scratch)
        result.rounds = rounds
        if grown == size:
            break
        size = grown
    else:
        raise RuntimeError(f"inference did not reach a fixpoint in {MAX_ROUNDS} rounds")
    _keep_as_built(
        update,
        select,
        result,
        ontology=ontology,
        working=working,
        prefix=prefix,
        drop_noise=drop_noise,
    )
    result.inconsistencies = _inconsistencies(select, rules, working)
    return result


def entail_added(
    update: Update,
    select: Select,
    rules: RuleSet,
    *,
    added: str,
    scratch: str,
    ontology: str,
    working: str | None = None,
    prefix: str = "",
    construct: Construct | None = None,
    drop_noise: DropNoise | None = None,
) -> Entailed:
    """The entailments that the triples of graph ``added`` bring to a store whose working
    graph (``None``: the default graph; else a named graph, as :func:`entail`) already
    holds them with everything else asserted and inferred: semi-naive evaluation, each
    round deriving only what uses a triple new in the round before
    (:meth:`~api.build.rules.Rule.delta_wheres`), into the working graph and the (new,
    empty) graph ``scratch``; then what the build drops is deleted from both.

    Exact (the entailments of :func:`entail` over the whole store) when
    :func:`added_alone_suffices` holds; the cost is that of the new triples and what
    they entail, not of the store. ``prefix``, ``construct``: as for :func:`entail`.
    """
    result = Entailed(graph=scratch, incremental=True)
    result.rounds = _forward(
        update,
        select,
        rules,
        start=added,
        scratch=scratch,
        working=working,
        prefix=prefix,
        construct=construct,
    )
    _keep_as_built(
        update,
        select,
        result,
        ontology=ontology,
        working=working,
        prefix=prefix,
        drop_noise=drop_noise,
    )
    result.inconsistencies = _inconsistencies(select, rules, working)
    return result


def _forward(
    update: Update,
    select: Select,
    rules: RuleSet,
    *,
    start: str,
    scratch: str,
    working: str | None,
    prefix: str,
    construct: Construct | None,
) -> int:
    """Semi-naive evaluation from the triples of graph ``start`` (already in the working
    graph): each round derives only what uses a triple new in the round before, into the
    working graph and ``scratch``. Returns the rounds it took.

    Each round's new triples also go into a frontier graph, read by the next round, except
    in the first round when ``scratch`` starts empty: it then holds exactly those triples
    and is the second round's frontier itself (a round reading, besides, what the rules
    before it in the round derived is still exact: they are in the working graph too).
    At 10⁶ triples that spares writing and deleting 188,052 (``bench/README.md``)."""
    frontier = [scratch + ":new-a", scratch + ":new-b"]
    fresh = not select(f"SELECT ?s WHERE {{ GRAPH {_iri(scratch)} {{ ?s ?p ?o }} }} LIMIT 1")
    current = start
    try:
        for rounds in range(1, MAX_ROUNDS + 1):
            into_scratch = fresh and rounds == 1  # the new triples go into scratch alone
            following = scratch if into_scratch else frontier[rounds % 2]
            if not into_scratch:
                update(f"DROP SILENT GRAPH {_iri(following)}")
            # on a named working graph: it is the WHERE's default graph, ``current`` its
            # one named graph, and the conclusions go into it too
            using = f"USING {_iri(working)} USING NAMED {_iri(current)} " if working else ""
            for rule in rules.rules:
                t = rule.template
                for where in rule.delta_wheres(current):
                    _derive(
                        update,
                        construct,
                        t,
                        f"{where} FILTER NOT EXISTS {{ {t} }}",
                        [None, scratch] if into_scratch else [None, scratch, following],
                        working=working,
                        prefix=prefix,
                        dataset=using,
                    )
            if not _count(select, following):
                return rounds
            current = following
        raise RuntimeError(f"inference did not reach a fixpoint in {MAX_ROUNDS} rounds")
    finally:
        for graph in frontier:
            update(f"DROP SILENT GRAPH {_iri(graph)}")


def _derive(
    update: Update,
    construct: Construct | None,
    template: str,
    where: str,
    graphs: Sequence[str | None],
    *,
    working: str | None,
    prefix: str,
    dataset: str = "",
) -> None:
    """The instances of ``template`` that ``where`` finds, into each of ``graphs`` (``None``:
    the working graph): by ``construct`` on the default graph, else one ``INSERT``."""
    if construct is not None and not working:
        construct(f"CONSTRUCT {{ {template} }} WHERE {{ {where} }}", graphs)
        return
    into = " ".join(
        f"GRAPH {_iri(g or working)} {{ {template} }}" if g or working else template  # type: ignore[arg-type]
        for g in graphs
    )
    update(f"{prefix}INSERT {{ {into} }} {dataset}WHERE {{ {where} }}")


def _keep_as_built(
    update: Update,
    select: Select,
    result: Entailed,
    *,
    ontology: str,
    working: str | None,
    prefix: str,
    drop_noise: DropNoise | None = None,
) -> None:
    """What the build drops deleted from ``result``'s scratch graph and the working graph
    (by ``drop_noise`` when given and the working graph is the default graph); the
    counts before and after."""
    scratch = result.graph
    result.total = _count(select, scratch)
    if result.total and drop_noise is not None and not working:
        drop_noise(scratch, ontology)
    elif result.total:
        into = f"GRAPH {_iri(working)} {{ ?s ?p ?o }}" if working else "?s ?p ?o"
        dataset = (
            f"USING {_iri(working)} USING NAMED {_iri(scratch)} USING NAMED {_iri(ontology)} "
            if working
            else ""
        )
        update(prefix + _drop_noise(scratch, into, dataset, ontology))
    result.kept = _count(select, scratch) if result.total else 0


def entail_replaced(
    update: Update,
    select: Select,
    rules: RuleSet,
    *,
    graph: str,
    added: str,
    staying: Sequence[str],
    inferred: str,
    scratch: str,
    ontology: str,
    put_in: Callable[[], None],
    removed: str | None = None,
    working: str | None = None,
    prefix: str = "",
    in_order: str = "",
    construct: Construct | None = None,
    terms: AddedTerms | None = None,
    drop_noise: DropNoise | None = None,
    lost: str | None = None,
) -> Entailed | None:
    """What changes in the inferred graph ``inferred`` when graph ``graph`` is replaced by
    the triples of graph ``added`` (the asserted graphs ``staying`` stay), or, when
    ``removed`` is given, when ``graph`` loses the triples of graph ``removed`` and gains
    those of ``added`` (a difference computed by the caller): delete and
    rederive (DRed, Gupta, Mumick and Subrahmanian 1993) on the working graph, as
    :func:`entail_added` on a named one. ``None`` when it cannot be exact (checked before
    anything changes): the caller infers over the whole store then.

    1. The removed triples (``graph``'s, or ``removed``'s, asserted nowhere after) and
       everything derived with one of them, round after round over the store as it is
       (entailments the build dropped included), are put aside: **overdeleted**.
    2. They leave the working graph (unless asserted in ``added`` or a staying graph);
       ``put_in`` adds ``added``'s triples to it.
    3. Each one a rule still derives in one step from what stays is **rederived**; and
       the triples that stay beside the subject of one that did not, with a blank node,
       a built-in IRI or a schema term in them, are read again: an entailment the build
       dropped (not in the store) may have derived it, and every triple of such a
       derivation holds that subject or a constant of the rules.
    4. From those and the triples ``added`` brings, semi-naive evaluation
       (:func:`entail_added`) into the working graph and ``scratch``, then the build's
       filter.

    ``in_order``: a pragma, before ``prefix``, that makes the store join in the order
    written, for the rederivation, which starts from the overdeleted graph (Virtuoso's
    ``DEFINE sql:select-option "order"``; its own plan sometimes timed out).

    ``scratch`` then holds the entailments that join the inferred graph, and
    :attr:`Entailed.gone` those that leave it. ``lost``: a graph that also receives the
    triples leaving the working graph in step 2 (some may come back in steps 3–4), for
    the caller's statistics. Exact (a test compares it with the whole
    store's inference) where :func:`added_alone_suffices` holds for ``added``, no rule
    reads a built-in term, and no term the removed triples or the rules use stops being
    a predicate or class while something is said about it (:func:`_stops_being_a_term`).
    """
    if rules.reads_builtin() or not added_alone_suffices(
        select, rules, added=added, ontology=ontology, working=working, terms=terms
    ):
        return None
    over, gone = scratch + ":over", gone_of(scratch)
    frontier = [scratch + ":out-a", scratch + ":out-b"]

    def in_work(triple: str) -> str:
        return f"GRAPH {_iri(working)} {{ {triple} }}" if working else triple

    def write(
        template: str,
        where: str,
        graphs: Sequence[str | None],
        dataset: str = "",
        pragma: str = "",
    ) -> None:
        _derive(
            update,
            construct,
            template,
            where,
            graphs,
            working=working,
            prefix=pragma + prefix,
            dataset=dataset,
        )

    def asserted_after(triple: str) -> str:
        """A pattern: ``triple`` is asserted once the graph is replaced."""
        stay = " ".join(_iri(g) for g in (added, *staying))
        found = f"{{ VALUES ?g {{ {stay} }} GRAPH ?g {{ {triple} }} }}"
        if removed is None:
            return found
        g, r = _iri(graph), _iri(removed)
        kept = f"GRAPH {g} {{ {triple} }} FILTER NOT EXISTS {{ GRAPH {r} {{ {triple} }} }}"
        return f"{found} UNION {{ {kept} }}"

    spo = "?s ?p ?o"
    try:
        # 1. overdeletion, from the removed triples
        write(
            spo,
            f"GRAPH {_iri(removed or graph)} {{ {spo} }} "
            f"FILTER NOT EXISTS {{ {asserted_after(spo)} }}",
            [over, frontier[0]],
        )
        if _stops_being_a_term(
            select,
            rules,
            over=over,
            asserted_after=asserted_after,
            ontology=ontology,
            in_work=in_work,
        ):
            return None
        result = Entailed(graph=scratch, incremental=True, gone=gone)
        current = frontier[0]
        for rounds in range(1, MAX_ROUNDS + 1):
            following = frontier[rounds % 2]
            update(f"DROP SILENT GRAPH {_iri(following)}")
            using = (
                f"USING {_iri(working)} USING NAMED {_iri(current)} USING NAMED {_iri(over)} "
                if working
                else ""
            )
            for rule in rules.rules:
                t = rule.template
                for where in rule.delta_wheres(current):
                    write(
                        t,
                        f"{where} FILTER NOT EXISTS {{ GRAPH {_iri(over)} {{ {t} }} }}",
                        [over, following],
                        using,
                    )
            if not _count(select, following):
                break
            current = following
        else:
            raise RuntimeError(f"overdeletion did not end in {MAX_ROUNDS} rounds")
        # 2. the added triples the working graph lacks start the insertion; the
        # overdeleted ones asserted nowhere any more leave it; the added ones go in
        start = frontier[0]
        update(f"DROP SILENT GRAPH {_iri(start)}")
        write(
            spo, f"GRAPH {_iri(added)} {{ {spo} }} FILTER NOT EXISTS {{ {in_work(spo)} }}", [start]
        )
        leaving = (
            f"GRAPH {_iri(over)} {{ {spo} }} {in_work(spo)} "
            f"FILTER NOT EXISTS {{ {asserted_after(spo)} }}"
        )
        if lost is not None:
            update(f"DROP SILENT GRAPH {_iri(lost)}")
            write(spo, leaving, [lost])
        update(f"{prefix}DELETE {{ {in_work(spo)} }} WHERE {{ {leaving} }}")
        put_in()
        # 3. rederivation, and the triples beside what stayed out
        using = (
            f"USING {_iri(working)} USING NAMED {_iri(over)} USING NAMED {_iri(ontology)} "
            if working
            else ""
        )
        for rule in rules.rules:
            t = rule.template
            write(
                t,
                f"{rule.where_from(f'GRAPH {_iri(over)} {{ {t} }}')} FILTER NOT EXISTS {{ {t} }}",
                [None, scratch, start],
                using,
                in_order,
            )
        write(
            "?a ?b ?c",
            f"""{{ SELECT DISTINCT ?x WHERE {{ GRAPH {_iri(over)} {{ ?x ?p0 ?o0 }}
      FILTER NOT EXISTS {{ ?x ?p0 ?o0 }} }} }}
  {{ ?x ?b ?c BIND(?x AS ?a) }} UNION {{ ?a ?b ?x BIND(?x AS ?c) }}
  FILTER(isBlank(?a) || isBlank(?c) || ?a = ?c || {_builtin("?a")} || {_builtin("?c")}
    || {_schema_term("?a", ontology)} || {_schema_term("?c", ontology)})""",
            [start],
            using,
        )
        # 4. insertion
        result.rounds = rounds + _forward(
            update,
            select,
            rules,
            start=start,
            scratch=scratch,
            working=working,
            prefix=prefix,
            construct=construct,
        )
        _keep_as_built(
            update,
            select,
            result,
            ontology=ontology,
            working=working,
            prefix=prefix,
            drop_noise=drop_noise,
        )
        update(f"DROP SILENT GRAPH {_iri(gone)}")
        write(
            spo,
            f"GRAPH {_iri(over)} {{ {spo} }} GRAPH {_iri(inferred)} {{ {spo} }} "
            f"FILTER NOT EXISTS {{ {in_work(spo)} }}",
            [gone],
        )
        result.removed = _count(select, gone)
    finally:
        for name in (over, *frontier):
            update(f"DROP SILENT GRAPH {_iri(name)}")
    result.inconsistencies = _inconsistencies(select, rules, working)
    return result


def gone_of(scratch: str) -> str:
    """The graph in which :func:`entail_replaced` leaves the entailments that go."""
    return scratch + ":gone"


def _stops_being_a_term(
    select: Select,
    rules: RuleSet,
    *,
    over: str,
    asserted_after: Callable[[str], str],
    ontology: str,
    in_work: Callable[[str], str],
) -> bool:
    """Whether a predicate or class of the removed triples (graph ``over``), or one the
    rules conclude, may stop being one (no triple asserted after the change uses it as
    one, and the ontology graph does not name it) while the store says something of it:
    what the build dropped about it as a schema term would be kept then. One query for
    the candidates, then a few index lookups for each."""
    rdf_type = _iri(RDF_TYPE)
    rows = select(
        f"""SELECT DISTINCT ?t WHERE {{
  {{ GRAPH {_iri(over)} {{ ?s ?t ?o }} }} UNION {{ GRAPH {_iri(over)} {{ ?s {rdf_type} ?t }} }}
  FILTER(isIRI(?t)) }}"""
    )
    candidates = {str(row["t"]) for row in rows} | rules.written_terms()

    def found(pattern: str) -> bool:
        return bool(select(f"SELECT * WHERE {{ {pattern} }} LIMIT 1"))

    o = _iri(ontology)
    for t in sorted(candidates):
        if found(
            f"{{ GRAPH {o} {{ {t} ?a1 ?b1 }} }} UNION {{ GRAPH {o} {{ ?a2 {t} ?b2 }} }} "
            f"UNION {{ GRAPH {o} {{ ?a3 ?b3 {t} }} }}"
        ):
            continue  # a schema term whether used or not
        if found(asserted_after(f"?a {t} ?b")) or found(asserted_after(f"?a {rdf_type} {t}")):
            continue  # still a predicate or class
        if found(in_work(f"{t} ?c ?d")) or found(
            f"{in_work(f'?e ?f {t}')} FILTER(?f != {rdf_type})"
        ):
            return True
    return False


def _schema_term(variable: str, ontology: str) -> str:
    """A filter: ``variable`` is an IRI of the ontology graph, a predicate or a class (of
    the WHERE clause's default graph)."""
    o, v = _iri(ontology), variable
    return (
        f"(isIRI({v}) && (EXISTS {{ GRAPH {o} {{ {v} ?s1 ?o1 }} }} "
        f"|| EXISTS {{ GRAPH {o} {{ ?s2 {v} ?o2 }} }} || EXISTS {{ GRAPH {o} {{ ?s3 ?p3 {v} }} }} "
        f"|| EXISTS {{ ?s4 {v} ?o4 }} || EXISTS {{ ?s5 a {v} }}))"
    )


@dataclass(frozen=True)
class AddedTerms:
    """The predicates and classes (IRI objects of ``rdf:type``) of the triples a load adds,
    gathered while it reads them: :func:`added_alone_suffices` then looks each up in the
    store's indexes instead of reading the added graph again (a ``DISTINCT`` over every
    added triple: 10 s at 10⁶ here)."""

    predicates: frozenset[str]
    classes: frozenset[str]
    #: Beyond this many terms, the added graph is read instead (a query of bounded size).
    LISTED = 10_000

    @property
    def listable(self) -> bool:
        return len(self.predicates) + len(self.classes) <= self.LISTED


def added_alone_suffices(
    select: Select,
    rules: RuleSet,
    *,
    added: str,
    ontology: str,
    working: str | None = None,
    terms: AddedTerms | None = None,
) -> bool:
    """Whether :func:`entail_added` over graph ``added`` gives exactly what inferring over
    the whole store would, in a store laid out as built (its default graph, or the named
    graph ``working``, holding the asserted triples and the kept entailments, not yet
    ``added``'s). Two things could make it differ:

    * an entailment the build dropped (so not in the store) that a rule with two or
      more premises would join with a new triple: one with a blank node, or about a
      schema term or a built-in IRI, among the predicates such rules read or derive
      their premises from (:meth:`~api.build.rules.RuleSet.feeding_joins`);
    * a predicate or class that a rule can conclude and neither the store nor the
      ontology graph uses, or that ``added`` uses and the store does not, while the
      store states something about it: a statement about it inferred before would now
      be one about a schema term, which the build drops. (A term the store never
      mentions as a subject, as an institution's own vocabulary is, has no such
      statement: its triples are inferred alone; nor has an IRI of the ontology graph,
      a schema term whether used or not.)

    Checked by index lookups over those predicates' triples and the added triples
    (``terms``: the added predicates and classes, when the caller gathered them).
    """
    source = (
        f"FROM {_iri(working)} FROM NAMED {_iri(ontology)} FROM NAMED {_iri(added)} "
        if working
        else ""
    )
    feeding = sorted(rules.feeding_joins())
    if feeding:
        o = _iri(ontology)
        if select(
            f"""SELECT ?s {source}WHERE {{ VALUES ?p {{ {" ".join(feeding)} }} ?s ?p ?x
  FILTER(isBlank(?s) || isBlank(?x) || {_builtin("?s")}
    || EXISTS {{ GRAPH {o} {{ ?s ?a1 ?b1 }} }} || EXISTS {{ GRAPH {o} {{ ?a2 ?s ?b2 }} }}
    || EXISTS {{ GRAPH {o} {{ ?a3 ?b3 ?s }} }}
    || EXISTS {{ ?a4 ?s ?b4 }} || EXISTS {{ ?a5 a ?s }}) }} LIMIT 1"""
        ):
            return False
    written = sorted(rules.written_terms())
    if written:
        o = _iri(ontology)
        if select(
            f"""SELECT ?t {source}WHERE {{ VALUES ?t {{ {" ".join(written)} }}
  FILTER(NOT EXISTS {{ GRAPH {o} {{ ?t ?a1 ?b1 }} }} && NOT EXISTS {{ GRAPH {o} {{ ?a2 ?t ?b2 }} }}
    && NOT EXISTS {{ GRAPH {o} {{ ?a3 ?b3 ?t }} }}
    && NOT EXISTS {{ ?a4 ?t ?b4 }} && NOT EXISTS {{ ?a5 a ?t }}) }} LIMIT 1"""
        ):
            return False
    # a term used for the first time matters only when the store states something about
    # it (an entailment about it, kept so far, is then dropped): the added predicates and
    # classes (listed by the caller, else read from the added graph), each looked up
    a, rdf_type, o = _iri(added), _iri(RDF_TYPE), _iri(ontology)
    if terms is not None and terms.listable:
        predicates = f"VALUES ?t {{ {' '.join(_iri(t) for t in sorted(terms.predicates))} }}"
        classes = f"VALUES ?t {{ {' '.join(_iri(t) for t in sorted(terms.classes))} }}"
    else:
        predicates = f"{{ SELECT DISTINCT ?t WHERE {{ GRAPH {a} {{ ?s ?t ?o }} }} }}"
        classes = f"{{ SELECT DISTINCT ?t WHERE {{ GRAPH {a} {{ ?s {rdf_type} ?t }} }} }}"
    new_term = select(
        f"""SELECT ?t {source}WHERE {{
  {{ {predicates} FILTER(NOT EXISTS {{ ?a1 ?t ?b1 }}) }}
  UNION
  {{ {classes} FILTER(isIRI(?t) && NOT EXISTS {{ ?a2 {rdf_type} ?t }}) }}
  FILTER(EXISTS {{ ?t ?c ?d }} && NOT EXISTS {{ GRAPH {o} {{ ?t ?c1 ?d1 }} }}
    && NOT EXISTS {{ GRAPH {o} {{ ?c2 ?t ?d2 }} }}
    && NOT EXISTS {{ GRAPH {o} {{ ?c3 ?d3 ?t }} }}) }}
LIMIT 1"""
    )
    return not new_term


def _iri(value: str) -> str:
    return str(ox.NamedNode(value))  # validated, then written in N-Triples form


def _count(select: Select, graph: str) -> int:
    rows = select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {_iri(graph)} {{ ?s ?p ?o }} }}")
    return int(rows[0]["n"].value) if rows else 0


def _builtin(variable: str) -> str:
    starts = " || ".join(f'STRSTARTS(STR({variable}), "{ns}")' for ns in BUILTIN_NAMESPACES)
    return f"(isIRI({variable}) && ({starts}))"


def _drop_noise(scratch: str, into: str, dataset: str, ontology: str) -> str:
    """The ``DELETE`` of the entailments :func:`api.build.reasoning.noise_reason` drops,
    from the scratch graph and from the working graph (``into``: its template).

    Schema terms are the IRIs of the ontology graph and every predicate and class of the
    working graph, which holds the asserted triples and every entailment (the WHERE
    clause reads the state before the deletion, as the build's filter reads the closure).
    """
    g, o = _iri(scratch), _iri(ontology)
    rdf_type, same_as = _iri(RDF_TYPE), _iri(OWL_SAME_AS)
    return f"""DELETE {{ GRAPH {g} {{ ?s ?p ?o }} {into} }} {dataset}
WHERE {{
  GRAPH {g} {{ ?s ?p ?o }}
  FILTER(
    isBlank(?s) || isLiteral(?s) || isBlank(?o)
    || (?p = {rdf_type} && (!isIRI(?o) || {_builtin("?o")}))
    || (?p = {same_as} && ?s = ?o)
    || (?p != {rdf_type} && ?p != {same_as} && {_builtin("?p")})
    || {_builtin("?s")}
    || EXISTS {{ GRAPH {o} {{ ?s ?a1 ?b1 }} }}
    || EXISTS {{ GRAPH {o} {{ ?a2 ?s ?b2 }} }}
    || EXISTS {{ GRAPH {o} {{ ?a3 ?b3 ?s }} }}
    || EXISTS {{ ?a4 ?s ?b4 }}
    || EXISTS {{ ?a5 {rdf_type} ?s }}
  )
}}"""


def _inconsistencies(select: Select, rules: RuleSet, working: str | None) -> list[str]:
    """A message per member of two classes the schema declares disjoint (as the build's)."""
    if not rules.disjoint:
        return []
    pairs = " ".join(f"({_iri(a)} {_iri(b)})" for a, b in rules.disjoint)
    source = f"FROM {_iri(working)} " if working else ""
    rows = select(
        f"SELECT DISTINCT ?x ?a ?b {source}WHERE {{ VALUES (?a ?b) {{ {pairs} }} ?x a ?a, ?b }}"
    )
    return sorted(
        f"Disjoint classes {r['a'].value} and {r['b'].value} have a common individual "
        f"{r['x'].value}"
        for r in rows
    )
