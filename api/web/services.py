"""The services of one running app, built once in its lifespan: one build generation.

:meth:`Services.start` builds, in order:

1. the **generation**: the build directory pinned as a hard-linked snapshot
   (:mod:`api.store.snapshot`), so that every part below reads the same
   build for the life of the process; a new build is served after a
   restart;
2. the **store** (:func:`api.store.open_store`: sandboxed worker processes,
   or the in-process backend) and the **read facade** over it
   (:class:`~api.store.reader.Reader`, with a blocking face bound to the
   event loop for code that runs in worker threads);
3. the **result cache** of ``/sparql``;
4. the **catalogue** of the REST API (label index and classes, read now and
   never inside a request);
5. the **linked-data** layer (reads through the facade; 404 suggestions from
   the label index);
6. the **pages** of the web interface (:class:`~api.linked_data.pages.Pages`: page
   data read through the facade);
7. the **FAIR** metadata (catalogue, VoID, downloads, statistics counted
   through the facade), or the reason it is unavailable.
8. the **reconciliation** index of ``/reconcile``
   (:class:`~api.reconcile.service.ReconcileService`: names, types and
   properties read through the facade once; 503 on its routes if it fails).

Routes reach them through the ``Annotated`` dependencies of
:mod:`api.web.deps`; tests replace a store with ``create_app(store=…)``
and anything else with ``app.dependency_overrides``.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path

from api.errors import CcaiError, StoreUnavailable
from api.fair.service import BuildUnavailable, FairService
from api.linked_data.pages import Pages
from api.linked_data.service import LinkedData
from api.reconcile.service import ReconcileService
from api.rest.catalogue import Catalogue
from api.settings import Settings
from api.sparql.cache import ResultCache
from api.store import open_store, snapshot
from api.store.base import Store
from api.store.reader import Reader, SyncReader
from api.validate_service import ValidationService

log = logging.getLogger("ccai.web")


@dataclass
class Services:
    """Everything the routes use, for one build generation."""

    settings: Settings
    store: Store
    reader: Reader
    sync_reader: SyncReader
    cache: ResultCache
    catalogue: Catalogue
    linked_data: LinkedData
    pages: Pages
    fair: FairService | None = None
    fair_error: CcaiError | None = None
    reconcile: ReconcileService | None = None  # None: its index could not be built
    validator: ValidationService | None = None  # POST /validate; workers start at first use
    build_dir: Path | None = None  # the pinned generation (None: an injected store)
    _source: Path | None = field(default=None, repr=False)  # the build it was pinned from

    @classmethod
    async def start(cls, settings: Settings, *, store: Store | None = None) -> Services:
        """Pin the build, open the store and build every service (see the module doc)."""
        pinned = source = None
        if store is None and settings.backend == "remote":  # issue 11
            # The data is the remote store's; a build beside it (if any) gives the FAIR
            # metadata and the downloads.
            build = Path(settings.store_path)
            if build.is_dir() and (build / "report.json").is_file():
                source = build
                pinned = await asyncio.to_thread(snapshot.pin, build)
            store = open_store(settings)
        if store is None:
            build = Path(settings.store_path)
            if not build.is_dir():
                raise StoreUnavailable(
                    f"No build at {build}: run `ccai build --out {build}` first "
                    "or set CCAI_STORE_PATH."
                )
            source = build
            pinned = await asyncio.to_thread(snapshot.pin, build)
            settings = settings.model_copy(update={"store_path": pinned})
            store = open_store(settings)
        await store.start()
        union = settings.default_graph == "union"
        reader = Reader(store, timeout=settings.query_timeout, include_inferred=union)
        sync_reader = SyncReader(reader, loop=asyncio.get_running_loop())
        # the build's label index describes the build's store only (not a remote one)
        index_dir = pinned if settings.backend != "remote" else None
        catalogue = Catalogue(store, settings, index_dir=index_dir)
        try:
            await catalogue.warm()
        except Exception:  # the routes that need it answer 503; the rest is served
            log.exception("the label index and class list could not be built")
        linked_data = LinkedData(
            sync_reader,
            public_base=settings.public_base_url,
            sparql_url=settings.sparql_endpoint_url,
            use_pylode=settings.ontology_docs == "pylode",
            known_iris=catalogue.known_iris,
        )
        services = cls(
            settings=settings,
            store=store,
            reader=reader,
            sync_reader=sync_reader,
            cache=ResultCache(settings.result_cache_bytes, settings.result_cache_entry_bytes),
            catalogue=catalogue,
            linked_data=linked_data,
            pages=Pages(
                sync_reader,
                public_base=settings.public_base_url,
                known_iris=catalogue.known_iris,
            ),
            build_dir=pinned,
            _source=source,
            validator=ValidationService(settings),
        )
        try:  # the labels every page uses, read once (a page reads them again if this fails)
            await asyncio.to_thread(services.pages.labels)
        except Exception:
            log.exception("the labels of the web pages could not be read")
        try:  # the reconciliation index (/reconcile), read once through the facade
            services.reconcile = await ReconcileService.start(
                reader,
                settings.public_base_url,
                timeout=max(settings.query_timeout, 600.0),
                page=max(1, min(50_000, settings.max_result_rows)),
                batch_timeout=settings.query_timeout,
            )
        except Exception:  # /reconcile answers 503; the rest is served
            log.exception("the reconciliation index could not be built")
        if pinned is not None:
            try:
                services.fair = await asyncio.to_thread(
                    FairService.load, pinned, reader=sync_reader
                )
            except BuildUnavailable as exc:
                services.fair_error = exc
                log.warning("FAIR metadata unavailable: %s", exc.message)
            except CcaiError as exc:  # its statistics ran past the time limit (large stores)
                services.fair_error = BuildUnavailable(
                    "The dataset statistics could not be counted when the service started."
                )
                log.error("FAIR metadata unavailable: %s", exc.message)
        else:
            services.fair_error = BuildUnavailable(
                "This service was started on a store without a build directory: no "
                "catalogue, VoID or downloads."
            )
        log.info(
            "serving %s: %d triples (%d asserted, %d inferred) in %d named graphs",
            pinned or "an injected store",
            store.counts().total,
            store.counts().asserted,
            store.counts().inferred,
            len(store.named_graphs()),
        )
        return services

    def require_reconcile(self) -> ReconcileService:
        if self.reconcile is None:
            raise StoreUnavailable(
                "The reconciliation index was not built when the service started; "
                "see the server log.",
                retry_after=60,
            )
        return self.reconcile

    def require_fair(self) -> FairService:
        if self.fair is None:
            raise self.fair_error or BuildUnavailable("No build is being served.")
        return self.fair

    async def close(self) -> None:
        if self.validator is not None:
            await self.validator.close()
        await self.store.close()
        if self.build_dir is not None and self._source is not None:
            snapshot.unpin(self.build_dir, self._source)
