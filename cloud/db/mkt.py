"""Mean Kinetic Temperature (USP <1079>, ΔH = 83.144 kJ/mol) of equally spaced samples."""

import math
from collections.abc import Iterable

DELTA_H = 83_144.0  # J/mol
GAS_CONSTANT = 8.3144  # J/(mol·K)
KELVIN = 273.15
_RATIO = DELTA_H / GAS_CONSTANT  # 10,000 K


def arrhenius_term(celsius: float) -> float:
    """exp(-ΔH / (R·T)) of one sample: MKT averages these, not the temperatures."""
    return math.exp(-_RATIO / (celsius + KELVIN))


def arrhenius_sql(celsius: str) -> str:
    """SQL of arrhenius_term over the column `celsius` (the rollups and profiles sum it)."""
    return f"exp(-{_RATIO:.1f} / ({celsius} + {KELVIN}))"


def mkt_from_terms(term_sum: float, count: int) -> float:
    """MKT in °C from the sum of `count` Arrhenius terms (sums can be computed in SQL)."""
    if count <= 0:
        raise ValueError("MKT of no samples")
    return _RATIO / -math.log(term_sum / count) - KELVIN


def mean_kinetic_temperature(celsius: Iterable[float]) -> float:
    """MKT in °C of equally spaced temperatures in °C."""
    values = list(celsius)
    return mkt_from_terms(sum(arrhenius_term(v) for v in values), len(values))
