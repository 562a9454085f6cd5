"""One reading per physical code: of readings that cover the same part of an image, the best.

A decoder that scans a tilted linear symbol line by line can read it twice: rightly across
most of its height, and wrongly across a few lines whose wrong bars still pass Code 128's
checksum (bench/labels.py saw it on about 1 in 1,000 tilted GS1-128 labels). Codes do not lie
on top of each other, so readings whose boxes mostly overlap are one code, read once: the one
whose GS1 data validates (check digits, dates), then the one read across more of the symbol.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from edge.readers.gs1 import validates

# Readings are one code when their boxes' intersection is at least this share of the smaller.
SAME_CODE_OVERLAP = 0.5


@dataclass(frozen=True)
class Box:
    """An upright rectangle of the image a reading came from, in pixels."""

    left: float
    top: float
    right: float
    bottom: float

    @classmethod
    def around(cls, points: Sequence[tuple[float, float]]) -> "Box":
        """The upright box around the corners of a reading's position."""
        xs = [x for x, _ in points]
        ys = [y for _, y in points]
        return cls(min(xs), min(ys), max(xs), max(ys))

    @property
    def across(self) -> float:
        """The box's shorter side: how many lines of a linear symbol the reading spans."""
        return min(self.right - self.left, self.bottom - self.top)

    def overlaps(self, other: "Box") -> bool:
        """Whether the two boxes mostly cover the same pixels (a line read: 1 pixel tall)."""
        width = min(self.right, other.right) - max(self.left, other.left) + 1
        height = min(self.bottom, other.bottom) - max(self.top, other.top) + 1
        if width <= 0 or height <= 0:
            return False
        smaller = min(self._area(), other._area())
        return width * height >= SAME_CODE_OVERLAP * smaller

    def _area(self) -> float:
        return (self.right - self.left + 1) * (self.bottom - self.top + 1)


@dataclass(frozen=True)
class Located:
    """A reading with where it was read: `text` as the decoder gave it, `symbology` its AIM."""

    text: str
    symbology: str | None
    box: Box


def _rank(reading: Located) -> tuple[bool, float]:
    """Better first: valid GS1 data, then read across more of the symbol."""
    aim = reading.symbology or ""
    return validates(f"{aim}{reading.text}"), reading.box.across


def best(readings: Sequence[Located]) -> Located:
    """The most credible of readings of one code."""
    return max(readings, key=_rank)


def one_per_code(readings: Sequence[Located]) -> list[Located]:
    """The readings, one per code: of overlapping ones the best (in the decoder's order)."""
    if len(readings) < 2:
        return list(readings)
    clashing = {
        i
        for i, a in enumerate(readings)
        for j, b in enumerate(readings)
        if i != j and a.box.overlaps(b.box)
    }
    if not clashing:
        return list(readings)
    kept = [i for i in range(len(readings)) if i not in clashing]
    for i in sorted(clashing, key=lambda k: _rank(readings[k]), reverse=True):
        if not any(readings[i].box.overlaps(readings[k].box) for k in kept):
            kept.append(i)
    return [readings[i] for i in sorted(kept)]
