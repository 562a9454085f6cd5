"""PDF sheets of labels for A4 sticker paper (fpdf2): symbols as 1-bit images, text in DejaVu."""

import logging
from collections.abc import Sequence

from fpdf import FPDF

from cloud.labels.errors import LabelError
from cloud.labels.label import Label
from cloud.labels.layouts import SheetLayout
from cloud.labels.placement import Placement, place
from cloud.labels.render import one_bit_image
from cloud.labels.text import ascii_text, unicode_font

log = logging.getLogger(__name__)

MAX_LABELS = 20_000  # one sheet file: about 300 pages of the smallest stickers
PT_PER_MM = 72 / 25.4


class _Sheet:
    """An fpdf2 document with the label font chosen once."""

    def __init__(self, layout: SheetLayout):
        self.pdf = FPDF(unit="mm", format=(layout.page_width_mm, layout.page_height_mm))
        self.pdf.set_auto_page_break(False)
        self.pdf.set_margin(0)
        self.pdf.set_creator("txng")
        font = unicode_font()
        if font is not None:
            self.pdf.add_font("label", fname=str(font))
            self.family, self.ascii = "label", False
        else:
            log.warning("no Unicode font found (install fonts-dejavu-core): text without marks")
            self.family, self.ascii = "helvetica", True
        self._widths: dict[str, float] = {}

    def draw(self, placement: Placement, left: float, top: float) -> None:
        """Draw one placed label with its top-left corner at (left, top)."""
        pdf = self.pdf
        for placed in placement.symbols:
            symbol = placed.symbol
            if symbol.linear:  # one row of modules, stretched to the bar height
                image = one_bit_image(symbol).convert("L")
                row = image.crop((0, 2, image.width, 3))
                pdf.image(row, left + placed.x, top + placed.y, placed.width_mm, placed.height_mm)
            else:
                size = symbol.outer_shape[0] * placed.module_mm
                image = one_bit_image(symbol).convert("L")
                pdf.image(image, left + placed.x, top + placed.y, size, size)
        for text in placement.texts:
            line, points = self._fit(
                ascii_text(text.text) if self.ascii else text.text, text.size_mm, text.width_mm
            )
            pdf.set_font(self.family, size=points)
            pdf.text(left + text.x, top + text.y + text.size_mm * 0.8, line)

    def _width(self, line: str) -> float:
        """Width of `line` at 1 pt, measured once per distinct line."""
        width = self._widths.get(line)
        if width is None:
            self.pdf.set_font(self.family, size=1)
            width = self._widths[line] = self.pdf.get_string_width(line)
        return width

    def _fit(self, line: str, size_mm: float, width_mm: float) -> tuple[str, float]:
        """The line and font size (points) to draw it in: smaller if needed, then cut."""
        points = size_mm * PT_PER_MM / 1.15
        width = self._width(line) * points
        if width <= width_mm:
            return line, points
        points = max(points * 0.6, points * width_mm / width)
        while line and self._width(line) * points > width_mm:
            line = line[: max(0, int(len(line) * width_mm / (self._width(line) * points)) - 1)]
        return line, points


def sheet_pdf(labels: Sequence[Label], layout: SheetLayout) -> bytes:
    """A PDF of the labels, `layout.per_page` to an A4 page, left to right, top to bottom."""
    if not labels:
        raise LabelError("count", "no labels to print")
    if len(labels) > MAX_LABELS:
        raise LabelError("count", f"{len(labels)} labels; one sheet file holds {MAX_LABELS}")
    sheet = _Sheet(layout)
    for index, label in enumerate(labels):
        if index % layout.per_page == 0:
            sheet.pdf.add_page()
        left, top = layout.cell(index)
        sheet.draw(place(label, layout.width_mm, layout.height_mm), left, top)
    return bytes(sheet.pdf.output())
