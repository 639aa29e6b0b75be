"""Content negotiation as data: the ``Accept`` parser and the media-type tables.

:func:`parse_accept` reads an ``Accept`` header as RFC 9110 §12.5.1 defines it
(q-values, ``*/*`` and ``type/*`` ranges, media-type parameters); a malformed
member is skipped, never fatal, and only the first :data:`MAX_ACCEPT_CHARS`
characters are read (whole members), so negotiation takes bounded time
whatever the client sends. :func:`choose` picks the offered type the
client prefers: highest q wins; the q of an offer is taken from the *most
specific* range that matches it (``text/turtle`` beats ``text/*`` beats
``*/*``, and a range with matching parameters beats one without); ``q=0``
excludes; ties go to the server's order in ``offered``.

>>> choose("text/*;q=0.5, text/turtle;q=0.1, */*;q=0.8", ["text/turtle", "text/csv"])
'text/csv'
>>> choose("application/json", ["text/turtle"]) is None
True
>>> choose(None, ["text/turtle", "application/n-triples"])
'text/turtle'

The tables below map each media type we answer with to the pyoxigraph format
that writes it (by name, so this module needs no RDF library), and the
``format`` request parameter (for browsers, which cannot set ``Accept``) to the
media type it stands for per query form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# --- media types we produce --------------------------------------------------------------

#: SELECT and ASK results: media type -> ``pyoxigraph.QueryResultsFormat`` attribute.
#: The first entry is the default (``Accept`` missing or ``*/*``).
RESULTS_FORMATS: dict[str, str] = {
    "application/sparql-results+json": "JSON",
    "application/sparql-results+xml": "XML",
    "text/csv": "CSV",
    "text/tab-separated-values": "TSV",
    "application/json": "JSON",  # alias: plain-JSON clients get SPARQL JSON results
}

#: CONSTRUCT and DESCRIBE results (and the service description):
#: media type -> ``pyoxigraph.RdfFormat`` attribute. First entry is the default.
RDF_FORMATS: dict[str, str] = {
    "text/turtle": "TURTLE",
    "application/n-triples": "N_TRIPLES",
    "application/ld+json": "JSON_LD",
    "application/rdf+xml": "RDF_XML",
    "application/trig": "TRIG",
    "application/n-quads": "N_QUADS",
}

#: ``?format=`` value -> (media type for SELECT/ASK, media type for CONSTRUCT/DESCRIBE).
#: ``None`` means the name makes no sense for that query form (→ 406).
FORMAT_PARAMETER: dict[str, tuple[str | None, str | None]] = {
    "json": ("application/sparql-results+json", "application/ld+json"),
    "xml": ("application/sparql-results+xml", "application/rdf+xml"),
    "csv": ("text/csv", None),
    "tsv": ("text/tab-separated-values", None),
    "turtle": (None, "text/turtle"),
    "ttl": (None, "text/turtle"),
    "ntriples": (None, "application/n-triples"),
    "nt": (None, "application/n-triples"),
    "jsonld": (None, "application/ld+json"),
    "rdfxml": (None, "application/rdf+xml"),
    "trig": (None, "application/trig"),
    "nquads": (None, "application/n-quads"),
}

#: Formats for error bodies.
ERROR_FORMATS: tuple[str, ...] = ("application/json", "text/plain")

_TEXTUAL = ("text/", "application/n-triples", "application/n-quads", "application/trig")


def content_type_header(media_type: str) -> str:
    """``Content-Type`` value: textual types carry ``charset=utf-8``.

    >>> content_type_header("text/csv"), content_type_header("application/sparql-results+json")
    ('text/csv; charset=utf-8', 'application/sparql-results+json')
    """
    if media_type.startswith(_TEXTUAL):
        return f"{media_type}; charset=utf-8"
    return media_type


# --- the Accept parser --------------------------------------------------------------------

_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"  # noqa: S105 - RFC 9110 token, not a secret
_RANGE_RE = re.compile(rf"^\s*({_TOKEN})/({_TOKEN})\s*$")
_PARAM_RE = re.compile(rf'^\s*({_TOKEN})\s*=\s*("(?:[^"\\]|\\.)*"|{_TOKEN})\s*$')
_Q_RE = re.compile(r"^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$")

#: Characters of an ``Accept`` header that are parsed; members beyond are ignored.
MAX_ACCEPT_CHARS = 4096


@dataclass(frozen=True)
class MediaRange:
    """One member of an ``Accept`` header."""

    type: str
    subtype: str
    params: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    q: float = 1.0

    @property
    def specificity(self) -> int:
        """3 + params for ``type/subtype``, 1 for ``type/*``, 0 for ``*/*``."""
        if self.type == "*":
            return 0
        if self.subtype == "*":
            return 1
        return 2 + (1 if self.params else 0)

    def matches(self, media_type: str) -> bool:
        mtype, _, rest = media_type.partition(";")
        main, _, sub = mtype.strip().lower().partition("/")
        if self.type != "*" and self.type != main:
            return False
        if self.subtype != "*" and self.subtype != sub:
            return False
        if self.params:
            offered = dict(_split_params(rest))
            return all(offered.get(k) == v for k, v in self.params)
        return True


def _split_params(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for piece in _split_outside_quotes(text, ";"):
        if not piece.strip():
            continue
        m = _PARAM_RE.match(piece)
        if not m:
            raise ValueError(piece)
        value = m.group(2)
        if value.startswith('"'):
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        out.append((m.group(1).lower(), value))
    return out


def _split_outside_quotes(text: str, sep: str) -> list[str]:
    parts, buf, quoted, escaped = [], [], False, False
    for ch in text:
        if escaped:
            buf.append(ch)
            escaped = False
        elif ch == "\\" and quoted:
            buf.append(ch)
            escaped = True
        elif ch == '"':
            buf.append(ch)
            quoted = not quoted
        elif ch == sep and not quoted:
            parts.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
    parts.append("".join(buf))
    return parts


def parse_accept(header: str | None) -> list[MediaRange]:
    """Parse an ``Accept`` header; malformed members are skipped.

    >>> [(r.type, r.subtype, r.q) for r in parse_accept("text/*;q=0.3, bogus, */*;q=x")]
    [('text', '*', 0.3)]
    >>> len(parse_accept("text/csv, " * 1_000_000)) == MAX_ACCEPT_CHARS // len("text/csv, ")
    True
    """
    if header is None:
        return []
    if len(header) > MAX_ACCEPT_CHARS:
        # Keep whole members: cut after the last comma within the bound.
        header = header[: header.rfind(",", 0, MAX_ACCEPT_CHARS + 1) + 1]
    ranges: list[MediaRange] = []
    for member in _split_outside_quotes(header, ","):
        if not member.strip():
            continue
        head, _, rest = member.partition(";")
        m = _RANGE_RE.match(head)
        if not m:
            continue
        mtype, sub = m.group(1).lower(), m.group(2).lower()
        if mtype == "*" and sub != "*":
            continue
        try:
            params = _split_params(rest)
        except ValueError:
            continue
        q, media_params, ok = 1.0, [], True
        for i, (name, value) in enumerate(params):
            if name == "q":
                if not _Q_RE.match(value):
                    ok = False
                    break
                q = float(value)
                # parameters after q are accept-extensions (RFC 7231), not media-type params
                del params[i + 1 :]
                break
            media_params.append((name, value.lower() if name == "charset" else value))
        if ok:
            ranges.append(MediaRange(mtype, sub, tuple(media_params), q))
    return ranges


def quality(ranges: list[MediaRange], media_type: str) -> float:
    """q of ``media_type`` under ``ranges``: the most specific matching range decides."""
    best: MediaRange | None = None
    for r in ranges:
        if r.matches(media_type) and (best is None or r.specificity > best.specificity):
            best = r
    return best.q if best else 0.0


def choose(accept_header: str | None, offered: list[str] | tuple[str, ...]) -> str | None:
    """The offered media type the client prefers, or ``None`` if none is acceptable.

    A missing or empty header (or one with no valid member) accepts anything:
    the first offer wins.
    """
    if not offered:
        return None
    ranges = parse_accept(accept_header)
    if not ranges:
        return offered[0]
    best, best_q = None, 0.0
    for media_type in offered:
        q = quality(ranges, media_type)
        if q > best_q:
            best, best_q = media_type, q
    return best


# --- conditional requests ------------------------------------------------------------------
def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """``If-None-Match`` matches ``etag`` (weak comparison, RFC 9110 §13.1.2).

    >>> etag_matches('W/"a", "b"', '"b"'), etag_matches('"a"', '"b"'), etag_matches("*", '"b"')
    (True, False, True)
    """
    if if_none_match is None:
        return False
    if if_none_match.strip() == "*":
        return True
    opaque = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == opaque for tag in if_none_match.split(","))


def prefers_html(accept_header: str | None, offered: list[str] | tuple[str, ...]) -> bool:
    """Whether a client asks for ``text/html`` by name and likes it at least as much as
    anything else in ``offered`` (a browser). ``*/*`` alone is no request for HTML, so a
    protocol client that sends it keeps its usual answer.

    >>> prefers_html("text/html,application/xhtml+xml,*/*;q=0.8", ["application/json"])
    True
    >>> prefers_html("*/*", ["application/json"])
    False
    >>> prefers_html("application/json, text/html;q=0.5", ["application/json"])
    False
    """
    ranges = parse_accept(accept_header)
    if not any(r.type == "text" and r.subtype == "html" and r.q > 0 for r in ranges):
        return False
    return choose(accept_header, ["text/html", *offered]) == "text/html"
