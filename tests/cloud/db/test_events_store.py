"""The event column list is written once; the hash chain's order derived from it stays fixed."""

from cloud.db.events_store import CHAINED_COLUMNS, EVENT_COLUMNS, UNCHAINED_COLUMNS

# Every stored link hashes these columns in this order: changing it breaks every chain.
CHAIN_ORDER = (
    "id", "time", "site_id", "device_id", "seq", "clock", "reader", "location", "biz_step",
    "carrier", "raw", "symbology", "gtin", "lot", "serial", "sscc", "epc_uri", "identifiers",
    "rssi", "antenna", "read_count", "received_at",
)


def test_the_chain_protects_every_stored_column_but_the_dedupe_window_in_a_fixed_order():
    assert CHAINED_COLUMNS == CHAIN_ORDER
    assert set(CHAINED_COLUMNS) | set(UNCHAINED_COLUMNS) == set(EVENT_COLUMNS)
    assert len(EVENT_COLUMNS) == len(set(EVENT_COLUMNS))
