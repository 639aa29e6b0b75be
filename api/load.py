"""``ccai load``: put the built dataset, or an institution's RDF, into a store.

Two targets, one procedure:

* :class:`EmbeddedTarget`: the on-disk pyoxigraph store (``--store``);
* :class:`RemoteTarget`: a SPARQL 1.1 store, through its Graph Store Protocol
  endpoint (``--gsp-endpoint``, chunks POSTed as N-Triples) or its update
  endpoint (``--update-endpoint``, chunks of ``INSERT DATA``), with Basic or
  Digest credentials.

Loading a file into ``--graph G`` streams it (pyoxigraph's parsers, gzip
read on the fly, chunks of :data:`CHUNK` triples; memory stays flat) into a
temporary graph (on the embedded store, a new ``G`` is written in place, and a ``G``
loaded again into a store of its own beside it, then compared with ``G``: only what
it adds and what it takes out are written, :meth:`EmbeddedTarget._split`; on a
remote store a ``G`` loaded again is compared with the temporary graph on the
server, and the swap applies the difference, :meth:`RemoteTarget._split`).
Once every file parsed, the build's rules run over the asserted graphs as
they will be, in the store, into a scratch graph (:mod:`api.build.entailment`:
the entailments of what changed, or of everything again, filtered as the build
filters them). Then the swap puts the new data in place of ``G`` and the
scratch graph in place of the inferred graph ``…/graph/inferred``, and the
default graph holds what they hold (:mod:`api.store.layout`: every distinct
triple, asserted or inferred; the inferred graph disjoint from the asserted
graphs). On the embedded store the large copies go through the bulk loader,
outside any transaction (a new graph goes into the default graph from copies of the
files it was read from, kept unnamed beside the store while it loads), under a
journal that the next load finishes the job from if this one is killed
(:meth:`EmbeddedTarget.begin`): undone before the update that states the swap ran,
completed after it. On the embedded store what the service reads at start-up is then
recorded again (:func:`api.build.recorded.record`: counts, dataset
statistics, reconciliation rows): updated with what the default graph gained
and lost when the load can say what they were (:class:`api.build.recorded.Changes`),
else read from the whole store. The build's label index (``build/search.sqlite``) gets
the labels and classes of the subjects whose label or type statements ``G`` or the
inferred graph gained or lost again (written anew when any subject's classes can
change: :meth:`EmbeddedTarget._index_patch`), and once the store is
closed the build's store checksums and report follow
(:func:`api.build.artefacts.refresh_store_record`). A parse error leaves the
store as it was (the temporary graphs are dropped) and is reported as
``file:line:column: message`` (exit 2). On the remote target blank nodes are
skolemised (``…/.well-known/genid/…`` IRIs, RDF 1.1 §3.5): chunks are
separate requests, and a blank node label is local to a request; and the
label index the service searches the store through is kept beside the build
(:mod:`api.search.remote`: the labels of ``G`` and of the inferred graph
replaced, the classes of the subjects the load types read again, with the store's
counts after the load).

The summary counts the triples loaded, the links to our entities (objects
under ``https://w3id.org/ccai/``), the dangling ones (such IRIs that are no
subject of the graph we publish) and the entailments in the inferred graph.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import re
import shutil
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Protocol

import httpx
import pyoxigraph as ox

from api.build.entailment import (
    AddedTerms,
    Construct,
    DropNoise,
    Entailed,
    added_alone_suffices,
    entail,
    entail_added,
    entail_replaced,
    gone_of,
    schema_rules,
)
from api.build.noise import dropped
from api.build.recorded import Changes, baseline, checkpoint, remove_stale_checkpoints
from api.build.rules import RuleSet
from api.errors import CcaiError
from api.graph_differences import predicate_sizes, walk, written_apart
from api.namespaces import GRAPH_ONTOLOGY, GRAPH_VOCABULARIES
from api.search import index as search_index
from api.search.remote import LabelMirror, RemoteIndex, RemoteIndexError, all_rows
from api.store.layout import COUNTS_FILE, INFERRED, TripleCounts, count_triples
from api.store.remote import (
    DEFAULT_GRAPH,
    VOID_SUBSET,
    AuthScheme,
    Kind,
    RemoteStore,
    auth_for,
    manifest_for,
)

CCAI_BASE = "https://w3id.org/ccai/"
GENID = CCAI_BASE + ".well-known/genid/"
CHUNK = 50_000
_RESERVED = "urn:x-ccai:"  # the service's own graphs (temporary, manifest, default)
_LOADING = _RESERVED + "loading:"
#: Stated in a remote store's manifest graph while a load changes its working graph.
_CHANGING = _RESERVED + "working-graph-changing"
#: The graph in which an embedded load's swap states that it ran (EmbeddedTarget).
_LOAD_STATE = _RESERVED + "load-state"
_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
#: Counting the recorded figures over the triples a load adds costs about this many
#: times as much per triple as counting them over the whole store (10⁶ triples added
#: to a store of 10⁶: 61 s against 18 s, ``bench/README.md``): a load that adds more
#: than this fraction of the store counts everything again instead.
ADDED_COUNT_COST = 4
#: The record of a load under way, beside the embedded store.
JOURNAL_FILE = "ccai-load.json"
#: The prefix of the store, beside the embedded one, that holds a graph loaded again
#: until it is compared with the graph it replaces (EmbeddedTarget.begin).
SIDE_STORE = "ccai-load-new-"
#: From this many triples in a graph loaded again and the graph it replaces, up to the
#: second figure, the two are compared in two child processes (EmbeddedTarget._split).
#: Measured (bench/README.md): 2 x 10^6 triples in all, 27.6-30.3 s for the whole load
#: against 36.4-36.7 s in one process; 2 x 10^7, 538 s against 436 s (the children
#: read both stores with cold caches), so larger graphs are compared in the load's own.
COMPARE_APART_FROM = 500_000
COMPARE_APART_UP_TO = 2_500_000
#: The graphs the rules are compiled from (the build's schema).
SCHEMA_GRAPHS = (str(GRAPH_ONTOLOGY), str(GRAPH_VOCABULARIES))

_FORMATS = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".turtle": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".ntriples": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".nquads": ox.RdfFormat.N_QUADS,
    ".trig": ox.RdfFormat.TRIG,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".xml": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".json": ox.RdfFormat.JSON_LD,
}
#: The formats of triples, whose files the bulk loader can put into one graph.
_TRIPLE_FORMATS = frozenset({ox.RdfFormat.TURTLE, ox.RdfFormat.N_TRIPLES, ox.RdfFormat.RDF_XML})


class LoadError(Exception):
    """A load that cannot go on; the store is as it was. ``str()`` is one line."""


@dataclass
class Summary:
    """What a load did."""

    graph: str
    triples: int = 0
    links: int = 0  # triples whose object is an IRI under https://w3id.org/ccai/
    dangling: list[str] = field(default_factory=list)  # such IRIs the graph does not describe
    seconds: float = 0.0
    entailed: Entailed | None = None  # what the rules left in the inferred graph
    inference_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)  # what else the target did, or did not

    def lines(self) -> list[str]:
        out = [
            f"{self.graph}: {self.triples:,} triples loaded in {self.seconds:.1f} s",
            f"  links to ccai entities: {self.links:,}",
            f"  dangling links: {len(self.dangling):,}",
        ]
        out += [f"    {iri}" for iri in self.dangling[:20]]
        if len(self.dangling) > 20:
            out.append(f"    … and {len(self.dangling) - 20:,} more")
        if self.entailed is not None:
            e = self.entailed
            whose = "of the new data" if e.incremental else "of every asserted graph"
            if e.gone is not None:
                whose = f"in, {e.removed:,} out, of what changed"
            out.append(
                f"  inferred graph: {e.kept:,} entailments {whose} "
                f"({e.total - e.kept:,} dropped as the build drops them; {e.rounds} rounds, "
                f"{self.inference_seconds:.1f} s)"
            )
            if e.inconsistencies:
                out.append(f"  inconsistencies: {len(e.inconsistencies):,}")
                out += [f"    {message}" for message in e.inconsistencies[:20]]
        out += [f"  {note}" for note in self.notes]
        return out


def format_of(path: Path) -> tuple[ox.RdfFormat, bool]:
    """The RDF syntax of ``path`` from its extension, and whether it is gzipped."""
    suffixes = [s.lower() for s in path.suffixes]
    gz = bool(suffixes) and suffixes[-1] == ".gz"
    if gz:
        suffixes = suffixes[:-1]
    fmt = _FORMATS.get(suffixes[-1]) if suffixes else None
    if fmt is None:
        raise LoadError(
            f"{path}: unknown RDF file type (known: {', '.join(sorted(_FORMATS))}, and .gz)"
        )
    return fmt, gz


def read_triples(
    path: Path, graph: str, *, skolemise: bool = False, data: BinaryIO | None = None
) -> Iterator[ox.Quad]:
    """The statements of ``path`` as quads in ``graph`` (a quad file's graphs merged);
    read from ``data``, a copy of the file open at its start, when given (left open).

    A blank node label is local to its file (RDF 1.1 §3.4), and pyoxigraph's parsers
    keep the labels as written: each file's blank nodes get a prefix of their own
    (``skolemise``: an IRI of their own under ``…/.well-known/genid/``), so that
    ``_:b1`` in two files, or in a file and the store, are two nodes.

    Raises:
        LoadError: the file does not parse (``file:line:column: message``) or
            cannot be read.
    """
    fmt, _ = format_of(path)
    target = ox.NamedNode(graph)
    scope = uuid.uuid4().hex
    genid = GENID + scope + "/"
    local = "u" + scope + "x"  # a blank node label's prefix for this file
    with ExitStack() as opened:
        try:
            raw = data if data is not None else opened.enter_context(path.open("rb"))
        except OSError as exc:
            raise LoadError(f"{path}: cannot read: {exc.strerror}") from None
        stream = opened.enter_context(_decompressed(path, raw))
        try:
            for quad in ox.parse(stream, fmt, base_iri=_base_of(path)):
                s, o = quad.subject, quad.object
                if isinstance(s, ox.BlankNode):
                    s = (
                        ox.NamedNode(genid + s.value)
                        if skolemise
                        else ox.BlankNode(local + s.value)
                    )
                if isinstance(o, ox.BlankNode):
                    o = (
                        ox.NamedNode(genid + o.value)
                        if skolemise
                        else ox.BlankNode(local + o.value)
                    )
                yield ox.Quad(s, quad.predicate, o, target)
        except SyntaxError as exc:
            line, col = _position(exc)
            where = f"{path}:{line}:{col}" if line else str(path)
            raise LoadError(f"{where}: {_one_line(exc)}") from None
        except (OSError, EOFError, ValueError) as exc:  # a truncated .gz, an I/O error
            raise LoadError(f"{path}: cannot read: {_one_line(exc)}") from None


def _decompressed(path: Path, raw: BinaryIO) -> contextlib.AbstractContextManager[BinaryIO]:
    """The bytes of ``path`` read from ``raw``, its bytes as stored (through gzip for a
    .gz); leaving the context closes the decompressor, never ``raw``."""
    _, gz = format_of(path)
    if gz:
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    return contextlib.nullcontext(raw)


def _base_of(path: Path) -> str:
    """The base IRI a file's relative IRIs are resolved against: its own ``file:`` IRI."""
    return path.resolve().as_uri()


def _literal(text: str) -> str:
    """``text`` as a SPARQL string literal (hexadecimal identifiers: nothing to escape)."""
    return '"' + re.sub(r"[^0-9a-f]", "", text) + '"'


def _position(exc: SyntaxError) -> tuple[int | None, int | None]:
    args = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], tuple) else None
    if args and len(args) >= 3:
        return args[1], args[2]
    return exc.lineno, exc.offset


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc.args[0] if exc.args else exc).split())
    return text[:300]


