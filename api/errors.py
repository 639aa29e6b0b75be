"""Domain errors with stable, machine-readable codes.

Every error the service reports on purpose is a :class:`CcaiError` subclass with
a ``code`` (stable, documented, never localised), a human ``message`` and a
``spec`` link to the rule it enforces. The web layer (``api/web/errors.py``)
maps each class to an HTTP status; anything else is an internal error whose
text never reaches the client.

Errors cross the worker-process boundary as plain data
(:meth:`CcaiError.to_wire` / :func:`from_wire`), never as pickled tracebacks.

>>> err = QuerySyntaxError("Expected '}'", line=1, column=12, offset=11)
>>> err.code, err.position
('malformed-query', {'line': 1, 'column': 12, 'offset': 11})
>>> from_wire(err.to_wire()).message
"Expected '}'"
"""

from __future__ import annotations

from typing import Any, ClassVar

PROTOCOL = "https://www.w3.org/TR/sparql11-protocol/"
QUERY_SPEC = "https://www.w3.org/TR/sparql11-query/"
RFC9110 = "https://www.rfc-editor.org/rfc/rfc9110"
RFC6585 = "https://www.rfc-editor.org/rfc/rfc6585"


class CcaiError(Exception):
    """Base class: a reportable error with a stable ``code``."""

    code: ClassVar[str] = "error"
    spec: ClassVar[str | None] = None

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    @property
    def error_code(self) -> str:
        """The stable code reported to clients (``{"error": code}``)."""
        return self.code

    def to_wire(self) -> dict[str, Any]:
        """Plain-data form, safe to send between processes."""
        return {"class": type(self).__name__, "message": self.message, "details": self.details}

    def __reduce__(self):  # pickling keeps keyword details
        return (_rebuild, (self.to_wire(),))


def _rebuild(wire: dict[str, Any]) -> CcaiError:
    return from_wire(wire)


class BadRequest(CcaiError):
    """The request breaks the SPARQL 1.1 Protocol (missing or repeated ``query``, bad encoding)."""

    code = "bad-request"
    # declared, not inferred as str: the REST subclasses reset it to None
    spec: ClassVar[str | None] = PROTOCOL + "#query-operation"


class QuerySyntaxError(BadRequest):
    """The query does not parse; carries the parser message and the position."""

    code = "malformed-query"
    spec = QUERY_SPEC + "#grammar"

    def __init__(
        self,
        message: str,
        *,
        line: int | None = None,
        column: int | None = None,
        offset: int | None = None,
    ) -> None:
        super().__init__(message, line=line, column=column, offset=offset)

    @property
    def position(self) -> dict[str, int] | None:
        pos = {k: v for k, v in self.details.items() if v is not None}
        return pos or None


class QueryTooComplex(BadRequest):
    """The query nests too deeply for the parser (``RecursionError``)."""

    code = "query-too-complex"


class UpdateNotAllowed(CcaiError):
    """SPARQL Update is not offered by this read-only service."""

    code = "update-not-allowed"
    spec = PROTOCOL + "#update-operation"


class UpdateNotAQuery(BadRequest):
    """SPARQL Update text sent to the query operation (the protocol says 400)."""

    code = "update-not-a-query"
    spec = PROTOCOL + "#query-operation"


class ForbiddenQueryFeature(CcaiError):
    """The query uses a feature refused for safety (``SERVICE``: outbound requests)."""

    code = "service-not-allowed"
    spec = QUERY_SPEC + "#sparql11-federated-query"

    def __init__(self, message: str, *, feature: str = "service-not-allowed") -> None:
        super().__init__(message, feature=feature)

    @property
    def error_code(self) -> str:
        return str(self.details.get("feature") or self.code)


class UnsupportedMediaType(CcaiError):
    """POST with a ``Content-Type`` the protocol does not define, or a non-UTF-8 charset."""

    code = "unsupported-media-type"
    spec = PROTOCOL + "#query-operation"


class NotAcceptable(CcaiError):
    """No offered result format matches the ``Accept`` header or ``format`` parameter."""

    code = "not-acceptable"
    spec = RFC9110 + "#name-406-not-acceptable"

    def __init__(
        self,
        message: str,
        *,
        available: list[str] | None = None,
        alternates: dict[str, str] | None = None,
    ) -> None:
        details: dict[str, Any] = {"available": list(available or alternates or [])}
        if alternates:
            details["alternates"] = dict(alternates)  # media type -> URL, sent as Link
        super().__init__(message, **details)


class RequestTooLarge(CcaiError):
    """The request body (or the query text) is larger than the configured cap."""

    code = "request-too-large"
    spec = RFC9110 + "#name-413-content-too-large"


class NotFound(CcaiError):
    """Nothing is published at this address (a resource, a named query, a file)."""

    code = "not-found"
    # declared, not inferred as str: the REST subclasses reset it to None
    spec: ClassVar[str | None] = RFC9110 + "#name-404-not-found"


