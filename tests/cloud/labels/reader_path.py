"""Read label images the way an edge camera does: zxing-cpp, then the scan's GS1 parsing."""

from collections import Counter

import cv2
import numpy as np

from contract import ScanEvent
from edge.clock import Clock, ClockSync
from edge.readers.barcode_decoders import ZxingDecoder
from edge.readers.base import ReaderContext
from edge.readers.scan_text import code_scan

CONTEXT = ReaderContext(Clock(ClockSync.SYNCED))
DECODER = ZxingDecoder()


def scanned(image: np.ndarray) -> list[ScanEvent]:
    """The scan events the camera reader would emit for this frame."""
    counters: Counter[str] = Counter()
    scans = []
    for code in DECODER.decode(image):
        scan = code_scan(
            CONTEXT, reader="camera-1", location="packing-line-1", biz_step="packing",
            text=code.text, symbology=code.symbology, counters=counters,
        )
        if scan is not None:
            scans.append(scan)
    return scans


def photographed(
    pixels: np.ndarray, *, scale: float = 1.0, angle: float = 0.0, blur: int = 0
) -> np.ndarray:
    """A printed symbol as a camera sees it: resampled, turned by `angle` degrees, blurred."""
    image = pixels
    if scale != 1.0:
        image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    image = cv2.copyMakeBorder(image, 40, 40, 40, 40, cv2.BORDER_CONSTANT, value=255)
    if angle:
        h, w = image.shape
        turn = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
        image = cv2.warpAffine(image, turn, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)
    if blur:
        image = cv2.GaussianBlur(image, (blur, blur), 0)
    return image