class Target(Protocol):
    """Where ``ccai load`` writes."""

    def graphs(self) -> list[str]: ...

    def begin(self, temp: str, graph: str, scratch: str, *, replaced: bool) -> str:
        """The graph the data goes into while it loads: ``temp``, or ``graph`` itself when
        the target can write a new graph in place and take it out again on failure."""

    def read(self, path: Path, graph: str, *, skolemise: bool) -> Iterator[ox.Quad]:
        """The statements of file ``path`` as quads in ``graph`` (:func:`read_triples`)."""

    def write_chunk(self, graph: str, quads: list[ox.Quad]) -> None: ...

    def drop(self, graph: str) -> None: ...

    def update(self, text: str) -> None:
        """Run a SPARQL UPDATE request."""

    def select(self, query: str) -> list[dict[str, Any]]:
        """The solutions of a SELECT query, as ``{variable: term or None}``."""

    def entail(
        self, temp: str, graph: str, scratch: str, *, replaced: bool, terms: AddedTerms
    ) -> Entailed:
        """Make the working graph hold what will be asserted once ``temp`` replaces
        ``graph``, and infer on it into ``scratch`` (:func:`infer_over`)."""

    def abandon(self, temp: str, scratch: str, graph: str) -> None:
        """Drop ``temp`` and ``scratch``; put the working graph back as it was."""

    def swap(self, temp: str, graph: str, *, replaced: bool, inferred: Entailed) -> None:
        """Move ``temp`` onto ``graph`` and ``inferred``'s graph onto the inferred graph,
        list them, and leave the default graph as it must be."""

    def subjects_in(self, iris: list[str]) -> set[str]:
        """Those of ``iris`` that are the subject of a triple in the published graph."""

    def notes(self) -> list[str]:
        """What the load did besides, or could not do, for the summary (one line each)."""

    def close(self) -> None: ...


def rules_of(target: Target) -> RuleSet:
    """The build's rules, compiled from the target's schema graphs."""
    listed = target.graphs()
    return schema_rules(target.select, [g for g in SCHEMA_GRAPHS if g in listed])


def infer_over(
    target: Target,
    scratch: str,
    *,
    working: str | None = None,
    prefix: str = "",
    rules: RuleSet | None = None,
    construct: Construct | None = None,
    drop_noise: DropNoise | None = None,
) -> Entailed:
    """Run the build's rules (:func:`rules_of`) on the target's working graph (prepared
    by the target), into ``scratch`` (:func:`api.build.entailment.entail`)."""
    rules = rules if rules is not None else rules_of(target)
    return entail(
        target.update,
        target.select,
        rules,
        scratch=scratch,
        ontology=SCHEMA_GRAPHS[0],
        working=working,
        prefix=prefix,
        construct=construct,
        drop_noise=drop_noise,
    )


def _write_in_chunks(store: ox.Store, quads: Iterable[ox.Quad]) -> None:
    """``quads`` into ``store`` by its bulk writer, :data:`CHUNK` at a time."""
    batch: list[ox.Quad] = []
    for quad in quads:
        batch.append(quad)
        if len(batch) >= CHUNK:
            store.bulk_extend(batch)
            batch = []
    store.bulk_extend(batch)


def _count_of(store: ox.Store, graph: str) -> int:
    solutions = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    assert isinstance(solutions, ox.QuerySolutions)
    return int(next(iter(solutions))[0].value)


def _minus_of(temp: str) -> str:
    """The graph of the triples a graph loaded again loses (EmbeddedTarget._split,
    RemoteTarget._split)."""
    return temp + ":minus"


def _plus_of(temp: str) -> str:
    """The graph of the triples a graph loaded again gains, on a remote store
    (RemoteTarget._split; the embedded store keeps them in ``temp`` itself)."""
    return temp + ":plus"


def _replaced_or_ours(name: str, graph: str) -> bool:
    """Whether a named graph is ``graph`` (being replaced), the inferred graph or one of
    the service's own (temporary, manifest…): not one that stays asserted."""
    return name in (graph, INFERRED) or name.startswith(_RESERVED)


def _keep_out(graph: str) -> str:
    """A SPARQL filter on ``?g``: the named graphs that stay asserted besides ``graph``."""
    return f'FILTER(?g != <{graph}> && ?g != <{INFERRED}> && !STRSTARTS(STR(?g), "{_RESERVED}"))'


def _label_or_type_changes(graphs: Iterable[str]) -> tuple[str, str]:
    """For the graphs of what a load changes: a query with a row when one of them states
    a subclass (then any subject's classes can change), and the pattern of their label
    and ``rdf:type`` statements about IRIs, subject ``?s`` (whose labels or classes
    change)."""
    values = f"VALUES ?g {{ {' '.join(f'<{g}>' for g in graphs)} }}"
    subclass = (
        f"SELECT ?s WHERE {{ {values} GRAPH ?g {{ ?s <{search_index.SUBCLASS}> ?o }} }} LIMIT 1"
    )
    predicates = " ".join(f"<{p}>" for p in (*search_index.LABEL_PREDICATES, _RDF_TYPE.value))
    pattern = (
        f"{values} GRAPH ?g {{ ?s ?p ?o }} VALUES ?p {{ {predicates} }} "
        "FILTER(isIRI(?s) && !isBlank(?o))"
    )
    return subclass, pattern


@dataclass(frozen=True)
class IndexPatch:
    """What a load changes in the build's label index (EmbeddedTarget._index_patch): the
    labels of the subjects ``only`` in the graphs it wrote (``None``: all of theirs), and
    the classes of the subjects ``typed`` too, whichever graph labels them."""

    only: set[str] | None
    typed: set[str] = field(default_factory=set)


class Progress:
    """Triples read, on standard error, at most twice a second (``quiet``: nothing)."""

    def __init__(self, label: str, *, quiet: bool) -> None:
        self.label, self.quiet = label, quiet
        self.count, self._last = 0, 0.0

    def add(self, n: int) -> None:
        self.count += n
        now = time.monotonic()
        if not self.quiet and now - self._last > 0.5:
            self._last = now
            print(f"\r{self.label}: {self.count:,} triples", end="", file=sys.stderr, flush=True)

    def done(self) -> None:
        if not self.quiet:
            end = "\n" if self._last else ""
            print(f"\r{self.label}: {self.count:,} triples", file=sys.stderr, flush=True, end=end)
            if not end:
                print(file=sys.stderr, flush=True)


