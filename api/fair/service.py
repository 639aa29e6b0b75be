"""The FAIR publication of one build: catalogue, VoID, landing page and downloads.

:class:`FairService` reads a build directory (what ``ccai build --out build``
writes) **once**: ``report.json`` (:class:`~api.fair.metadata.BuildMetadata`
plus the raw counts), the store statistics
(:class:`~api.fair.statistics.DatasetStatistics`: the ones recorded in the
store's folder when they describe the store served, else counted) and the
titles of the source documents (the named query
``queries/source-documents.rq``), read through the service's read facade
(:class:`~api.store.reader.SyncReader`).
From these it makes, and caches per public base URL, the DCAT-AP catalogue,
the VoID description and the schema.org JSON-LD, and their serialisations
(with an ``ETag`` each).

Downloads are an **allow-list**: only the files ``report.json`` lists as
artefacts, plus ``SHA256SUMS``, can be served; a name is looked up in a dict,
never joined to a path as given. A listed file is refused (404) when it is a
symbolic link, not a regular file, or not the size the report says.
``SHA256SUMS`` lists exactly those artefacts (the build writes it so), so
``sha256sum -c SHA256SUMS`` passes after downloading every file it lists;
``report.json`` (it names server paths) and the Oxigraph store are not
served, and the store's own checksums are in ``oxigraph.SHA256SUMS``, which
``ccai serve`` checks at start-up and this service does not publish.

The app builds one :class:`FairService` beside its lifespan (in the
background: the routes wait for it), from the build generation it pinned
(:mod:`api.store.snapshot`), and reads through the read facade like every
other read: a new build is served after a restart, never half of it.

Example::

    service = FairService.load(Path("build"))
    turtle = service.serialized("catalog", "http://127.0.0.1:8000/", by_name("turtle"))
    turtle.etag, turtle.body[:20]
    service.download("ccai.ttl").sha256

Errors (typed, with stable codes; the web layer maps them to HTTP):
:class:`BuildUnavailable` (``build-unavailable``, 503) and
:class:`ArtefactNotFound` (``not-found``, 404).
"""

from __future__ import annotations

import base64
import gc
import hashlib
import json
import os
import stat
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

import pyoxigraph as ox
from rdflib import Graph

from api.build.artefacts import CHECKSUMS_FILE, REPORT_FILE, STORE_DIR
from api.errors import NotFound, StoreUnavailable
from api.fair import terms as t
from api.fair.dcat import build_catalog
from api.fair.metadata import BuildMetadata, ReportError
from api.fair.schema_org import dataset_jsonld
from api.fair.statistics import DatasetStatistics, recorded_statistics
from api.fair.void import build_void
from api.linked_data.formats import Format
from api.linked_data.jsonld import to_jsonld
from api.namespaces import SOURCE
from api.negotiation import content_type_header
from api.store.layout import TripleCounts
from api.store.reader import SyncReader, reader_over

__all__ = [
    "ArtefactNotFound",
    "BuildUnavailable",
    "ClassCount",
    "Download",
    "FairService",
    "Landing",
    "Rendered",
    "SourceDocument",
    "served_media_type",
]

Kind = Literal["catalog", "void"]

#: How long clients and caches may keep what these routes serve (seconds).
DOWNLOAD_MAX_AGE: Final = 3600
METADATA_MAX_AGE: Final = 300


# --- errors -----------------------------------------------------------------------------
class BuildUnavailable(StoreUnavailable):
    """The build directory holds no readable ``report.json`` (or its store is missing)."""

    code = "build-unavailable"


class ArtefactNotFound(NotFound):
    """The name is not a published artefact of this build (or the file is unfit to serve)."""


# --- plain data --------------------------------------------------------------------------
@dataclass(frozen=True)
class Rendered:
    """A serialised document: its bytes, ``Content-Type`` header value and strong ETag."""

    body: bytes
    content_type: str
    etag: str


