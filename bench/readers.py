"""Reader benchmark: camera decoders on generated 640x480 frames, and Modbus TCP reads/s.

Camera, the set that counts (bench/_barcode_frames.py): 576 frames of GS1-128, EAN-13, GS1
DataMatrix and QR with a Digital Link, drawn by segno, python-barcode, pyStrich and zint (not
by a decoder under test), at three module sizes each, with blur, noise and JPEG, perspective,
rotation, low contrast, glare or motion blur; each frame has its own payload. Every frame goes
through txng's own path (edge.readers.frame_decoder.FrameDecoder: BGR to gray, locate,
decode) and each code through the scan path's GS1 parsing (edge.readers.scan_text); a frame is
`read` when a code came out, `correct` when one code's GS1 identifiers (GTIN, lot, serial,
expiry) are the frame's, a `misread` when a code came out that is not. Per decoder, with the
locator (the default) and on the whole frame only; plus 48 frames without a code (time and
false reads). Times are wall-clock and the decoding thread's CPU time (`cpu_ms_*`), which
other load on a shared machine disturbs less. The locator's choices were tuned on the frames
of seeds 20 and 2026; the set measured here is seed 99's, used only to check them. The
first set (48 frames drawn by zxing-cpp itself; `old_*` and `default_*`) is kept to compare.

Last line: one JSON object: `frames`, `read_share`, `correct_share`, `misread_share`,
`ms_p50`, `ms_p95` (default decoder and settings), `per_decoder`, then the old figures.
"""

import asyncio
import contextlib
import json
import os
import socket
import statistics
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import zxingcpp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import _barcode_frames as generated
from edge.clock import Clock, ClockSync
from edge.readers.barcode_decoders import make_decoder
from edge.readers.base import ReaderContext
from edge.readers.frame_decoder import FrameDecoder
from edge.readers.scan_text import code_scan

CONTEXT = ReaderContext(Clock(ClockSync.SYNCED))

SYMBOLOGIES = {
    "gs1_datamatrix": (zxingcpp.BarcodeFormat.DataMatrix, True,
                       "(01)09506000134352(17)241231(10)LOT{i}(21){i}"),
    "qr_digital_link": (zxingcpp.BarcodeFormat.QRCode, False,
                        "https://id.gs1.org/01/09506000134352/10/LOT{i}"),
    "gs1_128": (zxingcpp.BarcodeFormat.Code128, True, "(01)09506000134352(10)LOT{i}"),
    "ean13": (zxingcpp.BarcodeFormat.EAN13, False, "950600013435"),
}


