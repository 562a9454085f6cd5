"""Where the codes are in a frame: textured regions, and the bars' direction in each.

At half resolution, the gradient's structure tensor (averaged over a 9-pixel box) marks
regions of strong texture; each region whose gradients mostly point one way (its coherence)
is a linear symbol's bars, the rest matrix symbols (or anything else textured). The decoder
then reads small crops: a linear symbol turned so that its bars stand upright, upscaled and
sharpened; a matrix symbol as an upright crop.
"""

from dataclasses import dataclass
from typing import Any, cast

from edge.readers.barcode_decoders import Image

# Regions: texture energy above this many times the frame's median (and an absolute floor).
_ENERGY_OVER_MEDIAN = 8.0
_ENERGY_FLOOR = 2000.0
_MIN_AREA = 150  # half-resolution pixels
_MAX_CANDIDATES = 6
# Gradients this coherent (0 = every direction, 1 = one direction) are a linear symbol's.
LINEAR_COHERENCE = 0.15


@dataclass(frozen=True)
class Candidate:
    """A textured region of the frame (full-resolution pixels)."""

    centre: tuple[float, float]
    size: tuple[float, float]
    rect_angle: float
    coherence: float
    bars_angle: float  # the gradients' mean direction: across a linear symbol's bars

    @property
    def linear(self) -> bool:
        """Whether the region looks like bars (gradients mostly one way)."""
        return self.coherence > LINEAR_COHERENCE


def locate(gray: Image) -> list[Candidate]:
    """The textured regions of a grayscale frame, largest first."""
    import cv2
    import numpy as np

    small = cv2.resize(
        gray, (gray.shape[1] // 2, gray.shape[0] // 2), interpolation=cv2.INTER_AREA
    ).astype(np.float32)
    gx = cv2.Sobel(small, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(small, cv2.CV_32F, 0, 1, ksize=3)
    jxx = cv2.boxFilter(gx * gx, -1, (9, 9))
    jyy = cv2.boxFilter(gy * gy, -1, (9, 9))
    jxy = cv2.boxFilter(gx * gy, -1, (9, 9))
    energy = jxx + jyy
    threshold = max(float(np.median(energy)) * _ENERGY_OVER_MEDIAN, _ENERGY_FLOOR)
    mask: Any = (energy > threshold).astype(np.uint8)
    for operation, side in ((cv2.MORPH_CLOSE, 7), (cv2.MORPH_OPEN, 5)):
        kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (side, side))
        mask = cv2.morphologyEx(mask, operation, kernel)
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    regions = sorted(
        (c for c in contours if cv2.contourArea(c) >= _MIN_AREA), key=cv2.contourArea, reverse=True
    )
    found = []
    for contour in regions[:_MAX_CANDIDATES]:
        x, y, w, h = cv2.boundingRect(contour)
        inside = np.zeros((h, w), np.uint8)
        cv2.drawContours(inside, [contour - (x, y)], -1, 1, -1, offset=(0, 0))
        box = inside.astype(bool)
        a = float(jxx[y : y + h, x : x + w][box].sum())
        b = float(jyy[y : y + h, x : x + w][box].sum())
        d = float(jxy[y : y + h, x : x + w][box].sum())
        coherence = float(np.sqrt((a - b) ** 2 + 4 * d * d)) / max(a + b, 1e-6)
        (cx, cy), (rw, rh), angle = cv2.minAreaRect(contour * 2)
        found.append(
            Candidate(
                centre=(cx, cy),
                size=(rw, rh),
                rect_angle=angle,
                coherence=coherence,
                bars_angle=0.5 * float(np.degrees(np.arctan2(2 * d, a - b))),
            )
        )
    return found


def _rect(candidate: Candidate) -> Any:
    return (candidate.centre, candidate.size, candidate.rect_angle)


def bars_upright(gray: Image, candidate: Candidate, *, scale: float, sharpen: bool) -> Image:
    """The region with its bars upright, widened `scale` times (sharpened across the bars)."""
    import cv2
    import numpy as np

    cx, cy = candidate.centre
    turn = cv2.getRotationMatrix2D((cx, cy), candidate.bars_angle, 1.0)
    turn = np.diag([scale, 1.0]) @ turn  # only across the bars: rows add nothing
    corners = cv2.transform(cv2.boxPoints(_rect(candidate))[None], turn)[0]
    low, high = corners.min(axis=0), corners.max(axis=0)
    width = int((high[0] - low[0]) * 1.25 + 16 * scale)
    height = int((high[1] - low[1]) * 1.25 + 16)
    turn[0, 2] += width / 2 - (low[0] + high[0]) / 2
    turn[1, 2] += height / 2 - (low[1] + high[1]) / 2
    crop: Any = cv2.warpAffine(
        gray, turn, (width, height), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE
    )
    if not sharpen:
        return cast(Image, crop)
    along = cv2.blur(crop, (1, 9))
    sharpened: Image = cv2.addWeighted(
        along, 2.0, cv2.GaussianBlur(along, (0, 0), 1.5 * scale, sigmaY=0.1), -1.0, 0
    )
    return sharpened


def upright_crop(gray: Image, candidate: Candidate, *, sharpen: bool) -> Image:
    """The region's upright bounding box with a margin (doubled when small)."""
    import cv2

    corners = cv2.boxPoints(_rect(candidate))
    low, high = corners.min(axis=0), corners.max(axis=0)
    (cx, cy), (w, h) = (low + high) / 2, (high - low) * 1.3 + 16
    x0, y0 = max(0, int(cx - w / 2)), max(0, int(cy - h / 2))
    x1, y1 = min(gray.shape[1], int(cx + w / 2)), min(gray.shape[0], int(cy + h / 2))
    crop: Any = gray[y0:y1, x0:x1]
    if sharpen:
        crop = cv2.addWeighted(crop, 2.0, cv2.GaussianBlur(crop, (0, 0), 2.0), -1.0, 0)
    if max(crop.shape) < 200:
        crop = cv2.resize(crop, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
    return cast(Image, crop)
