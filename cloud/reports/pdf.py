"""The report as a PDF (A4, Vietnamese or English): verdict first, then figures and evidence."""

from collections.abc import Sequence
from typing import Any

from fpdf import FPDF, FontFace
from fpdf.enums import TableCellFillMode, XPos, YPos

from cloud.db.alerts_history import AlertRecord
from cloud.db.sensors_store import Calibration
from cloud.reports.chart import Box, draw_chart
from cloud.reports.fonts import font_files
from cloud.reports.model import Report
from cloud.reports.texts import Texts
from plumbing.version import VERSION

FONT = "dejavu"
MONO = "dejavu-mono"
HEAD_FILL = (235, 235, 235)
HEAD = FontFace(emphasis="BOLD", fill_color=HEAD_FILL)
# Tables: left-aligned text, no fill but the headings'.
_PLAIN: dict[str, Any] = {"text_align": "LEFT", "cell_fill_mode": TableCellFillMode.NONE}
VERDICT_COLOURS = {
    "pass": (205, 235, 205),
    "fail": (245, 200, 200),
    "incomplete": (250, 230, 180),
    "not_assessed": (225, 225, 225),
}


class _Document(FPDF):
    """A4 portrait with a footer naming the report and the page."""

    footer_text = ""

    def footer(self) -> None:
        """Report name and page number at the bottom of each page."""
        self.set_y(-10)
        self.set_font(FONT, size=7)
        self.cell(0, 5, f"{self.footer_text} · {self.page_no()}/{{nb}}", align="C")


def _document(texts: Texts, footer: str) -> _Document:
    pdf = _Document(orientation="P", unit="mm", format="A4")
    for style, path in font_files().items():
        if style == "mono":
            pdf.add_font(MONO, "", str(path))
        else:
            pdf.add_font(FONT, style, str(path))
    pdf.footer_text = footer
    pdf.set_margins(12, 12, 12)
    pdf.set_auto_page_break(True, margin=14)
    pdf.set_lang(texts.language)
    pdf.set_creator(f"txng {VERSION}")
    pdf.add_page()
    return pdf


def _heading(pdf: FPDF, text: str) -> None:
    if pdf.will_page_break(20):
        pdf.add_page()
    pdf.ln(3)
    pdf.set_font(FONT, "B", 11)
    pdf.cell(0, 6, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 8)


