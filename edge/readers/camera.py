"""Camera barcodes: frames from V4L2, RTSP or a video file via OpenCV, decoded per frame."""

import asyncio
import logging
import time
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from contract import BizStep, ScanEvent
from edge.readers.barcode_decoders import Decoded, DecoderName, HoldOff, make_decoder
from edge.readers.base import Reader, ReaderConfigBase, ReaderContext, ReaderKind
from edge.readers.frame_decoder import FrameDecoder, Region
from edge.readers.scan_text import code_scan

logger = logging.getLogger(__name__)


class Roi(BaseModel):
    """The part of the frame to decode, in pixels."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    x: int = Field(ge=0)
    y: int = Field(ge=0)
    width: int = Field(gt=0)
    height: int = Field(gt=0)


class CameraConfig(ReaderConfigBase):
    """A camera: `source` is a V4L2 device (/dev/video0 or 0), an RTSP URL or a video file."""

    type: Literal["camera"]
    biz_step: BizStep
    source: str = Field(min_length=1)
    decoder: DecoderName = "zxing"
    roi: Roi | None = None
    locate: bool = Field(
        default=True,
        description="Find the codes in the frame and read each region (turned upright, "
        "upscaled, sharpened) before the whole frame",
    )
    inverted: bool = Field(
        default=False, description="Also look for light codes on a dark ground (laser marks)"
    )
    max_fps: float = Field(default=10.0, gt=0, le=120)
    hold_off_s: float = Field(default=2.0, ge=0)
    width: int | None = Field(default=None, gt=0)
    height: int | None = Field(default=None, gt=0)
    reconnect_s: float = Field(default=2.0, gt=0)


def _is_stream(source: str) -> bool:
    return source.startswith(("rtsp://", "rtsps://", "http://", "https://"))


class Camera(Reader[CameraConfig]):
    """Decodes at most `max_fps` frames a second; one scan per code per sighting."""

    def __init__(self, config: CameraConfig, context: ReaderContext) -> None:
        super().__init__(config, context)
        self.counters: Counter[str] = Counter()
        self._frames: FrameDecoder | None = None
        self._capture: Any = None

    async def start(self) -> None:
        """Load the decoder (fails clearly when its package is missing)."""
        config = self.config
        roi = config.roi
        self._frames = FrameDecoder(
            make_decoder(config.decoder, inverted=config.inverted),
            roi=Region(roi.x, roi.y, roi.width, roi.height) if roi is not None else None,
            locate=config.locate,
        )

    async def stop(self) -> None:
        """Release the camera."""
        await asyncio.to_thread(self._release)

    def _release(self) -> None:
        if self._capture is not None:
            self._capture.release()
            self._capture = None

    def _open(self) -> bool:
        import cv2

        source = self.config.source
        target: int | str = int(source) if source.isdigit() else source
        capture = cv2.VideoCapture(target)
        if not capture.isOpened():
            capture.release()
            return False
        if not _is_stream(source):
            capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        if self.config.width and self.config.height:
            capture.set(cv2.CAP_PROP_FRAME_WIDTH, self.config.width)
            capture.set(cv2.CAP_PROP_FRAME_HEIGHT, self.config.height)
        self._capture = capture
        return True

    def _frame_codes(self, due: float) -> list[Decoded] | None:
        """Read (dropping stale stream frames until `due`) and decode one frame; None at end."""
        capture = self._capture
        if _is_stream(self.config.source):
            while time.monotonic() < due:
                if not capture.grab():
                    return None
            ok, frame = capture.retrieve()
        else:
            ok, frame = capture.read()
        if not ok or frame is None:
            return None
        assert self._frames is not None
        return self._frames.decode(frame)

    async def items(self) -> AsyncIterator[ScanEvent]:
        """Scans of codes as they come into view."""
        config = self.config
        hold = HoldOff(config.hold_off_s)
        period = 1.0 / config.max_fps
        while True:
            if self._capture is None and not await asyncio.to_thread(self._open):
                self.counters["open_failures"] += 1
                logger.warning("camera %s: cannot open %s", config.name, config.source)
                await asyncio.sleep(config.reconnect_s)
                continue
            due = time.monotonic() + period
            codes = await asyncio.to_thread(self._frame_codes, due)
            if codes is None:  # end of file or stream lost: reopen after a pause
                self.counters["stream_ends"] += 1
                await asyncio.to_thread(self._release)
                await asyncio.sleep(config.reconnect_s)
                continue
            self.counters["frames"] += 1
            now = time.monotonic()
            for code in codes:
                if not hold.is_new(code.text, now):
                    continue
                scan = code_scan(
                    self.context, reader=config.name, location=config.location,
                    biz_step=config.biz_step, text=code.text, symbology=code.symbology,
                    counters=self.counters,
                )
                if scan is not None:
                    yield scan
            await asyncio.sleep(max(0.0, due - time.monotonic()))


KIND = ReaderKind(CameraConfig, Camera)
