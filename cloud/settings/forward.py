"""Typed forwarder configuration from TXNG_* environment variables, validated at start."""

from pathlib import Path

from pydantic import Field, SecretStr

from cloud.settings.common import DatabaseSection
from plumbing.settings import load_settings


class ForwardSettings(DatabaseSection):
    """Everything `txng cloud forward` needs; each field has an environment variable TXNG_<NAME>."""

    forward_destination: str = Field(
        default="national-portal", description="Outbox destination name (one per far side)"
    )
    forward_adapter: str = Field(default="portal", description="Adapter type: portal, epcis, …")
    forward_senders: int = Field(default=4, ge=1, le=64, description="Concurrent send threads")
    forward_backoff_base_s: float = Field(default=2.0, gt=0)
    forward_backoff_cap_s: float = Field(default=300.0, gt=0)
    forward_idle_wait_s: float = Field(default=1.0, gt=0)
    forward_status_port: int = Field(
        default=9465, ge=0, le=65535, description="/metrics and /healthz (0 turns them off)"
    )
    forward_register: bool = Field(
        default=True, description="Register (activate) the destination so ingest queues for it"
    )
    portal_mapping: Path | None = Field(default=None, description="YAML overriding the mapping")
    portal_url: str | None = Field(default=None, description="Overrides the mapping's base_url")
    portal_rate_limit_per_s: float | None = Field(default=None, gt=0)
    portal_stay_recheck_s: float = Field(
        default=60.0, gt=0, description="How often a storage or transport event waiting for the "
        "end of its stay is looked at again"
    )
    portal_unplaced_wait_s: float = Field(
        default=3600.0, ge=0, description="How long an event naming no known batch (a unit "
        "whose packing scans have not arrived) waits before it is parked"
    )
    portal_client_id: str = "txng"
    portal_client_secret: SecretStr = SecretStr("txng-secret")


def load_forward_settings(**overrides: object) -> ForwardSettings:
    """Read settings from the environment (and `overrides`); raise ConfigError naming the field."""
    return load_settings(ForwardSettings, overrides)
