"""A dead letter of a message no device can send keeps its first KiB, keyed by the whole."""

from tests.support.factory import DEVICE, SITE
from tests.support.mqtt import publish_all
from tests.support.sql import query
from tests.support.waiting import wait_for

TOPIC = f"txng/v1/{SITE}/{DEVICE}/readings"


def test_impossible_payloads_are_kept_in_part_and_told_apart_by_their_whole(
    start_ingester, database_url, mqtt_url
):
    ingester = start_ingester()
    common = b'{"v":1,"items":' + b"[" * 5000  # the same first KiB ...
    first, second = common + b"1", common + b"2"  # ... different messages
    not_json = b'{"v":1,"items":[' + b"9" * 5000 + b"]}"  # kept whole: repairable by hand
    publish_all(mqtt_url, [(TOPIC, first), (TOPIC, second), (TOPIC, first), (TOPIC, not_json)])
    wait_for(lambda: ingester.metrics.value("txng_ingest_messages_acked_total") == 4)
    letters = query(
        database_url, "SELECT reason, length(payload), detail FROM dead_letters ORDER BY id"
    )
    assert [(reason, size) for reason, size, _ in letters] == [
        ("too_deep", 1024),
        ("too_deep", 1024),
        ("malformed_json", len(not_json)),
    ]
    assert letters[0][2].endswith("(kept its first 1,024 of 5,016 bytes)")
    stored = query(database_url, "SELECT payload FROM dead_letters ORDER BY id LIMIT 1")
    assert bytes(stored[0][0]) == first[:1024]
