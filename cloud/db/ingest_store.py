"""SQL of the ingester: device admission, bulk COPY of items, status and dead letters."""

import hashlib
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import groupby
from operator import attrgetter
from typing import Any, NamedTuple, Protocol
from uuid import UUID

import msgspec
import psycopg2.errors
from psycopg2.extensions import cursor as Cursor
from psycopg2.extras import execute_values

from cloud.db.events_store import EVENT_COLUMNS
from contract import DeviceStatus, ScanEvent

DeviceKey = tuple[str, str]

_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})

READING_COLUMNS = (
    "time",
    "id",
    "site_id",
    "device_id",
    "seq",
    "clock",
    "sensor",
    "location",
    "quantity",
    "value",
    "unit",
    "quality",
    "received_at",
)
# The ingester's COPY of readings has this order: a reading's fields, then its message's.
_READING_ROW_FIELDS = (
    "device_time",
    "id",
    "seq",
    "clock",
    "sensor",
    "location",
    "quantity",
    "value",
    "unit",
    "quality",
)
_READING_COPY_COLUMNS = ("time", *_READING_ROW_FIELDS[1:], "site_id", "device_id", "received_at")
assert sorted(_READING_COPY_COLUMNS) == sorted(READING_COLUMNS)
_READING_ROW = attrgetter(*_READING_ROW_FIELDS)
_TIME_ZONE = attrgetter("device_time.tzinfo")
_JSON = msgspec.json.Encoder()


class Received(NamedTuple):
    """An item with where it came from and when the ingester received it (one per item: light)."""

    site: str
    device: str
    received_at: datetime
    item: Any


@dataclass(frozen=True)
class DeadLetter:
    """A message or item that could not be stored, with the reason."""

    topic: str
    payload: bytes
    reason: str
    detail: str
    received_at: datetime
    field: str | None = None
    item_index: int | None = None
    site: str | None = None
    device: str | None = None
    whole_sha256: bytes | None = None  # when `payload` is only the message's beginning


def _text(value: object) -> str:
    if value is None:
        return "\\N"
    return str(value).translate(_COPY_ESCAPES)


class ReadingFields(Protocol):
    """What a reading's row is made of: a contract SensorReading, or the ingester's fast twin.

    Enums may be their members or their values (StrEnum members are strings of their values).
    """

    @property
    def id(self) -> UUID: ...
    @property
    def device_time(self) -> datetime: ...
    @property
    def seq(self) -> int: ...
    @property
    def clock(self) -> str: ...
    @property
    def sensor(self) -> str: ...
    @property
    def location(self) -> str: ...
    @property
    def quantity(self) -> str: ...
    @property
    def value(self) -> float: ...
    @property
    def unit(self) -> str: ...
    @property
    def quality(self) -> str: ...


class _Chunks:
    """COPY input read chunk by chunk (psycopg2 sends each as it comes): no joined copy."""

    def __init__(self, chunks: Iterable[bytes]):
        self._chunks = iter([chunk for chunk in chunks if chunk])  # b"" would end the COPY

    def read(self, size: int = -1) -> bytes:
        """The next chunk, whatever `size` asks (b"" at the end)."""
        return next(self._chunks, b"")

    def readline(self, size: int = -1) -> bytes:
        """Never called by COPY FROM (psycopg2's stubs ask for it): the next chunk."""
        return self.read(size)


def _copy(
    cur: Cursor, table: str, columns: Sequence[str], chunks: Sequence[bytes], rows: int
) -> int:
    """Store COPY text, keeping rows whose (id, time) is already there; return how many are new.

    The common case (nothing stored yet) is one COPY straight into the table. If any row is
    already there (a redelivery), that COPY is undone and the rows go through a stage table
    and INSERT … ON CONFLICT DO NOTHING instead.
    """
    column_list = ", ".join(columns)
    cur.execute("SAVEPOINT txng_copy")
    try:
        cur.copy_expert(f"COPY {table} ({column_list}) FROM STDIN", _Chunks(chunks))
    except psycopg2.errors.UniqueViolation:
        cur.execute("ROLLBACK TO SAVEPOINT txng_copy")
        return _copy_new(cur, table, column_list, chunks)
    cur.execute("RELEASE SAVEPOINT txng_copy")
    return rows


