"""An in-memory cache of SPARQL results, with the ETags that let clients revalidate.

The store is opened read-only when the service starts and never changes while
it runs (a new build is served by a restart), so a result stays valid for the
life of the process: no expiry, no invalidation. Entries are keyed by what
determines the bytes: the query text, the dataset (protocol graph IRIs,
inference on or off) and the negotiated media types (not the raw ``Accept``
header, so equivalent headers share an entry). The cache is bounded in bytes
and evicts the least recently used entries; an entry's size counts its key
(the query text and graph IRIs) as well as the result's bytes, so large
queries cannot grow the process beyond the budget. Results larger than one
entry's limit are never stored (nor hashed). Errors and timeouts are never cached (only
:class:`~api.store.base.QueryResult` objects reach it).

Each stored result gets a strong ``ETag`` (a SHA-256 prefix of its bytes), so a
client or an HTTP cache can revalidate with ``If-None-Match`` and get a 304.

>>> from api.store.base import FormatChoice, QueryResult
>>> cache = ResultCache(max_bytes=1000, max_entry_bytes=600)
>>> key = CacheKey("ASK {}", (), (), True, FormatChoice("application/sparql-results+json", None))
>>> cache.get(key) is None
True
>>> result = QueryResult(b'{"boolean":true}', "application/sparql-results+json", "ASK", 1)
>>> entry = cache.put(key, result)
>>> cache.get(key) is entry, entry.etag.startswith('"')
(True, True)
>>> cache.stats()
{'entries': 1, 'bytes': 150, 'max_bytes': 1000, 'hits': 1, 'misses': 1}
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass

from api.store.base import FormatChoice, QueryResult


@dataclass(frozen=True)
class CacheKey:
    """Everything that decides a result's bytes."""

    query: str
    default_graph: tuple[str, ...]
    named_graphs: tuple[str, ...]
    include_inferred: bool
    formats: FormatChoice


def key_bytes(key: CacheKey) -> int:
    """Memory a key holds, counted in the cache's budget (a 1 MB graph list is 1 MB)."""
    texts = (key.query, *key.default_graph, *key.named_graphs)
    return sum(len(t) for t in texts) + 64 * (1 + len(texts))


@dataclass(frozen=True)
class CachedResult:
    result: QueryResult
    etag: str | None  # None for results above the entry limit (not hashed, not stored)


def etag_of(body: bytes) -> str:
    """A strong entity tag for ``body``."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


class ResultCache:
    """LRU over :class:`CacheKey`, bounded by the total size of the stored bodies."""

    def __init__(self, max_bytes: int, max_entry_bytes: int) -> None:
        self.max_bytes = max_bytes
        # With the cache off, results up to max_entry_bytes still get an ETag.
        self.max_entry_bytes = (
            max_entry_bytes if max_bytes <= 0 else min(max_entry_bytes, max_bytes)
        )
        self._entries: OrderedDict[CacheKey, CachedResult] = OrderedDict()
        self._bytes = 0
        self.hits = 0
        self.misses = 0

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0

    def get(self, key: CacheKey) -> CachedResult | None:
        entry = self._entries.get(key)
        if entry is None:
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return entry

    def put(self, key: CacheKey, result: QueryResult) -> CachedResult:
        """Store ``result`` if it fits; return it with its ETag (``None`` if too large)."""
        if len(result.body) > self.max_entry_bytes:
            return CachedResult(result, None)
        entry = CachedResult(result, etag_of(result.body))
        size = len(result.body) + key_bytes(key)
        if not self.enabled or size > self.max_entry_bytes:
            return entry
        old = self._entries.pop(key, None)
        if old is not None:
            self._bytes -= len(old.result.body) + key_bytes(key)
        self._entries[key] = entry
        self._bytes += size
        while self._bytes > self.max_bytes:
            evicted_key, evicted = self._entries.popitem(last=False)
            self._bytes -= len(evicted.result.body) + key_bytes(evicted_key)
        return entry

    def stats(self) -> dict[str, int]:
        return {
            "entries": len(self._entries),
            "bytes": self._bytes,
            "max_bytes": self.max_bytes,
            "hits": self.hits,
            "misses": self.misses,
        }
