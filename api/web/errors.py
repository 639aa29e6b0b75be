"""One error model: every error is a :class:`~api.errors.CcaiError`, mapped to a
status in one table (:data:`STATUS`) and rendered by one function
(:func:`render_error`), whichever router raised it.

The body is the client's choice (``Accept``):

* ``application/json`` (the default): ``{"error": code, "message": …, "spec":
  link}`` plus the error's public details: ``position`` (malformed query),
  ``available`` (406: the media types on offer, always a list), ``parameter``
  (the REST parameter at fault), ``iri`` and ``suggestions`` (a 404 for one
  of our IRIs), ``limit_mb`` (507);
* ``text/html`` (browsers): the site's error page, with the suggestions as
  links (a 406: the alternates), in the language the pages would have
  (``?lang=``, the ``lang`` cookie, ``Accept-Language``; ``Vary: Accept,
  Accept-Language, Cookie``): title, explanation and link labels are
  translated, the ``message`` is shown as it is (English);
* ``text/plain``: ``code: message`` and the same details, one per line;
* an RDF format on a 404: a well-formed, empty document (zero triples).

Headers: ``Retry-After`` (429, 503), ``Allow`` (405), ``Link`` with the
alternates (406), ``Connection: close`` (408), ``Vary: Accept``.

What the HTTP layer rejects gets the same bodies: unknown routes (404),
methods (405, with the full ``Allow`` list; ``OPTIONS`` answers 204 with it),
invalid parameters (400, never FastAPI's 422), a body that does not arrive in
time (408). A client that disconnects while sending its body is no error of
ours: logged at debug level, nothing is answered. Unexpected exceptions
become a generic 500; their text and traceback go to the server log only.
"""

from __future__ import annotations

import json
import logging
from functools import cache
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from jinja2 import Environment
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.responses import Response

from api import errors as e
from api.errors import RequestTimeout
from api.negotiation import ERROR_FORMATS, choose
from api.web import render
from api.web.i18n import DEFAULT, STRINGS, translator
from api.web.routing import allowed_methods

log = logging.getLogger("ccai.web")

#: Domain error class -> HTTP status (first match in MRO order wins).
STATUS: dict[type[e.CcaiError], int] = {
    e.QuerySyntaxError: 400,
    e.QueryTooComplex: 400,
    e.BadRequest: 400,
    e.ResultTooLarge: 400,
    e.UpdateNotAllowed: 403,
    e.ForbiddenQueryFeature: 403,
    e.NotFound: 404,
    e.NotAcceptable: 406,
    RequestTimeout: 408,
    e.RequestTooLarge: 413,
    e.UnsupportedMediaType: 415,
    e.TooManyQueries: 429,
    e.StoreUnavailable: 503,
    e.QueryTimeout: 504,
    e.QueryMemoryLimit: 507,
    e.RemoteStoreError: 502,
    e.ValidationTimeout: 504,
    e.ValidationMemoryLimit: 507,
}

#: Codes of the errors the HTTP layer raises itself (Starlette's HTTPException).
_HTTP_CODES = {
    400: "bad-request",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    408: "request-timeout",
    413: "request-too-large",
    415: "unsupported-media-type",
    431: "request-header-fields-too-large",
}
#: Details an error may show its client (anything else stays in the server).
_PUBLIC_DETAILS = ("position", "available", "parameter", "iri", "suggestions", "limit_mb")
_RDF_EMPTY = {
    "text/turtle": "",
    "application/n-triples": "",
    "application/ld+json": "{}",
    "application/rdf+xml": (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>\n'
    ),
}


