"""Errors of the REST API, with stable codes and their HTTP status.

=====================  ======  ==========================================================
class                  status  code
=====================  ======  ==========================================================
InvalidParameter       400     ``invalid-parameter`` (``parameter`` names the culprit)
UnknownParameter       400     ``unknown-parameter`` (a query parameter the route lacks)
NotFound               404     ``not-found``
=====================  ======  ==========================================================

All are :class:`api.errors.CcaiError` subclasses (``InvalidParameter`` and
``UnknownParameter`` of :class:`api.errors.BadRequest`, ``NotFound`` of
:class:`api.errors.NotFound`), so the app's one error table and renderer
(:mod:`api.web.errors`) give them their status and body
(``{"error": code, "message": …, "parameter": …}``).

>>> err = InvalidParameter("page", "must be at least 1")
>>> err.code, err.status, err.details["parameter"]
('invalid-parameter', 400, 'page')
"""

from __future__ import annotations

from typing import ClassVar

from api.errors import BadRequest, CcaiError
from api.errors import NotFound as NotFoundError

REST_DOC = "https://w3id.org/ccai/api#rest"


class RestError(CcaiError):
    """Base class of the REST errors; ``status`` is the HTTP status."""

    status: ClassVar[int] = 400
    spec: ClassVar[str | None] = None


class InvalidParameter(RestError, BadRequest):
    """A request value that does not fit its parameter (type, range, length)."""

    code = "invalid-parameter"

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(f"parameter {parameter!r}: {message}", parameter=parameter)


class UnknownParameter(RestError, BadRequest):
    """A query parameter the operation does not declare (or one given twice)."""

    code = "unknown-parameter"

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(f"parameter {parameter!r}: {message}", parameter=parameter)


class NotFound(RestError, NotFoundError):
    """No such named query or class."""

    code = "not-found"
    status = 404
