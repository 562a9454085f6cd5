"""The story's devices as edge agents on one simulated clock, in a thread of their own."""

import asyncio
import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

from cloud.db.counts import DeviceKey
from edge.agent import Agent
from edge.clock import ScaledClock
from edge.config import DeviceConfig, SecretRef
from plumbing.mqtt_url import MqttEndpoint

log = logging.getLogger(__name__)

_PASSWORD_ENV = "TXNG_DEMO_MQTT_PASSWORD"  # the broker password of TXNG_MQTT_URL, for the agents


def mqtt_section(mqtt_url: str, *, v311: bool) -> dict[str, Any]:
    """The devices' `mqtt` config for the demo's broker (a password goes by environment)."""
    endpoint = MqttEndpoint.parse(mqtt_url)
    scheme = "mqtts" if endpoint.tls else "mqtt"
    mqtt: dict[str, Any] = {"url": f"{scheme}://{endpoint.host}:{endpoint.port}"}
    if v311:
        mqtt["protocol"] = "3.1.1"
    if endpoint.username:
        mqtt["username"] = endpoint.username
    if endpoint.password:
        os.environ[_PASSWORD_ENV] = endpoint.password
        mqtt["password"] = SecretRef(env=_PASSWORD_ENV)
    return mqtt


class AgentRunner:
    """The devices' agents, sharing one event loop and one simulated clock."""

    def __init__(self, configs: list[DeviceConfig], clock: ScaledClock):
        self.clock = clock
        self.agents = [Agent(config, clock=clock) for config in configs]
        self._thread = threading.Thread(target=self._run, name="demo-agents", daemon=True)

    @property
    def devices(self) -> list[DeviceKey]:
        """Each agent's (site, device)."""
        return [(a.config.site, a.config.device) for a in self.agents]

    def start(self, timeout_s: float = 15.0) -> None:
        """Start every agent; once all their readers run, let the (paused) clock run."""
        self._thread.start()
        deadline = time.monotonic() + timeout_s
        while not self._readers_running() and time.monotonic() < deadline:
            time.sleep(0.02)
        self.clock.resume()

    def _readers_running(self) -> bool:
        return all(
            health.state == "running"
            for agent in self.agents
            for health in agent.supervisor.health().values()
        ) and all(agent.supervisor.health() for agent in self.agents)

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

    def unsent(self) -> int:
        """Items still in the devices' outboxes (sent items leave them on the cloud's receipt)."""
        return sum(agent.outbox.stats().depth for agent in self.agents)

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        results = await asyncio.gather(
            *(agent.run() for agent in self.agents), return_exceptions=True
        )
        for agent, result in zip(self.agents, results, strict=True):
            if isinstance(result, BaseException):
                log.error("agent %s/%s failed: %r", agent.config.site, agent.config.device, result)


def state_dir(run_dir: Path) -> Path:
    """Where the agents keep their outboxes."""
    path = run_dir / "edge"
    path.mkdir(exist_ok=True)
    return path
