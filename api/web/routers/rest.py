"""The REST API: ``/api/queries``, ``/api/queries/{name}``, ``/api/search``, ``/api/classes``.

=================================  ===========================================================
route                              answers
=================================  ===========================================================
``GET /api/queries``               the named queries with their parameters (JSON)
``GET /api/queries/{name}``        one route per ``queries/<name>.rq`` (SELECT): its typed
                                   parameters + ``page``, ``page_size``, ``format``; JSON
                                   (:class:`~api.rest.models.QueryPage`) or CSV
``GET /api/search``                ``q``, ``lang``, ``type``, ``page``, ``page_size``: ranked
                                   label search (:class:`~api.rest.models.SearchPage`)
``GET /api/classes``               the ontology's classes with instance counts
``GET /api/classes/{name}``        instances of a class by label, paged; 404 unknown class
=================================  ===========================================================

Status codes: ``200``; ``400`` ``invalid-parameter`` (a value that does not fit
its parameter; ``parameter`` names it) or ``unknown-parameter`` (a query
parameter the route does not declare, or one given twice); ``404``
``not-found``; ``406`` when ``Accept`` allows neither JSON nor CSV; the store's
errors as on ``/sparql`` (``504`` query-timeout, ``429``, ``503``).

The routes are generated from the query registry when the router is built, so
each named query is its own OpenAPI operation (summary = title, description,
tags, one typed query parameter per ``# param:``). Handlers hold no SPARQL and
call one function of :mod:`api.rest` each.

Services (:mod:`api.web.deps`): the store, the settings and the catalogue
(label index and class list, built at start-up by the app's lifespan). Errors
are :class:`~api.errors.CcaiError` subclasses rendered by the app's one error
handler (:mod:`api.web.errors`).

Wiring, in ``create_app``::

    from api.web.routers import rest
    app.include_router(rest.build_router())
"""

from __future__ import annotations

import inspect
from collections import Counter
from collections.abc import Callable, Coroutine
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.dependencies.models import Dependant
from fastapi.responses import Response
from fastapi.routing import APIRoute

from api.queries import MAX_STRING_LENGTH, NamedQuery, Parameter, load_queries
from api.rest import named, service
from api.rest.errors import UnknownParameter
from api.rest.models import ClassList, ClassPage, QueryList, QueryPage, SearchPage
from api.rest.paging import MAX_PAGE, MAX_PAGE_SIZE, PageLinks
from api.rest.search import MAX_QUERY_LENGTH
from api.web.deps import CatalogueDep, SettingsDep, StoreDep
from api.web.routing import content, error_responses, get_and_head

# --- the route class: declared parameters only ------------------------------------------


