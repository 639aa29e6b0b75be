"""The request guard: limits and protocol edges as one pure ASGI middleware.

* **Header size.** Header fields above ``max_header_bytes`` in all are
  answered 431 before anything parses them. (The request line is not counted:
  a GET may carry a query of ``max_query_chars``. ``ccai serve`` also bounds
  the whole request head in the HTTP parser, which answers 400.)
* **Body size.** A declared ``Content-Length`` above ``max_bytes`` is answered
  413 before the body is read; a body that turns out larger (chunked, or a
  lying header) raises :class:`~api.errors.RequestTooLarge` while it is read,
  which the error handlers turn into the same 413. ``path_limits`` gives a
  path its own cap (``POST /validate`` takes uploads larger than a query).
* **Body time.** The whole body must arrive within ``body_timeout`` seconds of
  the request's start; a slower one raises
  :class:`~api.errors.RequestTimeout` (408, ``Connection: close``).
* **Redirects.** An absolute ``Location`` outside ``public_base_url`` (such
  as Starlette's trailing-slash redirect, which builds it from the ``Host``
  header) is rebuilt on ``public_base_url``: a forged ``Host`` never becomes
  a redirect target.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import RequestTimeout, RequestTooLarge
from api.web.errors import error_response


class RequestGuard:
    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int,
        max_header_bytes: int,
        body_timeout: float,
        public_base_url: str,
        path_limits: dict[str, int] | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.path_limits = dict(path_limits or {})
        self.max_header_bytes = max_header_bytes
        self.body_timeout = body_timeout
        self.public_base_url = public_base_url

    def _limit(self, scope: Scope) -> int:
        return self.path_limits.get(scope.get("path", ""), self.max_bytes)

    def _message(self, limit: int) -> str:
        return f"The request body is larger than {limit} bytes."

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rejected = self._reject(scope)
        if rejected is not None:
            await rejected(scope, receive, send)
            return
        await self.app(scope, self._guarded(receive, self._limit(scope)), self._relocating(send))

    def _reject(self, scope: Scope) -> Response | None:
        """The response for a request refused on its head alone, or ``None``."""
        headers = scope.get("headers", [])
        if sum(len(name) + len(value) + 4 for name, value in headers) > self.max_header_bytes:
            # No negotiation over headers that large: JSON.
            return error_response(
                None,
                431,
                "request-header-fields-too-large",
                f"The request headers exceed {self.max_header_bytes} bytes.",
                spec="https://www.rfc-editor.org/rfc/rfc6585#section-5",
                headers={"Connection": "close"},
            )
        for name, value in headers:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                limit = self._limit(scope)
                if declared > limit:
                    return error_response(
                        Request(scope), 413, "request-too-large", self._message(limit)
                    )
                if declared < 0:
                    return error_response(
                        Request(scope), 400, "bad-request", "Invalid Content-Length."
                    )
        return None

    def _guarded(self, receive: Receive, limit: int) -> Receive:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.body_timeout
        seen = 0
        complete = False

        async def guarded_receive() -> Message:
            nonlocal seen, complete
            if complete:  # after the body: waiting for a disconnect is no body read
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), max(deadline - loop.time(), 0))
            except TimeoutError:
                raise RequestTimeout(
                    f"The request body did not arrive within {self.body_timeout:g} seconds."
                ) from None
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise RequestTooLarge(self._message(limit))
                complete = not message.get("more_body", False)
            return message

        return guarded_receive

    def _relocating(self, send: Send) -> Send:
        base = self.public_base_url

        async def relocating_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    (name, _relocated(value, base) if name.lower() == b"location" else value)
                    for name, value in message.get("headers", [])
                ]
            await send(message)

        return relocating_send


def _relocated(location: bytes, base: str) -> bytes:
    """``location`` rebuilt on ``base`` when it is absolute and points elsewhere.

    >>> _relocated(b"http://evil.example/sparql?x=1", "https://kg.example/ccai/")
    b'https://kg.example/ccai/sparql?x=1'
    >>> _relocated(b"/catalog", "https://kg.example/"), _relocated(b"https://kg.example/x", "https://kg.example/")
    (b'/catalog', b'https://kg.example/x')
    """
    text = location.decode("latin-1")
    parts = urlsplit(text)
    if not (parts.scheme or parts.netloc) or text.startswith(base):
        return location
    target = base + parts.path.lstrip("/") + (f"?{parts.query}" if parts.query else "")
    return target.encode("latin-1")
