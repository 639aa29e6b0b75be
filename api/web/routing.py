"""Routing helpers shared by the routers.

:func:`get_and_head` registers a handler for GET (documented in OpenAPI) and
HEAD (same handler, left out of OpenAPI: one route with both methods would give
both operations the same operation id). :func:`allowed_methods` lists what a
path accepts (the ``Allow`` header of 405 and ``OPTIONS``). :func:`content` and
:func:`error_responses` write the ``responses=`` of a route, so that OpenAPI
declares every status and media type it answers with. :class:`Alternate` and
:func:`link_header` build the ``Link`` header of a described resource.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import APIRouter, routing
from starlette.routing import Match
from starlette.types import Scope

from api.rest.models import ErrorBody

_F = TypeVar("_F", bound=Callable[..., Any])


def get_and_head(router: APIRouter, path: str, **kwargs: Any) -> Callable[[_F], _F]:
    """Decorator: ``handler`` answers GET and HEAD on ``path`` of ``router``."""

    def register(func: _F) -> _F:
        router.get(path, **kwargs)(func)
        router.head(path, **{**kwargs, "include_in_schema": False})(func)
        return func

    return register


_METHOD_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def http_routes(app: Any) -> Iterator[Any]:
    """Every HTTP route of ``app``, included routers flattened (``path``, ``methods``, ``matches``).

    FastAPI ≥ 0.12x keeps included routers as one entry of ``app.routes``;
    :func:`fastapi.routing.iter_route_contexts` walks them. Older versions list
    the routes themselves.
    """
    routes = getattr(app, "routes", [])
    contexts = getattr(routing, "iter_route_contexts", None)
    for route in contexts(routes) if contexts is not None else routes:
        if getattr(route, "methods", None):
            yield route


def allowed_methods(scope: Scope) -> list[str]:
    """The methods the routes of ``scope["app"]`` accept on the request's path, with ``OPTIONS``.

    Empty when no route has that path.
    """
    methods: set[str] = set()
    for route in http_routes(scope.get("app")):
        match, _ = route.matches(scope)
        if match is not Match.NONE:
            methods |= route.methods
    if not methods:
        return []
    methods.add("OPTIONS")
    return sorted(methods, key=lambda m: _METHOD_ORDER.index(m) if m in _METHOD_ORDER else 99)


# --- OpenAPI: statuses and media types -----------------------------------------------------

#: What an error body may be: JSON (:class:`ErrorBody`) or, when the client prefers it, text.
ERROR_MEDIA_TYPES = ("application/json", "text/plain")

_ERROR_DESCRIPTIONS = {
    400: "Bad request (invalid parameter or request)",
    403: "Refused on purpose (SPARQL Update, SERVICE)",
    404: "Not found",
    406: "No offered media type is acceptable",
    408: "The request body did not arrive in time",
    413: "Request (body or query) too large",
    415: "Unsupported request media type",
    429: "Too many queries at once (Retry-After)",
    503: "Store or build unavailable (Retry-After)",
    504: "Query timed out",
    507: "Query stopped at its memory limit",
}
#: Statuses the HTTP layer may send on any route (405, 408, 413, 431 …).
_OTHER_CLIENT_ERRORS = "Other client errors the HTTP layer sends on any route (405, 408, 413, 431)"


def content(*media_types: str) -> dict[str, Any]:
    """OpenAPI ``content`` for a body that is one of ``media_types``.

    The schema is a string, or any JSON value for a JSON media type.

    >>> content("text/turtle", "application/ld+json")
    {'text/turtle': {'schema': {'type': 'string'}}, 'application/ld+json': {'schema': {}}}
    """
    return {m: {"schema": {} if m.endswith("json") else {"type": "string"}} for m in media_types}


def error_responses(
    *statuses: int, media_types: tuple[str, ...] = ERROR_MEDIA_TYPES
) -> dict[int | str, dict[str, Any]]:
    """``responses=`` entries for ``statuses`` and ``4XX``: :class:`ErrorBody` in ``media_types``.

    ``application/json`` bodies are typed by :class:`ErrorBody`; the other
    media types are strings. Declaring ``4XX`` also keeps FastAPI from
    documenting a 422 the app never sends.

    >>> sorted(error_responses(404), key=str)
    [404, '4XX']
    """
    others = content(*(m for m in media_types if m != "application/json"))
    out: dict[int | str, dict[str, Any]] = {
        status: {
            "model": ErrorBody,
            "description": _ERROR_DESCRIPTIONS.get(status, "Error"),
            "content": others,
        }
        for status in statuses
    }
    out["4XX"] = {"model": ErrorBody, "description": _OTHER_CLIENT_ERRORS, "content": others}
    return out


# --- Link headers ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Alternate:
    """Another representation of a resource, for ``Link: <…>; rel="alternate"``."""

    media_type: str
    href: str
    title: str


def link_header(alternates: list[Alternate], canonical: str, extra: str = "") -> str:
    """The ``Link`` header value: every alternate, the canonical IRI, then ``extra``.

    >>> link_header([Alternate("text/turtle", "/x.ttl", "Turtle")], "https://w3id.org/ccai/x")
    '</x.ttl>; rel="alternate"; type="text/turtle", <https://w3id.org/ccai/x>; rel="canonical"'
    """
    parts = [f'<{a.href}>; rel="alternate"; type="{a.media_type}"' for a in alternates]
    parts.append(f'<{canonical}>; rel="canonical"')
    if extra:
        parts.append(extra)
    return ", ".join(parts)
