"""A cold-chain profile: allowed range, durations before an alert, hysteresis, MKT, silence."""

from dataclasses import dataclass


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
