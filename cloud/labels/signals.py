"""Counterfeit signals of a serialised code, from its public checks and configurable limits."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from itertools import combinations

from cloud.labels.provinces import PROVINCES, province_distance_km


class Signal(StrEnum):
    """Why a code deserves a second look."""

    NOT_COMMISSIONED = "not_commissioned"  # the producer never issued this serial in this lot
    CHECKED_OFTEN = "checked_often"  # more checks within the window than one pack gets
    FAR_APART = "far_apart"  # checked from provinces too far apart within the window


@dataclass(frozen=True)
class Limits:
    """When a signal is raised (TXNG_API_CHECKS_* settings)."""

    window: timedelta
    often: int  # this many checks within the window is unusual for one pack
    far_km: float  # provinces at least this far apart within the window


@dataclass(frozen=True)
class FarApart:
    """Two provinces a code was checked from, and how far apart they are."""

    first: str
    second: str
    km: float


def far_apart(provinces: list[str], limits: Limits) -> FarApart | None:
    """The farthest pair of known provinces, if at least `far_km` apart."""
    known = [PROVINCES[p] for p in dict.fromkeys(provinces) if p in PROVINCES]
    best: FarApart | None = None
    for a, b in combinations(known, 2):
        km = province_distance_km(a, b)
        if km >= limits.far_km and (best is None or km > best.km):
            best = FarApart(a.name, b.name, round(km))
    return best


def signals(
    *,
    commissioned: bool,
    window_start: datetime,
    window_checks: int,
    provinces: list[str],
    limits: Limits,
    now: datetime,
) -> list[Signal]:
    """The signals a code raises now (`provinces`: those shared within the window)."""
    found = []
    if not commissioned:
        found.append(Signal.NOT_COMMISSIONED)
    if window_checks >= limits.often and now - window_start <= limits.window:
        found.append(Signal.CHECKED_OFTEN)
    if far_apart(provinces, limits) is not None:
        found.append(Signal.FAR_APART)
    return found