def _pairs(pdf: FPDF, rows: Sequence[tuple[str, str]]) -> None:
    pdf.set_font(FONT, "", 8)
    pdf.set_fill_color(255, 255, 255)
    if _fits(pdf, (55, 131), rows):
        for key, value in rows:
            pdf.set_font(FONT, "B", 8)
            pdf.cell(55, 4.5, key, border=1)
            pdf.set_font(FONT, "", 8)
            pdf.cell(131, 4.5, value, border=1, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        return
    with pdf.table(
        col_widths=(55, 131), first_row_as_headings=False, line_height=4.5, **_PLAIN
    ) as table:
        for key, value in rows:
            row = table.row()
            row.cell(key, style=FontFace(emphasis="BOLD"))
            row.cell(value)


def _fits(pdf: FPDF, widths: Sequence[float], rows: Sequence[Sequence[str]]) -> bool:
    """Every cell's text fits on one line of its column."""
    room = [w - 2 * pdf.c_margin for w in widths]
    return all(
        "\n" not in text and pdf.get_string_width(text) <= width
        for row in rows
        for text, width in zip(row, room, strict=True)
    )


def _grid(
    pdf: FPDF, widths: Sequence[float], head: Sequence[str], rows: Sequence[Sequence[str]]
) -> None:
    """A table of one-line rows drawn cell by cell (fpdf2's table lays out each cell: slow)."""
    height = 4.2

    def heading() -> None:
        pdf.set_font(FONT, "B", 7)
        pdf.set_fill_color(*HEAD_FILL)
        for text, width in zip(head, widths, strict=True):
            pdf.cell(width, height, text, border=1, fill=True)
        pdf.ln(height)
        pdf.set_font(FONT, "", 7)

    heading()
    for row in rows:
        if pdf.will_page_break(height):
            pdf.add_page()
            heading()
        for text, width in zip(row, widths, strict=True):
            pdf.cell(width, height, text, border=1)
        pdf.ln(height)


def _table(
    pdf: FPDF, widths: Sequence[float], head: Sequence[str], rows: Sequence[Sequence[str]]
) -> None:
    pdf.set_font(FONT, "", 7)
    pdf.set_fill_color(255, 255, 255)
    if _fits(pdf, widths, [head, *rows]):
        _grid(pdf, widths, head, rows)
        return
    with pdf.table(
        col_widths=tuple(widths), headings_style=HEAD, line_height=3.8, **_PLAIN
    ) as table:
        heading = table.row()
        for text in head:
            heading.cell(text)
        for values in rows:
            row = table.row()
            for text in values:
                row.cell(text)


def _subject(pdf: FPDF, report: Report, t: Texts) -> None:
    pdf.set_font(FONT, "B", 16)
    pdf.cell(0, 8, t("title"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 10)
    pdf.cell(0, 6, t(f"kind.{report.kind}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    rows: list[tuple[str, str]] = []
    if report.sscc is not None:
        rows.append((t("unit"), report.sscc))
        rows.append((t("from_site"), report.from_site or "—"))
        rows.append((t("to_site"), report.to_site or t("in_transit")))
    label = t("contents") if report.sscc is not None else t("product")
    for batch in report.batches:
        rows.append(
            (label, f"{batch.product_name or ''} · GTIN {batch.gtin} · {t('lot')} {batch.lot}")
        )
    producers = sorted({b.producer_name for b in report.batches if b.producer_name})
    if producers:
        rows.append((t("producer"), ", ".join(producers)))
    end = t("ongoing") if report.end is None else t.time(report.end)
    rows.append((t("period"), f"{t.time(report.start)} → {end}"))
    if report.seen_by is not None:
        rows.append((t("seen_by"), t("site_part").format(site=report.seen_by)))
    rows.append((t("generated"), f"{t.time(report.generated_at)} · {t('times_in')}"))
    _pairs(pdf, rows)


def _verdict(pdf: FPDF, report: Report, t: Texts) -> None:
    pdf.ln(3)
    status = report.verdict.status
    pdf.set_fill_color(*VERDICT_COLOURS[status])
    pdf.set_font(FONT, "B", 12)
    pdf.cell(
        0,
        9,
        f"{t('verdict')}: {t(f'status.{status}')}",
        fill=True,
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.set_font(FONT, "", 8.5)
    for reason in report.verdict.reasons:
        pdf.multi_cell(
            0,
            4.5,
            f"• {t.reason(reason.code, reason.params, report.quantity)}",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )


def _profile(pdf: FPDF, report: Report, t: Texts) -> None:
    _heading(pdf, t("profile"))
    p = report.profile
    if p is None:
        pdf.cell(0, 5, t("no_profile"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        return
    q = report.quantity
    _pairs(
        pdf,
        [
            (t("profile_id"), p.id),
            (t("allowed_range"), f"{t.value(p.min_value, q)} … {t.value(p.max_value, q)}"),
            (t("single_allowed"), t.duration(p.single_excursion_s)),
            (
                t("cumulative_allowed"),
                t.duration(p.cumulative_excursion_s)
                if p.cumulative_excursion_s is not None
                else t("not_set"),
            ),
            (t("hysteresis"), t.value(p.hysteresis, q)),
            (t("mkt_max"), t.value(p.mkt_max, q) if p.mkt_max is not None else t("not_set")),
            (t("silent_after"), t.duration(p.silent_after_s)),
        ],
    )


def _figures(pdf: FPDF, report: Report, t: Texts) -> None:
    _heading(pdf, t("figures"))
    f, q = report.overall, report.quantity
    _table(
        pdf,
        (22, 22, 22, 22, 22, 38, 38),
        (
            t("readings"),
            t("min"),
            t("max"),
            t("mean"),
            t("mkt"),
            t("first_reading"),
            t("last_reading"),
        ),
        [
            (
                t.number(f.count, 0),
                t.value(f.min, q),
                t.value(f.max, q),
                t.value(f.mean, q, 2),
                t.value(f.mkt, q, 2),
                t.time(f.first),
                t.time(f.last),
            )
        ],
    )
    if report.profile is None:
        return
    _heading(pdf, t("limits"))
    p = report.profile
    rows = [
        (
            f"{t(f'dir.{lim.direction}')} {t.value(lim.limit, q)}",
            t.number(lim.excursions, 0),
            t.duration(lim.longest_s),
            t.duration(p.single_excursion_s),
            t("exceeded") if lim.single_exceeded else t("within"),
            t.duration(lim.total_s),
            "",
            "",
        )
        for lim in report.limits
    ]
    allowed = p.cumulative_excursion_s
    over = allowed is not None and report.out_of_range_s > 0 and report.out_of_range_s >= allowed
    rows.append(
        (
            t("both"),
            t.number(len(report.excursions), 0),
            "",
            "",
            "",
            t.duration(report.out_of_range_s),
            t.duration(allowed) if allowed is not None else t("not_set"),
            t("exceeded") if over else t("within"),
        )
    )
    _table(
        pdf,
        (30, 18, 24, 24, 20, 24, 26, 20),
        (
            t("limit"),
            t("excursions"),
            t("longest"),
            t("single_allowed"),
            t("result"),
            t("total"),
            t("cumulative_allowed"),
            t("result"),
        ),
        rows,
    )


def _chart(pdf: FPDF, report: Report, t: Texts) -> None:
    if not report.series:
        return
    _heading(pdf, t("chart"))
    if pdf.will_page_break(72):
        pdf.add_page()
    box = Box(pdf.l_margin + 10, pdf.get_y() + 2, pdf.epw - 12, 58)
    p = report.profile
    pdf.set_font(FONT, "", 6)
    draw_chart(
        pdf,
        box,
        report.series,
        low=p.min_value if p else None,
        high=p.max_value if p else None,
        excursions=report.excursions,
        texts=t,
    )
    pdf.set_y(box.y + box.height + 5)
    pdf.set_font(FONT, "", 7)
    pdf.cell(0, 4, t("legend"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _stays(pdf: FPDF, report: Report, t: Texts) -> None:
    _heading(pdf, t("stays"))
    q = report.quantity
    rows = [
        (
            f"{s.span.site_id} / {s.span.location}",
            t.time(s.span.start),
            t.time(s.span.end) if s.span.end else t("ongoing"),
            t.number(s.figures.count, 0),
            t.value(s.figures.min, q),
            t.value(s.figures.max, q),
            t.value(s.figures.mean, q),
            t.value(s.figures.mkt, q),
            t.duration(s.out_of_range_s),
            t.duration(s.longest_gap_s),
        )
        for s in report.stays
    ]
    _table(
        pdf,
        (34, 20, 20, 14, 14, 14, 14, 14, 20, 22),
        (
            t("location"),
            t("from"),
            t("to"),
            t("readings"),
            t("min"),
            t("max"),
            t("mean"),
            t("mkt"),
            t("out_of_range"),
            t("longest_gap"),
        ),
        rows,
    )


def _handovers(pdf: FPDF, report: Report, t: Texts) -> None:
    if report.seen_by is None:
        return
    _heading(pdf, t("handovers"))
    rows = [(t.time(h.time), h.site_id, h.biz_step) for h in report.handovers]
    if not rows:
        pdf.cell(0, 5, t("none"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        return
    _table(pdf, (40, 70, 50), (t("time"), t("site"), t("biz_step")), rows)


def _calibration(calibration: Calibration | None, t: Texts) -> str:
    if calibration is None:
        return t("unknown")
    parts = [v for v in (calibration.model, calibration.serial_number, calibration.accuracy) if v]
    if calibration.calibration_ref:
        parts.append(calibration.calibration_ref)
    if calibration.calibrated_on:
        parts.append(calibration.calibrated_on.strftime("%d/%m/%Y"))
    if calibration.calibration_due:
        parts.append(f"{t('calibration_due')} {calibration.calibration_due.strftime('%d/%m/%Y')}")
    return " · ".join(parts) or t("unknown")


def _sensors(pdf: FPDF, report: Report, t: Texts) -> None:
    _heading(pdf, t("sensors"))
    rows = []
    for s in report.sensors:
        place = f"{s.site_id} / {s.location}"
        if s.place is not None and (s.place.name or s.place.gln):
            details = [v for v in (s.place.name, s.place.kind, s.place.gln) if v]
            place += f" ({', '.join(details)})"
        count = t.number(s.good, 0) + (f" (+{s.suspect} {t('suspect')})" if s.suspect else "")
        rows.append(
            (
                place,
                f"{s.device_id} / {s.sensor}",
                count,
                f"{t.time(s.first)} → {t.time(s.last)}",
                _calibration(s.calibration, t),
            )
        )
    if not rows:
        pdf.cell(0, 5, t("none"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        return
    _table(
        pdf,
        (50, 28, 20, 44, 44),
        (
            t("location"),
            f"{t('device')} / {t('sensor')}",
            t("readings"),
            t("period"),
            t("calibration"),
        ),
        rows,
    )


def _excursions(pdf: FPDF, report: Report, t: Texts) -> None:
    _heading(pdf, t("excursion_list"))
    q = report.quantity
    rows = [
        (
            f"{e.site_id} / {e.location}",
            t(f"dir.{e.direction}"),
            t.time(e.start),
            t.time(e.end) if e.end else t("ongoing"),
            t.duration(e.duration_s),
            t.value(e.peak, q),
            f"#{e.alert_id}" if e.alert_id is not None else "—",
        )
        for e in report.excursions
    ]
    if not rows:
        pdf.cell(0, 5, t("none"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        return
    _table(
        pdf,
        (44, 16, 30, 30, 24, 20, 22),
        (t("location"), t("direction"), t("start"), t("end"), t("duration"), t("peak"), t("alert")),
        rows,
    )


def _history(alert: AlertRecord, t: Texts) -> str:
    lines = []
    for step in alert.transitions:
        what = t(f"state.{step.to_state}") if step.from_state else t("raised")
        line = f"{t.time(step.at)} {what}: {step.actor}"
        lines.append(f"{line} — {step.comment}" if step.comment else line)
    return "\n".join(lines) or "—"


def _alerts(pdf: FPDF, report: Report, t: Texts) -> None:
    _heading(pdf, t("alerts"))
    rows = [
        (
            f"#{a.id}",
            a.kind,
            a.severity,
            f"{a.site_id or '—'} / {a.location or '—'}",
            f"{t.time(a.started_at)} → {t.time(a.ended_at) if a.ended_at else '…'}",
            t(f"state.{a.state}"),
            _history(a, t),
        )
        for a in report.alerts
    ]
    if not rows:
        pdf.cell(0, 5, t("none"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        return
    _table(
        pdf,
        (12, 26, 14, 28, 36, 18, 52),
        ("#", t("kind"), t("severity"), t("location"), t("period"), t("state"), t("history")),
        rows,
    )


def _chain(pdf: FPDF, report: Report, t: Texts) -> None:
    _heading(pdf, t("chain"))
    if not report.events:
        pdf.cell(0, 5, t("no_events"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        return
    pdf.multi_cell(0, 4, t("chain_intro"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    for ref in report.chain:
        pdf.ln(1)
        pdf.set_font(FONT, "B", 8)
        link = f"{t('link')} {ref.position}" if ref.position is not None else t("not_chained")
        pdf.cell(
            0,
            4.5,
            f"{t('site')} {ref.site_id}: {ref.events} · {link}",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        command = ref.verify_command()
        if command is not None:
            pdf.set_font(MONO, "", 6.5)
            pdf.multi_cell(0, 3.5, command, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1)
    rows = [
        (
            t.time(e.time),
            f"{e.site_id} / {e.location}",
            e.biz_step,
            e.event_id,
            str(e.position) if e.position is not None else t("not_chained"),
        )
        for e in report.events
    ]
    _table(
        pdf,
        (28, 44, 22, 70, 22),
        (t("time"), t("location"), t("biz_step"), t("event"), t("link")),
        rows,
    )


def report_pdf(report: Report, texts: Texts, *, name: str) -> bytes:
    """The report as PDF bytes; `name` is printed in every page's footer."""
    pdf = _document(texts, f"txng · {name}")
    pdf.set_title(f"{texts('title')}: {name}")
    pdf.set_creation_date(report.generated_at)
    for section in (
        _subject,
        _verdict,
        _profile,
        _figures,
        _chart,
        _stays,
        _handovers,
        _sensors,
        _excursions,
        _alerts,
        _chain,
    ):
        section(pdf, report, texts)
    return bytes(pdf.output())
