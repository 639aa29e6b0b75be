"""``ccai`` with hostile files (issue 8): FIFOs, sockets, devices, symbolic link
loops, unreadable files and folders, input without RDF, ill-typed literals.

Each must end in exit 2 and one line on standard error naming the path (or, for
an ill-typed literal, a one-line warning), never a hang, a traceback or
"Conforms: yes" about nothing. A blocking ``open()`` of a FIFO would hang the
test: :func:`no_hang` turns that into a failure after a few seconds.
"""

from __future__ import annotations

import errno
import logging
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.cli import main
from api.rdf import parsing
from api.rdf.parsing import (
    NoRdfError,
    UnreadableInputError,
    expand_paths,
    open_regular,
    parse_paths,
    rdf_files_in,
)

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:rdflib.*")

TRIPLE = '<https://e.org/a> <https://e.org/b> "c" .\n'
ILL_TYPED = (
    "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
    '<https://e.org/a> <https://e.org/date> "2024-06-31"^^xsd:date .\n'
    '<https://e.org/a> <https://e.org/count> "abc"^^xsd:integer .\n'
)


@pytest.fixture(autouse=True)
def no_hang() -> Iterator[None]:
    """Fail (instead of hanging) when a test blocks for more than 20 seconds."""

    def timeout(_signum: int, _frame: object) -> None:
        raise TimeoutError("blocked: the command waited on its input")

    previous = signal.signal(signal.SIGALRM, timeout)
    signal.alarm(20)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_refused(code: int, out: str, err: str, path: Path, reason: str) -> None:
    """Exit 2, one line on stderr naming ``path`` and ``reason``, no verdict on stdout."""
    assert code == 2, out + err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"{path}:"), err
    assert reason in lines[0], err
    assert "Traceback" not in err
    assert "Conforms" not in out


def fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


# --- FIFOs, sockets, devices ---------------------------------------------------------


def test_validate_fifo_named_explicitly(capsys, tmp_path: Path) -> None:
    pipe = fifo(tmp_path / "pipe.ttl")
    code, out, err = run(capsys, "validate", pipe)
    assert_refused(code, out, err, pipe, "FIFO")


def test_validate_fifo_inside_a_directory(capsys, tmp_path: Path) -> None:
    (tmp_path / "a.ttl").write_text(TRIPLE)
    pipe = fifo(tmp_path / "b.ttl")
    code, out, err = run(capsys, "validate", tmp_path)
    assert_refused(code, out, err, pipe, "not a regular file")


def test_validate_socket_and_device(capsys, tmp_path: Path) -> None:
    path = tmp_path / "s.ttl"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(path))
        code, out, err = run(capsys, "validate", path)
    assert_refused(code, out, err, path, "socket")
    code, out, err = run(capsys, "validate", "/dev/null")
    assert_refused(code, out, err, Path("/dev/null"), "character device")


