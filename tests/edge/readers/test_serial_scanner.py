"""Serial scanners through pty pairs: terminators, AIM prefixes, GS, garbage and a replug."""

import asyncio
from pathlib import Path

import pytest

from contract import ScanEvent
from edge.readers.serial_scanner import SerialScanner, SerialScannerConfig

from .helpers import CONTEXT, FakeSerialDevice, collect, run


def scanner(port: str, **extra: object) -> SerialScanner:
    config = SerialScannerConfig.model_validate({
        "type": "serial_scanner", "name": "s1", "location": "line", "biz_step": "packing",
        "serial": {"port": port, "baudrate": 9600}, "inter_char_timeout_s": 0.05,
        "reconnect_min_s": 0.05, "reconnect_max_s": 0.2, **extra,
    })
    return SerialScanner(config, CONTEXT)


@pytest.mark.parametrize("terminator, end", [("cr", b"\r"), ("lf", b"\n"), ("crlf", b"\r\n")])
def test_terminated_codes(tmp_path: Path, terminator: str, end: bytes) -> None:
    device = FakeSerialDevice(tmp_path / "by-id" / "usb-Scanner-if00")
    reader = scanner(str(device.link), terminator=terminator)

    async def feed() -> None:
        await asyncio.sleep(0.2)
        device.send(b"]C10109506000134352172412311012AB\x1d21XYZ" + end)
        device.send(b"]C0HELLO" + end + b"]Q1https://id.gs1.org/01/09506000134352/10/AB" + end)

    items = run(collect(reader, 3, during=feed))
    device.unplug()
    first, second, third = items
    assert isinstance(first, ScanEvent) and first.symbology == "]C1"
    assert first.raw == "0109506000134352172412311012AB\x1d21XYZ"
    assert first.gs1 is not None and first.gs1.serial == "XYZ"
    assert isinstance(second, ScanEvent) and second.raw == "HELLO" and second.gs1 is None
    assert isinstance(third, ScanEvent) and third.gs1 is not None and third.gs1.lot == "AB"


def test_unterminated_codes_end_on_silence(tmp_path: Path) -> None:
    device = FakeSerialDevice(tmp_path / "scanner")
    reader = scanner(str(device.link), terminator="none", symbology="]E0")

    async def feed() -> None:
        await asyncio.sleep(0.2)
        device.send(b"9506000134352")
        await asyncio.sleep(0.3)
        device.send(b"NOT-GS1")

    items = run(collect(reader, 2, during=feed))
    device.unplug()
    assert [i.raw for i in items if isinstance(i, ScanEvent)] == ["9506000134352", "NOT-GS1"]
    assert isinstance(items[0], ScanEvent) and items[0].gs1 is not None


def test_garbage_is_counted_not_fatal(tmp_path: Path) -> None:
    device = FakeSerialDevice(tmp_path / "scanner")
    reader = scanner(str(device.link))

    async def feed() -> None:
        await asyncio.sleep(0.2)
        device.send(b"\x00\x00\r\r" + b"X" * 5000 + b"\r" + b"\xff\xfe\x01\r" + b"OK\r")

    items = run(collect(reader, 2, during=feed))
    device.unplug()
    assert [i.raw for i in items if isinstance(i, ScanEvent)] == ["\xff\xfe\x01", "OK"]
    assert reader.counters["overflows"] + reader.counters["too_long"] == 1


def test_replug_under_a_new_name(tmp_path: Path) -> None:
    by_id = tmp_path / "serial" / "by-id"
    first = FakeSerialDevice(by_id / "usb-Acme_Scanner_A1-if00-port0")
    reader = scanner(str(by_id / "usb-Acme_Scanner_*"))
    replugged: list[FakeSerialDevice] = []

    async def feed() -> None:
        await asyncio.sleep(0.2)
        first.send(b"BEFORE\r")
        await asyncio.sleep(0.3)
        first.unplug()
        await asyncio.sleep(0.3)
        second = FakeSerialDevice(by_id / "usb-Acme_Scanner_A1-if00-port1")
        replugged.append(second)
        await asyncio.sleep(0.5)
        second.send(b"AFTER\r")

    items = run(collect(reader, 2, during=feed, timeout=15))
    for device in replugged:
        device.unplug()
    assert [i.raw for i in items if isinstance(i, ScanEvent)] == ["BEFORE", "AFTER"]
