"""A connection to Mosquitto's dynamic-security control topic, as the broker's admin account.

Commands go to `$CONTROL/dynamic-security/v1` as `{"commands": [...]}`; the plugin answers on
`…/response` (to every admin client subscribed there), each answer carrying the command's
`correlationData`, and `error` when it refused. Changes take effect at once: a client whose
password changes or which is disabled is disconnected by the broker.
"""

import json
import ssl
import threading
import uuid
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from cloud.broker.acl import DYNSEC_CONTROL
from cloud.broker.errors import BrokerUnavailable, CommandRefused
from plumbing.mqtt_url import MqttEndpoint

CONTROL_TOPIC = DYNSEC_CONTROL
RESPONSE_TOPIC = f"{CONTROL_TOPIC}/response"


@dataclass(frozen=True)
class Answer:
    """The plugin's answer to one command: `error` is None when it was carried out."""

    command: str
    error: str | None
    data: dict[str, Any]

    def check(self, *tolerated: str) -> "Answer":
        """Return self, or raise CommandRefused unless the error is one of `tolerated`."""
        if self.error is not None and self.error not in tolerated:
            raise CommandRefused(self.command, self.error)
        return self


class DynsecControl:
    """One admin connection (a fresh random client id each time); use it as a context manager."""

    def __init__(self, endpoint: MqttEndpoint, *, timeout_s: float = 10.0):
        self._endpoint = endpoint
        self._timeout_s = timeout_s
        self._answers: dict[str, dict[str, Any]] = {}
        self._waiting: set[str] = set()
        self._arrived = threading.Condition()
        self._connack: list[Any] = []
        self._subscribed = threading.Event()
        self._client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            protocol=mqtt.MQTTv5,
            client_id=f"txng-admin-{uuid.uuid4().hex[:12]}",
        )
        if endpoint.username is not None:
            self._client.username_pw_set(endpoint.username, endpoint.password)
        if endpoint.tls:
            self._client.tls_set(tls_version=ssl.PROTOCOL_TLS_CLIENT)
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_subscribe = self._on_subscribe
        self._client.on_message = self._on_message

    def __enter__(self) -> "DynsecControl":
        where = f"{self._endpoint.host}:{self._endpoint.port}"
        try:
            self._client.connect(self._endpoint.host, self._endpoint.port, keepalive=30)
        except OSError as err:
            raise BrokerUnavailable(f"broker {where}: {err}") from err
        self._client.loop_start()
        try:
            with self._arrived:
                if not self._arrived.wait_for(lambda: self._connack, timeout=self._timeout_s):
                    raise BrokerUnavailable(f"broker {where}: no CONNACK in time")
            if self._connack[0].is_failure:
                refusal = self._connack[0]
                raise BrokerUnavailable(f"broker {where} refused the admin account: {refusal}")
            self._client.subscribe(RESPONSE_TOPIC, qos=1)
            if not self._subscribed.wait(self._timeout_s):
                raise BrokerUnavailable(f"broker {where}: no SUBACK for {RESPONSE_TOPIC}")
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Disconnect."""
        self._client.disconnect()
        self._client.loop_stop()

    def run(self, *commands: dict[str, Any]) -> list[Answer]:
        """Send `commands` in one message; return their answers in order (errors not raised)."""
        ids = [uuid.uuid4().hex for _ in commands]
        pairs = zip(commands, ids, strict=True)
        batch = [{**command, "correlationData": key} for command, key in pairs]
        with self._arrived:
            self._waiting.update(ids)
        info = self._client.publish(CONTROL_TOPIC, json.dumps({"commands": batch}), qos=1)
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            raise BrokerUnavailable(f"cannot send to {CONTROL_TOPIC}: {mqtt.error_string(info.rc)}")
        with self._arrived:
            complete = self._arrived.wait_for(
                lambda: all(key in self._answers for key in ids), timeout=self._timeout_s
            )
            self._waiting.difference_update(ids)
            if not complete:
                raise BrokerUnavailable(
                    f"no answer on {RESPONSE_TOPIC} within {self._timeout_s:g} s "
                    "(is the dynamic-security plugin loaded, and is this its admin account?)"
                )
            answers = [self._answers.pop(key) for key in ids]
        return [
            Answer(
                command=str(answer.get("command", command["command"])),
                error=answer.get("error"),
                data=answer.get("data") or {},
            )
            for command, answer in zip(commands, answers, strict=True)
        ]

    def _on_connect(self, _c: mqtt.Client, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        with self._arrived:
            self._connack.append(reason)
            self._arrived.notify_all()

    def _on_disconnect(self, _c: mqtt.Client, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        with self._arrived:
            if not self._connack:
                self._connack.append(reason)
            self._arrived.notify_all()

    def _on_subscribe(self, _c: mqtt.Client, _u: Any, _m: Any, codes: Any, _p: Any) -> None:
        if not any(code.is_failure for code in codes):
            self._subscribed.set()

    def _on_message(self, _c: mqtt.Client, _u: Any, message: mqtt.MQTTMessage) -> None:
        try:
            answers = json.loads(message.payload).get("responses", [])
        except (ValueError, AttributeError):
            return  # not the plugin's answer: nothing is waiting for it
        with self._arrived:
            for answer in answers if isinstance(answers, list) else []:
                key = answer.get("correlationData") if isinstance(answer, dict) else None
                if key in self._waiting:  # answers to other admin clients are theirs
                    self._answers[key] = answer
            self._arrived.notify_all()