class RequestTimeout(CcaiError):
    """The request body did not arrive within ``settings.body_timeout`` seconds."""

    code = "request-timeout"
    spec = RFC9110 + "#name-408-request-timeout"


class ResultTooLarge(CcaiError):
    """The result has more rows than ``max_result_rows``; it is refused, not truncated."""

    code = "result-too-large"
    spec = PROTOCOL + "#query-failure"


class QueryTimeout(CcaiError):
    """The query ran past its deadline and was stopped."""

    code = "query-timeout"
    spec = PROTOCOL + "#query-failure"


class TooManyQueries(CcaiError):
    """All query slots and the wait queue are full."""

    code = "too-many-queries"
    spec = RFC6585 + "#section-4"

    def __init__(self, message: str, *, retry_after: int = 1) -> None:
        super().__init__(message, retry_after=retry_after)

    @property
    def retry_after(self) -> int:
        return int(self.details.get("retry_after", 1))


class StoreUnavailable(CcaiError):
    """The store (or its worker processes) cannot answer right now."""

    code = "store-unavailable"
    spec = PROTOCOL + "#query-failure"

    @property
    def retry_after(self) -> int:
        return int(self.details.get("retry_after", 5))


class LongQueriesBusy(StoreUnavailable):
    """A query ran long while every place for long queries was taken; it was stopped."""

    code = "long-queries-busy"

    def __init__(self, message: str, *, retry_after: int = 2) -> None:
        CcaiError.__init__(self, message, retry_after=retry_after)


class QueryMemoryLimit(CcaiError):
    """The query needed more memory than a query may use; it was stopped."""

    code = "query-memory-limit"
    spec = PROTOCOL + "#query-failure"

    def __init__(self, message: str, *, limit_mb: int = 0) -> None:
        super().__init__(message, limit_mb=limit_mb)


SHACL_SPEC = "https://www.w3.org/TR/shacl/"
RDF_CONCEPTS = "https://www.w3.org/TR/rdf11-concepts/"


class MalformedRdf(BadRequest):
    """Uploaded RDF that does not parse (or holds no triple); with line and column when known."""

    code = "malformed-rdf"
    spec = RDF_CONCEPTS

    def __init__(self, message: str, *, line: int | None = None, column: int | None = None) -> None:
        CcaiError.__init__(self, message, line=line, column=column)

    @property
    def position(self) -> dict[str, int] | None:
        pos = {k: v for k in ("line", "column") if (v := self.details.get(k)) is not None}
        return pos or None


class UnsafeRdf(MalformedRdf):
    """Uploaded RDF that asks for something never done: a DTD or entity declarations
    (entity expansion, external entities), a remote JSON-LD ``@context``, a network fetch."""

    code = "unsafe-rdf"


class ValidationTimeout(CcaiError):
    """A SHACL validation ran past its deadline; its worker was stopped."""

    code = "validation-timeout"
    spec = SHACL_SPEC


class ValidationMemoryLimit(CcaiError):
    """A SHACL validation needed more memory than a validation may use; it was stopped."""

    code = "validation-memory-limit"
    spec = SHACL_SPEC

    def __init__(self, message: str, *, limit_mb: int = 0) -> None:
        super().__init__(message, limit_mb=limit_mb)


class ValidatorUnavailable(StoreUnavailable):
    """No validation worker can run right now (failed to start, or stopped unexpectedly)."""

    code = "validator-unavailable"
    spec = SHACL_SPEC


class TooManyValidations(TooManyQueries):
    """Every validation worker is busy and the wait queue is full (or the wait timed out)."""

    code = "too-many-validations"
    spec = RFC6585 + "#section-4"


class RemoteStoreError(CcaiError):
    """A remote store (issue 11) answered with something that is not a complete result."""

    code = "remote-store-error"
    spec = "https://www.rfc-editor.org/rfc/rfc9110#name-502-bad-gateway"


_REGISTRY: dict[str, type[CcaiError]] = {
    cls.__name__: cls
    for cls in (
        CcaiError,
        BadRequest,
        QuerySyntaxError,
        QueryTooComplex,
        UpdateNotAllowed,
        UpdateNotAQuery,
        ForbiddenQueryFeature,
        UnsupportedMediaType,
        NotAcceptable,
        NotFound,
        RequestTimeout,
        RequestTooLarge,
        ResultTooLarge,
        QueryTimeout,
        TooManyQueries,
        StoreUnavailable,
        LongQueriesBusy,
        QueryMemoryLimit,
        MalformedRdf,
        UnsafeRdf,
        ValidationTimeout,
        ValidationMemoryLimit,
        ValidatorUnavailable,
        TooManyValidations,
        RemoteStoreError,
    )
}


def from_wire(wire: dict[str, Any]) -> CcaiError:
    """Rebuild an error sent by :meth:`CcaiError.to_wire` (unknown classes → base class)."""
    cls = _REGISTRY.get(str(wire.get("class")), CcaiError)
    details = dict(wire.get("details") or {})
    message = str(wire.get("message", ""))
    err = cls.__new__(cls)
    CcaiError.__init__(err, message, **details)
    return err
