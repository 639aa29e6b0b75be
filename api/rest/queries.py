"""The REST layer's own SPARQL: ``api/rest/sparql/*.rq`` (not public named queries).

Same header format and binding as :mod:`api.queries` (typed parameters bound as
RDF terms in a ``VALUES`` block by :meth:`~api.queries.NamedQuery.render`).

>>> sorted(load())
['class-instances', 'classes', 'labels']
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from api.queries import NamedQuery, parse_query_file

SPARQL_DIR = Path(__file__).resolve().parent / "sparql"


@cache
def load() -> dict[str, NamedQuery]:
    """Every query of ``sparql/``, by file stem."""
    return {path.stem: parse_query_file(path) for path in sorted(SPARQL_DIR.glob("*.rq"))}


def internal_query(name: str) -> NamedQuery:
    """One query of ``sparql/``; raises ``KeyError`` for an unknown name."""
    return load()[name]
