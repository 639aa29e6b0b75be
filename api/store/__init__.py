"""The store behind the service: one small interface, two backends.

* :class:`~api.store.oxigraph.OxigraphStore`: pyoxigraph in this process
  (tests, CLI); cooperative deadline only.
* :class:`~api.store.pool.WorkerPoolStore`: sandboxed worker processes that
  own a read-only store, serialise results themselves and are killed at the
  deadline or the memory limit (the production backend).

:func:`open_store` builds the one the settings ask for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from api.store.base import FormatChoice, QueryJob, QueryResult, Store

if TYPE_CHECKING:  # worker processes import this package: keep their start-up light
    from api.settings import Settings


def open_store(settings: Settings) -> Store:
    """The backend named by ``settings.store_backend`` over ``settings.oxigraph_path()``,
    or the remote SPARQL store when ``settings.backend == "remote"``."""
    if settings.backend == "remote":  # issue 11: a remote SPARQL 1.1 store
        from api.store.remote import open_remote

        return open_remote(settings)
    path = settings.oxigraph_path()
    if not path.is_dir():
        from api.errors import StoreUnavailable

        raise StoreUnavailable(
            f"No Oxigraph store at {path}: run `ccai build --out {settings.store_path}` first "
            "or set CCAI_STORE_PATH."
        )
    if settings.store_backend == "inprocess":
        from api.store.oxigraph import OxigraphStore

        return OxigraphStore.open(
            path,
            max_result_rows=settings.max_result_rows,
            max_concurrent=settings.max_concurrent_queries,
            max_queued=settings.max_queued_queries,
            base_iri=settings.public_base_url,
        )
    from api.store.pool import WorkerPoolStore

    return WorkerPoolStore(
        path,
        workers=settings.query_workers,
        reserved=settings.reserved_workers,
        max_queued=settings.max_queued_queries,
        max_result_rows=settings.max_result_rows,
        queue_timeout=settings.queue_timeout,
        long_query_seconds=settings.long_query_seconds,
        memory_limit_mb=settings.worker_memory_mb,
        sandbox=settings.worker_sandbox == "on",
        base_iri=settings.public_base_url,
    )


__all__ = ["FormatChoice", "QueryJob", "QueryResult", "Store", "open_store"]
