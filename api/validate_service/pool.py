"""The validation workers: a small pool of sandboxed processes, killed at a limit.

Workers start at the first validation (a service that is never asked to
validate pays nothing) and stay warm for the next one, the shapes and the
ontology already parsed. ``validate_workers`` validations run at once; up to
``validate_queue`` more wait (at most ``queue_timeout`` seconds), beyond that
429 ``too-many-validations``. A worker is stopped (SIGKILL) and replaced in
the background when a validation

* runs past ``validate_timeout`` (parsing included) → 504 ``validation-timeout``;
* grows its resident set past ``validate_memory_mb`` (sampled every
  :data:`WATCH_INTERVAL` s; ``RLIMIT_DATA`` at 1.5× plus
  :data:`DATA_HEADROOM` backs it up in the worker) → 507
  ``validation-memory-limit``;
* opens a network socket (the seccomp filter ends it) → 400 ``unsafe-rdf``;
* ends otherwise → 503 ``validator-unavailable``.

A worker whose resident set stays above halfway between its warm size and
the limit after a validation is replaced too, so one large upload does not
leave a bloated process behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from api.errors import (
    CcaiError,
    TooManyValidations,
    UnsafeRdf,
    ValidationMemoryLimit,
    ValidationTimeout,
    ValidatorUnavailable,
    from_wire,
)
from api.settings import Settings
from api.store import sandbox
from api.store.pool import _receive, _Reply
from api.validate_service import worker as _worker
from api.validate_service.upload import (
    UPLOAD_BASE,
    Upload,
    check_content_type,
    check_profile,
    read_upload,
    report_format,
)

log = logging.getLogger("ccai.validate")

_CTX = multiprocessing.get_context("spawn")
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096

WATCH_INTERVAL = 0.05  # seconds between resident-set samples of a busy worker
START_TIMEOUT = 60.0  # seconds a worker may take to start (imports, shapes)
DATA_HEADROOM = 256 * 1024 * 1024  # RLIMIT_DATA above 1.5x validate_memory_mb


class _Worker:
    """One worker process and its two one-way pipes.

    Jobs and replies travel on separate pipes: the reply pipe is read
    non-blocking on the event loop while a thread writes a large upload to
    the job pipe (one duplex socket would be non-blocking for both).
    """

    def __init__(self, use_sandbox: bool, data_limit: int) -> None:
        job_reader, self.jobs = _CTX.Pipe(duplex=False)
        self.conn, reply_writer = _CTX.Pipe(duplex=False)
        self.process = _CTX.Process(
            target=_worker.main,
            args=(job_reader, reply_writer, use_sandbox, data_limit),
            name="ccai-validate",
            daemon=True,
        )
        self.process.start()
        job_reader.close()
        reply_writer.close()
        self.peak_rss = 0
        self.base_rss = 0  # resident set once warm (shapes loaded), before any upload
        self.info: dict[str, Any] = {}

    def rss(self) -> int:
        """Resident set size in bytes (0 once the process is gone)."""
        try:
            with open(f"/proc/{self.process.pid}/statm", "rb") as fh:
                value = int(fh.read().split()[1]) * _PAGE
        except (OSError, ValueError, IndexError):
            return 0
        self.peak_rss = max(self.peak_rss, value)
        return value

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.process.kill()
        self.process.join(timeout=5)
        for conn in (self.conn, self.jobs):
            with contextlib.suppress(Exception):
                conn.close()


@dataclass
class ValidationStats:
    """Counters for ``/health``-style reporting and tests."""

    spawned: int = 0
    validated: int = 0
    kills: dict[str, int] = field(default_factory=dict)


class ValidationService:
    """Validate uploads in sandboxed worker processes (see the module docstring)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.size = settings.validate_workers
        self.timeout = settings.validate_timeout
        self.memory_limit = settings.validate_memory_mb * 1024 * 1024
        # The backstop counts address space, not resident pages: room for what
        # Oxigraph reserves up front (200 MB for a store) above 1.5x the limit.
        self.data_limit = int(self.memory_limit * 1.5) + DATA_HEADROOM
        self.max_bytes = settings.validate_max_bytes
        self.max_waiting = settings.validate_queue
        self.queue_timeout = settings.queue_timeout
        self.sandbox = settings.worker_sandbox == "on"
        self.stats = ValidationStats()
        self._idle: list[_Worker] = []
        self._all: set[_Worker] = set()
        self._slots: asyncio.Semaphore | None = None
        self._waiting = 0
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closed = False

    # --- the one entry point of the route -------------------------------------------------

    async def validate_request(
        self,
        *,
        content_type: str | None,
        accept: str | None,
        body: Callable[[], Awaitable[bytes]],
        profile: str = "core",
        fmt: str | None = None,
    ) -> tuple[bytes, str]:
        """Validate the body of ``POST /validate``; return the report and its media type.

        ``body`` reads the request body (``request.body``); it is called once
        the profile and the media types are known to be acceptable.

        Raises:
            CcaiError subclasses: 400 (profile, format, malformed or unsafe RDF),
            406, 413, 415, 429, 503, 504, 507 (see :mod:`api.web.errors`).
        """
        check_profile(profile)
        media_type = report_format(accept, fmt)
        check_content_type(content_type)
        upload = read_upload(content_type, await body(), max_bytes=self.max_bytes)
        return await self.validate(upload, profile=profile, media_type=media_type), media_type

    async def validate(self, upload: Upload, *, profile: str, media_type: str) -> bytes:
        """The report of ``upload`` against ``profile``'s shapes, rendered as ``media_type``."""
        job = _worker.ValidationJob(
            data=upload.data,
            format=upload.format,
            name=upload.name,
            base=UPLOAD_BASE,
            profile=profile,
            media_type=media_type,
        )
        async with self._slot():
            worker = await self._take()
            return await self._run(worker, job)

    # --- admission ---------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def _slot(self) -> AsyncIterator[None]:
        if self._closed:
            raise ValidatorUnavailable("The validator is shutting down.", retry_after=5)
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.size)
        if self._slots.locked():
            if self._waiting >= self.max_waiting:
                raise TooManyValidations(
                    f"All {self.size} validation worker(s) are busy and {self._waiting} "
                    "validation(s) are waiting; retry in a moment.",
                    retry_after=max(1, round(self.timeout / 4)),
                )
            self._waiting += 1
            try:
                await asyncio.wait_for(self._slots.acquire(), self.queue_timeout)
            except TimeoutError:
                raise TooManyValidations(
                    f"No validation worker was free within {self.queue_timeout:g} s; "
                    "retry in a moment.",
                    retry_after=max(1, round(self.timeout / 4)),
                ) from None
            finally:
                self._waiting -= 1
        else:
            await self._slots.acquire()
        try:
            yield
        finally:
            self._slots.release()

    async def _take(self) -> _Worker:
        while self._idle:
            worker = self._idle.pop()
            if worker.process.is_alive():
                return worker
            self._discard(worker)
        return await self._spawn()

    # --- life cycle ----------------------------------------------------------------------

    async def _spawn(self) -> _Worker:
        # Started here, not in a thread: a start abandoned by a cancelled request
        # would leave a process no one stops (fork + exec take milliseconds).
        worker = _Worker(self.sandbox, self.data_limit if self.sandbox else 0)
        self._all.add(worker)
        try:
            kind, payload = await _receive(worker.conn, START_TIMEOUT)
        except BaseException as exc:
            self._discard(worker)
            if not isinstance(exc, TimeoutError | EOFError | OSError):
                raise  # cancelled
            raise ValidatorUnavailable(
                f"The validation worker did not start ({type(exc).__name__}); retry later.",
                retry_after=5,
            ) from None
        if kind != "ready":
            self._discard(worker)
            log.error("validation worker failed to start: %s", payload)
            raise ValidatorUnavailable(
                "The validation worker could not start; retry later.", retry_after=5
            )
        worker.info = dict(payload)
        worker.base_rss = worker.rss()
        self.stats.spawned += 1
        return worker

    def _discard(self, worker: _Worker) -> None:
        worker.kill()
        self._all.discard(worker)

    def _replace(self, worker: _Worker, reason: str) -> None:
        """Stop ``worker``; start a warm one in the background."""
        self._discard(worker)
        self.stats.kills[reason] = self.stats.kills.get(reason, 0) + 1
        if not self._closed:
            task = asyncio.create_task(self._refill())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _refill(self) -> None:
        if len(self._all) >= self.size:
            return
        try:
            worker = await self._spawn()
        except CcaiError:
            return  # the next validation tries again
        if self._closed:
            self._discard(worker)
        else:
            self._idle.append(worker)

    async def close(self) -> None:
        """Stop every worker (a validation in progress gets 503)."""
        self._closed = True
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(BaseException):
                await task
        for worker in list(self._all):
            with contextlib.suppress(Exception):
                worker.jobs.send(("stop", None))
            self._discard(worker)
        self._idle.clear()

    def health(self) -> dict[str, Any]:
        """Workers (live, idle), validations waiting, kills by reason."""
        return {
            "workers": {
                "live": sum(w.process.is_alive() for w in self._all),
                "idle": len(self._idle),
                "max": self.size,
            },
            "waiting": self._waiting,
            "validated": self.stats.validated,
            "kills": dict(self.stats.kills),
            "sandboxed": all(w.info.get("sandboxed") for w in self._all) if self._all else None,
        }

    # --- one validation ----------------------------------------------------------------------

    async def _run(self, worker: _Worker, job: _worker.ValidationJob) -> bytes:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        worker.peak_rss = 0
        try:
            with _Reply(worker.conn) as reply:
                # A large upload fills the pipe: send from a thread while the loop reads.
                sending = asyncio.ensure_future(
                    asyncio.to_thread(worker.jobs.send, ("validate", job))
                )
                # a worker killed mid-send breaks the pipe: that error is the kill's, not news
                sending.add_done_callback(lambda f: f.cancelled() or f.exception())
                while True:
                    now = loop.time()
                    if now >= deadline:
                        self._replace(worker, "timeout")
                        raise ValidationTimeout(
                            f"The validation ran past {self.timeout:g} s and was stopped. "
                            "Validate a smaller file, or run `ccai validate` locally."
                        )
                    if worker.rss() > self.memory_limit:
                        self._replace(worker, "memory")
                        raise self._memory_error()
                    done, _ = await asyncio.wait(
                        {reply.future}, timeout=min(WATCH_INTERVAL, max(deadline - now, 0))
                    )
                    if done:
                        kind, payload = reply.future.result()
                        break
                with contextlib.suppress(Exception):
                    await sending
        except (EOFError, OSError):
            raise self._worker_died(worker) from None
        except CcaiError:
            raise
        except BaseException:  # cancelled (client gone): the worker's state is unknown
            self._replace(worker, "cancelled")
            raise
        self.stats.validated += 1
        if worker.rss() > (worker.base_rss + self.memory_limit) // 2:
            self._replace(worker, "recycled")
        else:
            self._idle.append(worker)
        if kind == "ok":
            return bytes(payload)
        if kind == "error":
            raise from_wire(payload)
        raise RuntimeError("the validation worker reported an internal error")

    def _memory_error(self) -> ValidationMemoryLimit:
        limit = self.memory_limit >> 20
        return ValidationMemoryLimit(
            f"The validation needed more than {limit} MiB, the memory limit of a validation "
            "on this service, and was stopped. Validate a smaller file, or run `ccai validate` "
            "locally.",
            limit_mb=limit,
        )

    def _worker_died(self, worker: _Worker) -> CcaiError:
        """The error for a worker that ended during a validation."""
        worker.process.join(timeout=5)
        code = worker.process.exitcode
        if code == sandbox.KILLED_BY:
            self._replace(worker, "network")
            log.warning("an upload made the validator open a network connection; stopped")
            return UnsafeRdf(
                "Validating this upload tried to reach the network (a remote document or "
                "context); uploads are never allowed to make the server fetch anything."
            )
        # SIGABRT: Rust aborts when an allocation fails (RLIMIT_DATA reached)
        if worker.peak_rss > self.memory_limit * 0.75 or code == -signal.SIGABRT:
            self._replace(worker, "memory")
            return self._memory_error()
        self._replace(worker, "crash")
        log.error("validation worker ended unexpectedly (exit code %s)", code)
        return ValidatorUnavailable("The validation worker stopped unexpectedly; retry.")
