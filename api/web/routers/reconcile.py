"""The W3C Entity Reconciliation API: 0.2 at ``/reconcile``, 1.0-draft at ``/reconcile/v1``.

=========================================  ===================================================
route                                      answers
=========================================  ===================================================
``GET /reconcile``                         the 0.2 manifest; with ``queries=`` a result batch,
                                           with ``extend=`` a data extension, with ``query=``
                                           one 0.1 query
``POST /reconcile``                        form ``queries=`` / ``extend=`` (what OpenRefine
                                           sends), or a 1.0 JSON batch (``application/json``)
``GET /reconcile/suggest/{kind}``          ``entity``, ``type`` or ``property`` by ``prefix``
``GET /reconcile/propose_properties``      properties of a ``type`` (data extension)
``GET /reconcile/preview``                 an HTML card for ``id``
``GET /reconcile/v1``                      the 1.0-draft manifest
``POST /reconcile/v1/match``               1.0 JSON batch → ``{"results": [...]}``
``GET /reconcile/v1/suggest/{kind}``       as above
``GET /reconcile/v1/preview``              as above
``POST /reconcile/v1/extend``              1.0 JSON extension query
``GET /reconcile/v1/extend/propose``       as ``propose_properties``
=========================================  ===================================================

Every JSON answer of the 0.2 routes may be wrapped for JSONP with
``callback=`` (a JavaScript identifier path, checked; ``application/javascript``,
``X-Content-Type-Options: nosniff``), as old OpenRefine versions fetch the
manifest. CORS comes from the app. Bad input (malformed JSON, an unknown type
or property, a batch over the limit) is 400 ``invalid-reconciliation-request``
naming the parameter; an unknown preview id 404; a body that is neither a
form nor JSON 415; a batch that takes longer than ``CCAI_QUERY_TIMEOUT`` to
match 504 ``query-timeout``. Handlers parse with :mod:`api.reconcile.models` and call
one method of :class:`~api.reconcile.service.ReconcileService`.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from api.errors import UnsupportedMediaType
from api.reconcile import models
from api.reconcile.models import ReconcileError
from api.web.deps import ReconcileDep
from api.web.routing import content, error_responses, get_and_head

router = APIRouter(prefix="/reconcile", tags=["reconciliation"])

_CALLBACK_RE = re.compile(r"^[A-Za-z_$][\w$]{0,99}(\.[A-Za-z_$][\w$]{0,99}){0,5}$")
_JSON_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "JSON (or JSONP with callback=)",
        "content": content("application/json", "application/javascript"),
    },
    **error_responses(400, 503, 504),
}
_POST_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "JSON", "content": content("application/json")},
    **error_responses(400, 413, 415, 503, 504),
}
Kind = Literal["entity", "type", "property"]
Callback = Annotated[
    str | None, Query(max_length=600, description="JSONP: wrap the answer in this function.")
]
Prefix = Annotated[str, Query(max_length=models.MAX_QUERY_CHARS, description="What was typed.")]
TypeParam = Annotated[str | None, Query(max_length=1000, description="A type id (class).")]
Cursor = Annotated[int, Query(ge=0, le=10_000, description="Results to skip.")]
Limit = Annotated[int, Query(ge=0, le=models.MAX_LIMIT, description="Results per answer.")]


def respond(body: Any, callback: str | None = None) -> Response:
    """``body`` as JSON, or as JSONP when ``callback`` is a safe identifier path."""
    text = json.dumps(body, ensure_ascii=False)
    if callback is None:
        return Response(text, media_type="application/json")
    if not _CALLBACK_RE.match(callback):
        raise ReconcileError("callback", "must be a JavaScript identifier (letters, digits, _ $ .)")
    # U+2028/2029 end a line in JavaScript (not in JSON); escape them for old engines.
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return Response(
        f"/**/{callback}({text});",
        media_type="application/javascript",
        headers={"X-Content-Type-Options": "nosniff"},
    )


async def _answer(
    service: ReconcileDep,
    *,
    queries: str | None,
    query: str | None,
    extend: str | None,
    version: str = "0.2",
) -> Any:
    given = [name for name, v in (("queries", queries), ("query", query), ("extend", extend)) if v]
    if len(given) > 1:
        raise ReconcileError(given[1], f"send either {given[0]!r} or {given[1]!r}, not both")
    if queries is not None:
        return await service.reconcile(models.parse_batch(queries, service.index))
    if query is not None:
        return await service.reconcile_one(models.parse_single(query, service.index))
    if extend is not None:
        extension = models.parse_extension(models.decode(extend, "extend"), service.index)
        return await service.extend(extension, version)
    return service.manifest(version)


@get_and_head(router, "", responses=_JSON_RESPONSES, summary="Manifest, or reconcile (0.2)")
async def reconcile_get(
    service: ReconcileDep,
    queries: Annotated[str | None, Query(description="A 0.2 query batch (JSON).")] = None,
    query: Annotated[str | None, Query(description="One 0.1 query (JSON or text).")] = None,
    extend: Annotated[str | None, Query(description="A data extension query (JSON).")] = None,
    callback: Callback = None,
) -> Response:
    """The 0.2 manifest; with ``queries``, ``query`` or ``extend``, their answer."""
    return respond(await _answer(service, queries=queries, query=query, extend=extend), callback)


async def _form_field(request: Request, name: str) -> str | None:
    form = await request.form(max_files=0, max_fields=20)
    value = form.get(name)
    if isinstance(value, UploadFile):  # pragma: no cover - max_files=0 refuses files
        raise ReconcileError(name, "must be a form field, not a file")
    return value


@router.post("", responses=_POST_RESPONSES, summary="Reconcile: form (0.2) or JSON (1.0)")
async def reconcile_post(
    request: Request, service: ReconcileDep, callback: Callback = None
) -> Response:
    """Form ``queries=`` or ``extend=`` (0.2, OpenRefine), or a 1.0 JSON batch."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media == "application/json":
        body = models.decode(await request.body(), "body")
        return respond(await service.match(models.parse_batch_v1(body, service.index)))
    if media not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        raise UnsupportedMediaType(
            "Send a form (application/x-www-form-urlencoded: queries=… or extend=…) "
            "or a 1.0 batch (application/json)."
        )
    try:
        queries, query, extend = [
            await _form_field(request, k) for k in ("queries", "query", "extend")
        ]
    except ReconcileError:
        raise
    except Exception:  # python-multipart's parse errors
        raise ReconcileError("body", "the form could not be parsed") from None
    if not (queries or query or extend):
        raise ReconcileError("queries", "the form has no 'queries' or 'extend' field")
    answer = await _answer(service, queries=queries, query=query, extend=extend)
    return respond(answer, callback)