def _copy_new(cur: Cursor, table: str, column_list: str, chunks: Sequence[bytes]) -> int:
    """COPY text into a per-transaction stage table, then insert what is new; return the count."""
    stage = f"stage_{table}"
    cur.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {stage} "
        f"(LIKE {table} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
    )
    cur.copy_expert(f"COPY {stage} ({column_list}) FROM STDIN", _Chunks(chunks))
    cur.execute(
        f"INSERT INTO {table} ({column_list}) SELECT {column_list} FROM {stage} "
        "ON CONFLICT (id, time) DO NOTHING"
    )
    return int(cur.rowcount)


def message_reading_copy(
    site: str, device: str, received_at: datetime, readings: Sequence[ReadingFields]
) -> bytes:
    """One message's readings as COPY text rows of the readings table (formatting only).

    msgspec writes the rows in one call, each as a JSON array of its fields: with its quotes
    dropped and its commas made tabs, that is the row's COPY text, unless a string held a comma
    or needed a JSON escape (a quote, a backslash, a control character: COPY text escapes some
    of those differently), a value was JSON's null (NaN, infinities, None), or a time is not in
    UTC (msgspec would drop an offset's seconds). Such a message is written row by row instead.
    (PostgreSQL reads this text with less CPU than the same rows as quoted CSV.)
    """
    tail = f"\t{_text(site)}\t{_text(device)}\t{received_at.isoformat()}\n"
    rows = _rows_in_one_call(readings, tail.encode())
    if rows is not None:
        return rows
    return "".join([_reading_text(reading) + tail for reading in readings]).encode()


_TABS = bytes.maketrans(b",", b"\t")  # JSON's separators as COPY's (with its quotes deleted)


def _rows_in_one_call(readings: Sequence[ReadingFields], end: bytes) -> bytes | None:
    """The COPY rows of `readings`, each ended by `end`, from one msgspec call; None if unsafe."""
    if not readings or set(map(_TIME_ZONE, readings)) != {UTC}:
        return None
    try:
        text = _JSON.encode(list(map(_READING_ROW, readings)))
    except (TypeError, msgspec.EncodeError):
        return None  # a value msgspec cannot write
    separators = len(_READING_ROW_FIELDS) * len(readings) - 1  # the only commas: no string's
    if b"\\" in text or b"null" in text or text.count(b",") != separators:
        return None
    return text[2:-2].translate(_TABS, b'"').replace(b"]\t[", end) + end


def _reading_text(r: ReadingFields) -> str:
    """One reading's own fields as COPY text (the slow way of `message_reading_copy`)."""
    return (
        f"{r.device_time.isoformat()}\t{r.id}\t{r.seq}\t{_text(r.clock)}\t{_text(r.sensor)}\t"
        f"{_text(r.location)}\t{_text(r.quantity)}\t{r.value!r}\t{_text(r.unit)}\t"
        f"{_text(r.quality)}"
    )


def store_reading_copy(
    cur: Cursor, chunks: Sequence[bytes], rows: int, *, held: bool = False
) -> int:
    """Store readings formatted by `message_reading_copy`; return how many were new.

    `held`: into quarantine (the device is pending approval), see `quarantine_store`.
    """
    table = "quarantine_readings" if held else "readings"
    return _copy(cur, table, _READING_COPY_COLUMNS, chunks, rows) if rows else 0


def store_readings(cur: Cursor, received: Sequence[Received]) -> int:
    """Store sensor readings in bulk; return how many were new (the rest were duplicates)."""
    chunks = [
        message_reading_copy(site, device, at, [entry.item for entry in entries])
        for (site, device, at), entries in groupby(
            received, key=lambda entry: (entry.site, entry.device, entry.received_at)
        )
    ]
    return store_reading_copy(cur, chunks, len(received))