@dataclass(frozen=True)
class Download:
    """One file that ``GET /download/{file}`` serves."""

    file: str
    path: Path
    media_type: str  # what is served (``application/gzip`` for ``ccai.nt.gz``)
    content_media_type: str  # what the bytes hold once decompressed
    bytes: int
    sha256: str
    description: str = ""
    distribution: str | None = None  # the DCAT distribution IRI, for RDF dumps

    @property
    def content_type(self) -> str:
        return content_type_header(self.media_type)

    @property
    def etag(self) -> str:
        """Strong entity tag: the SHA-256 of the bytes, hex, quoted."""
        return f'"{self.sha256}"'

    @property
    def repr_digest(self) -> str:
        """``Repr-Digest`` (RFC 9530): ``sha-256=:<base64>:``."""
        return f"sha-256=:{_b64(self.sha256)}:"

    @property
    def digest(self) -> str:
        """``Digest`` (RFC 3230, superseded by RFC 9530, still widely read)."""
        return f"sha-256={_b64(self.sha256)}"

    def as_json(self, base: str) -> dict[str, Any]:
        data: dict[str, Any] = {
            "file": self.file,
            "url": download_url(base, self.file),
            "media_type": self.media_type,
            "bytes": self.bytes,
            "sha256": self.sha256,
        }
        if self.content_media_type != self.media_type:
            data["content_media_type"] = self.content_media_type
        if self.description:
            data["description"] = self.description
        if self.distribution:
            data["distribution"] = self.distribution
        return data


@dataclass(frozen=True)
class SourceDocument:
    slug: str
    iri: str
    title: str
    issued: str | None
    entities: int
    triples: int | None


@dataclass(frozen=True)
class ClassCount:
    name: str  # ``ccai:Organisation``
    href: str  # the class's documentation on this server
    asserted: int
    with_inference: int


@dataclass(frozen=True)
class Landing:
    """What the landing page shows."""

    version: str
    finished: str
    triples: int  # distinct triples in the union of every graph (VoID's count)
    asserted: int | None
    inferred: int | None
    entities: int
    classes: list[ClassCount]
    sources: list[SourceDocument]
    downloads: list[Download]
    jsonld: dict[str, Any]


def served_media_type(file: str, media_type: str) -> str:
    """The ``Content-Type`` media type a build artefact is served with.

    A compressed dump is served as what it is on disk, ``application/gzip``
    (not ``application/n-triples`` with ``Content-Encoding: gzip``, which clients
    would transparently decompress, so the bytes saved would no longer match the
    published size and SHA-256).

    >>> served_media_type("ccai.nt.gz", "application/n-triples")
    'application/gzip'
    >>> served_media_type("ccai.ttl", "text/turtle")
    'text/turtle'
    """
    if file.lower().endswith(".gz"):
        return "application/gzip"
    return media_type or "application/octet-stream"


def download_url(base: str, file: str) -> str:
    return str(t.download_url(base, file))


