"""The worker sandbox: a process under the filter cannot reach the network.

Each check runs in a fresh interpreter (the filter is irreversible) next to a
TCP listener on 127.0.0.1 that must see no connection. The positive control
runs the same federated query without the filter and sees the listener hit.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator

import pytest

pytestmark = pytest.mark.slow

SETTLE = 0.3


class _Listener:
    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            conn.close()


@pytest.fixture
def listener() -> Iterator[_Listener]:
    lst = _Listener()
    yield lst
    lst.sock.close()


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def _federated(port: int, silent: bool = False) -> str:
    return (
        f"SELECT * {{ SERVICE {'SILENT ' if silent else ''}"
        f"<http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}"
    )


def test_positive_control_without_the_filter(listener: _Listener) -> None:
    out = _run(
        f"""
        import pyoxigraph as ox
        try:
            list(ox.Store().query({_federated(listener.port)!r}))
        except OSError:
            pass
        """
    )
    assert out.returncode == 0, out.stderr
    time.sleep(SETTLE)
    assert listener.connections >= 1


@pytest.mark.parametrize("silent", [False, True])
def test_oxigraph_service_under_the_filter_ends_the_process(
    listener: _Listener, silent: bool
) -> None:
    out = _run(
        f"""
        import pyoxigraph as ox
        from api.store import sandbox
        sandbox.install()
        print("installed", flush=True)
        list(ox.Store().query({_federated(listener.port, silent)!r}))
        print("survived", flush=True)
        """
    )
    assert "installed" in out.stdout and "survived" not in out.stdout
    assert out.returncode == -31  # SIGSYS: what the pool reports as service-not-allowed
    time.sleep(SETTLE)
    assert listener.connections == 0


def test_unix_sockets_and_threads_still_work_under_the_filter() -> None:
    out = _run(
        """
        import socket, threading
        from api.store import sandbox
        sandbox.install()
        a, b = socket.socketpair()
        a.sendall(b"x"); assert b.recv(1) == b"x"
        results = []
        t = threading.Thread(target=lambda: results.append(socket.socketpair()))
        t.start(); t.join()
        print("ok", len(results))
        """
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok 1"


def test_every_thread_is_filtered() -> None:
    out = _run(
        """
        import socket, threading
        from api.store import sandbox
        sandbox.install()
        t = threading.Thread(target=lambda: socket.socket(socket.AF_INET6))
        t.start(); t.join()
        print("survived", flush=True)
        """
    )
    assert out.returncode == -31 and "survived" not in out.stdout