def test_fifo_swapped_in_after_the_stat_does_not_block(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ``fstat`` after a non-blocking open catches a FIFO the ``stat`` missed."""
    pipe = fifo(tmp_path / "pipe.ttl")
    check = parsing._require_regular
    calls: list[Path] = []

    def lenient_first_check(path: Path, info: os.stat_result) -> None:
        calls.append(path)
        if len(calls) > 1:  # the stat before opening passes, as if it were a file
            check(path, info)

    monkeypatch.setattr(parsing, "_require_regular", lenient_first_check)
    with pytest.raises(UnreadableInputError, match="FIFO"):
        open_regular(pipe)
    assert calls == [pipe, pipe]


def test_fmt_check_and_query_file_refuse_a_fifo(capsys, tmp_path: Path) -> None:
    (tmp_path / "a.ttl").write_text(TRIPLE)
    pipe = fifo(tmp_path / "b.ttl")
    code, out, err = run(capsys, "fmt", "--check", tmp_path)
    assert_refused(code, out, err, pipe, "FIFO")
    query = fifo(tmp_path / "q.rq")
    code, out, err = run(capsys, "query", f"@{query}", "--store", tmp_path / "none")
    assert_refused(code, out, err, query, "FIFO")


def test_build_graph_dir_with_a_fifo(capsys, tmp_path: Path, fixture_graph_dir: Path) -> None:
    graphs = tmp_path / "graphs"
    graphs.mkdir()
    for path in fixture_graph_dir.glob("*.ttl"):
        (graphs / path.name).write_bytes(path.read_bytes())
    pipe = fifo(graphs / "zz-pipe.ttl")
    code, out, err = run(capsys, "build", "-q", "--out", tmp_path / "out", "--graph-dir", graphs)
    assert_refused(code, out, err, pipe, "FIFO")
    assert not (tmp_path / "out").exists()


# --- symbolic links ---------------------------------------------------------------------


def test_validate_directory_symlink_loop(capsys, tmp_path: Path) -> None:
    root = tmp_path / "data"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "a.ttl").write_text(TRIPLE)
    (root / "sub" / "back").symlink_to("..")
    code, out, err = run(capsys, "validate", root)
    assert_refused(code, out, err, root / "sub" / "back", "symbolic link loop")


def test_validate_self_referencing_symlink(capsys, tmp_path: Path) -> None:
    link = tmp_path / "self.ttl"
    link.symlink_to("self.ttl")
    code, out, err = run(capsys, "validate", link)
    assert_refused(code, out, err, link, "symbolic link loop")
    (tmp_path / "dir").mkdir()
    inner = tmp_path / "dir" / "loop"
    inner.symlink_to("loop")
    (tmp_path / "dir" / "a.ttl").write_text(TRIPLE)
    code, out, err = run(capsys, "validate", tmp_path / "dir")
    assert_refused(code, out, err, inner, "symbolic link loop")


def test_broken_symlink_to_an_rdf_file(capsys, tmp_path: Path) -> None:
    (tmp_path / "a.ttl").write_text(TRIPLE)
    link = tmp_path / "b.ttl"
    link.symlink_to("missing.ttl")
    code, out, err = run(capsys, "validate", tmp_path)
    assert_refused(code, out, err, link, "broken symbolic link")


def test_a_directory_reached_twice_is_walked_once(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.ttl").write_text(TRIPLE)
    (tmp_path / "b").symlink_to("a")
    assert expand_paths([tmp_path]) == [tmp_path / "a" / "x.ttl"]


def test_fmt_and_shapes_refuse_a_symlink_loop(capsys, tmp_path: Path, input_dir: Path) -> None:
    (tmp_path / "a.ttl").write_text(TRIPLE)
    (tmp_path / "up").symlink_to(".")
    code, out, err = run(capsys, "fmt", "--check", tmp_path)
    assert_refused(code, out, err, tmp_path / "up", "symbolic link loop")
    code, out, err = run(capsys, "validate", input_dir / "graph", "--shapes", tmp_path)
    assert_refused(code, out, err, tmp_path / "up", "symbolic link loop")


# --- unreadable files and folders --------------------------------------------------------


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file_and_directory_for_real(capsys, tmp_path: Path) -> None:
    secret = tmp_path / "secret.ttl"
    secret.write_text(TRIPLE)
    secret.chmod(0)
    folder = tmp_path / "closed"
    folder.mkdir()
    folder.chmod(0)
    try:
        code, out, err = run(capsys, "validate", secret)
        assert_refused(code, out, err, secret, "permission denied")
        code, out, err = run(capsys, "validate", folder)
        assert_refused(code, out, err, folder, "permission denied")
    finally:
        folder.chmod(0o755)
        secret.chmod(0o644)


def test_unreadable_file(capsys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As root ``chmod 000`` does not stop reads: ``open`` is made to refuse instead."""
    secret = tmp_path / "secret.ttl"
    secret.write_text(TRIPLE)
    real_open = os.open

    def refusing_open(path, flags, *args, **kwargs):
        if Path(path) == secret:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(parsing.os, "open", refusing_open)
    code, out, err = run(capsys, "validate", secret)
    assert_refused(code, out, err, secret, "permission denied")
    code, out, err = run(capsys, "query", f"@{secret}")
    assert_refused(code, out, err, secret, "permission denied")


def test_unreadable_directory(capsys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    closed = tmp_path / "data" / "closed"
    closed.mkdir(parents=True)
    (tmp_path / "data" / "a.ttl").write_text(TRIPLE)
    real_scandir = os.scandir

    def refusing_scandir(path):
        if Path(path) == closed:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(parsing.os, "scandir", refusing_scandir)
    code, out, err = run(capsys, "validate", tmp_path / "data")
    assert_refused(code, out, err, closed, "permission denied")


# --- no RDF -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.ttl", "", "no RDF triples"),
        ("prefixes.ttl", "@prefix ex: <https://e.org/> .\n# nothing else\n", "no RDF triples"),
        ("plain.json", '{"name": "not linked data", "n": 1}', "not JSON-LD"),
        ("empty.nt", "\n", "no RDF triples"),
    ],
)
def test_file_without_triples(capsys, tmp_path: Path, name: str, content: str, reason: str) -> None:
    path = tmp_path / name
    path.write_text(content)
    code, out, err = run(capsys, "validate", path)
    assert_refused(code, out, err, path, reason)