def store_events(cur: Cursor, received: Sequence[Received], *, held: bool = False) -> int:
    """Store scan events in bulk; return how many were new (the rest were duplicates).

    `held`: into quarantine (the device is pending approval), see `quarantine_store`.
    """
    lines = []
    for entry in received:
        e: ScanEvent = entry.item
        gs1 = e.gs1
        fields = (
            e.device_time.isoformat(),
            e.id,
            entry.site,
            entry.device,
            e.seq,
            e.clock.value,
            e.reader,
            e.location,
            e.biz_step.value,
            e.carrier.value,
            e.raw,
            e.symbology,
            gs1.gtin if gs1 else None,
            gs1.lot if gs1 else None,
            gs1.serial if gs1 else None,
            gs1.sscc if gs1 else None,
            gs1.epc_uri if gs1 else None,
            gs1.model_dump_json(exclude_none=True) if gs1 else None,
            e.rssi,
            e.antenna,
            e.read_count,
            e.first_seen.isoformat() if e.first_seen else None,
            e.last_seen.isoformat() if e.last_seen else None,
            entry.received_at.isoformat(),
        )
        lines.append("\t".join(_text(value) for value in fields) + "\n")
    table = "quarantine_events" if held else "events"
    return _copy(cur, table, EVENT_COLUMNS, ["".join(lines).encode()], len(lines)) if lines else 0


def store_status(cur: Cursor, received: Sequence[Received]) -> int:
    """Store heartbeats and last wills; keep each device's newest status on its row."""
    if not received:
        return 0
    rows = []
    for entry in received:
        s: DeviceStatus = entry.item
        rows.append(
            (
                s.device_time,
                str(s.id),
                entry.site,
                entry.device,
                s.seq,
                s.clock.value,
                s.state.value,
                s.model_dump_json(),
                entry.received_at,
            )
        )
    inserted = execute_values(
        cur,
        "INSERT INTO device_status (time, id, site_id, device_id, seq, clock, state, status, "
        "received_at) VALUES %s ON CONFLICT (id, time) DO NOTHING RETURNING 1",
        rows,
        fetch=True,
    )
    newest: dict[DeviceKey, tuple[Any, ...]] = {}
    for row in rows:
        key = (row[2], row[3])
        if key not in newest or row[0] >= newest[key][0]:
            newest[key] = row
    execute_values(
        cur,
        "UPDATE devices d SET last_status = v.status::jsonb, last_status_at = v.time "
        "FROM (VALUES %s) AS v (site_id, device_id, time, status) "
        "WHERE d.site_id = v.site_id AND d.device_id = v.device_id "
        "AND (d.last_status_at IS NULL OR d.last_status_at <= v.time)",
        [(k[0], k[1], r[0], r[7]) for k, r in sorted(newest.items())],
        template="(%s, %s, %s::timestamptz, %s)",
    )
    return len(inserted)


def admit_devices(
    cur: Cursor, seen: dict[DeviceKey, datetime], *, register_unknown: bool
) -> dict[DeviceKey, str]:
    """Mark devices as seen and return each one's approval.

    Unknown devices are registered as `pending` when `register_unknown`, else left out (the
    caller rejects their messages).
    """
    keys = sorted(seen)  # a fixed lock order: concurrent ingesters never deadlock
    if register_unknown:
        execute_values(
            cur,
            "INSERT INTO sites (id) VALUES %s ON CONFLICT (id) DO NOTHING",
            sorted({(site,) for site, _ in keys}),
        )
        rows = execute_values(
            cur,
            "INSERT INTO devices AS d (site_id, device_id, last_seen) VALUES %s "
            "ON CONFLICT (site_id, device_id) DO UPDATE "
            "SET last_seen = greatest(d.last_seen, excluded.last_seen) "
            "RETURNING site_id, device_id, approval",
            [(site, device, seen[(site, device)]) for site, device in keys],
            fetch=True,
        )
    else:
        rows = execute_values(
            cur,
            "UPDATE devices AS d SET last_seen = greatest(d.last_seen, v.seen) "
            "FROM (VALUES %s) AS v (site_id, device_id, seen) "
            "WHERE d.site_id = v.site_id AND d.device_id = v.device_id "
            "RETURNING d.site_id, d.device_id, d.approval",
            [(site, device, seen[(site, device)]) for site, device in keys],
            template="(%s, %s, %s::timestamptz)",
            fetch=True,
        )
    return {(site, device): approval for site, device, approval in rows}


