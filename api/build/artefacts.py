"""Write the build's files: dumps in several syntaxes, checksums and the store.

===========================  ====================================================
file                         content
===========================  ====================================================
``dataset.trig``             every named graph (ontology, vocabularies, one per
                             source, inferred), TriG
``dataset.nq``               the same, N-Quads, lines sorted
``ccai.ttl``                 ontology + vocabularies + every source graph, as one
                             Turtle default graph
``ccai-inferred.ttl``        the same plus the inferred graph
``ccai.nt.gz``               the same as ``ccai-inferred.ttl``, N-Triples, lines
                             sorted, gzip (no timestamp, so reproducible)
``ccai.jsonld``              the same, JSON-LD with a compact ``@context`` made
                             from the project's prefixes (inline: never fetched)
``oxigraph/``                a pyoxigraph (RocksDB) store with every named graph,
                             loaded from ``dataset.nq``
``report.json``              :class:`~api.build.pipeline.BuildReport`
``SHA256SUMS``               ``sha256sum -c`` compatible checksums of every file
===========================  ====================================================

Blank node labels are whatever rdflib assigns, so files holding blank nodes
differ between builds in those labels only.
"""

from __future__ import annotations

import gc
import gzip
import hashlib
import json
import warnings
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import pyoxigraph
from rdflib import Dataset, Graph

from api.namespaces import PREFIXES

STORE_DIR = "oxigraph"
REPORT_FILE = "report.json"
CHECKSUMS_FILE = "SHA256SUMS"


@dataclass(frozen=True)
class Artefact:
    """One written file, as ``report.json`` lists it."""

    file: str
    media_type: str
    bytes: int
    sha256: str
    encoding: str | None = None

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        if self.encoding is None:
            del data["encoding"]
        return data


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def describe(path: Path, media_type: str, *, encoding: str | None = None) -> Artefact:
    return Artefact(
        file=path.name,
        media_type=media_type,
        bytes=path.stat().st_size,
        sha256=sha256_file(path),
        encoding=encoding,
    )


def jsonld_context() -> dict[str, str]:
    """The compact ``@context`` of ``ccai.jsonld``: one term per project prefix."""
    return dict(sorted(PREFIXES.items()))


def write_dumps(
    out_dir: Path, dataset: Dataset, asserted: Graph, with_inferred: Graph
) -> list[Artefact]:
    """Write every RDF dump into ``out_dir`` and return their descriptions.

    ``dataset`` holds the named graphs; ``asserted`` and ``with_inferred`` are
    the two unions (ontology + vocabularies + sources, without and with the
    inferred graph).
    """
    with warnings.catch_warnings():
        # rdflib's TriG/N-Quads serializers use its own deprecated ConjunctiveGraph API.
        warnings.simplefilter("ignore", DeprecationWarning)
        return _write_dumps(out_dir, dataset, asserted, with_inferred)


def _write_dumps(
    out_dir: Path, dataset: Dataset, asserted: Graph, with_inferred: Graph
) -> list[Artefact]:
    _bind(dataset)
    written: list[Artefact] = []

    trig = out_dir / "dataset.trig"
    dataset.serialize(destination=trig, format="trig", encoding="utf-8")
    written.append(describe(trig, "application/trig"))

    nquads = out_dir / "dataset.nq"
    text = dataset.serialize(format="nquads")
    nquads.write_text(_sorted_lines(text), encoding="utf-8")
    written.append(describe(nquads, "application/n-quads"))

    for name, graph in (("ccai.ttl", asserted), ("ccai-inferred.ttl", with_inferred)):
        path = out_dir / name
        _bind(graph)
        graph.serialize(destination=path, format="turtle", encoding="utf-8")
        written.append(describe(path, "text/turtle"))

    ntriples = out_dir / "ccai.nt.gz"
    lines = _sorted_lines(with_inferred.serialize(format="nt")).encode("utf-8")
    with (
        ntriples.open("wb") as raw,
        gzip.GzipFile(filename="ccai.nt", mode="wb", fileobj=raw, mtime=0) as stream,
    ):
        stream.write(lines)
    written.append(describe(ntriples, "application/n-triples", encoding="gzip"))

    jsonld = out_dir / "ccai.jsonld"
    text = with_inferred.serialize(format="json-ld", context=jsonld_context(), auto_compact=True)
    jsonld.write_text(text, encoding="utf-8")
    written.append(describe(jsonld, "application/ld+json"))
    return written


def write_store(out_dir: Path, nquads: Path) -> dict[str, object]:
    """Load ``nquads`` into a new pyoxigraph store at ``out_dir/oxigraph``.

    Returns the store's quad count and named graphs. The store is flushed,
    optimised and released (pyoxigraph closes it when the object is freed),
    so another process can open it afterwards.
    """
    path = out_dir / STORE_DIR
    store = pyoxigraph.Store(str(path))
    try:
        store.bulk_load(path=str(nquads), format=pyoxigraph.RdfFormat.N_QUADS)
        store.flush()
        store.optimize()
        graphs = sorted(g.value for g in store.named_graphs())
        quads = len(store)
    finally:
        del store
        gc.collect()
    return {"path": STORE_DIR, "quads": quads, "named_graphs": graphs}


def write_report(out_dir: Path, report: dict[str, object]) -> Path:
    path = out_dir / REPORT_FILE
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def write_checksums(out_dir: Path, files: Iterable[Path]) -> Path:
    """Write ``SHA256SUMS`` (``<hex>  <name>`` lines, sorted by name)."""
    path = out_dir / CHECKSUMS_FILE
    lines = [f"{sha256_file(f)}  {f.name}\n" for f in sorted(files, key=lambda p: p.name)]
    path.write_text("".join(lines), encoding="utf-8")
    return path


def _sorted_lines(text: str) -> str:
    lines = sorted({line for line in text.splitlines() if line.strip()})
    return "".join(line + "\n" for line in lines)


def _bind(graph: Graph) -> None:
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
