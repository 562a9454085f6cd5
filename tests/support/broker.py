"""A real Mosquitto broker on a free port, with txng's dev config, that tests can restart."""

import socket
import subprocess
from pathlib import Path

from tests.support.waiting import wait_for

CONFIG_TEMPLATE = Path(__file__).resolve().parents[2] / "deploy" / "mosquitto" / "dev.conf.in"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(port: int) -> bool:
    """Whether something accepts connections on 127.0.0.1:`port`."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def wait_port(port: int, *, open_: bool = True, timeout: float = 10.0) -> None:
    """Wait until the port is open (or, with `open_=False`, closed)."""
    wait_for(lambda: port_open(port) == open_, timeout=timeout,
             failure=lambda: f"port {port} did not {'open' if open_ else 'close'}")


class MosquittoBroker:
    """One mosquitto process; `restart()` keeps its port and persistence directory."""

    def __init__(self, workdir: Path, port: int | None = None):
        self.workdir = workdir
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None
        workdir.mkdir(parents=True, exist_ok=True)
        config = CONFIG_TEMPLATE.read_text()
        config = config.replace("@PORT@", str(self.port)).replace("@DATA@", f"{workdir}/")
        self.config_path = workdir / "mosquitto.conf"
        self.config_path.write_text(config)

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["mosquitto", "-c", str(self.config_path)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_port(self.port)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()  # SIGTERM: mosquitto saves its persistence file
            self.process.wait(timeout=10)
        self.process = None
        wait_port(self.port, open_=False)

    def restart(self) -> None:
        self.stop()
        self.start()
