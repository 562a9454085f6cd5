"""Report benchmark: a 30-day batch's cold-chain report as PDF and as XLSX of its readings.

Data: the batches benchmark's (bench/_timeline_data.py: 200 cold rooms with a minute reading
for 30 days, 1,000 batches), reused when an earlier run of a bench loaded it into
TXNG_DATABASE_URL. Each run adds its own `--batches` batches that lie in one cold room for the
whole 30 days of readings (received at the first reading, shipped at the last: 43,200 minute
readings each), stores their scans as the ingester does, and, as the derive worker would,
evaluates their cold chain (the rooms' door openings are excursions) and chains the site's
events; none of that setup is timed.

Timed, per batch and repetition: make_report(…, fmt="pdf") and fmt="xlsx" (the service the API
route and `txng report` call: one REPEATABLE READ transaction, rollup figures, excursions,
alerts, sensors, chain references, then the rendering), and, as the baseline measured in the
same run, the batch's timeline (batch_timeline, 500 series points). The first report of the
run (cold: fonts parsed, statements planned, pages read) is reported apart. The PDF's
assembly (database) and rendering (fpdf2, chart drawn with its primitives) are timed apart too.

Reads TXNG_DATABASE_URL when set, else makes a throwaway database. The last stdout line is one
JSON object: report_pdf_ms_p95, report_xlsx_ms_p95, readings_in_report, and the rest.
"""

import argparse
import json
import re
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg2

from bench import _timeline_data as data
from bench._services import (
    given_or_throwaway_database,
    percentile,
)
from cloud.coldchain.evaluate import evaluate_batch
from cloud.db.migrate import migrate
from cloud.db.pool import Database
from cloud.reports.assemble import assemble
from cloud.reports.pdf import report_pdf
from cloud.reports.scope import BatchReport, resolve
from cloud.reports.service import make_report, report_name
from cloud.reports.texts import Texts
from cloud.trace.chain import EVENT_CHAIN, SiteKey
from cloud.trace.timeline import batch_timeline

T = TypeVar("T")


def log(text: str) -> None:
    print(f"[report-bench] {text}", file=sys.stderr, flush=True)


def reading_span(db_url: str) -> tuple[datetime, datetime, int]:
    """First and last reading time of the dataset's rooms, and how many rooms have readings."""
    with psycopg2.connect(db_url) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT min(time), max(time) FROM readings WHERE site_id = %s AND location = %s",
            (data.SITE, data.room(0)),
        )
        first, last = cur.fetchone()
        cur.execute(
            "SELECT count(DISTINCT location) FROM reading_rollups WHERE site_id = %s", (data.SITE,)
        )
        rooms = int(cur.fetchone()[0])
    conn.close()
    return first, last, rooms


def month_batches(db_url: str, count: int, rooms: int) -> list[int]:
    """This run's batches: each in one room from the first reading to just after the last."""
    first, last, _ = reading_span(db_url)
    tag = uuid.uuid4().hex[:6]
    lots = [f"R{tag}{j:02d}" for j in range(count)]
    now = datetime.now(UTC)
    scans = []
    for j, lot in enumerate(lots):
        location = data.room((j * 7) % rooms)
        scans.append(data._scan(0, first, location, "storing", gtin=data.GTIN, lot=lot))
        end = last + timedelta(seconds=30)
        scans.append(data._scan(0, end, location, "departing", gtin=data.GTIN, lot=lot))
    data.store_scans(db_url, [data.Received(data.SITE, "pi-dock", now, s) for s in scans])
    database = Database(db_url, max_connections=1)
    try:
        with database.transaction() as conn, conn.cursor() as cur:
            cur.execute("SELECT id FROM batches WHERE lot = ANY(%s) ORDER BY lot", (lots,))
            ids = [int(row[0]) for row in cur.fetchall()]
            for batch_id in ids:  # as the derive worker does after presence changed
                evaluate_batch(cur, batch_id)
            EVENT_CHAIN.handle(cur, EVENT_CHAIN.work(SiteKey(data.SITE)))
    finally:
        database.close()
    return ids


