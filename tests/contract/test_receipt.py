"""Receipts: built from what a message held, bounded, and refused when hostile."""

import json
from uuid import UUID

import pytest

from contract import (
    MAX_RECEIPT_BYTES,
    Channel,
    ContractError,
    ContractErrorReason,
    Receipt,
    StoredMessage,
    Topic,
    decode_receipt,
    encode_receipt,
    new_item_id,
    receipts_for,
)

TOPIC = str(Topic("farm-a", "pi-1", Channel.RECEIPTS))


def _ids(count: int) -> list[UUID]:
    return [new_item_id() for _ in range(count)]


def _refusal(payload: bytes, topic: str = TOPIC) -> ContractErrorReason:
    with pytest.raises(ContractError) as caught:
        decode_receipt(topic, payload)
    return caught.value.reason


def test_runs_follow_consecutive_seqs_and_anchor_the_first_and_last_item():
    ids = _ids(6)
    # A readings message whose seqs skip those the events lane took (7, 8), out of order.
    pairs = list(zip([9, 5, 6, 10, 11, 4], ids, strict=True))
    stored = StoredMessage.of(pairs)
    assert stored is not None
    assert stored.runs == [(4, 6), (9, 11)]
    assert (stored.first, stored.last) == (ids[5], ids[4])
    assert (stored.low, stored.high) == (4, 11)
    assert StoredMessage.of([]) is None


def test_a_receipt_round_trips_on_its_own_topic():
    stored = StoredMessage.of(zip(range(200), _ids(200), strict=True))
    assert stored is not None
    (receipt,) = receipts_for("farm-a", "pi-1", [stored])
    assert receipt.topic == TOPIC
    payload = encode_receipt(receipt)
    assert decode_receipt(TOPIC, payload) == receipt
    assert len(payload) < 200  # 200 items, one run: the receipt's cost does not grow with them


def test_many_messages_are_split_into_receipts_under_the_limits():
    messages = []
    for start in range(0, 3000 * 100, 100):
        # every other seq: 50 runs per message, the worst case of interleaved lanes
        stored = StoredMessage.of(zip(range(start, start + 100, 2), _ids(50), strict=True))
        assert stored is not None
        messages.append(stored)
    receipts = receipts_for("farm-a", "pi-1", messages)
    assert len(receipts) > 1
    assert [m for r in receipts for m in r.messages] == messages
    assert all(len(encode_receipt(r)) <= MAX_RECEIPT_BYTES for r in receipts)


@pytest.mark.parametrize(
    ("runs", "why"),
    [
        ([[5, 3]], "backwards"),
        ([[1, 4], [4, 6]], "overlapping"),
        ([[6, 9], [1, 2]], "unordered"),
        ([[0, 2000]], "more items than a message holds"),
        ([[-1, 3]], "negative"),
        ([[0, 2**63]], "beyond bigint"),
        ([], "empty"),
    ],
)
def test_hostile_runs_are_refused(runs, why):
    first, last = _ids(2)
    document = {
        "v": 1,
        "site": "farm-a",
        "device": "pi-1",
        "messages": [{"runs": runs, "first": str(first), "last": str(last)}],
    }
    assert _refusal(json.dumps(document).encode()) is ContractErrorReason.SCHEMA, why


def test_hostile_receipts_are_refused_with_a_reason():
    stored = StoredMessage.of([(1, new_item_id())])
    assert stored is not None
    good = json.loads(encode_receipt(Receipt(site="farm-a", device="pi-1", messages=[stored])))
    assert _refusal(b"{not json") is ContractErrorReason.MALFORMED_JSON
    assert _refusal(b"[" * 100_000) is ContractErrorReason.MALFORMED_JSON  # nesting bomb
    assert _refusal(json.dumps({**good, "v": 2}).encode()) is ContractErrorReason.UNKNOWN_VERSION
    assert _refusal(json.dumps({**good, "x": 1}).encode()) is ContractErrorReason.SCHEMA
    other = json.dumps({**good, "device": "pi-2"}).encode()
    assert _refusal(other) is ContractErrorReason.TOPIC_MISMATCH
    big = json.dumps({**good, "pad": "x" * MAX_RECEIPT_BYTES}).encode()
    assert _refusal(big) is ContractErrorReason.OVERSIZED
    payload = json.dumps(good).encode()
    assert _refusal(payload, TOPIC.replace("receipts", "config")) is ContractErrorReason.BAD_TOPIC
    assert decode_receipt(TOPIC, payload).messages == [stored]