def frames(seed: int = 7) -> list[tuple[str, str, np.ndarray]]:
    """Generated frames: each symbology at several sizes, blur and noise levels."""
    rng = np.random.default_rng(seed)
    out = []
    for name, (fmt, gs1, template) in SYMBOLOGIES.items():
        for i, (scale, blur, noise) in enumerate(
            [(s, b, n) for s in (2, 3, 4) for b in (0, 3) for n in (0, 12)]
        ):
            content = template.format(i=i)
            symbol = (zxingcpp.create_barcode(content, fmt, gs1=True) if gs1
                      else zxingcpp.create_barcode(content, fmt))
            base = np.asarray(symbol.to_image(scale=1, add_quiet_zones=True)).shape
            fit = max(1, min(scale, 600 // base[1], 440 // base[0]))  # whole symbol in frame
            code = np.asarray(symbol.to_image(scale=fit, add_quiet_zones=True))
            canvas = np.full((480, 640), 255, np.uint8)
            h, w = min(code.shape[0], 440), min(code.shape[1], 600)
            canvas[20 : 20 + h, 20 : 20 + w] = code[:h, :w]
            if blur:
                canvas = cv2.GaussianBlur(canvas, (blur, blur), 0)
            if noise:
                canvas = np.clip(canvas + rng.normal(0, noise, canvas.shape), 0, 255).astype(
                    np.uint8)
            out.append((name, symbol.text, canvas))
    return out


def bench_decoder(name: str, images: list[tuple[str, str, np.ndarray]]) -> dict[str, Any]:
    """Read share and ms per frame of one decoder, overall and per symbology."""
    decoder = FrameDecoder(make_decoder(name))  # type: ignore[arg-type]
    per: dict[str, list[tuple[bool, float]]] = {}
    for symbology, _, image in images:
        start = time.perf_counter()
        found = decoder.decode(image)
        elapsed = (time.perf_counter() - start) * 1000
        per.setdefault(symbology, []).append((bool(found), elapsed))
    flat = [r for results in per.values() for r in results]
    return {
        "read_share": round(sum(ok for ok, _ in flat) / len(flat), 3),
        "ms_per_frame": round(statistics.median(ms for _, ms in flat), 2),
        "per_symbology": {
            s: {"read_share": round(sum(ok for ok, _ in r) / len(r), 3),
                "ms_per_frame": round(statistics.median(ms for _, ms in r), 2)}
            for s, r in per.items()
        },
    }


def _identifiers(frame: generated.Frame, codes: list[Any]) -> tuple[bool, bool]:
    """(correct, misread): a code with the frame's identifiers; a code without them."""
    correct = misread = False
    want = frame.expected
    for code in codes:
        scan = code_scan(
            CONTEXT, reader="cam", location="line", biz_step="packing",  # type: ignore[arg-type]
            text=code.text, symbology=code.symbology, counters=Counter(),
        )
        gs1 = scan.gs1 if scan is not None else None
        if gs1 is not None and (gs1.gtin, gs1.lot, gs1.serial, gs1.expiry_date) == (
            want.gtin, want.lot, want.serial, want.expiry
        ):
            correct = True
        else:
            misread = True
    return correct, misread


def _share(rows: list[dict[str, Any]], key: str) -> float:
    return round(sum(r[key] for r in rows) / len(rows), 4)


def bench_frames(
    name: str, locate: bool, frames: list[generated.Frame], empty: list[np.ndarray]
) -> dict[str, Any]:
    """Read, correct and misread shares and ms per frame through txng's frame decoder."""
    decoder = FrameDecoder(make_decoder(name), locate=locate)  # type: ignore[arg-type]
    rows = []
    for frame in frames:
        bgr = cv2.cvtColor(frame.image, cv2.COLOR_GRAY2BGR)  # as OpenCV hands a camera frame
        start, cpu = time.perf_counter(), time.thread_time()
        codes = decoder.decode(bgr)
        elapsed = (time.perf_counter() - start) * 1000
        cpu_ms = (time.thread_time() - cpu) * 1000
        correct, misread = _identifiers(frame, codes)
        rows.append({"frame": frame, "read": bool(codes), "correct": correct,
                     "misread": misread, "ms": elapsed, "cpu_ms": cpu_ms})
    empty_ms, empty_cpu_ms, false_reads = [], [], 0
    for image in empty:
        bgr = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
        start, cpu = time.perf_counter(), time.thread_time()
        false_reads += len(decoder.decode(bgr))
        empty_ms.append((time.perf_counter() - start) * 1000)
        empty_cpu_ms.append((time.thread_time() - cpu) * 1000)
    ms = sorted(r["ms"] for r in rows)
    cpu_ms = sorted(r["cpu_ms"] for r in rows)

    def by(attribute: str) -> dict[str, Any]:
        groups: dict[str, list[dict[str, Any]]] = {}
        for r in rows:
            groups.setdefault(str(getattr(r["frame"], attribute)), []).append(r)
        return {k: _share(v, "correct") for k, v in groups.items()}

    return {
        "read_share": _share(rows, "read"),
        "correct_share": _share(rows, "correct"),
        "misread_share": _share(rows, "misread"),
        "ms_p50": round(statistics.median(ms), 2),
        "ms_p95": round(ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))], 2),
        "cpu_ms_p50": round(statistics.median(cpu_ms), 2),
        "cpu_ms_p95": round(cpu_ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))], 2),
        "empty_ms_p50": round(statistics.median(empty_ms), 2),
        "empty_cpu_ms_p50": round(statistics.median(empty_cpu_ms), 2),
        "empty_false_reads": false_reads,
        "correct_by_symbology": by("symbology"),
        "correct_by_degradation": by("degradation"),
        "correct_by_generator": by("generator"),
    }


# Ten holding registers, as one merged read: two float32 probes, an int16 and a uint16 at 0.1,
# and two more float32 probes.
_MODBUS_REGISTERS = [
    {"name": "t1", "quantity": "temperature", "address": 0, "type": "float32"},
    {"name": "t2", "quantity": "temperature", "address": 2, "type": "float32"},
    {"name": "t3", "quantity": "temperature", "address": 4, "type": "int16", "scale": 0.1},
    {"name": "rh", "quantity": "relative_humidity", "address": 5, "scale": 0.1,
     "valid_min": 0, "valid_max": 100},
    {"name": "t4", "quantity": "temperature", "address": 6, "type": "float32"},
    {"name": "t5", "quantity": "temperature", "address": 8, "type": "float32"},
]


def _words(value: float) -> list[int]:
    import struct

    return list(struct.unpack(">HH", struct.pack(">f", value)))


