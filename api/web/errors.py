"""Map domain errors to HTTP responses with stable codes.

Body: ``{"error": code, "message": …, "spec": link}`` (plus ``position`` for a
malformed query, ``available`` for 406), or the same as ``text/plain`` when the
client prefers it. What the HTTP layer rejects gets the same body: unknown
routes (404), methods (405, with the full ``Allow`` list; ``OPTIONS`` answers
204 with it), invalid parameters (400, never FastAPI's 422), a body that does
not arrive in time (408, connection closed). A client that disconnects while
sending its body is no error of ours: logged at debug level, nothing is
answered. Unexpected exceptions become a generic 500; their text and
traceback go to the server log only.
"""

from __future__ import annotations

import json
import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.responses import Response

from api import errors as e
from api.negotiation import ERROR_FORMATS, choose
from api.web.routing import allowed_methods

log = logging.getLogger("ccai.web")


class RequestTimeout(e.CcaiError):
    """The request body did not arrive within ``settings.body_timeout`` seconds."""

    code = "request-timeout"
    spec = e.RFC9110 + "#name-408-request-timeout"


#: Domain error class -> HTTP status (first match in MRO order wins).
STATUS: dict[type[e.CcaiError], int] = {
    e.QuerySyntaxError: 400,
    e.QueryTooComplex: 400,
    e.BadRequest: 400,
    e.ResultTooLarge: 400,
    e.UpdateNotAllowed: 403,
    e.ForbiddenQueryFeature: 403,
    e.NotAcceptable: 406,
    RequestTimeout: 408,
    e.RequestTooLarge: 413,
    e.UnsupportedMediaType: 415,
    e.TooManyQueries: 429,
    e.StoreUnavailable: 503,
    e.QueryTimeout: 504,
    e.QueryMemoryLimit: 507,
}

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


def status_for(exc: e.CcaiError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


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
    accept = request.headers.get("accept") if request is not None else None
    body: dict = {"error": code, "message": message, "spec": spec}
    body.update(extra or {})
    if choose(accept, list(ERROR_FORMATS)) == "text/plain":
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


async def ccai_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, e.CcaiError)
    status = status_for(exc)
    extra: dict = {}
    headers: dict[str, str] = {}
    if isinstance(exc, e.QuerySyntaxError) and exc.position:
        extra["position"] = exc.position
    if isinstance(exc, e.NotAcceptable):
        extra["available"] = exc.details.get("available", [])
    if isinstance(exc, e.TooManyQueries):
        headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, e.StoreUnavailable):
        headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, RequestTimeout):
        headers["Connection"] = "close"  # the rest of the body is never read
    if status >= 500:
        log.warning("%s %s -> %d %s", request.method, request.url.path, status, exc.error_code)
    return error_response(
        request, status, exc.error_code, exc.message, spec=exc.spec, extra=extra, headers=headers
    )


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
    return error_response(request, 400, "bad-request", "The request parameters are invalid.")


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
