"""The services of one running app, built once in its lifespan: one build generation.

:meth:`Services.start` builds, in order, and returns as soon as the store
can answer (``/sparql``, ``/api/search`` and the pages are served from then
on; measured in ``bench/README.md``):

1. the **generation**: the build directory pinned as a hard-linked snapshot
   (:mod:`api.store.snapshot`), so that every part below reads the same
   build for the life of the process; a new build is served after a
   restart;
2. the **store** (:func:`api.store.open_store`: sandboxed worker processes,
   or the in-process backend; the worker pool answers once its first worker
   is ready, the others start in the background) and the **read facade**
   over it (:class:`~api.store.reader.Reader`, with a blocking face bound to
   the event loop for code that runs in worker threads);
3. the **result cache** of ``/sparql``;
4. the **catalogue** of the REST API: the build's full-text label index,
   opened (a file: nothing read from the store) when the build holds the data
   served, a remote store's too (:func:`label_index_dir`);
5. the **linked-data** layer (reads through the facade; 404 suggestions from
   the label index);
6. the **pages** of the web interface (:class:`~api.linked_data.pages.Pages`: page
   data read through the facade).

Then, in the **background** (one task, one step at a time, once the pool's
workers are all up so that a start-up read never holds the only worker a
request needs), what reads the store or takes CPU time:

* the catalogue's class list (:meth:`~api.rest.catalogue.Catalogue.warm`);
* the **FAIR** metadata (catalogue, VoID, downloads; the statistics recorded
  with the build, :mod:`api.build.recorded`, else counted through the
  facade), or the reason it is unavailable;
* the **reconciliation** index of ``/reconcile``
  (:class:`~api.reconcile.service.ReconcileService`: built in a thread from
  the rows recorded with the build, else from four SELECTs through the
  facade; 503 on its routes if it fails);
* the labels every page uses.

A route that needs one of them waits for it (:meth:`Services.wait_for`, up to
``query_timeout``; then 503 with ``Retry-After``: still being prepared).
Routes reach them through the ``Annotated`` dependencies of
:mod:`api.web.deps`; tests replace a store with ``create_app(store=…)``
and anything else with ``app.dependency_overrides``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from api.build.artefacts import STORE_DIR
from api.errors import CcaiError, StoreUnavailable
from api.fair.service import BuildUnavailable, FairService
from api.linked_data.pages import Pages
from api.linked_data.service import LinkedData
from api.reconcile.recorded import recorded_rows
from api.reconcile.service import ReconcileService
from api.rest.catalogue import Catalogue
from api.search.index import INDEX_FILE, described
from api.search.remote import RemoteIndex
from api.settings import Settings
from api.sparql.cache import ResultCache
from api.store import open_store, snapshot
from api.store.base import Store
from api.store.layout import TripleCounts, read_counts
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
    _steps: dict[str, asyncio.Event] = field(default_factory=dict, repr=False)  # set when done
    _background: asyncio.Task[None] | None = field(default=None, repr=False)
    _started: float = field(default_factory=time.monotonic, repr=False)

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
        remote = (
            (settings.query_endpoint, settings.remote_default_graph)
            if settings.backend == "remote" and settings.query_endpoint
            else None
        )
        index_dir = label_index_dir(pinned, store.counts(), remote=remote)
        log.info("label index: %s", index_dir / INDEX_FILE if index_dir else "read from the store")
        catalogue = Catalogue(store, settings, index_dir=index_dir)
        catalogue.open_index()
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
        if pinned is None:
            services.fair_error = BuildUnavailable(
                "This service was started on a store without a build directory: no "
                "catalogue, VoID or downloads."
            )
        # What the build recorded beside its store (api.build.recorded) describes the
        # store's default graph as built: usable when the service's default graph is it.
        recorded = pinned / STORE_DIR if pinned is not None and union else None
        steps: list[tuple[str, Callable[[], Awaitable[object]]]] = [
            ("catalogue", catalogue.warm),
            ("fair", lambda: services._start_fair(recorded)),
            ("reconcile", lambda: services._start_reconcile(recorded)),
            ("labels", lambda: asyncio.to_thread(services.pages.labels)),
        ]
        services._steps = {name: asyncio.Event() for name, _ in steps}
        services._background = asyncio.create_task(services._prepare(steps))
        log.info(
            "serving %s: %d triples (%d asserted, %d inferred) in %d named graphs",
            pinned or "an injected store",
            store.counts().total,
            store.counts().asserted,
            store.counts().inferred,
            len(store.named_graphs()),
        )
        return services

    # --- the background steps ---------------------------------------------------------

    async def _prepare(self, steps: list[tuple[str, Callable[[], Awaitable[object]]]]) -> None:
        """Run the background steps one at a time, once every worker is up; log each."""
        wait_ready = getattr(self.store, "wait_ready", None)
        if wait_ready is not None:
            with contextlib.suppress(CcaiError):
                await wait_ready()
        for name, step in steps:
            started = time.perf_counter()
            try:
                await step()
            except Exception:  # the routes that need it answer 503; the rest is served
                log.exception("start-up step %r failed", name)
            else:
                log.info("start-up step %r done in %.3f s", name, time.perf_counter() - started)
            finally:
                self._steps[name].set()

    async def _start_fair(self, recorded: Path | None) -> None:
        if self.build_dir is None:
            return
        counts = self.store.counts() if recorded is not None else None
        try:
            self.fair = await asyncio.to_thread(
                FairService.load, self.build_dir, reader=self.sync_reader, counts=counts
            )
        except BuildUnavailable as exc:
            self.fair_error = exc
            log.warning("FAIR metadata unavailable: %s", exc.message)
        except CcaiError as exc:  # its statistics ran past the time limit (large stores)
            self.fair_error = BuildUnavailable(
                "The dataset statistics could not be counted when the service started "
                "(record them with `ccai build` or `ccai load`)."
            )
            log.error("FAIR metadata unavailable: %s", exc.message)

    async def _start_reconcile(self, recorded: Path | None) -> None:
        rows = None
        if recorded is not None:
            rows = await asyncio.to_thread(recorded_rows, recorded, self.store.counts())
        if rows is None:
            log.info("no reconciliation rows recorded for this store: reading them from it")
        settings = self.settings
        self.reconcile = await ReconcileService.start(
            self.reader,
            settings.public_base_url,
            timeout=max(settings.query_timeout, 600.0),
            page=max(1, min(50_000, settings.max_result_rows)),
            batch_timeout=settings.query_timeout,
            rows=rows,
        )

    async def wait_for(self, step: str) -> None:
        """Wait until background step ``step`` has ended, up to ``query_timeout`` seconds
        (after that the caller finds its result missing and answers 503)."""
        done = self._steps.get(step)
        if done is None or done.is_set():
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(done.wait(), self.settings.query_timeout)

    async def prepared(self) -> None:
        """Wait until every background step has ended (tests, benchmarks)."""
        if self._background is not None:
            await asyncio.shield(self._background)

    def _preparing(self, step: str) -> bool:
        done = self._steps.get(step)
        return done is not None and not done.is_set()

    def _still_preparing(self, what: str) -> StoreUnavailable:
        return StoreUnavailable(
            f"The {what} is still being prepared (the service started "
            f"{time.monotonic() - self._started:.0f} s ago); retry in a moment.",
            retry_after=5,
        )

    def require_reconcile(self) -> ReconcileService:
        if self.reconcile is None and self._preparing("reconcile"):
            raise self._still_preparing("reconciliation index")
        if self.reconcile is None:
            raise StoreUnavailable(
                "The reconciliation index was not built when the service started; "
                "see the server log.",
                retry_after=60,
            )
        return self.reconcile

    def require_fair(self) -> FairService:
        if self.fair is None and self._preparing("fair"):
            raise self._still_preparing("FAIR metadata (catalogue, VoID, downloads)")
        if self.fair is None:
            raise self.fair_error or BuildUnavailable("No build is being served.")
        return self.fair

    async def close(self) -> None:
        if self._background is not None and not self._background.done():
            self._background.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._background
        if self.validator is not None:
            await self.validator.close()
        await self.store.close()
        if self.build_dir is not None and self._source is not None:
            snapshot.unpin(self.build_dir, self._source)


def label_index_dir(
    build: Path | None, counts: TripleCounts, *, remote: tuple[str, str] | None = None
) -> Path | None:
    """The folder whose label index (``search.sqlite``) ``/api/search`` answers from: the
    pinned build when its store holds exactly the data served (the same triples per
    named graph as ``counts``, the served store's) and its index does not say it
    describes other counts (:func:`~api.search.index.described`); for a remote store
    (``remote``: its query endpoint and default graph), else the index ``ccai load``
    kept for it beside the build when it recorded these counts
    (:mod:`api.search.remote`); else ``None``
    (every label of the store is then read into memory at start-up, entities,
    concepts and sources only).

    So a remote store set up from the build (``ccai load --build … --backend remote``),
    and then given files (``ccai load FILE --graph G --build … --backend remote``), is
    searched over every label, loaded data included, as the embedded store is; one
    that has since taken other data (or holds another dataset) is not searched
    through an index that does not describe it.
    """
    if build is None:
        return None
    if remote is not None:  # the index ccai load keeps for this store, or the build's
        found = RemoteIndex(build, *remote).base_for(counts)
        return found.parent if found is not None else None
    index = build / INDEX_FILE
    if not index.is_file() or read_counts(build / STORE_DIR) != counts:
        return None
    stamp = described(index)  # an index written before stamps bears none
    return build if stamp is None or stamp == counts else None
