"""Kinds of derived work: declared once, keys typed, and the queue's names and key text kept.

The queue is persistent: work queued by an earlier version must still find its kind and key
after an upgrade, so the names and the text of keys are pinned here.
"""

from datetime import UTC, datetime

import pytest

from cloud.batches.handlers import PackingReaderKey
from cloud.db.rollups_store import LocationKey
from cloud.db.work_queue import Work, key_sql
from cloud.derive.planning import work_for_events, work_for_readings
from cloud.derive.registry import KINDS
from tests.support.factory import DEVICE, SITE, reading, scan_of

AT = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)


def test_the_kinds_keep_their_queue_names() -> None:
    assert set(KINDS) == {
        "batch",
        "item",
        "unit",
        "packing_reader",
        "batch_steps",
        "coldchain_batch",
        "coldchain_location",
        "event_chain",
        "integrity_code",
        "integrity_batch",
    }


def _received(item: object) -> object:
    from cloud.db.ingest_store import Received

    return Received(SITE, DEVICE, AT, item)


def test_scans_queue_the_work_they_always_did_under_the_same_keys() -> None:
    serial = scan_of(1, at=AT, location="line-1", biz_step="packing", gtin="08935000000011",
                     serial="S1", sscc="389350000000000017", lot="L|1")
    packed = scan_of(2, at=AT, location="line-1", biz_step="packing", gtin="08935000000011",
                     lot="L2")
    queued = {(w.kind, w.key) for w in work_for_events([_received(serial), _received(packed)])}
    assert queued == {
        ("event_chain", SITE),
        ("integrity_code", "sgtin|08935000000011|S1"),
        ("integrity_code", "sscc|389350000000000017"),
        ("integrity_batch", "08935000000011|L|1"),
        ("integrity_batch", "08935000000011|L2"),
        ("batch", "08935000000011|L|1"),
        ("batch", "08935000000011|L2"),
        ("unit", "389350000000000017"),
        ("packing_reader", f"{SITE}|{DEVICE}|scanner-1"),
    }


def test_readings_queue_one_location_work_item_per_place_and_quantity() -> None:
    items = [_received(reading(n, location="room-1")) for n in range(3)]
    (work,) = work_for_readings(items)
    assert (work.kind, work.key) == ("coldchain_location", f"{SITE}|room-1|temperature")
    assert work.from_time < work.to_time


@pytest.mark.parametrize("name", sorted(KINDS))
def test_each_kinds_key_reads_back_from_the_queue(name: str) -> None:
    kind = KINDS[name]
    count = len(kind.key._fields)  # type: ignore[attr-defined]
    # only the last field of a key may hold the separator (identifiers never do)
    values = [f"v{i}" + ("|x" if i == count - 1 else "") for i in range(count)]
    key = kind.key(*(7 if kind._parsers[i] is int else values[i] for i in range(count)))
    work = kind.work(key)
    assert isinstance(work, Work) and work.kind == name
    assert kind.key_of(work) == key


def test_a_key_in_sql_names_every_field_in_order() -> None:
    assert key_sql(LocationKey, quantity="q", location="l", site_id="s") == (
        "(s)::text || '|' || (l)::text || '|' || (q)::text"
    )
    with pytest.raises(ValueError, match="fields"):
        key_sql(PackingReaderKey, site="s", device="d")
