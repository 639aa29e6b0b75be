"""Parse a query before it runs and refuse what must never run.

pyoxigraph executes ``SERVICE <url>`` (and ``LOAD``) with a Rust HTTP client that
Python audit hooks cannot see (``/work/shared/notes/security.md``), and its
Python API exposes no algebra. So every query is parsed first with rdflib's
SPARQL 1.1 grammar (``rdflib.plugins.sparql.parser.parseQuery``) and the parse
tree is walked: a ``ServiceGraphPattern`` anywhere (top level, subquery,
OPTIONAL, MINUS, UNION, GRAPH, FILTER EXISTS / NOT EXISTS, ``SERVICE SILENT``,
``SERVICE ?var``) refuses the query. Text that parses as SPARQL Update instead
(``INSERT``, ``DELETE``, ``LOAD``, ``CLEAR`` …) is refused as an update.

``FROM`` / ``FROM NAMED`` are allowed: pyoxigraph only *selects* graphs it
already holds (an IRI it does not hold is an empty graph; nothing is fetched;
``tests/web/test_safety_inert.py`` proves it with a loopback listener).

rdflib's parser is recursive: deeply nested queries raise ``RecursionError``,
reported as ``query-too-complex`` (400). Worker processes raise the recursion
limit and parse on a large stack (:func:`call_with_deep_stack`), so long but
flat queries (thousands of triple patterns) pass there; the in-process
backend keeps the interpreter's limit (about 100 ``.``-separated triple
patterns).

>>> analyse("PREFIX ex: <http://e/> SELECT * FROM <http://e/g> { ?s ex:p ?o }")
QueryInfo(form='SELECT', has_dataset=True)
>>> analyse("SELECT * { OPTIONAL { SERVICE <http://127.0.0.1/> { ?s ?p ?o } } }")
Traceback (most recent call last):
...
api.errors.ForbiddenQueryFeature: SERVICE (federated query) is not allowed on this endpoint...
"""

from __future__ import annotations

import functools
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from pyparsing import ParseBaseException, ParseResults
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue

from api.errors import ForbiddenQueryFeature, QuerySyntaxError, QueryTooComplex, UpdateNotAllowed

_FORMS = {
    "SelectQuery": "SELECT",
    "AskQuery": "ASK",
    "ConstructQuery": "CONSTRUCT",
    "DescribeQuery": "DESCRIBE",
}

SERVICE_MESSAGE = (
    "SERVICE (federated query) is not allowed on this endpoint: it would make the server "
    "send requests to other hosts. Query the data here, or download the dumps at /download."
)
UPDATE_MESSAGE = (
    "This is a read-only SPARQL endpoint: SPARQL Update (INSERT, DELETE, LOAD, CLEAR, …) "
    "is not accepted. Download the dumps at /download to work on a copy."
)


@dataclass(frozen=True)
class QueryInfo:
    """What the service needs to know about a query before running it."""

    form: str  # SELECT | ASK | CONSTRUCT | DESCRIBE
    has_dataset: bool  # FROM or FROM NAMED present


def node_names(node: Any, acc: set[str] | None = None) -> set[str]:
    """Every ``CompValue`` name in an rdflib parse tree (iterative: no recursion limit)."""
    acc = set() if acc is None else acc
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, CompValue):
            acc.add(n.name)
            stack.extend(n.values())
        elif isinstance(n, (list, tuple, ParseResults)):
            stack.extend(n)
    return acc


def _syntax_error(exc: ParseBaseException) -> QuerySyntaxError:
    return QuerySyntaxError(
        f"The query does not parse: {exc}",
        line=exc.lineno,
        column=exc.col,
        offset=exc.loc,
    )


def _is_update(query: str) -> bool:
    try:
        parseUpdate(query)
    except (ParseBaseException, RecursionError, ValueError, TypeError):
        return False
    return True


@functools.lru_cache(maxsize=256)
def analyse(query: str) -> QueryInfo:
    """Parse ``query`` and return its form, or raise the reason it must not run.

    Results are cached by query text (rdflib's parser costs 10-50 ms a query;
    errors are not cached and re-raise on every call).

    Raises:
        QuerySyntaxError: not SPARQL 1.1 Query syntax (message, line, column, offset).
        QueryTooComplex: nested too deeply for the parser.
        UpdateNotAllowed: the text is a SPARQL Update request.
        ForbiddenQueryFeature: ``SERVICE`` anywhere in the query.
    """
    try:
        tree = parseQuery(query)
    except ParseBaseException as exc:
        if _is_update(query):
            raise UpdateNotAllowed(UPDATE_MESSAGE) from None
        raise _syntax_error(exc) from None
    except RecursionError:
        raise QueryTooComplex(
            "The query is nested too deeply (or has too many triple patterns in one group) "
            "for the parser; simplify it."
        ) from None
    names = node_names(tree)
    if "ServiceGraphPattern" in names:
        raise ForbiddenQueryFeature(SERVICE_MESSAGE)
    form = next((f for name, f in _FORMS.items() if name in names), None)
    if form is None:  # pragma: no cover - the grammar admits only the four forms
        raise QuerySyntaxError("The query has no SELECT, ASK, CONSTRUCT or DESCRIBE form.")
    return QueryInfo(form=form, has_dataset="DatasetClause" in names)


T = TypeVar("T")

DEEP_STACK_BYTES = 512 * 1024 * 1024
DEEP_RECURSION_LIMIT = 60_000


def raise_recursion_limit() -> None:
    """For worker processes only: allow the parser's deep recursion (see module doc)."""
    sys.setrecursionlimit(max(sys.getrecursionlimit(), DEEP_RECURSION_LIMIT))


def call_with_deep_stack(fn: Callable[..., T], *args: Any) -> T:
    """Run ``fn(*args)`` on a fresh thread with a large stack and return its result."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn(*args)
        except BaseException as exc:
            box["error"] = exc

    old = threading.stack_size(DEEP_STACK_BYTES)
    try:
        thread = threading.Thread(target=target, name="ccai-deep-stack", daemon=True)
        thread.start()
    finally:
        threading.stack_size(old)
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]
