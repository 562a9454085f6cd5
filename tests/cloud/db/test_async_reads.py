"""Reads awaited in the event loop: rows, reuse, prepared once, limits, broken connections."""

import asyncio
import json
from typing import Any

import pytest

from cloud.db import prepared
from cloud.db.async_reads import AsyncReads, Row
from cloud.db.errors import DatabaseUnavailable, DataRejected
from tests.support.postgres import terminate_connections

PID = prepared.statement("test_async_pid", "SELECT pg_backend_pid() AS pid, %(word)s::text AS word")
SETTINGS = prepared.statement(
    "test_async_settings",
    "SELECT current_setting('jit') AS jit, current_setting('plan_cache_mode') AS mode",
)
NOTHING = prepared.statement("test_async_nothing", "SELECT 1 WHERE %(x)s::int > 1")
DIVIDE = prepared.statement("test_async_divide", "SELECT 1 / %(x)s::int AS quotient")
SLEEP = prepared.statement("test_async_sleep", "SELECT pg_sleep(%(s)s::float8), pg_backend_pid()")
PREPARED = prepared.statement(
    "test_async_prepared",
    "SELECT array_agg(name::text ORDER BY name) AS names FROM pg_prepared_statements",
)


def _run(reads: AsyncReads, *calls: tuple[prepared.Statement, dict[str, Any]]) -> list[Row | None]:
    async def all_of() -> list[Row | None]:
        return [await reads.fetch_one(stmt, params) for stmt, params in calls]

    return asyncio.run(all_of())


def test_a_row_comes_with_its_column_names_and_no_row_is_none(database_url):
    reads = AsyncReads(database_url, max_connections=1)
    (names, row), missing = _run(reads, (PID, {"word": "hồ"}), (NOTHING, {"x": 1}))
    assert names == ["pid", "word"] and row[1] == "hồ" and isinstance(row[0], int)
    assert missing is None
    reads.close()


def test_connections_are_reused_with_the_pools_settings_and_prepare_once(database_url):
    reads = AsyncReads(database_url, max_connections=1)
    calls = [(PID, {"word": "a"}), (PID, {"word": "b"}), (SETTINGS, {}), (PREPARED, {})]
    first, again, settings, names = _run(reads, *calls)
    assert first is not None and again is not None and settings is not None
    assert first[1][0] == again[1][0]  # one backend
    assert settings[1] == ("off", "force_generic_plan")
    assert names == (["names"], (["test_async_pid", "test_async_prepared", "test_async_settings"],))
    reads.close()


def test_no_more_than_max_connections_are_open_at_once(database_url):
    reads = AsyncReads(database_url, max_connections=2)

    async def five_at_once() -> list[Row | None]:
        return await asyncio.gather(*(reads.fetch_one(SLEEP, {"s": 0.2}) for _ in range(5)))

    rows = asyncio.run(five_at_once())
    assert len({row[1][1] for row in rows if row is not None}) == 2
    assert len(reads._idle) == 2
    reads.close()


def test_a_refused_statement_is_data_rejected_and_its_connection_not_kept(database_url):
    reads = AsyncReads(database_url, max_connections=1)
    with pytest.raises(DataRejected, match="division by zero"):
        _run(reads, (DIVIDE, {"x": 0}))
    assert reads._idle == []
    assert _run(reads, (DIVIDE, {"x": 1})) == [(["quotient"], (1,))]
    reads.close()


def test_a_killed_connection_is_unavailable_then_replaced(database_url):
    reads = AsyncReads(database_url, max_connections=1)
    ((_, (first, _)),) = _run(reads, (PID, {"word": "a"}))
    terminate_connections(database_url)
    with pytest.raises(DatabaseUnavailable):
        _run(reads, (PID, {"word": "a"}))
    ((_, (second, _)),) = _run(reads, (PID, {"word": "a"}))
    assert second != first
    reads.close()


def test_a_cancelled_read_closes_its_connection(database_url):
    reads = AsyncReads(database_url, max_connections=1)

    async def cancelled() -> None:
        task = asyncio.ensure_future(reads.fetch_one(SLEEP, {"s": 5}))
        await asyncio.sleep(0.3)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(cancelled())
    assert reads._idle == []  # its answer never came: the connection is not reused
    assert _run(reads, (PID, {"word": "a"}))[0] is not None
    reads.close()


def test_a_closed_reader_refuses(database_url):
    reads = AsyncReads(database_url, max_connections=1)
    reads.close()
    with pytest.raises(DatabaseUnavailable, match="closed"):
        _run(reads, (PID, {"word": "a"}))


JSON_VALUES = prepared.statement(
    "test_async_json",
    "SELECT %(text)s::json AS value, %(raw)s::text AS text, pg_backend_pid() AS pid",
)


def test_json_columns_are_the_json_modules_values_and_names_follow_each_statement(database_url):
    text = (
        '[{"n": 12345678901234567890123, "f": 0.1, "e": 1e300, '
        '"s": "Nh\\u00e3n \\"t\\u01b0\\u01a1i\\"", "none": null, "yes": true, '
        '"nested": {"list": [1, -2.5, []]}}, "2026-07-20T01:00:00+00:00"]'
    )
    reads = AsyncReads(database_url, max_connections=1)
    found, pid, again = _run(
        reads,
        (JSON_VALUES, {"text": text, "raw": text}),
        (PID, {"word": "a"}),
        (JSON_VALUES, {"text": "{}", "raw": "{}"}),
    )
    assert found is not None and pid is not None and again is not None
    assert found[0] == ["value", "text", "pid"] and pid[0] == ["pid", "word"]
    assert found[1][0] == json.loads(found[1][1]) and found[1][0][0]["s"] == 'Nhãn "tươi"'
    assert again == (["value", "text", "pid"], ({}, "{}", found[1][2]))  # the same connection
    reads.close()
