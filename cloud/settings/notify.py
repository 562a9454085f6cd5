"""Typed settings of the people's channels and policy defaults, from TXNG_NOTIFY_* variables.

Secrets (SMTP password, Telegram bot token, Zalo access token) are `SecretStr`: they print as
`**********` and never reach a log line or an error message.
"""

import re
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from plumbing.settings import load_settings

_TELEGRAM_TOKEN = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{20,100}$")


class PeopleSettings(BaseSettings):
    """Channels (SMTP, Telegram Bot API, Zalo OA API) and the defaults of sites' policies."""

    model_config = SettingsConfigDict(env_prefix="TXNG_NOTIFY_", extra="ignore", frozen=True)

    link_base_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Base of the web UI in messages' links (…/ui/alerts/{id})",
        pattern=r"^https?://[^\s]+$",
    )
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+$")
    telegram_api_url: str = Field(default="https://api.telegram.org", pattern=r"^https?://\S+$")
    telegram_bot_token: SecretStr | None = None
    zalo_api_url: str = Field(default="https://openapi.zalo.me", pattern=r"^https?://\S+$")
    zalo_access_token: SecretStr | None = None
    timeout_s: float = Field(default=10.0, gt=0, le=120)
    poll_s: float = Field(default=1.0, gt=0, description="How often to look for due deliveries")
    escalation_check_s: float = Field(default=15.0, gt=0, description="Escalation sweep period")
    backoff_base_s: float = Field(default=5.0, gt=0)
    backoff_max_s: float = Field(default=900.0, gt=0)
    max_attempts: int = Field(default=20, ge=1)
    group_limit: int = Field(default=20, ge=1, le=200, description="Alerts listed per message")
    escalate_after_s: int | None = Field(
        default=900, gt=0, description="Sites without a policy: escalate after (None: never)"
    )
    remind_every_s: int | None = Field(
        default=1800, gt=0, description="Sites without a policy: remind every (None: never)"
    )
    max_reminders: int = Field(default=3, ge=0)
    group_window_s: int = Field(
        default=60, ge=0, description="At most one message per recipient per this many seconds"
    )

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _TELEGRAM_TOKEN.match(value.get_secret_value()):
            raise ValueError("not a bot token of the form <digits>:<letters> (value not shown)")
        return value

    @model_validator(mode="after")
    def _smtp_complete(self) -> "PeopleSettings":
        if self.smtp_host and not self.smtp_from:
            raise ValueError("smtp_from is required when smtp_host is set")
        if self.smtp_password is not None and not self.smtp_username:
            raise ValueError("smtp_password is set but smtp_username is not")
        return self

    def configured_channels(self) -> list[str]:
        """The channels this process can send on."""
        found = [
            ("email", self.smtp_host is not None),
            ("telegram", self.telegram_bot_token is not None),
            ("zalo", self.zalo_access_token is not None),
        ]
        return [name for name, present in found if present]


def load_people_settings(**overrides: object) -> PeopleSettings:
    """Read settings from the environment (and `overrides`); raise ConfigError naming the field."""
    return load_settings(PeopleSettings, overrides)