@contextlib.contextmanager
def modbus_server() -> Iterator[int]:
    """A pymodbus TCP server on a free port, in its own thread and event loop."""
    from pymodbus.datastore import (
        ModbusDeviceContext,
        ModbusSequentialDataBlock,
        ModbusServerContext,
    )
    from pymodbus.server import ModbusTcpServer

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    loop = asyncio.new_event_loop()
    holder: dict[str, Any] = {}
    words = [*_words(4.2), *_words(3.9), 45, 655, *_words(5.1), *_words(4.7)]

    async def serve() -> None:
        context = ModbusServerContext(devices={1: ModbusDeviceContext(
            hr=ModbusSequentialDataBlock(1, words))}, single=False)
        holder["server"] = ModbusTcpServer(context, address=("127.0.0.1", port))
        await holder["server"].serve_forever()

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    try:
        yield port
    finally:
        asyncio.run_coroutine_threadsafe(holder["server"].shutdown(), loop).result(5)


def bench_modbus(port: int, seconds: float = 3.0) -> float:
    """Reads per second of 10 holding registers by a bare pymodbus client (the old figure)."""
    from pymodbus.client import ModbusTcpClient

    client = ModbusTcpClient("127.0.0.1", port=port, timeout=1, retries=0)
    client.connect()
    count, end = 0, time.perf_counter() + seconds
    while time.perf_counter() < end:
        assert not client.read_holding_registers(0, count=10, device_id=1).isError()
        count += 1
    client.close()
    return round(count / seconds, 1)


def bench_txng_modbus(port: int, seconds: float = 3.0) -> dict[str, Any]:
    """Reads per second through txng's Modbus reader (its client, retries, register decoding
    and readings), polling as fast as it can: one merged read of 10 registers a poll."""
    from edge.readers.modbus_sensor import ModbusSensor, ModbusSensorConfig

    config = ModbusSensorConfig.model_validate({
        "type": "modbus", "name": "probe", "location": "cold-room-1",
        "link": {"host": "127.0.0.1", "port": port}, "registers": _MODBUS_REGISTERS,
        "poll_interval_s": 1e-6,
    })
    reader = ModbusSensor(config, CONTEXT)
    assert len(reader.requests) == 1 and reader.requests[0].count == 10

    async def poll() -> tuple[int, float]:
        readings = 0
        items = reader.items()
        await anext(items)  # connected
        reader.counters.clear()
        start = time.perf_counter()
        async for reading in items:
            assert reading.value in (4.2, 3.9, 4.5, 65.5, 5.1, 4.7), reading
            readings += 1
            if time.perf_counter() - start >= seconds:
                break
        elapsed = time.perf_counter() - start
        await items.aclose()
        await reader.stop()
        return readings, elapsed

    readings, elapsed = asyncio.run(poll())
    errors = sum(v for k, v in reader.counters.items() if k != "reads")
    return {
        "txng_modbus_reads_per_s": round(reader.counters["reads"] / elapsed, 1),
        "txng_modbus_readings_per_s": round(readings / elapsed, 1),
        "txng_modbus_errors": errors,
    }


def main() -> None:
    """Run both benchmarks and print the JSON summary last."""
    import logging

    logging.disable(logging.WARNING)
    made = list(generated.frames(seed=99))
    empty = list(generated.empty_frames())
    per_decoder: dict[str, Any] = {}
    for name in ("zxing", "pyzbar"):
        for locate in (True, False):
            key = name if locate else f"{name}_whole_frame"
            try:
                per_decoder[key] = bench_frames(name, locate, made, empty)
            except ImportError as err:
                per_decoder[key] = {"error": str(err)}
    images = frames()
    old: dict[str, Any] = {}
    for name in ("zxing", "pyzbar"):
        try:
            old[name] = bench_decoder(name, images)
        except ImportError as err:
            old[name] = {"error": str(err)}
    with modbus_server() as port:
        modbus = bench_txng_modbus(port)
        modbus["modbus_tcp_reads_per_s"] = bench_modbus(port)
        modbus["txng_modbus_share_of_bare"] = round(
            modbus["txng_modbus_reads_per_s"] / modbus["modbus_tcp_reads_per_s"], 3
        )
    default = per_decoder["zxing"]
    summary = {
        "default_decoder": "zxing",
        "frames": len(made),
        **{k: default[k] for k in ("read_share", "correct_share", "misread_share")},
        **{k: default[k] for k in ("ms_p50", "ms_p95", "cpu_ms_p50", "cpu_ms_p95")},
        **modbus,
        "per_decoder": per_decoder,
        "old_frames": len(images),
        "default_read_share": old["zxing"]["read_share"],
        "default_ms_per_frame": old["zxing"]["ms_per_frame"],
        "old_per_decoder": old,
        "loadavg": os.getloadavg()[0],
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
