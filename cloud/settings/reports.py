"""Typed settings of the PDF reports (TXNG_REPORT_*)."""

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from plumbing.settings import load_settings


class ReportSettings(BaseSettings):
    """Where the report's fonts are (TXNG_REPORT_FONT_DIR)."""

    model_config = SettingsConfigDict(env_prefix="TXNG_", extra="ignore", frozen=True)

    report_font_dir: Path = Field(
        default=Path("/usr/share/fonts/truetype/dejavu"),
        description="Directory with DejaVuSans.ttf, DejaVuSans-Bold.ttf, DejaVuSansMono.ttf",
    )


def load_report_settings(**overrides: object) -> ReportSettings:
    """Read settings from the environment (and `overrides`); raise ConfigError naming the field."""
    return load_settings(ReportSettings, overrides)
