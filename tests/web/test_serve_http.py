"""``ccai serve`` itself (uvicorn with h11, in a subprocess on 127.0.0.1), over raw sockets.

* Java's HTTP client (Jena's rsparql/arq, Fuseki's SERVICE) sends
  ``Connection: Upgrade, HTTP2-Settings`` and ``Upgrade: h2c`` with every POST;
  httptools dropped the body (400 "The POST request carries no query"). Both
  POST forms must be answered (issue 9).
* A 2 MB ``Accept`` header is refused at once and the server keeps serving;
  headers over ``CCAI_MAX_HEADER_BYTES`` get 431, a long GET query does not.
* A body that never arrives (all of it, or the rest of it) gets 408 within
  ``CCAI_BODY_TIMEOUT`` and the connection is closed (issue 8).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.slow

BODY_TIMEOUT = 1.0
QUERY = b"SELECT ?s WHERE { ?s ?p ?o } LIMIT 1"
JAVA_HEADERS = (
    b"Connection: Upgrade, HTTP2-Settings\r\n"
    b"Upgrade: h2c\r\n"
    b"HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n"
    b"User-Agent: Java-http-client/17.0.2\r\n"
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(fixture_build, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``ccai serve`` on the fixture build; yields ``host:port``."""
    out, _report = fixture_build
    port = _free_port()
    env = {
        **os.environ,
        "CCAI_STORE_BACKEND": "inprocess",
        "CCAI_BODY_TIMEOUT": str(BODY_TIMEOUT),
        "CCAI_LOG_LEVEL": "warning",
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from api.cli import main; sys.exit(main())",
            "serve",
            "--store",
            str(out),
            "--port",
            str(port),
        ],
        cwd=tmp_path_factory.mktemp("serve"),  # no stray .env
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    address = f"127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"ccai serve exited: {process.stderr.read().decode()}")
            try:
                if httpx.get(f"http://{address}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("ccai serve did not start")
            time.sleep(0.1)
        yield address
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def exchange(address: str, request: bytes, *, stall: bool = False, timeout: float = 10) -> bytes:
    """Send ``request`` on a fresh connection; read until the server closes it.

    ``stall``: then send nothing more, keeping the connection open. Sending runs
    in a thread, so a server that answers (and closes) before taking the whole
    request is still heard.
    """
    host, port = address.split(":")
    sock = socket.create_connection((host, int(port)), timeout=timeout)

    def send() -> None:
        with contextlib.suppress(OSError):  # the server closed first: its answer counts
            sock.sendall(request)

    sender = threading.Thread(target=send)
    sender.start()
    received = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
            if not stall and b"\r\n\r\n" in received and _complete(received):
                break
    except (ConnectionResetError, TimeoutError):
        pass
    finally:
        sender.join()
        sock.close()
    return received


def _complete(response: bytes) -> bool:
    head, _, body = response.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value)
    return False


def status_of(response: bytes) -> int:
    return int(response.split(b" ", 2)[1])


def body_of(response: bytes) -> bytes:
    return response.partition(b"\r\n\r\n")[2]


def post(content_type: bytes, body: bytes, extra: bytes = b"") -> bytes:
    return (
        b"POST /sparql HTTP/1.1\r\n"
        b"Host: 127.0.0.1\r\n"
        b"Accept: application/sparql-results+json\r\n"
        b"Content-Type: " + content_type + b"\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n" + extra + b"\r\n" + body
    )


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        (b"application/x-www-form-urlencoded", b"query=" + urllib.parse.quote_plus(QUERY).encode()),
        (b"application/sparql-query", QUERY),
    ],
    ids=["form", "direct"],
)
def test_java_http_client_upgrade_headers(server: str, content_type: bytes, body: bytes) -> None:
    response = exchange(server, post(content_type, body, JAVA_HEADERS))
    assert status_of(response) == 200, response[:500]
    results = json.loads(body_of(response))
    assert results["head"]["vars"] == ["s"]
    assert len(results["results"]["bindings"]) == 1


def test_huge_accept_header_is_refused_at_once(server: str) -> None:
    request = (
        b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Accept: " + b"text/html;q=0.1, " * 120_000 + b"\r\n\r\n"  # 2 MB
    )
    start = time.monotonic()
    response = exchange(server, request)
    assert time.monotonic() - start < 2
    # The HTTP parser refuses it (400), or the connection is reset before its answer is read.
    assert response == b"" or status_of(response) in (400, 431), response[:300]
    assert httpx.get(f"http://{server}/health", timeout=5).status_code == 200


def test_headers_over_the_cap_get_431_json(server: str) -> None:
    r = httpx.get(f"http://{server}/health", headers={"X-Filler": "x" * 20_000}, timeout=5)
    assert r.status_code == 431
    assert r.json()["error"] == "request-header-fields-too-large"


def test_a_long_get_query_is_no_header_problem(server: str) -> None:
    query = 'ASK { FILTER(STRLEN("' + "x" * 30_000 + '") > 0) }'  # a 30 KB request line
    r = httpx.get(f"http://{server}/sparql", params={"query": query}, timeout=30)
    assert r.status_code == 200, r.text[:300]
    assert r.json()["boolean"] is True


@pytest.mark.parametrize("sent", [b"", b"query=ASK"], ids=["no-body", "partial-body"])
def test_body_that_never_arrives_gets_408_and_close(server: str, sent: bytes) -> None:
    request = (
        b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n"
        b"Content-Length: 100\r\n\r\n" + sent
    )
    start = time.monotonic()
    response = exchange(server, request, stall=True)  # returns once the server closes
    elapsed = time.monotonic() - start
    assert BODY_TIMEOUT * 0.8 < elapsed < BODY_TIMEOUT + 3, elapsed
    assert status_of(response) == 408, response[:300]
    assert b"connection: close" in response.lower()
    assert json.loads(body_of(response))["error"] == "request-timeout"


def test_many_stalled_bodies_are_all_closed(server: str) -> None:
    request = post(b"application/sparql-query", b"ASK {}")[:-3]  # the body breaks off
    results: list[bytes] = []

    def one() -> None:
        results.append(exchange(server, request, stall=True))

    start = time.monotonic()
    threads = [threading.Thread(target=one) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=BODY_TIMEOUT + 10)
    assert time.monotonic() - start < BODY_TIMEOUT + 5
    assert len(results) == 50
    assert {status_of(r) for r in results} == {408}
    assert httpx.get(f"http://{server}/health", timeout=5).status_code == 200
