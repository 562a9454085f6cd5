"""Reports as documents: the PDF's text in both languages, the XLSX and CSV read back, and the
hash-chain references checked with `txng verify`."""

import csv
import io
import math
import re
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from cloud.db.mkt import mean_kinetic_temperature
from cloud.db.pool import Database
from cloud.reports.errors import NotFound
from cloud.reports.scope import BatchReport, ShipmentReport, StayReport
from cloud.reports.service import make_report, unit_shipments
from cloud.reports.texts import LOCAL_TIME
from tests.cloud.reports import scenario
from tests.support.sql import query
from txng.cli import main

NOW = datetime(2026, 7, 23, 1, 0, tzinfo=UTC)  # the day after the pallet arrived


@pytest.fixture
def world(database_url):
    return scenario.build(database_url)


@pytest.fixture
def database(database_url):
    db = Database(database_url, max_connections=2)
    yield db
    db.close()


def round_s(at: datetime) -> datetime:
    """A spreadsheet time (a day fraction) to the whole second."""
    return (at + timedelta(microseconds=500_000)).replace(microsecond=0)


def pdf_text(content: bytes) -> str:
    """The PDF's text, whitespace collapsed (table cells wrap lines anywhere)."""
    pages = PdfReader(io.BytesIO(content)).pages
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in pages))


def test_a_batch_report_in_vietnamese_and_english_states_figures_evidence_and_verdict(
    world, database, database_url, capsys
):
    values = [r.value for r in scenario.batch_readings()]
    vi = make_report(database, BatchReport(world.batch_id), fmt="pdf", language="vi", now=NOW)
    en = make_report(database, BatchReport(world.batch_id), fmt="pdf", language="en", now=NOW)
    assert vi.media_type == "application/pdf" and vi.content.startswith(b"%PDF")
    text_vi, text_en = pdf_text(vi.content), pdf_text(en.content)

    # Verdict first: the 40-minute excursion above 8 °C breaks the 30-minute single limit.
    assert "Kết luận: KHÔNG ĐẠT: vượt giới hạn" in text_vi
    assert "Một lần vượt trên 8,0 °C kéo dài 40 phút (cho phép 30 phút)" in text_vi
    assert "Verdict: FAIL: limits exceeded" in text_en
    assert "A single excursion above 8.0 °C lasted 40 min (allowed: 30 min)" in text_en
    # Figures from the rollups equal those of the raw readings (count, min, max, mean, MKT).
    mean, mkt = sum(values) / len(values), mean_kinetic_temperature(values)
    assert f"{len(values):,}".replace(",", " ") in text_vi and f"{len(values):,}" in text_en
    assert f"{mean:.2f} °C".replace(".", ",") in text_vi and f"{mkt:.2f} °C" in text_en
    assert "4,5 °C" in text_vi and "9,5 °C" in text_vi
    # Alarm configuration, sensors with their calibration, places.
    assert (
        "Một lần vượt tối đa 30 phút" in text_vi and "Cumulative time allowed 2 h 00 min" in text_en
    )
    assert scenario.CALIBRATION in text_vi and "DS18B20" in text_en
    assert "Kho lạnh 1" in text_vi and "truck-29c" in text_en
    # The excursion's alert, who acknowledged it and their comment.
    for text in (text_vi, text_en):
        assert f"#{world.alert_id}" in text and scenario.ACK_BY in text
        assert scenario.ACK_COMMENT in text
    assert "đã xác nhận" in text_vi and "acknowledged" in text_en

    # The hash-chain references: `txng verify --link` accepts them, then catches a forgery.
    report = vi.report
    commands = [c.verify_command() for c in report.chain]
    assert len(commands) == 2 and all(c is not None and c in text_vi for c in commands)
    for ref in report.chain:
        assert ref.position is not None and ref.hash is not None
        link = f"{ref.position}:{ref.hash.hex()}"
        args = ["verify", "--site", ref.site_id, "--link", link, "--database-url", database_url]
        assert main(args) == 0
    wrong = ["--link", f"{report.chain[0].position}:{'0' * 64}"]
    site = ["verify", "--site", report.chain[0].site_id, "--database-url", database_url]
    assert main([*site, *wrong]) == 1
    forged = report.events[0]
    query(
        database_url,
        "UPDATE events SET raw = 'forged' WHERE id = %s RETURNING 1",
        (forged.event_id,),
    )
    ref = next(c for c in report.chain if c.site_id == forged.site_id)
    assert (
        main(
            [
                "verify",
                "--site",
                ref.site_id,
                "--link",
                f"{ref.position}:{ref.hash.hex()}",
                "--database-url",
                database_url,
            ]
        )
        == 1
    )