def _letter_key(letter: DeadLetter) -> bytes:
    digest = hashlib.sha256(letter.topic.encode(errors="replace"))
    digest.update(f"|{letter.item_index}|{letter.reason}|".encode())
    digest.update(letter.whole_sha256 or letter.payload)
    return digest.digest()


def _db_text(value: str | None) -> str | None:
    """Text PostgreSQL can store: NUL and lone surrogates written as backslash escapes."""
    if value is None:
        return None
    return value.replace("\x00", "\\x00").encode("utf-8", "backslashreplace").decode()


_DEAD_LETTER_COLUMNS = (
    "letter_key",
    "received_at",
    "topic",
    "payload",
    "reason",
    "detail",
    "field",
    "item_index",
    "site_id",
    "device_id",
)


def store_dead_letters(cur: Cursor, letters: Sequence[DeadLetter]) -> list[str]:
    """Store dead letters with their raw bytes; return the reasons of those not already stored.

    One COPY in the common case (under attack a batch is mostly dead letters: COPY costs about
    half of a multi-row INSERT here); when a letter is there already (a redelivery), that COPY
    is undone and the letters go through INSERT … ON CONFLICT DO NOTHING instead.
    """
    if not letters:
        return []
    rows = [
        (
            _letter_key(d),
            d.received_at,
            _db_text(d.topic),
            d.payload,
            d.reason,
            _db_text(d.detail),
            _db_text(d.field),
            d.item_index,
            d.site,
            d.device,
        )
        for d in letters
    ]
    text = "".join(
        f"\\\\x{key.hex()}\t{at.isoformat()}\t{_text(topic)}\t\\\\x{payload.hex()}\t"
        f"{_text(reason)}\t{_text(detail)}\t{_text(field)}\t{_text(index)}\t{_text(site)}\t"
        f"{_text(device)}\n"
        for key, at, topic, payload, reason, detail, field, index, site, device in rows
    )
    cur.execute("SAVEPOINT txng_dead_letters")
    try:
        columns = ", ".join(_DEAD_LETTER_COLUMNS)
        cur.copy_expert(f"COPY dead_letters ({columns}) FROM STDIN", io.StringIO(text))
    except psycopg2.errors.UniqueViolation:
        cur.execute("ROLLBACK TO SAVEPOINT txng_dead_letters")
        return _insert_new_dead_letters(cur, rows)
    cur.execute("RELEASE SAVEPOINT txng_dead_letters")
    return [d.reason for d in letters]


def _insert_new_dead_letters(cur: Cursor, rows: Sequence[tuple[object, ...]]) -> list[str]:
    found = execute_values(
        cur,
        f"INSERT INTO dead_letters ({', '.join(_DEAD_LETTER_COLUMNS)}) VALUES %s "
        "ON CONFLICT (letter_key) DO NOTHING RETURNING reason",
        rows,
        template="(%s::bytea, %s, %s, %s::bytea, %s, %s, %s, %s, %s, %s)",
        fetch=True,
        page_size=len(rows),
    )
    return [reason for (reason,) in found]


def item_json(raw: Any) -> bytes:
    """The raw JSON of a rejected item, to store as its dead letter's payload."""
    return json.dumps(raw, ensure_ascii=False, default=str).encode()
