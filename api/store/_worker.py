"""Entry point of a query worker process (multiprocessing *spawn* context).

The worker opens the store read-only, then answers messages on its pipe:
``("query", QueryJob)`` → ``("ok", QueryResult)`` | ``("error", wire-error)`` |
``("internal", None)``; ``("stats", None)`` → ``("ok", {graph: triples})``;
``("stop", None)`` ends it. Results are serialised here, in the worker, so the
parent only moves bytes. The parent kills the process when a query outlives its
deadline; nothing here needs to cooperate with that.
"""

from __future__ import annotations

import traceback
from multiprocessing.connection import Connection

import pyoxigraph as ox

from api.errors import CcaiError
from api.sparql.safety import call_with_deep_stack, raise_recursion_limit
from api.store.execute import execute, graph_stats


def main(conn: Connection, path: str) -> None:
    """Process target: serve on a large stack (the query parser recurses deeply)."""
    raise_recursion_limit()
    call_with_deep_stack(_serve, conn, path)


def _serve(conn: Connection, path: str) -> None:
    try:
        store = ox.Store.read_only(path)
        graphs = sorted(g.value for g in store.named_graphs())
    except Exception as exc:
        conn.send(("fatal", f"cannot open the store at {path}: {type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", graphs))
    while True:
        try:
            kind, payload = conn.recv()
        except (EOFError, OSError):
            return
        if kind == "stop":
            return
        try:
            if kind == "query":
                reply = ("ok", execute(store, payload, graphs))
            elif kind == "stats":
                reply = ("ok", graph_stats(store))
            else:
                reply = ("internal", None)
        except CcaiError as exc:
            reply = ("error", exc.to_wire())
        except Exception:
            traceback.print_exc()  # server-side log only; the client gets a generic 500
            reply = ("internal", None)
        try:
            conn.send(reply)
        except (BrokenPipeError, OSError):
            return
