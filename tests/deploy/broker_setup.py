"""A real Mosquitto started with txng's production config, dynamic security and certificates."""

import glob
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.reasoncodes import ReasonCode

from cloud.broker.bootstrap import ServiceAccount, initial_config, write_initial_config
from tests.support.broker import free_port, wait_port

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_CONFIG = ROOT / "deploy" / "mosquitto" / "mosquitto.conf"
MAKE_CERTS = ROOT / "deploy" / "mosquitto" / "make-certs.sh"
IMAGE_PLUGIN = "/usr/lib/mosquitto_dynamic_security.so"  # its path in the eclipse-mosquitto image
ADMIN_PASSWORD = "admin-secret-for-this-test-only"


def dynsec_plugin() -> str | None:
    """This machine's dynamic-security plugin (Debian's multiarch path, or the image's)."""
    found = glob.glob("/usr/lib/*/mosquitto_dynamic_security.so") + glob.glob(IMAGE_PLUGIN)
    return found[0] if found else None


def production_config(workdir: Path, port: int, tls_port: int | None) -> str:
    """The production config with its container paths and ports moved into `workdir`."""
    text = PRODUCTION_CONFIG.read_text()
    for name in ("config", "certs", "data"):
        text = text.replace(f"/mosquitto/{name}/", f"{workdir}/{name}/")
    text = text.replace(IMAGE_PLUGIN, dynsec_plugin() or IMAGE_PLUGIN)
    text = re.sub(r"^listener 1883$", f"listener {port} 127.0.0.1", text, flags=re.M)
    if tls_port is None:  # no openssl here: drop the TLS listener and its lines
        text = re.sub(
            r"^(listener 8883|use_username_as_clientid|cafile|certfile|keyfile|tls_version).*\n",
            "",
            text,
            flags=re.M,
        )
    else:
        text = re.sub(r"^listener 8883$", f"listener {tls_port} 127.0.0.1", text, flags=re.M)
    text = text.replace("log_dest stdout", f"log_dest file {workdir}/mosquitto.log")
    # Started as root (CI, containers), mosquitto drops to the `mosquitto` user, which cannot
    # read this test's private directory; stay the starting user (no effect when not root).
    return text + "user root\n"


@dataclass
class Observed:
    """Messages a client received, by topic, and the reason codes of its SUBACKs."""

    messages: list[tuple[str, bytes]] = field(default_factory=list)
    granted: list[list[int]] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def wait_topic(self, topic: str, timeout: float = 5.0) -> bool:
        """Wait until a message on `topic` has arrived."""
        with self.arrived:
            return self.arrived.wait_for(
                lambda: any(t == topic for t, _ in self.messages), timeout=timeout
            )

    def topics(self) -> list[str]:
        with self.arrived:
            return [topic for topic, _ in self.messages]


class Broker:
    """mosquitto running the production config; `connect()` yields paho clients."""

    def __init__(self, workdir: Path, *, with_tls: bool):
        self.workdir = workdir
        self.port = free_port()
        self.tls_port = free_port() if with_tls else None
        for name in ("config", "certs", "data"):
            (workdir / name).mkdir(parents=True, exist_ok=True)
        if with_tls:
            subprocess.run(
                ["bash", str(MAKE_CERTS), str(workdir / "certs"), "localhost", "127.0.0.1"],
                check=True,
                capture_output=True,
            )
        self.config_path = workdir / "mosquitto.conf"
        self.config_path.write_text(production_config(workdir, self.port, self.tls_port))
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def dynsec_file(self) -> Path:
        return self.workdir / "config" / "dynamic-security.json"

    @property
    def admin_url(self) -> str:
        """The admin account's URL (the file must have been written by `bootstrap`)."""
        return f"mqtt://txng-admin:{ADMIN_PASSWORD}@127.0.0.1:{self.port}"

    def bootstrap(self, services: "list[ServiceAccount] | None" = None) -> None:
        """Write the first dynamic-security file, as `txng broker init` does."""
        write_initial_config(self.dynsec_file, initial_config(ADMIN_PASSWORD, services or []))

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["mosquitto", "-c", str(self.config_path)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_port(self.port)
        if self.tls_port:
            wait_port(self.tls_port)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def log(self) -> str:
        path = self.workdir / "mosquitto.log"
        return path.read_text() if path.exists() else ""

    @contextmanager
    def connect(
        self,
        username: str | None,
        password: str | None,
        *,
        tls: bool = False,
        client_id: str | None = None,
        clean_start: bool = True,
        session_expiry_s: int = 0,
    ) -> Iterator[tuple[mqtt.Client, Observed]]:
        """A connected MQTT v5 client (ConnectionRefusedError with the broker's reason).

        Its client id is `client_id`, else its user name (as txng's devices connect).
        """
        observed = Observed()
        connected = threading.Event()
        outcome: list[ReasonCode] = []
        client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            protocol=mqtt.MQTTv5,
            client_id=(username or "") if client_id is None else client_id,
        )
        if username is not None:
            client.username_pw_set(username, password)
        if tls:
            client.tls_set(ca_certs=str(self.workdir / "certs" / "ca.crt"))

        def on_connect(_c, _u, _f, reason_code, _p):  # type: ignore[no-untyped-def]
            outcome.append(reason_code)
            connected.set()

        def on_message(_c, _u, msg):  # type: ignore[no-untyped-def]
            with observed.arrived:
                observed.messages.append((msg.topic, msg.payload))
                observed.arrived.notify_all()

        def on_subscribe(_c, _u, _mid, reason_codes, _p):  # type: ignore[no-untyped-def]
            with observed.arrived:
                observed.granted.append([code.value for code in reason_codes])
                observed.arrived.notify_all()

        def on_disconnect(_c, _u, _f, reason_code, _p):  # type: ignore[no-untyped-def]
            if not connected.is_set():
                outcome.append(reason_code)
                connected.set()

        client.on_connect = on_connect
        client.on_message = on_message
        client.on_subscribe = on_subscribe
        client.on_disconnect = on_disconnect
        port = self.tls_port if tls else self.port
        assert port is not None
        properties = mqtt.Properties(mqtt.PacketTypes.CONNECT)
        properties.SessionExpiryInterval = session_expiry_s
        client.connect(
            "localhost" if tls else "127.0.0.1",
            port,
            clean_start=clean_start,
            properties=properties,
        )
        client.loop_start()
        try:
            assert connected.wait(10), "no CONNACK"
            if outcome[0].is_failure:
                raise ConnectionRefusedError(str(outcome[0]))
            yield client, observed
        finally:
            client.disconnect()
            client.loop_stop()

    def subscribe(self, client: mqtt.Client, observed: Observed, topic: str) -> list[int]:
        """Subscribe with QoS 1 and return the SUBACK's reason codes."""
        before = len(observed.granted)
        client.subscribe(topic, qos=1)
        with observed.arrived:
            assert observed.arrived.wait_for(lambda: len(observed.granted) > before, timeout=5)
            return observed.granted[before]


def have_openssl() -> bool:
    """Whether the TLS parts can be tested."""
    return shutil.which("openssl") is not None
