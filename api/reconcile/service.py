"""The reconciliation service: one object, built once per app, beside its lifespan.

:meth:`ReconcileService.start` builds the matching index in a thread, from
the rows the build recorded (:mod:`api.reconcile.recorded`) or, without
them, from the four SELECTs of :func:`api.reconcile.index.read_rows` through
the :class:`~api.store.reader.Reader`; the app starts it in the background
and its routes wait for it (:mod:`api.web.services`). Name matching, suggestions, type and
property lists and previews are answered from the index; the store is read
during a request only for property values (constraints of a query, data
extension): one ``values.rq`` SELECT per batch, the IRIs bound as RDF terms.

Each public method takes parsed input (:mod:`api.reconcile.models`) and
returns the JSON document of its answer.

**Candidates.** ``id`` (the IRI below ``https://w3id.org/ccai/``), ``name``
(the English label, else another), ``type`` (the most specific classes),
``description``, ``score`` (0–100) and ``match`` (:func:`~api.reconcile.index.is_match`:
score ≥ 85 and ≥ 10 ahead of the next candidate, which is looked at even
when ``limit`` is 1).

**Type filters.** ``type`` (one id or a list) keeps the resources of at least
one of the types, directly or through a subclass; ``type_strict: "all"``
requires all of them (``any`` and ``should`` both mean at least one).

**Property constraints** (0.2 ``properties: [{pid, v}]``, 1.0 ``property``
conditions). The best of up to 30 name candidates are compared on each
property: equal IRIs or ids score 1, text is compared with the name matcher
(against an entity value's names too). The final score is 0.7 × the name
score + 0.3 × the mean of the property scores; a 1.0 condition with
``required: true`` drops candidates whose value scores below 0.85. A query
with properties but no name finds nothing (the service matches on names).

**Bounds.** Matching runs in a thread (the event loop goes on serving); a
batch that takes longer than ``timeout`` seconds (the service's query
timeout) is stopped between two queries with
:class:`~api.errors.QueryTimeout` (504).
"""

from __future__ import annotations

import asyncio
import html
import re
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from api.errors import QueryTimeout
from api.store.reader import Reader

from .index import (
    BASE,
    Candidate,
    PropertyInfo,
    ReconIndex,
    Resource,
    Text,
    is_match,
    normalise,
    read_rows,
    score,
)
from .manifest import manifest_v02, manifest_v1
from .models import Extension, Query, ReconcileError, UnknownEntity
from .queries import render
from .recorded import Rows

XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGER_TYPES = """
    integer int long short byte nonNegativeInteger positiveInteger nonPositiveInteger
    negativeInteger unsignedLong unsignedInt unsignedShort unsignedByte
"""
_INTEGERS = {XSD + t for t in _INTEGER_TYPES.split()}
_FLOATS = {XSD + "decimal", XSD + "double", XSD + "float"}
_DATE_TIME_RE = re.compile(
    r"^(-?(?:[1-9][0-9]*)?[0-9]{4})-(1[0-2]|0[1-9])-(3[01]|0[1-9]|[12][0-9])"
    r"T(2[0-3]|[01][0-9]):([0-5][0-9]):([0-5][0-9])(\.[0-9]+)?(Z|[+-](?:2[0-3]|[01][0-9]):[0-5][0-9])?$"
)
CONSTRAINT_POOL = 30
NAME_WEIGHT = 0.7
REQUIRED_SCORE = 0.85
_CHUNK = 400  # IRIs per VALUES block
MAX_SUGGEST = 50


class Value:
    """One value of a property of a resource, as read from the store."""

    __slots__ = ("datatype", "is_iri", "label", "language", "value")

    def __init__(
        self,
        value: str,
        is_iri: bool,
        datatype: str | None,
        language: str | None,
        label: str | None,
    ) -> None:
        self.value, self.is_iri, self.datatype = value, is_iri, datatype
        self.language, self.label = language, label


