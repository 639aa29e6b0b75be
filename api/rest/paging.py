"""Pages: bounds of ``page`` / ``page_size`` and the links between pages.

Links are absolute URLs on this server's public base
(:attr:`api.settings.Settings.public_base_url`) with the request's own query
parameters, only ``page`` replaced.

>>> link = PageLinks("http://x/", "/api/search", [("q", "nemo"), ("page", "1")])
>>> link.to(2)
'http://x/api/search?q=nemo&page=2'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

MAX_PAGE = 10_000
MAX_PAGE_SIZE = 1_000


@dataclass(frozen=True)
class PageLinks:
    """Builds the URL of another page of the same request."""

    public_base: str
    path: str
    params: Sequence[tuple[str, str]]

    def to(self, page: int | None) -> str | None:
        if page is None:
            return None
        params = [(k, v) for k, v in self.params if k != "page"]
        params.append(("page", str(page)))
        return self.public_base.rstrip("/") + "/" + self.path.lstrip("/") + "?" + urlencode(params)

    def around(self, page: int, has_next: bool) -> tuple[str | None, str | None]:
        """``(previous, next)`` links of ``page``."""
        return self.to(page - 1 if page > 1 else None), self.to(page + 1 if has_next else None)


def offset(page: int, page_size: int) -> int:
    return (page - 1) * page_size
