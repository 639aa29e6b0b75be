"""Reading report.json into BuildMetadata."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from api.fair import BuildMetadata, ReportError


def test_from_file(build_report: dict, tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    path.write_text(json.dumps(build_report), encoding="utf-8")
    meta = BuildMetadata.from_report(path)
    assert meta.version == "0.1.0"
    assert meta.finished.tzinfo is not None
    assert [a.file for a in meta.artefacts] == [a["file"] for a in build_report["artefacts"]]
    assert meta.artefact("ccai.ttl").bytes == build_report["artefacts"][2]["bytes"]
    assert meta.issued is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"version": None}, "version"),
        ({"artefacts": [{"file": "../x.ttl", "bytes": 1, "sha256": "0" * 64}]}, "bare file"),
        ({"artefacts": [{"file": "x.ttl", "bytes": -1, "sha256": "0" * 64}]}, "non-negative"),
        ({"artefacts": [{"file": "x.ttl", "bytes": 1, "sha256": "xyz"}]}, "hex"),
        ({"finished": "yesterday"}, "ISO 8601"),
    ],
)
def test_bad_reports_are_refused(build_report: dict, change: dict, message: str) -> None:
    report = {**build_report, **change}
    report = {k: v for k, v in report.items() if v is not None}
    with pytest.raises(ReportError, match=message):
        BuildMetadata.from_report(report)
