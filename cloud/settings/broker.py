"""Typed settings of the broker account commands (`txng devices add`, `txng broker account`)."""

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from plumbing.settings import ConfigError, load_settings


class BrokerAdminSettings(BaseSettings):
    """Where Mosquitto's password and ACL files are; every field has a TXNG_<NAME> variable."""

    model_config = SettingsConfigDict(env_prefix="TXNG_", extra="ignore", frozen=True)

    database_url: str | None = None
    mosquitto_password_file: Path | None = None
    mosquitto_acl_file: Path | None = None

    def files(self) -> tuple[Path, Path]:
        """The password file and the ACL file; ConfigError names the one that is missing."""
        if self.mosquitto_password_file is None:
            raise ConfigError("TXNG_MOSQUITTO_PASSWORD_FILE: not set (or pass --password-file)")
        if self.mosquitto_acl_file is None:
            raise ConfigError("TXNG_MOSQUITTO_ACL_FILE: not set (or pass --acl-file)")
        return self.mosquitto_password_file, self.mosquitto_acl_file


def load_broker_admin_settings(**overrides: object) -> BrokerAdminSettings:
    """Read settings from the environment (and non-None `overrides`); ConfigError on bad ones."""
    given = {name: value for name, value in overrides.items() if value is not None}
    return load_settings(BrokerAdminSettings, given)
