"""Labels benchmark: N labels of each kind for one batch, decoded back through the reader path.

Kinds: serialised Digital Link QR, serialised GS1 DataMatrix, serialised GS1-128 (each through
`cloud.labels.service.serialised_labels`: serials allocated and commissioned in the database,
GS1 checks, symbols by zint) and SSCC logistic labels (two GS1-128 each). Every label's symbols
are drawn at printer resolution (dots per module as a 300 dpi printer would), then "photographed"
(resampled to 3-4.5 pixels per module, tilted by up to ±8°, half of them blurred; drawn by zint,
not by the reader's library) and read by the edge camera's path: its FrameDecoder (locate,
zxing-cpp, one reading per code), then `code_scan` and its GS1 parser.

- ms_per_label: allocation + checks + symbols (service call) + the print raster, per label;
  the bare library (zint encoding the same data, nothing else) is measured in the same run as
  the baseline (`baseline_ms_per_symbol`, `ratio_to_bare_library`).
- pdf_sheet_ms: one PDF of all N QR labels on 65-per-A4 sheets; zpl_ms: one ZPL job of N.
- decode time is reported apart (`decode_ms_per_label`): it is the reader's cost, not ours.
- a label counts as matched when the frame gives exactly one code and it carries the label's
  identifiers; `right_plus_a_misread` counts frames where the reader also returned a second,
  wrong reading (zxing-cpp reads about 1 in 1,000 tilted GS1-128 twice; the reader keeps one
  reading per code, edge/readers/one_per_code.py).
- the consumer page of a serialised code counts each check even when the batch's page is
  kept: an API (uvicorn, one worker, in this process) is asked one after another for the
  batch's kept page (`consumer_hit_ms`, the baseline), for codes' pages counted
  (`serial_check_ms`: the kept page plus one statement) and again by the same client
  (`serial_repeat_ms`: not counted, the code's state read); medians over `--requests` each.

Reads TXNG_DATABASE_URL when set (a product and a batch are added), else makes a throwaway
database on postgresql://postgres@127.0.0.1:5432/postgres. The last stdout line is one JSON object.
"""

import argparse
import json
import os
import statistics
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cv2
import httpx
import numpy as np
import uvicorn
import zint

from bench._services import DEFAULT_ADMIN_URL, ThrowawayDatabase, free_port
from cloud.api.main import create_app
from cloud.db.migrate import migrate
from cloud.db.pool import Database
from cloud.labels import service
from cloud.labels.label import Label, logistic_label
from cloud.labels.layouts import SHEETS, THERMAL
from cloud.labels.render import raster
from cloud.labels.sheet import sheet_pdf
from cloud.labels.symbols import Symbology
from cloud.labels.zpl import labels_zpl
from cloud.masterdata.rows import gs1_check_digit
from cloud.settings.api import load_api_settings
from edge.clock import Clock, ClockSync
from edge.readers.barcode_decoders import ZxingDecoder
from edge.readers.base import ReaderContext
from edge.readers.frame_decoder import FrameDecoder
from edge.readers.scan_text import code_scan

BASE_URL = "https://truyxuat.example.vn"
EXPIRY = date(2027, 8, 1)
DOTS = {Symbology.QR: 4, Symbology.DATAMATRIX: 4, Symbology.GS1_128: 3}


def log(text: str) -> None:
    print(f"[labels-bench] {text}", file=sys.stderr, flush=True)


def seed(url: str) -> tuple[int, str, str]:
    """A product with a fresh GTIN and one batch; (batch id, gtin, lot)."""
    body = f"0893{uuid.uuid4().int % 10**9:09d}"
    gtin = body + str(gs1_check_digit(body))
    lot = f"LN{uuid.uuid4().hex[:6].upper()}"
    database = Database(url, max_connections=1)
    try:
        with database.transaction() as conn, conn.cursor() as cur:
            cur.execute("INSERT INTO products (gtin, name) VALUES (%s, %s)",
                        (gtin, "Long nhãn sấy khô Hưng Yên (bench)"))
            cur.execute("INSERT INTO batches (gtin, lot, site_id, expiry_date, verified) "
                        "VALUES (%s, %s, 'bench', %s, true) RETURNING id", (gtin, lot, EXPIRY))
            row = cur.fetchone()
            assert row is not None
            return int(row[0]), gtin, lot
    finally:
        database.close()


