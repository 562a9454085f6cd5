import math

import pytest

from cloud.db.mkt import mean_kinetic_temperature, mkt_from_terms


def test_equally_spaced_2_4_6_8_is_5_30():
    assert mean_kinetic_temperature([2, 4, 6, 8]) == pytest.approx(5.30, abs=0.005)


def test_hand_computed():
    # ΔH/R = 10,000 K. Constant 5 °C → 5 °C; 0 and 25 °C → 19.35 °C (ln of the mean term ≈ -34.19).
    assert mean_kinetic_temperature([5.0] * 10) == pytest.approx(5.0)
    terms = math.exp(-10000 / 273.15) + math.exp(-10000 / 298.15)
    by_hand = 10000 / -math.log(terms / 2) - 273.15
    assert mean_kinetic_temperature([0, 25]) == pytest.approx(by_hand)
    assert by_hand == pytest.approx(19.35, abs=0.01)
    # MKT weighs warm samples more than the arithmetic mean does.
    assert mean_kinetic_temperature([0, 25]) > 12.5


def test_no_samples():
    with pytest.raises(ValueError):
        mkt_from_terms(0.0, 0)
