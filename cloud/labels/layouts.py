"""A4 sticker sheets and thermal label sizes, as data (millimetres, from the makers' templates)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class SheetLayout:
    """Labels of one size in a grid on an A4 sheet."""

    name: str
    description: str
    columns: int
    rows: int
    width_mm: float
    height_mm: float
    left_mm: float  # page edge to the first column
    top_mm: float  # page edge to the first row
    column_pitch_mm: float  # left edge to left edge
    row_pitch_mm: float  # top edge to top edge
    page_width_mm: float = 210.0
    page_height_mm: float = 297.0

    @property
    def per_page(self) -> int:
        """Labels on one sheet."""
        return self.columns * self.rows

    def cell(self, index: int) -> tuple[float, float]:
        """Top-left corner (x, y from the page's top-left) of label `index` on its sheet."""
        row, column = divmod(index % self.per_page, self.columns)
        return (
            self.left_mm + column * self.column_pitch_mm,
            self.top_mm + row * self.row_pitch_mm,
        )


SHEETS: dict[str, SheetLayout] = {
    sheet.name: sheet
    for sheet in (
        SheetLayout("a4-65", "65 per A4, 38.1 x 21.2 mm (L7651 type)", 5, 13, 38.1, 21.2,
                    4.75, 10.7, 40.6, 21.2),
        SheetLayout("a4-24", "24 per A4, 70 x 37 mm (3474 type)", 3, 8, 70.0, 37.0,
                    0.0, 0.5, 70.0, 37.0),
        SheetLayout("a4-21", "21 per A4, 63.5 x 38.1 mm (L7160 type)", 3, 7, 63.5, 38.1,
                    7.25, 15.15, 66.0, 38.1),
        SheetLayout("a4-14", "14 per A4, 99.1 x 38.1 mm (L7163 type)", 2, 7, 99.1, 38.1,
                    4.65, 15.15, 101.6, 38.1),
        SheetLayout("a4-4", "4 per A4, 99.1 x 139 mm (L7169 type): logistic labels", 2, 2,
                    99.1, 139.0, 4.65, 9.5, 101.6, 139.0),
    )
}


@dataclass(frozen=True)
class ThermalLayout:
    """One label on a roll, for a ZPL printer: size and resolution."""

    name: str
    width_mm: float
    height_mm: float
    dpmm: int  # dots per millimetre: 8 (203 dpi), 12 (300 dpi) or 24 (600 dpi)

    @property
    def width_dots(self) -> int:
        """Printable width in dots."""
        return round(self.width_mm * self.dpmm)

    @property
    def height_dots(self) -> int:
        """Label length in dots."""
        return round(self.height_mm * self.dpmm)


THERMAL: dict[str, ThermalLayout] = {
    t.name: t
    for t in (
        ThermalLayout("50x30", 50.0, 30.0, 8),
        ThermalLayout("100x50", 100.0, 50.0, 8),
        ThermalLayout("100x150", 101.6, 152.4, 8),  # 4 x 6 inch: the GS1 logistic label
        ThermalLayout("50x30-300dpi", 50.0, 30.0, 12),
    )
}
