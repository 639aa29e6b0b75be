"""Run a SELECT on the store and read its rows; write rows as CSV.

The store serialises SELECT results as SPARQL 1.1 JSON results, read back here
into :class:`~api.rest.models.Term` rows (``xml:lang`` becomes ``lang``, IRIs
under https://w3id.org/ccai/ get their ``url`` on this server).

>>> rows = rows_from_json(b'{"head":{"vars":["s"]},"results":{"bindings":['
...     b'{"s":{"type":"uri","value":"https://w3id.org/ccai/id/x"}}]}}', "http://h/")
>>> rows[0], rows[1][0]["s"].url
(['s'], 'http://h/id/x')
>>> to_csv(*rows).splitlines()
['s', 'https://w3id.org/ccai/id/x']
"""

from __future__ import annotations

import csv
import io
import json

from api.linked_data.iris import to_public
from api.settings import Settings
from api.store.base import FormatChoice, Store

from .models import Term

SPARQL_JSON = "application/sparql-results+json"
Row = dict[str, Term]


def rows_from_json(body: bytes, public_base: str) -> tuple[list[str], list[Row]]:
    """Columns and rows of a SPARQL JSON results document."""
    doc = json.loads(body)
    columns = list(doc.get("head", {}).get("vars", []))
    rows: list[Row] = []
    for binding in doc.get("results", {}).get("bindings", []):
        row: Row = {}
        for name, term in binding.items():
            kind = term.get("type")
            if kind == "typed-literal":  # SPARQL JSON 1.0 spelling
                kind = "literal"
            if kind not in ("uri", "literal", "bnode"):
                continue  # RDF-star triple terms: not produced by the queries we run
            value = term["value"]
            row[name] = Term(
                type=kind,
                value=value,
                lang=term.get("xml:lang"),
                datatype=term.get("datatype"),
                url=to_public(value, public_base)
                if kind == "uri" and value.startswith("https://w3id.org/ccai/")
                else None,
            )
        rows.append(row)
    return columns, rows


async def select(
    store: Store, settings: Settings, sparql: str, *, timeout: float | None = None
) -> tuple[list[str], list[Row]]:
    """Run a SELECT over the service's default graph; raises :mod:`api.errors` errors.

    ``timeout``: seconds (default: the configured ``query_timeout``).
    """
    result = await store.query(
        sparql,
        formats=FormatChoice(results=SPARQL_JSON, rdf=None),
        include_inferred=settings.default_graph == "union",
        timeout=settings.query_timeout if timeout is None else timeout,
    )
    return rows_from_json(result.body, settings.public_base_url)


def to_csv(columns: list[str], rows: list[Row]) -> str:
    """RFC 4180 CSV: a header row, then each row's lexical values (IRIs as they are)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row[c].value if c in row else "" for c in columns])
    return out.getvalue()
