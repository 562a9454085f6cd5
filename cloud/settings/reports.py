"""Typed settings of the PDF reports (TXNG_REPORT_*)."""

from pathlib import Path

from pydantic import Field

from plumbing.settings import Section, load_settings


class ReportSettings(Section):
    """Where the report's fonts are (TXNG_REPORT_FONT_DIR)."""

    report_font_dir: Path = Field(
        default=Path("/usr/share/fonts/truetype/dejavu"),
        description="Directory with DejaVuSans.ttf, DejaVuSans-Bold.ttf, DejaVuSansMono.ttf",
    )


def load_report_settings(**overrides: object) -> ReportSettings:
    """Read settings from the environment (and `overrides`); raise ConfigError naming the field."""
    return load_settings(ReportSettings, overrides)
