"""The SPARQL of the linked-data layer: ``api/linked_data/sparql/*.rq``.

The files use the header of the project's query registry (:mod:`api.queries`:
title, description, typed parameters) and are loaded by its parser; values are
bound with :meth:`api.queries.NamedQuery.render`, which validates each value
against its declared type and writes it as an RDF term in a ``VALUES`` block.
They are not part of the public ``/queries`` API.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path

from api.queries import NamedQuery, parse_query_file

SPARQL_DIR = Path(__file__).resolve().parent / "sparql"


@cache
def load() -> dict[str, NamedQuery]:
    """Every query of ``sparql/``, by file stem."""
    return {path.stem: parse_query_file(path) for path in sorted(SPARQL_DIR.glob("*.rq"))}


def render(name: str, values: Mapping[str, str] | None = None) -> str:
    """The text of query ``name`` with ``values`` bound as RDF terms.

    Raises:
        KeyError: no such query.
        api.queries.ParameterError: a value that does not fit its parameter.
    """
    return load()[name].render(dict(values or {}))
