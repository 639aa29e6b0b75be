"""The SPARQL 1.1 Protocol *query operation*: turn an HTTP request into a :class:`ProtocolRequest`.

Three ways to send a query (SPARQL 1.1 Protocol §2.1):

* GET: ``?query=…&default-graph-uri=…&named-graph-uri=…``;
* POST ``application/x-www-form-urlencoded``: the same parameters in the body;
* POST ``application/sparql-query``: the body is the query (UTF-8), the graph
  URIs go in the URL.

Rules enforced here (status in brackets): exactly one ``query`` (several → 400;
none on POST → 400; none on GET → the service description); a POST with another
or no ``Content-Type`` → 415, a declared charset other than UTF-8 → 415, a body
that is not UTF-8 → 400; ``update=`` or ``application/sparql-update`` → 403
(read-only endpoint); a query longer than ``max_query_chars`` → 413.
Also read: ``format`` (overrides ``Accept``; see :mod:`api.negotiation`) and
``inference`` (``false`` = asserted graphs only).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl

from api.errors import BadRequest, RequestTooLarge, UnsupportedMediaType, UpdateNotAllowed
from api.sparql.safety import UPDATE_MESSAGE

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


@dataclass(frozen=True)
class ProtocolRequest:
    """A parsed query request (``query`` None: the client asked for the service description)."""

    query: str | None
    default_graph_uris: tuple[str, ...] = ()
    named_graph_uris: tuple[str, ...] = ()
    format: str | None = None
    inference: bool | None = None
    accept: str | None = None

    @property
    def has_protocol_dataset(self) -> bool:
        return bool(self.default_graph_uris or self.named_graph_uris)


def _parse_pairs(text: str | bytes, where: str) -> list[tuple[str, str]]:
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise BadRequest(f"The {where} is not valid UTF-8.") from None
    try:
        return parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise BadRequest(f"The {where} has invalid percent-encoding (UTF-8 expected).") from None


def _media_type(content_type: str | None) -> tuple[str, dict[str, str]]:
    if not content_type:
        return "", {}
    main, *params = content_type.split(";")
    parsed = {}
    for p in params:
        key, _, value = p.partition("=")
        parsed[key.strip().lower()] = value.strip().strip('"').lower()
    return main.strip().lower(), parsed


def _check_charset(params: dict[str, str]) -> None:
    charset = params.get("charset")
    if charset is not None and charset not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(
            f"charset={charset} is not supported: send the query as UTF-8 (charset=utf-8)."
        )


def _one(values: list[str], name: str) -> str | None:
    if len(values) > 1:
        raise BadRequest(f"Exactly one '{name}' parameter is allowed; got {len(values)}.")
    return values[0] if values else None


def _values(pairs: list[tuple[str, str]], name: str) -> list[str]:
    return [v for k, v in pairs if k == name]


def _inference(value: str | None) -> bool | None:
    if value is None:
        return None
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise BadRequest("The 'inference' parameter takes true or false.")


def parse_request(
    method: str,
    *,
    query_string: str,
    content_type: str | None,
    body: bytes,
    accept: str | None,
    max_query_chars: int,
) -> ProtocolRequest:
    """Read a query request per the SPARQL 1.1 Protocol (see the module docstring).

    >>> qs = "query=ASK%7B%7D&default-graph-uri=http%3A%2F%2Fe%2Fg"
    >>> r = parse_request("GET", query_string=qs, content_type=None, body=b"",
    ...                   accept=None, max_query_chars=100)
    >>> r.query, r.default_graph_uris
    ('ASK{}', ('http://e/g',))
    """
    url_pairs = _parse_pairs(query_string, "query string")
    if _values(url_pairs, "update"):
        raise UpdateNotAllowed(UPDATE_MESSAGE)

    if method == "GET":
        pairs = url_pairs
        query = _one(_values(pairs, "query"), "query")
    elif method == "POST":
        media, params = _media_type(content_type)
        if media == SPARQL_UPDATE:
            raise UpdateNotAllowed(UPDATE_MESSAGE)
        if media == FORM:
            _check_charset(params)
            body_pairs = _parse_pairs(body, "request body")
            if _values(body_pairs, "update"):
                raise UpdateNotAllowed(UPDATE_MESSAGE)
            pairs = url_pairs + body_pairs
            query = _one(_values(pairs, "query"), "query")
        elif media == SPARQL_QUERY:
            _check_charset(params)
            if _values(url_pairs, "query"):
                raise BadRequest(
                    "Exactly one query is allowed: the body of an application/sparql-query "
                    "POST is the query, so the URL must not carry 'query' too."
                )
            try:
                query = body.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise BadRequest(
                    f"The query body is not valid UTF-8 (byte {exc.start}); "
                    "application/sparql-query bodies must be UTF-8."
                ) from None
            pairs = url_pairs
        else:
            raise UnsupportedMediaType(
                f"POST a query as {FORM} (query=…) or as {SPARQL_QUERY}; "
                f"got {content_type or 'no Content-Type'}."
            )
        if query is None or not query.strip():
            raise BadRequest("The POST request carries no query.")
    else:  # pragma: no cover - the router only routes GET and POST here
        raise BadRequest(f"Method {method} is not part of the query operation.")

    if query is not None and len(query) > max_query_chars:
        raise RequestTooLarge(
            f"The query is {len(query)} characters long; the limit is {max_query_chars}."
        )
    if query is not None and not query.strip():
        raise BadRequest("The 'query' parameter is empty.")
    return ProtocolRequest(
        query=query,
        default_graph_uris=tuple(_values(pairs, "default-graph-uri")),
        named_graph_uris=tuple(_values(pairs, "named-graph-uri")),
        format=_one(_values(pairs, "format"), "format"),
        inference=_inference(_one(_values(pairs, "inference"), "inference")),
        accept=accept,
    )
