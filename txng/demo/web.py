"""The demo's web UI: an admin login, and the API served in a thread."""

import logging
import secrets
import socket
import threading
import time

import uvicorn

from cloud.api.command import server_options
from cloud.api.main import create_app
from cloud.auth.command import create_user
from cloud.db.pool import Database
from cloud.settings.api import load_api_settings
from txng.embedded import EmbeddedServiceError
from txng.settings import load_demo_settings

log = logging.getLogger(__name__)

ADMIN = "admin"


def listening_socket(wanted: int) -> socket.socket:
    """A socket listening on 127.0.0.1:`wanted` if that is free, else on any free port.

    The server is handed this socket, so no other process (another demo) can take the port
    between its choice and the server's start, which loads the whole API first.
    """
    for port in (wanted, 0):
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds its own
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            sock.close()
            continue
        sock.listen()
        return sock
    raise EmbeddedServiceError("no free port for the web UI")


class DemoWebUI:
    """The API and web UI on 127.0.0.1, with a fresh admin password for this run."""

    def __init__(self, database_url: str):
        self.database_url = database_url
        given = load_demo_settings().demo_admin_password
        self.password = given.get_secret_value() if given else secrets.token_urlsafe(9)
        self.url = ""
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> str:
        """Create the admin, serve; return the URL."""
        database = Database(self.database_url, max_connections=1, application_name="txng-demo")
        try:
            create_user(database, username=ADMIN, role="admin", site=None, password=self.password)
        finally:
            database.close()
        sock = listening_socket(load_api_settings().api_port)
        port = int(sock.getsockname()[1])
        settings = load_api_settings(
            database_url=self.database_url,
            api_host="127.0.0.1",
            api_port=port,
            api_public_base_url=f"http://127.0.0.1:{port}",
        )
        options = {**server_options(settings), "log_level": "warning"}
        config = uvicorn.Config(create_app(settings), **options)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name="demo-api", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                sock.close()
                raise EmbeddedServiceError(f"the web UI did not start on port {port}")
            time.sleep(0.05)
        self.url = f"http://127.0.0.1:{port}/"
        return self.url

    def stop(self) -> None:
        """Stop serving."""
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(10)
