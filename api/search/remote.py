"""The label index of a remote store, kept in step by ``ccai load FILE --graph G --backend remote``.

A remote store set up from the build (``ccai load --build B --backend
remote``) holds what the build's store holds, and the service searches it
through the build's index (:func:`api.web.services.label_index_dir`). A file
loaded into a graph of the remote store afterwards changes its labels; the
build's index then no longer describes the store, and the service would read
every label of the store into memory instead. So the load writes an index of
its own for that store, beside the build:

``B/remote-index/<key>/search.sqlite`` and ``…/ccai-counts.json``, where
``<key>`` names the store (its query endpoint and default graph,
:func:`remote_index_dir`). The index is the build's (or the previous load's)
with the labels of ``G`` and of the inferred graph replaced
(:func:`api.search.index.replace_graphs`); the counts are the store's after
the load, and the service opens that index only while the store's counts are
still those (the same check as for the build's own index).

What a load reads for it, besides the file it parsed (its label statements,
kept on disk while it loads: :class:`LabelMirror`): the labels of the
inferred graph, the ``rdfs:subClassOf`` statements, and the ``rdf:type`` of
every subject whose labels change, by SELECT requests of at most
:data:`PAGE` rows, each checked against a COUNT (:func:`all_rows`), so a
server's row cap, Virtuoso's 10,000, cannot cut the answer short. A graph
loaded again and changed by its difference (:meth:`api.load.RemoteTarget._split`)
has only the labels of the subjects it changed replaced, and only their types read.

What it leaves out, as the build's index does: labels of blank nodes (on the
remote store, of the skolem IRIs the load gave them), so that the index of a
remote store equals the index of an embedded store that loaded the same file.

>>> remote_index_dir(Path("build"), "http://127.0.0.1:8890/sparql", "urn:x-ccai:default")
PosixPath('build/remote-index/bf66c2ded40942ce')
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Callable, Collection, Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from api.search import index
from api.store.layout import COUNTS_FILE, INFERRED, TripleCounts, read_counts, write_counts

#: The folder, in a build, of the indexes kept for remote stores.
REMOTE_DIR = "remote-index"
#: Rows per SELECT request (under every server's cap: Virtuoso's is 10,000).
PAGE = 5_000
#: Subjects per request for their ``rdf:type``.
VALUES_BATCH = 200

Select = Callable[[str], list[dict[str, Any]]]
_LABELS = " ".join(f"<{p}>" for p in index.LABEL_PREDICATES)
_LABEL_SET = frozenset(index.LABEL_PREDICATES)
_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


class RemoteIndexError(Exception):
    """The store's answers cannot make a faithful index (one line)."""


def remote_index_dir(build: Path, endpoint: str, default_graph: str) -> Path:
    """Where the index of the store at ``endpoint`` (its data under ``default_graph``) lives."""
    key = hashlib.sha256(f"{endpoint}\n{default_graph}".encode()).hexdigest()[:16]
    return build / REMOTE_DIR / key


