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
                             loaded from ``dataset.nq``, and what the service
                             reads instead of the whole store at start-up
                             (:mod:`api.build.recorded`: ``ccai-counts.json``,
                             ``ccai-statistics.json``, ``ccai-reconcile.json``)
``search.sqlite``            the label index (SQLite FTS5, :mod:`api.search.index`),
                             written from the store
``report.json``              :class:`~api.build.pipeline.BuildReport`; its
                             ``store.files`` lists each store file with its size
                             and SHA-256
``SHA256SUMS``               ``sha256sum -c`` checksums of the dumps above: exactly
                             the files ``GET /download`` serves (it serves neither
                             ``report.json`` nor the store), so ``sha256sum -c
                             SHA256SUMS`` passes after downloading every listed file
``oxigraph.SHA256SUMS``      ``sha256sum -c`` checksums of the store's files
                             (``oxigraph/000012.sst``…), not published: ``ccai
                             serve`` checks them at start-up (:func:`verify_store`)
===========================  ====================================================

The store's checksums leave out what RocksDB rewrites without the data
changing: its info log (``LOG``, ``LOG.old.*``) and ``LOCK``. Opening the store
read-only, as the service does, changes no file (checked by a test).

Blank node labels are whatever rdflib assigns, so files holding blank nodes
differ between builds in those labels only.
"""

from __future__ import annotations

import gc
import gzip
import hashlib
import json
import os
import re
import stat
import warnings
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import TypedDict

import pyoxigraph
from rdflib import Dataset, Graph

from api.build.recorded import Recorded, record
from api.namespaces import PREFIXES
from api.search import index as search_index
from api.store.layout import TripleCounts, count_triples, materialise

STORE_DIR = "oxigraph"
REPORT_FILE = "report.json"
CHECKSUMS_FILE = "SHA256SUMS"
STORE_CHECKSUMS_FILE = STORE_DIR + "." + CHECKSUMS_FILE

#: Store files RocksDB may rewrite without the data changing: never checksummed.
_VOLATILE_STORE_FILE = re.compile(r"^(LOG(\..*)?|LOCK)$")
_CHECKSUM_LINE = re.compile(r"^([0-9a-f]{64}) [ *](.+)$")


class StoreFile(TypedDict):
    """One entry of :func:`store_files` (``report.json``'s ``store.files``)."""

    file: str
    bytes: int
    sha256: str


class StoreSummary(TypedDict):
    """What :func:`write_store` reports about the store it wrote."""

    path: str
    quads: int
    named_graphs: list[str]
    triples: dict[str, object]
    files: list[StoreFile]
    search: dict[str, object]


class StoreIntegrityError(Exception):
    """The store's files are not those its build checksummed (one line, naming a file)."""


class StoreUnverifiable(Exception):
    """Nothing to check the store against: neither ``oxigraph.SHA256SUMS`` nor
    ``report.json``'s ``store.files`` (a store not made by this ``ccai build``,
    e.g. the benchmark's, or a build from before the store was checksummed)."""


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


def record_build(store: pyoxigraph.Store, out_dir: Path, counts: TripleCounts) -> Recorded:
    """What the service reads at start-up instead of the store of the build ``out_dir``
    (:func:`api.build.recorded.record`), and its label index meanwhile, stamped with the
    store's ``counts`` (:func:`api.search.index.build`)."""
    index = out_dir / search_index.INDEX_FILE
    return record(
        store,
        out_dir / STORE_DIR,
        counts=counts,
        beside=partial(search_index.build, store, index, laid_out=True, describes=counts),
        on_disk=True,
    )


def write_store(out_dir: Path, nquads: Path) -> StoreSummary:
    """Load ``nquads`` into a new pyoxigraph store at ``out_dir/oxigraph``.

    The store's default graph is filled with the distinct asserted triples
    (:func:`api.store.layout.materialise`). Returns the store's quad count,
    named graphs and :class:`~api.store.layout.TripleCounts` (the figures
    every report uses). The counts, statistics and reconciliation rows are
    recorded in the store's folder (:func:`api.build.recorded.record`). The
    store is flushed,
    optimised and released (pyoxigraph closes it when the object is freed),
    so another process can open it afterwards.
    """
    path = out_dir / STORE_DIR
    store = pyoxigraph.Store(str(path))
    try:
        store.bulk_load(path=str(nquads), format=pyoxigraph.RdfFormat.N_QUADS)
        materialise(store)  # the set-semantics default graph and asserted view
        store.flush()
        store.optimize()
        graphs = sorted(g.value for g in store.named_graphs())
        quads = len(store)
        counts = count_triples(store)
        labels = record_build(store, out_dir, counts).beside
    finally:
        del store
        gc.collect()
    files = store_files(out_dir)
    return {
        "path": STORE_DIR,
        "quads": quads,
        "named_graphs": graphs,
        "triples": counts.as_dict(),
        "files": files,
        "search": {"path": search_index.INDEX_FILE, "labels": labels},
    }


def store_files(build_dir: Path, store_dir: str = STORE_DIR) -> list[StoreFile]:
    """``{"file": "oxigraph/NAME", "bytes": …, "sha256": …}`` per store file, sorted.

    Names are relative to ``build_dir``; the volatile RocksDB files (``LOG*``,
    ``LOCK``) are left out.
    """
    return [
        {"file": name, "bytes": path.stat().st_size, "sha256": sha256_file(path)}
        for name, path in _store_file_paths(build_dir, store_dir).items()
    ]


def write_store_checksums(build_dir: Path, files: Iterable[StoreFile]) -> Path:
    """Write ``oxigraph.SHA256SUMS`` from :func:`store_files`' entries (replaced atomically)."""
    path = build_dir / STORE_CHECKSUMS_FILE
    lines = [f"{entry['sha256']}  {entry['file']}\n" for entry in files]
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("".join(sorted(lines, key=lambda line: line[66:])), encoding="utf-8")
    os.replace(tmp, path)
    return path


def refresh_store_record(build_dir: Path, counts: TripleCounts) -> None:
    """After ``ccai load`` changed a build's store: its checksums (``oxigraph.SHA256SUMS``)
    and ``report.json``'s ``store`` and ``triples`` again, so that ``ccai serve`` still
    verifies the store and the landing page shows its size. Each file is replaced
    atomically (a running service keeps the one it pinned)."""
    files = store_files(build_dir)
    write_store_checksums(build_dir, files)
    report_path = build_dir / REPORT_FILE
    try:
        report = json.loads(report_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    store = report.get("store") if isinstance(report.get("store"), dict) else {}
    store.update(
        files=files,
        named_graphs=sorted(counts.graphs),
        quads=counts.total + sum(counts.graphs.values()),
    )
    report["store"] = store
    report["triples"] = counts.as_dict()
    tmp = report_path.with_name(report_path.name + ".tmp")
    tmp.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, report_path)


def verify_store(store_dir: Path) -> int:
    """Check the store's files against ``oxigraph.SHA256SUMS`` beside it.

    Cheap checks first: the listed and present file names must be the same,
    and each file the size ``report.json``'s ``store.files`` records (when it
    does), which catches truncation without reading a byte. Then each file is
    hashed, in 1 MiB chunks (about 1 s per GB). Returns the number of files checked.

    Raises:
        StoreIntegrityError: a checksum file that is missing (while the report
            lists the store's files) or malformed, or a store file that is
            missing, extra, not a regular file, or differs.
        StoreUnverifiable: no checksums at all (see the class).
    """
    build_dir = store_dir.parent
    manifest = build_dir / STORE_CHECKSUMS_FILE
    sizes = _recorded_sizes(build_dir / REPORT_FILE)
    if not sizes and not os.path.lexists(manifest):
        raise StoreUnverifiable(
            f"{store_dir}: no {STORE_CHECKSUMS_FILE} beside it (not a store `ccai build` wrote)"
        )
    expected = _read_store_checksums(manifest)
    present = _store_file_paths(build_dir, store_dir.name)
    missing = sorted(expected.keys() - present.keys())
    if missing:
        raise StoreIntegrityError(f"{build_dir / missing[0]}: missing from the store")
    extra = sorted(present.keys() - expected.keys())
    if extra:
        raise StoreIntegrityError(f"{present[extra[0]]}: not in {STORE_CHECKSUMS_FILE}")
    for name, path in present.items():
        info = os.lstat(path)
        if not stat.S_ISREG(info.st_mode):
            raise StoreIntegrityError(f"{path}: not a regular file")
        if name in sizes and sizes[name] != info.st_size:
            raise StoreIntegrityError(
                f"{path}: {info.st_size} bytes where the build wrote {sizes[name]} "
                "(truncated or changed)"
            )
    for name, path in present.items():
        if sha256_file(path) != expected[name]:
            raise StoreIntegrityError(f"{path}: SHA-256 differs from {STORE_CHECKSUMS_FILE}")
    return len(present)


def _store_file_paths(build_dir: Path, store_dir: str) -> dict[str, Path]:
    """``{"oxigraph/NAME": path}`` for the store's files, volatile ones left out."""
    root = build_dir / store_dir
    return {
        path.relative_to(build_dir).as_posix(): path
        for path in sorted(root.rglob("*"))
        if not path.is_dir() and not _VOLATILE_STORE_FILE.match(path.name)
    }


def _read_store_checksums(path: Path) -> dict[str, str]:
    """``{name: sha256}`` from ``oxigraph.SHA256SUMS``; names stay inside the build."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise StoreIntegrityError(f"{path}: cannot read the store's checksums: {reason}") from None
    sums: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        match = _CHECKSUM_LINE.match(line)
        name = match.group(2) if match else ""
        if not match or name.startswith("/") or ".." in name.split("/"):
            raise StoreIntegrityError(f"{path}:{number}: not a '<sha256>  <file>' line")
        sums[name] = match.group(1)
    if not sums:
        raise StoreIntegrityError(f"{path}: lists no file")
    return sums


def _recorded_sizes(report: Path) -> dict[str, int]:
    """``{name: bytes}`` from ``report.json``'s ``store.files`` (empty if unavailable)."""
    try:
        files = json.loads(report.read_text(encoding="utf-8"))["store"]["files"]
        return {str(f["file"]): int(f["bytes"]) for f in files}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def write_report(out_dir: Path, report: dict[str, object]) -> Path:
    path = out_dir / REPORT_FILE
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def write_checksums(out_dir: Path, files: Iterable[Path]) -> Path:
    """Write ``SHA256SUMS`` (``<hex>  <name>`` lines, sorted by name).

    ``files`` are the published (downloadable) artefacts only, see the table above.
    """
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