def test_xlsx_and_csv_list_every_reading_with_the_summary(world, database):
    request = BatchReport(world.batch_id)
    xlsx = make_report(database, request, fmt="xlsx", language="en", now=NOW)
    book = load_workbook(io.BytesIO(xlsx.content), read_only=True)
    assert book.sheetnames == ["Summary", "Excursions", "Alerts and who handled them", "Readings"]
    summary = {row[0]: row[1] for row in book["Summary"].iter_rows(values_only=True) if row[0]}
    assert summary["Verdict"] == "FAIL: limits exceeded"
    assert summary["Readings"] == world.cold_room_readings + world.truck_readings
    assert summary["Max"] == 9.5
    rows = list(book["Readings"].iter_rows(values_only=True))
    # One column per probe, one row per reading time (as a logger exports them).
    assert rows[0] == (
        "Time (UTC+07:00)",
        "hy-longan/cold-room-1/pi-cold-01/probe-1 (°C)",
        "hy-longan/truck-29c/pi-cold-01/probe-1 (°C)",
    )
    sent = sorted(
        (r.device_time.astimezone(LOCAL_TIME).replace(tzinfo=None), r.location, r.value)
        for r in scenario.batch_readings()
    )
    listed = sorted(
        (row[0], "cold-room-1" if row[1] is not None else "truck-29c", row[1] or row[2])
        for row in rows[1:]
    )
    assert [(round_s(t), loc, v) for t, loc, v in listed] == sent
    assert xlsx.readings_listed == len(sent)
    alerts = list(book["Alerts and who handled them"].iter_rows(values_only=True))
    assert alerts[1][0] == world.alert_id and scenario.ACK_COMMENT in alerts[1][8]
    excursions = list(book["Excursions"].iter_rows(values_only=True))
    assert excursions[1][2] == "high" and excursions[1][5] == 2400

    text = make_report(database, request, fmt="csv", language="vi", now=NOW)
    assert text.content.startswith("\ufeff".encode())
    listed = list(csv.DictReader(io.StringIO(text.content.decode("utf-8-sig"))))
    assert len(listed) == len(sent)
    assert math.fsum(float(r["value"]) for r in listed) == pytest.approx(
        math.fsum(v for *_, v in sent)
    )
    first = listed[0]
    assert first["time"] == scenario.STORED.astimezone(LOCAL_TIME).isoformat()
    assert (first["location"], first["device"], first["unit"]) == (
        "cold-room-1",
        "pi-cold-01",
        "CEL",
    )


def test_a_stay_and_a_shipment(world, database):
    stay = make_report(
        database,
        StayReport(world.batch_id, "cold-room-1", scenario.EXCURSION[0]),
        fmt="pdf",
        language="en",
        now=NOW,
    ).report
    assert stay.kind == "stay" and [s.span.location for s in stay.stays] == ["cold-room-1"]
    assert stay.overall.count == world.cold_room_readings
    assert stay.verdict.status == "fail" and [r.code for r in stay.verdict.reasons] == [
        "single_high"
    ]
    assert [e.duration_s for e in stay.excursions] == [2400.0]
    with pytest.raises(NotFound):
        make_report(
            database,
            StayReport(world.batch_id, "cold-room-1", scenario.T0),
            fmt="pdf",
            language="en",
        )

    (shipment,) = unit_shipments(database, scenario.SSCC)
    assert (shipment.from_site, shipment.to_site) == (scenario.SITE, scenario.OTHER)
    assert (shipment.departed, shipment.arrived) == (scenario.SHIPPED, scenario.ARRIVED)
    document = make_report(
        database, ShipmentReport(scenario.SSCC), fmt="pdf", language="vi", now=NOW
    )
    report = document.report
    assert [(s.span.location, s.span.start, s.span.end) for s in report.stays] == [
        ("truck-29c", scenario.LOADED, scenario.ARRIVED)
    ]
    assert report.overall.count == world.truck_readings and report.overall.max == 5.0
    assert report.untracked_s == (scenario.LOADED - scenario.SHIPPED).total_seconds()
    assert report.verdict.status == "pass"
    assert [(e.biz_step, e.site_id) for e in report.events] == [
        ("shipping", scenario.SITE),
        ("loading", scenario.SITE),
        ("receiving", scenario.OTHER),
    ]
    text = pdf_text(document.content)
    assert "ĐẠT: trong giới hạn cho phép" in text and scenario.SSCC in text
    assert "Nơi đi hy-longan" in text and "Nơi đến hn-market" in text

    listed = make_report(
        database, ShipmentReport(scenario.SSCC, scenario.SHIPPED), fmt="csv", language="en"
    )
    assert listed.readings_listed == world.truck_readings
