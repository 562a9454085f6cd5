"""Text on labels: a font with Vietnamese letters, or the letters without their marks."""

import unicodedata
from pathlib import Path

FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),  # Debian: fonts-dejavu-core
    Path("/usr/share/fonts/TTF/DejaVuSans.ttf"),
)


def unicode_font() -> Path | None:
    """A TrueType font with Vietnamese letters, if the system has one."""
    return next((path for path in FONT_CANDIDATES if path.is_file()), None)


def ascii_text(text: str) -> str:
    """Vietnamese without its marks (đ → d), for fonts that lack them."""
    text = text.replace("đ", "d").replace("Đ", "D")
    stripped = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return stripped