def _query_names(dependant: Dependant) -> set[str]:
    names = {f.alias for f in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


class RestRoute(APIRoute):
    """Refuses undeclared or repeated query parameters (400 ``unknown-parameter``).

    Errors are raised, and rendered by the app's one handler like every other.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        allowed = _query_names(self.dependant)

        async def route(request: Request) -> Response:
            counts = Counter(key for key, _ in request.query_params.multi_items())
            for key, count in counts.items():
                if key not in allowed:
                    expected = ", ".join(sorted(allowed)) or "none"
                    raise UnknownParameter(
                        key, f"not a parameter of this operation (expected: {expected})"
                    )
                if count > 1:
                    raise UnknownParameter(key, "given more than once")
            return await handler(request)

        return route


# --- shared parameters -------------------------------------------------------------------


def page_links(request: Request, settings: SettingsDep) -> PageLinks:
    return PageLinks(settings.public_base_url, request.url.path, request.query_params.multi_items())


LinksDep = Annotated[PageLinks, Depends(page_links)]
PageParam = Annotated[int, Query(ge=1, le=MAX_PAGE, description="Page number, from 1.")]


def _page_size(default: int) -> Any:
    """The ``Query(...)`` of a ``page_size`` parameter (``Annotated`` metadata)."""
    return Query(ge=1, le=MAX_PAGE_SIZE, description=f"Rows per page (default {default}).")


QueryPageSize = Annotated[int, _page_size(100)]
SearchPageSize = Annotated[int, _page_size(20)]
ClassPageSize = Annotated[int, _page_size(50)]


#: Every operation: a bad parameter, and what the store may answer (see the module docstring).
ERRORS: dict[int | str, dict[str, Any]] = error_responses(400, 429, 503, 504, 507)
ERRORS[400]["description"] = "invalid-parameter or unknown-parameter"

# --- named queries ---------------------------------------------------------------------------

#: OpenAPI schema of each parameter type (values are validated by NamedQuery.render).
_SCHEMAS: dict[str, dict[str, Any]] = {
    "iri": {"type": "string", "format": "iri", "minLength": 1},
    "string": {"type": "string", "minLength": 1, "maxLength": MAX_STRING_LENGTH},
    "integer": {"type": "integer"},
    "decimal": {"type": "number"},
    "date": {"type": "string", "format": "date"},
    "year": {"type": "string", "pattern": r"^\d{4}$"},
    "language": {"type": "string", "pattern": r"^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$"},
}


def _example(param: Parameter) -> Any:
    """The default as a JSON value of the parameter's OpenAPI type."""
    if param.default is None:
        return None
    if param.type == "integer":
        return int(param.default)
    if param.type == "decimal":
        return float(param.default)
    return param.default


def _query_parameter(param: Parameter, index: int) -> inspect.Parameter:
    """The endpoint argument for one ``# param:`` (typed in OpenAPI, a string to Python)."""
    schema = dict(_SCHEMAS[param.type])
    description = param.description or param.name
    if param.default is not None:
        schema["default"] = _example(param)
        description += f" Default: {param.default}."
    else:
        description += " Optional: left out, it matches anything."
    example = _example(param)
    query = Query(
        alias=param.name,
        description=f"({param.type}) {description}",
        examples=[example] if example is not None else None,
        json_schema_extra=schema,
    )
    # The default is passed as the Python default too (the binding is the same
    # either way), so that OpenAPI shows it.
    return inspect.Parameter(
        f"param_{index}",
        inspect.Parameter.KEYWORD_ONLY,
        annotation=Annotated[str, query],
        default=_example(param),
    )


def _named_query_endpoint(query: NamedQuery) -> Callable[..., Coroutine[Any, Any, Response]]:
    """An endpoint whose signature declares the query's parameters (for FastAPI and OpenAPI)."""
    names = [p.name for p in query.parameters]

    async def endpoint(**kwargs: Any) -> Response:
        answer = await named.run(
            kwargs["store"],
            kwargs["settings"],
            query,
            {
                name: None if kwargs[f"param_{i}"] is None else str(kwargs[f"param_{i}"])
                for i, name in enumerate(names)
            },
            page=kwargs["page"],
            page_size=kwargs["page_size"],
            format_param=kwargs["format"],
            accept=kwargs["request"].headers.get("accept"),
            links=kwargs["links"],
        )
        return Response(answer.body, media_type=answer.media_type, headers=answer.headers)

    kw = inspect.Parameter.KEYWORD_ONLY
    parameters = [
        inspect.Parameter("request", kw, annotation=Request),
        inspect.Parameter("store", kw, annotation=StoreDep),
        inspect.Parameter("settings", kw, annotation=SettingsDep),
        inspect.Parameter("links", kw, annotation=LinksDep),
        *(_query_parameter(p, i) for i, p in enumerate(query.parameters)),
        inspect.Parameter("page", kw, annotation=PageParam, default=1),
        inspect.Parameter("page_size", kw, annotation=QueryPageSize, default=100),
        inspect.Parameter(
            "format",
            kw,
            annotation=Annotated[
                Literal["json", "csv"],
                Query(description="Output format; overrides Accept (application/json, text/csv)."),
            ],
            default=None,
        ),
    ]
    endpoint.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    endpoint.__name__ = "query_" + query.name.replace("-", "_")
    endpoint.__doc__ = query.description
    return endpoint


def _add_named_query(router: APIRouter, query: NamedQuery) -> None:
    params = "".join(
        f"\n- `{p.name}` ({p.type}"
        + (f", default `{p.default}`" if p.default is not None else ", optional")
        + f"): {p.description}"
        for p in query.parameters
    )
    description = query.description + (f"\n\nParameters:{params}" if params else "")
    description += (
        "\n\nJSON by default; CSV with `Accept: text/csv` or `format=csv`. "
        "Pages with `page` and `page_size` (the `next` link, or a `Link` header)."
    )
    get_and_head(
        router,
        named.operation_path(query.name),
        summary=query.title,
        description=description,
        tags=list(query.tags) or ["queries"],
        operation_id="query_" + query.name.replace("-", "_"),
        response_model=None,
        responses={
            200: {
                "model": QueryPage,
                "description": "One page of results",
                "content": content("text/csv"),
            },
            **ERRORS,
            406: {**ERRORS[400], "description": "Accept allows neither JSON nor CSV"},
        },
    )(_named_query_endpoint(query))


# --- the router ------------------------------------------------------------------------------


def build_router(queries: dict[str, NamedQuery] | None = None) -> APIRouter:
    """The REST routes, with one operation per SELECT query of ``queries``.

    ``queries`` defaults to :func:`api.queries.load_queries` (``queries/*.rq``).

    Raises:
        ValueError: a query declares a parameter named ``page``, ``page_size`` or ``format``.
    """
    offered = named.exposed(load_queries() if queries is None else queries)
    router = APIRouter(route_class=RestRoute)

    @get_and_head(
        router,
        "/api/queries",
        summary="The named queries and their parameters",
        tags=["queries"],
        response_model=QueryList,
        responses=ERRORS,
    )
    async def list_queries(settings: SettingsDep) -> QueryList:
        return named.describe(offered, settings)

    for query in offered.values():
        _add_named_query(router, query)

    @get_and_head(
        router,
        "/api/search",
        summary="Search labels",
        description=(
            "Full-text search over the labels (rdfs:label, skos:prefLabel, skos:altLabel, "
            "dct:title) of entities, concepts and source documents, in every language; "
            "accent- and case-insensitive; ranked exact > prefix > word prefix > all words "
            "> substring."
        ),
        tags=["search"],
        response_model=SearchPage,
        responses=ERRORS,
    )
    async def search(
        catalogue: CatalogueDep,
        links: LinksDep,
        q: Annotated[
            str,
            Query(max_length=MAX_QUERY_LENGTH, description="Text to find.", examples=["museum"]),
        ],
        lang: Annotated[
            str | None,
            Query(
                min_length=1, description="Only labels in this language (e.g. nl).", examples=["nl"]
            ),
        ] = None,
        type_: Annotated[
            str | None,
            Query(
                alias="type",
                min_length=1,
                description="Only resources of this class (or a subclass): a class name "
                "of the ontology (Organisation) or a class IRI.",
                examples=["Organisation"],
            ),
        ] = None,
        page: PageParam = 1,
        page_size: SearchPageSize = 20,
    ) -> SearchPage:
        return await service.search(
            catalogue, q=q, lang=lang, type_=type_, page=page, page_size=page_size, links=links
        )

    @get_and_head(
        router,
        "/api/classes",
        summary="Classes of the ontology with instance counts",
        tags=["classes"],
        response_model=ClassList,
        responses=ERRORS,
    )
    async def list_classes(catalogue: CatalogueDep) -> ClassList:
        return await service.list_classes(catalogue)

    @get_and_head(
        router,
        "/api/classes/{name}",
        summary="Instances of a class, sorted by label",
        tags=["classes"],
        response_model=ClassPage,
        responses={**ERRORS, 404: {**ERRORS[400], "description": "No such class"}},
    )
    async def class_instances(
        catalogue: CatalogueDep,
        links: LinksDep,
        name: str,
        page: PageParam = 1,
        page_size: ClassPageSize = 50,
    ) -> ClassPage:
        return await service.class_instances(
            catalogue, name, page=page, page_size=page_size, links=links
        )

    return router
