"""UHF RFID readers over serial or TCP: the UHFReader18/288 binary protocol, or EPC hex lines."""

import asyncio
import logging
import time
from collections import Counter
from collections.abc import AsyncIterator
from typing import Literal

from pydantic import Field

from contract import BizStep, DataCarrier, ScanEvent
from edge.readers.base import Reader, ReaderConfigBase, ReaderContext, ReaderKind
from edge.readers.links import SerialSettings, TcpSettings, open_link
from edge.readers.protocols import uhfreader
from edge.readers.protocols.epc import epc_identifiers
from edge.readers.protocols.framing import LineFramer, Terminator
from edge.readers.protocols.tag_window import Observation, TagWindow
from edge.readers.reconnecting import ReconnectingLink

logger = logging.getLogger(__name__)

_READ_TIMEOUT_S = 0.05


class RfidReaderConfig(ReaderConfigBase):
    """A UHF reader: `link` is a serial port (or pattern) or a TCP endpoint."""

    type: Literal["rfid"]
    biz_step: BizStep
    link: SerialSettings | TcpSettings
    protocol: Literal["uhfreader", "lines"] = "uhfreader"
    layout: uhfreader.Layout = uhfreader.Layout.READER288
    mode: Literal["answer", "realtime"] = Field(
        default="answer", description="answer: poll with inventory commands; realtime: listen"
    )
    address: int = Field(default=0xFF, ge=0, le=255)
    inventory_interval_s: float = Field(default=0.2, gt=0)
    window_s: float = Field(default=2.0, gt=0, description="Reads of one tag collapse within it")
    reconnect_min_s: float = Field(default=0.5, gt=0)
    reconnect_max_s: float = Field(default=10.0, gt=0)


class RfidReader(Reader[RfidReaderConfig]):
    """One observation per tag per window, with first/last seen, count, RSSI and antenna."""

    def __init__(self, config: RfidReaderConfig, context: ReaderContext) -> None:
        super().__init__(config, context)
        self.counters: Counter[str] = Counter()
        self._link = ReconnectingLink(
            lambda: open_link(config.link, _READ_TIMEOUT_S),
            name=f"rfid {config.name}",
            reconnect_min_s=config.reconnect_min_s,
            reconnect_max_s=config.reconnect_max_s,
        )

    async def stop(self) -> None:
        """Close the link."""
        await asyncio.to_thread(self._link.close)

    def _reads(self, chunk: bytes, frames: uhfreader.FrameDecoder,
               lines: LineFramer) -> list[uhfreader.TagRead]:
        """The tag reads the bytes complete; malformed input is counted, never raised."""
        reads: list[uhfreader.TagRead] = []
        if self.config.protocol == "lines":
            for line in lines.feed(chunk):
                fields = line.decode("ascii", "replace").strip().split(",")
                try:
                    epc = bytes.fromhex(fields[0].strip())
                    rssi = int(float(fields[1])) if len(fields) > 1 and fields[1] else None
                    antenna = int(fields[2]) if len(fields) > 2 and fields[2] else None
                except ValueError:
                    self.counters["bad_lines"] += 1
                    continue
                if epc:
                    reads.append(uhfreader.TagRead(epc, rssi, antenna))
            return reads
        for frame in frames.feed(chunk):
            try:
                reads += uhfreader.tag_reads(frame, self.config.layout)
            except ValueError as err:
                self.counters["bad_frames"] += 1
                logger.debug("rfid %s: %s", self.config.name, err)
        self.counters["crc_errors"] = frames.crc_errors
        self.counters["garbage_bytes"] = frames.garbage_bytes
        return reads

    def _scan(self, seen: Observation) -> ScanEvent:
        event = self.context.scan(
            reader=self.config.name, location=self.config.location,
            biz_step=self.config.biz_step, raw=seen.epc, carrier=DataCarrier.RFID,
            gs1=epc_identifiers(seen.epc),
        )
        if event.gs1 is None:
            self.counters["not_gs1"] += 1
        return event.model_copy(update={
            "device_time": seen.first_seen, "first_seen": seen.first_seen,
            "last_seen": seen.last_seen, "read_count": seen.count, "rssi": seen.rssi,
            "antenna": seen.antenna,
        })

    async def items(self) -> AsyncIterator[ScanEvent]:
        """Observations as their collapse windows close."""
        config = self.config
        window = TagWindow(config.window_s)
        frames = uhfreader.FrameDecoder()
        lines = LineFramer(Terminator.LF)
        polling = config.protocol == "uhfreader" and config.mode == "answer"
        inventory = uhfreader.command(uhfreader.CMD_INVENTORY, address=config.address)
        next_poll = 0.0
        async for chunk in self._link.chunks():
            now = time.monotonic()
            if chunk:
                for read in self._reads(chunk, frames, lines):
                    window.add(read.epc.hex().upper(), at=self.context.clock.now(), now=now,
                               rssi=None if read.rssi is None else float(read.rssi),
                               antenna=read.antenna)
                    self.counters["reads"] += 1
            else:
                frames.discard_partial()
            if polling and now >= next_poll:
                await self._link.write(inventory)
                next_poll = now + config.inventory_interval_s
            for seen in window.due(now):
                yield self._scan(seen)


KIND = ReaderKind(RfidReaderConfig, RfidReader)
