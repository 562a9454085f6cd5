"""Request bodies bounded before the application sees them: in size (413) and in time (408).

Plain ASGI, outermost: a request with a body is read to its end here, while it streams, before
any route, dependency or database connection is involved. A `Content-Length` above the route's
limit is refused before a byte of the body is read (and before `100 Continue`); a body that
streams past the limit is refused when it does. A body that stops arriving for
`idle_timeout_s`, or takes longer than `timeout_s` in all, is cut off with a 408. Either way
the connection is closed, since the rest of the body was never read.
"""

import asyncio
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cloud.api.errors import ErrorBody, ErrorDetail
from cloud.settings.api import ApiSettings

LOGIN_FORM_BYTES = 16 * 1024


@dataclass(frozen=True)
class BodyLimits:
    """The largest body each route takes: by path prefix, else `default_bytes`."""

    default_bytes: int
    by_prefix: tuple[tuple[str, int], ...] = ()
    idle_timeout_s: float = 10.0
    timeout_s: float = 120.0

    def for_path(self, path: str) -> int:
        """The limit of the route at `path`."""
        for prefix, limit in self.by_prefix:
            if path.startswith(prefix):
                return limit
        return self.default_bytes


def body_limits(settings: ApiSettings) -> BodyLimits:
    """The limits of txng's routes: uploads (CSV imports, EPCIS capture), the login form, JSON."""
    upload = settings.api_max_upload_bytes
    return BodyLimits(
        default_bytes=settings.api_max_body_bytes,
        by_prefix=(
            ("/api/imports/", upload),
            ("/epcis/capture", upload),
            ("/login", LOGIN_FORM_BYTES),
        ),
        idle_timeout_s=settings.api_body_idle_timeout_s,
        timeout_s=settings.api_body_timeout_s,
    )


class _Refused(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class _ClientGone(Exception):
    pass


def _declared_length(scope: Scope) -> int | None:
    """Content-Length as declared (None: absent or chunked); -1 when it is not a number."""
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            return int(value) if value.isdigit() else -1
    return None


def _has_body(scope: Scope) -> bool:
    for name, value in scope.get("headers", ()):
        if name == b"transfer-encoding" or (name == b"content-length" and value != b"0"):
            return True
    return False


class BoundedBodies:
    """Reads each request's body (bounded) before the application runs, then replays it."""

    def __init__(self, app: ASGIApp, *, limits: BodyLimits):
        self._app = app
        self._limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass requests without a body through; read the others first, or refuse them."""
        if scope["type"] != "http" or not _has_body(scope):
            await self._app(scope, receive, send)
            return
        limit = self._limits.for_path(scope["path"])
        try:
            body = await self._read(scope, receive, limit)
        except _Refused as refused:
            await _refuse(send, refused)
            return
        except _ClientGone:
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self._app(scope, replay, send)

    async def _read(self, scope: Scope, receive: Receive, limit: int) -> bytes:
        declared = _declared_length(scope)
        if declared == -1:
            raise _Refused(400, "bad_request", "Content-Length is not a number")
        if declared is not None and declared > limit:
            raise _Refused(413, "too_large", _too_large(limit))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._limits.timeout_s
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            left = deadline - loop.time()
            wait = min(self._limits.idle_timeout_s, left)
            try:
                message = await asyncio.wait_for(receive(), max(wait, 0.0))
            except TimeoutError:
                raise _Refused(408, "request_timeout", self._too_slow(left)) from None
            if message["type"] == "http.disconnect":
                raise _ClientGone
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise _Refused(413, "too_large", _too_large(limit))
            chunks.append(chunk)
            more = message.get("more_body", False)
        return b"".join(chunks)

    def _too_slow(self, left_s: float) -> str:
        """Which bound a body crossed: silent too long, or not complete in time."""
        limits = self._limits
        if left_s > limits.idle_timeout_s:
            return f"the request body was silent for {limits.idle_timeout_s:g} s"
        return f"the request body was not complete after {limits.timeout_s:g} s"


def _too_large(limit: int) -> str:
    return f"the request body is larger than this route takes ({limit} bytes)"


async def _refuse(send: Send, refused: _Refused) -> None:
    """The one error body, and the connection closed (its unread body is never read)."""
    error = ErrorDetail(code=refused.code, message=refused.message)
    body = ErrorBody(error=error).model_dump_json().encode()
    await send(
        {
            "type": "http.response.start",
            "status": refused.status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
