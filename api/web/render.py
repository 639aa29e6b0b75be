"""Render a page of the web interface in the visitor's language.

:func:`page` renders a template of ``api/web/templates/`` with the language of
the request (:func:`api.web.i18n.choose_language`: ``?lang=``, the ``lang``
cookie, ``Accept-Language``), its translator ``t``, the links that switch the
language (:func:`language_urls`), and answers ``text/html`` with ``Vary:
Accept, Accept-Language, Cookie`` (by default: a page at an address that fixes
its format does not vary with ``Accept``); a ``?lang=`` is remembered in the cookie.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment

from api.web.i18n import COOKIE, LANGUAGES, choose_language, translator

VARY = "Accept, Accept-Language, Cookie"


@cache
def environment() -> Environment:
    from api.linked_data.service import template_environment

    return template_environment()


def language(request: Request) -> str:
    """The page language of ``request``."""
    return choose_language(
        request.query_params.get("lang"),
        request.cookies.get(COOKIE),
        request.headers.get("accept-language"),
    )


def language_urls(request: Request) -> dict[str, str]:
    """For each interface language, this page's URL with ``?lang=`` set to it."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    out = {}
    for code in LANGUAGES:
        query = "&".join(f"{k}={v}" for k, v in (*((k, _q(v)) for k, v in params), ("lang", code)))
        out[code] = f"{request.url.path}?{query}"
    return out


def _q(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")


def context(request: Request, **values: Any) -> dict[str, Any]:
    """The template variables every page gets, plus ``values``."""
    lang = language(request)
    return {"lang": lang, "t": translator(lang), "lang_urls": language_urls(request), **values}


def page(
    request: Request,
    template: str,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    vary: str = VARY,
    **values: Any,
) -> HTMLResponse:
    """The HTML response of ``template`` for ``request`` (see the module docstring)."""
    body = environment().get_template(template).render(**context(request, **values))
    response = HTMLResponse(body, status_code=status_code, headers=headers)
    response.headers["Vary"] = vary
    remember_language(request, response)
    return response


def remember_language(request: Request, response: Response) -> None:
    """Set the ``lang`` cookie on ``response`` when ``request`` chose one with ``?lang=``."""
    chosen = request.query_params.get("lang", "").lower()
    if chosen in LANGUAGES:
        response.set_cookie(COOKIE, chosen, max_age=365 * 86400, samesite="lax")
