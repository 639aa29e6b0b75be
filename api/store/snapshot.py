"""One build generation per running service: a hard-linked snapshot of the build.

A running server serves exactly one build. ``ccai build`` replaces the build
directory atomically (a new directory swapped in), so without care a server
would keep answering ``/sparql`` from the store its workers opened while a
respawned worker, the downloads or the catalogue read the new build: two
generations at once.

The policy: **a new build is served after a restart.** At start-up the
service pins its generation: :func:`pin` hard-links every file of the build
into a sibling directory ``<build>.serving-<pid>-XXXX`` (no copying: the
build's files are never modified after the build, and a hard link keeps a
file's content alive when the build directory is replaced). Every part of
the service (the worker processes, respawned ones included, the FAIR
metadata, the downloads) reads from that snapshot, so a rebuild while
serving changes nothing until the service restarts. :func:`unpin` removes
it at shutdown; snapshots of servers that were killed are removed by the
next :func:`pin` (their process id is gone).

Where hard links are impossible (another filesystem, or a filesystem without
them) the build is served in place and the generation is not pinned; the
service logs it.

>>> import tempfile
>>> root = Path(tempfile.mkdtemp())
>>> (root / "build" / "oxigraph").mkdir(parents=True)
>>> _ = (root / "build" / "oxigraph" / "CURRENT").write_text("1")
>>> pinned = pin(root / "build")
>>> (pinned / "oxigraph" / "CURRENT").read_text(), pinned.name.startswith("build.serving-")
('1', True)
>>> unpin(pinned, root / "build"); pinned.exists()
False
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
from pathlib import Path

log = logging.getLogger("ccai.store.snapshot")

_VOLATILE = re.compile(r"^(LOG(\..*)?|LOCK)$")  # RocksDB's own, rewritten on open


def _process_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale(build_dir: Path) -> list[Path]:
    """Remove ``<build>.serving-<pid>-*`` snapshots whose server is gone."""
    pattern = re.compile(re.escape(build_dir.name) + r"\.serving-(\d+)-[A-Za-z0-9_]+$")
    removed: list[Path] = []
    if not build_dir.parent.is_dir():
        return removed
    for path in build_dir.parent.iterdir():
        match = pattern.match(path.name)
        if match and path.is_dir() and not _process_alive(int(match.group(1))):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def pin(build_dir: Path) -> Path:
    """Hard-link ``build_dir``'s files into a new sibling snapshot; return its path.

    Returns ``build_dir`` itself (unpinned) when hard links are not possible.
    """
    build_dir = build_dir.resolve()
    remove_stale(build_dir)
    target = Path(
        tempfile.mkdtemp(prefix=f"{build_dir.name}.serving-{os.getpid()}-", dir=build_dir.parent)
    )
    try:
        for root, dirs, files in os.walk(build_dir):
            rel = Path(root).relative_to(build_dir)
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            (target / rel).mkdir(parents=True, exist_ok=True)
            for name in files:
                if _VOLATILE.match(name):
                    continue
                os.link(Path(root) / name, target / rel / name)
    except OSError as exc:
        shutil.rmtree(target, ignore_errors=True)
        log.warning("serving %s in place (no hard-linked snapshot: %s)", build_dir, exc)
        return build_dir
    return target


def unpin(pinned: Path, build_dir: Path) -> None:
    """Remove a snapshot made by :func:`pin` (never the build itself)."""
    if pinned.resolve() != build_dir.resolve() and ".serving-" in pinned.name:
        shutil.rmtree(pinned, ignore_errors=True)
