"""The service's one settings object.

Every tunable of the web service lives here, read from environment variables
with the prefix ``CCAI_`` (``CCAI_PORT=9000``) or from a ``.env`` file in the
working directory. ``.env.example`` at the repository root documents each one.
Nothing else in the package reads ``os.environ``.

>>> s = Settings(host="127.0.0.1", port=8123)
>>> s.public_base_url
'http://127.0.0.1:8123/'
>>> s.sparql_endpoint_url
'http://127.0.0.1:8123/sparql'
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MIB = 1024 * 1024


class Settings(BaseSettings):
    """Configuration of the SPARQL service (``CCAI_*`` environment variables)."""

    model_config = SettingsConfigDict(
        env_prefix="CCAI_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        env_ignore_empty=True,
    )

    host: str = Field("127.0.0.1", description="Interface to bind; keep loopback behind a proxy.")
    port: int = Field(8000, ge=0, le=65535)
    store_path: Path = Field(
        Path("build"),
        description="The build directory (holding oxigraph/) or an Oxigraph store directory.",
    )
    public_base_url: str = Field(
        "",
        description="Public URL the service answers at; https://w3id.org/ccai/ maps onto it. "
        "Default: http://{host}:{port}/",
    )
    store_backend: Literal["workers", "inprocess"] = Field(
        "workers",
        description="'workers': queries run in killable worker processes (production); "
        "'inprocess': in this process, cooperative deadline only (tests, CLI).",
    )
    # --- which store (issue 11): shared by `ccai serve` and `ccai load` -------------
    backend: Literal["embedded", "remote"] = Field(
        "embedded",
        description="'embedded': the on-disk pyoxigraph store of the build (store_path); "
        "'remote': a SPARQL 1.1 store at query_endpoint (loaded with `ccai load`).",
    )
    query_endpoint: str = Field("", description="Remote backend: SPARQL 1.1 query endpoint URL.")
    update_endpoint: str = Field(
        "", description="Remote backend: SPARQL 1.1 update endpoint URL (`ccai load` only)."
    )
    gsp_endpoint: str = Field(
        "",
        description="Remote backend: Graph Store Protocol endpoint URL (`ccai load` sends the "
        "data there when given).",
    )
    remote_user: str = Field("", description="Remote backend: user for update/GSP requests.")
    remote_password: str = Field("", description="Remote backend: password of remote_user.")
    remote_auth: Literal["digest", "basic"] = Field(
        "digest", description="Remote backend: HTTP authentication scheme (Virtuoso: digest)."
    )
    remote_kind: Literal["generic", "virtuoso"] = Field(
        "generic",
        description="Remote backend: 'virtuoso' sends its timeout parameter and refuses "
        "answers at its ResultSetMaxRows cap (remote_max_rows).",
    )
    remote_max_rows: int | None = Field(
        None,
        gt=0,
        description="Remote backend: the server's own row cap; an answer of that many rows "
        "may be truncated and is refused (502). Default: 10000 for Virtuoso, none otherwise.",
    )
    remote_default_graph: str = Field(
        "urn:x-ccai:default",
        description="Remote backend: the graph holding the default graph (distinct asserted "
        "triples); its list of public graphs is in <{this}:graphs>.",
    )
    query_timeout: float = Field(30.0, gt=0, description="Seconds before a query is killed.")
    max_result_rows: int = Field(100_000, gt=0, description="Rows (or triples) per result.")
    max_request_bytes: int = Field(MIB, gt=0, description="Largest accepted request body.")
    max_query_chars: int = Field(64 * 1024, gt=0, description="Longest accepted query text.")
    max_header_bytes: int = Field(
        16 * 1024,
        gt=0,
        description="Largest header fields of a request, in all; beyond: 431. `ccai serve` "
        "also bounds the whole request head (this plus a GET of max_query_chars) in its "
        "HTTP parser, which answers 400.",
    )
    body_timeout: float = Field(
        10.0,
        gt=0,
        description="Seconds a request body may take to arrive; beyond: 408 and the "
        "connection is closed.",
    )
    max_concurrent_queries: int = Field(
        2, gt=0, description="Queries evaluated at once by the 'inprocess' backend."
    )
    max_queued_queries: int = Field(
        16, ge=0, description="Queries waiting for a worker; beyond: 429."
    )
    queue_timeout: float = Field(
        10.0,
        gt=0,
        description="Seconds a query may wait for a worker (not charged to query_timeout); "
        "beyond: 429 with Retry-After.",
    )
    query_workers: int | None = Field(
        None, gt=0, description="Worker processes; default: one per core plus one."
    )
    reserved_workers: int | None = Field(
        None,
        ge=0,
        description="Workers kept for short queries: at most query_workers - reserved_workers "
        "queries run longer than long_query_seconds at once. Default: all but one long-lane "
        "place per core beyond the first (2 of 3 on 2 cores).",
    )
    long_query_seconds: float = Field(
        1.0,
        gt=0,
        description="A query running longer needs a place in the long lane; if none is free "
        "it is stopped (503, Retry-After) and waits for one when sent again.",
    )
    worker_memory_mb: int = Field(
        640,
        ge=64,
        description="Resident memory one query worker may use; beyond: the query is stopped "
        "(507). Default: the service (server and 3 workers) stays within 2.5 GiB.",
    )
    worker_sandbox: Literal["on", "off"] = Field(
        "on",
        description="'on': query workers cannot open network sockets (seccomp; Linux). "
        "'off' only for a private deployment where the filter is unavailable.",
    )
    result_cache_bytes: int = Field(
        64 * MIB,
        ge=0,
        description="Memory for cached SPARQL results (LRU; the store is read-only); 0 turns "
        "the cache off.",
    )
    result_cache_entry_bytes: int = Field(
        MIB, gt=0, description="Largest result that is cached and gets an ETag."
    )
    validate_max_bytes: int = Field(
        16 * MIB,
        gt=0,
        description="Largest RDF upload to POST /validate (the body, multipart included); "
        "beyond: 413.",
    )
    validate_timeout: float = Field(
        30.0, gt=0, description="Seconds a validation (parsing included) may run; beyond: 504."
    )
    validate_memory_mb: int = Field(
        512,
        ge=64,
        description="Resident memory of a validation worker; beyond: the validation is stopped "
        "(507).",
    )
    validate_workers: int = Field(
        1,
        gt=0,
        description="Validation worker processes (started at the first POST /validate); "
        "validations run one per worker.",
    )
    validate_queue: int = Field(
        4, ge=0, description="Validations waiting for a worker; beyond: 429."
    )
    cors_origins: str = Field("*", description="Comma-separated origins allowed by CORS, or *.")
    default_graph: Literal["union", "asserted"] = Field(
        "union",
        description="Default graph when a request names none: 'union' of all named graphs "
        "(including the inferred graph) or 'asserted' (all but the inferred graph).",
    )
    ontology_docs: Literal["pylode", "builtin"] = Field(
        "builtin",
        description="How /ontology is rendered for browsers: the built-in page (in the "
        "site's frame, labels in the visitor's language), or pyLODE's standalone page.",
    )
    log_level: str = Field("info")

    @model_validator(mode="after")
    def _derive(self) -> Settings:
        if not self.public_base_url:
            self.public_base_url = f"http://{self.host}:{self.port}/"
        if not self.public_base_url.endswith("/"):
            self.public_base_url += "/"
        if self.query_workers is None:
            self.query_workers = (os.cpu_count() or 1) + 1
        if self.reserved_workers is None:
            from api.store.pool import default_reserved

            self.reserved_workers = default_reserved(self.query_workers)
        if self.reserved_workers >= self.query_workers:
            self.reserved_workers = self.query_workers - 1
        return self

    @property
    def max_request_head_bytes(self) -> int:
        """Bound of a whole request head, for the HTTP parser of ``ccai serve``.

        The header fields plus a request line carrying a query of
        ``max_query_chars`` (percent-encoded: 3 bytes a character) and 1 KiB.
        """
        return self.max_header_bytes + 3 * self.max_query_chars + 1024

    @property
    def sparql_endpoint_url(self) -> str:
        return self.public_base_url + "sparql"

    @property
    def cors_origin_list(self) -> list[str]:
        return [o.strip() for o in self.cors_origins.split(",") if o.strip()]

    def oxigraph_path(self) -> Path:
        """The Oxigraph store directory: ``store_path/oxigraph`` when it exists."""
        candidate = self.store_path / "oxigraph"
        return candidate if candidate.is_dir() else self.store_path
