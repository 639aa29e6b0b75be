"""``/api/search`` on the build's FTS5 label index (:mod:`api.search.index`).

The same interface as :class:`api.rest.search.LabelIndex` (``search``,
``display_label``, ``iris``), so the routes do not change; nothing is read
from the store at start-up (the index was written by ``ccai build``, kept in
step by ``ccai load``). Differences from the in-memory index: matches are
whole words or word prefixes (no substrings inside a word), and ``total``
is counted up to :data:`TOTAL_CAP`.
"""

from __future__ import annotations

from pathlib import Path

from api.search.index import INDEX_FILE, SearchIndex

from .search import BASE, Hit, Result

TOTAL_CAP = 10_000


class FtsLabelIndex:
    """An open, read-only :class:`~api.search.index.SearchIndex` behind the REST API."""

    def __init__(self, path: Path) -> None:
        self.index = SearchIndex(path)
        self._iris: list[str] | None = None

    def __len__(self) -> int:
        return len(self.index)

    def display_label(self, iri: str) -> str:
        return self.index.display_label(iri)

    def iris(self) -> list[str]:
        """The project's labelled IRIs (under ``https://w3id.org/ccai/``), read on first use."""
        if self._iris is None:
            self._iris = self.index.iris(BASE)
        return self._iris

    def search(
        self,
        q: str,
        *,
        language: str | None = None,
        class_iri: str | None = None,
        start: int = 0,
        count: int = 20,
    ) -> Result:
        hits = self.index.search(q, lang=language, type=class_iri, limit=count, offset=start)
        total = self.index.count(q, lang=language, type=class_iri, cap=TOTAL_CAP)
        return Result(
            total=max(total, start + len(hits)),
            hits=[
                Hit(
                    iri=h.iri,
                    label=self.index.display_label(h.iri),
                    matched_label=h.label,
                    language=h.language,
                    types=h.types,
                    match=h.match,
                    score=h.score,
                )
                for h in hits
            ],
        )


def open_fts_index(build_dir: Path) -> FtsLabelIndex | None:
    """The index in ``build_dir``, or ``None`` when the build has none."""
    path = Path(build_dir) / INDEX_FILE
    return FtsLabelIndex(path) if path.is_file() else None
