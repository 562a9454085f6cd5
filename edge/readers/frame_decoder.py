"""One camera frame to the codes in it: grayscale, region of interest, locate, decode.

With `locate` (the default) the decoder reads the regions the locator finds, not the whole
frame: a linear symbol turned upright, doubled and sharpened (then unsharpened), a matrix
symbol cropped and sharpened (then as it is); only when no region yields a code is the whole
frame decoded. On bench/readers.py's frames (other libraries' symbols, blurred, noisy, tilted,
turned, faded, glared, smeared) this reads 99.5 % correctly where the whole frame alone reads
81 %, at a lower median CPU time; a frame without a code costs more than the whole frame's
decode alone (README, Scaling).
"""

from dataclasses import dataclass

from edge.readers.barcode_decoders import Decoded, Decoder, Image, Symbols
from edge.readers.barcode_locator import Candidate, bars_upright, locate, upright_crop


@dataclass(frozen=True)
class Region:
    """A rectangle of the frame, in pixels."""

    x: int
    y: int
    width: int
    height: int


class FrameDecoder:
    """Reads the codes of one frame (BGR or grayscale) with `decoder`."""

    LINEAR_ATTEMPTS: tuple[tuple[float, bool], ...] = ((2.0, True), (2.0, False))

    def __init__(self, decoder: Decoder, *, roi: Region | None = None, locate: bool = True):
        self.decoder = decoder
        self.roi = roi
        self.locate = locate

    def decode(self, frame: Image) -> list[Decoded]:
        """Every code read in the frame (each text once)."""
        import cv2

        if frame.ndim == 3:
            frame = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)  # type: ignore[assignment]
        roi = self.roi
        if roi is not None:
            frame = frame[roi.y : roi.y + roi.height, roi.x : roi.x + roi.width]
            if frame.size == 0:
                raise ValueError("the region of interest lies outside the frame")
        found: dict[str, Decoded] = {}
        if self.locate:
            for candidate in locate(frame):
                for code in self._read_region(frame, candidate):
                    found.setdefault(code.text, code)
        if not found:
            for code in self.decoder.decode(frame):
                found.setdefault(code.text, code)
        return list(found.values())

    def _read_region(self, gray: Image, candidate: Candidate) -> list[Decoded]:
        decode = self.decoder.decode
        if candidate.linear:
            for scale, sharpen in self.LINEAR_ATTEMPTS:
                crop = bars_upright(gray, candidate, scale=scale, sharpen=sharpen)
                codes = decode(crop, symbols="linear")
                if codes:
                    return codes
        # Bars that were not read may still be a matrix symbol's edge: then every symbology.
        symbols: Symbols = "any" if candidate.linear else "matrix"
        for sharpen in (True, False):
            codes = decode(upright_crop(gray, candidate, sharpen=sharpen), symbols=symbols)
            if codes:
                return codes
        return []
