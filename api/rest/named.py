"""Named queries (``queries/*.rq``) as REST operations: listing and running them.

Values are validated and bound by :meth:`api.queries.NamedQuery.render` (a
``VALUES`` block of RDF terms; never string replacement); a bad value raises
:class:`~api.rest.errors.InvalidParameter` naming the parameter. So does an
empty value (``?entity=``): leave a parameter out to get its default.

**Paging.** When the query's outermost solution modifiers have no ``LIMIT``,
``OFFSET`` or trailing ``VALUES`` of their own (:func:`pageable_in_sparql`),
``LIMIT page_size+1 OFFSET (page-1)*page_size`` is appended on a line of its
own after the query text (the extra row tells whether a next page exists);
every query of ``queries/`` is like that, and all have an ``ORDER BY``, so
pages are stable. Otherwise the whole result is fetched and sliced in Python.
(Wrapping the query as a sub-select is not possible: sub-selects cannot carry
the query's ``PREFIX`` declarations.)

**Formats.** ``format=json|csv`` or ``Accept`` (``application/json``, the
default, or ``text/csv``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from api.errors import NotAcceptable
from api.negotiation import choose
from api.queries import NamedQuery, ParameterError
from api.settings import Settings
from api.store.base import Store

from .errors import InvalidParameter
from .models import ParameterInfo, QueryInfo, QueryList, QueryPage
from .paging import PageLinks, offset
from .results import select, to_csv

JSON = "application/json"
CSV = "text/csv"
FORMATS = {"json": JSON, "csv": CSV}
#: Query-string names the REST layer uses itself; a named query may not declare them.
RESERVED = frozenset({"page", "page_size", "format"})
_SOLUTION_MODIFIERS = re.compile(r"\b(LIMIT|OFFSET|VALUES)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Answer:
    """A response body, its media type and extra headers."""

    body: bytes
    media_type: str
    headers: dict[str, str] = field(default_factory=dict)


def operation_path(name: str) -> str:
    return f"/api/queries/{name}"


def exposed(queries: dict[str, NamedQuery]) -> dict[str, NamedQuery]:
    """The queries offered as operations: the SELECT queries (tables page and export to CSV).

    Raises:
        ValueError: a query declares a parameter named like a reserved one.
    """
    out = {}
    for name, query in sorted(queries.items()):
        clash = RESERVED & {p.name for p in query.parameters}
        if clash:
            raise ValueError(f"{query.path}: parameter name(s) {sorted(clash)} are reserved")
        if query.form == "SELECT":
            out[name] = query
    return out


def describe(queries: dict[str, NamedQuery], settings: Settings) -> QueryList:
    """The listing of ``GET /api/queries``."""
    base = settings.public_base_url.rstrip("/")
    return QueryList(
        queries=[
            QueryInfo(
                name=q.name,
                title=q.title,
                description=q.description,
                tags=list(q.tags),
                parameters=[
                    ParameterInfo(
                        name=p.name, type=p.type, default=p.default, description=p.description
                    )
                    for p in q.parameters
                ],
                url=base + operation_path(q.name),
                sparql=q.text,
            )
            for q in queries.values()
        ]
    )


def pageable_in_sparql(query: NamedQuery) -> bool:
    """True when ``LIMIT … OFFSET …`` may be appended to the query text.

    Looks at the text after the last ``}`` (comment lines dropped): the outer
    solution modifiers. A ``LIMIT``/``OFFSET`` there, or a trailing ``VALUES``
    block, means the query must be paged in Python.
    """
    body = "\n".join(line for line in query.text.splitlines() if not line.lstrip().startswith("#"))
    tail = body[body.rfind("}") + 1 :]
    return query.form == "SELECT" and not _SOLUTION_MODIFIERS.search(tail)


def choose_format(format_param: str | None, accept: str | None) -> str:
    """``format`` wins over ``Accept``; raises :class:`api.errors.NotAcceptable` (406)."""
    if format_param:
        media = FORMATS.get(format_param)
        if media is None:
            raise InvalidParameter("format", f"expected one of {sorted(FORMATS)}")
        return media
    media = choose(accept, [JSON, CSV])
    if media is None:
        raise NotAcceptable(
            "The named-query operations answer application/json or text/csv.",
            available=[JSON, CSV],
        )
    return media


def bind(query: NamedQuery, values: dict[str, str]) -> tuple[str, dict[str, str]]:
    """The query text with ``values`` bound, and the bound values as strings."""
    try:
        text = query.render(values)
        bound = {var.value: term.value for var, term in query.bind(values).items()}
    except ParameterError as exc:
        raise InvalidParameter(exc.parameter, exc.message) from None
    return text, bound


async def run(
    store: Store,
    settings: Settings,
    query: NamedQuery,
    values: dict[str, str | None],
    *,
    page: int,
    page_size: int,
    format_param: str | None,
    accept: str | None,
    links: PageLinks,
) -> Answer:
    """Run one named query for ``GET /api/queries/{name}`` and serialise the page.

    Raises:
        InvalidParameter: a value that does not fit its parameter, or a bad ``format``.
        api.errors.NotAcceptable: ``Accept`` allows neither JSON nor CSV.
        api.errors.CcaiError: whatever the store raises (timeout, too many rows…).
    """
    media = choose_format(format_param, accept)
    given = {k: v for k, v in values.items() if v is not None}
    for name, value in given.items():
        if not value:
            raise InvalidParameter(name, "must not be empty; leave it out for the default")
    text, bound = bind(query, given)
    start = offset(page, page_size)
    if pageable_in_sparql(query):
        columns, rows = await select(
            store, settings, f"{text}\nLIMIT {page_size + 1} OFFSET {start}\n"
        )
        has_next = len(rows) > page_size
        rows = rows[:page_size]
    else:
        columns, rows = await select(store, settings, text)
        has_next = len(rows) > start + page_size
        rows = rows[start : start + page_size]
    previous, following = links.around(page, has_next)
    headers = {"Vary": "Accept"}
    link_header = ", ".join(
        f'<{url}>; rel="{rel}"' for rel, url in (("prev", previous), ("next", following)) if url
    )
    if link_header:
        headers["Link"] = link_header
    if media == CSV:
        filename = f"{query.name}-page-{page}.csv" if page > 1 else f"{query.name}.csv"
        headers["Content-Disposition"] = f'inline; filename="{filename}"'
        return Answer(to_csv(columns, rows).encode("utf-8"), "text/csv; charset=utf-8", headers)
    doc = QueryPage(
        query=query.name,
        title=query.title,
        parameters=bound,
        columns=columns,
        rows=rows,
        page=page,
        page_size=page_size,
        next=following,
        previous=previous,
    )
    return Answer(doc.model_dump_json().encode("utf-8"), JSON, headers)
