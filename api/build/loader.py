"""Load the ontology, the vocabularies and every source graph into named graphs.

=====================================  ==============================================
file                                   named graph
=====================================  ==============================================
``ontology/ccai.ttl``                  ``https://w3id.org/ccai/graph/ontology``
``ontology/vocabularies/*.ttl``        ``https://w3id.org/ccai/graph/vocabularies``
``graph/<slug>.ttl``                   ``https://w3id.org/ccai/graph/<slug>``
=====================================  ==============================================

Each ``graph/<slug>.ttl`` must describe ``https://w3id.org/ccai/source/<slug>``
as a ``ccai:SourceDocument`` (or a subclass the ontology declares); otherwise
loading stops with a :class:`SourceGraphError` that names the file.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import RDF, RDFS, Dataset, Graph, URIRef

from api import resources
from api.namespaces import (
    CCAI,
    GRAPH_ONTOLOGY,
    GRAPH_VOCABULARIES,
    PREFIXES,
    SOURCE,
    graph_iri,
    is_slug,
)
from api.rdf.parsing import NoRdfError, RdfInputError, parse_into, rdf_files_in

#: Named graphs that are not sources (a source slug may not take these names).
RESERVED_GRAPH_NAMES = frozenset({"ontology", "vocabularies", "inferred"})


class SourceGraphError(RdfInputError):
    """A ``graph/<slug>.ttl`` file that breaks the one-file-per-source rule."""


@dataclass
class LoadedGraphs:
    """The asserted data, one named graph per file group, in one rdflib Dataset.

    ``ontology``, ``vocabularies`` and ``sources[slug]`` are views of the
    dataset's named graphs (adding to them adds to the dataset).
    """

    dataset: Dataset
    ontology: Graph
    vocabularies: Graph
    sources: dict[str, Graph] = field(default_factory=dict)
    files: dict[URIRef, list[Path]] = field(default_factory=dict)

    def schema(self) -> Graph:
        """A new graph: ontology + vocabularies."""
        return _union([self.ontology, self.vocabularies])

    def source_union(self) -> Graph:
        """A new graph: every source graph."""
        return _union(self.sources.values())

    def asserted_union(self) -> Graph:
        """A new graph: ontology + vocabularies + every source graph."""
        return _union([self.ontology, self.vocabularies, *self.sources.values()])


def load(
    *,
    graph_dir: Path | None = None,
    ontology_file: Path | None = None,
    vocabularies_dir: Path | None = None,
) -> LoadedGraphs:
    """Load the project's files (the defaults come from :mod:`api.resources`).

    Raises:
        RdfInputError: a file cannot be parsed (:class:`~api.rdf.parsing.RdfSyntaxError`),
            a folder is missing, or a source file breaks the naming rule
            (:class:`SourceGraphError`).
    """
    graph_dir = resources.graph_dir() if graph_dir is None else graph_dir
    ontology_file = resources.ontology_file() if ontology_file is None else ontology_file
    vocabularies_dir = (
        resources.vocabularies_dir() if vocabularies_dir is None else vocabularies_dir
    )

    dataset = Dataset()
    for prefix, namespace in PREFIXES.items():
        dataset.bind(prefix, namespace, override=True, replace=True)
    loaded = LoadedGraphs(
        dataset=dataset,
        ontology=dataset.graph(GRAPH_ONTOLOGY),
        vocabularies=dataset.graph(GRAPH_VOCABULARIES),
    )
    _load_files(loaded, GRAPH_ONTOLOGY, [ontology_file])
    _load_files(loaded, GRAPH_VOCABULARIES, _turtle_files(vocabularies_dir, recursive=False))

    source_classes = _subclasses(loaded.ontology, CCAI.SourceDocument)
    for path in _turtle_files(graph_dir, recursive=False):
        slug = path.name[: -len(".ttl")]
        if not is_slug(slug) or slug in RESERVED_GRAPH_NAMES:
            raise SourceGraphError(
                path,
                f"file name {path.name!r} is not graph/<slug>.ttl with a lower-case hyphenated "
                f"slug (reserved: {', '.join(sorted(RESERVED_GRAPH_NAMES))})",
            )
        iri = graph_iri(slug)
        graph = dataset.graph(iri)
        _load_files(loaded, iri, [path])
        source = SOURCE[slug]
        if not any((source, RDF.type, cls) in graph for cls in source_classes):
            raise SourceGraphError(
                path,
                f"does not describe its source document: expected `<{source}> a "
                f"ccai:SourceDocument` (the file graph/{slug}.ttl describes source:{slug})",
            )
        loaded.sources[slug] = graph
    return loaded


def _load_files(loaded: LoadedGraphs, iri: URIRef, paths: Iterable[Path]) -> None:
    graph = loaded.dataset.graph(iri)
    for path in paths:
        parse_into(graph, path)
        loaded.files.setdefault(iri, []).append(path)


def _turtle_files(folder: Path, *, recursive: bool) -> list[Path]:
    """The ``*.ttl`` files of ``folder``, safely (see :func:`~api.rdf.parsing.rdf_files_in`).

    Raises:
        RdfInputError: the folder is missing, unreadable or holds no ``.ttl`` file;
            a ``.ttl`` entry is not a regular file or is a symbolic link loop.
    """
    if not folder.is_dir():
        raise RdfInputError(folder, "no such directory")
    found = rdf_files_in(folder, recursive=recursive, suffixes={".ttl"})
    files = [path for path in found if path.name.endswith(".ttl")]  # not .ttl.gz
    if not files:
        raise NoRdfError(folder, "no Turtle files (*.ttl) in this directory")
    return files


def _subclasses(ontology: Graph, cls: URIRef) -> set[URIRef]:
    """``cls`` and every class the ontology declares a subclass of it (transitively)."""
    found = {cls}
    frontier = [cls]
    while frontier:
        current = frontier.pop()
        for sub in ontology.subjects(RDFS.subClassOf, current):
            if isinstance(sub, URIRef) and sub not in found:
                found.add(sub)
                frontier.append(sub)
    return found


def _union(graphs: Iterable[Graph]) -> Graph:
    union = Graph()
    for prefix, namespace in PREFIXES.items():
        union.bind(prefix, namespace, override=True, replace=True)
    for graph in graphs:
        union += graph
    return union
