"""Camera frames for bench/readers.py, drawn by other libraries than the decoders under test.

Symbols come from segno (QR), python-barcode (EAN-13, GS1-128), pyStrich (GS1 DataMatrix) and
zint (all four); none from zxing-cpp or zbar. Each symbol's modules are drawn on a label at 8
pixels a module and scaled down to the frame's module size with area averaging (as a lens and
sensor sample it), pasted on a conveyor background, and given one degradation: none, blur,
noise with JPEG compression, perspective, rotation, low contrast, glare or motion blur. The
degradations' ranges were fixed from what a fixed camera over a packing line sees before any
decoder ran on them; every frame has its own payload, so a read is checked against the
identifiers the frame was made with.
"""

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import cv2
import numpy as np
import numpy.typing as npt

Image = npt.NDArray[np.uint8]
Matrix = npt.NDArray[np.bool_]

WIDTH, HEIGHT = 640, 480
DRAW = 8  # pixels per module when drawing, before the camera's downscale
DEGRADATIONS = (
    "clean",
    "blur",
    "noise",
    "perspective",
    "rotation",
    "low_contrast",
    "glare",
    "motion",
)
# Pixels per module (the narrowest bar of a linear symbol) in the frame, per symbology: from
# about the smallest a 640-pixel camera resolves to a symbol that fills a good part of it.
MODULE_PX = {
    "ean13": (1.6, 2.2, 3.0),
    "gs1_128": (1.6, 1.9, 2.2),
    "gs1_datamatrix": (2.5, 3.5, 5.0),
    "qr_digital_link": (2.5, 3.5, 5.0),
}


@dataclass(frozen=True)
class Expected:
    """The identifiers a frame's code carries."""

    gtin: str
    lot: str | None = None
    serial: str | None = None
    expiry: date | None = None


@dataclass(frozen=True)
class Frame:
    """One generated 640x480 grayscale frame and what it shows."""

    symbology: str
    generator: str
    module_px: float
    degradation: str
    expected: Expected
    image: Image


def _gtin(rng: random.Random) -> str:
    """A GTIN-13 with a Vietnamese prefix and a valid check digit (as 14 digits)."""
    body = "893" + "".join(rng.choice("0123456789") for _ in range(9))
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return "0" + body + str((10 - total % 10) % 10)


def _lot(rng: random.Random) -> str:
    return "".join(
        rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ0123456789") for _ in range(rng.randint(4, 8))
    )


def _zint(symbology: str, data: str, gs1: bool = False) -> Matrix:
    import zint

    symbol = zint.Symbol()
    symbol.symbology = getattr(zint.Symbology, symbology)
    if gs1:
        symbol.input_mode = zint.InputMode.GS1 | zint.InputMode.GS1PARENS
    symbol.show_text = False
    symbol.whitespace_width = 0
    symbol.encode(data)
    symbol.scale = 0.5  # one pixel a module
    symbol.buffer()
    pixels = np.asarray(symbol.bitmap)[:, :, 0]
    matrix: Matrix = pixels < 128
    if symbology in ("EANX", "GS1_128"):
        return matrix[:1]
    return matrix


def _bars(pattern: str) -> Matrix:
    return np.array([[c == "1" for c in pattern]], dtype=np.bool_)


def ean13(rng: random.Random, generator: str) -> tuple[Matrix, Expected]:
    """An EAN-13 of a random GTIN."""
    gtin = _gtin(rng)
    if generator == "python-barcode":
        from barcode import EAN13

        return _bars(EAN13(gtin[1:13]).build()[0]), Expected(gtin)
    return _zint("EANX", gtin[1:13]), Expected(gtin)


def gs1_128(rng: random.Random, generator: str) -> tuple[Matrix, Expected]:
    """A GS1-128 with GTIN, expiry date and lot."""
    gtin, lot = _gtin(rng), _lot(rng)
    expiry = date(2026, 1, 1) + timedelta(days=rng.randrange(700))
    text = f"01{gtin}17{expiry:%y%m%d}10{lot}"
    if generator == "python-barcode":
        from barcode import Gs1_128

        return _bars(Gs1_128(text).build()[0]), Expected(gtin, lot, expiry=expiry)
    matrix = _zint("GS1_128", f"(01){gtin}(17){expiry:%y%m%d}(10){lot}", gs1=True)
    return matrix, Expected(gtin, lot, expiry=expiry)


def gs1_datamatrix(rng: random.Random, generator: str) -> tuple[Matrix, Expected]:
    """A GS1 DataMatrix with GTIN, expiry, lot and serial (an item's code)."""
    gtin, lot, serial = _gtin(rng), _lot(rng), str(rng.randrange(10**5, 10**9))
    expiry = date(2026, 1, 1) + timedelta(days=rng.randrange(700))
    expected = Expected(gtin, lot, serial, expiry)
    if generator == "pystrich":
        from pystrich.datamatrix import FNC1, DataMatrixData, DataMatrixEncoder

        data = DataMatrixData(
            FNC1, f"01{gtin}17{expiry:%y%m%d}10{lot}", FNC1, f"21{serial}", encoding="ascii"
        )
        drawn = DataMatrixEncoder(data, quiet_zone=0).get_pilimage(cellsize=1).convert("L")
        return np.asarray(drawn) < 128, expected
    text = f"(01){gtin}(17){expiry:%y%m%d}(10){lot}(21){serial}"
    return _zint("DATAMATRIX", text, gs1=True), expected


