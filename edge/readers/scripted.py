"""A scanner that replays a script of timed scans (demonstrations, replays of a scan log)."""

import asyncio
import itertools
from collections.abc import AsyncIterator
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from contract import BizStep, ScanEvent
from contract.items import Text
from edge.readers.base import Reader, ReaderConfigBase, ReaderKind
from edge.readers.gs1 import gs1_identifiers


class ScriptedScan(BaseModel):
    """One scan of the script: when, the code as the scanner sends it, and why."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    at: AwareDatetime
    code: Text = Field(min_length=1, max_length=4096)
    biz_step: BizStep


class ScriptedScannerConfig(ReaderConfigBase):
    """A scanner that reads each scripted code when the device clock reaches its time."""

    type: Literal["scripted_scanner"]
    symbology: str = "]C1"
    scans: list[ScriptedScan] = Field(min_length=1)

    @field_validator("scans")
    @classmethod
    def _in_time_order(cls, scans: list[ScriptedScan]) -> list[ScriptedScan]:
        if any(b.at < a.at for a, b in itertools.pairwise(scans)):
            raise ValueError("scans must be in time order")
        return scans


class ScriptedScanner(Reader[ScriptedScannerConfig]):
    """Yields each scan at its time, stamped with it; then stays idle.

    A restarted reader resumes with the first scan whose time has not passed.
    """

    async def items(self) -> AsyncIterator[ScanEvent]:
        """The scripted scans, each when its time comes."""
        config, clock = self.config, self.context.clock
        started = clock.now()
        for scan in config.scans:
            if scan.at < started:
                continue
            await clock.sleep_until(scan.at)
            yield self.context.scan(
                reader=config.name,
                location=config.location,
                biz_step=scan.biz_step,
                raw=scan.code,
                symbology=config.symbology,
                gs1=gs1_identifiers(scan.code),
                at=scan.at,
            )
        await asyncio.Event().wait()  # the script is done: a reader's stream never ends


KIND = ReaderKind(ScriptedScannerConfig, ScriptedScanner)