def status_for(exc: e.CcaiError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


def _base(request: Request | None) -> str:
    services = getattr(getattr(request, "app", None), "state", None)
    settings = getattr(getattr(services, "services", None), "settings", None)
    if settings is not None:
        return settings.public_base_url
    return str(request.base_url) if request is not None else "/"


@cache
def _templates() -> Environment:
    from api.linked_data.service import template_environment

    return template_environment()


def _public(details: dict[str, Any], base: str) -> dict[str, Any]:
    out = {k: details[k] for k in _PUBLIC_DETAILS if details.get(k) not in (None, [], {})}
    if "suggestions" in out:  # public paths or canonical IRIs -> addresses of this service
        from api.linked_data.iris import to_public

        out["suggestions"] = [
            to_public(str(s), base) if "://" in str(s) else base + str(s).lstrip("/")
            for s in out["suggestions"]
        ]
    return out


def error_response(
    request: Request | None,
    status: int,
    code: str,
    message: str,
    *,
    spec: str | None = None,
    extra: dict | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """The one rendering of an error (see the module docstring for the forms)."""
    accept = request.headers.get("accept") if request is not None else None
    base = _base(request)
    details = _public(extra or {}, base)
    body: dict = {"error": code, "message": message, "spec": spec, **details}
    headers = {"Vary": "Accept", **(headers or {})}
    offered = [*ERROR_FORMATS, "text/html", *(_RDF_EMPTY if status == 404 else ())]
    wanted = (extra or {}).get("representation")  # fixed by the address (a .ttl URL)
    if wanted not in offered:
        wanted = choose(accept, offered) if accept else "application/json"
    if wanted == "text/html":
        return _html_page(request, status, message, body, base, extra or {}, headers)
    if wanted in _RDF_EMPTY:  # a well-formed, empty document: zero triples
        from api.negotiation import content_type_header

        headers["Content-Type"] = content_type_header(wanted)
        return Response(_RDF_EMPTY[wanted], status_code=status, headers=headers)
    if wanted == "text/plain":
        lines = [f"{code}: {message}"]
        lines += [f"{k}: {v}" for k, v in body.items() if k not in ("error", "message") and v]
        return Response(
            "\n".join(lines) + "\n",
            status_code=status,
            media_type="text/plain; charset=utf-8",
            headers=headers,
        )
    return Response(
        json.dumps(body, ensure_ascii=False),
        status_code=status,
        media_type="application/json",
        headers=headers,
    )


def _error_strings(status: int, lang: str) -> tuple[str, str]:
    """The title and the explanation of an error page for ``status`` in ``lang`` (the
    generic ones for a status without its own)."""
    t = translator(lang)
    own = f"error.{status}.title" in STRINGS
    prefix = f"error.{status}." if own else "error."
    return t(prefix + "title"), t(prefix + "text")


def _html_page(
    request: Request | None,
    status: int,
    message: str,
    body: dict[str, Any],
    base: str,
    extra: dict[str, Any],
    headers: dict[str, str],
) -> Response:
    """The site's error page, in the language the pages would have for ``request``
    (``?lang=``, the ``lang`` cookie, ``Accept-Language``: :mod:`api.web.render`).
    Titles, explanations and link labels follow it; ``message``, written for every
    client, is shown as it is (English), marked as such."""
    lang = render.language(request) if request is not None else DEFAULT
    title, explanation = _error_strings(status, lang)
    suggestions = [
        {"href": href, "text": href.removeprefix(base)} for href in body.get("suggestions", [])
    ]
    offered = extra.get("alternates") if status == 406 else None
    alternates = [
        {"href": href, "title": href.removeprefix(base), "media_type": media_type}
        for media_type, href in (offered or {}).items()
    ]
    html = (
        _templates()
        .get_template("not_found.html" if status == 404 else "error.html")
        .render(
            base=base,
            lang=lang,
            t=translator(lang),
            lang_urls=render.language_urls(request) if request is not None else {},
            title=title,
            explanation=explanation,
            message=message,
            retry_after=headers.get("Retry-After"),
            iri=body.get("iri"),
            suggestions=suggestions,
            query=str(body.get("iri") or "").rstrip("/").rpartition("/")[2].replace("-", " "),
            alternates=alternates,
        )
    )
    headers = {**headers, "Vary": render.VARY}  # the language follows the request too
    response = Response(html, status_code=status, media_type="text/html", headers=headers)
    if request is not None:
        render.remember_language(request, response)
    return response


def render_error(request: Request | None, exc: e.CcaiError) -> Response:
    """The response for a domain error: its status from :data:`STATUS`, its body by Accept."""
    status = status_for(exc)
    details = dict(exc.details)
    headers: dict[str, str] = {}
    if isinstance(exc, e.QuerySyntaxError | e.MalformedRdf) and exc.position:
        details["position"] = exc.position
    if isinstance(exc, e.TooManyQueries | e.StoreUnavailable):
        headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, e.NotAcceptable) and details.get("alternates"):
        headers["Link"] = ", ".join(
            f'<{href}>; rel="alternate"; type="{media}"'
            for media, href in details["alternates"].items()
        )
    if isinstance(exc, RequestTimeout):
        headers["Connection"] = "close"  # the rest of the body is never read
    if status >= 500 and request is not None:
        log.warning("%s %s -> %d %s", request.method, request.url.path, status, exc.error_code)
    return error_response(
        request, status, exc.error_code, exc.message, spec=exc.spec, extra=details, headers=headers
    )


async def ccai_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, e.CcaiError)
    return render_error(request, exc)


async def http_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http-error")
    message = exc.detail if isinstance(exc.detail, str) else code
    headers = dict(getattr(exc, "headers", None) or {})
    if exc.status_code == 405:
        allow = ", ".join(allowed_methods(request.scope))
        if request.method == "OPTIONS":
            return Response(status_code=204, headers={"Allow": allow})
        headers["Allow"] = allow
    return error_response(request, exc.status_code, code, message, headers=headers or None)


async def validation_error_handler(request: Request, exc: Exception) -> Response:
    """FastAPI's parameter validation: 400 ``invalid-parameter`` naming the parameter."""
    assert isinstance(exc, RequestValidationError)
    first: dict[str, Any] = next(iter(exc.errors()), {})
    loc = [str(part) for part in first.get("loc", ()) if part not in ("query", "path", "body")]
    name = loc[-1] if loc else "request"
    reason = str(first.get("msg", "invalid value"))
    return error_response(
        request,
        400,
        "invalid-parameter",
        f"parameter {name!r}: {reason}",
        extra={"parameter": name},
    )


async def client_disconnected_handler(request: Request, exc: Exception) -> Response:
    log.debug("client disconnected during %s %s", request.method, request.url.path)
    # Nobody reads this; the server drops it (the connection is gone).
    return Response(status_code=400)


async def internal_error_handler(request: Request, exc: Exception) -> Response:
    log.exception("internal error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(
        request, 500, "internal-error", "An internal error occurred; it has been logged."
    )


def install(app: FastAPI) -> None:
    """Register every handler on ``app``."""
    app.add_exception_handler(e.CcaiError, ccai_error_handler)
    app.add_exception_handler(StarletteHTTPException, http_error_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_exception_handler(ClientDisconnect, client_disconnected_handler)
    app.add_exception_handler(Exception, internal_error_handler)
