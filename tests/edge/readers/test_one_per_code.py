"""One reading per physical code: a tilted GS1-128 that zxing-cpp reads twice is read once."""

import numpy as np
import pytest

from edge.readers.barcode_decoders import make_decoder
from edge.readers.frame_decoder import FrameDecoder
from edge.readers.gs1 import validates
from edge.readers.one_per_code import Box, Located, one_per_code

cv2 = pytest.importorskip("cv2")
zxingcpp = pytest.importorskip("zxingcpp")
barcode = pytest.importorskip("barcode")

RIGHT = "01008936012345671727080110LNABC123\x1d2122"  # (01) (17) (10) (21) 22
WRONG_GTIN = "01008936020945671727080523LfABCz23\x1d0737"  # its GTIN fails the check digit
SSCC = "00089360123456789014"
CONTENT = "0200893601234567371201" + "0LNABC123"


def reading(text: str, box: tuple[float, float, float, float]) -> Located:
    return Located(text, "]C1", Box(*box))


def test_of_two_readings_of_one_code_the_valid_one_is_kept() -> None:
    # The wrong reading spans more lines here: validity decides before the lines do.
    readings = [reading(WRONG_GTIN, (69, 40, 1455, 230)), reading(RIGHT, (69, 66, 1452, 168))]
    assert [r.text for r in one_per_code(readings)] == [RIGHT]


def test_of_two_valid_readings_of_one_code_the_one_across_more_lines_is_kept() -> None:
    other = RIGHT.replace("2122", "2123")  # valid GS1 too: only the lines tell them apart
    readings = [reading(other, (72, 147, 1560, 147)), reading(RIGHT, (72, 34, 1563, 236))]
    assert [r.text for r in one_per_code(readings)] == [RIGHT]
    # A reading on one line (a box 0 pixels tall) inside the other is the same code.
    assert [r.text for r in one_per_code(readings[::-1])] == [RIGHT]


def test_codes_side_by_side_or_stacked_are_all_kept() -> None:
    stacked = [reading(CONTENT, (60, 40, 900, 180)), reading(SSCC, (60, 200, 900, 340))]
    assert one_per_code(stacked) == stacked
    side_by_side = [reading(SSCC, (10, 10, 300, 100)), reading(RIGHT, (310, 10, 600, 100))]
    assert one_per_code(side_by_side) == side_by_side
    # Boxes that touch only at their edges (tilted neighbours) are still two codes.
    touching = [reading(CONTENT, (60, 40, 900, 190)), reading(SSCC, (60, 180, 900, 330))]
    assert one_per_code(touching) == touching


def bars(pattern: str, module: int = 3, height: int = 150) -> np.ndarray:
    """A linear symbol's bar pattern drawn `module` pixels a module, with quiet zones."""
    row = np.array([c == "1" for c in "0" * 10 + pattern + "0" * 10])
    return np.where(np.repeat(np.repeat(row[None], height, 0), module, 1), 0, 255).astype(np.uint8)


def tilted_label(serial: int, seed: int) -> np.ndarray:
    """A GS1-128 label (python-barcode's bars) photographed: 3-4.5 px a module, tilted ±8°."""
    rng = np.random.default_rng(seed)
    px, angle = float(rng.uniform(3.0, 4.5)), float(rng.uniform(-8, 8))
    data = "0100893601234567172708011" + "0LNABC123" + chr(0xF1) + f"21{serial}"
    image = bars(barcode.Gs1_128(data).build()[0])
    image = cv2.resize(image, None, fx=px / 3, fy=px / 3, interpolation=cv2.INTER_AREA)
    image = cv2.copyMakeBorder(image, 30, 30, 30, 30, cv2.BORDER_CONSTANT, value=255)
    h, w = image.shape
    turn = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    image = cv2.warpAffine(image, turn, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)
    return cv2.GaussianBlur(image, (3, 3), 0) if seed % 2 else image


# Frames on which zxing-cpp 2.x itself returns the label's reading and a second, wrong one.
READ_TWICE = [(22, 21), (445, 444), (478, 477), (1030, 1029)]


def test_a_label_zxing_cpp_reads_twice_is_read_once_and_right() -> None:
    frames = [(serial, tilted_label(serial, seed)) for serial, seed in READ_TWICE]
    twice = [
        serial
        for serial, frame in frames
        if sum(r.valid for r in zxingcpp.read_barcodes(frame, text_mode=zxingcpp.TextMode.Plain))
        > 1
    ]
    assert twice, "none of these frames is read twice by zxing-cpp any more: find new ones"
    camera = FrameDecoder(make_decoder("zxing"))
    for serial, frame in frames:
        want = [f"01008936012345671727080110LNABC123\x1d21{serial}"]
        assert [c.text for c in make_decoder("zxing").decode(frame)] == want
        assert [c.text for c in camera.decode(frame)] == want


def test_gs1_data_validates_only_with_right_check_digits_and_real_dates() -> None:
    assert validates(f"]C1{RIGHT}")
    assert not validates(f"]C1{WRONG_GTIN}")
    assert not validates("]C101008936012345671727470110LNABC123\x1d21095")  # month 47
    assert not validates("]C10230893601234567172708021" + "0LfAB4109")  # (02) check digit
    assert validates("]Q1https://x.example.vn/01/00893601234567/10/A1")
    assert validates("]E08936012345018") and not validates("]E08936012345017")
    assert not validates("]C0not gs1")
