"""Integrity of a build (issues 8 and 9): published checksums that verify, store
checksums that ``ccai serve`` checks at start-up, and no ``build.tmp-*`` left
behind by a killed build.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import types
from pathlib import Path
from types import SimpleNamespace

import pyoxigraph
import pytest
from rdflib import Graph

from api.build.artefacts import (
    CHECKSUMS_FILE,
    STORE_CHECKSUMS_FILE,
    StoreIntegrityError,
    StoreUnverifiable,
    verify_store,
)
from api.build.pipeline import build, remove_stale_builds
from api.cli import main
from api.fair.service import FairService

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:rdflib.*")


def _conforming(_data: Graph) -> SimpleNamespace:
    return SimpleNamespace(conforms=True, counts={"Violation": 0, "Warning": 0, "Info": 0})


def _sums(path: Path) -> dict[str, str]:
    return {
        name: digest
        for digest, name in (line.split("  ", 1) for line in path.read_text().splitlines())
    }


@pytest.fixture
def build_copy(fixture_build, tmp_path: Path) -> Path:
    """A private copy of the session's fixture build, safe to tamper with."""
    out, _report = fixture_build
    copy = tmp_path / "build"
    shutil.copytree(out, copy, symlinks=True)
    return copy


def _dead_pid() -> int:
    """The id of a process that has exited (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


# --- published checksums (issue 9) ----------------------------------------------------


def test_sha256sums_lists_exactly_what_download_serves(fixture_build, tmp_path: Path) -> None:
    """``sha256sum -c SHA256SUMS`` passes over the files ``/download`` serves."""
    out, _report = fixture_build
    sums = _sums(out / CHECKSUMS_FILE)
    service = FairService.load(out)
    assert set(sums) == set(service.downloads) - {CHECKSUMS_FILE}
    assert "report.json" not in sums
    downloaded = tmp_path / "downloaded"
    downloaded.mkdir()
    for name in [*sums, CHECKSUMS_FILE]:
        entry = service.download(name)  # refused (ArtefactNotFound) if not allow-listed
        shutil.copyfile(entry.path, downloaded / name)
    if shutil.which("sha256sum"):
        done = subprocess.run(
            ["sha256sum", "--strict", "-c", CHECKSUMS_FILE],
            cwd=downloaded,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
    for name, digest in sums.items():
        assert hashlib.sha256((downloaded / name).read_bytes()).hexdigest() == digest


# --- the store's checksums --------------------------------------------------------------


def test_store_checksums_cover_every_store_file(fixture_build) -> None:
    out, _report = fixture_build
    sums = _sums(out / STORE_CHECKSUMS_FILE)
    on_disk = {
        f"oxigraph/{p.name}"
        for p in (out / "oxigraph").iterdir()
        if p.name != "LOCK" and not p.name.startswith("LOG")
    }
    assert set(sums) == on_disk
    assert "oxigraph/CURRENT" in sums and any(name.endswith(".sst") for name in sums)
    report = json.loads((out / "report.json").read_text())
    recorded = {f["file"]: f for f in report["store"]["files"]}
    assert set(recorded) == on_disk
    for name, digest in sums.items():
        path = out / name
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest, name
        assert recorded[name] == {"file": name, "bytes": path.stat().st_size, "sha256": digest}
    if shutil.which("sha256sum"):
        done = subprocess.run(
            ["sha256sum", "--strict", "-c", STORE_CHECKSUMS_FILE],
            cwd=out,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr


def test_opening_the_store_read_only_changes_no_checked_file(build_copy: Path) -> None:
    def snapshot() -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in (build_copy / "oxigraph").iterdir()}

    before = snapshot()
    for _ in range(2):
        store = pyoxigraph.Store.read_only(str(build_copy / "oxigraph"))
        assert len(list(store.query("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 5"))) == 5
        del store
        gc.collect()
    assert verify_store(build_copy / "oxigraph") == len(_sums(build_copy / STORE_CHECKSUMS_FILE))
    after = snapshot()
    assert {k: v for k, v in after.items() if not k.startswith("LOG")} == {
        k: v for k, v in before.items() if not k.startswith("LOG")
    }


def test_verifying_the_project_store_is_fast(project_build) -> None:
    out, _report = project_build
    started = time.perf_counter()
    checked = verify_store(out / "oxigraph")
    assert checked > 3
    assert time.perf_counter() - started < 1.0


def _largest_sst(build_dir: Path) -> Path:
    return max((build_dir / "oxigraph").glob("*.sst"), key=lambda p: p.stat().st_size)


def test_verify_refuses_a_truncated_file(build_copy: Path) -> None:
    sst = _largest_sst(build_copy)
    with sst.open("r+b") as stream:
        stream.truncate(100)
    with pytest.raises(StoreIntegrityError, match=rf"{sst.name}: 100 bytes where the build"):
        verify_store(build_copy / "oxigraph")


def test_verify_refuses_a_changed_byte(build_copy: Path) -> None:
    sst = _largest_sst(build_copy)
    data = bytearray(sst.read_bytes())
    data[len(data) // 2] ^= 0xFF
    sst.write_bytes(bytes(data))
    with pytest.raises(StoreIntegrityError, match=rf"{sst.name}: SHA-256 differs"):
        verify_store(build_copy / "oxigraph")


def test_verify_refuses_missing_extra_and_linked_files(build_copy: Path) -> None:
    store = build_copy / "oxigraph"
    sst = _largest_sst(build_copy)
    moved = build_copy / "moved.sst"
    sst.rename(moved)
    with pytest.raises(StoreIntegrityError, match=rf"{sst.name}: missing from the store"):
        verify_store(store)
    sst.symlink_to(moved)
    with pytest.raises(StoreIntegrityError, match=rf"{sst.name}: not a regular file"):
        verify_store(store)
    sst.unlink()
    moved.rename(sst)
    (store / "000999.sst").write_bytes(b"planted")
    with pytest.raises(StoreIntegrityError, match=r"000999\.sst: not in oxigraph\.SHA256SUMS"):
        verify_store(store)


def test_verify_refuses_a_missing_or_hostile_checksum_file(build_copy: Path) -> None:
    sums = build_copy / STORE_CHECKSUMS_FILE
    text = sums.read_text()
    sums.write_text(text + f"{'0' * 64}  ../../etc/passwd\n")
    with pytest.raises(StoreIntegrityError, match=r"SHA256SUMS:\d+: not a"):
        verify_store(build_copy / "oxigraph")
    sums.write_text("")
    with pytest.raises(StoreIntegrityError, match="lists no file"):
        verify_store(build_copy / "oxigraph")
    sums.unlink()
    with pytest.raises(StoreIntegrityError, match="cannot read the store's checksums"):
        verify_store(build_copy / "oxigraph")


# --- ccai serve --------------------------------------------------------------------------


@pytest.fixture
def fake_server(monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """``api.web.app.create_app`` and ``uvicorn.run`` replaced: records what serve starts."""
    import uvicorn

    started: dict[str, object] = {}
    fake = types.ModuleType("api.web.app")
    fake.create_app = lambda settings: "the-app"
    monkeypatch.setitem(sys.modules, "api.web.app", fake)
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: started.update(app=app))
    return started


def test_serve_refuses_a_corrupted_store(capsys, build_copy: Path, fake_server: dict) -> None:
    sst = _largest_sst(build_copy)
    with sst.open("r+b") as stream:
        stream.truncate(10)
    code = main(["serve", "--store", str(build_copy)])
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert str(sst) in err and "--no-verify" in err
    assert fake_server == {}  # uvicorn never started
    assert main(["serve", "--store", str(build_copy), "--no-verify"]) == 0
    assert fake_server == {"app": "the-app"}


def test_serve_starts_on_a_verified_store(capsys, build_copy: Path, fake_server: dict) -> None:
    code = main(["serve", "--store", str(build_copy)])
    assert code == 0, capsys.readouterr().err
    assert fake_server == {"app": "the-app"}


def test_serve_warns_about_a_store_no_build_checksummed(
    capsys, tmp_path: Path, fake_server: dict
) -> None:
    """A bare store (the benchmark's) has nothing to verify against: served, with a warning."""
    store = pyoxigraph.Store(str(tmp_path / "oxigraph"))
    store.add(pyoxigraph.Quad(*(pyoxigraph.NamedNode(f"https://e.org/{c}") for c in "spo")))
    store.flush()
    del store
    gc.collect()
    with pytest.raises(StoreUnverifiable):
        verify_store(tmp_path / "oxigraph")
    code = main(["serve", "--store", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 0, err
    assert err.startswith("ccai serve: warning: ") and "not verified" in err
    assert fake_server == {"app": "the-app"}


# --- leftovers of killed builds (issue 8) ---------------------------------------------------


def test_stale_staging_folders_are_removed_live_ones_kept(tmp_path: Path) -> None:
    out = tmp_path / "build"
    out.mkdir()
    dead = _dead_pid()
    stale = [tmp_path / f"build.tmp-{dead}-abc123", tmp_path / f"build.old-{dead}-def456"]
    legacy_old = tmp_path / "build.tmp-k2j4h5g6"
    live = [
        tmp_path / f"build.tmp-{os.getpid()}-live12",
        tmp_path / "build.tmp-n3w4e5r6",  # no PID, recent: may be a running older build
        tmp_path / f"other.tmp-{dead}-abc123",  # not this build's
    ]
    for folder in [*stale, legacy_old, *live]:
        (folder / "oxigraph").mkdir(parents=True)
    an_hour_ago = time.time() - 7200
    os.utime(legacy_old, (an_hour_ago, an_hour_ago))
    removed = remove_stale_builds(out)
    assert sorted(removed) == sorted([*stale, legacy_old])
    assert all(not p.exists() for p in removed)
    assert all(p.is_dir() for p in [out, *live])


def test_previous_build_restored_when_killed_between_renames(tmp_path: Path) -> None:
    out = tmp_path / "build"
    old = tmp_path / f"build.old-{_dead_pid()}-abc123"
    old.mkdir()
    (old / "report.json").write_text("{}")
    assert remove_stale_builds(out) == []
    assert (out / "report.json").read_text() == "{}"
    assert not old.exists()


def test_staging_folder_names_carry_the_pid(
    tmp_path: Path, fixture_graph_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from api.build import artefacts

    seen: list[str] = []

    def spy(staging: Path, nquads: Path) -> dict[str, object]:
        seen.append(staging.name)
        raise OSError("disk full")

    monkeypatch.setattr(artefacts, "write_store", spy)
    with pytest.raises(OSError, match="disk full"):
        build(tmp_path / "build", graph_dir=fixture_graph_dir, validator=_conforming)
    assert len(seen) == 1 and seen[0].startswith(f"build.tmp-{os.getpid()}-")
    assert list(tmp_path.iterdir()) == []


def test_a_killed_build_leaves_nothing_after_the_next_run(
    tmp_path: Path, fixture_graph_dir: Path
) -> None:
    """SIGKILL a build while it writes; the next build removes its staging folder."""
    out = tmp_path / "build"
    script = textwrap.dedent(
        f"""
        import threading
        from pathlib import Path
        from types import SimpleNamespace
        from api.build import artefacts
        from api.build.pipeline import build

        def stalled_store(staging, nquads):
            Path({str(tmp_path / "writing")!r}).write_text(staging.name)
            threading.Event().wait(120)  # stalls here until the test kills it

        artefacts.write_store = stalled_store
        ok = SimpleNamespace(conforms=True, counts={{}})
        build(Path({str(out)!r}), graph_dir=Path({str(fixture_graph_dir)!r}),
              validator=lambda data: ok)
        """
    )
    child = subprocess.Popen([sys.executable, "-c", script])
    try:
        deadline = time.monotonic() + 120
        while not (tmp_path / "writing").exists():
            assert child.poll() is None, "the build ended before writing"
            assert time.monotonic() < deadline, "the build never started writing"
            time.sleep(0.1)
        staging = tmp_path / (tmp_path / "writing").read_text()
        assert staging.is_dir()
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert staging.is_dir()  # SIGKILL ran no clean-up
    steps: list[str] = []
    build(out, graph_dir=fixture_graph_dir, validator=_conforming, progress=steps.append)
    assert not staging.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build", "writing"]
    assert steps[0] == f"removed {staging.name}, left by a build that was killed"


def test_loads_into_the_build_leave_its_store_verifiable(
    build_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``ccai load`` writes the store's checksums once the store is closed: while it is
    open RocksDB compacts in the background, creating and deleting files (at 10⁶ triples
    a checksum of the open store named a file already gone)."""
    import api.build.artefacts as artefacts

    refresh = artefacts.refresh_store_record

    def once_closed(build_dir: Path, counts) -> None:  # type: ignore[no-untyped-def]
        held = pyoxigraph.Store(str(build_dir / "oxigraph"))  # fails while the load holds it
        del held
        gc.collect()
        refresh(build_dir, counts)

    monkeypatch.setattr(artefacts, "refresh_store_record", once_closed)
    data = tmp_path / "museum.ttl"
    data.write_text(
        '<https://example.org/museum/o1> <http://www.w3.org/2000/01/rdf-schema#label> "One" .',
        encoding="utf-8",
    )
    for i in range(3):
        graph = f"https://example.org/museum/graph-{i}"
        args = ["load", "--quiet", "--no-validate", "--store", str(build_copy), str(data)]
        assert main([*args, "--graph", graph]) == 0
        assert verify_store(build_copy / "oxigraph") == len(
            _sums(build_copy / STORE_CHECKSUMS_FILE)
        )
