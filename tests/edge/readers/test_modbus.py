"""Modbus sensors against a real pymodbus server: TCP, RTU over ptys, errors never fatal."""

import asyncio
import os
import select
import socket
import struct
import threading
import tty
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pymodbus.datastore import ModbusDeviceContext, ModbusSequentialDataBlock, ModbusServerContext
from pymodbus.server import ModbusSerialServer, ModbusTcpServer

from contract import ReadingQuality, SensorReading
from edge.readers.modbus_sensor import ModbusSensor, ModbusSensorConfig
from edge.readers.protocols.modbus_map import load_register_map

from .helpers import CONTEXT, collect, run

ROOT = Path(__file__).resolve().parents[3]
MAPS = ROOT / "firmware_configs" / "modbus_maps"


def words(value: float) -> list[int]:
    return list(struct.unpack(">HH", struct.pack(">f", value)))


def server_context() -> ModbusServerContext:
    # pymodbus data blocks are 1-based: a block at 1 starts at protocol address 0
    holding = [45, 215, 0xFF33, *words(4.5), 0, 0, 0, 0, 0, 1200]
    inputs = [0, 41, 653]
    device = ModbusDeviceContext(
        hr=ModbusSequentialDataBlock(1, holding), ir=ModbusSequentialDataBlock(1, inputs))
    return ModbusServerContext(devices={1: device}, single=False)


class ServerThread(threading.Thread):
    """Runs a pymodbus server on its own event loop."""

    def __init__(self, make: Any) -> None:
        super().__init__(daemon=True)
        self.make, self.loop = make, asyncio.new_event_loop()
        self.ready = threading.Event()
        self.server: Any = None

    def run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self._serve())

    async def _serve(self) -> None:
        self.server = self.make()
        self.ready.set()
        await self.server.serve_forever()

    def stop(self) -> None:
        if self.server is not None:
            asyncio.run_coroutine_threadsafe(self.server.shutdown(), self.loop).result(5)
        self.join(5)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def tcp_server() -> Iterator[int]:
    port = free_port()
    thread = ServerThread(
        lambda: ModbusTcpServer(server_context(), address=("127.0.0.1", port)))
    thread.start()
    thread.ready.wait(5)
    for _ in range(50):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            asyncio.run(asyncio.sleep(0.05))
    yield port
    thread.stop()


REGISTERS = [
    {"name": "rh", "quantity": "relative_humidity", "address": 0, "scale": 1.0,
     "valid_min": 0, "valid_max": 100},
    {"name": "t", "quantity": "temperature", "address": 1, "scale": 0.1,
     "valid_min": -40, "valid_max": 20},
    {"name": "neg", "quantity": "temperature", "address": 2, "scale": 0.1},
    {"name": "f", "quantity": "temperature", "address": 3, "type": "float32"},
    {"name": "in_t", "quantity": "temperature", "table": "input", "address": 1, "scale": 0.1},
]


def sensor(link: dict[str, Any], registers: list[dict[str, Any]] | None = None,
           **extra: Any) -> ModbusSensor:
    config = ModbusSensorConfig.model_validate({
        "type": "modbus", "name": "probe", "location": "cold_room", "link": link,
        "registers": registers if registers is not None else REGISTERS,
        "poll_interval_s": 0.2, "timeout_s": 0.3, "retries": 1, "retry_backoff_s": 0.05,
        **extra,
    })
    return ModbusSensor(config, CONTEXT)


def by_name(items: list[Any]) -> dict[str, SensorReading]:
    return {i.sensor.split(".", 1)[1]: i for i in items if isinstance(i, SensorReading)}


def test_tcp_poll_merges_adjacent_registers(tcp_server: int) -> None:
    reader = sensor({"host": "127.0.0.1", "port": tcp_server})
    assert [(r.table, r.address, r.count) for r in reader.requests] == [
        ("holding", 0, 5), ("input", 1, 1)]
    values = by_name(run(collect(reader, 5)))
    assert values["rh"].value == 45 and values["rh"].quality is ReadingQuality.GOOD
    assert values["t"].value == pytest.approx(21.5)
    assert values["t"].quality is ReadingQuality.SUSPECT  # above valid_max: flagged
    assert values["neg"].value == pytest.approx(-20.5)
    assert values["f"].value == pytest.approx(4.5)
    assert values["in_t"].value == pytest.approx(4.1)
    assert reader.counters["out_of_range"] >= 1


