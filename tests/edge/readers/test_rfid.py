"""UHF RFID readers: the UHFReader protocol over a pty (answer mode) and TCP (real-time mode),
and the EPC-per-line protocol; repeated reads collapse into one observation."""

import asyncio
import socket
import threading
from pathlib import Path

from contract import DataCarrier, ScanEvent
from edge.readers.protocols import uhfreader
from edge.readers.rfid import RfidReader, RfidReaderConfig

from .helpers import CONTEXT, FakeSerialDevice, Responder, collect, run

SGTIN = bytes.fromhex("3074257BF7194E4000001A85")
SSCC = bytes.fromhex("3174257BF4499602D2000000")
OTHER = bytes.fromhex("E2801160600002084D4A1234")


def rfid(link: dict[str, object], **extra: object) -> RfidReader:
    config = RfidReaderConfig.model_validate({
        "type": "rfid", "name": "door", "location": "cold_room", "biz_step": "storing",
        "link": link, "window_s": 0.6, "inventory_interval_s": 0.05,
        "reconnect_min_s": 0.05, **extra,
    })
    return RfidReader(config, CONTEXT)


def test_answer_mode_over_serial(tmp_path: Path) -> None:
    device = FakeSerialDevice(tmp_path / "rfid")
    polls = 0

    def reply(request: bytes) -> bytes:
        nonlocal polls
        assert request.startswith(uhfreader.command(uhfreader.CMD_INVENTORY, address=0xFF))
        polls += 1
        reads = [uhfreader.TagRead(SGTIN, 60 + polls % 5), uhfreader.TagRead(OTHER, 40)]
        noise = b"\x07\x00\x01" if polls % 3 == 0 else b""  # garbage between answers
        return noise + uhfreader.inventory_answer(reads, antenna_mask=0x02)

    responder = Responder(device, reply)
    responder.start()
    items = run(collect(rfid({"port": str(device.link), "baudrate": 57600}), 2, timeout=10))
    responder.stopping.set()
    responder.join()
    device.unplug()
    by_raw = {i.raw: i for i in items if isinstance(i, ScanEvent)}
    tag = by_raw["3074257BF7194E4000001A85"]
    assert tag.carrier is DataCarrier.RFID and tag.antenna == 2
    assert tag.read_count > 1 and tag.rssi is not None and tag.rssi >= 60
    assert tag.first_seen is not None and tag.last_seen is not None
    assert tag.first_seen <= tag.last_seen and tag.device_time == tag.first_seen
    assert tag.gs1 is not None and tag.gs1.epc_uri == "urn:epc:id:sgtin:0614141.812345.6789"
    assert by_raw["E2801160600002084D4A1234"].gs1 is None  # kept raw, flagged


class TcpReader(threading.Thread):
    """A network reader in real-time mode: pushes tag reports to whoever connects."""

    def __init__(self, frames: list[bytes]) -> None:
        super().__init__(daemon=True)
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.frames = frames

    def run(self) -> None:
        conn, _ = self.server.accept()
        with conn:
            for frame in self.frames:
                conn.sendall(frame)
            conn.recv(1)  # hold the connection until the client goes


def realtime(epc: bytes, antenna_mask: int, rssi: int) -> bytes:
    return uhfreader.response(0xEE, 0x00, bytes([antenna_mask, len(epc)]) + epc + bytes([rssi]))


def test_realtime_mode_over_tcp() -> None:
    bad = bytearray(realtime(SSCC, 1, 50))
    bad[5] ^= 0x55
    frames = [realtime(SSCC, 0x01, 50), bytes(bad), uhfreader.response(0xEE, 0x28, bytes(16)),
              realtime(SSCC, 0x08, 70), realtime(SGTIN, 0x01, 55)]
    server = TcpReader(frames)
    server.start()
    reader = rfid({"host": "127.0.0.1", "port": server.port}, mode="realtime")
    items = run(collect(reader, 2, timeout=10))
    server.server.close()
    by_raw = {i.raw: i for i in items if isinstance(i, ScanEvent)}
    sscc = by_raw[SSCC.hex().upper()]
    assert sscc.read_count == 2 and sscc.rssi == 70 and sscc.antenna == 4
    assert sscc.gs1 is not None and sscc.gs1.sscc == "106141412345678908"
    assert reader.counters["crc_errors"] >= 1


def test_line_protocol(tmp_path: Path) -> None:
    device = FakeSerialDevice(tmp_path / "rfid")

    async def feed() -> None:
        await asyncio.sleep(0.2)
        device.send(b"3074257BF7194E4000001A85\nnot-hex\n3074257BF7194E4000001A85,-61,2\n")

    reader = rfid({"port": str(device.link)}, protocol="lines")
    items = run(collect(reader, 1, during=feed))
    device.unplug()
    (tag,) = items
    assert isinstance(tag, ScanEvent) and tag.read_count == 2 and tag.rssi == -61
    assert reader.counters["bad_lines"] == 1
