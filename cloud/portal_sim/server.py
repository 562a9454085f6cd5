"""Run the simulator with uvicorn: in the foreground, or in a thread (tests, benchmarks)."""

import socket
import threading
import time

import uvicorn

from cloud.portal_sim.app import create_app
from cloud.portal_sim.faults import Faults
from cloud.portal_sim.state import SimState


class SimServer:
    """A simulator on a local port, run in a background thread (a context manager)."""

    def __init__(self, faults: Faults | None = None, *, host: str = "127.0.0.1", port: int = 0):
        self.app = create_app(faults)
        if port == 0:
            with socket.socket() as sock:
                sock.bind((host, 0))
                port = int(sock.getsockname()[1])
        self.host, self.port = host, port
        config = uvicorn.Config(
            self.app,
            host=host,
            port=port,
            log_level="warning",
            access_log=False,
            timeout_keep_alive=30,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="portal-sim", daemon=True)

    @property
    def url(self) -> str:
        """The simulator's base URL."""
        return f"http://{self.host}:{self.port}"

    @property
    def state(self) -> SimState:
        """The simulator's state (read it only when requests are done, or via /_admin)."""
        state: SimState = self.app.state.sim
        return state

    def start(self) -> "SimServer":
        """Start serving; return when the port accepts connections."""
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise TimeoutError("the portal simulator did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        """Stop serving."""
        self._server.should_exit = True
        self._thread.join(10)

    def __enter__(self) -> "SimServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve(faults: Faults, *, host: str, port: int) -> None:
    """Serve in the foreground until interrupted."""
    uvicorn.run(create_app(faults), host=host, port=port, log_level="info", access_log=False)
