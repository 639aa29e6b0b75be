"""Routing helpers shared by the routers.

:func:`get_and_head` registers a handler for GET (documented in OpenAPI) and
HEAD (same handler, left out of OpenAPI: one route with both methods would give
both operations the same operation id). :class:`Alternate` and
:func:`link_header` build the ``Link`` header of a described resource.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import APIRouter

_F = TypeVar("_F", bound=Callable[..., Any])


def get_and_head(router: APIRouter, path: str, **kwargs: Any) -> Callable[[_F], _F]:
    """Decorator: ``handler`` answers GET and HEAD on ``path`` of ``router``."""

    def register(func: _F) -> _F:
        router.get(path, **kwargs)(func)
        router.head(path, **{**kwargs, "include_in_schema": False})(func)
        return func

    return register


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
