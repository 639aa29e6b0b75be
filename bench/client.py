"""The benchmark's HTTP load client: keep-alive ``http.client`` connections, one per thread.

Why not httpx: on this machine its async client adds about 2 ms of client CPU to
every request (``ASK {}`` against the ccai API: 3.4 ms p50 with httpx, 1.1 ms
with ``http.client``; against rdflib-endpoint 2.4 ms vs 0.7 ms). The client runs
on the same 2 cores as the servers, so a heavy client compresses every ratio
towards 1 and measures itself. ``http.client`` is the lightest robust HTTP/1.1
client in the standard library (chunked bodies, keep-alive).

Concurrency *c* = *c* threads, each with its own connection, taking request
numbers from a shared counter (round-robin over the queries); bounded by a
request count and a wall-clock limit. A request that times out ends its thread
(the server is still busy with it; the caller decides whether to restart it).
"""

from __future__ import annotations

import http.client
import itertools
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

JSON_RESULTS = "application/sparql-results+json"


#: How a request on a connection the server closed while it was idle fails: no answer
#: at all, or the request cannot even be written.
_CLOSED_WHILE_IDLE = ("RemoteDisconnected", "BrokenPipeError")


@dataclass
class Reply:
    status: int | None  # None: timed out or the connection failed
    body: bytes
    seconds: float
    error: str | None = None
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names


@dataclass
class RunResult:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    requests: int = 0
    ok: int = 0
    wall: float = 0.0
    timed_out: list[str] = field(default_factory=list)


class Connection:
    """One keep-alive connection to a SPARQL endpoint URL (``GET ?query=``)."""

    def __init__(self, url: str, timeout: float) -> None:
        parts = urlsplit(url)
        self.host, self.port, self.path = parts.hostname, parts.port, parts.path
        self.params = parts.query + "&" if parts.query else ""  # sent with every query
        self.timeout = timeout
        self._conn: http.client.HTTPConnection | None = None

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            self._conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def query(self, text: str, accept: str) -> Reply:
        """``GET`` the endpoint with ``?query=text`` (after the URL's own parameters)."""
        return self.get(f"{self.path}?{self.params}query={quote(text, safe='')}", accept)

    def get(self, target: str, accept: str) -> Reply:
        """``GET`` ``target`` (a path with its query string) on this connection's host.

        A kept-alive connection that the server closed while it was idle (uvicorn
        closes one after 5 s) fails before any answer: the request is then sent once
        more on a new connection, and only that one is timed.
        """
        reused = self._conn is not None
        reply = self._get(target, accept)
        if reused and reply.error in _CLOSED_WHILE_IDLE:
            return self._get(target, accept)
        return reply

    def _get(self, target: str, accept: str) -> Reply:
        started = time.perf_counter()
        try:
            conn = self._connection()
            conn.request("GET", target, headers={"Accept": accept})
            response = conn.getresponse()
            body = response.read()
        except TimeoutError:
            self.close()
            return Reply(None, b"", time.perf_counter() - started, "timeout")
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            return Reply(None, b"", time.perf_counter() - started, type(exc).__name__)
        seconds = time.perf_counter() - started
        if response.will_close:
            self.close()
        headers = {name.lower(): value for name, value in response.getheaders()}
        return Reply(response.status, body, seconds, headers=headers)


def get_once(url: str, text: str, accept: str, timeout: float) -> Reply:
    conn = Connection(url, timeout)
    try:
        return conn.query(text, accept)
    finally:
        conn.close()


def run_class(
    url: str,
    queries: list[tuple[str, str, str]],
    concurrency: int,
    max_requests: int,
    max_seconds: float,
    timeout: float,
) -> RunResult:
    """Round-robin over ``queries`` (name, text, accept) with ``concurrency`` threads."""
    result = RunResult()
    if not queries:
        return result
    counter = itertools.count()
    lock = threading.Lock()
    stop_at = time.perf_counter() + max_seconds

    def client_loop() -> None:
        conn = Connection(url, timeout)
        try:
            while True:
                i = next(counter)
                if i >= max_requests or time.perf_counter() > stop_at:
                    return
                name, text, accept = queries[i % len(queries)]
                reply = conn.query(text, accept)
                with lock:
                    result.requests += 1
                    if reply.status == 200:
                        result.ok += 1
                        result.latencies.setdefault(name, []).append(reply.seconds)
                    elif reply.status is not None:
                        result.errors.setdefault(name, []).append(f"HTTP {reply.status}")
                    else:
                        result.errors.setdefault(name, []).append(reply.error or "error")
                        if reply.error == "timeout":
                            result.timed_out.append(name)
                            return
        finally:
            conn.close()

    threads = [threading.Thread(target=client_loop, daemon=True) for _ in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.wall = time.perf_counter() - started
    return result
