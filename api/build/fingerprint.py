"""What a build was made from, as one content hash: ``ccai build`` skips an unchanged one.

The fingerprint is the SHA-256 of every input file (the ontology and its
vocabularies, the source graphs, the shapes: each file's path relative to its
folder and its bytes), of the code that turns them into a build (the
sources listed in :data:`CODE`: the pipeline, parsing, the label index,
the validation engines, the store layout) and of the versions of ccai-kg
and pyoxigraph. ``report.json`` records it as ``inputs``; :func:`up_to_date`
compares a build with the current inputs. File times play no part: a
checkout, a ``touch`` or a copy does not force a rebuild, an edit of one
byte does.

>>> import tempfile
>>> root = Path(tempfile.mkdtemp())
>>> _ = (root / "a.ttl").write_text("<x:a> <x:b> <x:c> .")
>>> first = fingerprint({"graph": root})
>>> _ = (root / "a.ttl").write_text("<x:a> <x:b> <x:d> .")
>>> first["sha256"] == fingerprint({"graph": root})["sha256"]
False
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyoxigraph

from api import __version__

_API = Path(__file__).resolve().parent.parent
#: The code whose change changes what a build writes.
CODE = (
    "build",
    "rdf",
    "search",
    "shacl",
    "store/layout.py",
    "validation.py",
    "validate",
    "namespaces.py",
)


def _files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if not path.is_dir():
        return []
    return sorted(
        p
        for p in path.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and not p.name.startswith(".")
    )


def fingerprint(inputs: Mapping[str, Path]) -> dict[str, object]:
    """``{"sha256": hex, "files": n}`` over ``inputs`` (name → file or folder) and the code."""
    digest = hashlib.sha256()
    count = 0
    groups: list[tuple[str, Path, list[Path]]] = [
        (name, root if root.is_dir() else root.parent, _files(root))
        for name, root in sorted(inputs.items())
    ]
    code = [p for c in CODE for p in _files(_API / c) if p.suffix in (".py", ".rq")]
    groups.append(("code", _API, code))
    for label, base, paths in groups:
        for path in paths:
            rel = path.relative_to(base).as_posix()
            data = path.read_bytes()
            digest.update(f"{label}:{rel}:{len(data)}\n".encode())
            digest.update(data)
            count += 1
    digest.update(f"ccai-kg {__version__}; pyoxigraph {pyoxigraph.__version__}".encode())
    return {"sha256": digest.hexdigest(), "files": count}


def recorded_report(build_dir: Path) -> dict[str, Any] | None:
    """A build's ``report.json``, or ``None`` when there is none that parses."""
    try:
        report = json.loads((build_dir / "report.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return report if isinstance(report, dict) else None


def recorded(build_dir: Path) -> dict[str, object] | None:
    """The ``inputs`` a build's ``report.json`` records, or ``None``."""
    report = recorded_report(build_dir)
    inputs = report.get("inputs") if report is not None else None
    return inputs if isinstance(inputs, dict) else None


def up_to_date(build_dir: Path, current: Mapping[str, object]) -> bool:
    """True when ``build_dir`` is a complete build of exactly ``current``'s inputs."""
    previous = recorded(build_dir)
    if previous is None or previous.get("sha256") != current.get("sha256"):
        return False
    return (build_dir / "oxigraph").is_dir() and (build_dir / "SHA256SUMS").is_file()
