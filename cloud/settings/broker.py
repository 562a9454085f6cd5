"""Typed settings of broker administration: the admin account's URL, shared by CLI and API."""

from pydantic import Field, SecretStr, field_validator

from cloud.settings.common import DatabaseSection
from plumbing.mqtt_url import MqttEndpoint
from plumbing.settings import ConfigError, Section, load_settings


class BrokerAdminFields(Section):
    """Where the broker's dynamic-security admin account connects; mixed into process settings."""

    broker_admin_url: SecretStr | None = Field(
        default=None,
        description="mqtt://txng-admin:PASSWORD@host:1883 of the dynamic-security admin account; "
        "unset: no broker accounts are changed (the development broker lets anyone in)",
    )
    broker_admin_timeout_s: float = Field(
        default=10.0, gt=0, le=120, description="Seconds to wait for the broker's answers"
    )

    @field_validator("broker_admin_url")
    @classmethod
    def _valid_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and value.get_secret_value():
            try:
                MqttEndpoint.parse(value.get_secret_value())
            except ConfigError as err:
                raise ValueError(str(err)) from err  # pydantic then names the field
        return value

    def admin_url(self) -> str | None:
        """The admin account's URL, or None when unset."""
        url = self.broker_admin_url.get_secret_value() if self.broker_admin_url else None
        return url or None


class BrokerAdminSettings(DatabaseSection, BrokerAdminFields):
    """Settings of `txng devices add` and `txng broker account`; TXNG_<NAME> variables."""


def load_broker_admin_settings(**overrides: object) -> BrokerAdminSettings:
    """Read settings from the environment (and non-None `overrides`); ConfigError on bad ones."""
    given = {name: value for name, value in overrides.items() if value is not None}
    return load_settings(BrokerAdminSettings, given)
