"""Typed settings of the integrity checks (TXNG_INTEGRITY_*)."""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from plumbing.settings import load_settings


class IntegritySettings(BaseSettings):
    """Thresholds of the integrity checks (TXNG_INTEGRITY_*)."""

    model_config = SettingsConfigDict(env_prefix="TXNG_INTEGRITY_", extra="ignore", frozen=True)

    max_speed_kmh: float = Field(default=120.0, gt=0, description="Faster than this is suspect")
    min_distance_km: float = Field(
        default=2.0, ge=0, description="Closer than this is one place (GPS and site size)"
    )


def load_integrity_settings(**overrides: object) -> IntegritySettings:
    """Read settings from the environment (and `overrides`); raise ConfigError naming the field."""
    return load_settings(IntegritySettings, overrides)
