"""Browser hardening: cross-site request forgery refused, and the security headers of every answer.

A state change (POST, PUT, PATCH, DELETE) that does not carry an `Authorization` header is one
a browser may have been tricked into sending with its cookies, whatever its body (a form, JSON,
text/plain) and including logging in and out: it must come from one of our own pages, as its
`Origin` (else `Referer`) says, or it is refused (403 `csrf`). Bearer-token clients send
`Authorization`, which no other site can make a browser add. The session cookie is also
SameSite=Strict (cloud/api/routers/ui_session.py).

Plain ASGI, like RefuseNul: a BaseHTTPMiddleware would cost every request a task and a stream.
"""

from urllib.parse import urlsplit

from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Scripts and styles only from our own files (no inline script, no inline style, no CDN);
# product images may come from a producer's https site; nobody may frame our pages.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HSTS = "max-age=31536000; includeSubDomains"


def origin_of(url: str) -> str | None:
    """scheme://host[:port] of a URL (None when it has none)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else None


class BrowserGuard:
    """Refuse cross-site state changes; add the security headers to every response."""

    def __init__(self, app: ASGIApp, *, public_base_url: str):
        self._app = app
        self._public = origin_of(public_base_url)
        self._headers = [
            (b"x-content-type-options", b"nosniff"),
            (b"content-security-policy", CSP.encode()),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"same-origin"),
        ]
        if public_base_url.lower().startswith("https://"):
            self._headers.append((b"strict-transport-security", HSTS.encode()))

    def _same_origin(self, scope: Scope, headers: Headers) -> bool:
        claimed = headers.get("origin") or origin_of(headers.get("referer", ""))
        if not claimed or claimed == "null":
            return False
        own = {self._public}
        host = headers.get("host")
        if host:
            own.add(f"{scope.get('scheme', 'http')}://{host}".lower())
        return claimed.lower() in own

    def _may_change(self, scope: Scope) -> bool:
        """A state change carries an API token, or comes from our own pages."""
        headers = Headers(scope=scope)
        return "authorization" in headers or self._same_origin(scope, headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse a forged state change; pass the rest on with the headers added."""
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":  # appended as they are, raw bytes
                message["headers"] = [*message.get("headers", ()), *self._headers]
            await send(message)

        if scope["method"] in UNSAFE and not self._may_change(scope):
            body = {
                "error": {
                    "code": "csrf",
                    "message": "a state change must come from this site's own pages "
                    "(Origin) or carry an API token (Authorization)",
                    "details": None,
                }
            }
            await JSONResponse(body, status_code=403)(scope, receive, send_with_headers)
            return
        await self._app(scope, receive, send_with_headers)