def photographed(pixels: np.ndarray, index: int, dots: int) -> np.ndarray:
    """The printed symbol as a camera frame: 3-4.5 pixels per module, tilted, some blurred."""
    rng = np.random.default_rng(index)
    scale = float(rng.uniform(3.0, 4.5)) / dots
    image = cv2.resize(pixels, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    image = cv2.copyMakeBorder(image, 30, 30, 30, 30, cv2.BORDER_CONSTANT, value=255)
    h, w = image.shape
    turn = cv2.getRotationMatrix2D((w / 2, h / 2), float(rng.uniform(-8, 8)), 1.0)
    image = cv2.warpAffine(image, turn, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)
    return cv2.GaussianBlur(image, (3, 3), 0) if index % 2 else image


class ReaderPath:
    """The camera reader's per-frame work: decode (its FrameDecoder), each code into a scan."""

    def __init__(self) -> None:
        self.decoder = FrameDecoder(ZxingDecoder())
        self.context = ReaderContext(Clock(ClockSync.SYNCED))
        self.counters: Counter[str] = Counter()

    def read(self, image: np.ndarray) -> list[Any]:
        scans = []
        for code in self.decoder.decode(image):
            scan = code_scan(self.context, reader="camera-1", location="line-1",
                             biz_step="packing", text=code.text, symbology=code.symbology,
                             counters=self.counters)
            if scan is not None and scan.gs1 is not None:
                scans.append(scan.gs1)
        return scans


def expected_unit(gtin: str, lot: str, serial: str) -> dict[str, Any]:
    return {"gtin": gtin, "lot": lot, "serial": serial, "expiry_date": EXPIRY}


def unit_matches(found: list[Any], want: dict[str, Any]) -> bool:
    return len(found) == 1 and all(getattr(found[0], k) == v for k, v in want.items())


def bare_library_ms(elements: list[str], uris: list[str]) -> float:
    """zint alone on the same data (GS1 DataMatrix and QR): the floor under ms_per_label."""
    start = time.perf_counter()
    for text, kind, gs1 in [(e, zint.Symbology.DATAMATRIX, True) for e in elements] + [
        (u, zint.Symbology.QRCODE, False) for u in uris
    ]:
        symbol = zint.Symbol()
        symbol.symbology = kind
        if gs1:
            symbol.input_mode = zint.InputMode.GS1
        symbol.encode(text)
    return (time.perf_counter() - start) * 1000 / (len(elements) + len(uris))


def consumer_pages(
    url: str, gtin: str, lot: str, serials: list[str], requests: int
) -> dict[str, Any]:
    """Median ms of a kept batch page, a counted code's page and a repeated one (same client)."""
    settings = load_api_settings(
        database_url=url, api_checks_per_minute=6000, api_checks_burst=1000,
        api_public_base_url=BASE_URL,
    )
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    page = f"/01/{gtin}/10/{lot}"
    timings: dict[str, list[float]] = {"hit": [], "counted": [], "repeat": []}
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            assert client.get(page).status_code == 200  # the batch's page is kept from now on
            for n in range(requests):
                for kind, path in (("hit", page), ("counted", f"{page}/21/{serials[n]}"),
                                   ("repeat", f"{page}/21/{serials[0]}")):
                    start = time.perf_counter()
                    response = client.get(path)
                    timings[kind].append((time.perf_counter() - start) * 1000)
                    assert response.status_code == 200 and response.headers["X-Cache"] == "hit"
    finally:
        server.should_exit = True
        thread.join(10)
    database = Database(url, max_connections=1)
    try:
        with database.transaction() as conn, conn.cursor() as cur:
            cur.execute("SELECT count(*), sum(checks) FROM public_checks WHERE gtin = %s", (gtin,))
            codes, checks = cur.fetchone() or (0, 0)
    finally:
        database.close()
    medians = {k: statistics.median(v) for k, v in timings.items()}
    return {
        "consumer_hit_ms": round(medians["hit"], 3),
        "serial_check_ms": round(medians["counted"], 3),
        "serial_repeat_ms": round(medians["repeat"], 3),
        "check_cost_ratio": round(medians["counted"] / medians["hit"], 2),
        "checks_counted": int(checks or 0),
        "codes_counted": int(codes or 0),
    }


def run(url: str, count: int, requests: int) -> dict[str, Any]:
    batch_id, gtin, lot = seed(url)
    database = Database(url, max_connections=2)
    reader = ReaderPath()
    made_ms = 0.0
    decode_ms = 0.0
    labels_total = decoded = matched = 0
    per_kind: dict[str, dict[str, Any]] = {}
    qr_labels: list[Label] = []
    made_serials: list[str] = []
    try:
        for symbology in Symbology:
            start = time.perf_counter()
            made = service.serialised_labels(
                database, batch_id=batch_id, site=None, symbology=symbology, count=count,
                base_url=BASE_URL, created_by="bench",
            )
            assert made.job is not None
            rasters = [raster(label.symbols[0], DOTS[symbology]) for label in made.labels]
            elapsed = (time.perf_counter() - start) * 1000
            made_ms += elapsed
            if symbology is Symbology.QR:
                qr_labels = made.labels
                made_serials = made.job.serials
            ok = hits = extra = 0
            start = time.perf_counter()
            for index, (pixels, serial) in enumerate(zip(rasters, made.job.serials, strict=True)):
                found = reader.read(photographed(pixels, index, DOTS[symbology]))
                want = expected_unit(gtin, lot, serial)
                ok += bool(found)
                hits += unit_matches(found, want)
                extra += len(found) > 1 and any(unit_matches([f], want) for f in found)
            decode_ms += (time.perf_counter() - start) * 1000
            per_kind[symbology.value] = {"labels": count, "decoded": ok, "matched": hits,
                                         "right_plus_a_misread": extra,
                                         "ms_per_label": round(elapsed / count, 3)}
            labels_total, decoded, matched = labels_total + count, decoded + ok, matched + hits
            log(f"{symbology.value}: {ok}/{count} decoded, {hits} matched, "
                f"{elapsed / count:.3f} ms per label")
        start = time.perf_counter()
        body = f"0893601234{uuid.uuid4().int % 10**6:06d}"
        facts = service.batch_facts(database, batch_id, None)
        pallets = []
        for n in range(count):
            digits = f"{body}{n:07d}"[-17:]
            sscc = digits + str(gs1_check_digit(digits))
            label = logistic_label(sscc, facts=facts, count=120)
            pallets.append((sscc, [raster(s, 3) for s in label.symbols]))
        elapsed = (time.perf_counter() - start) * 1000
        made_ms += elapsed
        ok = hits = extra = 0
        start = time.perf_counter()
        for index, (sscc, images) in enumerate(pallets):
            content, unit = (reader.read(photographed(p, index, 3)) for p in images)
            right_unit = [u for u in unit if u.sscc == sscc]
            right_content = [c for c in content
                             if c.lot == lot and c.other == {"02": gtin, "37": "120"}]
            ok += bool(content and unit)
            hits += len(unit) == len(right_unit) == 1 and len(content) == len(right_content) == 1
            extra += bool(right_unit and right_content) and len(unit) + len(content) > 2
        decode_ms += (time.perf_counter() - start) * 1000
        per_kind["sscc"] = {"labels": count, "decoded": ok, "matched": hits,
                            "right_plus_a_misread": extra,
                            "ms_per_label": round(elapsed / count, 3)}
        labels_total, decoded, matched = labels_total + count, decoded + ok, matched + hits
        log(f"sscc: {ok}/{count} decoded, {hits} matched, {elapsed / count:.3f} ms per label")
        start = time.perf_counter()
        pdf = sheet_pdf(qr_labels, SHEETS["a4-65"])
        pdf_ms = (time.perf_counter() - start) * 1000
        start = time.perf_counter()
        zpl = labels_zpl(qr_labels, THERMAL["50x30"])
        zpl_ms = (time.perf_counter() - start) * 1000
        baseline = bare_library_ms([lb.elements.bracketed() for lb in qr_labels],
                                   [lb.symbols[0].text for lb in qr_labels])
    finally:
        database.close()
    pages = consumer_pages(url, gtin, lot, made_serials, requests)
    log(f"consumer pages: {pages}")
    ms_per_label = made_ms / labels_total
    return {
        "labels": labels_total,
        **pages,
        "per_kind": per_kind,
        "baseline_ms_per_symbol": round(baseline, 4),
        "ratio_to_bare_library": round(ms_per_label / baseline, 1),
        "decode_ms_per_label": round(decode_ms / labels_total, 3),
        "pdf_bytes": len(pdf),
        "zpl_ms": round(zpl_ms, 1),
        "zpl_bytes": len(zpl),
        "decoded_share": round(decoded / labels_total, 4),
        "identifiers_match_share": round(matched / labels_total, 4),
        "ms_per_label": round(ms_per_label, 3),
        "pdf_sheet_ms": round(pdf_ms, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, help="labels of each kind (≥ 1,000)")
    parser.add_argument("--requests", type=int, default=300, help="consumer pages of each kind")
    args = parser.parse_args()
    url = os.environ.get("TXNG_DATABASE_URL")
    if url:
        migrate(url)
        result = run(url, args.count, min(args.requests, args.count))
    else:
        with ThrowawayDatabase(DEFAULT_ADMIN_URL, prefix="txng_bench_labels") as db:
            migrate(db.url)
            result = run(db.url, args.count, min(args.requests, args.count))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