# --- the service --------------------------------------------------------------------------
@dataclass
class FairService:
    """Everything the FAIR routes serve about one build; see the module docstring."""

    build_dir: Path
    metadata: BuildMetadata
    report: Mapping[str, Any]
    statistics: DatasetStatistics
    sources: tuple[SourceDocument, ...]
    downloads: Mapping[str, Download]
    _graphs: dict[tuple[str, str], Graph] = field(default_factory=dict, repr=False)
    _jsonld: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)
    _rendered: dict[tuple[str, str, str], Rendered] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def load(
        cls,
        build_dir: Path,
        *,
        reader: SyncReader | None = None,
        counts: TripleCounts | None = None,
    ) -> FairService:
        """Read ``build_dir/report.json`` and the statistics.

        The statistics are the ones recorded in ``build_dir/oxigraph`` when
        they describe a store of ``counts`` (the store served); else they are
        counted through ``reader``. Without a ``reader`` (offline tools,
        tests), one is opened on ``build_dir/oxigraph``.

        Raises:
            BuildUnavailable: no readable, well-formed ``report.json``, or no store.
        """
        build_dir = Path(build_dir).resolve()
        report_path = build_dir / REPORT_FILE
        try:
            raw = json.loads(report_path.read_text(encoding="utf-8"))
            metadata = BuildMetadata.from_report(raw)
        except (OSError, ValueError, ReportError) as exc:
            raise BuildUnavailable(
                f"No usable build report at {REPORT_FILE} in the build directory "
                f"({type(exc).__name__}); run `ccai build` first."
            ) from None
        recorded = (
            recorded_statistics(build_dir / STORE_DIR, counts) if counts is not None else None
        )
        own = reader is None
        if reader is None:
            store_path = build_dir / STORE_DIR
            if not store_path.is_dir():
                raise BuildUnavailable("The build directory holds no Oxigraph store.")
            reader = reader_over(ox.Store.read_only(str(store_path)))
        try:
            statistics = recorded if recorded is not None else DatasetStatistics.from_reader(reader)
            titles = _source_titles(reader)
        finally:
            if own:
                reader.close()
                gc.collect()
        source_triples = raw.get("sources") or {}
        sources = tuple(
            SourceDocument(
                slug=slug,
                iri=str(SOURCE[slug]),
                title=titles.get(slug, ("", None, 0))[0] or slug,
                issued=titles.get(slug, ("", None, 0))[1],
                entities=titles.get(slug, ("", None, 0))[2],
                triples=source_triples.get(slug),
            )
            for slug in sorted({*titles, *source_triples})
        )
        return cls(
            build_dir=build_dir,
            metadata=metadata,
            report=raw,
            statistics=statistics,
            sources=sources,
            downloads=_allow_list(build_dir, metadata),
        )

    # --- the three descriptions -------------------------------------------------------
    def graph(self, kind: Kind, base: str) -> Graph:
        """The catalogue (``"catalog"``) or VoID (``"void"``) graph for ``base`` (cached)."""
        base = t.normalise_base(base)
        with self._lock:
            key = (kind, base)
            if key not in self._graphs:
                make = build_catalog if kind == "catalog" else build_void
                self._graphs[key] = make(self.metadata, base_url=base, statistics=self.statistics)
            return self._graphs[key]

    def jsonld(self, base: str) -> dict[str, Any]:
        """The schema.org Dataset description for the landing page (cached)."""
        base = t.normalise_base(base)
        with self._lock:
            if base not in self._jsonld:
                self._jsonld[base] = dataset_jsonld(
                    self.metadata, base_url=base, statistics=self.statistics
                )
            return self._jsonld[base]

    def serialized(self, kind: Kind, base: str, fmt: Format) -> Rendered:
        """``graph(kind, base)`` in an RDF format (not HTML), with its ETag (cached)."""
        if fmt.rdflib_format is None:  # not fmt.is_rdf (spelt so that mypy narrows it)
            raise ValueError(f"{fmt.name} is not an RDF format")
        key = (kind, t.normalise_base(base), fmt.name)
        cached = self._rendered.get(key)
        if cached is not None:
            return cached
        graph = self.graph(kind, base)
        text = (
            to_jsonld(graph) if fmt.name == "jsonld" else graph.serialize(format=fmt.rdflib_format)
        )
        rendered = rendered_document(text.encode("utf-8"), fmt.media_type)
        with self._lock:
            self._rendered.setdefault(key, rendered)
        return rendered

    # --- downloads ----------------------------------------------------------------------
    def download(self, file: str) -> Download:
        """The allow-listed artefact ``file``, checked on disk.

        Raises:
            ArtefactNotFound: ``file`` is not allow-listed, or the file is missing,
                a symbolic link, not a regular file, or not the published size.
        """
        entry = self.downloads.get(file)
        if entry is None:
            raise ArtefactNotFound(f"{file!r} is not a published artefact of this build.")
        try:
            info = os.lstat(entry.path)
        except OSError:
            raise ArtefactNotFound(f"{file} is missing from the build directory.") from None
        if not stat.S_ISREG(info.st_mode) or info.st_size != entry.bytes:
            raise ArtefactNotFound(f"{file} is not the file this build published.")
        return entry

    def download_list(self, base: str) -> dict[str, Any]:
        """``GET /download`` as JSON: every artefact with its URL, size and checksum."""
        base = t.normalise_base(base)
        return {
            "version": self.metadata.version,
            "finished": self.metadata.finished.isoformat(),
            "catalog": base + "catalog",
            "checksums": download_url(base, CHECKSUMS_FILE),
            "artefacts": [d.as_json(base) for d in self.downloads.values()],
        }

    # --- the landing page ------------------------------------------------------------
    def landing(self, base: str) -> Landing:
        base = t.normalise_base(base)
        triples = self.report.get("triples") or {}
        classes = [
            ClassCount(
                name=name,
                href=base + "ontology#" + name.partition(":")[2],
                asserted=int(counts.get("asserted", 0)),
                with_inference=int(counts.get("with_inference", 0)),
            )
            for name, counts in sorted((self.report.get("classes") or {}).items())
            if isinstance(counts, Mapping) and counts.get("with_inference")
        ]
        return Landing(
            version=self.metadata.version,
            finished=self.metadata.finished.replace(microsecond=0).isoformat(),
            triples=self.statistics.triples,
            asserted=_int_or_none(triples.get("asserted")),
            inferred=_int_or_none(triples.get("inferred")),
            entities=self.statistics.entities,
            classes=classes,
            sources=list(self.sources),
            downloads=list(self.downloads.values()),
            jsonld=self.jsonld(base),
        )


