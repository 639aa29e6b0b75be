"""Request-size limit as a pure ASGI middleware.

A declared ``Content-Length`` above the cap is answered 413 before the body is
read; a body that turns out larger (chunked, or a lying header) raises
:class:`~api.errors.RequestTooLarge` while it is read, which the error handlers
turn into the same 413.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import RequestTooLarge
from api.web.errors import error_response


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _message(self) -> str:
        return f"The request body is larger than {self.max_bytes} bytes."

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared > self.max_bytes or declared < 0:
                    status = 413 if declared > self.max_bytes else 400
                    code = "request-too-large" if status == 413 else "bad-request"
                    message = self._message() if status == 413 else "Invalid Content-Length."
                    response = error_response(Request(scope), status, code, message)
                    await response(scope, receive, send)
                    return
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise RequestTooLarge(self._message())
            return message

        await self.app(scope, limited_receive, send)
