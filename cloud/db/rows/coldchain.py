"""Cold-chain values: a profile (range, alert durations, hysteresis, MKT), samples, spans."""

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Profile:
    """One row of cold_chain_profiles, typed."""

    id: str
    quantity: str
    min_value: float | None
    max_value: float | None
    single_excursion_s: int
    cumulative_excursion_s: int | None
    hysteresis: float
    mkt_max: float | None
    silent_after_s: int

    def is_high(self, value: float) -> bool:
        """The value is above the allowed range."""
        return self.max_value is not None and value > self.max_value

    def is_low(self, value: float) -> bool:
        """The value is below the allowed range."""
        return self.min_value is not None and value < self.min_value

    def clears_high(self, value: float) -> bool:
        """The value is back inside by the hysteresis margin, ending a high excursion."""
        return self.max_value is None or value <= self.max_value - self.hysteresis

    def clears_low(self, value: float) -> bool:
        """The value is back inside by the hysteresis margin, ending a low excursion."""
        return self.min_value is None or value >= self.min_value + self.hysteresis


@dataclass(frozen=True)
class Sample:
    """One reading: which probe, when (device time), what value."""

    probe: str
    time: datetime
    value: float


@dataclass(frozen=True)
class Span:
    """An excursion: `end` None while it goes on; `last` is the newest time seen inside it."""

    direction: str  # 'high' or 'low'
    start: datetime
    end: datetime | None
    last: datetime
    peak: float

    @property
    def duration(self) -> timedelta:
        """How long it lasted, or has lasted so far (to the newest reading inside it)."""
        return (self.end or self.last) - self.start