def all_rows(
    select: Select, variables: str, pattern: str, key: str = "?s"
) -> Iterator[dict[str, Any]]:
    """Every solution of ``SELECT variables WHERE { pattern }``, in requests of at most
    :data:`PAGE` rows, each checked against a ``COUNT``.

    No ``ORDER BY … OFFSET``: Virtuoso refuses to sort past its row cap (``SR353``,
    offset + limit over 10,000). The solutions are split by the MD5 of ``key``'s value
    instead: all of them when they are few enough, else the 16 parts whose hashes start
    with ``0`` … ``f``, each split again while it is too large; one value of ``key``
    with too many solutions is split by the MD5 of every variable's value. ``key`` and
    the variables must be bound to IRIs or literals in every solution (``STR`` of a
    blank node, or of nothing, is an error: such solutions would fall out of every part).

    Raises:
        RemoteIndexError: a part returned another number of rows than its count (the
            store changed meanwhile, or capped an answer), or cannot be split.
    """
    keys = [key, "CONCAT(" + ', " ", '.join(f"STR({v})" for v in variables.split()) + ")"]

    def part(fixed: str, level: int, prefix: str) -> Iterator[dict[str, Any]]:
        hashed = f'FILTER(STRSTARTS(MD5(STR({keys[level]})), "{prefix}"))' if prefix else ""
        where = " ".join(p for p in (pattern, fixed, hashed) if p)
        expected = int(select(f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}")[0]["n"].value)
        if expected == 0:
            return
        if expected <= PAGE:
            rows = select(f"SELECT {variables} WHERE {{ {where} }} LIMIT {PAGE}")
            if len(rows) != expected:
                raise RemoteIndexError(
                    f"the store returned {len(rows):,} of {expected:,} rows of {where}"
                )
            yield from rows
        elif len(prefix) < 32:  # an MD5 has 32 hexadecimal digits
            for digit in "0123456789abcdef":
                yield from part(fixed, level, prefix + digit)
        elif level + 1 < len(keys):
            yield from part(" ".join(p for p in (fixed, hashed) if p), level + 1, "")
        else:
            raise RemoteIndexError(f"{expected:,} rows of {where} cannot be told apart")

    yield from part("", 0, "")


class LabelMirror:
    """What the index update reads, in a temporary on-disk store: the label and type
    statements of the loaded file (:meth:`add`, as it is written to the store), then the
    inferred graph's labels, the subclass statements and the types of the subjects whose
    labels or classes change (:meth:`fetch`)."""

    def __init__(self, *, skip: str) -> None:
        self._dir = Path(tempfile.mkdtemp(prefix="ccai-labels-"))
        self.store = ox.Store(str(self._dir))
        self._skip = skip  # IRIs that stand for blank nodes (skolem IRIs): not indexed

    def add(self, quads: list[ox.Quad], *, graph: str) -> None:
        """Keep the label statements of ``quads`` (IRI subjects, literal objects) in graph
        ``graph``: the graph they are loaded for, not the temporary one they are sent to
        (moving 130,000 labels there afterwards, a SPARQL ``MOVE``, took 20 s); and its
        ``rdf:type`` statements of IRIs (:meth:`typed`)."""
        into = ox.NamedNode(graph)
        self.store.bulk_extend(
            ox.Quad(q.subject, q.predicate, q.object, into)
            for q in quads
            if type(q.subject) is ox.NamedNode
            and not q.subject.value.startswith(self._skip)
            and (
                (q.predicate.value in _LABEL_SET and type(q.object) is ox.Literal)
                or (q.predicate.value == _TYPE and type(q.object) is ox.NamedNode)
            )
        )

    def typed(self) -> set[str]:
        """Every subject that a type statement kept (:meth:`add`) gives a class: its
        classes in the index change, whichever graph labels it."""
        return {
            q.subject.value
            for q in self.store.quads_for_pattern(None, ox.NamedNode(_TYPE), None, None)
            if type(q.graph_name) is ox.NamedNode and type(q.subject) is ox.NamedNode
        }

    def subjects(self) -> set[str]:
        """Every subject with a label kept."""
        return {
            q.subject.value
            for q in self.store.quads_for_pattern(None, None, None, None)
            if type(q.subject) is ox.NamedNode and q.predicate.value in _LABEL_SET
        }

    def fetch(self, select: Select, *, work: str, subjects: set[str]) -> None:
        """The inferred graph's labels, every ``rdfs:subClassOf`` statement and the types
        of ``subjects`` and of the inferred graph's labelled subjects, from the store
        (``work``: the named graph that holds its default graph)."""
        inferred = ox.NamedNode(INFERRED)
        quads = [
            ox.Quad(r["s"], r["p"], r["l"], inferred)
            for r in all_rows(
                select,
                "?s ?p ?l",
                f"GRAPH <{INFERRED}> {{ ?s ?p ?l VALUES ?p {{ {_LABELS} }} "
                "FILTER(isIRI(?s) && isLiteral(?l)) }",
            )
            if not r["s"].value.startswith(self._skip)
        ]
        self.store.bulk_extend(quads)
        subjects = subjects | {q.subject.value for q in quads}  # type: ignore[union-attr]
        subclass = ox.NamedNode(index.SUBCLASS)
        self.store.bulk_extend(
            ox.Quad(r["s"], subclass, r["o"])
            for r in all_rows(
                select,
                "?s ?o",
                f"GRAPH <{work}> {{ ?s <{index.SUBCLASS}> ?o FILTER(isIRI(?s) && isIRI(?o)) }}",
            )
        )
        ordered = sorted(subjects)
        for start in range(0, len(ordered), VALUES_BATCH):
            self.store.bulk_extend(self._types(select, work, ordered[start : start + VALUES_BATCH]))

    def _types(self, select: Select, work: str, iris: list[str]) -> list[ox.Quad]:
        values = " ".join(str(ox.NamedNode(iri)) for iri in iris)  # checked, N-Triples form
        pattern = f"GRAPH <{work}> {{ VALUES ?s {{ {values} }} ?s <{_TYPE}> ?c FILTER(isIRI(?c)) }}"
        rows = select(f"SELECT ?s ?c WHERE {{ {pattern} }} LIMIT {PAGE}")
        if len(rows) >= PAGE:  # perhaps cut short: read them again, in checked parts
            rows = list(all_rows(select, "?s ?c", pattern))
        rdf_type = ox.NamedNode(_TYPE)
        return [ox.Quad(r["s"], rdf_type, r["c"]) for r in rows]

    def close(self) -> None:
        del self.store
        shutil.rmtree(self._dir, ignore_errors=True)


class RemoteIndex:
    """The label index a build keeps for one remote store (see the module doc)."""

    def __init__(self, build: Path, endpoint: str, default_graph: str) -> None:
        self.build = build
        self.dir = remote_index_dir(build, endpoint, default_graph)

    def base_for(self, counts: TripleCounts) -> Path | None:
        """The index that describes a store of ``counts``: this store's own, else the
        build's (the store holds what the build holds), else ``None``."""
        from api.build.artefacts import STORE_DIR

        for folder, counted in ((self.dir, self.dir), (self.build, self.build / STORE_DIR)):
            path = folder / index.INDEX_FILE
            if path.is_file() and read_counts(counted) == counts:
                return path
        return None

    def distrust(self) -> None:
        """The store is about to change: its index no longer describes it (until
        :meth:`update` records the counts again)."""
        (self.dir / COUNTS_FILE).unlink(missing_ok=True)

    def remove(self) -> None:
        """No index of this store's own (it was loaded from the build again)."""
        shutil.rmtree(self.dir, ignore_errors=True)

    def update(
        self,
        base: Path,
        mirror: LabelMirror,
        select: Select,
        *,
        graph: str,
        work: str,
        counts: TripleCounts,
        changed: set[str] | None = None,
        typed: Collection[str] = (),
    ) -> int:
        """``base`` with the labels of ``graph`` and of the inferred graph replaced (by
        ``mirror``'s, and the store's), written as this store's index with ``counts``
        (the store's now). ``changed``: the only subjects whose labels in ``graph`` or
        classes can have changed (a graph loaded again by its difference): of
        ``graph``'s labels, only theirs are replaced. ``typed``: subjects the inferred
        graph gained a type statement about. The classes and display labels of
        ``changed``, ``typed`` and the subjects the loaded file types are read again,
        whichever graph labels them. Returns the labels added."""
        labelled = index.subjects_of(base, [graph]) | mirror.subjects()
        if changed is not None:
            labelled &= changed
        also = (changed or set()) | set(typed) | mirror.typed()
        subjects = labelled | index.subjects_of(base, [INFERRED]) | also
        mirror.fetch(select, work=work, subjects=subjects)
        self.dir.mkdir(parents=True, exist_ok=True)
        added = index.replace_graphs(
            mirror.store,
            self.dir / index.INDEX_FILE,
            [graph, INFERRED],
            base=base,
            only=None if changed is None else {graph: labelled},
            also=also,
        )
        write_counts(self.dir, counts)
        return added
