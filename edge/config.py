"""The device configuration: one YAML file per device, validated at start-up."""

import os
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from contract import MAX_ITEMS_PER_MESSAGE, MAX_MESSAGE_BYTES
from contract.items import Name
from edge.clock import ClockSync
from edge.readers.registry import ReaderConfig
from plumbing.settings import ConfigError, describe_validation_error

LocationKind = Literal["farm_plot", "packing_line", "cold_room", "warehouse", "vehicle", "shop"]
STATE_DIR_ENV = "TXNG_EDGE_STATE_DIR"


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SecretRef(_Section):
    """A secret given by reference: the name of an environment variable, or a file to read."""

    env: str | None = Field(default=None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    file: Path | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> "SecretRef":
        if (self.env is None) == (self.file is None):
            raise ValueError("give exactly one of `env` (variable name) or `file` (path)")
        return self

    def resolve(self, where: str) -> str:
        """The secret's value; ConfigError when the variable or file is missing."""
        if self.env is not None:
            value = os.environ.get(self.env)
            if value is None:
                raise ConfigError(f"{where}: environment variable {self.env} is not set")
            return value
        assert self.file is not None
        try:
            return self.file.read_text().strip()
        except OSError as err:
            raise ConfigError(f"{where}: cannot read {self.file}: {err.strerror}") from err


class TlsConfig(_Section):
    """TLS to the broker: CA bundle (system default if omitted) and an optional client cert."""

    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = None


class MqttConfig(_Section):
    """How the device reaches its broker."""

    url: str = "mqtt://127.0.0.1:1883"
    client_id: str | None = Field(default=None, max_length=64)
    protocol: Literal["auto", "5", "3.1.1"] = "auto"
    username: str | None = None
    password: SecretRef | None = None
    tls: TlsConfig | None = None
    keepalive_s: int = Field(default=30, ge=5, le=3600)
    max_inflight: int = Field(default=20, ge=1, le=1000)
    session_expiry_s: int = Field(default=7 * 24 * 3600, ge=0)
    reconnect_min_s: float = Field(default=0.5, gt=0)
    reconnect_max_s: float = Field(default=30.0, gt=0)

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
            raise ValueError("must look like mqtt://host:port or mqtts://host:port")
        if parts.password is not None or parts.username is not None:
            raise ValueError("must not carry credentials; use `username` and `password: {env: …}`")
        return value

    @property
    def host(self) -> str:
        """The broker's host name."""
        return urlsplit(self.url).hostname or ""

    @property
    def port(self) -> int:
        """The broker's port (1883, or 8883 for mqtts, unless given)."""
        parts = urlsplit(self.url)
        return parts.port or (8883 if parts.scheme == "mqtts" else 1883)

    @property
    def uses_tls(self) -> bool:
        """Whether to speak TLS to the broker."""
        return self.tls is not None or urlsplit(self.url).scheme == "mqtts"


class OutboxConfig(_Section):
    """Where and how much the device keeps until the cloud confirms it."""

    path: Path | None = Field(default=None, description=f"Default: ${STATE_DIR_ENV}/site.device")
    capacity: int = Field(default=1_000_000, ge=100, description="Items; ~300 B each on disk")
    max_bytes: int = Field(
        default=512 * 1024 * 1024,
        ge=64 * 1024,
        description="Soft bound on the items' bytes: past it the oldest unsent readings thin",
    )
    min_free_bytes: int = Field(
        default=128 * 1024 * 1024,
        ge=0,
        description="Hard floor of free space on the outbox's filesystem: nothing is written below",
    )
    alarm_fraction: float = Field(default=0.8, gt=0, le=1)


class DeliveryConfig(_Section):
    """When the device may forget an item: on the ingester's receipt (default) or the PUBACK."""

    confirm: Literal["receipt", "puback"] = Field(
        default="receipt",
        description=(
            "receipt: delete an item once the database holds it (survives a broker crash); "
            "puback: once the broker has it (only for a cloud that sends no receipts)"
        ),
    )
    receipt_timeout_s: float = Field(
        default=30.0, gt=0, description="Send again what has no receipt after this long"
    )
    receipt_timeout_max_s: float = Field(
        default=600.0, gt=0, description="The timeout doubles up to this while none come"
    )
    max_unconfirmed: int = Field(
        default=100_000,
        ge=1,
        description=(
            "Items sent and awaiting their receipt, at most (a window below ingest rate x receipt"
            " delay throttles the drain; a lost receipt resends at most this many)"
        ),
    )


class BatchingConfig(_Section):
    """How items are packed into one MQTT message."""

    max_items: int = Field(default=200, ge=1, le=MAX_ITEMS_PER_MESSAGE)
    max_bytes: int = Field(default=128 * 1024, ge=4096, le=MAX_MESSAGE_BYTES - 1024)
    max_age_ms: int = Field(default=50, ge=0, le=60_000)


class StatusConfig(_Section):
    """The heartbeat on the status topic."""

    heartbeat_s: float = Field(default=30.0, gt=0)


class ClockConfig(_Section):
    """Whether to trust the system clock: ask the kernel (auto), or force it (tests, GPS)."""

    sync: ClockSync = ClockSync.AUTO


class Location(_Section):
    """A place of the site that readers are bound to."""

    kind: LocationKind
    gln: str | None = Field(default=None, pattern=r"^\d{13}$")
    gln_extension: str | None = Field(default=None, max_length=20)


class DeviceConfig(_Section):
    """Everything one edge agent needs to know."""

    site: Name
    device: Name
    locations: dict[Name, Location] = Field(default_factory=dict)
    mqtt: MqttConfig = MqttConfig()
    outbox: OutboxConfig = OutboxConfig()
    delivery: DeliveryConfig = DeliveryConfig()
    batching: BatchingConfig = BatchingConfig()
    status: StatusConfig = StatusConfig()
    clock: ClockConfig = ClockConfig()
    readers: list[ReaderConfig] = Field(default_factory=list)

    @model_validator(mode="after")
    def _readers_fit(self) -> "DeviceConfig":
        seen: set[str] = set()
        for reader in self.readers:
            if reader.name in seen:
                raise ValueError(f"two readers are named {reader.name!r}")
            seen.add(reader.name)
            if reader.location not in self.locations:
                raise ValueError(
                    f"reader {reader.name!r} is at location {reader.location!r}, "
                    f"which is not under `locations`"
                )
        return self

    def outbox_path(self) -> Path:
        """The SQLite file of the outbox."""
        if self.outbox.path is not None:
            return self.outbox.path
        state_dir = os.environ.get(STATE_DIR_ENV) or Path.home() / ".local" / "state" / "txng"
        return Path(state_dir) / f"{self.site}.{self.device}.outbox.sqlite"

    def client_id(self) -> str:
        """The MQTT client id: stable; by default `{site}/{device}`, what its account allows."""
        return self.mqtt.client_id or f"{self.site}/{self.device}"


def _relative_to(base: Path, path: Path | None) -> Path | None:
    return None if path is None or path.is_absolute() else base / path


def _anchor_paths(config: DeviceConfig, base: Path) -> DeviceConfig:
    """Resolve relative paths in `config` against the directory of its file."""
    outbox = config.outbox
    if (path := _relative_to(base, outbox.path)) is not None:
        outbox = outbox.model_copy(update={"path": path})
    mqtt = config.mqtt
    if mqtt.password is not None and (path := _relative_to(base, mqtt.password.file)):
        mqtt = mqtt.model_copy(update={"password": mqtt.password.model_copy(update={"file": path})})
    if mqtt.tls is not None:
        tls = mqtt.tls.model_copy(update={
            name: _relative_to(base, getattr(mqtt.tls, name)) or getattr(mqtt.tls, name)
            for name in ("ca_file", "cert_file", "key_file")
        })
        mqtt = mqtt.model_copy(update={"tls": tls})
    return config.model_copy(update={"outbox": outbox, "mqtt": mqtt})


def load_config(path: str | Path) -> DeviceConfig:
    """Read and validate a device's YAML file; ConfigError names the file, field and reason."""
    source = Path(path)
    try:
        document = yaml.safe_load(source.read_text(encoding="utf-8"))
    except OSError as err:
        raise ConfigError(f"{source}: cannot read: {err.strerror}") from err
    except yaml.YAMLError as err:
        raise ConfigError(f"{source}: not valid YAML: {err}") from err
    if not isinstance(document, dict):
        raise ConfigError(f"{source}: (root): must be a mapping of settings")
    try:
        config = DeviceConfig.model_validate(document)
    except ValidationError as err:
        raise ConfigError(describe_validation_error(err, str(source))) from err
    return _anchor_paths(config, source.resolve().parent)
