"""The demo's two simulated devices: their configs, pointed at the demo, and their agents."""

import asyncio
import logging
import os
import threading
from pathlib import Path

from cloud.db.counts import DeviceKey
from edge.agent import Agent
from edge.config import DeviceConfig, SecretRef
from plumbing.mqtt_url import MqttEndpoint
from txng.embedded import EmbeddedServiceError

log = logging.getLogger(__name__)

DEVICE_FILES = ("packing_line.yaml", "cold_room.yaml")
CONFIG_DIR_ENV = "TXNG_DEMO_CONFIG_DIR"
_PASSWORD_ENV = "TXNG_DEMO_MQTT_PASSWORD"  # the broker password of TXNG_MQTT_URL, for the agents


class AgentRunner:
    """The simulated devices' agents, sharing one event loop on a thread of their own."""

    def __init__(self, configs: list[DeviceConfig]):
        self.agents = [Agent(config) for config in configs]
        self._thread = threading.Thread(target=self._run, name="demo-agents", daemon=True)

    def start(self) -> None:
        """Start every agent."""
        self._thread.start()

    def stop(self, timeout_s: float = 20.0) -> None:
        """Stop every agent (each says offline and closes its outbox) and wait for them."""
        for agent in self.agents:
            agent.stop()
        if self._thread.is_alive():
            self._thread.join(timeout_s)
        if self._thread.is_alive():
            log.warning("the agents did not stop within %.0f s", timeout_s)

    def published(self) -> dict[DeviceKey, int]:
        """Items each device has had acknowledged by the broker."""
        return {
            (agent.config.site, agent.config.device): agent.publisher.acked_items
            for agent in self.agents
        }

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        results = await asyncio.gather(
            *(agent.run() for agent in self.agents), return_exceptions=True
        )
        for agent, result in zip(self.agents, results, strict=True):
            if isinstance(result, BaseException):
                log.error("agent %s/%s failed: %r", agent.config.site, agent.config.device, result)


def find_config_dir() -> Path:
    """Where the example device configs are: TXNG_DEMO_CONFIG_DIR, the source tree, or ./."""
    given = os.environ.get(CONFIG_DIR_ENV)
    candidates = [Path(given)] if given else []
    source_tree = Path(__file__).resolve().parents[2]
    candidates += [source_tree / "firmware_configs", Path("firmware_configs")]
    for candidate in candidates:
        if all((candidate / name).is_file() for name in DEVICE_FILES):
            return candidate
    raise EmbeddedServiceError(
        f"cannot find {', '.join(DEVICE_FILES)}: run the demo from the txng source tree "
        f"or set {CONFIG_DIR_ENV}"
    )


def for_demo(config: DeviceConfig, *, mqtt_url: str, v311: bool, state_dir: Path) -> DeviceConfig:
    """`config` pointed at the demo's broker, with its outbox in the demo's directory."""
    endpoint = MqttEndpoint.parse(mqtt_url)
    scheme = "mqtts" if endpoint.tls else "mqtt"
    mqtt: dict[str, object] = {"url": f"{scheme}://{endpoint.host}:{endpoint.port}"}
    if v311:
        mqtt["protocol"] = "3.1.1"
    if endpoint.username:
        mqtt["username"] = endpoint.username
    if endpoint.password:
        os.environ[_PASSWORD_ENV] = endpoint.password
        mqtt["password"] = SecretRef(env=_PASSWORD_ENV)
    outbox_path = state_dir / f"{config.site}.{config.device}.outbox.sqlite"
    return config.model_copy(
        update={
            "mqtt": config.mqtt.model_copy(update=mqtt),
            "outbox": config.outbox.model_copy(update={"path": outbox_path}),
        }
    )
