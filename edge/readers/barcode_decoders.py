"""Image barcode decoders behind one small interface: zxing-cpp (default) and pyzbar."""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

from edge.readers.one_per_code import Box, Located, best, one_per_code

if TYPE_CHECKING:  # numpy, OpenCV and the decoders load only when a camera runs
    import numpy as np
    import numpy.typing as npt

    Image = npt.NDArray[np.uint8]
else:
    Image = Any
DecoderName = Literal["zxing", "pyzbar"]
# What a decode looks for: anything, one linear symbol with upright bars, or matrix symbols.
Symbols = Literal["any", "linear", "matrix"]

# zbar names symbologies but not AIM identifiers; the nearest identifier for each (no FNC1 info).
_ZBAR_AIM = {
    "QRCODE": "]Q1", "CODE128": "]C0", "EAN13": "]E0", "EAN8": "]E4", "UPCA": "]E0",
    "UPCE": "]E0", "I25": "]I0", "CODE39": "]A0", "DATABAR": "]e0", "DATABAR_EXP": "]e0",
}


@dataclass(frozen=True)
class Decoded:
    """One code found in an image."""

    text: str
    symbology: str | None


class Decoder(Protocol):
    """Finds barcodes in a grayscale image."""

    def decode(self, image: Image, *, symbols: Symbols = "any") -> list[Decoded]:
        """Every code read in the image.

        Readings of one code are one reading (edge/readers/one_per_code.py). With "linear"
        the image is one linear symbol with upright bars: only linear symbologies are tried,
        and of several reads one is kept (a stray read of part of the bars can pass a check
        digit); "matrix" tries only matrix symbologies (a region the locator found without
        bars).
        """


class ZxingDecoder:
    """zxing-cpp: reads GS1 DataMatrix/QR/128 and reports the AIM identifier (e.g. ]d2).

    It looks for the symbologies that carry GS1 keys (EAN/UPC, ITF-14, GS1-128 and Code 128,
    DataBar, DataMatrix, QR), dark on light unless `inverted` (light marks on a dark part):
    each other symbology or polarity is another pass over a frame without codes.
    """

    def __init__(self, *, inverted: bool = False) -> None:
        import zxingcpp

        self._zx: Any = zxingcpp
        self._inverted = inverted
        f = zxingcpp.BarcodeFormat
        linear = (f.EANUPC, f.ITF, f.Code128, f.DataBar, f.DataBarExp, f.DataBarLtd)
        matrix = (f.DataMatrix, f.QRCode)
        self._formats = {"any": (*linear, *matrix), "linear": linear, "matrix": matrix}

    def decode(self, image: Image, *, symbols: Symbols = "any") -> list[Decoded]:
        """Every valid code, text as sent by a scanner (GS as 0x1D).

        A region (linear or matrix) is not also read downscaled: the locator sized it.
        """
        results = self._zx.read_barcodes(
            image,
            formats=self._formats[symbols],
            try_rotate=symbols != "linear",
            try_downscale=symbols == "any",
            try_invert=self._inverted,
            text_mode=self._zx.TextMode.Plain,
        )
        valid = [_located(r) for r in results if r.valid and r.text]
        return _one_per_code(valid, single=symbols == "linear")


def _located(result: Any) -> Located:
    """A zxing-cpp result with the box around its position."""
    p = result.position
    corners = (p.top_left, p.top_right, p.bottom_right, p.bottom_left)
    box = Box.around([(float(c.x), float(c.y)) for c in corners])
    return Located(result.text, result.symbology_identifier or None, box)


def _one_per_code(readings: list[Located], *, single: bool) -> list[Decoded]:
    """One reading per code (`single`: the image is one code) as Decoded values."""
    if single and len(readings) > 1:
        readings = [best(readings)]
    return [Decoded(r.text, r.symbology) for r in one_per_code(readings)]


class PyzbarDecoder:
    """pyzbar (libzbar0): QR, EAN/UPC, Code 128 and more; no DataMatrix, no FNC1."""

    def __init__(self) -> None:
        from pyzbar import pyzbar

        self._zbar: Any = pyzbar
        kinds = pyzbar.ZBarSymbol
        self._linear = [kinds.EAN13, kinds.EAN8, kinds.UPCA, kinds.UPCE, kinds.I25, kinds.CODE128]
        self._linear += [kinds.DATABAR, kinds.DATABAR_EXP]
        self._matrix = [kinds.QRCODE]

    def decode(self, image: Image, *, symbols: Symbols = "any") -> list[Decoded]:
        """Every code zbar reads (its only matrix symbology is QR)."""
        found: list[Located] = []
        wanted = {"any": None, "linear": self._linear, "matrix": self._matrix}[symbols]
        read = self._zbar.decode(image, symbols=wanted)
        for symbol in read:
            data: bytes = symbol.data
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                text = data.decode("latin-1")
            x, y, w, h = symbol.rect
            found.append(Located(text, _ZBAR_AIM.get(symbol.type), Box(x, y, x + w, y + h)))
        return _one_per_code(found, single=symbols == "linear")


def make_decoder(name: DecoderName, *, inverted: bool = False) -> Decoder:
    """The decoder called `name`; ImportError when its package is missing."""
    if name == "pyzbar":
        return PyzbarDecoder()
    return ZxingDecoder(inverted=inverted)


class HoldOff:
    """A code seen again within `hold_off_s` of its last sighting is the same scan."""

    def __init__(self, hold_off_s: float) -> None:
        self.hold_off_s = hold_off_s
        self._last: dict[str, float] = {}

    def is_new(self, code: str, now: float) -> bool:
        """Record a sighting; True when it starts a new scan."""
        last = self._last.get(code)
        self._last[code] = now
        if len(self._last) > 1024:
            self._last = {k: t for k, t in self._last.items() if now - t <= self.hold_off_s}
        return last is None or now - last > self.hold_off_s
