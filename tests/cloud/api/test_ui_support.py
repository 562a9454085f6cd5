"""Page filters: dates as dd/mm/yyyy, a time's date in Vietnam time."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from cloud.api.ui_support import templates

DATES = [
    date(2026, 12, 6), date(999, 1, 2), date(1, 1, 1),
    datetime(2026, 7, 20, 16, 59, tzinfo=UTC),  # 23:59 in Vietnam
    datetime(2026, 7, 20, 17, 0, tzinfo=UTC),  # the next day there
    datetime(2026, 7, 20, 17, 0),  # no offset: UTC
    datetime(2026, 12, 31, 20, 0, tzinfo=timezone(timedelta(hours=-5))),
]


@pytest.mark.parametrize("value", DATES)
def test_a_date_is_its_strftime_in_vietnam_time(value):
    at = value if not isinstance(value, datetime) else (
        value.replace(tzinfo=value.tzinfo or UTC).astimezone(timezone(timedelta(hours=7)))
    )
    assert templates.filters["d"](value) == at.strftime("%d/%m/%Y")


def test_no_date_is_a_dash():
    assert templates.filters["d"](None) == "—"
