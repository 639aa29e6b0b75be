"""One RDF file, streamed: opening, safety scan, Oxigraph's errors, lines of subjects.

The pieces :func:`api.validate.inputs.load` streams a file with, none of which
holds the file in memory (except :func:`read_whole`, for the formats that must
be read whole):

* :func:`open_stream`: a regular file only (a FIFO or device is refused, see
  :func:`api.rdf.parsing.open_regular`), decompressed when it ends in ``.gz``;
* :func:`prescan`: one pass over the bytes before parsing. RDF/XML with a DTD
  or an entity declaration is refused (Oxigraph's RDF/XML parser expands
  entities); it says whether the file names a derived integer datatype, whose
  literals Oxigraph's store would keep as ``xsd:integer`` (``xsd:byte``,
  ``xsd:nonNegativeInteger``…), so that they are checked while streaming;
* :func:`oxigraph_errors`: Oxigraph's ``SyntaxError`` (which carries the line
  and column), a corrupt ``.gz`` and the like as one
  :class:`~api.rdf.parsing.RdfSyntaxError` naming the file;
* :func:`first_lines`: after validation, the line where each of a few IRIs is
  first the subject of a description: the first line that starts with
  ``<iri>`` or a prefixed name for it (prefixes read as the scan meets them).
"""

from __future__ import annotations

import contextlib
import gzip
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, cast

import pyoxigraph as ox

from api.rdf.parsing import (
    RdfSyntaxError,
    UnsafeInputError,
    open_regular,
    rdf_format,
    read_bytes,
)

__all__ = [
    "DERIVED_INTEGERS",
    "LINE_FORMATS",
    "OX_FORMATS",
    "first_lines",
    "has_a_triple",
    "open_stream",
    "oxigraph_errors",
    "prescan",
    "read_whole",
]

