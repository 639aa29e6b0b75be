"""A full-text index of every label in the store: SQLite FTS5, from the standard library.

``ccai build`` writes it beside the store (``build/search.sqlite``) from the
store it has just written; ``ccai load`` replaces the labels of the graph it
loaded and of the inferred graph (:func:`replace_graphs`, on a copy swapped
in: a running service keeps the file it opened; for a remote store, into an
index of its own, :mod:`api.search.remote`); the service opens it
read-only. Each writer may stamp the index with the triple counts of the store
it describes (:func:`described`): a load that finds the stamp equal to the
store's counts before it replaces only the labels of the subjects it changed.
A search is an
index lookup, never a scan of the literals, so its cost does not grow with
the graph (``bench/scale.py`` measures it at 10⁶ and 10⁷ triples).

What is indexed: every literal object of a label property
(:data:`LABEL_PREDICATES`: ``rdfs:label``, ``skos:prefLabel``,
``skos:altLabel``, ``skos:hiddenLabel``, ``foaf:name``, ``schema:name``,
``schema:alternateName``, ``dct:title``, ``dc:title``) of every IRI subject,
in every graph (the named ones, loaded data included, and the default graph),
each (subject, label, language) once per named graph that states it (so that
replacing a graph replaces its labels and leaves another graph's), with
the subject's classes (its ``rdf:type`` values, the inferred superclasses
included, closed over ``rdfs:subClassOf`` for stores built without inference).

Matching: the ``unicode61`` tokenizer with ``remove_diacritics 2`` (case- and
accent-insensitive: ``musee`` finds "Musée"), every word of the query as a
prefix (``rijks`` finds "Rijksmuseum"), all words required. FTS5 keeps prefix
indexes of 1 to 4 characters, so a short word reads one list instead of merging
the lists of every word it begins (the ``1`` of "collection 1" merged every
number: 6.5 ms, 1.3 ms with them, at 10⁶ triples; ``bench/README.md``).

Ranking, by the kinds and scores of the in-memory index
(:mod:`api.rest.search`): a label equal to the query
(folded), then one that starts with it, then one with the query at the start
of a word, then one with every word of the query at the start of one of its
words; ties to the shorter label, then by FTS5's bm25, then the IRI; each
subject once, with its best label.

>>> import pyoxigraph as ox, tempfile, pathlib
>>> store = ox.Store()
>>> label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
>>> louvre = ox.Literal("Musée du Louvre", language="fr")
>>> store.add(ox.Quad(ox.NamedNode("https://e.org/louvre"), label, louvre))
>>> g = ox.NamedNode("https://e.org/g")
>>> store.add(ox.Quad(ox.NamedNode("https://e.org/m"), label, ox.Literal("Museum"), g))
>>> path = pathlib.Path(tempfile.mkdtemp()) / "search.sqlite"
>>> build(store, path)
2
>>> [(h.iri, h.label) for h in search(path, "muse")]
[('https://e.org/m', 'Museum'), ('https://e.org/louvre', 'Musée du Louvre')]
>>> [h.iri for h in search(path, "MUSEE louv", lang="fr")]
['https://e.org/louvre']
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import unicodedata
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from api.store.layout import TripleCounts, select

#: File name of the index in a build directory.
INDEX_FILE = "search.sqlite"

LABEL_PREDICATES: tuple[str, ...] = (
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://www.w3.org/2004/02/skos/core#altLabel",
    "http://www.w3.org/2004/02/skos/core#hiddenLabel",
    "http://xmlns.com/foaf/0.1/name",
    "https://schema.org/name",
    "https://schema.org/alternateName",
    "http://schema.org/name",
    "http://purl.org/dc/terms/title",
    "http://purl.org/dc/elements/1.1/title",
)
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
_WORD = re.compile(r"\w+")
_SPACE = re.compile(r"\s+")
_BATCH = 20_000
MAX_QUERY_LENGTH = 200
#: The page cache of a writer, in KiB (SQLite's default is 2 MiB): at 10⁷ triples the
#: tables of subjects and classes take a million rows each, in no order, and with the
#: default cache each insert read and wrote pages through the system (``bench/README.md``).
_CACHE_KIB = 256 * 1024
#: The page cache of a reader (the service's connection), in KiB, at most: pages read
#: once stay in the process, where the system's reclaim of idle file pages does not
#: reach them (after a scan of the store, 48.8 ms of search p95 at 10⁷ instead of 22.5).
_READER_CACHE_KIB = 128 * 1024

_SCHEMA = """
CREATE VIRTUAL TABLE IF NOT EXISTS labels USING fts5(
    label, folded UNINDEXED, iri UNINDEXED, lang UNINDEXED, graph UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3 4'
);
CREATE TABLE IF NOT EXISTS classes (iri TEXT NOT NULL, class TEXT NOT NULL,
    PRIMARY KEY (iri, class)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS classes_by_class ON classes (class, iri);
CREATE TABLE IF NOT EXISTS display (iri TEXT PRIMARY KEY, label TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS described (counts TEXT NOT NULL);
"""

# A subject's display label, as the in-memory index chooses it (api.rest.search): English
# or language-neutral first, then the smallest; recomputed for the subjects ``iris`` holds.
_DISPLAY = """INSERT OR REPLACE INTO display (iri, label)
SELECT iri, label FROM (
  SELECT iri, label, row_number() OVER (
      PARTITION BY iri ORDER BY lang NOT IN ('en', ''), label) AS n
  FROM labels WHERE iri IN (SELECT iri FROM touched))
WHERE n = 1"""


def fold(text: str) -> str:
    """Accent- and case-insensitive form of ``text``, whitespace collapsed.

    >>> fold("  Musée  d'Orsay ")
    "musee d'orsay"
    """
    if text.isascii():  # no accent to strip; casefold() is lower() on ASCII
        return _SPACE.sub(" ", text.lower()).strip()
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACE.sub(" ", stripped.casefold()).strip()


def at_word_start(label: str, query: str) -> bool:
    """Whether ``query`` occurs in ``label`` (both folded) where a word starts, past the
    label's start (there it is a prefix): the ``word-prefix`` kind of match.

    >>> at_word_start("the louvre museum", "louvre m"), at_word_start("louvre", "louvre")
    (True, False)
    """
    position = label.find(query, 1)
    while position > 0:
        if not label[position - 1].isalnum():
            return True
        position = label.find(query, position + 1)
    return False


@dataclass(frozen=True)
class SearchHit:
    """One subject that matched, with its best label."""

    iri: str
    label: str
    language: str | None
    types: tuple[str, ...]
    match: str  # "exact" | "prefix" | "word-prefix" | "words"
    score: float


def _connect(path: Path) -> sqlite3.Connection:
    """The index at ``path``, to write, with a page cache of up to :data:`_CACHE_KIB`."""
    conn = sqlite3.connect(str(path))
    conn.execute(f"PRAGMA cache_size = -{_CACHE_KIB}")
    conn.executescript(_SCHEMA)
    return conn


def _subclass_closure(store: ox.Store) -> dict[str, set[str]]:
    """``{class: {its superclasses}}`` over ``rdfs:subClassOf`` (the schema is small)."""
    direct: dict[str, set[str]] = {}
    for quad in store.quads_for_pattern(None, ox.NamedNode(SUBCLASS), None, None):
        if isinstance(quad.subject, ox.NamedNode) and isinstance(quad.object, ox.NamedNode):
            direct.setdefault(quad.subject.value, set()).add(quad.object.value)
    closed: dict[str, set[str]] = {}
    for start in direct:
        seen: set[str] = set()
        todo = list(direct[start])
        while todo:
            cls = todo.pop()
            if cls not in seen:
                seen.add(cls)
                todo.extend(direct.get(cls, ()))
        closed[start] = seen
    return closed


def _labels(
    store: ox.Store, graph: ox.NamedNode | None, *, laid_out: bool = False
) -> Iterator[tuple[str, str, str | None, str]]:
    """``(iri, label, language, graph)`` per label quad of ``graph`` (``None``: every graph).

    Every graph: the named graphs first, then the default graph, so that a label a
    named graph holds is indexed under that graph and replacing the graph
    (:func:`replace_graphs`) replaces it. ``laid_out``: the store is laid out as
    built (:mod:`api.store.layout`), its default graph holds only what the named
    graphs hold, and is not read (half the labels read at 10⁶ triples).
    """
    graphs: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph] = []
    if graph is not None:
        graphs.append(graph)
    else:
        graphs.extend(store.named_graphs())
        if not laid_out:
            graphs.append(ox.DefaultGraph())
    for where in graphs:
        yield from _label_rows(store, None, where)


def _label_rows(
    store: ox.Store,
    subject: ox.NamedNode | None,
    graph: ox.NamedNode | ox.BlankNode | ox.DefaultGraph,
) -> Iterator[tuple[str, str, str | None, str]]:
    """``(iri, label, language, graph)`` per label quad of ``graph`` (of ``subject`` only,
    when given): IRI subjects, literal labels; the default graph named ``""``.

    A whole graph is read by one ``SELECT`` (:data:`_GRAPH_LABELS`), whose solutions
    decode only the subject and the label: 21 s instead of 37 s for the 2.2 million
    label quads of 10⁷ triples, where a :class:`~pyoxigraph.Quad` decodes all four
    terms (``bench/README.md``). A subject's are looked up in the store's indexes.
    """
    name = graph.value if isinstance(graph, ox.NamedNode) else ""
    if subject is None:
        for iri, label in select(store, _GRAPH_LABELS, graph):
            if type(iri) is ox.NamedNode and type(label) is ox.Literal:
                yield iri.value, label.value, label.language, name
        return
    for predicate in LABEL_PREDICATES:
        for quad in store.quads_for_pattern(subject, ox.NamedNode(predicate), None, graph):
            label = quad.object
            if type(label) is ox.Literal:
                yield subject.value, label.value, label.language, name


#: Every label statement of a graph (the query's default graph): the subject and label.
_GRAPH_LABELS = "SELECT ?s ?label WHERE {{ VALUES ?p {{ {} }} ?s ?p ?label }}".format(
    " ".join(f"<{p}>" for p in LABEL_PREDICATES)
)


def _new_labels(
    rows: Iterable[tuple[str, str, str | None, str]],
) -> Iterator[tuple[str, str, str, str, str]]:
    """The index rows ``(label, folded, iri, lang, graph)`` of ``rows``: a label once per
    named graph that states it (replacing one graph leaves the others' copy), and from
    the default graph (``""``) only if no named graph states it."""
    seen: dict[tuple[str, str, str | None], str] = {}  # label → the first graph stating it
    also: set[tuple[tuple[str, str, str | None], str]] = set()  # … and any other
    for iri, label, lang, graph in rows:
        key = (iri, label, lang)
        first = seen.get(key)
        if first is None:
            seen[key] = graph
        elif graph == "" or first == graph or (key, graph) in also:
            continue
        else:
            also.add((key, graph))
        yield label, fold(label), iri, lang or "", graph


_INSERT_LABELS = "INSERT INTO labels (label, folded, iri, lang, graph) VALUES (?, ?, ?, ?, ?)"


def _insert(conn: sqlite3.Connection, rows: Iterable[tuple[str, str, str | None, str]]) -> int:
    """Index ``rows`` (:func:`_new_labels`), their subjects put in the ``touched`` table
    (:func:`_refresh` reads their classes and display label again)."""
    batch: list[tuple[str, str, str, str, str]] = []
    count = 0

    def flush() -> None:
        conn.executemany(_INSERT_LABELS, batch)
        conn.executemany("INSERT OR IGNORE INTO touched (iri) VALUES (?)", [(r[2],) for r in batch])
        batch.clear()

    for row in _new_labels(rows):
        batch.append(row)
        count += 1
        if len(batch) >= _BATCH:
            flush()
    flush()
    return count


def _touched(conn: sqlite3.Connection) -> None:
    """The table of the subjects whose classes and display label :func:`_refresh` reads
    again (and of the subjects one graph's labels are replaced for, ``these``)."""
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS touched (iri TEXT PRIMARY KEY) WITHOUT ROWID")
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS these (iri TEXT PRIMARY KEY) WITHOUT ROWID")


def _refresh(conn: sqlite3.Connection, store: ox.Store, *, laid_out: bool = False) -> None:
    """The display label and classes of every subject in the ``touched`` table read
    again, once whatever the number of graphs whose labels were replaced; classes only
    for the subjects with a label (a display label), as a new index has them."""
    conn.execute("DELETE FROM classes WHERE iri IN (SELECT iri FROM touched)")
    conn.execute("DELETE FROM display WHERE iri IN (SELECT iri FROM touched)")
    conn.execute(_DISPLAY)
    labelled = "SELECT iri FROM touched WHERE iri IN (SELECT iri FROM display)"
    _write_classes(conn, store, {iri for (iri,) in conn.execute(labelled)}, laid_out=laid_out)
    conn.execute("DELETE FROM touched")


def _insert_all(
    conn: sqlite3.Connection,
    store: ox.Store,
    rows: Iterable[tuple[str, str, str | None, str]],
    *,
    laid_out: bool = False,
) -> int:
    """:func:`_insert` into an empty index: every subject is new, so the display labels
    are chosen as the rows go by (the rule of :data:`_DISPLAY`) and written with the
    classes in the subjects' order, with no table of touched subjects (at 10⁷ triples,
    the table and the window over every label took 17 s, ``bench/README.md``)."""
    best: dict[str, tuple[bool, str]] = {}  # subject → (not English nor neutral, label)
    batch: list[tuple[str, str, str, str, str]] = []
    count = 0
    for row in _new_labels(rows):
        label, _, iri, lang, _ = row
        rank = (lang not in ("en", ""), label)
        chosen = best.get(iri)
        if chosen is None or rank < chosen:
            best[iri] = rank
        batch.append(row)
        count += 1
        if len(batch) >= _BATCH:
            conn.executemany(_INSERT_LABELS, batch)
            batch.clear()
    conn.executemany(_INSERT_LABELS, batch)
    _write_classes(conn, store, best.keys(), laid_out=laid_out)
    conn.executemany(
        "INSERT INTO display (iri, label) VALUES (?, ?)",
        ((iri, best[iri][1]) for iri in sorted(best)),
    )
    return count


#: From this many subjects on, their classes are read in one pass over every
#: ``rdf:type`` statement rather than one lookup each (a build; a load of a large graph).
_SCAN_TYPES_FROM = 20_000


def _write_classes(
    conn: sqlite3.Connection, store: ox.Store, iris: Collection[str], *, laid_out: bool = False
) -> None:
    """Write the classes of the subjects ``iris`` (a set, or a dict's keys), read from the
    store (their ``rdf:type`` values, closed over ``rdfs:subClassOf``), in the subjects'
    order (the table's key order: sorted inserts touch the fewest pages)."""
    closure = _subclass_closure(store)
    found = _types(store, iris, laid_out=laid_out)
    classes: list[tuple[str, str]] = []
    for iri in sorted(found):
        direct = found[iri]
        closed = set(direct).union(*(closure.get(cls, ()) for cls in direct))
        classes.extend((iri, cls) for cls in sorted(closed))
        if len(classes) >= _BATCH:
            conn.executemany("INSERT OR IGNORE INTO classes (iri, class) VALUES (?, ?)", classes)
            classes.clear()
    conn.executemany("INSERT OR IGNORE INTO classes (iri, class) VALUES (?, ?)", classes)


def _types(store: ox.Store, iris: Collection[str], *, laid_out: bool) -> dict[str, set[str]]:
    """``{iri: its rdf:type IRIs}`` for ``iris`` (a set, or a dict's keys): from the
    default graph of a store laid out as built (it holds them all, the inferred ones
    too), else from every graph."""
    found: dict[str, set[str]] = {}
    if len(iris) >= _SCAN_TYPES_FROM:
        for iri, cls in _every_type(store, laid_out=laid_out):
            if iri in iris:
                found.setdefault(iri, set()).add(cls)
        return found
    where = ox.DefaultGraph() if laid_out else None
    for iri in iris:
        for quad in store.quads_for_pattern(ox.NamedNode(iri), RDF_TYPE, None, where):
            if type(quad.object) is ox.NamedNode:
                found.setdefault(iri, set()).add(quad.object.value)
    return found


def _every_type(store: ox.Store, *, laid_out: bool) -> Iterator[tuple[str, str]]:
    """``(subject, class)`` per ``rdf:type`` statement between IRIs (of the default graph
    of a store laid out as built, else of every graph). Laid out: class by class, each
    one ``SELECT`` whose solutions decode only the subject (3.9 s instead of 6.9 s for
    the million statements of 10⁷ triples, ``bench/README.md``)."""
    if not laid_out:
        for quad in store.quads_for_pattern(None, RDF_TYPE, None, None):
            subject, cls = quad.subject, quad.object
            if type(cls) is ox.NamedNode and type(subject) is ox.NamedNode:
                yield subject.value, cls.value
        return
    for (cls,) in select(store, _CLASSES):
        if type(cls) is not ox.NamedNode:
            continue
        # ``cls`` is a NamedNode (a valid IRI): its N-Triples form is a safe IRI reference
        of_class = f"SELECT ?s WHERE {{ ?s <{RDF_TYPE.value}> {cls} }}"
        for (subject,) in select(store, of_class):
            if type(subject) is ox.NamedNode:
                yield subject.value, cls.value


_CLASSES = f"SELECT DISTINCT ?class WHERE {{ ?s <{RDF_TYPE.value}> ?class }}"


def build(
    store: ox.Store,
    path: str | Path,
    *,
    laid_out: bool = False,
    describes: TripleCounts | None = None,
) -> int:
    """Write a new index of every label in ``store`` at ``path`` (replaced atomically).
    ``laid_out``: ``store`` is laid out as built (its default graph is not read again).
    ``describes``: the store's triple counts, stamped on the index (:func:`described`).

    Returns the number of labels indexed.
    """
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    conn = _connect(tmp)
    try:
        with conn:
            rows = _labels(store, None, laid_out=laid_out)
            count = _insert_all(conn, store, rows, laid_out=laid_out)
            _stamp(conn, describes)
        conn.execute("INSERT INTO labels (labels) VALUES ('optimize')")
        conn.commit()
    finally:
        conn.close()
    os.replace(tmp, path)
    return count


def add_graph(store: ox.Store, path: str | Path, graph: str) -> int:
    """Replace the labels of named graph ``graph`` in the index at ``path`` (in place) by
    those in ``store``. Returns the labels added."""
    conn = _connect(Path(path))
    try:
        with conn:
            added = _replace(conn, store, graph)
            _refresh(conn, store)
            return added
    finally:
        conn.close()


def replace_graphs(
    store: ox.Store,
    path: str | Path,
    graphs: Iterable[str],
    *,
    base: str | Path | None = None,
    only: Mapping[str, Collection[str]] | None = None,
    also: Collection[str] = (),
    describes: TripleCounts | None = None,
) -> int:
    """:func:`add_graph` for each of ``graphs``, on a copy of the index (of ``base``, when
    given: another index) that then replaces the one at ``path`` atomically (a service
    that opened the file, or a hard link to it, keeps reading the old one). For ``ccai
    load``. ``only``: for a graph it names, only the labels of those subjects are
    replaced (and their classes read again), the others' left as they are. ``also``:
    subjects whose classes and display label are read again too (a load typed them).
    ``describes``: the store's triple counts now, stamped on the new index (none: the
    stamp is removed). Returns the labels added."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    shutil.copyfile(base if base is not None else path, tmp)
    subsets = only or {}
    try:
        conn = _connect(tmp)
        try:
            with conn:
                added = sum(_replace(conn, store, g, subsets.get(g)) for g in graphs)
                conn.executemany(
                    "INSERT OR IGNORE INTO touched (iri) VALUES (?)", ((s,) for s in also)
                )
                _refresh(conn, store)
                _stamp(conn, describes)
        finally:
            conn.close()
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return added


def _stamp(conn: sqlite3.Connection, counts: TripleCounts | None) -> None:
    conn.execute("DELETE FROM described")
    if counts is not None:
        text = json.dumps(counts.as_dict(), sort_keys=True)
        conn.execute("INSERT INTO described (counts) VALUES (?)", (text,))


def described(path: str | Path) -> TripleCounts | None:
    """The triple counts of the store the index at ``path`` was stamped as describing
    (:func:`build`, :func:`replace_graphs`); ``None`` when it bears none (written
    without, or before stamps existed) or cannot be read."""
    try:
        conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
        try:
            row = conn.execute("SELECT counts FROM described").fetchone()
        finally:
            conn.close()
        return TripleCounts.from_dict(json.loads(row[0])) if row is not None else None
    except (sqlite3.Error, ValueError, TypeError, KeyError, AttributeError):
        return None


def subjects_of(path: str | Path, graphs: Iterable[str]) -> set[str]:
    """The subjects of the labels the index at ``path`` holds from ``graphs``."""
    index = SearchIndex(path, immutable=False)
    try:
        return {
            iri
            for graph in graphs
            for (iri,) in index._conn.execute(
                "SELECT DISTINCT iri FROM labels WHERE graph = ?", (graph,)
            )
        }
    finally:
        index.close()


def _replace(
    conn: sqlite3.Connection, store: ox.Store, graph: str, subjects: Collection[str] | None = None
) -> int:
    """The labels of ``graph`` in the index replaced by those in ``store`` (only those of
    ``subjects``, when given); every subject that had or has one of them is touched
    (:func:`_refresh`, which the caller runs once all graphs are replaced)."""
    _touched(conn)
    name = ox.NamedNode(graph)
    if subjects is None:
        conn.execute(  # the subjects that lose labels get their classes and display label again
            "INSERT OR IGNORE INTO touched SELECT DISTINCT iri FROM labels WHERE graph = ?",
            (graph,),
        )
        conn.execute("DELETE FROM labels WHERE graph = ?", (graph,))
        rows = _labels(store, name)
    else:
        conn.executemany("INSERT OR IGNORE INTO these (iri) VALUES (?)", ((s,) for s in subjects))
        conn.execute(
            "DELETE FROM labels WHERE graph = ? AND iri IN (SELECT iri FROM these)", (graph,)
        )
        conn.execute("INSERT OR IGNORE INTO touched SELECT iri FROM these")
        conn.execute("DELETE FROM these")
        rows = _labels_of(store, name, subjects)
    return _insert(conn, rows)


#: Up to this many subjects, their labels are looked up one by one; from it on, the
#: graph's labels are read and filtered.
_LOOK_UP_LABELS_BELOW = 10_000


def _labels_of(
    store: ox.Store, graph: ox.NamedNode, subjects: Collection[str]
) -> Iterator[tuple[str, str, str | None, str]]:
    """:func:`_labels` of ``graph``, of ``subjects`` only."""
    if len(subjects) >= _LOOK_UP_LABELS_BELOW:
        wanted = set(subjects)
        yield from (row for row in _labels(store, graph) if row[0] in wanted)
        return
    for iri in sorted(subjects):
        yield from _label_rows(store, ox.NamedNode(iri), graph)


# The kind of match each score stands for: the names of the in-memory index (api.rest.search).
_KINDS = {1.0: "exact", 0.8: "prefix", 0.6: "word-prefix", 0.4: "words"}


def _match_expression(q: str) -> str | None:
    """The FTS5 query: every word of ``q`` as a quoted prefix (``"musee"* "louv"*``)."""
    words = _WORD.findall(fold(q)[:MAX_QUERY_LENGTH])
    if not words:
        return None
    return " ".join(f'"{w}"*' for w in words)


#: Up to :data:`WINDOW` matching labels, all candidates are ranked (bm25 by FTS5, then the
#: rules of the module docstring). Beyond, computing bm25 for every match would cost
#: ~16 ms per 7,000 matches: the candidates are then the first :data:`BROAD_WINDOW` labels
#: that *start* with the query's first word (FTS5's ``^`` initial-token query, from the
#: index) and the first :data:`BROAD_WINDOW` other matches, so a broad query costs what a
#: selective one does and an exact or prefix label is still found first.
WINDOW = 1000
BROAD_WINDOW = 200
_RANKED = """SELECT iri, label, lang, folded, rank FROM labels
  WHERE labels MATCH :match {filters} ORDER BY rank LIMIT :window"""
_BOUNDED = """SELECT iri, label, lang, folded, 0 AS rank FROM (
    SELECT * FROM (SELECT iri, label, lang, folded FROM labels
      WHERE labels MATCH :initial {filters} LIMIT :window)
    UNION
    SELECT * FROM (SELECT iri, label, lang, folded FROM labels
      WHERE labels MATCH :match {filters} LIMIT :window))"""
_SEARCH = """
WITH candidates AS ({candidates})
SELECT iri, label, lang, score FROM (
  SELECT iri, label, lang,
         CASE WHEN folded = :folded THEN 1.0
              WHEN substr(folded, 1, length(:folded)) = :folded THEN 0.8
              WHEN at_word_start(folded, :folded) THEN 0.6
              ELSE 0.4 END AS score,
         length(label) AS len, rank,
         row_number() OVER (PARTITION BY iri ORDER BY
           CASE WHEN folded = :folded THEN 0
                WHEN substr(folded, 1, length(:folded)) = :folded THEN 1
                WHEN at_word_start(folded, :folded) THEN 2 ELSE 3 END,
           length(label), label) AS nth
  FROM candidates
) WHERE nth = 1
ORDER BY score DESC, len, rank, iri
LIMIT :limit OFFSET :offset
"""


def _filters(lang: str | None, type: str | None) -> tuple[str, dict[str, object]]:
    filters: list[str] = []
    params: dict[str, object] = {}
    if lang:
        filters.append("AND (lower(lang) = :lang OR lower(lang) LIKE :lang_prefix)")
        params["lang"] = lang.lower()
        params["lang_prefix"] = lang.lower().replace("%", "").replace("_", "") + "-%"
    if type:
        filters.append(
            "AND EXISTS (SELECT 1 FROM classes AS c WHERE c.iri = labels.iri AND c.class = :type)"
        )
        params["type"] = type
    return " ".join(filters), params


class SearchIndex:
    """The index at ``path``, opened read-only (``immutable``: the build never changes it)."""

    def __init__(self, path: str | Path, *, immutable: bool = True) -> None:
        self.path = Path(path)
        mode = "ro&immutable=1" if immutable else "ro"
        self._conn = sqlite3.connect(
            f"{self.path.resolve().as_uri()}?mode={mode}", uri=True, check_same_thread=False
        )
        self._conn.create_function("at_word_start", 2, at_word_start, deterministic=True)
        self._conn.execute(f"PRAGMA cache_size = -{_READER_CACHE_KIB}")

    def close(self) -> None:
        self._conn.close()

    def __len__(self) -> int:
        return int(self._conn.execute("SELECT count(*) FROM labels").fetchone()[0])

    def count(
        self, q: str, *, lang: str | None = None, type: str | None = None, cap: int = 10_000
    ) -> int:
        """How many subjects :meth:`search` would find (up to :data:`WINDOW`; beyond, the
        number of matching labels, counted up to ``cap``)."""
        match = _match_expression(q)
        if match is None:
            return 0
        filters, params = _filters(lang, type)
        labels = self._labels_matching(match, filters, params, cap)
        if labels > WINDOW:
            return labels  # labels, not subjects: an upper bound, cheap to count
        # ``filters`` are constant fragments of this module; every value is a bound parameter
        sql = (
            "SELECT count(*) FROM (SELECT DISTINCT iri FROM labels WHERE labels MATCH :match "  # noqa: S608
            f"{filters})"
        )
        row = self._conn.execute(sql, {**params, "match": match}).fetchone()
        return int(row[0])

    def _labels_matching(
        self, match: str, filters: str, params: dict[str, object], cap: int
    ) -> int:
        sql = (
            "SELECT count(*) FROM (SELECT rowid FROM labels WHERE labels MATCH :match "  # noqa: S608
            f"{filters} LIMIT :cap)"
        )
        return int(self._conn.execute(sql, {**params, "match": match, "cap": cap}).fetchone()[0])

    def display_label(self, iri: str) -> str:
        """The subject's English label, else a language-neutral one, else any (else ``iri``)."""
        row = self._conn.execute("SELECT label FROM display WHERE iri = ?", (iri,)).fetchone()
        return str(row[0]) if row else iri

    def iris(self, prefix: str = "") -> list[str]:
        """The indexed subjects whose IRI starts with ``prefix``, each once, sorted."""
        rows = self._conn.execute("SELECT DISTINCT iri FROM labels").fetchall()
        return sorted(iri for (iri,) in rows if iri.startswith(prefix))

    def search(
        self,
        q: str,
        *,
        lang: str | None = None,
        limit: int = 20,
        type: str | None = None,
        offset: int = 0,
    ) -> list[SearchHit]:
        """Subjects whose labels match ``q`` (see the module docstring), best first.

        ``lang`` keeps labels in that language (``nl`` also matches ``nl-BE``);
        ``type`` keeps subjects of that class (or a subclass).
        """
        match = _match_expression(q)
        if match is None or limit <= 0:
            return []
        filters, params = _filters(lang, type)
        offset = max(offset, 0)
        window = max(WINDOW, 4 * (limit + offset))
        broad = self._labels_matching(match, filters, params, window + 1) > window
        candidates = (_BOUNDED if broad else _RANKED).format(filters=filters)
        if broad:  # each half of the union: enough for the page asked for
            window = max(BROAD_WINDOW, 2 * (limit + offset))
        params.update(match=match, folded=fold(q), limit=limit, offset=offset, window=window)
        params["initial"] = "^" + match  # the first word first in the label, all words in it
        sql = _SEARCH.format(candidates=candidates)
        rows = self._conn.execute(sql, params).fetchall()
        hits = []
        for iri, label, language, score in rows:
            types = tuple(
                sorted(
                    row[0]
                    for row in self._conn.execute("SELECT class FROM classes WHERE iri = ?", (iri,))
                )
            )
            kind = _KINDS.get(score, "words")
            hits.append(SearchHit(iri, label, language or None, types, kind, score))
        return hits


def search(
    path: str | Path,
    q: str,
    *,
    lang: str | None = None,
    limit: int = 20,
    type: str | None = None,
) -> list[SearchHit]:
    """One search in the index at ``path`` (opens and closes it; a service keeps a
    :class:`SearchIndex` open instead)."""
    index = SearchIndex(path, immutable=False)
    try:
        return index.search(q, lang=lang, limit=limit, type=type)
    finally:
        index.close()