def qr_digital_link(rng: random.Random, generator: str) -> tuple[Matrix, Expected]:
    """A QR code with a GS1 Digital Link URI (GTIN and lot) as on a consumer label."""
    gtin, lot = _gtin(rng), _lot(rng)
    uri = f"https://txng.example.vn/01/{gtin}/10/{lot}"
    if generator == "segno":
        import segno

        qr = segno.make_qr(uri, error="m", boost_error=False)
        return np.array(qr.matrix, dtype=np.bool_), Expected(gtin, lot)
    return _zint("QRCODE", uri), Expected(gtin, lot)


SYMBOLOGIES: dict[
    str, tuple[str, Callable[[random.Random, str], tuple[Matrix, Expected]], tuple[str, str]]
] = {
    "ean13": ("linear", ean13, ("python-barcode", "zint")),
    "gs1_128": ("linear", gs1_128, ("python-barcode", "zint")),
    "gs1_datamatrix": ("matrix", gs1_datamatrix, ("pystrich", "zint")),
    "qr_digital_link": ("matrix", qr_digital_link, ("segno", "zint")),
}


def _label(matrix: Matrix, kind: str, rng: random.Random) -> tuple[Image, int]:
    """The symbol drawn at DRAW pixels a module on white paper with its quiet zone."""
    quiet = 10 if kind == "linear" else 2
    if kind == "linear":
        bar_modules = max(30, int(matrix.shape[1] * rng.uniform(0.25, 0.4)))
        matrix = np.repeat(matrix, bar_modules, axis=0)
    padded = np.pad(matrix, ((2 if kind == "linear" else quiet,) * 2, (quiet, quiet)))
    drawn = np.kron(padded, np.ones((DRAW, DRAW), dtype=np.bool_))
    return np.where(drawn, 0, 255).astype(np.uint8), quiet


def _place(
    label: Image, module_px: float, rng: random.Random
) -> tuple[Image, npt.NDArray[np.float64]] | None:
    """Scale the label to `module_px` and paste it on a background; None if it does not fit."""
    scale = module_px / DRAW
    h, w = round(label.shape[0] * scale), round(label.shape[1] * scale)
    if w > WIDTH - 20 or h > HEIGHT - 20:
        return None
    small = cv2.resize(label, (w, h), interpolation=cv2.INTER_AREA)
    background = rng.uniform(70, 160)
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH]
    shade = background + rng.uniform(-25, 25) * (xx / WIDTH) + rng.uniform(-25, 25) * (yy / HEIGHT)
    frame = shade.astype(np.float64)
    x = rng.randrange(10, WIDTH - w - 9)
    y = rng.randrange(10, HEIGHT - h - 9)
    paper = rng.uniform(215, 245)
    ink = rng.uniform(15, 50)
    frame[y : y + h, x : x + w] = ink + (paper - ink) * (small / 255.0)
    corners = np.array([[x, y], [x + w, y], [x + w, y + h], [x, y + h]], dtype=np.float64)
    return frame, corners