def test_exception_response_is_counted_and_polling_goes_on(tcp_server: int) -> None:
    registers = [*REGISTERS[:2],
                 {"name": "far", "quantity": "temperature", "address": 5000}]
    reader = sensor({"host": "127.0.0.1", "port": tcp_server}, registers)
    items = run(collect(reader, 4, timeout=10))
    assert {i.sensor for i in items if isinstance(i, SensorReading)} == {"probe.rh", "probe.t"}
    assert reader.counters["exception_responses"] >= 2  # one per try
    assert reader.counters["failed_reads"] >= 1


def test_silent_device_times_out_then_recovers() -> None:
    port = free_port()
    silent = socket.create_server(("127.0.0.1", port))
    conns: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        silent.settimeout(0.1)
        while not stop.is_set():
            try:
                conns.append(silent.accept()[0])  # accept, never answer
            except TimeoutError:
                continue

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    reader = sensor({"host": "127.0.0.1", "port": port}, REGISTERS[:2])
    late: list[ServerThread] = []

    async def recover() -> None:
        await asyncio.sleep(1.5)
        stop.set()
        await asyncio.to_thread(acceptor.join)
        silent.close()
        for conn in conns:
            conn.close()
        thread = ServerThread(
            lambda: ModbusTcpServer(server_context(), address=("127.0.0.1", port)))
        thread.start()
        late.append(thread)

    items = run(collect(reader, 2, during=recover, timeout=15))
    for thread in late:
        thread.stop()
    assert len(items) == 2
    assert reader.counters["timeouts"] + reader.counters["connection_errors"] >= 2


class PtyBridge(threading.Thread):
    """Two pty pairs joined back to back (a null-modem cable); can corrupt replies."""

    def __init__(self, tmp: Path) -> None:
        super().__init__(daemon=True)
        self.a_master, a_slave = os.openpty()
        self.b_master, b_slave = os.openpty()
        for fd in (self.a_master, a_slave, self.b_master, b_slave):
            tty.setraw(fd)
        self.client_path = tmp / "ttyClient"
        self.server_path = tmp / "ttyServer"
        self.client_path.symlink_to(os.ttyname(a_slave))
        self.server_path.symlink_to(os.ttyname(b_slave))
        self._slaves = (a_slave, b_slave)
        self.corrupt = 0  # replies to mangle
        self.garbage = 0  # replies to precede with noise
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            ready, _, _ = select.select([self.a_master, self.b_master], [], [], 0.05)
            for fd in ready:
                data = os.read(fd, 4096)
                if fd == self.a_master:
                    os.write(self.b_master, data)
                    continue
                if self.corrupt:
                    self.corrupt -= 1
                    data = data[:-1] + bytes([data[-1] ^ 0xFF])
                elif self.garbage:
                    self.garbage -= 1
                    data = b"\x55\xaa\x00" + data
                os.write(self.a_master, data)


def test_rtu_over_pty_with_crc_errors_and_garbage(tmp_path: Path) -> None:
    bridge = PtyBridge(tmp_path)
    bridge.corrupt, bridge.garbage = 2, 1
    bridge.start()
    thread = ServerThread(lambda: ModbusSerialServer(
        server_context(), port=str(bridge.server_path), baudrate=19200))
    thread.start()
    thread.ready.wait(5)
    reader = sensor({"port": str(bridge.client_path), "baudrate": 19200}, REGISTERS[:2],
                    retries=3, inter_request_delay_s=0.01)
    try:
        items = run(collect(reader, 4, timeout=20))
    finally:
        thread.stop()
        bridge.stopping.set()
        bridge.join()
    values = by_name(items)
    assert values["rh"].value == 45 and values["t"].value == pytest.approx(21.5)
    assert reader.counters["timeouts"] + reader.counters["other_errors"] >= 2


@pytest.mark.parametrize("path", sorted(MAPS.glob("*.yaml")), ids=lambda p: p.stem)
def test_shipped_register_maps_load(path: Path) -> None:
    register_map = load_register_map(path)
    assert register_map.source
    assert {r.quantity.value for r in register_map.registers} >= {"temperature"}
