"""The time people read: Vietnam time, in which pages and reports show every time.

Vietnam keeps one offset all year (Asia/Ho_Chi_Minh, UTC+07:00, no daylight saving time), and
the master data gives sites no time zone of their own: every page shows this one, named.
"""

from datetime import UTC, datetime, timedelta, timezone
from typing import Final

ZONE_NAME: Final = "Asia/Ho_Chi_Minh"
LOCAL_TIME: Final = timezone(timedelta(hours=7), "UTC+07:00")


def local(at: datetime) -> datetime:
    """`at` in Vietnam time (a time without an offset is taken as UTC, as the database keeps)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(LOCAL_TIME)
