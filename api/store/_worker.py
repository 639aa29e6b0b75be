"""Entry point of a query worker process (multiprocessing *spawn* context).

Before it touches the store, the worker closes itself off: the seccomp filter
of :mod:`api.store.sandbox` (no network sockets; an attempt ends the process
with ``SIGSYS``, which the pool reports as a refused ``SERVICE``), and a
``RLIMIT_DATA`` backstop behind the pool's memory watchdog. Then it opens the
store read-only and answers messages on its pipe:
``("query", QueryJob)`` → ``("ok", QueryResult)`` | ``("error", wire-error)`` |
``("internal", None)``; ``("stats", None)`` → ``("ok", TripleCounts)``;
``("stop", None)`` ends it. Results are serialised here, in the worker, so the
parent only moves bytes. The parent kills the process when a query outlives its
deadline or its memory; nothing here needs to cooperate with that.
"""

from __future__ import annotations

import resource
import traceback
from multiprocessing.connection import Connection
from typing import Any, Literal

import pyoxigraph as ox

from api.errors import CcaiError
from api.store import sandbox
from api.store.base import QueryResult
from api.store.execute import execute
from api.store.layout import TripleCounts, stored_counts

# What the worker answers to a "query" or "stats" message (see the module docstring).
_Reply = (
    tuple[Literal["ok"], QueryResult | TripleCounts]
    | tuple[Literal["error"], dict[str, Any]]
    | tuple[Literal["internal"], None]
)


def main(conn: Connection, path: str, use_sandbox: bool = True, data_limit: int = 0) -> None:
    """Process target: sandbox, limit, open the store, serve."""
    try:
        if use_sandbox:
            sandbox.install()
        if data_limit > 0:
            resource.setrlimit(resource.RLIMIT_DATA, (data_limit, data_limit))
    except (sandbox.SandboxUnavailable, OSError, ValueError) as exc:
        conn.send(
            (
                "fatal",
                f"cannot isolate the query worker: {exc}. Set CCAI_WORKER_SANDBOX=off only "
                "for a private deployment.",
            )
        )
        return
    try:
        store = ox.Store.read_only(path)
        graphs = sorted(g.value for g in store.named_graphs())
        empty_default = not store.query("ASK { ?s ?p ?o }")
    except Exception as exc:
        conn.send(("fatal", f"cannot open the store at {path}: {type(exc).__name__}: {exc}"))
        return
    if graphs and empty_default:
        conn.send(
            (
                "fatal",
                f"the store at {path} has no materialised default graph (built by an older "
                "version): rebuild it with `ccai build`",
            )
        )
        return
    conn.send(("ready", graphs))
    _serve(conn, store, graphs, path)


def _serve(conn: Connection, store: ox.Store, graphs: list[str], path: str | None = None) -> None:
    while True:
        try:
            kind, payload = conn.recv()
        except (EOFError, OSError):
            return
        if kind == "stop":
            return
        reply: _Reply
        try:
            if kind == "query":
                reply = ("ok", execute(store, payload, graphs))
            elif kind == "stats":
                reply = ("ok", stored_counts(store, path))
            else:
                reply = ("internal", None)
        except CcaiError as exc:
            reply = ("error", exc.to_wire())
        except MemoryError:
            reply = ("internal", None)
        except Exception:
            traceback.print_exc()  # server-side log only; the client gets a generic 500
            reply = ("internal", None)
        try:
            conn.send(reply)
        except (BrokenPipeError, OSError):
            return
