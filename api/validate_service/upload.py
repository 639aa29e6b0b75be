"""What ``POST /validate`` accepts and answers, checked before any byte is parsed.

>>> fmt = upload_format("text/turtle; charset=utf-8")
>>> fmt
'turtle'
>>> report_format("application/ld+json, application/json;q=0.5", None)
'application/ld+json'
>>> read_upload("application/n-triples", b"<a:b> <a:c> <a:d> .", max_bytes=100).format
'nt'
"""

from __future__ import annotations

import email.parser
import email.policy
from dataclasses import dataclass
from pathlib import Path

from api.errors import MalformedRdf, NotAcceptable, RequestTooLarge, UnsupportedMediaType
from api.negotiation import choose
from api.rdf.parsing import RDF_SUFFIXES
from api.resources import shapes_dir
from api.rest.errors import InvalidParameter

#: Media type of an upload -> rdflib parser name (the formats of :mod:`api.rdf.parsing`).
UPLOAD_FORMATS: dict[str, str] = {
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/json": "json-ld",
    "application/rdf+xml": "xml",
    "application/xml": "xml",
    "text/xml": "xml",
    "application/n-triples": "nt",
    "application/n-quads": "nquads",
    "application/trig": "trig",
}

#: Report media types; the first is the default (``Accept`` missing or ``*/*``).
REPORT_FORMATS: tuple[str, ...] = (
    "application/json",
    "text/turtle",
    "application/ld+json",
    "text/plain",
)

#: ``format=`` value -> report media type (overrides ``Accept``).
REPORT_FORMAT_PARAMETER: dict[str, str] = {
    "json": "application/json",
    "turtle": "text/turtle",
    "ttl": "text/turtle",
    "jsonld": "application/ld+json",
    "text": "text/plain",
}

#: Relative IRIs of an upload resolve against this base (``.invalid`` never resolves, RFC 2606).
UPLOAD_BASE = "https://upload.invalid/"

_MULTIPART = "multipart/form-data"
_CHARSETS = {"utf-8", "utf8", "us-ascii"}


@dataclass(frozen=True)
class Upload:
    """RDF bytes to validate, with their format (an rdflib parser name) and a name for errors."""

    data: bytes
    format: str
    name: str = "upload"


def available_profiles() -> list[str]:
    """The shape profiles on offer: ``core`` (the project's own graph) and, when
    its shapes are installed, ``linkset`` (data that links to the graph)."""
    profiles = ["core"]
    linkset = shapes_dir() / "linkset"
    if linkset.is_dir() and any(linkset.glob("*.ttl")):
        profiles.append("linkset")
    return profiles


def check_profile(profile: str) -> str:
    """``profile`` if it is on offer, else 400 ``invalid-parameter`` naming those that are."""
    offered = available_profiles()
    if profile not in offered:
        raise InvalidParameter(
            "profile", f"unknown profile {profile[:40]!r}; available: {', '.join(offered)}"
        )
    return profile


def report_format(accept: str | None, fmt: str | None) -> str:
    """The report's media type: ``format=`` when given, else the ``Accept`` header's choice.

    Raises:
        NotAcceptable: neither names a report format (406, with ``available``).
    """
    if fmt is not None:
        media_type = REPORT_FORMAT_PARAMETER.get(fmt.strip().lower())
        if media_type is None:
            raise InvalidParameter(
                "format", f"expected one of {', '.join(REPORT_FORMAT_PARAMETER)}"
            )
        return media_type
    chosen = choose(accept, REPORT_FORMATS)
    if chosen is None:
        raise NotAcceptable(
            "The validation report is available as " + ", ".join(REPORT_FORMATS) + ".",
            available=list(REPORT_FORMATS),
        )
    return chosen


def _split_media_type(header: str | None) -> tuple[str, dict[str, str]]:
    if not header:
        return "", {}
    kind, *params = header.split(";")
    parsed: dict[str, str] = {}
    for param in params:
        key, sep, value = param.partition("=")
        if sep:
            parsed[key.strip().lower()] = value.strip().strip('"')
    return kind.strip().lower(), parsed


def upload_format(content_type: str | None) -> str:
    """The rdflib parser for a ``Content-Type`` (not multipart).

    Raises:
        UnsupportedMediaType: no or another media type, or a charset other than UTF-8 (415).
    """
    kind, params = _split_media_type(content_type)
    fmt = UPLOAD_FORMATS.get(kind)
    if fmt is None:
        shown = kind or "none"
        raise UnsupportedMediaType(
            f"Content-Type {shown[:80]!r} is not an RDF format this service validates; send "
            f"one of {', '.join(UPLOAD_FORMATS)}, or {_MULTIPART} with a file.",
            available=[*UPLOAD_FORMATS, _MULTIPART],
        )
    charset = params.get("charset", "utf-8").lower()
    if fmt != "xml" and charset not in _CHARSETS:  # an XML document declares its own encoding
        raise UnsupportedMediaType(
            f"charset {charset[:40]!r} is not supported: send {kind} in UTF-8.",
            available=[*UPLOAD_FORMATS, _MULTIPART],
        )
    return fmt


def check_content_type(content_type: str | None) -> None:
    """Refuse (415) a ``Content-Type`` that is neither an RDF format nor a multipart form."""
    if _split_media_type(content_type)[0] != _MULTIPART:
        upload_format(content_type)


def read_upload(content_type: str | None, body: bytes, *, max_bytes: int) -> Upload:
    """The upload carried by a request: its body, or the file of a multipart form.

    A multipart form must hold one file part (any field name; ``file`` in the
    OpenAPI description); its format is its own ``Content-Type`` when that is
    an RDF media type, else its file name's suffix (``.ttl``, ``.jsonld``…).
    The form is parsed in memory: nothing is spooled to disk.

    Raises:
        RequestTooLarge (413), UnsupportedMediaType (415), MalformedRdf (400:
        an empty body, a form without a file).
    """
    if len(body) > max_bytes:
        raise RequestTooLarge(f"The upload is larger than {max_bytes} bytes.")
    kind, _params = _split_media_type(content_type)
    if kind == _MULTIPART:
        return _from_form(content_type or "", body)
    fmt = upload_format(content_type)
    if not body.strip():
        raise MalformedRdf("The upload is empty: nothing to validate.")
    return Upload(body, fmt)


def _from_form(content_type: str, body: bytes) -> Upload:
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1")
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise MalformedRdf("A multipart/form-data body without parts (check the boundary).")
    for part in message.iter_parts():
        filename = part.get_filename()
        if filename is None:
            continue
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes) or not data.strip():
            raise MalformedRdf(
                f"The uploaded file {filename[:80]!r} is empty: nothing to validate."
            )
        part_type = part.get_content_type()
        if part_type in UPLOAD_FORMATS:
            return Upload(data, upload_format(part["content-type"]), _name(filename))
        suffix = Path(filename).suffix.lower()
        if suffix in RDF_SUFFIXES:
            return Upload(data, RDF_SUFFIXES[suffix], _name(filename))
        raise UnsupportedMediaType(
            f"The uploaded file {filename[:80]!r} ({part_type}) is not in an RDF format this "
            f"service validates: give it one of the media types {', '.join(UPLOAD_FORMATS)} "
            f"or a suffix {', '.join(sorted(RDF_SUFFIXES))}.",
            available=list(UPLOAD_FORMATS),
        )
    raise MalformedRdf("The multipart/form-data body holds no file: add a part with a filename.")


def _name(filename: str) -> str:
    """The file's base name, for error messages only (never used as a path)."""
    return Path(filename.replace("\\", "/")).name[:120] or "upload"
