"""IRIs and addresses: the canonical ``https://w3id.org/ccai/`` IRIs and this server's URLs.

The RDF always keeps the canonical IRIs; only links meant to be *followed* on
this server (HTML ``href``, ``Link`` headers, ``Content-Location``) use the
server's own base (``Settings.public_base_url``, e.g. ``http://127.0.0.1:8000/``).

A request path is parsed into a :class:`ResourceRef` **before** any query runs:
each segment must match the slug grammar (:data:`api.namespaces.SLUG_PATTERN`),
so an IRI that reaches SPARQL is always one we could have minted.

>>> to_public("https://w3id.org/ccai/id/organisation/nemo", "http://127.0.0.1:8000/")
'http://127.0.0.1:8000/id/organisation/nemo'
>>> to_canonical("http://127.0.0.1:8000/id/organisation/nemo", "http://127.0.0.1:8000/")
'https://w3id.org/ccai/id/organisation/nemo'
>>> parse_resource_path("id", "organisation", "nemo.ttl").extension
'ttl'
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rdflib import URIRef

from api.errors import BadRequest, NotFound
from api.namespaces import (
    BASE,
    ENTITY_KINDS,
    GRAPH,
    ID,
    ONTOLOGY_IRI,
    SOURCE,
    VOCAB,
    VOCABULARY_SCHEMES,
    is_slug,
)

#: File extensions accepted at the end of a resource path (``/id/person/x.ttl``).
EXTENSIONS: tuple[str, ...] = ("html", "ttl", "jsonld", "nt", "rdf")
_VERSION_RE = re.compile(r"^\d+(?:\.\d+){0,3}$")


class MalformedPath(BadRequest):
    """A path segment outside the slug grammar (HTTP 400)."""

    code = "malformed-path"
    spec = "https://w3id.org/ccai/#identifiers"


class UnknownResource(NotFound):
    """A path that names nothing we publish (HTTP 404).

    ``suggestions``: canonical IRIs (or public paths) worth proposing to the
    reader; ``iri``: the IRI asked for, when there is one.
    """

    def __init__(
        self, message: str, suggestions: Sequence[str] = (), *, iri: str | None = None
    ) -> None:
        super().__init__(message, suggestions=list(suggestions), iri=iri)

    @property
    def suggestions(self) -> tuple[str, ...]:
        return tuple(self.details.get("suggestions") or ())


def _public_base(public_base: str) -> str:
    return public_base if public_base.endswith("/") else public_base + "/"


def to_public(iri: str, public_base: str) -> str:
    """The URL on this server for a canonical IRI; other IRIs are returned unchanged.

    The fragment is kept (``…/ontology#Event`` → ``{base}ontology#Event``).
    """
    if iri.startswith(BASE):
        return _public_base(public_base) + iri[len(BASE) :]
    return iri


def to_canonical(url: str, public_base: str) -> str:
    """The canonical IRI for a URL on this server (query string dropped); others unchanged."""
    base = _public_base(public_base)
    if url.startswith(base):
        rest = url[len(base) :]
        path, _, _query = rest.partition("?")
        return BASE + path
    return url


@dataclass(frozen=True)
class ResourceRef:
    """A validated request for one resource.

    ``family`` is one of ``entity``, ``concept``, ``scheme``, ``vocab-index``,
    ``source``, ``locator``, ``graph``, ``ontology``; ``iri`` is canonical;
    ``path`` is the path without the extension (``id/person/x``);
    ``extension`` is one of :data:`EXTENSIONS` or ``None``.
    """

    family: str
    iri: URIRef
    path: str
    extension: str | None = None


def split_extension(segment: str) -> tuple[str, str | None]:
    """``"nemo.ttl"`` → ``("nemo", "ttl")``; a segment without a known extension is unchanged."""
    stem, dot, ext = segment.rpartition(".")
    if dot and ext in EXTENSIONS:
        return stem, ext
    return segment, None


def _check_slug(what: str, value: str) -> None:
    if not is_slug(value):
        raise MalformedPath(
            f"{what} {value!r} is not a slug: lower-case ASCII letters and digits "
            f"joined by single hyphens (optionally followed by one of "
            f"{', '.join('.' + e for e in EXTENSIONS)})"
        )


def parse_resource_path(*segments: str) -> ResourceRef:
    """Validate the segments of a resource path and mint its canonical IRI.

    Raises:
        MalformedPath: a segment is not a slug (or the path has the wrong shape).
        UnknownResource: an entity kind or concept scheme we do not publish.

    >>> parse_resource_path("vocab", "themes", "data").iri
    rdflib.term.URIRef('https://w3id.org/ccai/vocab/themes/data')
    """
    if not segments:
        raise MalformedPath("empty path")
    *head, last = segments
    last, ext = split_extension(last)
    parts = [*head, last]
    top = parts[0]
    for value in parts[1:]:
        _check_slug("path segment", value)
    path = "/".join(parts)
    if top == "id" and len(parts) == 3:
        kind, slug = parts[1], parts[2]
        if kind not in ENTITY_KINDS:
            raise UnknownResource(
                f"no entity kind {kind!r}; the kinds are: {', '.join(ENTITY_KINDS)}"
            )
        return ResourceRef("entity", ID[f"{kind}/{slug}"], path, ext)
    if top == "vocab":
        if len(parts) == 1:
            return ResourceRef("vocab-index", URIRef(BASE + "vocab"), path, ext)
        scheme = parts[1]
        if scheme not in VOCABULARY_SCHEMES:
            raise UnknownResource(
                f"no concept scheme {scheme!r}",
                tuple(f"vocab/{s}" for s in VOCABULARY_SCHEMES),
            )
        if len(parts) == 2:
            return ResourceRef("scheme", VOCAB[scheme], path, ext)
        if len(parts) == 3:
            return ResourceRef("concept", VOCAB[f"{scheme}/{parts[2]}"], path, ext)
    if top == "source" and len(parts) in (2, 3):
        family = "source" if len(parts) == 2 else "locator"
        return ResourceRef(family, SOURCE["/".join(parts[1:])], path, ext)
    if top == "graph" and len(parts) == 2:
        return ResourceRef("graph", GRAPH[parts[1]], path, ext)
    if top == "ontology" and len(parts) == 1:
        return ResourceRef("ontology", ONTOLOGY_IRI, path, ext)
    raise MalformedPath(f"not a resource path: /{'/'.join(segments)}")


def parse_ontology_version(version: str) -> tuple[str, str | None]:
    """``"0.1.0"`` → ``("0.1.0", None)``; ``"0.1.0.ttl"`` → ``("0.1.0", "ttl")``.

    Raises:
        MalformedPath: not a dotted version number.
    """
    stem, ext = split_extension(version)
    if not _VERSION_RE.match(stem):
        raise MalformedPath(f"{stem!r} is not an ontology version (expected e.g. 0.1.0)")
    return stem, ext
