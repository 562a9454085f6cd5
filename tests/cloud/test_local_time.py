"""Pages' and reports' times in Vietnam time, whatever zone a time comes in."""

from datetime import UTC, date, datetime, timedelta, timezone

from cloud.api.ui_support import templates
from cloud.local_time import LOCAL_TIME, local

EVENING_UTC = datetime(2026, 8, 4, 18, 30, tzinfo=UTC)  # already 5 August in Vietnam


def test_a_utc_evening_is_the_next_morning_in_vietnam():
    assert local(EVENING_UTC) == datetime(2026, 8, 5, 1, 30, tzinfo=LOCAL_TIME)
    assert local(EVENING_UTC.replace(tzinfo=None)) == local(EVENING_UTC)  # no offset: UTC
    elsewhere = EVENING_UTC.astimezone(timezone(timedelta(hours=-5)))
    assert local(elsewhere) == local(EVENING_UTC)


def test_page_filters_write_dates_and_times_in_vietnam_time():
    dt, d = templates.filters["dt"], templates.filters["d"]
    assert dt(EVENING_UTC) == "05/08/2026 01:30"
    assert d(EVENING_UTC) == "05/08/2026"
    assert d(date(2026, 8, 4)) == "04/08/2026"  # a date is a date
    assert dt(None) == d(None) == "—"
