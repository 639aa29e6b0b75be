"""The SPARQL of the reconciliation service: ``api/reconcile/sparql/*.rq``.

The files use the header of the project's query registry (:mod:`api.queries`)
and are loaded by its parser. ``values.rq`` is run with lists of IRIs, bound
by :func:`render` as ``VALUES`` blocks built from pyoxigraph terms (whose
N-Triples form escapes every character), never by pasting request strings.

>>> sorted(load())
['classes', 'names', 'properties', 'types', 'values']
>>> "VALUES ?s { <https://w3id.org/ccai/id/x> }" in render(
...     "values", {"s": ["https://w3id.org/ccai/id/x"]})
True
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path

import pyoxigraph as ox

from api.queries import NamedQuery, parse_query_file

SPARQL_DIR = Path(__file__).resolve().parent / "sparql"
_WHERE_RE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)
_VARIABLE_RE = re.compile(r"^[a-z][a-z0-9_]*$")


@cache
def load() -> dict[str, NamedQuery]:
    """Every query of ``sparql/``, by file stem."""
    return {path.stem: parse_query_file(path) for path in sorted(SPARQL_DIR.glob("*.rq"))}


def render(name: str, iris: Mapping[str, Sequence[str]] | None = None) -> str:
    """Query ``name`` with each variable of ``iris`` bound to a list of IRIs.

    Raises:
        KeyError: no such query.
        ValueError: a value that is not an IRI pyoxigraph accepts.
    """
    text = load()[name].text
    if not iris:
        return text
    blocks = []
    for variable, values in iris.items():
        if not _VARIABLE_RE.match(variable):
            raise ValueError(f"not a variable name: {variable!r}")
        terms = " ".join(str(ox.NamedNode(v)) for v in values)
        blocks.append(f"VALUES ?{variable} {{ {terms} }}")
    match = _WHERE_RE.search(text)
    if match is None:  # pragma: no cover - every file has one (tested)
        raise ValueError(f"{name}.rq has no 'WHERE {{'")
    return f"{text[: match.end()]} {' '.join(blocks)}\n{text[match.end() :]}"