class ReconcileService:
    """Matching, suggestions, previews and data extension over one build's index."""

    def __init__(
        self, index: ReconIndex, reader: Reader, base: str, *, timeout: float = 30.0
    ) -> None:
        self.index = index
        self.reader = reader
        self.base = base
        self.timeout = timeout  # seconds to match one batch (then 504 query-timeout)

    @classmethod
    async def start(
        cls,
        reader: Reader,
        base: str,
        *,
        timeout: float | None = None,
        page: int = 50_000,
        batch_timeout: float = 30.0,
        rows: Rows | None = None,
    ) -> ReconcileService:
        """Build the matching index, in a thread: from ``rows`` (recorded with the build)
        when given, else from four SELECTs over the whole graph, read in pages of
        ``page`` rows if one is over the store's row cap.

        ``timeout``: for each SELECT; ``batch_timeout``: for matching one batch.
        """
        if rows is None:
            rows = await read_rows(reader, timeout=timeout, page=page)
        index = await asyncio.to_thread(ReconIndex.from_recorded, rows)
        return cls(index, reader, base, timeout=batch_timeout)

    # --- manifests -------------------------------------------------------------------------

    def manifest(self, version: str = "0.2") -> dict[str, Any]:
        if version == "0.2":
            return manifest_v02(self.index, self.base)
        return manifest_v1(self.index, self.base)

    # --- reconciliation ----------------------------------------------------------------------

    def _type_refs(self, type_ids: Iterable[str]) -> list[dict[str, str]]:
        out = []
        for type_id in type_ids:
            iri = self.index.class_iri(type_id)
            info = self.index.classes.get(iri) if iri else None
            out.append({"id": type_id, "name": info.name if info else type_id})
        return out

    def _candidate_json(self, candidate: Candidate, match: bool) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": candidate.id,
            "name": candidate.name,
            "score": round(candidate.score * 100, 2),
            "match": match,
            "type": self._type_refs(candidate.types),
        }
        if candidate.description:
            out["description"] = candidate.description
        return out

    async def _candidates(self, queries: Sequence[Query]) -> list[list[dict[str, Any]]]:
        # CPU-bound: in a thread, so that the event loop goes on serving other requests
        pools = await asyncio.to_thread(self._pools, queries)
        constrained = [i for i, q in enumerate(queries) if q.constraints and pools[i]]
        if constrained:
            subjects = sorted({c.iri for i in constrained for c in pools[i]})
            predicates = sorted({k.property for i in constrained for k in queries[i].constraints})
            values = await self._values(subjects, predicates)
            for i in constrained:
                pools[i] = self._constrain(queries[i], pools[i], values)
        out = []
        for query, pool in zip(queries, pools, strict=True):
            matched = is_match(pool)
            out.append(
                [
                    self._candidate_json(c, matched and rank == 0)
                    for rank, c in enumerate(pool[: query.limit])
                ]
            )
        return out

    def _pools(self, queries: Sequence[Query]) -> list[list[Candidate]]:
        deadline = time.monotonic() + self.timeout
        pools = []
        for query in queries:
            if time.monotonic() > deadline:
                raise QueryTimeout(
                    f"The batch took longer than {self.timeout:g} s to match; "
                    "send fewer or shorter queries per batch."
                )
            pools.append(self._pool(query))
        return pools

    def _pool(self, query: Query) -> list[Candidate]:
        if query.limit == 0:
            return []
        size = max(query.limit, 2, CONSTRAINT_POOL if query.constraints else 0)
        if query.ids:
            found = []
            for iri in query.ids:
                resource = self.index.resource(iri)
                if resource is None or not self._in_classes(resource, query):
                    continue
                value = 1.0
                if query.text:
                    text = Text.of(query.text)
                    value = max((score(text, n.text) for n in resource.names), default=0.0)
                found.append(self.index.candidate(self.index.by_id[resource.id], value, ""))
            return sorted(found, key=lambda c: -c.score)[:size]
        if not query.text:
            return []
        return self.index.search(
            query.text, classes=query.classes, require_all=query.require_all, limit=size
        )

    @staticmethod
    def _in_classes(resource: Resource, query: Query) -> bool:
        if not query.classes:
            return True
        inside = [c in resource.classes for c in query.classes]
        return all(inside) if query.require_all else any(inside)

    def _value_score(self, wanted: str, value: Value) -> float:
        if value.is_iri:
            if wanted in (value.value, value.value.removeprefix(BASE)):
                return 1.0
            resource = self.index.resource(value.value)
            names = [n.text for n in resource.names] if resource else []
            if value.label:
                names.append(Text.of(value.label))
            text = Text.of(wanted)
            return max((score(text, n) for n in names), default=0.0)
        if normalise(wanted) == normalise(value.value):
            return 1.0
        return score(Text.of(wanted), Text.of(value.value))

    def _constrain(
        self,
        query: Query,
        pool: list[Candidate],
        values: dict[tuple[str, str], list[Value]],
    ) -> list[Candidate]:
        out = []
        for candidate in pool:
            scores = []
            dropped = False
            for constraint in query.constraints:
                have = values.get((candidate.iri, constraint.property), [])
                best = max(
                    (self._value_score(w, v) for w in constraint.values for v in have),
                    default=0.0,
                )
                if constraint.required and best < REQUIRED_SCORE:
                    dropped = True
                scores.append(best)
            if dropped:
                continue
            final = NAME_WEIGHT * candidate.score + (1 - NAME_WEIGHT) * sum(scores) / len(scores)
            out.append(
                Candidate(
                    id=candidate.id,
                    iri=candidate.iri,
                    name=candidate.name,
                    matched=candidate.matched,
                    score=final,
                    types=candidate.types,
                    description=candidate.description,
                )
            )
        out.sort(key=lambda c: (-c.score, c.id))
        return out

    async def _values(
        self, subjects: Sequence[str], predicates: Sequence[str]
    ) -> dict[tuple[str, str], list[Value]]:
        out: dict[tuple[str, str], list[Value]] = defaultdict(list)
        for start in range(0, len(subjects), _CHUNK):
            sparql = render("values", {"s": subjects[start : start + _CHUNK], "p": predicates})
            for row in await self.reader.rows(sparql):
                term = row["o"]
                is_iri = type(term).__name__ == "NamedNode"
                if not is_iri and type(term).__name__ != "Literal":
                    continue  # blank nodes have nothing to show
                datatype = getattr(getattr(term, "datatype", None), "value", None)
                out[(row["s"].value, row["p"].value)].append(
                    Value(
                        term.value,
                        is_iri,
                        None if is_iri else datatype,
                        getattr(term, "language", None),
                        row["label"].value if row["label"] is not None else None,
                    )
                )
        for key in out:
            out[key].sort(key=lambda v: (v.value, v.language or ""))
        return out

    async def reconcile(self, batch: dict[str, Query]) -> dict[str, Any]:
        """A 0.2 result batch: ``{"q0": {"result": [candidates]}}``."""
        keys = list(batch)
        results = await self._candidates([batch[k] for k in keys])
        return {k: {"result": r} for k, r in zip(keys, results, strict=True)}

    async def reconcile_one(self, query: Query) -> dict[str, Any]:
        """A 0.1 single query (``?query=``): ``{"result": [candidates]}``."""
        return {"result": (await self._candidates([query]))[0]}

    async def match(self, queries: list[Query]) -> dict[str, Any]:
        """A 1.0-draft result batch: ``{"results": [{"candidates": [...]}]}``."""
        results = await self._candidates(queries)
        return {"results": [{"candidates": r} for r in results]}

    # --- suggest --------------------------------------------------------------------------

    def _classes_of(self, type_id: str | None) -> tuple[str, ...]:
        if not type_id:
            return ()
        iri = self.index.class_iri(type_id)
        if iri is None:
            raise ReconcileError("type", f"unknown type {type_id[:100]!r}")
        return (iri,)

    def suggest_entity(
        self, prefix: str, *, type_id: str | None = None, cursor: int = 0, limit: int = 10
    ) -> dict[str, Any]:
        """Entities whose names start with ``prefix`` (word by word)."""
        found = self.index.suggest(
            prefix, classes=self._classes_of(type_id), limit=min(cursor + limit, MAX_SUGGEST * 4)
        )[cursor:]
        result = []
        for c in found:
            item: dict[str, Any] = {"id": c.id, "name": c.name, "notable": self._type_refs(c.types)}
            if c.description:
                item["description"] = c.description
            result.append(item)
        return {"result": result}

    def suggest_type(self, prefix: str, *, cursor: int = 0, limit: int = 10) -> dict[str, Any]:
        """Classes with a label (any language) or local name that starts with ``prefix``."""
        wanted = normalise(prefix)
        ranked = []
        for info in self.index.classes.values():
            keys = [normalise(lbl) for lbl, _ in info.labels] + [normalise(info.id)]
            if not wanted or any(k.startswith(wanted) or f" {wanted}" in k for k in keys):
                exact = any(k.startswith(wanted) for k in keys)
                ranked.append((not exact, -info.instances, info.id, info))
        ranked.sort(key=lambda r: r[:3])
        result = []
        for *_, info in ranked[cursor : cursor + limit]:
            item: dict[str, Any] = {"id": info.id, "name": info.name}
            if info.description:
                item["description"] = info.description
            result.append(item)
        return {"result": result}

    def suggest_property(
        self, prefix: str, *, type_id: str | None = None, cursor: int = 0, limit: int = 10
    ) -> dict[str, Any]:
        """Properties whose name or id starts with ``prefix`` (used by ``type``'s instances)."""
        classes = self._classes_of(type_id)
        wanted = normalise(prefix)
        ranked = []
        for info in self.index.properties.values():
            if classes and not info.uses.get(classes[0]):
                continue
            keys = [normalise(info.name), normalise(info.id)]
            if not wanted or any(k.startswith(wanted) or f" {wanted}" in k for k in keys):
                exact = any(k.startswith(wanted) for k in keys)
                ranked.append((not exact, -sum(info.uses.values()), info.id, info))
        ranked.sort(key=lambda r: r[:3])
        return {
            "result": [
                {"id": info.id, "name": info.name} for *_, info in ranked[cursor : cursor + limit]
            ]
        }

    def propose_properties(self, type_id: str | None, limit: int | None = None) -> dict[str, Any]:
        """Properties the instances of ``type_id`` use (any entity without one), most used first."""
        classes = self._classes_of(type_id)

        def uses(info: PropertyInfo) -> int:
            return info.uses.get(classes[0], 0) if classes else max(info.uses.values(), default=0)

        used = [(uses(info), info) for info in self.index.properties.values() if uses(info)]
        used.sort(key=lambda u: (-u[0], u[1].id))
        if limit is not None:
            used = used[:limit]
        out: dict[str, Any] = {
            "properties": [{"id": info.id, "name": info.name} for _, info in used],
        }
        if type_id:
            out["type"] = type_id
        if limit is not None:
            out["limit"] = limit
        return out

    # --- data extension ------------------------------------------------------------------------

    def _render_value(self, value: Value, version: str) -> dict[str, Any] | None:
        if value.is_iri:
            resource = self.index.resource(value.value)
            if resource is not None:
                return {"id": resource.id, "name": resource.name}
            if value.value.startswith(BASE):  # ours, without a name in the index
                return {"id": value.value[len(BASE) :], "name": value.label or value.value}
            return {"str": value.value}
        datatype = value.datatype or ""
        if datatype in _INTEGERS and re.fullmatch(r"[+-]?\d{1,18}", value.value):
            return {"int": int(value.value)}
        if datatype in _FLOATS:
            try:
                return {"float": float(value.value)}
            except ValueError:
                return {"str": value.value}
        if datatype == XSD + "date" and re.fullmatch(r"-?\d{4,}-\d\d-\d\d", value.value):
            candidate = value.value + "T00:00:00Z"
            if _DATE_TIME_RE.match(candidate):
                return {"date": candidate}
        if datatype == XSD + "dateTime" and _DATE_TIME_RE.match(value.value):
            return {"date": value.value}
        out: dict[str, Any] = {"str": value.value}
        if version != "0.2" and value.language:
            out["lang"] = value.language
        return out

    async def extend(self, extension: Extension, version: str = "0.2") -> dict[str, Any]:
        """Values of the requested properties for the requested ids (0.2 or 1.0 shape)."""
        pids = [pid for pid, _ in extension.properties]
        iris = {pid: self.index.property_iri(pid) or pid for pid in pids}
        known = {i: self.index.resource(i) for i in extension.ids}
        subjects = sorted({r.iri for r in known.values() if r is not None})
        values = await self._values(subjects, sorted(set(iris.values()))) if subjects else {}
        meta = []
        for pid, _ in extension.properties:
            info = self.index.properties[iris[pid]]
            meta.append({"id": pid, "name": info.name})
        rows: dict[str, dict[str, list[dict[str, Any]]]] = {}
        for entity_id, resource in known.items():
            row: dict[str, list[dict[str, Any]]] = {}
            for pid, limit in extension.properties:
                have = values.get((resource.iri, iris[pid]), []) if resource else []
                rendered = [v for v in (self._render_value(x, version) for x in have) if v]
                row[pid] = rendered[:limit] if limit else rendered
            rows[entity_id] = row
        if version == "0.2":
            return {"meta": meta, "rows": rows}
        return {
            "meta": meta,
            "rows": [
                {
                    "id": entity_id,
                    "properties": [{"id": pid, "values": vals} for pid, vals in row.items()],
                }
                for entity_id, row in rows.items()
            ],
        }

    # --- preview -------------------------------------------------------------------------------

    def preview(self, entity_id: str) -> str:
        """A small HTML card for OpenRefine's preview pane (every value escaped)."""
        resource = self.index.resource(entity_id)
        if resource is None:
            raise UnknownEntity(f"No entity with id {entity_id[:200]!r} in the graph.")
        e = html.escape
        types = ", ".join(e(t["name"]) for t in self._type_refs(self.index.type_refs(resource)))
        others = sorted(
            {n.label for n in resource.names if n.label != resource.name}, key=str.casefold
        )[:6]
        parts = [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f"<title>{e(resource.name)}</title>",
            "<style>body{font:13px/1.4 sans-serif;margin:6px}h1{font-size:15px;margin:0}"
            ".t{color:#555}.a{color:#333}p{margin:4px 0}</style></head><body>",
            f'<h1><a href="{e(self.base + resource.id)}" target="_blank" rel="noopener">'
            f"{e(resource.name)}</a></h1>",
            f'<p class="t">{types}</p>' if types else "",
            f'<p class="a">Also: {e("; ".join(others))}</p>' if others else "",
            f"<p>{e(resource.description)}</p>" if resource.description else "",
            f'<p class="t">{e(resource.iri)}</p>',
            "</body></html>",
        ]
        return "\n".join(p for p in parts if p)
