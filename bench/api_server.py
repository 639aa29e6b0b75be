"""``ccai serve`` on the asyncio event loop, for the benchmark (``python -m bench.api_server``).

Same arguments, settings and app as ``ccai serve`` (``api.cli.cmd_serve``), but
``uvicorn.run(..., loop="asyncio")``. Under uvicorn's default loop (uvloop),
``loop.add_reader`` leaves the worker pipe non-blocking, and a result larger
than the pipe buffer (64 KiB) then fails in ``Connection.recv`` with
``BlockingIOError``: the pool reports "worker stopped unexpectedly" (503) and
kills the worker. See bench/README.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.api_server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--store", default="build")
    parser.add_argument("--query-timeout", type=float, default=30.0)
    args = parser.parse_args(argv)

    import uvicorn

    from api.settings import Settings
    from api.web.app import create_app

    settings = Settings(
        host=args.host,
        port=args.port,
        store_path=Path(args.store),
        query_timeout=args.query_timeout,
    )
    uvicorn.run(create_app(settings), host=args.host, port=args.port, loop="asyncio")
    return 0


if __name__ == "__main__":
    sys.exit(main())
