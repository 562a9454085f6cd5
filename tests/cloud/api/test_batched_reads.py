"""Keys asked together are read together; each asker gets its own key's value or error."""

import asyncio

import pytest

from cloud.api.batched_reads import BatchedReads


class Store:
    """Values of keys 'a'..'z' (upper case), and the reads asked of it."""

    def __init__(self, fail: Exception | None = None, hold: asyncio.Event | None = None):
        self.ones: list[str] = []
        self.manys: list[list[str]] = []
        self.fail = fail
        self.hold = hold

    async def one(self, key: str) -> str | None:
        self.ones.append(key)
        return (await self._read([key])).get(key)

    async def many(self, keys: list[str]) -> dict[str, str]:
        self.manys.append(keys)
        return await self._read(keys)

    async def _read(self, keys: list[str]) -> dict[str, str]:
        if self.hold is not None:
            await self.hold.wait()
        if self.fail is not None:
            raise self.fail
        return {k: k.upper() for k in keys if k != "missing"}


def test_keys_asked_in_one_turn_are_one_read_and_each_asker_gets_its_own():
    store = Store()
    reads = BatchedReads(store.one, store.many)

    async def ask() -> list[str | None]:
        return await asyncio.gather(*(reads.get(k) for k in ["a", "b", "a", "missing", "c"]))

    assert asyncio.run(ask()) == ["A", "B", "A", None, "C"]
    assert store.manys == [["a", "b", "missing", "c"]] and store.ones == []


def test_a_key_alone_is_the_single_read_and_later_turns_read_again():
    store = Store()
    reads = BatchedReads(store.one, store.many)

    async def ask() -> list[str | None]:
        first = await reads.get("a")
        second = await asyncio.gather(reads.get("b"), reads.get("c"))
        return [first, *second, await reads.get("missing")]

    assert asyncio.run(ask()) == ["A", "B", "C", None]
    assert store.ones == ["a", "missing"] and store.manys == [["b", "c"]]


def test_at_most_max_keys_per_read():
    store = Store()
    reads = BatchedReads(store.one, store.many, max_keys=2)

    async def ask() -> list[str | None]:
        return await asyncio.gather(*(reads.get(k) for k in "abcde"))

    assert asyncio.run(ask()) == list("ABCDE")
    assert store.manys == [["a", "b"], ["c", "d"]] and store.ones == ["e"]


def test_a_reads_error_is_every_askers():
    store = Store(fail=RuntimeError("database down"))
    reads = BatchedReads(store.one, store.many)

    async def ask() -> list[object]:
        return await asyncio.gather(reads.get("a"), reads.get("b"), return_exceptions=True)

    errors = asyncio.run(ask())
    assert [str(e) for e in errors] == ["database down", "database down"]


def test_a_cancelled_asker_leaves_the_read_and_the_others_alone():
    async def ask() -> tuple[list[str | None], Store]:
        store = Store(hold=asyncio.Event())
        reads = BatchedReads(store.one, store.many)
        gone = asyncio.ensure_future(reads.get("a"))
        staying = asyncio.ensure_future(asyncio.gather(reads.get("a"), reads.get("b")))
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        gone.cancel()
        await asyncio.sleep(0)
        store.hold.set()  # type: ignore[union-attr]
        with pytest.raises(asyncio.CancelledError):
            await gone
        return await staying, store

    values, store = asyncio.run(ask())
    assert values == ["A", "B"] and store.manys == [["a", "b"]]
