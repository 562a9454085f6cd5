"""Readings' COPY text: what PostgreSQL stores is what the readings held, however odd.

`message_reading_copy` writes a message's rows in one msgspec call when that is safe and row by
row otherwise; both forms must read back (as CSV, and from PostgreSQL) as the readings' values.
"""

import math
import re
import string
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID

import psycopg2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cloud.db import ingest_store
from cloud.db.ingest_store import message_reading_copy, store_reading_copy

SITE, DEVICE = "hy-longan", "pi-cold-01"
RECEIVED = datetime(2026, 11, 1, 6, 0, 0, 123456, tzinfo=UTC)


@dataclass(frozen=True)
class Reading:
    """Any values in a reading's fields (the contract's readings are a narrow case of these)."""

    id: UUID
    device_time: datetime
    seq: int
    clock: str
    sensor: str
    location: str
    quantity: str
    value: float
    unit: str
    quality: str


def plain(seq: int, *, value: float = 4.5, sensor: str = "probe-1") -> Reading:
    """A reading as the edge sends them."""
    at = datetime(2026, 11, 1, 5, 0, tzinfo=UTC) + timedelta(milliseconds=10 * seq)
    return Reading(
        UUID(int=(seq + 1) * 7919),
        at,
        seq,
        "synced",
        sensor,
        "cold-room-1",
        "temperature",
        value,
        "CEL",
        "good",
    )


# Text that COPY, JSON or the row separator treat specially (PostgreSQL refuses NUL in text).
ODD_TEXTS = [
    "",
    '"',
    "\\",
    "\\N",
    "a,b",
    ",",
    "\n",
    "\r\n",
    "\t",
    "],[",
    "]\t[",
    "null",
    "é ∑",
    'x\\"y',
]
texts = st.one_of(
    st.sampled_from(["synced", "probe-1", "cold-room-1", "temperature", "CEL", "good"]),
    st.sampled_from(ODD_TEXTS),
    st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=12),
    st.text(string.ascii_letters + string.digits + '-_.,[]"\\', max_size=8),
)
offsets = st.one_of(
    st.just(UTC),
    st.integers(-23 * 3600 + 1, 23 * 3600 - 1).map(lambda s: timezone(timedelta(seconds=s))),
)


@st.composite
def readings(draw: st.DrawFn, *, odd: bool) -> Reading:
    """A plain reading, or (when `odd`) one whose every field may be odd."""
    if not odd:
        return plain(draw(st.integers(0, 10**6)), value=draw(st.floats(-273.15, 1000.0)))
    at = draw(st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(9000, 1, 1)))
    return Reading(
        draw(st.uuids()),
        at.replace(tzinfo=draw(offsets)),
        draw(st.integers(0, 2**63 - 1)),
        draw(texts),
        draw(texts),
        draw(texts),
        draw(texts),
        draw(st.floats(allow_nan=True, allow_infinity=True)),
        draw(texts),
        draw(texts),
    )


_ESCAPED = re.compile(r"\\(.)")
_UNESCAPE = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}


def _field(text: str) -> str | None:
    """One COPY text field's value (None for NULL)."""
    return None if text == "\\N" else _ESCAPED.sub(lambda m: _UNESCAPE[m.group(1)], text)


def parsed(copy: bytes) -> list[list[str | None]]:
    """The rows of COPY text as PostgreSQL reads them (text format: tabs, newlines, escapes)."""
    lines = copy.decode().split("\n")
    assert lines.pop() == ""  # every row ends with a newline
    return [[_field(text) for text in line.split("\t")] for line in lines]


def same_float(a: float, b: float) -> bool:
    """Equal, or both NaN (and zeros of the same sign)."""
    return (math.isnan(a) and math.isnan(b)) or (
        a == b and math.copysign(1, a) == math.copysign(1, b)
    )


def assert_holds(row: list[str | None] | tuple[object, ...], reading: Reading) -> None:
    """A row read back (COPY text or PostgreSQL values) holds the reading's values."""
    time, item_id, seq, clock, sensor, location, quantity, value, unit, quality = row[:10]
    if isinstance(time, str):
        time, seq, value = datetime.fromisoformat(time), int(str(seq)), float(str(value))
    assert time == reading.device_time
    assert (UUID(str(item_id)), seq) == (reading.id, reading.seq)
    assert (clock, sensor, location, quantity) == (
        reading.clock,
        reading.sensor,
        reading.location,
        reading.quantity,
    )
    assert isinstance(value, float) and same_float(value, reading.value)
    assert (unit, quality) == (reading.unit, reading.quality)


