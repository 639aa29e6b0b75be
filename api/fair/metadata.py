"""What the FAIR metadata needs to know about one build: :class:`BuildMetadata`.

``ccai build --out build`` writes ``build/report.json``; this module reads the
part of it that the DCAT, VoID and schema.org descriptions use:

``version``
    the data release (``dcat:version``, ``schema:version``);
``finished``
    when the build finished (ISO 8601; ``dct:modified``);
``artefacts``
    ``[{"file", "media_type", "bytes", "sha256"}, …]``, one per file in the
    build directory; the RDF dumps among them become distributions;
``issued`` (optional)
    the date of the first public release (``dct:issued``); omitted when absent;
``triples`` (optional)
    the build's own triple counts, kept verbatim (not used for VoID, which counts
    from the store itself, see :mod:`api.fair.statistics`).

Example::

    >>> meta = BuildMetadata.from_report({
    ...     "version": "0.1.0", "finished": "2026-11-23T10:00:00Z",
    ...     "artefacts": [{"file": "ccai.ttl", "media_type": "text/turtle",
    ...                    "bytes": 10, "sha256": "ab" * 32}]})
    >>> meta.artefacts[0].file, meta.finished.year
    ('ccai.ttl', 2026)
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

__all__ = ["Artefact", "BuildMetadata", "ReportError"]

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class ReportError(ValueError):
    """``report.json`` lacks a field the metadata needs, or holds a bad value."""


@dataclass(frozen=True)
class Artefact:
    """One file written by the build (``report.json: artefacts[i]``)."""

    file: str
    media_type: str
    bytes: int
    sha256: str

    def __post_init__(self) -> None:
        if "/" in self.file or "\\" in self.file or self.file in ("", ".", ".."):
            raise ReportError(f"artefact file must be a bare file name, got {self.file!r}")
        if not isinstance(self.bytes, int) or isinstance(self.bytes, bool) or self.bytes < 0:
            raise ReportError(f"{self.file}: bytes must be a non-negative integer")
        if not _SHA256.match(self.sha256):
            raise ReportError(f"{self.file}: sha256 must be 64 lower-case hex digits")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Artefact:
        try:
            return cls(
                file=str(data["file"]),
                media_type=str(data.get("media_type") or ""),
                bytes=data["bytes"],
                sha256=str(data["sha256"]).lower(),
            )
        except KeyError as missing:
            raise ReportError(f"artefact {data!r} lacks {missing}") from None


@dataclass(frozen=True)
class BuildMetadata:
    """The facts about one build that the dataset descriptions are made from."""

    version: str
    finished: datetime
    artefacts: tuple[Artefact, ...]
    issued: date | None = None
    triples: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_report(cls, report: Mapping[str, Any] | str | Path) -> BuildMetadata:
        """Read ``report.json`` (a path) or its parsed content (a mapping).

        Raises:
            ReportError: a required field (version, finished, artefacts) is missing
                or malformed.
            OSError: the file cannot be read.
        """
        data: Mapping[str, Any] = (
            report
            if isinstance(report, Mapping)
            else json.loads(Path(report).read_text(encoding="utf-8"))
        )
        try:
            version = str(data["version"])
            finished = _parse_datetime(data["finished"])
            artefacts = tuple(Artefact.from_dict(a) for a in data["artefacts"])
        except KeyError as missing:
            raise ReportError(f"report.json lacks {missing}") from None
        issued = data.get("issued")
        return cls(
            version=version,
            finished=finished,
            artefacts=artefacts,
            issued=date.fromisoformat(str(issued)[:10]) if issued else None,
            triples=data.get("triples") or {},
        )

    def artefact(self, file: str) -> Artefact:
        """The artefact called ``file``; KeyError when the build did not write it."""
        for artefact in self.artefacts:
            if artefact.file == file:
                return artefact
        raise KeyError(file)


def _parse_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = datetime.fromisoformat(str(value))
        except ValueError:
            raise ReportError(f"finished is not an ISO 8601 timestamp: {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
