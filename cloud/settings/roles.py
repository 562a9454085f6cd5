"""Typed settings of `txng db roles`: the passwords of the services' database roles."""

from pydantic import Field, SecretStr

from cloud.settings.common import DatabaseSection
from plumbing.settings import load_settings


class DbRolesSettings(DatabaseSection):
    """Settings of `txng db roles`; TXNG_<NAME> variables (a password unset: left as it is)."""

    db_password_ingest: SecretStr | None = Field(
        default=None, description="Password of the ingester's role ({prefix}_ingest)"
    )
    db_password_api: SecretStr | None = Field(
        default=None, description="Password of the API's role ({prefix}_api)"
    )
    db_password_forward: SecretStr | None = Field(
        default=None, description="Password of the forwarder's role ({prefix}_forward)"
    )

    def passwords(self) -> dict[str, str]:
        """The passwords given, by service."""
        given = {
            "ingest": self.db_password_ingest,
            "api": self.db_password_api,
            "forward": self.db_password_forward,
        }
        return {s: p.get_secret_value() for s, p in given.items() if p and p.get_secret_value()}


def load_db_roles_settings() -> DbRolesSettings:
    """Read settings from the environment; ConfigError on bad ones."""
    return load_settings(DbRolesSettings, {})
