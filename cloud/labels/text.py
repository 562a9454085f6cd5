"""Text on labels: a font with Vietnamese letters, or the letters without their marks."""

import unicodedata
from pathlib import Path

from cloud.reports.errors import ReportError
from cloud.reports.fonts import font_files


def unicode_font() -> Path | None:
    """DejaVu Sans as the reports use it (TXNG_REPORT_FONT_DIR, cut once a process), if found."""
    try:
        return font_files()[""]
    except ReportError:
        return None


def ascii_text(text: str) -> str:
    """Vietnamese without its marks (đ → d), for fonts that lack them."""
    text = text.replace("đ", "d").replace("Đ", "D")
    stripped = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return stripped