def load_files(
    target: Target,
    files: list[Path],
    graph: str,
    *,
    quiet: bool = False,
    skolemise: bool = False,
    chunk: int = CHUNK,
) -> Summary:
    """Load ``files`` into ``graph``, replacing it atomically (see the module doc)."""
    try:
        ox.NamedNode(graph)
    except ValueError:
        raise LoadError(f"--graph {graph!r} is not an absolute IRI") from None
    if graph in (INFERRED,) or graph.startswith(_RESERVED):
        raise LoadError(f"--graph {graph}: reserved for the build's own graphs")
    for path in files:
        format_of(path)
        if not path.is_file():
            raise LoadError(f"{path}: no such file")
    started = time.monotonic()
    summary = Summary(graph)
    temp = _LOADING + uuid.uuid4().hex
    scratch = _LOADING + uuid.uuid4().hex  # the entailments, until the swap
    linked: set[str] = set()
    predicates: set[ox.NamedNode] = set()
    classes: set[object] = set()  # the objects of rdf:type (IRIs kept below)
    replaced = graph in target.graphs()
    temp = target.begin(temp, graph, scratch, replaced=replaced)
    try:
        for path in files:
            progress = Progress(path.name, quiet=quiet)
            batch: list[ox.Quad] = []
            for quad in target.read(path, temp, skolemise=skolemise):
                o, p = quad.object, quad.predicate
                predicates.add(p)
                if p == _RDF_TYPE:
                    classes.add(o)
                if (
                    isinstance(o, ox.NamedNode)
                    and o.value.startswith(CCAI_BASE)
                    and not o.value.startswith(GENID)  # a skolemised blank node
                ):
                    summary.links += 1
                    linked.add(o.value)
                batch.append(quad)
                if len(batch) >= chunk:
                    target.write_chunk(temp, batch)
                    progress.add(len(batch))
                    batch = []
            if batch:
                target.write_chunk(temp, batch)
                progress.add(len(batch))
            progress.done()
            summary.triples += progress.count
        if not quiet:
            print("inferring by the build's rules …", file=sys.stderr, flush=True)
        inferring = time.monotonic()
        terms = AddedTerms(
            frozenset(p.value for p in predicates),
            frozenset(c.value for c in classes if isinstance(c, ox.NamedNode)),
        )
        entailed = target.entail(temp, graph, scratch, replaced=replaced, terms=terms)
        summary.entailed, summary.inference_seconds = entailed, time.monotonic() - inferring
        target.swap(temp, graph, replaced=replaced, inferred=entailed)
    except BaseException:
        target.abandon(temp, scratch, graph)
        raise
    known = target.subjects_in(sorted(linked)) if linked else set()
    summary.dangling = sorted(linked - known)
    summary.notes = target.notes()
    summary.seconds = time.monotonic() - started
    return summary


# --- the embedded store --------------------------------------------------------------


