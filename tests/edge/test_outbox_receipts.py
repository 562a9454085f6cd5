"""Receipts against the outbox: exact deletes, out of order, overlapping, stale, hostile."""

import asyncio
import json
import sqlite3
from pathlib import Path
from uuid import UUID

from contract import Receipt, StoredMessage
from edge.outbox import Lane, Outbox, Row
from tests.edge.test_outbox import open_outbox, reading, scan


def _rows(outbox: Outbox, lane: Lane, after: int = -1, count: int = 10_000) -> list[Row]:
    return asyncio.run(outbox.pack(lane, after=after, max_items=count, max_bytes=10**9))


def _stored(rows: list[Row]) -> StoredMessage:
    pairs = [(row.seq, UUID(json.loads(row.payload)["id"])) for row in rows]
    stored = StoredMessage.of(pairs)
    assert stored is not None
    return stored


def _receipt(*messages: StoredMessage) -> Receipt:
    return Receipt(site="s", device="d", messages=list(messages))


def _seqs(outbox: Outbox) -> list[int]:
    return sorted(row.seq for lane in Lane for row in _rows(outbox, lane))


def test_a_receipt_deletes_exactly_its_messages_items_across_interleaved_lanes(tmp_path: Path):
    outbox = open_outbox(tmp_path / "o.sqlite")
    for n in range(10):  # seqs alternate between the lanes
        asyncio.run(outbox.put([reading(float(n)), scan(n)]))
    readings = _rows(outbox, Lane.READINGS)
    first_half = readings[:3]
    assert _stored(first_half).runs == [(0, 0), (2, 2), (4, 4)]
    done = outbox.confirm(_receipt(_stored(first_half))).result()
    assert (sorted(done.seqs), done.stale) == ([0, 2, 4], 0)
    assert _seqs(outbox) == [1, 3, *range(5, 20)]
    assert outbox.stats().depth == 17
    outbox.close()


def test_out_of_order_and_overlapping_receipts_never_delete_what_was_not_stored(tmp_path: Path):
    outbox = open_outbox(tmp_path / "o.sqlite")
    asyncio.run(outbox.put([reading(float(n)) for n in range(100)]))
    rows = _rows(outbox, Lane.READINGS)
    early, late, resent = _stored(rows[:50]), _stored(rows[50:80]), _stored(rows[:80])
    # The resend of 0..79 is committed by one ingester before the other commits 50..79 ...
    assert sorted(outbox.confirm(_receipt(late)).result().seqs) == list(range(50, 80))
    # ... and the first send of 0..49 comes last: its anchors are still here
    assert sorted(outbox.confirm(_receipt(early)).result().seqs) == list(range(50))
    # the resend's receipt finds both its anchors gone: it deletes nothing more
    again = outbox.confirm(_receipt(resent)).result()
    assert (again.seqs, again.stale) == ([], 1)
    assert _seqs(outbox) == list(range(80, 100))
    outbox.close()


def test_a_receipt_for_another_outbox_of_the_same_device_deletes_nothing(tmp_path: Path):
    old = open_outbox(tmp_path / "old.sqlite")
    asyncio.run(old.put([reading(float(n)) for n in range(30)]))
    stale = _stored(_rows(old, Lane.READINGS))
    old.close()
    new = open_outbox(tmp_path / "new.sqlite")  # a swapped Pi: same seqs, new ids
    asyncio.run(new.put([reading(float(n)) for n in range(30)]))
    done = new.confirm(_receipt(stale)).result()
    assert (done.seqs, done.stale) == ([], 1)
    assert new.stats().depth == 30
    new.close()


def test_sent_items_await_their_receipt_and_are_never_thinned(tmp_path: Path):
    outbox = open_outbox(tmp_path / "o.sqlite", capacity=100)
    asyncio.run(outbox.put([reading(float(n)) for n in range(60)]))
    sent = _rows(outbox, Lane.READINGS, count=60)
    assert outbox.mark_sent(Lane.READINGS, [r.seq for r in sent]).result() == list(range(60))
    assert outbox.stats().unconfirmed == 60
    outbox.rewind()  # as after a reconnection: nothing is handed out any more
    asyncio.run(outbox.put([reading(500.0 + n) for n in range(100)]))
    # Over capacity, but only unsent readings may be thinned: the new ones, not the sent ones.
    assert _seqs(outbox)[:60] == list(range(60))
    assert outbox.stats().drops > 0
    done = outbox.confirm(_receipt(_stored(sent))).result()
    assert len(done.seqs) == 60 and outbox.stats().unconfirmed == 0
    # a pack whose rows a receipt took meanwhile: mark_sent says which are still here
    assert outbox.mark_sent(Lane.READINGS, [r.seq for r in sent]).result() == []
    outbox.close()


def test_the_byte_bound_thins_readings_and_keeps_scans(tmp_path: Path):
    outbox = open_outbox(tmp_path / "o.sqlite", capacity=100_000, max_bytes=64 * 1024)
    asyncio.run(outbox.put([reading(float(n)) for n in range(1000)]))
    stats = outbox.stats()
    assert stats.bytes <= 64 * 1024 and stats.drops > 0
    assert stats.drops + stats.depth == 1000
    asyncio.run(outbox.put([scan(n) for n in range(100)]))
    assert outbox.stats().events == 100
    outbox.close()
    # bytes are recounted from the rows when the outbox opens again
    again = open_outbox(tmp_path / "o.sqlite", capacity=100_000, max_bytes=64 * 1024)
    assert again.stats().bytes == outbox.stats().bytes
    again.close()


def test_an_outbox_of_the_previous_version_is_upgraded_with_its_items(tmp_path: Path):
    path = tmp_path / "v1.sqlite"
    items = [reading(float(n)).model_copy(update={"seq": n}) for n in range(5)]
    with sqlite3.connect(path) as connection:
        connection.executescript(
            "CREATE TABLE item (id INTEGER PRIMARY KEY AUTOINCREMENT, channel INTEGER NOT NULL,"
            " payload BLOB NOT NULL);"
            "CREATE INDEX item_by_channel ON item (channel, id);"
            "CREATE TABLE counter (name TEXT PRIMARY KEY, value INTEGER NOT NULL);"
            "INSERT INTO counter VALUES ('next_seq', 5), ('drops', 2);"
        )
        connection.executemany(
            "INSERT INTO item (id, channel, payload) VALUES (?, 1, ?)",
            [(100 + n, item.model_dump_json().encode()) for n, item in enumerate(items)],
        )
    outbox = open_outbox(path)
    assert [r.seq for r in _rows(outbox, Lane.READINGS)] == list(range(5))
    stats = outbox.stats()
    assert (stats.depth, stats.drops, stats.last_seq) == (5, 2, 4)
    asyncio.run(outbox.put([reading()]))
    assert _seqs(outbox) == list(range(6))
    outbox.close()
