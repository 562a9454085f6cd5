"""Barcode scanners in keyboard (HID) mode through Linux evdev (the optional `hid` extra)."""

import asyncio
import logging
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any, Literal

from pydantic import Field

from contract import BizStep, ScanEvent
from edge.readers.base import Reader, ReaderConfigBase, ReaderContext, ReaderKind
from edge.readers.links import LinkError, resolve_port
from edge.readers.protocols.keymap import KEY_ENTER, KEY_KPENTER, KEY_TAB, KeyDecoder
from edge.readers.scan_text import code_scan

logger = logging.getLogger(__name__)

try:  # evdev is Linux-only and optional
    import evdev
except ImportError:  # pragma: no cover - depends on the platform
    evdev = None  # type: ignore[assignment]

EV_KEY = 1


class HidScannerConfig(ReaderConfigBase):
    """A keyboard-wedge scanner; `device` is an event path or pattern (/dev/input/by-id/…)."""

    type: Literal["hid_scanner"]
    biz_step: BizStep
    device: str = Field(min_length=1)
    grab: bool = Field(default=True, description="Keep the keystrokes from other programs")
    end_key: Literal["enter", "tab"] = "enter"
    symbology: str | None = Field(default=None, max_length=3)
    reconnect_min_s: float = Field(default=0.5, gt=0)
    reconnect_max_s: float = Field(default=10.0, gt=0)


class HidScanner(Reader[HidScannerConfig]):
    """One scan per code typed by the scanner."""

    def __init__(self, config: HidScannerConfig, context: ReaderContext) -> None:
        super().__init__(config, context)
        self.counters: Counter[str] = Counter()
        self._device: Any = None

    async def start(self) -> None:
        """Fail clearly when evdev is not installed."""
        if evdev is None:
            raise RuntimeError("hid_scanner needs evdev: pip install 'txng[hid]'")

    async def stop(self) -> None:
        """Release the device."""
        self._close()

    def _close(self) -> None:
        if self._device is not None:
            try:
                self._device.close()
            except OSError:
                logger.debug("closing %s failed", self.config.device, exc_info=True)
            self._device = None

    def _open(self) -> Any:
        path = resolve_port(self.config.device)
        try:
            device = evdev.InputDevice(path)
            if self.config.grab:
                device.grab()
        except OSError as err:
            raise LinkError(f"cannot open {path}: {err}") from err
        return device

    async def items(self) -> AsyncIterator[ScanEvent]:
        """Scans as codes are typed; reopens the device after an unplug."""
        config = self.config
        ends = frozenset({KEY_TAB}) if config.end_key == "tab" else frozenset(
            {KEY_ENTER, KEY_KPENTER})
        delay = config.reconnect_min_s
        while True:
            try:
                self._device = await asyncio.to_thread(self._open)
            except LinkError as err:
                self.counters["link_errors"] += 1
                logger.warning("scanner %s: %s; retrying in %.1f s", config.name, err, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, config.reconnect_max_s)
                continue
            delay = config.reconnect_min_s
            decoder = KeyDecoder(end_keys=ends)
            try:
                async for event in self._device.async_read_loop():
                    if event.type != EV_KEY:
                        continue
                    text = decoder.key(event.code, event.value)
                    if text is None:
                        continue
                    scan = code_scan(
                        self.context, reader=config.name, location=config.location,
                        biz_step=config.biz_step, text=text, symbology=config.symbology,
                        counters=self.counters,
                    )
                    if scan is not None:
                        yield scan
            except OSError as err:
                self.counters["link_errors"] += 1
                logger.warning("scanner %s: device lost: %s", config.name, err)
            finally:
                self.counters["unknown_keys"] += decoder.unknown_keys
                self._close()


KIND = ReaderKind(HidScannerConfig, HidScanner)