def rendered_document(body: bytes, media_type: str) -> Rendered:
    """Wrap ``body`` with its ``Content-Type`` and a strong ETag (SHA-256 prefix)."""
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    return Rendered(body, content_type_header(media_type), etag)


# --- helpers ------------------------------------------------------------------------------
def _b64(hex_digest: str) -> str:
    return base64.b64encode(bytes.fromhex(hex_digest)).decode("ascii")


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _allow_list(build_dir: Path, metadata: BuildMetadata) -> dict[str, Download]:
    """Every artefact of the report, and ``SHA256SUMS`` when it is a regular file."""
    allowed: dict[str, Download] = {}
    for artefact in metadata.artefacts:
        dump = t.classify_dump(artefact.file)
        allowed[artefact.file] = Download(
            file=artefact.file,
            path=build_dir / artefact.file,
            media_type=served_media_type(artefact.file, artefact.media_type),
            content_media_type=artefact.media_type or "application/octet-stream",
            bytes=artefact.bytes,
            sha256=artefact.sha256,
            description=t.DUMP_DESCRIPTIONS.get(artefact.file, ""),
            distribution=str(t.distribution_iri(artefact.file)) if dump else None,
        )
    sums = build_dir / CHECKSUMS_FILE
    try:
        info = os.lstat(sums)
    except OSError:
        return allowed
    if stat.S_ISREG(info.st_mode):
        data = sums.read_bytes()
        allowed[CHECKSUMS_FILE] = Download(
            file=CHECKSUMS_FILE,
            path=sums,
            media_type="text/plain",
            content_media_type="text/plain",
            bytes=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            description="SHA-256 checksums of every file listed here (sha256sum -c).",
        )
    return allowed


def _source_titles(reader: SyncReader) -> dict[str, tuple[str, str | None, int]]:
    """slug -> (English title, issued, entities) from ``queries/source-documents.rq``."""
    from api.queries import load_queries

    query = load_queries()["source-documents"].text
    found: dict[str, tuple[str, str | None, int, int]] = {}  # + rank of the title's language
    for row in reader.rows(query):
        iri = row["source"]
        if not isinstance(iri, ox.NamedNode) or not iri.value.startswith(str(SOURCE)):
            continue
        slug = iri.value[len(str(SOURCE)) :]
        title = row["title"]
        lang = getattr(title, "language", None) or ""
        rank = {"en": 0, "": 1}.get(lang, 2)
        issued = row["issued"].value if row["issued"] is not None else None
        entities = int(row["entities"].value) if row["entities"] is not None else 0
        previous = found.get(slug)
        if previous is None or rank < previous[3]:
            found[slug] = (title.value, issued, entities, rank)
    return {slug: value[:3] for slug, value in found.items()}
