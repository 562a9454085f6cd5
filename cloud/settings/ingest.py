"""Typed ingester configuration, read from TXNG_* environment variables and validated at start."""

import socket
from typing import Literal

from pydantic import Field, field_validator, model_validator

from cloud.settings.common import DatabaseSection
from contract import MAX_MESSAGE_BYTES
from contract.topics import check_identifier
from plumbing.mqtt_url import MqttEndpoint
from plumbing.settings import ConfigError, load_settings


class IngestSettings(DatabaseSection):
    """Everything `txng cloud ingest` needs; every field has an environment variable TXNG_<NAME>."""

    mqtt_url: str = "mqtt://127.0.0.1:1883"
    mqtt_protocol: Literal["5", "3.1.1"] = "5"
    ingest_client_id: str = Field(
        default_factory=lambda: f"txng-ingest-{socket.gethostname()}",
        description="Stable across restarts, so that the broker keeps the session's messages",
    )
    ingest_share_group: str | None = None
    ingest_unknown_devices: Literal["register", "reject"] = "register"
    ingest_max_message_bytes: int = Field(default=MAX_MESSAGE_BYTES, ge=1024)
    ingest_receive_maximum: int = Field(default=1000, ge=1, le=65535)
    ingest_queue_size: int = Field(default=2000, ge=1)
    ingest_batch_max_messages: int = Field(default=500, ge=1)
    ingest_batch_max_wait_ms: float = Field(default=20.0, ge=0)
    ingest_session_expiry_s: int = Field(default=7 * 24 * 3600, ge=0)
    ingest_keepalive_s: int = Field(default=30, ge=5)
    ingest_metrics_port: int = Field(default=9464, ge=0, le=65535, description="0 turns it off")
    ingest_switch_interval_ms: float = Field(
        default=1.0,
        gt=0,
        le=100,
        description="How long one of the ingester's threads may keep the interpreter while "
        "another waits for it (Python's default: 5 ms, which left the MQTT thread waiting "
        "behind triage and storage after each of its socket calls)",
    )
    ingest_derive: bool = Field(
        default=True, description="Also run a derive worker (presence, cold chain) in this process"
    )
    ingest_derive_settle_s: float = Field(
        default=5.0,
        ge=0,
        description="Work queued on a key while it was being derived waits this long "
        "(a series that keeps receiving readings is recomputed about once per interval)",
    )
    ingest_derive_busy_settle_s: float = Field(
        default=15.0,
        ge=0,
        description="The settle time while the ingester's queue is over half full: storing "
        "comes first (derived data lags; readers see the raw readings of what is pending)",
    )
    ingest_retry_max_s: float = Field(default=30.0, gt=0)
    coldchain_sweep: bool = Field(
        default=True,
        description="Look for silent probes, against wall-clock time (off for replays of the past)",
    )
    coldchain_sweep_s: float = Field(
        default=5.0, gt=0, description="How often to look for silent probes (with ingest_derive)"
    )
    coldchain_silent_after_s: int | None = Field(
        default=900, gt=0, description="Silence gap of probes where no profile applies (None: off)"
    )
    coldchain_receiving_s: float = Field(
        default=30.0,
        ge=0,
        description="A probe whose readings were received this recently is catching up "
        "(a backlog after an outage, a clock behind), not silent, however old they are",
    )
    nodata_offline_after_s: float | None = Field(
        default=300.0, gt=0, description="An approved agent silent this long is offline (None: off)"
    )
    nodata_outbox: bool = Field(default=True, description="Alert on agents' growing outboxes")
    nodata_outbox_window_s: float = Field(default=900.0, gt=0)
    nodata_outbox_min_depth: int = Field(default=100, ge=1)
    nodata_outbox_min_growth: int = Field(default=50, ge=1)
    notify: bool = Field(default=True, description="Also deliver alert notifications from here")
    notify_backoff_max_s: float = Field(default=300.0, gt=0)
    notify_webhook_timeout_s: float = Field(default=5.0, gt=0)

    @field_validator("mqtt_url")
    @classmethod
    def _valid_mqtt_url(cls, value: str) -> str:
        try:
            MqttEndpoint.parse(value)
        except ConfigError as err:
            raise ValueError(str(err)) from err
        return value

    @field_validator("ingest_share_group")
    @classmethod
    def _valid_group(cls, value: str | None) -> str | None:
        if value is not None:
            check_identifier(value, "ingest_share_group")
        return value

    @model_validator(mode="after")
    def _queue_holds_window(self) -> "IngestSettings":
        if self.ingest_queue_size < self.ingest_receive_maximum:
            raise ValueError("ingest_queue_size must be at least ingest_receive_maximum")
        return self

    @property
    def mqtt(self) -> MqttEndpoint:
        """The broker endpoint."""
        return MqttEndpoint.parse(self.mqtt_url)


def load_ingest_settings(**overrides: object) -> IngestSettings:
    """Read settings from the environment (and `overrides`); raise ConfigError naming the field."""
    return load_settings(IngestSettings, overrides)
