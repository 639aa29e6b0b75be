"""Reconciliation requests, parsed and checked: 0.2 query batches, 1.0-draft batches, extension.

Each parser takes the decoded JSON and the :class:`~api.reconcile.index.ReconIndex`
(to resolve type and property ids) and returns plain data; anything it cannot
accept raises :class:`ReconcileError` (HTTP 400, code
``invalid-reconciliation-request``, ``parameter`` naming the form field or
JSON member at fault) with a message that says what was wrong.

Limits: :data:`MAX_BATCH` queries per batch, :data:`MAX_QUERY_CHARS` characters
per query string, :data:`MAX_LIMIT` candidates per query (a larger ``limit`` is
lowered to it), :data:`MAX_EXTEND_IDS` ids and :data:`MAX_EXTEND_PROPERTIES`
properties per extension request.

>>> from api.reconcile.index import ReconIndex
>>> index = ReconIndex.from_rows(names=[])
>>> parse_batch('{"q0": {"query": "NEMO", "limit": 3}}', index)["q0"].limit
3
>>> try:
...     parse_batch('{"q0": {"query": "NEMO", "type": "Unicorn"}}', index)
... except ReconcileError as err:
...     print(err.details["parameter"], err.message[:39])
queries queries.q0.type: unknown type 'Unicorn'
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from api.errors import BadRequest
from api.errors import NotFound as NotFoundError

from .index import BASE, ReconIndex

SPEC_02 = "https://www.w3.org/community/reports/reconciliation/CG-FINAL-specs-0.2-20230410/"
SPEC_10 = "https://reconciliation-api.github.io/specs/1.0-draft/"
MAX_BATCH = 100
MAX_QUERY_CHARS = 500
MAX_LIMIT = 100
DEFAULT_LIMIT = 10
MAX_EXTEND_IDS = 500
MAX_EXTEND_PROPERTIES = 30
MAX_VALUES = 50  # values of one property constraint


class ReconcileError(BadRequest):
    """A reconciliation request that does not follow the protocol (HTTP 400)."""

    code = "invalid-reconciliation-request"
    spec = SPEC_02

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(f"{parameter}: {message}", parameter=parameter.split(".", 1)[0])

    def __str__(self) -> str:
        return self.message


class UnknownEntity(NotFoundError):
    """A preview for an id the graph does not have (HTTP 404)."""

    code = "not-found"


@dataclass(frozen=True)
class PropertyConstraint:
    """``pid``/``v`` of a 0.2 query, or a ``property`` condition of 1.0."""

    property: str  # predicate IRI
    values: tuple[str, ...]  # strings; an entity value as its IRI
    required: bool = False


@dataclass(frozen=True)
class Query:
    """One reconciliation query, whichever version it came in."""

    text: str | None
    classes: tuple[str, ...] = ()
    require_all: bool = False
    limit: int = DEFAULT_LIMIT
    constraints: tuple[PropertyConstraint, ...] = ()
    ids: tuple[str, ...] = field(default=())  # 1.0 "id" conditions: restrict to these IRIs


@dataclass(frozen=True)
class Extension:
    ids: tuple[str, ...]  # as the client sent them
    properties: tuple[tuple[str, int], ...]  # (property id as sent, value limit; 0 = all)


def decode(raw: str | bytes, parameter: str) -> Any:
    """The JSON value of a form field or body (400 naming ``parameter`` if malformed)."""
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        where = f" at line {exc.lineno}, column {exc.colno}"
        raise ReconcileError(parameter, f"not valid JSON{where}: {exc.msg}") from None
    except (ValueError, RecursionError):  # bad UTF-8, nesting too deep
        raise ReconcileError(parameter, "not valid JSON (encoding or nesting)") from None


def _limit(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise ReconcileError(where, "must be a number")
    if value < 0:
        raise ReconcileError(where, "must not be negative")
    return int(min(value, MAX_LIMIT))


def _types(value: Any, where: str, index: ReconIndex) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(t, str) for t in items):
        raise ReconcileError(where, "must be a type id or a list of type ids")
    if len(items) > 20:
        raise ReconcileError(where, "at most 20 types")
    out = []
    for type_id in items:
        iri = index.class_iri(type_id.strip())
        if iri is None:
            raise ReconcileError(
                where,
                f"unknown type {type_id[:100]!r}; the types are listed at /reconcile/suggest/type",
            )
        out.append(iri)
    return tuple(out)


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise ReconcileError(where, "must be a string")
    if len(value) > MAX_QUERY_CHARS:
        raise ReconcileError(where, f"longer than {MAX_QUERY_CHARS} characters")
    return value


def _values(value: Any, where: str) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    if len(items) > MAX_VALUES:
        raise ReconcileError(where, f"at most {MAX_VALUES} values")
    out = []
    for item in items:
        if isinstance(item, dict):
            if not isinstance(item.get("id"), str):
                raise ReconcileError(where, "an entity value needs a string 'id'")
            entity = item["id"]
            out.append(entity if "://" in entity else BASE + entity)
        elif isinstance(item, str | int | float) and not isinstance(item, bool):
            out.append(_text(str(item), where))
        elif isinstance(item, bool):
            out.append("true" if item else "false")
        else:
            raise ReconcileError(where, "a value is a string, a number, a boolean or {'id': …}")
    return tuple(out)


def _property(pid: Any, where: str, index: ReconIndex) -> str:
    if not isinstance(pid, str):
        raise ReconcileError(where, "must be a property id (string)")
    iri = index.property_iri(pid.strip())
    if iri is None:
        raise ReconcileError(
            where,
            f"unknown property {pid[:100]!r}; the properties are listed at "
            "/reconcile/suggest/property",
        )
    return iri


_QUERY_KEYS = {"query", "type", "limit", "properties", "type_strict"}


def parse_query(raw: Any, where: str, index: ReconIndex) -> Query:
    """One 0.2 query object (or a bare string, as 0.1 clients send)."""
    if isinstance(raw, str):
        return Query(text=_text(raw, where))
    if not isinstance(raw, dict):
        raise ReconcileError(where, "a query must be a JSON object")
    unknown = sorted(set(raw) - _QUERY_KEYS)
    if unknown:
        raise ReconcileError(where, f"unknown member {unknown[0][:50]!r}")
    text = _text(raw["query"], where + ".query") if "query" in raw else None
    constraints = []
    properties = raw.get("properties", [])
    if not isinstance(properties, list):
        raise ReconcileError(where + ".properties", "must be a list")
    for i, item in enumerate(properties):
        at = f"{where}.properties[{i}]"
        if not isinstance(item, dict) or "v" not in item or ("pid" not in item and "p" not in item):
            raise ReconcileError(at, "must be an object with 'pid' and 'v'")
        constraints.append(
            PropertyConstraint(
                _property(item.get("pid", item.get("p")), at + ".pid", index),
                _values(item["v"], at + ".v"),
            )
        )
    if text is None and not constraints:
        raise ReconcileError(where, "needs a 'query' or a non-empty 'properties'")
    strict = raw.get("type_strict", "any")
    if strict not in ("any", "should", "all"):
        raise ReconcileError(where + ".type_strict", "must be 'any', 'should' or 'all'")
    return Query(
        text=text,
        classes=_types(raw["type"], where + ".type", index) if raw.get("type") else (),
        require_all=strict == "all",
        limit=_limit(raw["limit"], where + ".limit") if "limit" in raw else DEFAULT_LIMIT,
        constraints=tuple(constraints),
    )


def parse_batch(
    raw: str | bytes, index: ReconIndex, parameter: str = "queries"
) -> dict[str, Query]:
    """A 0.2 query batch: ``{"q0": {...}, "q1": {...}}``."""
    batch = decode(raw, parameter)
    if not isinstance(batch, dict):
        raise ReconcileError(parameter, 'a query batch is a JSON object: {"q0": {"query": …}}')
    if len(batch) > MAX_BATCH:
        raise ReconcileError(
            parameter, f"{len(batch)} queries in one batch; at most {MAX_BATCH} are accepted"
        )
    return {str(k)[:200]: parse_query(v, f"{parameter}.{k}"[:120], index) for k, v in batch.items()}


def parse_single(raw: str, index: ReconIndex) -> Query:
    """The 0.1 ``query=`` parameter: a JSON query object or a plain string."""
    text = raw.strip()
    if text.startswith("{"):
        return parse_query(decode(text, "query"), "query", index)
    return Query(text=_text(raw, "query"))


_CONDITION_KEYS = {
    "matchType",
    "propertyId",
    "propertyValue",
    "required",
    "matchQuantifier",
    "matchQualifier",
}


def parse_batch_v1(body: Any, index: ReconIndex) -> list[Query]:
    """A 1.0-draft batch: ``{"queries": [{"type": …, "conditions": [...]}]}``."""
    if not isinstance(body, dict) or not isinstance(body.get("queries"), list):
        raise ReconcileError("queries", 'a 1.0 batch is {"queries": [...]}')
    queries = body["queries"]
    if len(queries) > MAX_BATCH:
        raise ReconcileError(
            "queries", f"{len(queries)} queries in one batch; at most {MAX_BATCH} are accepted"
        )
    out = []
    for i, raw in enumerate(queries):
        where = f"queries[{i}]"
        if not isinstance(raw, dict):
            raise ReconcileError(where, "a query must be a JSON object")
        unknown = sorted(set(raw) - {"type", "limit", "lang", "dir", "conditions"})
        if unknown:
            raise ReconcileError(where, f"unknown member {unknown[0][:50]!r}")
        conditions = raw.get("conditions")
        if not isinstance(conditions, list) or not conditions:
            raise ReconcileError(where + ".conditions", "needs at least one condition")
        names: list[str] = []
        ids: list[str] = []
        constraints = []
        for j, cond in enumerate(conditions):
            at = f"{where}.conditions[{j}]"
            if not isinstance(cond, dict) or "matchType" not in cond or "propertyValue" not in cond:
                raise ReconcileError(at, "needs 'matchType' and 'propertyValue'")
            unknown = sorted(set(cond) - _CONDITION_KEYS)
            if unknown:
                raise ReconcileError(at, f"unknown member {unknown[0][:50]!r}")
            values = _values(cond["propertyValue"], at + ".propertyValue")
            kind = cond["matchType"]
            if kind == "name":
                names.extend(values)
            elif kind == "id":
                ids.extend(v if v.startswith(BASE) else BASE + v for v in values)
            elif kind == "property":
                constraints.append(
                    PropertyConstraint(
                        _property(cond.get("propertyId"), at + ".propertyId", index),
                        values,
                        required=cond.get("required") is True,
                    )
                )
            else:
                raise ReconcileError(at + ".matchType", "must be 'name', 'id' or 'property'")
        out.append(
            Query(
                text=" ".join(names) if names else None,
                classes=_types(raw["type"], where + ".type", index) if raw.get("type") else (),
                limit=_limit(raw["limit"], where + ".limit") if "limit" in raw else DEFAULT_LIMIT,
                constraints=tuple(constraints),
                ids=tuple(ids),
            )
        )
    return out


def parse_extension(raw: Any, index: ReconIndex, parameter: str = "extend") -> Extension:
    """A data extension query: ``{"ids": [...], "properties": [{"id": …}]}``."""
    if not isinstance(raw, dict):
        raise ReconcileError(parameter, 'an extension query is {"ids": [...], "properties": [...]}')
    ids, properties = raw.get("ids"), raw.get("properties")
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise ReconcileError(parameter + ".ids", "must be a list of entity ids")
    if len(ids) > MAX_EXTEND_IDS:
        raise ReconcileError(parameter + ".ids", f"at most {MAX_EXTEND_IDS} ids per request")
    if not isinstance(properties, list) or not all(
        isinstance(p, dict) and isinstance(p.get("id"), str) for p in properties
    ):
        raise ReconcileError(parameter + ".properties", "must be a list of {'id': property id}")
    if len(properties) > MAX_EXTEND_PROPERTIES:
        raise ReconcileError(
            parameter + ".properties", f"at most {MAX_EXTEND_PROPERTIES} properties per request"
        )
    pids = []
    for i, p in enumerate(properties):
        at = f"{parameter}.properties[{i}]"
        _property(p["id"], at + ".id", index)
        settings = p.get("settings") or {}
        if not isinstance(settings, dict):
            raise ReconcileError(at + ".settings", "must be an object")
        raw_limit = settings.get("limit", 0)
        if isinstance(raw_limit, str) and raw_limit.strip().isdigit():  # OpenRefine sends text
            raw_limit = int(raw_limit)
        limit = _limit(raw_limit, at + ".settings.limit")
        pids.append((p["id"], limit))
    return Extension(ids=tuple(ids), properties=tuple(pids))
