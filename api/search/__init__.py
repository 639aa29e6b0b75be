"""Label search that does not scan the graph: a SQLite FTS5 index beside the store."""

from api.search.index import (
    LABEL_PREDICATES,
    SearchHit,
    SearchIndex,
    add_graph,
    build,
    replace_graphs,
    search,
)

__all__ = [
    "LABEL_PREDICATES",
    "SearchHit",
    "SearchIndex",
    "add_graph",
    "build",
    "replace_graphs",
    "search",
]
