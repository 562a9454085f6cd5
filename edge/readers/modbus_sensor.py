"""Modbus RTU/TCP sensors (pymodbus): declarative register maps, merged reads, counted errors."""

import asyncio
import logging
import random
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, model_validator

from contract import ReadingQuality, SensorReading
from edge.readers.base import Reader, ReaderConfigBase, ReaderContext, ReaderKind
from edge.readers.links import SerialSettings, TcpSettings, resolve_port
from edge.readers.protocols.modbus_map import (
    ReadRequest,
    Register,
    load_register_map,
    plan_requests,
)
from edge.readers.simulated import ticks

logger = logging.getLogger(__name__)
_ROOT = Path(__file__).resolve().parents[2]


class ExceptionResponse(Exception):
    """The device answered with a Modbus exception (illegal address, busy, …)."""


class ModbusSensorConfig(ReaderConfigBase):
    """One Modbus device: its link, unit id, registers (inline or a map file) and polling."""

    type: Literal["modbus"]
    link: SerialSettings | TcpSettings
    unit: int = Field(default=1, ge=0, le=247)
    registers: list[Register] = Field(default_factory=list)
    map_file: Path | None = Field(default=None, description="A register map data file (YAML)")
    poll_interval_s: float = Field(default=10.0, gt=0)
    timeout_s: float = Field(default=1.0, gt=0)
    retries: int = Field(default=2, ge=0, le=10)
    retry_backoff_s: float = Field(default=0.2, gt=0)
    inter_request_delay_s: float | None = Field(
        default=None, ge=0, description="Pause between requests; default 0.05 s on RS-485"
    )
    max_gap: int = Field(default=0, ge=0, le=16, description="Unused registers read through")

    @model_validator(mode="after")
    def _load_map(self) -> "ModbusSensorConfig":
        if self.map_file is not None:
            path = self.map_file
            if not path.is_absolute() and not path.exists() and (_ROOT / path).exists():
                path = _ROOT / path  # a map shipped in the source tree's firmware_configs/
            try:
                loaded = load_register_map(path)
            except OSError as err:
                raise ValueError(f"cannot read map_file {self.map_file}: {err.strerror}") from err
            except ValidationError as err:
                raise ValueError(f"map_file {self.map_file} is invalid: {err}") from err
            object.__setattr__(self, "registers", [*loaded.registers, *self.registers])
        if not self.registers:
            raise ValueError("give `registers` or a `map_file`")
        names = [r.name for r in self.registers]
        if len(set(names)) != len(names):
            raise ValueError("register names must be unique")
        return self


class ModbusSensor(Reader[ModbusSensorConfig]):
    """Polls the device; every error is counted and retried, and never ends the poll loop."""

    def __init__(self, config: ModbusSensorConfig, context: ReaderContext) -> None:
        super().__init__(config, context)
        self.counters: Counter[str] = Counter()
        self.requests = plan_requests(config.registers, config.max_gap)
        self._client: Any = None

    def _make_client(self) -> Any:
        from pymodbus.client import ModbusSerialClient, ModbusTcpClient  # loaded when used

        link, timeout = self.config.link, self.config.timeout_s
        if isinstance(link, TcpSettings):
            return ModbusTcpClient(link.host, port=link.port, timeout=timeout, retries=0)
        return ModbusSerialClient(
            resolve_port(link.port), baudrate=link.baudrate, bytesize=link.bytesize,
            parity=link.parity, stopbits=int(link.stopbits), timeout=timeout, retries=0,
        )

    async def stop(self) -> None:
        """Close the connection."""
        await asyncio.to_thread(self._close)

    def _close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def _read_once(self, request: ReadRequest) -> list[int]:
        """One attempt; ModbusException/OSError/ValueError on any failure."""
        from pymodbus.exceptions import ConnectionException

        if self._client is None:
            self._client = self._make_client()
        if not self._client.connected and not self._client.connect():
            raise ConnectionException("cannot connect")
        read = (self._client.read_holding_registers if request.table == "holding"
                else self._client.read_input_registers)
        response = read(request.address, count=request.count, device_id=self.config.unit)
        if response.isError():
            code = getattr(response, "exception_code", "?")
            raise ExceptionResponse(f"exception response {code}")
        words: list[int] = list(response.registers)
        if len(words) < request.count:
            raise ValueError(f"short answer: {len(words)} of {request.count} registers")
        return words

    async def _read(self, request: ReadRequest) -> list[int] | None:
        """The registers of a request, retried with backoff; None when every try failed."""
        from pymodbus.exceptions import ConnectionException, ModbusException, ModbusIOException

        for attempt in range(self.config.retries + 1):
            try:
                return await asyncio.to_thread(self._read_once, request)
            except ExceptionResponse as err:
                self.counters["exception_responses"] += 1
                problem = str(err)
            except ConnectionException as err:
                self.counters["connection_errors"] += 1
                problem = str(err)
                await asyncio.to_thread(self._close)
            except ModbusIOException as err:  # no (valid) answer: timeouts and bad CRCs
                self.counters["timeouts"] += 1
                problem = str(err)
                await asyncio.to_thread(self._close)  # resynchronise the stream
            except (ModbusException, OSError, ValueError) as err:
                self.counters["other_errors"] += 1
                problem = f"{type(err).__name__}: {err}"
                await asyncio.to_thread(self._close)
            logger.debug("modbus %s: %s @%d try %d: %s", self.config.name, request.table,
                         request.address, attempt + 1, problem)
            if attempt < self.config.retries:
                delay = self.config.retry_backoff_s * 2**attempt
                await asyncio.sleep(random.uniform(delay / 2, delay))
        self.counters["failed_reads"] += 1
        logger.warning("modbus %s: %s registers %d..%d unreadable after %d tries",
                       self.config.name, request.table, request.address,
                       request.address + request.count - 1, self.config.retries + 1)
        return None

    def _readings(self, request: ReadRequest, words: list[int]) -> list[SensorReading]:
        readings = []
        for register, value in request.values(words):
            quality = ReadingQuality.GOOD
            if not register.in_range(value):
                quality = ReadingQuality.SUSPECT
                self.counters["out_of_range"] += 1
            try:
                readings.append(self.context.reading(
                    sensor=f"{self.config.name}.{register.name}", location=self.config.location,
                    quantity=register.quantity, value=round(value, 6), quality=quality,
                ))
            except ValidationError:  # physically impossible: cannot be stored even as suspect
                self.counters["impossible_values"] += 1
                logger.warning("modbus %s: %s = %r is impossible", self.config.name,
                               register.name, value)
        return readings

    async def items(self) -> AsyncIterator[SensorReading]:
        """Readings once per poll interval."""
        config = self.config
        delay = config.inter_request_delay_s
        if delay is None:
            delay = 0.05 if isinstance(config.link, SerialSettings) else 0.0
        async for _ in ticks(config.poll_interval_s):
            for index, request in enumerate(self.requests):
                if index and delay:
                    await asyncio.sleep(delay)
                words = await self._read(request)
                if words is None:
                    continue
                self.counters["reads"] += 1
                for reading in self._readings(request, words):
                    yield reading


KIND = ReaderKind(ModbusSensorConfig, ModbusSensor)
