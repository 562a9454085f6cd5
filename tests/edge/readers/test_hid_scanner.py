"""Keyboard-wedge scanners: the key map against evdev's codes, and a uinput device if allowed."""

import asyncio
import os

import pytest

from contract import ScanEvent
from edge.readers.hid_scanner import HidScanner, HidScannerConfig
from edge.readers.protocols.keymap import KEY_ENTER, KeyDecoder

from .helpers import CONTEXT, collect, run

evdev = pytest.importorskip("evdev")


def test_key_codes_match_the_kernel() -> None:
    ecodes = evdev.ecodes
    decoder = KeyDecoder()
    text = "0123456789abcxyz-./"
    for char in text:
        name = {"-": "MINUS", ".": "DOT", "/": "SLASH"}.get(char, char.upper())
        assert decoder.key(ecodes.ecodes[f"KEY_{name}"], 1) is None
    assert decoder.key(ecodes.KEY_ENTER, 1) == text
    assert KEY_ENTER == ecodes.KEY_ENTER


@pytest.mark.skipif(not os.access("/dev/uinput", os.W_OK), reason="no writable /dev/uinput")
def test_typed_code_through_uinput() -> None:
    ecodes = evdev.ecodes
    keys = [ecodes.KEY_LEFTSHIFT, ecodes.KEY_H, ecodes.KEY_1, ecodes.KEY_ENTER]
    with evdev.UInput({ecodes.EV_KEY: keys}, name="txng-test-scanner") as device:
        config = HidScannerConfig.model_validate({
            "type": "hid_scanner", "name": "kbd", "location": "line", "biz_step": "packing",
            "device": device.device.path, "grab": False,
        })

        async def type_code() -> None:
            await asyncio.sleep(0.3)
            for code, value in [(keys[0], 1), (keys[1], 1), (keys[1], 0), (keys[0], 0),
                                (keys[2], 1), (keys[2], 0), (keys[3], 1), (keys[3], 0)]:
                device.write(ecodes.EV_KEY, code, value)
                device.syn()

        (scan,) = run(collect(HidScanner(config, CONTEXT), 1, during=type_code))
    assert isinstance(scan, ScanEvent) and scan.raw == "H1"
