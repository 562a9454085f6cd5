"""The report's readings as CSV, and the report with its readings as an XLSX workbook."""

import csv
import io
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import xlsxwriter

from cloud.db.readings_raw import Reading
from cloud.local_time import LOCAL_TIME
from cloud.reports.model import Report
from cloud.reports.texts import Texts, unit_symbol

CSV_COLUMNS = (
    "time",
    "site",
    "location",
    "device",
    "sensor",
    "quantity",
    "value",
    "unit",
    "quality",
)


def readings_csv(readings: Iterable[Reading], quantity: str) -> tuple[bytes, int]:
    """The readings as UTF-8 CSV (with a byte-order mark, for spreadsheets), and their count.

    Times are ISO 8601 in Vietnam time (+07:00); suspect readings are listed with their quality.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    count = 0
    for r in readings:
        writer.writerow(
            (
                r.time.astimezone(LOCAL_TIME).isoformat(),
                r.site_id,
                r.location,
                r.device_id,
                r.sensor,
                quantity,
                repr(r.value),
                r.unit,
                r.quality,
            )
        )
        count += 1
    return out.getvalue().encode("utf-8-sig"), count


def _summary_rows(report: Report, t: Texts) -> list[tuple[str, object]]:
    q = report.quantity
    f = report.overall
    rows: list[tuple[str, object]] = [
        (t("title"), t(f"kind.{report.kind}")),
        (t("verdict"), t(f"status.{report.verdict.status}")),
    ]
    rows += [("", t.reason(r.code, r.params, q)) for r in report.verdict.reasons]
    if report.sscc is not None:
        rows += [(t("unit"), report.sscc), (t("from_site"), report.from_site or "")]
        rows.append((t("to_site"), report.to_site or t("in_transit")))
    rows += [(t("product"), f"{b.product_name or ''} · {b.gtin} · {b.lot}") for b in report.batches]
    rows += [
        (
            t("period"),
            f"{t.time(report.start)} → {t.time(report.end) if report.end else t('ongoing')}",
        ),
        (t("generated"), f"{t.time(report.generated_at)} ({t('times_in')})"),
    ]
    if report.seen_by is not None:
        rows.append((t("seen_by"), t("site_part").format(site=report.seen_by)))
        rows += [
            (t("handovers"), f"{t.time(h.time)} · {h.site_id} · {h.biz_step}")
            for h in report.handovers
        ]
    rows += [
        (t("profile"), report.profile.id if report.profile else t("no_profile")),
        (t("readings"), f.count),
        (t("min"), f.min),
        (t("max"), f.max),
        (t("mean"), f.mean),
        (t("mkt"), f.mkt),
        (t("out_of_range"), t.duration(report.out_of_range_s)),
    ]
    rows += [
        (
            f"{t(f'dir.{lim.direction}')} {lim.limit}",
            f"{t('excursions')} {lim.excursions} · {t('longest')} {t.duration(lim.longest_s)} · "
            f"{t('total')} {t.duration(lim.total_s)}",
        )
        for lim in report.limits
    ]
    rows += [
        (f"{t('chain')}: {c.site_id}", c.verify_command() or t("not_chained")) for c in report.chain
    ]
    rows.append(("", t("suspect_note")))
    return rows


def report_xlsx(report: Report, readings: Iterable[Reading], texts: Texts) -> tuple[bytes, int]:
    """A workbook: the summary, the excursions, the alerts and every reading; and their count."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "constant_memory": True})
    bold = book.add_format({"bold": True})
    when = book.add_format({"num_format": "dd/mm/yyyy hh:mm:ss"})
    t = texts
    summary = book.add_worksheet(t("summary"))
    summary.set_column(0, 0, 34)
    summary.set_column(1, 1, 90)
    for i, (key, value) in enumerate(_summary_rows(report, t)):
        summary.write(i, 0, key, bold)
        summary.write(i, 1, value)
    excursions = book.add_worksheet(t("excursion_list"))
    excursions.write_row(
        0,
        0,
        (
            t("site"),
            t("location"),
            t("direction"),
            t("start"),
            t("end"),
            f"{t('duration')} (s)",
            t("peak"),
            t("alert"),
        ),
        bold,
    )
    for i, e in enumerate(report.excursions, start=1):
        excursions.write_row(i, 0, (e.site_id, e.location, e.direction))
        excursions.write_datetime(i, 3, _local(e.start), when)
        if e.end is not None:
            excursions.write_datetime(i, 4, _local(e.end), when)
        excursions.write_row(i, 5, (e.duration_s, e.peak, e.alert_id if e.alert_id else ""))
    alerts = book.add_worksheet(t("alerts"))
    alerts.write_row(
        0,
        0,
        (
            "#",
            t("kind"),
            t("severity"),
            t("site"),
            t("location"),
            t("start"),
            t("end"),
            t("state"),
            t("history"),
        ),
        bold,
    )
    for i, a in enumerate(report.alerts, start=1):
        alerts.write_row(i, 0, (a.id, a.kind, a.severity, a.site_id or "", a.location or ""))
        alerts.write_datetime(i, 5, _local(a.started_at), when)
        if a.ended_at is not None:
            alerts.write_datetime(i, 6, _local(a.ended_at), when)
        history = "; ".join(
            f"{t.time(s.at)} {s.to_state} {s.actor}" + (f": {s.comment}" if s.comment else "")
            for s in a.transitions
        )
        alerts.write_row(i, 7, (a.state, history))
    count = _readings_sheet(book, report, readings, t, bold)
    book.close()
    return out.getvalue(), count


_EXCEL_EPOCH = datetime(1899, 12, 30)


def _readings_sheet(
    book: xlsxwriter.Workbook, report: Report, readings: Iterable[Reading], t: Texts, bold: Any
) -> int:
    """One row per reading time, one column per probe (as a data logger exports); the count.

    Suspect readings are written in red italics (they are left out of the figures).
    """
    sheet = book.add_worksheet(t("readings"))
    when = book.add_format({"num_format": "dd/mm/yyyy hh:mm:ss"})
    suspect = book.add_format({"italic": True, "font_color": "#C00000"})
    probes = sorted({(s.site_id, s.location, s.device_id, s.sensor) for s in report.sensors})
    column = {probe: i for i, probe in enumerate(probes, start=1)}
    sheet.set_column(0, 0, 20)
    sheet.set_column(1, len(probes), 18)
    sheet.write_string(0, 0, f"{t('time')} (UTC+07:00)", bold)
    unit = unit_symbol(report.quantity)
    for probe, i in column.items():
        sheet.write_string(0, i, f"{'/'.join(probe)} ({unit})", bold)
    row, last, count = 0, None, 0
    for r in readings:
        if r.time != last:
            row, last = row + 1, r.time
            serial = (_local(r.time) - _EXCEL_EPOCH).total_seconds() / 86400
            sheet.write_number(row, 0, serial, when)
        at = column.get((r.site_id, r.location, r.device_id, r.sensor))
        if at is not None:
            sheet.write_number(row, at, r.value, suspect if r.quality == "suspect" else None)
            count += 1
    return count


def _local(at: datetime) -> datetime:
    return at.astimezone(LOCAL_TIME).replace(tzinfo=None)
