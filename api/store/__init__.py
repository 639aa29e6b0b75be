"""The store behind the service: one small interface, two backends.

* :class:`~api.store.oxigraph.OxigraphStore`: pyoxigraph in this process
  (tests, CLI); cooperative deadline only.
* :class:`~api.store.pool.WorkerPoolStore`: worker processes that own a
  read-only store, serialise results themselves and are killed at the deadline.

:func:`open_store` builds the one the settings ask for.
"""

from __future__ import annotations

from api.settings import Settings
from api.store.base import FormatChoice, QueryJob, QueryResult, Store


def open_store(settings: Settings) -> Store:
    """The backend named by ``settings.store_backend`` over ``settings.oxigraph_path()``."""
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
        )
    from api.store.pool import WorkerPoolStore

    return WorkerPoolStore(
        path,
        workers=settings.query_workers or settings.max_concurrent_queries,
        max_concurrent=settings.max_concurrent_queries,
        max_queued=settings.max_queued_queries,
        max_result_rows=settings.max_result_rows,
    )


__all__ = ["FormatChoice", "QueryJob", "QueryResult", "Store", "open_store"]
