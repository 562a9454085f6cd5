"""Reader benchmark: camera decoders on generated 640x480 frames, and Modbus TCP reads/s.

Last line: one JSON object (default_decoder, default_read_share, default_ms_per_frame,
modbus_tcp_reads_per_s, per_decoder).
"""

import asyncio
import json
import socket
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import zxingcpp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from edge.readers.barcode_decoders import make_decoder

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
    decoder = make_decoder(name)  # type: ignore[arg-type]
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


def bench_modbus(seconds: float = 2.0) -> float:
    """Reads per second of 10 holding registers from a local pymodbus TCP server."""
    from pymodbus.client import ModbusTcpClient
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

    async def serve() -> None:
        context = ModbusServerContext(devices={1: ModbusDeviceContext(
            hr=ModbusSequentialDataBlock(1, list(range(100))))}, single=False)
        holder["server"] = ModbusTcpServer(context, address=("127.0.0.1", port))
        await holder["server"].serve_forever()

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    client = ModbusTcpClient("127.0.0.1", port=port, timeout=1, retries=0)
    for _ in range(50):
        if client.connect():
            break
        time.sleep(0.05)
    count, end = 0, time.perf_counter() + seconds
    while time.perf_counter() < end:
        assert not client.read_holding_registers(0, count=10, device_id=1).isError()
        count += 1
    client.close()
    asyncio.run_coroutine_threadsafe(holder["server"].shutdown(), loop).result(5)
    return round(count / seconds, 1)


def main() -> None:
    """Run both benchmarks and print the JSON summary last."""
    import logging

    logging.disable(logging.WARNING)
    images = frames()
    per_decoder: dict[str, Any] = {}
    for name in ("zxing", "pyzbar"):
        try:
            per_decoder[name] = bench_decoder(name, images)
        except ImportError as err:
            per_decoder[name] = {"error": str(err)}
    default = per_decoder["zxing"]
    summary = {
        "default_decoder": "zxing",
        "default_read_share": default["read_share"],
        "default_ms_per_frame": default["ms_per_frame"],
        "modbus_tcp_reads_per_s": bench_modbus(),
        "frames": len(images),
        "per_decoder": per_decoder,
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
