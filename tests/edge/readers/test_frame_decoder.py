"""The camera's frame decoder on symbols drawn by other libraries than the decoders."""

import numpy as np
import pytest

from edge.readers.barcode_decoders import make_decoder
from edge.readers.frame_decoder import FrameDecoder, Region

cv2 = pytest.importorskip("cv2")
pytest.importorskip("zxingcpp")
barcode = pytest.importorskip("barcode")
segno = pytest.importorskip("segno")

GS1_128 = "01089360123450181726123110LOT42"
LINK = "https://txng.example.vn/01/08936012345018/10/LOT42"


def bars(pattern: str, module: int = 8, height: int = 240) -> np.ndarray:
    """A linear symbol's bar pattern drawn `module` pixels a module, with quiet zones."""
    row = np.array([c == "1" for c in "0" * 10 + pattern + "0" * 10])
    return np.where(np.repeat(np.repeat(row[None], height, 0), module, 1), 0, 255).astype(np.uint8)


def on_frame(symbol: np.ndarray, px: float, at: tuple[int, int], turn: float) -> np.ndarray:
    """The symbol at `px` pixels a module, turned, on a grey 640x480 BGR frame."""
    scale = px / 8
    small = cv2.resize(symbol, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    frame = np.full((480, 640), 120, np.uint8)
    h, w = small.shape
    frame[at[1] : at[1] + h, at[0] : at[0] + w] = small
    centre = (at[0] + w / 2, at[1] + h / 2)
    turned = cv2.warpAffine(frame, cv2.getRotationMatrix2D(centre, turn, 1.0), (640, 480),
                            borderValue=120)
    return cv2.cvtColor(turned, cv2.COLOR_GRAY2BGR)


def test_turned_small_gs1_128_is_read_through_the_locator() -> None:
    pattern = barcode.Gs1_128(GS1_128).build()[0]
    frame = on_frame(bars(pattern), 1.9, (60, 180), 33)
    codes = FrameDecoder(make_decoder("zxing")).decode(frame)
    assert [(c.text, c.symbology) for c in codes] == [(GS1_128, "]C1")]


def test_every_code_of_a_frame_once_and_nothing_on_an_empty_one() -> None:
    ean = bars(barcode.EAN13("893601234501").build()[0], height=200)
    qr = np.where(np.kron(np.pad(np.array(segno.make_qr(LINK).matrix, bool), 4),
                          np.ones((8, 8), bool)), 0, 255).astype(np.uint8)
    frame = on_frame(ean, 2.2, (20, 20), -12)
    qr_small = cv2.resize(qr, None, fx=3 / 8, fy=3 / 8, interpolation=cv2.INTER_AREA)
    frame[300 : 300 + qr_small.shape[0], 450 : 450 + qr_small.shape[1]] = qr_small[..., None]
    decoder = FrameDecoder(make_decoder("zxing"))
    assert sorted(c.text for c in decoder.decode(frame)) == sorted(["8936012345018", LINK])
    assert decoder.decode(np.full((480, 640, 3), 120, np.uint8)) == []


def test_region_of_interest_and_whole_frame_mode() -> None:
    pattern = barcode.EAN13("893601234501").build()[0]
    frame = on_frame(bars(pattern, height=200), 2.5, (300, 250), 0)
    whole = FrameDecoder(make_decoder("zxing"), locate=False)
    assert [c.text for c in whole.decode(frame)] == ["8936012345018"]
    left = FrameDecoder(make_decoder("zxing"), roi=Region(0, 0, 280, 480))
    assert left.decode(frame) == []
    with pytest.raises(ValueError, match="outside the frame"):
        FrameDecoder(make_decoder("zxing"), roi=Region(700, 0, 10, 10)).decode(frame)
