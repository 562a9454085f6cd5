"""The SQLite outbox: ids and sequence numbers once, order, byte limits, the bound, the lock."""

import asyncio
import json
from pathlib import Path

import pytest

from contract import Quantity
from edge.clock import Clock, ClockSync
from edge.outbox import Lane, Outbox, OutboxError
from edge.readers.base import PENDING_ID, ReaderContext, TakenItem
from edge.readers.simulated import SimulatedScanner, SimulatedScannerConfig
from tests.edge.helpers import scanner

CONTEXT = ReaderContext(Clock(ClockSync.UNSYNCED))


def reading(value: float = 4.0) -> TakenItem:
    return CONTEXT.reading(sensor="p", location="cold", quantity=Quantity.TEMPERATURE, value=value)


def scan(serial: int = 1) -> TakenItem:
    config = SimulatedScannerConfig.model_validate(scanner())
    reader = SimulatedScanner(config, CONTEXT)
    raw = reader.label(config.batches[0], serial)
    return CONTEXT.scan(reader="s", location="line", biz_step=config.biz_step, raw=raw)


def run(coroutine: object) -> object:
    return asyncio.run(coroutine)  # type: ignore[arg-type]


def open_outbox(path: Path, capacity: int = 1000, **bounds: int) -> Outbox:
    outbox = Outbox(path, capacity=capacity, **bounds)
    outbox.open()
    return outbox


def payloads(outbox: Outbox, lane: Lane, max_items: int = 10_000) -> list[dict[str, object]]:
    rows = run(outbox.pack(lane, after=-1, max_items=max_items, max_bytes=10**9))
    return [json.loads(row.payload) for row in rows]  # type: ignore[attr-defined]


def test_put_assigns_ids_and_seq_that_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "o.sqlite"
    outbox = open_outbox(path)
    assert run(outbox.put([reading(), scan(), reading()])) == 3
    outbox.close()
    outbox = open_outbox(path)
    run(outbox.put([reading()]))
    stored = payloads(outbox, Lane.READINGS) + payloads(outbox, Lane.EVENTS)
    assert sorted(item["seq"] for item in stored) == [0, 1, 2, 3]  # type: ignore[type-var]
    assert len({item["id"] for item in stored}) == 4
    assert str(PENDING_ID) not in {item["id"] for item in stored}
    assert all(item["clock"] == "unsynced" for item in stored)
    assert outbox.stats().depth == 4 and outbox.stats().last_seq == 3
    outbox.close()


def test_pack_is_in_order_and_respects_bytes(tmp_path: Path) -> None:
    outbox = open_outbox(tmp_path / "o.sqlite")
    run(outbox.put([reading(float(i)) for i in range(50)]))
    rows = run(outbox.pack(Lane.READINGS, after=-1, max_items=100, max_bytes=2000))
    assert 1 < len(rows) < 50  # type: ignore[arg-type]
    assert sum(len(r.payload) + 1 for r in rows) <= 2000  # type: ignore[attr-defined]
    values = [json.loads(r.payload)["value"] for r in rows]  # type: ignore[attr-defined]
    assert values == sorted(values)
    after = rows[-1].seq  # type: ignore[index]
    rest = run(outbox.pack(Lane.READINGS, after=after, max_items=100, max_bytes=10**6))
    assert len(rows) + len(rest) == 50  # type: ignore[arg-type]
    run(outbox.delete([r.seq for r in rows]))  # type: ignore[attr-defined]
    assert outbox.stats().depth == len(rest)  # type: ignore[arg-type]
    outbox.close()


def test_full_outbox_thins_oldest_readings_and_keeps_every_scan(tmp_path: Path) -> None:
    outbox = open_outbox(tmp_path / "o.sqlite", capacity=200)
    run(outbox.put([reading(float(i)) for i in range(150)]))
    run(outbox.put([scan(i) for i in range(40)]))
    assert outbox.stats().alarm  # 190 of 200 is over 80 %
    run(outbox.put([reading(500.0 + i) for i in range(100)]))
    stats = outbox.stats()
    assert stats.depth <= 200 and stats.events == 40
    assert stats.drops == 150 + 40 + 100 - stats.depth
    values = [item["value"] for item in payloads(outbox, Lane.READINGS)]
    assert values[-1] == 599.0  # the newest are kept, the oldest thinned
    # Only scans left to keep: scans go over the bound, readings are refused.
    run(outbox.put([scan(i) for i in range(300)]))
    run(outbox.put([reading()]))
    stats = outbox.stats()
    assert stats.events == 340 and stats.depth > 200
    assert stats.drops == 150 + 40 + 100 + 1 + 300 - stats.depth
    outbox.close()


def test_a_second_agent_on_the_same_outbox_is_refused(tmp_path: Path) -> None:
    outbox = open_outbox(tmp_path / "o.sqlite")
    with pytest.raises(OutboxError, match="another agent"):
        open_outbox(tmp_path / "o.sqlite")
    outbox.close()
    open_outbox(tmp_path / "o.sqlite").close()


def test_many_concurrent_puts_share_commits(tmp_path: Path) -> None:
    outbox = open_outbox(tmp_path / "o.sqlite", capacity=100_000)

    async def burst() -> None:
        await asyncio.gather(*(outbox.put([reading(), scan()]) for _ in range(500)))

    run(burst())
    stored = payloads(outbox, Lane.READINGS) + payloads(outbox, Lane.EVENTS)
    assert sorted(item["seq"] for item in stored) == list(range(1000))  # type: ignore[type-var]
    outbox.close()