def _suggest(
    service: ReconcileDep, kind: Kind, prefix: str, type_id: str | None, cursor: int, limit: int
) -> dict[str, Any]:
    if kind == "entity":
        return service.suggest_entity(prefix, type_id=type_id, cursor=cursor, limit=limit)
    if kind == "type":
        return service.suggest_type(prefix, cursor=cursor, limit=limit)
    return service.suggest_property(prefix, type_id=type_id, cursor=cursor, limit=limit)


@get_and_head(router, "/suggest/{kind}", responses=_JSON_RESPONSES, summary="Suggest (0.2)")
async def suggest(
    service: ReconcileDep,
    kind: Kind,
    prefix: Prefix = "",
    type: TypeParam = None,
    cursor: Cursor = 0,
    limit: Limit = 10,
    callback: Callback = None,
) -> Response:
    """Entities, types or properties whose names start with ``prefix``."""
    return respond(_suggest(service, kind, prefix, type, cursor, limit), callback)


@get_and_head(
    router, "/propose_properties", responses=_JSON_RESPONSES, summary="Propose properties (0.2)"
)
async def propose_properties(
    service: ReconcileDep,
    type: TypeParam = None,
    limit: Annotated[int | None, Query(ge=0, le=1000)] = None,
    callback: Callback = None,
) -> Response:
    """The properties the instances of ``type`` use, most used first."""
    return respond(service.propose_properties(type, limit), callback)


_PREVIEW_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "HTML", "content": content("text/html")},
    **error_responses(400, 404, 503),
}


@get_and_head(router, "/preview", responses=_PREVIEW_RESPONSES, summary="Preview (HTML)")
async def preview(
    service: ReconcileDep,
    id: Annotated[str, Query(max_length=1000, description="An entity id.")],
) -> HTMLResponse:
    """A small HTML card of the entity, for OpenRefine's preview pane."""
    return HTMLResponse(
        service.preview(id),
        headers={"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"},
    )


# --- 1.0-draft ---------------------------------------------------------------------------------


@get_and_head(router, "/v1", responses=_JSON_RESPONSES, summary="Manifest (1.0-draft)")
async def manifest_v1(service: ReconcileDep) -> Response:
    """The 1.0-draft manifest; its endpoints are below ``/reconcile/v1``."""
    return respond(service.manifest("1.0-draft"))


async def _json_body(request: Request) -> Any:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json":
        raise UnsupportedMediaType("Send the query as application/json.")
    return models.decode(await request.body(), "body")


@router.post("/v1/match", responses=_POST_RESPONSES, summary="Reconcile (1.0-draft)")
async def match_v1(request: Request, service: ReconcileDep) -> Response:
    """``{"queries": [{"conditions": [...]}]}`` → ``{"results": [{"candidates": [...]}]}``."""
    body = await _json_body(request)
    return respond(await service.match(models.parse_batch_v1(body, service.index)))


@get_and_head(router, "/v1/suggest/{kind}", responses=_JSON_RESPONSES, summary="Suggest (1.0)")
async def suggest_v1(
    service: ReconcileDep,
    kind: Kind,
    prefix: Prefix = "",
    type: TypeParam = None,
    cursor: Cursor = 0,
    limit: Limit = 10,
) -> Response:
    """Entities, types or properties whose names start with ``prefix``."""
    return respond(_suggest(service, kind, prefix, type, cursor, limit))


@get_and_head(router, "/v1/preview", responses=_PREVIEW_RESPONSES, summary="Preview (1.0)")
async def preview_v1(
    service: ReconcileDep,
    id: Annotated[str, Query(max_length=1000, description="An entity id.")],
) -> HTMLResponse:
    return await preview(service, id)


@router.post("/v1/extend", responses=_POST_RESPONSES, summary="Data extension (1.0)")
async def extend_v1(request: Request, service: ReconcileDep) -> Response:
    """``{"ids": [...], "properties": [{"id": …}]}`` → the values, 1.0 shape."""
    body = await _json_body(request)
    extension = models.parse_extension(body, service.index, parameter="body")
    return respond(await service.extend(extension, "1.0-draft"))


@get_and_head(
    router, "/v1/extend/propose", responses=_JSON_RESPONSES, summary="Propose properties (1.0)"
)
async def propose_v1(
    service: ReconcileDep,
    type: TypeParam = None,
    limit: Annotated[int | None, Query(ge=0, le=1000)] = None,
) -> Response:
    return respond(service.propose_properties(type, limit))