@settings(max_examples=300, deadline=None)
@given(
    items=st.lists(st.booleans().flatmap(lambda odd: readings(odd=odd)), min_size=1, max_size=12)
)
def test_copy_text_reads_back_as_the_readings(items: list[Reading]) -> None:
    rows = parsed(message_reading_copy(SITE, DEVICE, RECEIVED, items))
    assert len(rows) == len(items)
    for row, reading in zip(rows, items, strict=True):
        assert len(row) == 13
        assert_holds(row, reading)
        assert row[10:12] == [SITE, DEVICE]
        assert datetime.fromisoformat(str(row[12])) == RECEIVED


@settings(max_examples=100, deadline=None)
@given(items=st.lists(readings(odd=False), min_size=1, max_size=20))
def test_plain_readings_are_written_in_one_call(items: list[Reading]) -> None:
    end = f"\t{SITE}\t{DEVICE}\t{RECEIVED.isoformat()}\n".encode()
    one_call = ingest_store._rows_in_one_call(items, end)
    assert one_call is not None
    assert message_reading_copy(SITE, DEVICE, RECEIVED, items) == one_call


@pytest.mark.parametrize(
    "odd",
    [
        {"unit": 'C"EL'},
        {"unit": "C\\EL"},
        {"sensor": "probe\n1"},
        {"sensor": "probe,1"},
        {"sensor": "\\N"},
        {"location": "null"},
        {"value": math.nan},
        {"value": math.inf},
        {"device_time": datetime(2026, 11, 1, 5, tzinfo=timezone(timedelta(seconds=19815)))},
    ],
)
def test_a_message_with_an_odd_reading_is_written_row_by_row(odd: dict[str, object]) -> None:
    items = [plain(0), Reading(**{**plain(1).__dict__, **odd}), plain(2)]
    assert ingest_store._rows_in_one_call(items, b"\n") is None
    rows = parsed(message_reading_copy(SITE, DEVICE, RECEIVED, items))
    for row, reading in zip(rows, items, strict=True):
        assert_holds(row, reading)


ODD_READINGS = [
    Reading(**{**plain(10 + k).__dict__, field: value})
    for k, (field, value) in enumerate(
        [
            ("unit", 'C"E,L'),
            ("unit", "C\\EL\\N"),
            ("sensor", "probe\r\n1\t"),
            ("sensor", ""),
            ("sensor", "a,b"),
            ("location", "\\N"),
            ("location", "],[null"),
            ("quality", "é ∑"),
            ("value", math.nan),
            ("value", -math.inf),
            ("value", -0.0),
            ("value", 5e-324),
            ("device_time", datetime(2026, 11, 1, 5, tzinfo=timezone(timedelta(seconds=19815)))),
            ("device_time", datetime(1970, 1, 2, 0, 0, 0, 1, tzinfo=UTC)),
        ]
    )
]
COLUMNS = (
    "time, id, seq, clock, sensor, location, quantity, value, unit, quality, site_id, device_id"
)


def test_postgresql_stores_what_the_readings_held(database_url: str) -> None:
    plain_message = [plain(k, value=2.0 + k / 10) for k in range(10)]
    chunks = [
        message_reading_copy(SITE, DEVICE, RECEIVED, plain_message),
        message_reading_copy(SITE, DEVICE, RECEIVED, ODD_READINGS),
    ]
    with psycopg2.connect(database_url) as conn, conn.cursor() as cur:
        assert store_reading_copy(cur, chunks, 10 + len(ODD_READINGS)) == 10 + len(ODD_READINGS)
        cur.execute(f"SELECT {COLUMNS}, received_at FROM readings ORDER BY seq")
        stored = cur.fetchall()
    conn.close()
    assert len(stored) == 10 + len(ODD_READINGS)
    for row, reading in zip(stored, plain_message + ODD_READINGS, strict=True):
        assert_holds(row, reading)
        assert row[10:] == (SITE, DEVICE, RECEIVED)


def test_a_redelivery_stores_only_the_new_readings(database_url: str) -> None:
    first = [plain(k) for k in range(5)]
    again = [*first[2:], plain(5), ODD_READINGS[0]]
    with psycopg2.connect(database_url) as conn, conn.cursor() as cur:
        assert (
            store_reading_copy(cur, [message_reading_copy(SITE, DEVICE, RECEIVED, first)], 5) == 5
        )
        chunk = message_reading_copy(SITE, DEVICE, RECEIVED, again)
        assert store_reading_copy(cur, [chunk], len(again), held=False) == 2
        assert store_reading_copy(cur, [chunk], len(again), held=True) == len(again)
        cur.execute(f"SELECT {COLUMNS} FROM readings ORDER BY seq")
        stored = cur.fetchall()
        cur.execute(f"SELECT {COLUMNS} FROM quarantine_readings ORDER BY seq")
        held = cur.fetchall()
    conn.close()
    for row, reading in zip(stored, [*first, plain(5), ODD_READINGS[0]], strict=True):
        assert_holds(row, reading)
    for row, reading in zip(held, again, strict=True):
        assert_holds(row, reading)