#: rdflib parser name (:data:`api.rdf.parsing.RDF_SUFFIXES`) → Oxigraph format.
OX_FORMATS: dict[str, ox.RdfFormat] = {
    "turtle": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "xml": ox.RdfFormat.RDF_XML,
    "json-ld": ox.RdfFormat.JSON_LD,
}
#: Formats whose subjects start lines (:func:`first_lines` reads them).
LINE_FORMATS = frozenset({"turtle", "nt", "nquads", "trig"})
_XSD = "http://www.w3.org/2001/XMLSchema#"
_DERIVED_NAMES = (
    "long",
    "int",
    "short",
    "byte",
    "nonNegativeInteger",
    "positiveInteger",
    "nonPositiveInteger",
    "negativeInteger",
    "unsignedLong",
    "unsignedInt",
    "unsignedShort",
    "unsignedByte",
)
#: Datatypes that Oxigraph's store turns into ``xsd:integer`` (lexical form and range lost).
DERIVED_INTEGERS = frozenset(_XSD + name for name in _DERIVED_NAMES)
_NAMES = b"|".join(name.encode() for name in _DERIVED_NAMES)
# One literal prefix each, so that the regular expression engine skips ahead fast.
_DERIVED_RES = (
    re.compile(rb"XMLSchema#(?:" + _NAMES + rb")\b"),
    re.compile(rb"xsd:(?:" + _NAMES + rb")\b"),
)
_DTD_RE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_CHUNK = 1 << 22
_OVERLAP = 64
_PREFIX_LINE = re.compile(rb"^\s*(?:@prefix|PREFIX)\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.I)


@contextlib.contextmanager
def open_stream(path: Path) -> Iterator[IO[bytes]]:
    """``path`` opened for reading (binary), decompressed when it ends in ``.gz``.

    Raises:
        MissingInputError, UnreadableInputError: see :func:`api.rdf.parsing.open_regular`.
    """
    with open_regular(path) as raw:
        if path.suffix.lower() == ".gz":
            with gzip.GzipFile(fileobj=raw, mode="rb") as unzipped:
                yield cast(IO[bytes], unzipped)
        else:
            yield raw


def read_whole(path: Path, max_bytes: int, why: str) -> bytes:
    """The whole (decompressed) content of ``path``, refused beyond ``max_bytes``.

    Raises:
        UnsafeInputError: larger than ``max_bytes``; the message says ``why`` the
        file is read whole.
        RdfInputError: see :func:`api.rdf.parsing.read_bytes`.
    """
    try:
        return read_bytes(path, max_bytes=max_bytes)
    except UnsafeInputError as exc:
        raise UnsafeInputError(
            path,
            f"larger than {max_bytes} bytes (decompressed); refused: {why}. N-Triples, "
            "N-Quads, Turtle, TriG and UTF-8 RDF/XML are streamed, without this limit",
        ) from exc


@contextlib.contextmanager
def oxigraph_errors(path: Path) -> Iterator[None]:
    """Oxigraph's parse errors (and unreadable bytes) as :class:`RdfSyntaxError`."""
    try:
        yield
    except SyntaxError as exc:
        raise RdfSyntaxError(
            path, _reason(exc), line=exc.lineno, column=exc.offset or None
        ) from None
    except (OSError, EOFError) as exc:  # a corrupt .gz (gzip.BadGzipFile is an OSError)
        raise RdfSyntaxError(path, f"cannot read: {exc}") from None
    except ValueError as exc:  # e.g. an invalid IRI met after parsing
        raise RdfSyntaxError(path, str(exc) or type(exc).__name__) from None


def prescan(opener: Callable[[], contextlib.AbstractContextManager[IO[bytes]]], path: Path) -> bool:
    """One pass over the bytes: refuse a DTD in RDF/XML; True when a derived integer
    datatype is named (:data:`DERIVED_INTEGERS`).

    Raises:
        UnsafeInputError: RDF/XML with ``<!DOCTYPE`` or ``<!ENTITY`` (line and column given).
    """
    xml = rdf_format(path) == "xml"
    derived = False
    line, tail = 1, b""
    with oxigraph_errors(path), opener() as stream:
        while chunk := stream.read(_CHUNK):
            window = tail + chunk
            if xml:
                _refuse_dtd(path, window, line - tail.count(b"\n"))
            derived = derived or any(r.search(window) for r in _DERIVED_RES)
            if derived and not xml:
                break
            line += chunk.count(b"\n")
            tail = chunk[-_OVERLAP:]
    return derived


def has_a_triple(
    opener: Callable[[], contextlib.AbstractContextManager[IO[bytes]]], fmt: str, base: str
) -> bool:
    """The file holds at least one triple (parsed up to the first one only)."""
    with opener() as stream:
        return next(iter(ox.parse(stream, OX_FORMATS[fmt], base_iri=base)), None) is not None


def first_lines(path: Path, iris: set[str]) -> dict[str, int]:
    """For each IRI of ``iris``, the first line of ``path`` that starts with it
    (``<iri>``, or a prefixed name declared above), when ``path`` is Turtle, TriG,
    N-Triples or N-Quads; one pass, stopped when every IRI is found."""
    if not iris or rdf_format(path) not in LINE_FORMATS:
        return {}
    wanted = {f"<{iri}>".encode(): iri for iri in iris}
    prefixes: dict[bytes, bytes] = {}
    found: dict[str, int] = {}
    with open_stream(path) as stream:
        for number, line in enumerate(stream, start=1):
            parts = line.split(None, 1)
            if not parts:
                continue
            head = parts[0]
            if head[:1] != b"<":
                head = _expand(head, line, prefixes)
            iri = wanted.get(head)
            if iri is not None and iri not in found:
                found[iri] = number
                if len(found) == len(wanted):
                    break
    return found


# --- helpers -----------------------------------------------------------------


def _expand(head: bytes, line: bytes, prefixes: dict[bytes, bytes]) -> bytes:
    """``head`` (a prefixed name) as ``<iri>``; a prefix declaration is recorded."""
    if head.lower() in (b"@prefix", b"prefix"):
        match = _PREFIX_LINE.match(line)
        if match:
            prefixes[match.group(1) or b""] = match.group(2)
        return b""
    name, colon, local = head.partition(b":")
    namespace = prefixes.get(name) if colon else None
    return b"" if namespace is None else b"<" + namespace + local + b">"


def _refuse_dtd(path: Path, window: bytes, first_line: int) -> None:
    match = _DTD_RE.search(window)
    if match is None:
        return
    line = first_line + window.count(b"\n", 0, match.start())
    column = match.start() - (window.rfind(b"\n", 0, match.start()) + 1) + 1
    keyword = match.group(1).decode("ascii").upper()
    raise UnsafeInputError(
        path,
        f"RDF/XML with <!{keyword}> refused: DTDs and entity declarations are "
        "not allowed (entity expansion)",
        line=line,
        column=column,
    )


def _reason(exc: SyntaxError) -> str:
    """Oxigraph's message without its ``Parser error at line 1 column 2:`` prefix."""
    text = str(exc.msg or exc).strip()
    reason = re.sub(
        r"^Parser error at line \d+ (?:between )?columns? \d+(?: and \d+)?:\s*", "", text
    )
    return reason or "syntax error"
