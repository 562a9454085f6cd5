"""The report's chart, drawn with the PDF's own vector primitives: range, mean, band, excursions."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from fpdf import FPDF

from cloud.local_time import LOCAL_TIME
from cloud.reports.model import ExcursionRow, Point
from cloud.reports.texts import Texts

BAND = (214, 238, 214)
RANGE = (170, 200, 235)
MEAN = (25, 70, 150)
EXCURSION = (230, 120, 120)
AXIS = (90, 90, 90)
GRID = (225, 225, 225)


@dataclass(frozen=True)
class Box:
    """Where the chart goes on the page (mm)."""

    x: float
    y: float
    width: float
    height: float


def _scale(points: Sequence[Point], low: float | None, high: float | None) -> tuple[float, float]:
    values = [p.min for p in points] + [p.max for p in points]
    values += [v for v in (low, high) if v is not None]
    bottom, top = min(values), max(values)
    margin = max((top - bottom) * 0.08, 0.5)
    return bottom - margin, top + margin


def draw_chart(
    pdf: FPDF,
    box: Box,
    points: Sequence[Point],
    *,
    low: float | None,
    high: float | None,
    excursions: Sequence[ExcursionRow],
    texts: Texts,
) -> None:
    """Draw the series in `box`: allowed band, min-max range, mean line, excursions, axes."""
    if not points:
        return
    t0 = points[0].first_time.timestamp()
    t1 = max(points[-1].last_time.timestamp(), t0 + 1)
    v0, v1 = _scale(points, low, high)

    def x(at: float) -> float:
        return box.x + (min(max(at, t0), t1) - t0) / (t1 - t0) * box.width

    def y(value: float) -> float:
        return box.y + (v1 - value) / (v1 - v0) * box.height

    pdf.set_line_width(0.1)
    pdf.set_draw_color(*GRID)
    for tick in range(6):
        value = v0 + (v1 - v0) * tick / 5
        pdf.line(box.x, y(value), box.x + box.width, y(value))
        pdf.set_font(size=6)
        pdf.text(box.x - 9, y(value) + 1, texts.number(value))
    if low is not None or high is not None:
        top = y(high if high is not None else v1)
        bottom = y(low if low is not None else v0)
        pdf.set_fill_color(*BAND)
        pdf.rect(box.x, top, box.width, bottom - top, style="F")
    pdf.set_fill_color(*EXCURSION)
    for exc in excursions:
        left, right = x(exc.start.timestamp()), x(exc.until.timestamp())
        pdf.rect(left, box.y, max(right - left, 0.3), box.height, style="F")
    pdf.set_fill_color(*RANGE)
    upper = [(x(p.first_time.timestamp()), y(p.max)) for p in points]
    lower = [(x(p.first_time.timestamp()), y(p.min)) for p in reversed(points)]
    if len(points) > 1:
        pdf.polygon(upper + lower, style="F")
    pdf.set_draw_color(*MEAN)
    pdf.set_line_width(0.3)
    pdf.polyline([(x(p.first_time.timestamp()), y(p.mean)) for p in points])
    pdf.set_draw_color(*AXIS)
    pdf.set_line_width(0.2)
    pdf.rect(box.x, box.y, box.width, box.height)
    for tick in range(5):
        at = t0 + (t1 - t0) * tick / 4
        label = datetime.fromtimestamp(at, LOCAL_TIME).strftime("%d/%m %H:%M")
        width = pdf.get_string_width(label)
        left = min(max(x(at) - width / 2, box.x), box.x + box.width - width)
        pdf.text(left, box.y + box.height + 3.5, label)
