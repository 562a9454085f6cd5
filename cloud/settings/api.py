"""Typed settings of the HTTP API (`txng cloud api`), from TXNG_* environment variables."""

from pydantic import Field

from cloud.settings.broker import BrokerAdminFields
from cloud.settings.common import DatabaseSection
from plumbing.settings import load_settings


class ApiSettings(DatabaseSection, BrokerAdminFields):
    """Everything the API process needs; every field has an environment variable TXNG_<NAME>."""

    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8000, ge=1, le=65535)
    api_database_connections: int = Field(default=8, ge=1, le=100)
    api_public_base_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Base of the GS1 Digital Link URLs printed in QR codes (…/01/{gtin}/10/{lot})",
    )
    api_session_hours: float = Field(default=12.0, gt=0, description="Browser session lifetime")
    api_cookie_secure: bool | None = Field(
        default=None,
        description="Mark the session cookie Secure (unset: whenever the public base URL is https)",
    )
    api_login_failures_per_account: int = Field(
        default=5, ge=1, description="Failed logins of one account within the window, then 429"
    )
    api_login_failures_per_address: int = Field(
        default=20, ge=1, description="Failed logins from one address within the window, then 429"
    )
    api_login_window_s: float = Field(
        default=900.0, gt=0, description="Seconds failed logins count against an account/address"
    )
    api_online_after_s: float = Field(
        default=120.0, gt=0, description="A device seen within this many seconds is online"
    )
    api_workers: int = Field(default=1, ge=1, le=64, description="uvicorn worker processes")
    api_max_connections: int = Field(
        default=1000, ge=1, description="Connections served at once; beyond, uvicorn answers 503"
    )
    api_max_body_bytes: int = Field(
        default=1024 * 1024, ge=1024, description="Largest request body (JSON, forms)"
    )
    api_max_upload_bytes: int = Field(
        default=20 * 1024 * 1024, ge=1024, description="Largest CSV import or EPCIS document"
    )
    api_body_idle_timeout_s: float = Field(
        default=10.0, gt=0, description="A request body silent this long is cut off (408)"
    )
    api_body_timeout_s: float = Field(
        default=120.0, gt=0, description="A request body still arriving after this is cut off"
    )
    api_public_cache_s: float = Field(
        default=15.0,
        ge=0,
        le=60,
        description="Seconds a consumer page is reused in a process, then served stale as long "
        "again while it is renewed (0: never)",
    )
    api_forwarded_allow_ips: str = Field(
        default="127.0.0.1",
        description="Reverse proxies whose X-Forwarded-For names the client (comma-separated, "
        "* for any): the public checks' rate limit is per client address",
    )
    api_checks_per_minute: float = Field(
        default=20.0, gt=0, le=6000,
        description="Serialised-code checks (and place shares) a client may make a minute",
    )
    api_checks_burst: int = Field(default=10, ge=1, le=1000, description="… of them at once")
    api_checks_repeat_s: float = Field(
        default=600.0, ge=0, description="A client's repeated check of one code within this many "
        "seconds is not counted again",
    )
    api_checks_window_h: float = Field(
        default=24.0, gt=0, le=24 * 90, description="Window of the counterfeit signals (hours)"
    )
    api_checks_often: int = Field(
        default=10, ge=2, description="Checks of one code within the window that are unusual"
    )
    api_checks_far_km: float = Field(
        default=300.0, gt=0, description="Provinces this far apart within the window are suspect"
    )


def cookie_secure(settings: ApiSettings) -> bool:
    """Whether the session cookie is Secure: as set, else when the public base is https."""
    if settings.api_cookie_secure is not None:
        return settings.api_cookie_secure
    return settings.api_public_base_url.lower().startswith("https://")


def load_api_settings(**overrides: object) -> ApiSettings:
    """Read settings from the environment (and `overrides`); raise ConfigError naming the field."""
    return load_settings(ApiSettings, overrides)