def timed(call: Callable[[], T]) -> tuple[float, T]:
    began = time.perf_counter()
    result = call()
    return (time.perf_counter() - began) * 1000, result


def run(args: argparse.Namespace, db_url: str) -> dict[str, object]:
    migrate(db_url)
    dataset = data.ensure_dataset(
        db_url, sensors=args.sensors, batch_count=1000, days=30, budget_s=args.copy_budget_s
    )
    _, _, rooms = reading_span(db_url)
    began = time.monotonic()
    ids = month_batches(db_url, args.batches, rooms)
    log(f"{len(ids)} batches of 30 days stored and evaluated in {time.monotonic() - began:.1f} s")
    database = Database(db_url, max_connections=2)
    pdf, xlsx, timeline, assembly, rendering = [], [], [], [], []
    readings, excursions, pages = [], [], []
    try:
        cold_ms, _ = timed(
            lambda: make_report(database, BatchReport(ids[0]), fmt="pdf", language="vi")
        )
        for _ in range(args.repeat):
            for batch_id in ids:
                ms, document = timed(
                    lambda b=batch_id: make_report(
                        database, BatchReport(b), fmt="pdf", language="vi"
                    )
                )
                pdf.append(ms)
                readings.append(document.report.overall.count)
                excursions.append(len(document.report.excursions))
                pages.append(len(re.findall(rb"/Type\s*/Page\b(?!s)", document.content)))
                ms, sheet = timed(
                    lambda b=batch_id: make_report(
                        database, BatchReport(b), fmt="xlsx", language="vi"
                    )
                )
                xlsx.append(ms)
                assert sheet.readings_listed is not None and sheet.readings_listed >= readings[-1]
                ms, _ = timed(lambda b=batch_id: batch_timeline(database, b, points=500))
                timeline.append(ms)
                with database.transaction() as conn, conn.cursor() as cur:
                    ms, report = timed(
                        lambda c=cur, b=batch_id: assemble(
                            c, resolve(c, BatchReport(b)), now=datetime.now(UTC)
                        )
                    )
                assembly.append(ms)
                ms, _ = timed(lambda r=report: report_pdf(r, Texts("vi"), name=report_name(r)))
                rendering.append(ms)
    finally:
        database.close()
    log(
        f"{len(pdf)} reports; {statistics.median(excursions)} excursions, "
        f"{statistics.median(pages)} pages each (median)"
    )
    return {
        "report_pdf_ms_p95": round(percentile(pdf, 0.95), 1),
        "report_xlsx_ms_p95": round(percentile(xlsx, 0.95), 1),
        "readings_in_report": int(statistics.median(readings)),
        "report_pdf_ms_p50": round(statistics.median(pdf), 1),
        "report_xlsx_ms_p50": round(statistics.median(xlsx), 1),
        "report_pdf_first_ms": round(cold_ms, 1),
        "pdf_assembly_ms_p50": round(statistics.median(assembly), 1),
        "pdf_rendering_ms_p50": round(statistics.median(rendering), 1),
        "baseline_timeline_ms_p50": round(statistics.median(timeline), 1),
        "pdf_to_timeline_p50_ratio": round(statistics.median(pdf) / statistics.median(timeline), 1),
        "excursions_in_report": int(statistics.median(excursions)),
        "reports": len(pdf),
        "dataset_readings": dataset.readings,
        "reused_data": dataset.reused,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=10, help="30-day batches of this run")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--sensors", type=int, default=200, help="for a new dataset")
    parser.add_argument("--copy-budget-s", type=float, default=150.0, help="for a new dataset")
    args = parser.parse_args()
    with given_or_throwaway_database("txng_report") as db_url:
        result = run(args, db_url)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
