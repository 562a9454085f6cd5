"""Barcode scanners in serial / virtual-COM mode (pyserial), found again after a replug."""

import asyncio
import logging
from collections import Counter
from collections.abc import AsyncIterator
from typing import Literal

from pydantic import Field

from contract import BizStep, ScanEvent
from edge.readers.base import Reader, ReaderConfigBase, ReaderContext, ReaderKind
from edge.readers.links import SerialLink, SerialSettings
from edge.readers.protocols.framing import LineFramer, Terminator, decode_text
from edge.readers.reconnecting import ReconnectingLink
from edge.readers.scan_text import code_scan

logger = logging.getLogger(__name__)


class SerialScannerConfig(ReaderConfigBase):
    """A scanner on a serial port; prefer a /dev/serial/by-id path or pattern for `port`."""

    type: Literal["serial_scanner"]
    biz_step: BizStep
    serial: SerialSettings
    terminator: Terminator = Terminator.CR
    inter_char_timeout_s: float = Field(default=0.1, gt=0, le=5)
    symbology: str | None = Field(
        default=None, max_length=3, description="AIM id when the scanner sends none"
    )
    reconnect_min_s: float = Field(default=0.5, gt=0)
    reconnect_max_s: float = Field(default=10.0, gt=0)


class SerialScanner(Reader[SerialScannerConfig]):
    """One scan per terminated (or, with terminator none, silence-ended) code."""

    def __init__(self, config: SerialScannerConfig, context: ReaderContext) -> None:
        super().__init__(config, context)
        self.counters: Counter[str] = Counter()
        self._link = ReconnectingLink(
            lambda: SerialLink(config.serial, config.inter_char_timeout_s),
            name=f"scanner {config.name}",
            reconnect_min_s=config.reconnect_min_s,
            reconnect_max_s=config.reconnect_max_s,
        )

    async def stop(self) -> None:
        """Close the port."""
        await asyncio.to_thread(self._link.close)

    async def items(self) -> AsyncIterator[ScanEvent]:
        """Scans as codes arrive; bad input is counted and skipped."""
        framer = LineFramer(self.config.terminator)
        connects = 0
        async for chunk in self._link.chunks():
            if self._link.connects != connects:  # a fresh connection: drop any half code
                connects = self._link.connects
                framer = LineFramer(self.config.terminator)
            messages = framer.feed(chunk) if chunk else []
            if not chunk and (pending := framer.flush()) is not None:
                messages.append(pending)
            self.counters["overflows"] = framer.overflows
            for message in messages:
                text = decode_text(message)
                if text is None:
                    self.counters["unreadable"] += 1
                    continue
                event = code_scan(
                    self.context, reader=self.config.name, location=self.config.location,
                    biz_step=self.config.biz_step, text=text, symbology=self.config.symbology,
                    counters=self.counters,
                )
                if event is not None:
                    yield event


KIND = ReaderKind(SerialScannerConfig, SerialScanner)
