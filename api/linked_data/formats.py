"""The representations of a resource, as data: one row per format.

Every resource page is offered in the formats of :data:`FORMATS`. A client
picks one by (in this order of precedence):

1. an extension on the path (``/id/person/x.ttl``),
2. ``?_mediatype=<media type>`` or ``?format=<name>`` (``turtle``, ``jsonld``,
   ``ntriples``, ``rdfxml``, ``html``; a few aliases too),
3. the ``Accept`` header, read by :func:`api.negotiation.choose`.

With no preference (no ``Accept``, or ``*/*``), HTML is served, as Linked
Data front-ends commonly do for people following a link.

>>> by_extension("ttl").media_type
'text/turtle'
>>> negotiate("application/ld+json;q=0.9, text/turtle;q=0.5").name
'jsonld'
>>> negotiate("image/png") is None
True
"""

from __future__ import annotations

from dataclasses import dataclass

from api.negotiation import choose


@dataclass(frozen=True)
class Format:
    """One representation: its ``?format=`` name, media type, extension, rdflib writer."""

    name: str
    media_type: str
    extension: str
    rdflib_format: str | None  # None: HTML, rendered from templates
    title: str

    @property
    def is_rdf(self) -> bool:
        return self.rdflib_format is not None


#: Server order: the first is the default for ``*/*``; ties go to the earlier one.
FORMATS: tuple[Format, ...] = (
    Format("html", "text/html", "html", None, "HTML"),
    Format("turtle", "text/turtle", "ttl", "turtle", "Turtle"),
    Format("jsonld", "application/ld+json", "jsonld", "json-ld", "JSON-LD"),
    Format("ntriples", "application/n-triples", "nt", "nt", "N-Triples"),
    Format("rdfxml", "application/rdf+xml", "rdf", "xml", "RDF/XML"),
)
_BY_NAME = {f.name: f for f in FORMATS}
_BY_EXT = {f.extension: f for f in FORMATS}

#: Other media types clients send, and the format they get.
MEDIA_TYPE_ALIASES: dict[str, str] = {
    "application/xhtml+xml": "html",
    "application/x-turtle": "turtle",
    "application/json": "jsonld",
    "text/plain": "ntriples",
    "application/xml": "rdfxml",
    "text/xml": "rdfxml",
}
_BY_MEDIA_TYPE: dict[str, Format] = {
    **{f.media_type: f for f in FORMATS},
    **{mt: _BY_NAME[name] for mt, name in MEDIA_TYPE_ALIASES.items()},
}
#: ``?format=`` names: the format names, the extensions and a few common spellings.
FORMAT_NAMES: dict[str, Format] = {
    **_BY_NAME,
    **_BY_EXT,
    "json-ld": _BY_NAME["jsonld"],
    "json": _BY_NAME["jsonld"],
    "n-triples": _BY_NAME["ntriples"],
    "xml": _BY_NAME["rdfxml"],
    "rdf+xml": _BY_NAME["rdfxml"],
}
OFFERED: tuple[str, ...] = tuple(_BY_MEDIA_TYPE)


def by_extension(ext: str) -> Format:
    return _BY_EXT[ext]


def by_name(name: str) -> Format | None:
    """The format a ``?format=`` value names, or ``None``."""
    return FORMAT_NAMES.get(name.strip().lower())


def by_media_type(media_type: str) -> Format | None:
    """The format for a ``?_mediatype=`` value (parameters ignored), or ``None``."""
    return _BY_MEDIA_TYPE.get(media_type.split(";")[0].strip().lower())


def negotiate(accept: str | None) -> Format | None:
    """The format the ``Accept`` header prefers, ``None`` when nothing offered is acceptable."""
    chosen = choose(accept, OFFERED)
    return _BY_MEDIA_TYPE[chosen] if chosen else None