def _warp(
    frame: npt.NDArray[np.float64], src: npt.NDArray[np.float64], dst: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    matrix = cv2.getPerspectiveTransform(src.astype(np.float32), dst.astype(np.float32))
    return cv2.warpPerspective(
        frame, matrix, (WIDTH, HEIGHT), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )


def _fits(points: npt.NDArray[np.float64]) -> bool:
    return bool(
        (points[:, 0] >= 2).all()
        and (points[:, 0] <= WIDTH - 3).all()
        and (points[:, 1] >= 2).all()
        and (points[:, 1] <= HEIGHT - 3).all()
    )


def _rotate(
    frame: npt.NDArray[np.float64], corners: npt.NDArray[np.float64], angle: float
) -> npt.NDArray[np.float64] | None:
    """Rotate the label about its centre, moved so that it stays in the frame; None if it cannot."""
    centre = corners.mean(axis=0)
    theta = np.radians(angle)
    rot = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    turned = (corners - centre) @ rot.T
    span = turned.max(axis=0) - turned.min(axis=0)
    if span[0] > WIDTH - 8 or span[1] > HEIGHT - 8:
        return None
    low = -turned.min(axis=0) + 4
    high = np.array([WIDTH, HEIGHT]) - turned.max(axis=0) - 4
    target = np.clip(centre, low, high)
    return _warp(frame, corners, turned + target)


def _degrade(
    frame: npt.NDArray[np.float64],
    corners: npt.NDArray[np.float64],
    kind: str,
    module_px: float,
    linear: bool,
    rng: random.Random,
    nrng: np.random.Generator,
) -> Image | None:
    w = corners[1, 0] - corners[0, 0]
    h = corners[3, 1] - corners[0, 1]
    if kind == "blur":
        sigma = rng.uniform(0.3, 0.55) * module_px
        frame = cv2.GaussianBlur(frame, (0, 0), sigma)
    elif kind == "perspective":
        # A label tilted by up to about 35 degrees: each corner moves up to 12 % of the size.
        moved = corners + np.array(
            [[rng.uniform(-0.12, 0.12) * w, rng.uniform(-0.12, 0.12) * h] for _ in range(4)]
        )
        if not _fits(moved):
            return None
        frame = _warp(frame, corners, moved)
    elif kind == "rotation":
        angle = rng.uniform(0, 360)
        turned = _rotate(frame, corners, angle)
        if turned is None:
            return None
        frame = turned
    elif kind == "low_contrast":
        # Faded ink or a grey label: 25 to 45 grey levels between ink and paper.
        low, high = frame.min(), frame.max()
        span = rng.uniform(25, 45)
        mid = rng.uniform(100, 170)
        frame = mid - span / 2 + (frame - low) * (span / max(1.0, high - low))
    elif kind == "glare":
        # A specular highlight on the symbol, saturated at its centre: on a matrix symbol up to
        # about a tenth of its area (within its error correction); on a linear one it covers
        # part of the bars' height, leaving rows to read across (as a scanner's user would).
        cx = corners[0, 0] + rng.uniform(0.2, 0.8) * w
        if linear:
            cy = corners[0, 1] + rng.uniform(0.3, 0.7) * h
            radius = rng.uniform(0.15, 0.3) * h
        else:
            cy = corners[0, 1] + rng.uniform(0.2, 0.8) * h
            radius = rng.uniform(0.1, 0.18) * max(w, h)
        yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH]
        d2 = ((xx - cx) ** 2 + (yy - cy) ** 2) / radius**2
        frame = frame + 255 * rng.uniform(0.8, 1.1) * np.exp(-d2)
    elif kind == "motion":
        # A box moving on the conveyor during the exposure: 0.6 to 1.3 modules of smear.
        length = max(2, round(rng.uniform(0.6, 1.3) * module_px))
        kernel = np.zeros((length, length), np.float64)
        kernel[length // 2, :] = 1.0 / length
        angle = rng.uniform(-20, 20)
        rot = cv2.getRotationMatrix2D(((length - 1) / 2, (length - 1) / 2), angle, 1.0)
        kernel = cv2.warpAffine(kernel, rot, (length, length))
        frame = cv2.filter2D(frame, -1, kernel / kernel.sum())
    sensor = 2.0
    if kind == "noise":
        sensor = rng.uniform(8, 18)
    frame = frame + nrng.normal(0, sensor, frame.shape)
    image = np.clip(frame, 0, 255).astype(np.uint8)
    if kind == "noise":  # an MJPEG webcam's compression on top of its sensor noise
        quality = rng.randint(55, 85)
        ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
        assert ok
        image = cv2.imdecode(encoded, cv2.IMREAD_GRAYSCALE)
    return image


def frames(per_cell: int = 3, seed: int = 99) -> Iterator[Frame]:
    """per_cell frames for each symbology, generator, module size and degradation."""
    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    for symbology, (kind, make, generators) in SYMBOLOGIES.items():
        for generator in generators:
            for module_px in MODULE_PX[symbology]:
                for degradation in DEGRADATIONS:
                    made = 0
                    while made < per_cell:
                        matrix, expected = make(rng, generator)
                        label, _ = _label(matrix, kind, rng)
                        placed = _place(label, module_px, rng)
                        if placed is None:  # a long GS1-128 at the largest size: a shorter lot
                            continue
                        linear = kind == "linear"
                        image = _degrade(*placed, degradation, module_px, linear, rng, nrng)
                        if image is None:
                            continue
                        made += 1
                        yield Frame(symbology, generator, module_px, degradation, expected, image)


def empty_frames(count: int = 48, seed: int = 21) -> Iterator[Image]:
    """Frames without a code: a label with printed text on the conveyor, degraded alike."""
    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    made = 0
    while made < count:
        label = np.full((rng.randint(120, 260), rng.randint(200, 420)), 255, np.uint8)
        for row in range(20, label.shape[0] - 10, 28):
            text = "".join(rng.choice("ABCDEFGH 0123456789 long nhan say") for _ in range(18))
            cv2.putText(label, text, (8, row), cv2.FONT_HERSHEY_SIMPLEX, 0.7, 0, 2)
        label = cv2.resize(label, None, fx=DRAW, fy=DRAW, interpolation=cv2.INTER_NEAREST)
        placed = _place(label, 1.0, rng)
        if placed is None:
            continue
        degradation = DEGRADATIONS[made % len(DEGRADATIONS)]
        image = _degrade(*placed, degradation, 2.0, False, rng, nrng)
        if image is not None:
            made += 1
            yield image
