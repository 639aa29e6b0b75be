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
    query_timeout: float = Field(30.0, gt=0, description="Seconds before a query is killed.")
    max_result_rows: int = Field(100_000, gt=0, description="Rows (or triples) per result.")
    max_request_bytes: int = Field(MIB, gt=0, description="Largest accepted request body.")
    max_query_chars: int = Field(64 * 1024, gt=0, description="Longest accepted query text.")
    max_concurrent_queries: int = Field(2, gt=0, description="Queries evaluated at once.")
    max_queued_queries: int = Field(8, ge=0, description="Queries waiting; beyond: 429.")
    query_workers: int | None = Field(
        None, gt=0, description="Worker processes; default: max_concurrent_queries."
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
    cors_origins: str = Field("*", description="Comma-separated origins allowed by CORS, or *.")
    default_graph: Literal["union", "asserted"] = Field(
        "union",
        description="Default graph when a request names none: 'union' of all named graphs "
        "(including the inferred graph) or 'asserted' (all but the inferred graph).",
    )
    log_level: str = Field("info")

    @model_validator(mode="after")
    def _derive(self) -> Settings:
        if not self.public_base_url:
            self.public_base_url = f"http://{self.host}:{self.port}/"
        if not self.public_base_url.endswith("/"):
            self.public_base_url += "/"
        if self.query_workers is None:
            self.query_workers = self.max_concurrent_queries
        return self

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
