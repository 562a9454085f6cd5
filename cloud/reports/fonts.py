"""The fonts a PDF report embeds: DejaVu Sans (Vietnamese diacritics included), from Debian.

Debian's package `fonts-dejavu-core` installs them in /usr/share/fonts/truetype/dejavu
(licence: Bitstream Vera and public domain changes, free to embed). TXNG_REPORT_FONT_DIR
names another directory holding the same files.

fpdf2 parses a font for every document (about 0.2 s for DejaVu's 6,000 glyphs); the process
therefore cuts each font once, on its first report, to the scripts a report prints (Latin
with Vietnamese, Greek, Cyrillic, punctuation, arrows, symbols): a character outside them
prints as a blank. That first cut takes a few seconds (bench/report.py: report_pdf_first_ms).
"""

import functools
import tempfile
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

from cloud.reports.errors import ReportError
from cloud.settings.reports import load_report_settings
from plumbing.settings import ConfigError

FILES = {
    "": "DejaVuSans.ttf",
    "B": "DejaVuSans-Bold.ttf",
    "mono": "DejaVuSansMono.ttf",
}


RANGES = (
    (0x20, 0x7E),  # Basic Latin
    (0xA0, 0x24F),  # Latin-1, Latin Extended A and B
    (0x300, 0x3FF),  # combining diacritics, Greek
    (0x400, 0x4FF),  # Cyrillic
    (0x1E00, 0x1EFF),  # Latin Extended Additional (Vietnamese)
    (0x2000, 0x20CF),  # punctuation, super- and subscripts, currency
    (0x2100, 0x22FF),  # letterlike symbols, number forms, arrows, mathematical operators
    (0x2500, 0x25FF),  # box drawing, block elements, geometric shapes
)
_KEPT: list[tempfile.TemporaryDirectory[str]] = []  # the cut fonts live as long as the process


@functools.cache
def _cut(source: Path) -> Path:
    """A copy of the font with only RANGES' glyphs and no layout tables (made once)."""
    if not _KEPT:
        _KEPT.append(tempfile.TemporaryDirectory(prefix="txng-report-fonts-"))
    options = subset.Options()
    options.layout_features = []
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "kern", "FFTM"]
    options.hinting = False
    options.name_IDs = ["*"]
    options.notdef_outline = True
    cutter = subset.Subsetter(options)
    cutter.populate(unicodes=[c for low, high in RANGES for c in range(low, high + 1)])
    font = TTFont(str(source))
    cutter.subset(font)
    target = Path(_KEPT[0].name) / source.name
    font.save(str(target))
    return target


def font_files() -> dict[str, Path]:
    """The (cut) font files by style; ReportError naming the setting when one is missing."""
    try:
        settings = load_report_settings()
    except ConfigError as err:
        raise ReportError(str(err)) from err
    paths = {style: settings.report_font_dir / name for style, name in FILES.items()}
    missing = [str(p) for p in paths.values() if not p.is_file()]
    if missing:
        raise ReportError(
            f"report fonts not found: {', '.join(missing)} (install Debian's fonts-dejavu-core "
            "or set TXNG_REPORT_FONT_DIR)"
        )
    return {style: _cut(path) for style, path in paths.items()}
