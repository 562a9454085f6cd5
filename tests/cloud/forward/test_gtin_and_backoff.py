"""GTIN check digits, net content parsing, backoff bounds, Retry-After parsing."""

import pytest

from cloud.forward.adapter import Outcome
from cloud.forward.backoff import Backoff
from cloud.forward.errors import MissingData
from cloud.forward.http import classify, parse_retry_after
from cloud.forward.portal.build import net_content
from cloud.forward.portal.gtin import portal_gtin, valid_gtin


@pytest.mark.parametrize(
    "gtin", ["96385074", "4006381333931", "8936012345001", "08936012345001", "10614141000415"]
)
def test_valid_gtins(gtin: str) -> None:
    assert valid_gtin(gtin)


@pytest.mark.parametrize(
    "gtin", ["96385075", "4006381333932", "8936012345003", "123", "89360123450x1", ""]
)
def test_invalid_gtins(gtin: str) -> None:
    assert not valid_gtin(gtin)


def test_portal_gtin_strips_padding_and_names_the_field() -> None:
    assert portal_gtin("08936012345001") == "8936012345001"
    assert portal_gtin("00000096385074") == "96385074"
    assert portal_gtin("10614141000415") == "10614141000415"
    with pytest.raises(MissingData) as err:
        portal_gtin("08936012345003")
    assert err.value.field == "gtin"
    with pytest.raises(MissingData):
        portal_gtin(None)


def test_net_content() -> None:
    assert net_content("500 g") == (500.0, "g")
    assert net_content("1,5 kg") == (1.5, "kg")
    for bad in (None, "", "heavy", "500"):
        with pytest.raises(MissingData) as err:
            net_content(bad)
        assert err.value.field == "net_content"


def test_backoff_is_capped_and_jittered() -> None:
    backoff = Backoff(1.0, 60.0)
    assert backoff.delay_s(0, draw=1.0) == 1.0
    assert backoff.delay_s(3, draw=0.5) == 4.0
    assert backoff.delay_s(50, draw=1.0) == 60.0
    delays = {backoff.delay_s(4) for _ in range(20)}
    assert len(delays) > 1 and all(8.0 <= d <= 16.0 for d in delays)


def test_status_classes_and_retry_after() -> None:
    assert classify(200) is Outcome.ACCEPTED
    assert classify(429) is Outcome.RATE_LIMITED
    assert classify(400) is Outcome.PERMANENT
    assert classify(503) is Outcome.TRANSIENT and classify(None) is Outcome.TRANSIENT
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert parse_retry_after("soon") is None
