"""The fonts a PDF report embeds: DejaVu Sans (Vietnamese diacritics included), from Debian.

Debian's package `fonts-dejavu-core` installs them in /usr/share/fonts/truetype/dejavu
(licence: Bitstream Vera and public domain changes, free to embed). TXNG_REPORT_FONT_DIR
names another directory holding the same files.
"""

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from cloud.reports.errors import ReportError
from plumbing.settings import ConfigError, load_settings

FILES = {
    "": "DejaVuSans.ttf",
    "B": "DejaVuSans-Bold.ttf",
    "mono": "DejaVuSansMono.ttf",
}


class ReportSettings(BaseSettings):
    """Where the report's fonts are (TXNG_REPORT_FONT_DIR)."""

    model_config = SettingsConfigDict(env_prefix="TXNG_", extra="ignore", frozen=True)

    report_font_dir: Path = Field(
        default=Path("/usr/share/fonts/truetype/dejavu"),
        description="Directory with DejaVuSans.ttf, DejaVuSans-Bold.ttf, DejaVuSansMono.ttf",
    )


def font_files() -> dict[str, Path]:
    """The font files by style; ReportError naming the setting when one is missing."""
    try:
        settings = load_settings(ReportSettings, {})
    except ConfigError as err:
        raise ReportError(str(err)) from err
    paths = {style: settings.report_font_dir / name for style, name in FILES.items()}
    missing = [str(p) for p in paths.values() if not p.is_file()]
    if missing:
        raise ReportError(
            f"report fonts not found: {', '.join(missing)} (install Debian's fonts-dejavu-core "
            "or set TXNG_REPORT_FONT_DIR)"
        )
    return paths
