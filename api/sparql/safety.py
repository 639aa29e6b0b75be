r"""Decide before a query runs whether it may run at all.

Two layers keep the service from sending requests on a client's behalf
(``SERVICE <url>``; ``LOAD`` cannot reach pyoxigraph's ``query()``, which
parses queries only):

1. :func:`analyse` reads the text with :mod:`api.sparql.lexer`, a lexer that
   follows the terminals of the SPARQL grammar as Oxigraph implements them
   (comments end at ``\r`` too; keywords match without a word boundary) and
   that counts a keyword seen in *any* reading engines may take (``\u``
   escapes resolved first or not). ``SERVICE`` anywhere is refused (403
   ``service-not-allowed``); SPARQL Update text is refused (400
   ``update-not-a-query``: the protocol's query operation takes queries only);
   brackets nested deeper than :data:`MAX_NESTING` are refused (400
   ``query-too-complex``: Oxigraph's recursive parser overflows its stack
   around 3,000 levels).
2. The engine that executes decides the rest: worker processes run under a
   kernel filter that forbids network sockets (:mod:`api.store.sandbox`); a
   query whose evaluation tries to open one is answered with the same 403,
   and nothing leaves the machine. The lexer is the fast, friendly path; the
   sandbox makes a disagreement between the lexer and Oxigraph harmless.

Syntax errors are Oxigraph's own (with its line and column), raised when the
query is parsed for execution. There is no second parser in the request path.

``FROM`` / ``FROM NAMED`` are allowed: pyoxigraph only *selects* graphs it
already holds (an IRI it does not hold is an empty graph; nothing is fetched;
``tests/web/test_safety_inert.py`` proves it with a loopback listener).

>>> analyse("PREFIX ex: <http://e/> SELECT * FROM <http://e/g> { ?s ex:p ?o }")
QueryInfo(form='SELECT', has_dataset=True, deterministic=True)
>>> analyse("SELECT (RAND() AS ?r) {}").deterministic
False
>>> analyse("SELECT * { # a comment ended by a CR\r SERVICE <http://127.0.0.1/> { } }")
Traceback (most recent call last):
...
api.errors.ForbiddenQueryFeature: SERVICE (federated query) is not allowed on this endpoint...
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from api.errors import ForbiddenQueryFeature, QueryTooComplex, UpdateNotAQuery
from api.sparql.lexer import NONDETERMINISTIC, scan

#: Deepest bracket nesting ({, (, [) accepted; pyoxigraph 0.5 crashes near 3,000.
MAX_NESTING = 256

_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
_UPDATES = ("INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH")

SERVICE_MESSAGE = (
    "SERVICE (federated query) is not allowed on this endpoint: it would make the server "
    "send requests to other hosts. Query the data here, or download the dumps at /download. "
    "(A word or prefix that contains SERVICE counts too: SPARQL engines read keywords "
    "without word boundaries.)"
)
UPDATE_MESSAGE = (
    "This is a read-only SPARQL endpoint: SPARQL Update (INSERT, DELETE, LOAD, CLEAR, …) "
    "is not accepted. Download the dumps at /download to work on a copy."
)
UPDATE_IN_QUERY_MESSAGE = (
    "The text is a SPARQL Update request, and the query operation takes queries only "
    "(SELECT, ASK, CONSTRUCT, DESCRIBE). This endpoint is read-only: download the dumps "
    "at /download to work on a copy."
)


@dataclass(frozen=True)
class QueryInfo:
    """What the service needs to know about a query before running it.

    ``form`` is ``None`` when no query form was found: the text does not parse
    and the engine reports where.
    """

    form: str | None  # SELECT | ASK | CONSTRUCT | DESCRIBE
    has_dataset: bool  # FROM or FROM NAMED present
    deterministic: bool = True  # False: NOW(), RAND(), UUID(), … or a template's new blank nodes


@functools.lru_cache(maxsize=1024)
def analyse(query: str) -> QueryInfo:
    """Return the form of ``query``, or raise the reason it must not run.

    Raises:
        ForbiddenQueryFeature: ``SERVICE`` anywhere in the query.
        UpdateNotAQuery: the text is a SPARQL Update request.
        QueryTooComplex: brackets nested deeper than :data:`MAX_NESTING`.
    """
    seen = scan(query)
    if "SERVICE" in seen.keywords:
        raise ForbiddenQueryFeature(SERVICE_MESSAGE)
    if seen.depth > MAX_NESTING:
        raise QueryTooComplex(
            f"The query nests brackets {seen.depth} levels deep; the limit is {MAX_NESTING}. "
            "Simplify it."
        )
    if seen.first in _UPDATES:
        raise UpdateNotAQuery(UPDATE_IN_QUERY_MESSAGE)
    form = seen.first if seen.first in _FORMS else None
    deterministic = not (seen.keywords & NONDETERMINISTIC) and not (
        form == "CONSTRUCT" and seen.blank_nodes
    )
    return QueryInfo(form=form, has_dataset="FROM" in seen.keywords, deterministic=deterministic)
