"""A small threaded JSON-over-HTTP server that simulators build on."""

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

from cloud.notify_sim.faults import Faults

# (path, headers, JSON body) -> (status, JSON answer)
Route = Callable[[str, dict[str, str], Any], tuple[int, dict[str, Any]]]

MAX_BODY = 64 * 1024


class JsonServer:
    """Serves POSTs of JSON on 127.0.0.1 (port 0: any free one) in a thread of its own."""

    def __init__(self, route: Route, *, port: int = 0):
        handle = route

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if not 0 < length <= MAX_BODY:
                    self._answer(413 if length else 400, {"ok": False, "description": "body"})
                    return
                try:
                    body = json.loads(self.rfile.read(length))
                except ValueError:
                    self._answer(400, {"ok": False, "description": "not JSON"})
                    return
                status, answer = handle(self.path, dict(self.headers), body)
                self._answer(status, answer)

            def _answer(self, status: int, answer: dict[str, Any]) -> None:
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: the simulator records what matters."""

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The base URL."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> "JsonServer":
        """Start serving."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()


class JsonApiSim:
    """A simulated JSON API: its server, fault switches and request count; subclasses answer."""

    def __init__(self) -> None:
        self.faults = Faults()
        self.requests = 0
        self._lock = threading.Lock()
        self._server = JsonServer(self._route)

    @property
    def url(self) -> str:
        """The API base URL (TXNG_NOTIFY_TELEGRAM_API_URL or TXNG_NOTIFY_ZALO_API_URL)."""
        return self._server.url

    def start(self) -> Self:
        """Start serving."""
        self._server.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self._server.stop()

    def _route(self, path: str, headers: dict[str, str], body: Any) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.requests += 1
        return self._answer(path, headers, body)

    def _answer(self, path: str, headers: dict[str, str], body: Any) -> tuple[int, dict[str, Any]]:
        raise NotImplementedError