def test_directory_without_rdf_files(capsys, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    code, out, err = run(capsys, "validate", empty)
    assert_refused(code, out, err, empty, "no RDF files")
    (empty / "notes.txt").write_text("not RDF")
    (empty / ".hidden.ttl").write_text(TRIPLE)
    code, out, err = run(capsys, "validate", empty)
    assert_refused(code, out, err, empty, "no RDF files")


def test_an_empty_file_among_good_ones_is_named(capsys, tmp_path: Path) -> None:
    (tmp_path / "a.ttl").write_text(TRIPLE)
    (tmp_path / "b.ttl").write_text("")
    code, out, err = run(capsys, "validate", tmp_path)
    assert_refused(code, out, err, tmp_path / "b.ttl", "no RDF triples")


def test_fmt_and_build_without_turtle(capsys, tmp_path: Path) -> None:
    code, out, err = run(capsys, "fmt", "--check", tmp_path)
    assert_refused(code, out, err, tmp_path, "no Turtle files")
    code, out, err = run(capsys, "build", "-q", "--out", tmp_path / "o", "--graph-dir", tmp_path)
    assert_refused(code, out, err, tmp_path, "no Turtle files")


def test_parse_paths_raises_no_rdf(tmp_path: Path) -> None:
    with pytest.raises(NoRdfError):
        parse_paths([tmp_path])
    assert rdf_files_in(tmp_path) == []


# --- ill-typed literals ---------------------------------------------------------------------


def test_ill_typed_literals_are_violations_without_traceback(
    capsys, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "dates.ttl"
    path.write_text(ILL_TYPED)
    with caplog.at_level(logging.WARNING, logger="rdflib.term"):
        code, out, err = run(capsys, "validate", path)
    # issue 10: an ill-typed literal is a violation naming its lexical form and the reason
    assert code == 1, out + err
    assert out.startswith("Conforms: no (2 violations")
    assert '"2024-06-31" is not a valid xsd:date: day is out of range for month' in out
    assert '"abc" is not a valid xsd:integer: invalid literal for int()' in out
    assert f"at {path}:2" in out
    assert err.splitlines() == ["ccai validate: 2 violation(s), 0 warning(s), 0 info(s)"]
    assert not [r for r in caplog.records if r.name == "rdflib.term"]


def test_ill_typed_literals_print_no_traceback(tmp_path: Path) -> None:
    """The installed command, where rdflib's logging would reach stderr."""
    path = tmp_path / "dates.ttl"
    path.write_text(ILL_TYPED)
    script = Path(sys.executable).parent / "ccai"
    argv = [str(script)] if script.exists() else [sys.executable, "-m", "api.cli"]
    done = subprocess.run(
        [*argv, "validate", str(path)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert "Failed to convert" not in done.stderr
    assert "is not a valid xsd:date: day is out of range for month" in done.stdout


def test_silencing_rdflib_nests() -> None:
    """The command silences rdflib for its whole run, parsing again inside it."""
    logger = logging.getLogger("rdflib.term")
    with parsing.quiet_ill_typed_literals():
        with parsing.quiet_ill_typed_literals():
            pass
        assert parsing._drop_literal_conversion in logger.filters
    assert parsing._drop_literal_conversion not in logger.filters