class EmbeddedTarget:
    """A pyoxigraph store on disk, opened read-write (no server may hold it)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.store = ox.Store(str(path))
        except OSError as exc:
            raise LoadError(f"{path}: cannot open the store: {_one_line(exc)}") from None
        self._touched = False
        self._swapped = False  # the load's data and entailments are in place (swap)
        self._journal: dict[str, Any] | None = None  # the load under way (begin)
        self._blank_free: set[str] = set()  # graphs known to hold no blank node (begin)
        self._written = 0  # triples this load wrote (write_chunk)
        self._side: ox.Store | None = None  # a graph loaded again, until compared (begin)
        self._side_dir: Path | None = None
        self._inputs: list[tuple[Path, BinaryIO]] | None = None  # a new graph's files (read)
        self._unchecked: tuple[Path, TripleCounts] | None = None  # checksums due (close)
        self._notes: list[str] = []  # for the summary (notes)
        for left in path.parent.glob(SIDE_STORE + "*"):  # a killed load's (the store's
            shutil.rmtree(left, ignore_errors=True)  # lock says no load is under way)
        remove_stale_checkpoints(path)
        self._recover()
        leftovers = [name for name in self.graphs() if name.startswith(_LOADING)]
        if leftovers:  # a load was killed: its temporary graphs go, the default graph is mended
            for name in leftovers:
                self.drop(name)
            self._mend(None)
        # What was recorded for the store as it is: a load that can count what it
        # changes updates it.
        self._baseline = baseline(self.store, path)
        self._changes: Changes | None = None  # what a load changes, counted (entail)

    def graphs(self) -> list[str]:
        return sorted(g.value for g in self.store.named_graphs() if isinstance(g, ox.NamedNode))

    # --- the journal: a load killed half-way is rolled back, or forward -----------------
    #
    # The new data is copied into place with the bulk loader, outside any transaction
    # (a SPARQL MOVE of 10^6 triples held 5 GB and took two minutes). A load
    # keeps a journal beside the store (JOURNAL_FILE) from its first write to its end;
    # once the new data and entailments are in place, an update states, in a graph of
    # its own, that the swap ran. Whoever opens the store next finishes the job: before
    # that update, the load is undone (its graphs dropped, the default graph mended), or
    # the swap done again if it had begun; after, the load is completed (the temporary
    # graphs dropped, the figures counted again).

    def begin(self, temp: str, graph: str, scratch: str, *, replaced: bool) -> str:
        # A new graph is written in place (a failed load drops it). A graph loaded again
        # is written into a store of its own beside this one, then compared with the
        # graph it replaces (_split): what it adds goes into ``temp``, what it takes out
        # into another graph, and the swap applies both (a large graph dropped and
        # written again costs about 100 s per 10^6 triples in RocksDB's deletions).
        into = temp if replaced else graph
        self._notes = []
        if replaced:
            self._side_dir = Path(tempfile.mkdtemp(dir=self.path.parent, prefix=SIDE_STORE))
            self._side = ox.Store(str(self._side_dir))
        self._journal = {"id": uuid.uuid4().hex, "graph": graph, "into": into}
        # the graphs this load writes, until a blank node is written into one; the
        # entailments hold none (api.build.entailment drops them)
        self._blank_free = {into, scratch}
        self._written = 0  # triples written (write_chunk)
        self._close_inputs()
        self._inputs = None if replaced else []
        self._journal |= {"scratch": scratch, "stage": "loading"}
        self._write_journal()
        return into

    def _write_journal(self) -> None:
        tmp = self.path / (JOURNAL_FILE + ".tmp")
        tmp.write_text(json.dumps(self._journal), encoding="utf-8")
        tmp.replace(self.path / JOURNAL_FILE)

    def _end_journal(self) -> None:
        if self._journal is not None:
            self.store.update(f"DROP SILENT GRAPH <{_LOAD_STATE}>")
            (self.path / JOURNAL_FILE).unlink(missing_ok=True)
            self._journal = None

    def _recover(self) -> None:
        """Finish a load that was killed (see above): undo it, or complete it."""
        try:
            journal = json.loads((self.path / JOURNAL_FILE).read_text(encoding="utf-8"))
            load, graph, into = str(journal["id"]), str(journal["graph"]), str(journal["into"])
            incremental, stage = bool(journal.get("incremental")), str(journal["stage"])
        except FileNotFoundError:
            return
        except (OSError, ValueError, KeyError, TypeError):
            raise LoadError(
                f"{self.path / JOURNAL_FILE}: an unreadable record of a load that was stopped; "
                "load the build again (ccai load --build …) or rebuild it"
            ) from None
        self._journal = journal
        done = bool(self.select(f"ASK {{ GRAPH <{_LOAD_STATE}> {{ ?l ?p {_literal(load)} }} }}"))
        if not done and stage == "swapping":  # every graph was complete: finish the swap
            self._swap_in(
                into,
                graph,
                incremental=incremental,
                scratch=journal["scratch"],
                gone=journal.get("gone"),
            )
            done = True
        if done:
            if into != graph:
                self.drop(into)
                self.drop(_minus_of(into))
            self.drop(journal["scratch"])
            self.drop(gone_of(journal["scratch"]))
            self._end_journal()
            (self.path / COUNTS_FILE).unlink(missing_ok=True)
            self._record(graphs=None)
            return
        self.drop(into)  # undone: the new graph, or the temporary one, goes
        for name in self.graphs():  # the scratch graphs of the inference
            if name.startswith(_LOADING):
                self.drop(name)
        self._mend(None)
        self._end_journal()

    def _copy(self, source: str, target: ox.NamedNode | ox.DefaultGraph) -> None:
        """Every triple of graph ``source`` into ``target`` too, by the bulk loader: from an
        N-Triples dump of it when this load knows it holds no blank node (the bulk loader
        names a file's blank nodes anew, and a copy must hold the same nodes), else
        quad by quad through Python (1.4 times as long, ``bench/README.md``)."""
        graph = ox.NamedNode(source)
        if source in self._blank_free:
            # a file without a name, on the store's disk, gone when closed (or killed)
            with tempfile.TemporaryFile(dir=self.path.parent, prefix="ccai-copy-") as dump:
                self.store.dump(dump, ox.RdfFormat.N_TRIPLES, from_graph=graph)
                dump.seek(0)
                self.store.bulk_load(dump, ox.RdfFormat.N_TRIPLES, to_graph=target, lenient=True)
            return
        _write_in_chunks(
            self.store,
            (
                ox.Quad(q.subject, q.predicate, q.object, target)
                for q in self.store.quads_for_pattern(None, None, None, graph)
            ),
        )

    def read(self, path: Path, graph: str, *, skolemise: bool) -> Iterator[ox.Quad]:
        """The statements of ``path`` (:func:`read_triples`); for a new graph, from a copy
        of the file kept beside the store until the load ends, whose triples then go into
        the default graph too (:meth:`_into_default`). A file of quads is read as it is
        (its graphs are merged), and no copy of any file is used then."""
        if self._inputs is None or format_of(path)[0] not in _TRIPLE_FORMATS:
            self._close_inputs()
            return read_triples(path, graph, skolemise=skolemise)
        # a file without a name, on the store's disk, gone when closed (or killed)
        try:  # closed by _close_inputs
            copy = tempfile.TemporaryFile(dir=self.path.parent, prefix="ccai-input-")  # noqa: SIM115
            self._inputs.append((path, copy))
            with path.open("rb") as original:
                shutil.copyfileobj(original, copy, 1 << 20)
        except OSError:  # no room for the copy (or the file unreadable: said below)
            self._close_inputs()
            return read_triples(path, graph, skolemise=skolemise)
        copy.seek(0)
        return read_triples(path, graph, skolemise=skolemise, data=copy)

    def _into_default(self, temp: str) -> None:
        """Every triple of ``temp`` into the default graph too: for a new graph holding no
        blank node, from the copies of its files by the bulk loader (at 10^7 triples, 52 s
        where a dump of the graph and its load took 136 s, ``bench/README.md``): they
        hold what was read, and the bulk loader parses them alike (a blank node, which it
        would name anew, is the one thing that could differ). Else :meth:`_copy`."""
        inputs = self._inputs
        try:
            if not inputs or temp not in self._blank_free:
                self._copy(temp, ox.DefaultGraph())
                return
            for path, copy in inputs:
                copy.seek(0)
                with _decompressed(path, copy) as stream:
                    self.store.bulk_load(
                        stream,
                        format_of(path)[0],
                        base_iri=_base_of(path),
                        to_graph=ox.DefaultGraph(),
                    )
        finally:
            self._close_inputs()

    def _close_inputs(self) -> None:
        for _, copy in self._inputs or ():
            copy.close()
        self._inputs = None

    def write_chunk(self, graph: str, quads: list[ox.Quad]) -> None:
        self._written += len(quads)
        if graph in self._blank_free and any(
            type(q.subject) is ox.BlankNode or type(q.object) is ox.BlankNode for q in quads
        ):
            self._blank_free.discard(graph)
        (self._side if self._side is not None else self.store).bulk_extend(quads)

    def _split(self, temp: str, graph: str, terms: AddedTerms) -> None:
        """A graph loaded again, compared with the one it replaces: the triples ``graph``
        lacks from the side store (begin) into ``temp``, those of ``graph`` that the new
        data lacks into :func:`_minus_of` ``temp``, in chunks by the bulk writer; in two
        child processes when the two graphs hold from :data:`COMPARE_APART_FROM` to
        :data:`COMPARE_APART_UP_TO` triples (:mod:`api.graph_differences`). The side
        store is then deleted. (A blank node of the new data is never one of ``graph``'s:
        each load's are its own.)"""
        assert self._side is not None
        sizes = self._predicate_sizes(graph, terms)
        if sizes is None or not self._split_apart(temp, graph, sizes):
            self._write_differences(temp, graph)
        self._close_side()

    def _predicate_sizes(self, graph: str, terms: AddedTerms) -> dict[str, int] | None:
        """The triples of each predicate of ``graph``, and the new data's predicates (0 for
        those ``graph`` lacks: the halves are shared by the graph's sizes), when the two
        graphs hold from :data:`COMPARE_APART_FROM` to :data:`COMPARE_APART_UP_TO` triples
        and more than one predicate; else ``None``."""
        known = self._baseline.counts.graphs.get(graph) if self._baseline is not None else None
        old = known if known is not None else _count_of(self.store, graph)
        if not COMPARE_APART_FROM <= self._written + old <= COMPARE_APART_UP_TO:
            return None
        sizes = predicate_sizes(self.store, graph)
        for predicate in terms.predicates:
            sizes.setdefault(predicate, 0)
        return sizes if len(sizes) > 1 else None

    def _split_apart(self, temp: str, graph: str, sizes: dict[str, int]) -> bool:
        """:meth:`_split`'s walk in two child processes, over a checkpoint of the store and
        the side store, closed; ``False`` (the side store open again) when no checkpoint
        can be written beside the store (no room or no right)."""
        assert self._side is not None and self._side_dir is not None
        self._side.flush()
        self._side = None  # closed: the children open it
        with ExitStack() as stack:
            try:
                old_dir = stack.enter_context(checkpoint(self.store, self.path))
            except OSError as exc:
                self._notes.append(
                    "graphs compared in this process, with no checkpoint of the store "
                    f"beside it: {_one_line(exc)}"
                )
                self._side = ox.Store(str(self._side_dir))
                return False
            folder = Path(tempfile.mkdtemp(dir=self.path.parent, prefix=SIDE_STORE))
            stack.callback(shutil.rmtree, folder, ignore_errors=True)
            found = written_apart(
                self._side_dir,
                temp,
                old_dir,
                graph,
                sizes=sizes,
                lost_into=_minus_of(temp),
                folder=folder,
            )
            for path in found:
                _write_in_chunks(self.store, ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS))
        return True

    def _write_differences(self, temp: str, graph: str) -> None:
        assert self._side is not None
        lost = ox.NamedNode(_minus_of(temp))
        _write_in_chunks(
            self.store,
            (
                q if added else ox.Quad(q.subject, q.predicate, q.object, lost)
                for added, q in walk(self._side, temp, self.store, graph)
            ),
        )

    def _close_side(self) -> None:
        if self._side_dir is not None:
            self._side = None  # closed once no reference is left
            shutil.rmtree(self._side_dir, ignore_errors=True)
            self._side_dir = None

    def drop(self, graph: str) -> None:
        self.store.remove_graph(ox.NamedNode(graph))

    def update(self, text: str) -> None:
        self.store.update(text)

    def select(self, query: str) -> list[dict[str, Any]]:
        solutions = self.store.query(query)
        if isinstance(solutions, ox.QueryBoolean):
            return [{}] if bool(solutions) else []
        assert isinstance(solutions, ox.QuerySolutions), query
        names = [v.value for v in solutions.variables]
        return [{n: s[n] for n in names} for s in solutions]

    def entail(
        self, temp: str, graph: str, scratch: str, *, replaced: bool, terms: AddedTerms
    ) -> Entailed:
        # The working graph is the store's default graph; ``temp`` holds the new data (it
        # is ``graph`` itself for a new graph). A new graph whose entailments are those of
        # its own triples (added_alone_suffices): the new data in, and only what it
        # entails inferred (entail_added). Else every entailment out (they are inferred
        # again), the replaced graph's own triples out, the new data in.
        self._touched = True
        rules = rules_of(self)
        ontology = SCHEMA_GRAPHS[0]
        if not replaced and added_alone_suffices(
            self.select, rules, added=temp, ontology=ontology, terms=terms
        ):
            # Only additions: with a baseline, the recorded figures are updated with what
            # the default graph gains, the new data before it goes in, then what it entails
            # (unless so much is added that counting everything again costs less).
            changes = self._changes_for(self._written)
            if changes is not None:
                changes.count(self.store, temp, inserted=False, sources=[temp])
            self._into_default(temp)
            entailed = entail_added(
                self.update,
                self.select,
                rules,
                added=temp,
                scratch=scratch,
                ontology=ontology,
                construct=self._construct,
                drop_noise=self._drop_noise,
            )
            if changes is not None:
                changes.count(self.store, scratch, inserted=True)
            self._changes = changes
            return entailed
        minus = _minus_of(temp)
        if replaced:  # only what changed, where that gives the same (entail_replaced)
            self._split(temp, graph, terms)
            # With a baseline, the recorded figures are updated with what the default
            # graph gains and loses (_count_changes): the new data's triples it lacks,
            # set aside before they go in, and what entail_replaced takes out of it,
            # set aside as it goes.
            changes = self._changes_for(_count_of(self.store, temp) + _count_of(self.store, minus))
            gained = lost = None
            try:
                if changes is not None:
                    gained, lost = temp + ":gained", temp + ":lost"
                    self.store.update(
                        f"INSERT {{ GRAPH <{gained}> {{ ?s ?p ?o }} }} WHERE {{ "
                        f"GRAPH <{temp}> {{ ?s ?p ?o }} FILTER NOT EXISTS {{ ?s ?p ?o }} }}"
                    )
                changed = entail_replaced(
                    self.update,
                    self.select,
                    rules,
                    graph=graph,
                    added=temp,
                    removed=minus,
                    staying=[g for g in self.graphs() if not _replaced_or_ours(g, graph)],
                    inferred=INFERRED,
                    scratch=scratch,
                    ontology=ontology,
                    put_in=lambda: self._into_default(temp),
                    construct=self._construct,
                    terms=terms,
                    drop_noise=self._drop_noise,
                    lost=lost,
                )
                if changed is not None:
                    if changes is not None and gained is not None and lost is not None:
                        self._changes = self._count_changes(changes, temp, scratch, gained, lost)
                    return changed
            finally:
                for name in (gained, lost):
                    if name is not None:
                        self.drop(name)
        # the entailments out, and the replaced graph's triples that the new data lacks
        old = f"<{INFERRED}> <{minus}>" if replaced else f"<{INFERRED}>"
        self.store.update(
            f"""DELETE {{ ?s ?p ?o }} WHERE {{ VALUES ?h {{ {old} }}
              GRAPH ?h {{ ?s ?p ?o }}
              FILTER NOT EXISTS {{ GRAPH ?g {{ ?s ?p ?o }} {_keep_out(graph)} }} }}"""
        )
        self._into_default(temp)
        return infer_over(
            self, scratch, rules=rules, construct=self._construct, drop_noise=self._drop_noise
        )

    def _count_changes(
        self, changes: Changes, temp: str, scratch: str, gained: str, lost: str
    ) -> Changes | None:
        """``changes`` with what a graph loaded again changed in the default graph counted
        in; ``None`` when only counting everything again can say (the first entity of a
        kind lost…: :func:`~api.fair.added.statistics_after_changing`).

        ``gained`` holds the triples of ``temp`` (what the graph gains) that the default
        graph lacked, ``lost`` those :func:`entail_replaced` took out of it. The
        entailments of ``scratch`` were all missing from it when they went in, so those
        it did not take out are gained too; those it took out that are back are not
        lost."""
        self.store.update(
            f"INSERT {{ GRAPH <{gained}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH <{scratch}> "
            f"{{ ?s ?p ?o }} FILTER NOT EXISTS {{ GRAPH <{lost}> {{ ?s ?p ?o }} }} }} ; "
            f"DELETE {{ GRAPH <{lost}> {{ ?s ?p ?o }} }} "
            f"WHERE {{ GRAPH <{lost}> {{ ?s ?p ?o }} ?s ?p ?o }}"
        )
        counted = changes.change(
            self.store, gained=gained, lost=lost, sources=[temp], unstated=[_minus_of(temp)]
        )
        return changes if counted else None

    def _changes_for(self, added: int) -> Changes | None:
        """What updates the recorded figures with ``added`` triples (gained or lost);
        ``None`` when nothing was recorded, or when so much changes that counting
        everything again costs less (:data:`ADDED_COUNT_COST`)."""
        if self._baseline is None or added * ADDED_COUNT_COST > self._baseline.counts.total:
            return None
        return Changes(self._baseline)

    def _construct(self, query: str, graphs: Sequence[str | None]) -> None:
        """The triples of a CONSTRUCT query into each of ``graphs`` (``None``: the default
        graph) by the bulk loader: all found first, as an update finds them, then written
        outside any transaction (with a rule's ``INSERT … WHERE``, a load of 10⁷ triples
        peaked at 9.2 GiB)."""
        triples = self.store.query(query)
        assert isinstance(triples, ox.QueryTriples), query
        found = list(triples)
        names = [ox.DefaultGraph() if g is None else ox.NamedNode(g) for g in graphs]
        for start in range(0, len(found), CHUNK):
            self.store.bulk_extend(
                [
                    ox.Quad(t.subject, t.predicate, t.object, g)
                    for t in found[start : start + CHUNK]
                    for g in names
                ]
            )

    def _drop_noise(self, scratch: str, ontology: str) -> None:
        """What the build drops out of graph ``scratch`` and the default graph, found by
        reading the graph once (:func:`api.build.noise.dropped`); rarely any."""
        gone = dropped(self.store, scratch, ontology)
        for graph in (ox.NamedNode(scratch), ox.DefaultGraph()):
            for t in gone:
                self.store.remove(ox.Quad(t.subject, t.predicate, t.object, graph))

    def abandon(self, temp: str, scratch: str, graph: str) -> None:
        self._changes = None
        self._close_inputs()
        if self._swapped:  # the data is in place; what failed came after (the recording)
            return
        self._close_side()
        self.drop(temp)  # the graph aside, or the new graph written in place
        self.drop(_minus_of(temp))
        self.drop(scratch)
        self.drop(gone_of(scratch))
        if self._touched:
            self._mend([graph, INFERRED])
            self._touched = False
        self._end_journal()

    def _mend(self, graphs: list[str] | None) -> None:
        """The default graph as the named graphs say: what none of them holds out, and
        what ``graphs`` (``None``: every named graph) hold in."""
        source = (
            f"VALUES ?g {{ {' '.join(f'<{g}>' for g in graphs)} }}"
            if graphs is not None
            else f'FILTER(!STRSTARTS(STR(?g), "{_RESERVED}"))'
        )
        self.store.update(
            f"""DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o FILTER NOT EXISTS {{
              GRAPH ?g {{ ?s ?p ?o }} FILTER(!STRSTARTS(STR(?g), "{_RESERVED}")) }} }} ;
            INSERT {{ ?s ?p ?o }} WHERE {{ {source} GRAPH ?g {{ ?s ?p ?o }}
              FILTER NOT EXISTS {{ ?s ?p ?o }} }}"""
        )

    def swap(self, temp: str, graph: str, *, replaced: bool, inferred: Entailed) -> None:
        # The default graph already holds what the new data and its entailments hold
        # (entail). The recorded counts go first: a process killed in the swap leaves a
        # store they no longer describe, and without them nothing recorded is trusted
        # (the service and the next load count again). Then the journal says the swap
        # began: every graph it needs is complete, and a load killed from here on is
        # completed by the next one (_recover). The subjects whose labels or classes change
        # are read before the graphs of the changes go.
        patch = self._index_patch(temp, graph, inferred)
        (self.path / COUNTS_FILE).unlink(missing_ok=True)
        if self._journal is not None:
            self._journal |= {
                "stage": "swapping",
                "incremental": inferred.incremental,
                "gone": inferred.gone,
            }
            self._write_journal()
        self._swap_in(
            temp,
            graph,
            incremental=inferred.incremental,
            scratch=inferred.graph,
            gone=inferred.gone,
        )
        self._swapped = True
        if temp != graph:
            self.drop(temp)
            self.drop(_minus_of(temp))
        self.drop(inferred.graph)
        if inferred.gone is not None:
            self.drop(inferred.gone)
        self._end_journal()
        self._touched = False
        changes, self._changes = (self._changes if inferred.incremental else None), None
        self._record(graphs=[graph, INFERRED], changes=changes, patch=patch)

    def _index_patch(self, temp: str, graph: str, inferred: Entailed) -> IndexPatch | None:
        """What a load changes in the build's label index; ``None``, the index to be written
        anew, after an inference of the whole store or when a subclass statement changes
        (any subject's classes can then change), or when the index is not stamped with
        this store's counts before the load (:func:`_index_is_current`): only an index
        that described the store can be updated by what changed.

        A graph loaded again: the subjects of the label and ``rdf:type`` statements it
        gains (``temp``) or loses, or the inferred graph gains or loses, whichever graph
        labels them. A new graph (``temp`` is ``graph``): every label of it and of the
        inferred graph, and the classes of the subjects that it or its entailments type
        (labelled in another graph, they are none of those labels' subjects)."""
        if not inferred.incremental or not self._index_is_current():
            return None
        changes = (temp, _minus_of(temp), inferred.graph, inferred.gone)
        subclass, pattern = _label_or_type_changes(g for g in changes if g is not None)
        if self.select(subclass):
            return None
        if temp == graph:
            return IndexPatch(only=None, typed=self._typed_in([graph, inferred.graph]))
        rows = self.select(f"SELECT DISTINCT ?s WHERE {{ {pattern} }}")
        return IndexPatch(only={row["s"].value for row in rows})

    def _typed_in(self, graphs: list[str]) -> set[str]:
        """The IRIs that an ``rdf:type`` statement of ``graphs`` gives a class (an IRI),
        read from the predicate index (at 10⁶ triples a SPARQL pattern over the graphs
        took twice as long)."""
        return {
            q.subject.value
            for g in graphs
            for q in self.store.quads_for_pattern(None, _RDF_TYPE, None, ox.NamedNode(g))
            if type(q.subject) is ox.NamedNode and type(q.object) is ox.NamedNode
        }

    def _index_is_current(self) -> bool:
        """Whether this store is a build's whose label index says it describes the store
        as recorded before this load (:func:`api.search.index.described`)."""
        labels = self._labels_file()
        return (
            labels is not None
            and self._baseline is not None
            and search_index.described(labels) == self._baseline.counts
        )

    def _labels_file(self) -> Path | None:
        """The label index of the build whose store this is; ``None`` for a store alone."""
        from api.build.artefacts import STORE_DIR

        build = self.path.parent
        if self.path.name != STORE_DIR or not (build / "report.json").is_file():
            return None
        return build / search_index.INDEX_FILE

    def _swap_in(
        self, temp: str, graph: str, *, incremental: bool, scratch: str, gone: str | None = None
    ) -> None:
        """The changes of a graph loaded again applied to it (:meth:`_graph_in_place`;
        nothing to do for a new graph written in place); the entailments of ``scratch``
        in place of the inferred graph's (by the bulk loader too: a ``MOVE`` of 1.9
        million held 9.5 GiB) or, inferred from what changed, joining them (likewise),
        those of ``gone`` and those the new data asserts leaving the inferred graph;
        then the mark that it ran, in the last update (:meth:`_recover`). The graphs
        named stay until then."""
        self._graph_in_place(temp, graph)
        load = self._journal["id"] if self._journal is not None else uuid.uuid4().hex
        mark = (
            f"INSERT DATA {{ GRAPH <{_LOAD_STATE}> "
            f"{{ <{_LOAD_STATE}> <{_LOAD_STATE}:swapped> {_literal(load)} }} }}"
        )
        if incremental:  # run again (_recover), it changes nothing more: a graph is a set
            # Out first, while the inferred graph holds only the entailments it had: none
            # of the new ones is asserted by ``temp``, which the working graph held when
            # they were derived (FILTER NOT EXISTS). At 10^7 triples this read 1.9 million
            # entailments after the copy (19.5 s).
            leaving = (
                f"DELETE {{ GRAPH <{INFERRED}> {{ ?s ?p ?o }} }}"
                f" WHERE {{ GRAPH <{gone}> {{ ?s ?p ?o }} }} ;"
                if gone is not None
                else ""
            )
            self.store.update(
                f"{leaving}DELETE {{ GRAPH <{INFERRED}> {{ ?s ?p ?o }} }}"
                f" WHERE {{ GRAPH <{INFERRED}> {{ ?s ?p ?o }} GRAPH <{temp}> {{ ?s ?p ?o }} }}"
            )
            self._copy(scratch, ox.NamedNode(INFERRED))
            self.store.update(mark)
        else:
            self.drop(INFERRED)
            self._copy(scratch, ox.NamedNode(INFERRED))
            self.store.update(mark)

    def _graph_in_place(self, temp: str, graph: str) -> None:
        """A graph loaded again takes the triples of ``temp`` and loses those of the graph
        :func:`_minus_of` ``temp`` (_split); a new graph is in place already. Run again
        (_recover), it changes nothing more."""
        if temp == graph:
            return
        g, minus = ox.NamedNode(graph), ox.NamedNode(_minus_of(temp))
        for quad in self.store.quads_for_pattern(None, None, None, minus):
            self.store.remove(ox.Quad(quad.subject, quad.predicate, quad.object, g))
        self._copy(temp, g)

    def _record(
        self,
        *,
        graphs: list[str] | None = None,
        changes: Changes | None = None,
        patch: IndexPatch | None = None,
    ) -> None:
        """Flush, and record what the service reads at start-up (:mod:`api.build.recorded`):
        updated by ``changes`` when the load counted what it changed, else read again from
        the store; in a build, its label index (the labels of ``graphs`` again as
        ``patch`` says, in an index that described the store before; else written
        anew), stamped with the store's counts; its checksums and report once the store
        is closed (:meth:`close`)."""
        from api.build.recorded import record

        known = (
            changes.figures(self.store, graph=graphs[0]) if changes is not None and graphs else None
        )
        self.store.flush()
        labels = self._labels_file()
        if labels is None:
            record(self.store, self.path, known=known, on_disk=True)  # a store, not a build
            self._baseline = baseline(self.store, self.path)
            return
        counts = known.counts if known is not None else count_triples(self.store)
        # an index that did not describe the store before (a load killed while writing
        # it, a build older than the stamps), or a load that may have changed the classes
        # of any subject (no patch), is written anew, not patched
        patched = (
            graphs
            if graphs is not None and patch is not None and self._index_is_current()
            else None
        )

        def index_labels() -> int:
            if patched is None or patch is None:
                return search_index.build(self.store, labels, laid_out=True, describes=counts)
            return search_index.replace_graphs(
                self.store,
                labels,
                patched,
                only=None if patch.only is None else dict.fromkeys(patched, patch.only),
                also=patch.typed,
                describes=counts,
            )

        recorded = record(
            self.store, self.path, counts=counts, beside=index_labels, known=known, on_disk=True
        )
        if patched is None or patch is None:
            what = f"written anew, {recorded.beside:,} labels"
        else:
            whose = (
                "" if patch.only is None else f" (of the {len(patch.only):,} subjects it changed)"
            )
            typed = f", the classes of {len(patch.typed):,} subjects typed" if patch.typed else ""
            what = f"{recorded.beside:,} labels of {' and '.join(patched)}{whose}{typed}"
        seconds = recorded.seconds.get("beside", 0.0)
        self._notes.append(f"label index: {what}, in {labels} ({seconds:.1f} s)")
        self.store.flush()
        # The store's checksums once it is closed (close()): RocksDB compacts in the
        # background while it is open, creating and deleting files.
        self._unchecked = (labels.parent, counts)
        self._baseline = baseline(self.store, self.path)

    def subjects_in(self, iris: list[str]) -> set[str]:
        return {
            iri
            for iri in iris
            if any(True for _ in self.store.quads_for_pattern(ox.NamedNode(iri), None, None))
        }

    def notes(self) -> list[str]:
        return list(self._notes)

    def load_build(self, build: Path, *, quiet: bool = False) -> dict[str, int]:
        """Copy another build's store (``build/oxigraph``) into this one."""
        source = ox.Store.read_only(str(_oxigraph_dir(build)))
        _write_in_chunks(self.store, source)
        self._record()
        return dict(count_triples(self.store).graphs)

    def close(self) -> None:
        """Flush and close the store; then, when a load changed a build's store, write
        its checksums and report again (:func:`~api.build.artefacts.refresh_store_record`)."""
        from api.build.artefacts import refresh_store_record

        self._close_inputs()
        self.store.flush()
        del self.store  # closed: RocksDB's background work is over, its files at rest
        if self._unchecked is not None:
            build, counts = self._unchecked
            self._unchecked = None
            refresh_store_record(build, counts)


def _oxigraph_dir(build: Path) -> Path:
    candidate = build / "oxigraph"
    if candidate.is_dir():
        return candidate
    if build.is_dir():
        return build
    raise LoadError(f"No build at {build}: run `ccai build --out {build}` first")


# --- a remote store ------------------------------------------------------------------


class RemoteTarget:
    """A SPARQL 1.1 store written through GSP and/or SPARQL Update, with credentials."""

    def __init__(
        self,
        query_endpoint: str,
        *,
        update_endpoint: str | None,
        gsp_endpoint: str | None,
        user: str | None,
        password: str | None,
        auth: AuthScheme = "digest",
        default_graph_iri: str = DEFAULT_GRAPH,
        timeout: float = 600.0,
        kind: Kind = "generic",
        build: Path | None = None,
    ) -> None:
        if not update_endpoint:
            raise LoadError(
                "loading into a remote store needs --update-endpoint (SPARQL 1.1 Update; "
                "--gsp-endpoint is used for the data when given)"
            )
        self.query_endpoint = query_endpoint
        self.update_endpoint = update_endpoint
        self.gsp_endpoint = gsp_endpoint
        self.default_graph_iri = default_graph_iri
        self.manifest = manifest_for(default_graph_iri)
        # Virtuoso keeps a whole update in its transaction log, which overflows past
        # ~10^5 copied triples ("log after image size went above the limit"): its
        # graph copies run in autocommit mode instead (a failure in the middle of a
        # swap can then leave the graph partly copied; run the load again).
        self.bulk = "DEFINE sql:log-enable 3 " if kind == "virtuoso" else ""
        # Joins in the order written, where that order starts from a small graph: Virtuoso
        # chose, 3 times in 11, a plan that ran past its 60 s limit (SR171) for the
        # rederivation of delete and rederive at 10^6 triples.
        self.in_order = 'DEFINE sql:select-option "order" ' if kind == "virtuoso" else ""
        self.client = httpx.Client(auth=auth_for(user, password, auth), timeout=timeout)
        self._credentials = (user, password, auth)
        self.kind = kind
        self._touched = False  # the default graph's named graph changed by entail()
        # The label index kept for this store beside the build (api.search.remote), the
        # labels of the files being loaded, the index the load starts from, the notes.
        self._build = build
        self._index = (
            RemoteIndex(build, query_endpoint, default_graph_iri)
            if build is not None and (build / "report.json").is_file()
            else None
        )
        self._mirror: LabelMirror | None = None
        self._loading: dict[str, str] = {}
        self._base: Path | None = None
        self._notes: list[str] = []
        # a graph loaded again, compared with the new data (_split): the swap applies the
        # difference to it instead of copying the new data over it
        self._by_difference = False

    def _check(self, response: httpx.Response, what: str) -> None:
        if response.status_code >= 300 or response.headers.get("X-SQL-State"):
            text = " ".join(response.text.split())[:300]
            raise LoadError(f"the remote store refused {what}: HTTP {response.status_code} {text}")

    def update(self, text: str) -> None:
        try:
            response = self.client.post(
                self.update_endpoint,
                content=text.encode("utf-8"),
                headers={"Content-Type": "application/sparql-update"},
            )
        except httpx.HTTPError as exc:
            raise LoadError(f"{self.update_endpoint}: {type(exc).__name__}: {exc}") from None
        self._check(response, "an update")

    def select(self, query: str) -> list[dict[str, Any]]:
        try:
            response = self.client.post(
                self.query_endpoint,
                data={"query": query},
                headers={"Accept": "application/sparql-results+json"},
            )
        except httpx.HTTPError as exc:
            raise LoadError(f"{self.query_endpoint}: {type(exc).__name__}: {exc}") from None
        self._check(response, "a query")
        try:
            body = _valid_blank_nodes(response.json())
            solutions = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
        except (ValueError, SyntaxError) as exc:
            raise LoadError(f"{self.query_endpoint}: not SPARQL JSON results: {exc}") from None
        assert isinstance(solutions, ox.QuerySolutions)
        names = [v.value for v in solutions.variables]
        return [{n: s[n] for n in names} for s in solutions]

    def graphs(self) -> list[str]:
        rows = self.select(
            f"SELECT DISTINCT ?g WHERE {{ GRAPH <{self.manifest}> {{ ?m <{VOID_SUBSET}> ?g }} }}"
        )
        return sorted(r["g"].value for r in rows)

    def begin(self, temp: str, graph: str, scratch: str, *, replaced: bool) -> str:
        # what an earlier load through this target kept goes
        if self._mirror is not None:
            self._mirror.close()
        self._mirror, self._base, self._notes = None, None, []
        self._by_difference = False
        self._loading = {temp: graph}  # the graph each temporary graph is loaded for
        return temp  # a remote graph cannot be taken out again cheaply: loaded aside

    def read(self, path: Path, graph: str, *, skolemise: bool) -> Iterator[ox.Quad]:
        return read_triples(path, graph, skolemise=skolemise)

    def write_chunk(self, graph: str, quads: list[ox.Quad]) -> None:
        if self._index is not None:  # their labels, for the label index (swap)
            if self._mirror is None:
                self._mirror = LabelMirror(skip=GENID)
            self._mirror.add(quads, graph=self._loading.get(graph, graph))
        self._send(graph, quads)

    def _send(self, graph: str, quads: list[ox.Quad]) -> None:
        body = ox.serialize([q.triple for q in quads], format=ox.RdfFormat.N_TRIPLES)
        assert body is not None
        if self.gsp_endpoint:
            try:
                # text/turtle: N-Triples is Turtle, and every GSP server takes Turtle
                response = self.client.post(
                    self.gsp_endpoint,
                    params={"graph": graph},
                    content=body,
                    headers={"Content-Type": "text/turtle"},
                )
            except httpx.HTTPError as exc:
                raise LoadError(f"{self.gsp_endpoint}: {type(exc).__name__}: {exc}") from None
            self._check(response, "a Graph Store Protocol POST")
        else:
            self.update(f"INSERT DATA {{ GRAPH <{graph}> {{\n" + body.decode("utf-8") + "\n} }")

    def drop(self, graph: str) -> None:
        with contextlib.suppress(LoadError):  # best effort: a temporary graph, never listed
            self.update(f"DROP SILENT GRAPH <{graph}>")

    def _refresh_default(self) -> None:
        """The default graph again: every distinct triple of the listed graphs.

        Graph by graph, each update naming its graphs: Virtuoso stopped one copy of
        every graph (``GRAPH ?g`` over a ``VALUES`` list) into the default graph's named
        graph at 10⁷ triples with "SR171: Transaction timed out", where a copy of the
        10⁷-triple graph alone took 377 s (``bench/README.md``)."""
        graphs, target = self.graphs(), self.default_graph_iri
        if INFERRED in graphs:  # an entailment the data now asserts leaves the inferred graph
            for other in graphs:
                if other != INFERRED:
                    self.update(
                        f"{self.bulk}DELETE {{ GRAPH <{INFERRED}> {{ ?s ?p ?o }} }} "
                        f"WHERE {{ GRAPH <{INFERRED}> {{ ?s ?p ?o }} "
                        f"GRAPH <{other}> {{ ?s ?p ?o }} }}"
                    )
        self.update(f"{self.bulk}DROP SILENT GRAPH <{target}>")
        for graph in graphs:
            self.update(
                f"{self.bulk}INSERT {{ GRAPH <{target}> {{ ?s ?p ?o }} }} "
                f"WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
            )

    def counts(self) -> TripleCounts:
        """The store's counts, read as the service reads them at start-up
        (:meth:`api.store.remote.RemoteStore.start`)."""
        user, password, auth = self._credentials

        async def read() -> TripleCounts:
            store = RemoteStore(
                self.query_endpoint,
                kind=self.kind,
                user=user,
                password=password,
                auth=auth,
                query_auth=True,
                default_graph_iri=self.default_graph_iri,
            )
            try:
                await store.start()
            finally:
                await store.close()
            return store.counts()

        return asyncio.run(read())

    def _changing(self, state: bool | None = None) -> bool:
        """Whether a load has begun to change the working graph and not yet finished
        (a statement in the manifest graph); ``state``: set it first."""
        where = f"GRAPH <{self.manifest}> {{ <{self.manifest}> <{_CHANGING}> ?x }}"
        if state is True:
            self.update(f"INSERT DATA {{ {where.replace('?x', 'true')} }}")
        elif state is False:
            self.update(f"DELETE WHERE {{ {where} }}")
        return bool(self.select(f"SELECT ?x WHERE {{ {where} }} LIMIT 1"))

    def entail(
        self, temp: str, graph: str, scratch: str, *, replaced: bool, terms: AddedTerms
    ) -> Entailed:
        # The working graph is the default graph's named graph, prepared as on the
        # embedded store. A new graph whose entailments are those of its own triples
        # (added_alone_suffices): the new data in, and only what it entails inferred; the
        # working graph then holds what it must. Else the new data in, the old entailments
        # and the replaced graph's triples out, everything inferred again, and the swap
        # copies the working graph again from the listed graphs.
        work, ontology = self.default_graph_iri, SCHEMA_GRAPHS[0]
        if self._changing():  # a load stopped half-way: the working graph is mended first
            self._refresh_default()
        if self._index is not None:  # the index that describes the store as it is now
            try:
                self._base = self._index.base_for(self.counts())
            except CcaiError:  # no dataset listed yet, say: no index to start from
                self._base = None
        rules = rules_of(self)
        incremental = not replaced and added_alone_suffices(
            self.select, rules, added=temp, ontology=ontology, working=work, terms=terms
        )
        self._touched = True
        self._changing(True)
        if incremental:
            self.update(
                f"{self.bulk}INSERT {{ GRAPH <{work}> {{ ?s ?p ?o }} }} "
                f"WHERE {{ GRAPH <{temp}> {{ ?s ?p ?o }} }}"
            )
            return entail_added(
                self.update,
                self.select,
                rules,
                added=temp,
                scratch=scratch,
                ontology=ontology,
                working=work,
                prefix=self.bulk,
            )
        # the listed graphs that stay asserted (a store's other graphs are not ours)
        listed = [g for g in self.graphs() if not _replaced_or_ours(g, graph)]
        if replaced:  # only what changed, where that gives the same (entail_replaced)
            plus, minus = self._split(temp, graph), _minus_of(temp)
            self._by_difference = True
            changed = (
                None
                if self._joined_by_value(plus, minus)
                else entail_replaced(
                    self.update,
                    self.select,
                    rules,
                    graph=graph,
                    added=plus,
                    removed=minus,
                    staying=listed,
                    inferred=INFERRED,
                    scratch=scratch,
                    ontology=ontology,
                    put_in=lambda: self.update(
                        f"{self.bulk}INSERT {{ GRAPH <{work}> {{ ?s ?p ?o }} }} "
                        f"WHERE {{ GRAPH <{plus}> {{ ?s ?p ?o }} }}"
                    ),
                    working=work,
                    prefix=self.bulk,
                    in_order=self.in_order,
                    terms=terms,
                )
            )
            if changed is not None:
                return changed
        stay = " ".join(f"<{g}>" for g in listed) or "<urn:x-ccai:none>"
        self.update(
            f"{self.bulk}DELETE {{ GRAPH <{work}> {{ ?s ?p ?o }} }} WHERE {{ "
            f"VALUES ?h {{ <{INFERRED}> <{graph}> }} GRAPH ?h {{ ?s ?p ?o }} "
            f"FILTER NOT EXISTS {{ VALUES ?g {{ {stay} }} GRAPH ?g {{ ?s ?p ?o }} }} }} ; "
            f"INSERT {{ GRAPH <{work}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH <{temp}> {{ ?s ?p ?o }} }}"
        )
        return infer_over(self, scratch, working=work, prefix=self.bulk, rules=rules)

    def _split(self, temp: str, graph: str) -> str:
        """A graph loaded again, compared with the one it replaces on the server: the
        triples of ``temp`` (the new data) that ``graph`` lacks into :func:`_plus_of`
        ``temp``, returned, and those of ``graph`` that ``temp`` lacks into
        :func:`_minus_of` ``temp``. Two reads of both graphs, and writes of what changed
        only, where copying the new data over ``graph`` deletes and writes every triple
        of both. (The new data's blank nodes are skolem IRIs of this load: never
        ``graph``'s.)"""
        plus, minus = _plus_of(temp), _minus_of(temp)

        def lacking(source: str, other: str) -> str:
            # sameTerm, not a join on ?o: Virtuoso joins literals by value (1 = 1.0)
            return (
                f"WHERE {{ GRAPH <{source}> {{ ?s ?p ?o }} FILTER NOT EXISTS {{ "
                f"GRAPH <{other}> {{ ?s ?p ?other }} FILTER(sameTerm(?other, ?o)) }} }}"
            )

        self.update(
            f"{self.bulk}INSERT {{ GRAPH <{plus}> {{ ?s ?p ?o }} }} {lacking(temp, graph)} ; "
            f"INSERT {{ GRAPH <{minus}> {{ ?s ?p ?o }} }} {lacking(graph, temp)}"
        )
        return plus

    def _joined_by_value(self, plus: str, minus: str) -> bool:
        """Whether a triple gained and one lost join (a store that joins literals by
        value, as Virtuoso does: ``"1"^^xsd:integer`` and ``"1.0"^^xsd:decimal``). Delete
        and rederive joins the two then, and would keep the lost one in the working
        graph: the whole store is inferred instead. (On a store that joins terms, the
        two graphs share no triple.)"""
        return bool(
            self.select(
                f"SELECT ?s WHERE {{ GRAPH <{plus}> {{ ?s ?p ?o }} "
                f"GRAPH <{minus}> {{ ?s ?p ?o }} }} LIMIT 1"
            )
        )

    def abandon(self, temp: str, scratch: str, graph: str) -> None:
        self.drop(temp)
        self.drop(_plus_of(temp))
        self.drop(_minus_of(temp))
        self.drop(scratch)
        self.drop(gone_of(scratch))
        if self._touched:
            with contextlib.suppress(LoadError):  # best effort; the next load mends it too
                self._refresh_default()
                self._changing(False)
            self._touched = False

    def _in_place(self, temp: str, graph: str) -> tuple[str, str, str]:
        """How the swap puts the new data in ``temp`` in place of ``graph``: the update
        text, the graph of the triples ``graph`` gains (the only ones that can be
        entailments the data now asserts: the inferred graph held none of ``graph``'s),
        and the text that drops what is left aside. After :meth:`_split`, ``graph`` is
        changed by the difference (out what the new data lacks, in what it brings); else
        the new data is copied over it (:meth:`_move`)."""
        if not self._by_difference:
            return self._move(temp, graph), graph, ""
        plus, minus = _plus_of(temp), _minus_of(temp)
        return (
            f"DELETE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }} "
            f"WHERE {{ GRAPH <{minus}> {{ ?s ?p ?o }} }} ; "
            f"INSERT {{ GRAPH <{graph}> {{ ?s ?p ?o }} }} "
            f"WHERE {{ GRAPH <{plus}> {{ ?s ?p ?o }} }}",
            plus,
            f"DROP SILENT GRAPH <{temp}> ; DROP SILENT GRAPH <{plus}> ; "
            f"DROP SILENT GRAPH <{minus}> ; ",
        )

    def _move(self, source: str, graph: str) -> str:
        """The update text that replaces ``graph`` by ``source``'s triples and drops it."""
        return (
            f"DROP SILENT GRAPH <{graph}> ; "
            f"INSERT {{ GRAPH <{graph}> {{ ?s ?p ?o }} }} "
            f"WHERE {{ GRAPH <{source}> {{ ?s ?p ?o }} }} ; "
            f"DROP SILENT GRAPH <{source}>"
        )

    def swap(self, temp: str, graph: str, *, replaced: bool, inferred: Entailed) -> None:
        if self._index is not None:  # from here on the store's index no longer describes it
            self._index.distrust()
        listing = (
            f"INSERT DATA {{ GRAPH <{self.manifest}> "
            f"{{ <{self.manifest}> <{VOID_SUBSET}> <{graph}> . "
            f"<{self.manifest}> <{VOID_SUBSET}> <{INFERRED}> }} }}"
        )
        in_place, gained, aside = self._in_place(temp, graph)
        changed = self._subjects_changed(temp, inferred)
        typed = self._typed_in(inferred.graph) if inferred.incremental else set()
        if inferred.incremental:
            # The new entailments join the inferred graph, and those gone (entail_replaced)
            # or that the new data asserts leave it; the working graph already holds what
            # it must (entail).
            leaving = (
                f"DELETE {{ GRAPH <{INFERRED}> {{ ?s ?p ?o }} }} "
                f"WHERE {{ GRAPH <{inferred.gone}> {{ ?s ?p ?o }} }} ; "
                f"DROP SILENT GRAPH <{inferred.gone}> ; "
                if inferred.gone is not None
                else ""
            )
            self.update(
                f"{self.bulk}{in_place} ; "
                f"INSERT {{ GRAPH <{INFERRED}> {{ ?s ?p ?o }} }} "
                f"WHERE {{ GRAPH <{inferred.graph}> {{ ?s ?p ?o }} }} ; "
                f"DROP SILENT GRAPH <{inferred.graph}> ; {leaving}"
                f"DELETE {{ GRAPH <{INFERRED}> {{ ?s ?p ?o }} }} "
                f"WHERE {{ GRAPH <{gained}> {{ ?s ?p ?o }} GRAPH <{INFERRED}> {{ ?s ?p ?o }} }} ; "
                f"{aside}{listing}"
            )
        else:
            self.update(
                f"{self.bulk}{in_place} ; {aside}{self._move(inferred.graph, INFERRED)} ; {listing}"
            )
            self._refresh_default()
        self._changing(False)
        self._touched = False
        self._keep_index(graph, changed, typed)

    def _subjects_changed(self, temp: str, inferred: Entailed) -> set[str] | None:
        """The subjects whose labels or classes a graph loaded again by its difference
        can change: those of the label and ``rdf:type`` statements it gains or loses, or
        the inferred graph gains or loses (read before the swap drops those graphs).
        ``None``, every subject of the graph's labels, when the graph is not changed by
        its difference, when no index is kept, when a subclass statement changes (any
        subject's classes can), or when the store's answer cannot be trusted whole."""
        if not (self._by_difference and inferred.incremental) or None in (self._index, self._base):
            return None
        changes = (_plus_of(temp), _minus_of(temp), inferred.graph, inferred.gone)
        subclass, pattern = _label_or_type_changes(g for g in changes if g is not None)
        if self.select(subclass):
            return None
        try:
            return {row["s"].value for row in all_rows(self.select, "?s ?p ?o", pattern)}
        except RemoteIndexError:
            return None

    def _typed_in(self, scratch: str) -> set[str]:
        """The IRIs (not skolem ones) that a type statement among the new entailments
        (graph ``scratch``, read before the swap drops it) gives a class: their classes
        in the label index change, whichever graph labels them. Empty when no index is
        kept or the store cannot say."""
        if self._index is None or self._base is None:
            return set()
        pattern = (
            f"GRAPH <{scratch}> {{ ?s <{_RDF_TYPE.value}> ?c FILTER(isIRI(?s) && isIRI(?c)) }}"
        )
        try:
            rows = all_rows(self.select, "?s", pattern)
            return {r["s"].value for r in rows if not r["s"].value.startswith(GENID)}
        except RemoteIndexError:
            return set()

    def _keep_index(
        self,
        graph: str,
        changed: set[str] | None = None,
        typed: Collection[str] = (),
    ) -> None:
        """The label index of this store, with the labels of ``graph`` and of the inferred
        graph replaced (:mod:`api.search.remote`; only those of the subjects ``changed``,
        when given), and the classes of the subjects ``typed`` by the new entailments
        read again; a note says what became of it. The data is loaded whatever happens
        here: an index not written is not used."""
        if self._index is None:
            where = self._build if self._build is not None else "no build given"
            self._notes.append(
                f"label index: none kept ({where} is no build; --build names the build the "
                "service reads beside this store)"
            )
            return
        if self._base is None:
            self._notes.append(
                "label index: none kept (neither the build's index nor an earlier load's "
                f"describes this store; load it from the build again: ccai load --build "
                f"{self._index.build} --backend remote)"
            )
            return
        mirror = self._mirror if self._mirror is not None else LabelMirror(skip=GENID)
        self._mirror = mirror
        started = time.monotonic()
        try:
            added = self._index.update(
                self._base,
                mirror,
                self.select,
                graph=graph,
                work=self.default_graph_iri,
                counts=self.counts(),
                changed=changed,
                typed=typed,
            )
        except (LoadError, CcaiError, RemoteIndexError, sqlite3.Error, OSError) as exc:
            self._notes.append(f"label index: not updated ({_one_line(exc)})")
            return
        whose = "" if changed is None else f" (of the {len(changed):,} subjects it changed)"
        self._notes.append(
            f"label index: {added:,} labels of {graph}{whose} and the inferred graph, in "
            f"{self._index.dir} ({time.monotonic() - started:.1f} s)"
        )

    def notes(self) -> list[str]:
        return list(self._notes)

    def subjects_in(self, iris: list[str]) -> set[str]:
        found: set[str] = set()
        graphs = [self.default_graph_iri, INFERRED]
        for i in range(0, len(iris), 500):
            values = " ".join(f"<{iri}>" for iri in iris[i : i + 500])
            rows = self.select(
                "SELECT DISTINCT ?s "
                + " ".join(f"FROM <{g}>" for g in graphs)
                + f" WHERE {{ VALUES ?s {{ {values} }} ?s ?p ?o }}"
            )
            found |= {r["s"].value for r in rows}
        return found

    def load_build(self, build: Path, *, quiet: bool = False) -> dict[str, int]:
        """Replace the remote copy of the dataset with the build's named graphs.

        Each graph goes to a temporary graph first and is moved in once it
        is complete; then the manifest and the default graph are rewritten.
        """
        source = ox.Store.read_only(str(_oxigraph_dir(build)))
        if self._index is not None:  # the store will hold the build: the build's index
            self._index.remove()
        counts: dict[str, int] = {}
        names = sorted(g.value for g in source.named_graphs() if isinstance(g, ox.NamedNode))
        for name in names:
            temp = _LOADING + uuid.uuid4().hex
            progress = Progress(name, quiet=quiet)
            try:
                batch: list[ox.Quad] = []
                graph = ox.NamedNode(name)
                # A blank node's label is local to one request: a graph that has blank
                # nodes goes in one request (the build's ontology: a few hundred triples).
                chunk = CHUNK if not _has_blank_nodes(source, graph) else sys.maxsize
                for quad in source.quads_for_pattern(None, None, None, graph):
                    batch.append(quad)
                    if len(batch) >= chunk:
                        self._send(temp, batch)
                        progress.add(len(batch))
                        batch = []
                if batch:
                    self._send(temp, batch)
                    progress.add(len(batch))
                self.update(
                    f"{self.bulk}DROP SILENT GRAPH <{name}> ; "
                    f"INSERT {{ GRAPH <{name}> {{ ?s ?p ?o }} }} "
                    f"WHERE {{ GRAPH <{temp}> {{ ?s ?p ?o }} }} ; DROP SILENT GRAPH <{temp}>"
                )
            except BaseException:
                self.drop(temp)
                raise
            progress.done()
            counts[name] = progress.count
        listing = " ".join(f"<{self.manifest}> <{VOID_SUBSET}> <{g}> ." for g in names)
        self.update(
            f"DROP SILENT GRAPH <{self.manifest}> ; "
            f"INSERT DATA {{ GRAPH <{self.manifest}> {{ {listing} }} }}"
        )
        self._refresh_default()
        return counts

    def close(self) -> None:
        self.client.close()
        if self._mirror is not None:
            self._mirror.close()
            self._mirror = None


def _valid_blank_nodes(results: Any) -> bytes:
    """SPARQL JSON results with every blank node label one pyoxigraph reads (Virtuoso
    labels them ``nodeID://b10006``), the same label for the same node."""
    for binding in results.get("results", {}).get("bindings", []):
        for term in binding.values():
            if isinstance(term, dict) and term.get("type") == "bnode":
                term["value"] = "b" + re.sub(r"[^A-Za-z0-9]", "_", str(term.get("value")))
    return json.dumps(results).encode("utf-8")


def _has_blank_nodes(store: ox.Store, graph: ox.NamedNode) -> bool:
    return any(
        isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode)
        for q in store.quads_for_pattern(None, None, None, graph)
    )


def open_target(settings: Any, *, build: Path | None = None) -> EmbeddedTarget | RemoteTarget:
    """The load target the settings name (``settings.backend``); ``build``: the build the
    service reads beside a remote store (it keeps the store's label index)."""
    if settings.backend == "remote":
        if not settings.query_endpoint:
            raise LoadError("--backend remote needs --query-endpoint (CCAI_QUERY_ENDPOINT)")
        return RemoteTarget(
            settings.query_endpoint,
            update_endpoint=settings.update_endpoint,
            gsp_endpoint=settings.gsp_endpoint,
            user=settings.remote_user,
            password=settings.remote_password,
            auth=settings.remote_auth,
            default_graph_iri=settings.remote_default_graph,
            kind=settings.remote_kind,
            build=build,
        )
    return EmbeddedTarget(settings.oxigraph_path())


Report = Callable[[str], None]
