"""Edge to database with receipts: lost receipts lead to resends, never to loss or doubles."""

from pathlib import Path

from edge.config import DeviceConfig
from tests.edge.helpers import device_config, outbox_counters, probe, running_agent, scanner
from tests.support.seed import add_device
from tests.support.sql import query
from tests.support.waiting import wait_for


def _stored(url: str, device: str) -> tuple[int, int]:
    rows = query(
        url,
        "SELECT count(*), count(DISTINCT seq) FROM ("
        " SELECT seq FROM readings WHERE device_id = %(d)s"
        " UNION ALL SELECT seq FROM events WHERE device_id = %(d)s) x",
        {"d": device},
    )
    return rows[0]


def test_lost_receipts_lead_to_resends_and_every_item_is_stored_once(
    start_ingester, database_url: str, mqtt_url: str, tmp_path: Path
) -> None:
    ingester = start_ingester()
    ingester.receipts.stop()  # every receipt of this ingester is lost from now on
    outbox = tmp_path / "outbox.sqlite"
    document = device_config(
        mqtt_url=mqtt_url,
        outbox=outbox,
        readers=[scanner(rate=50), probe("probe-a", interval=0.02)],
        delivery={"receipt_timeout_s": 0.3, "receipt_timeout_max_s": 1.0},
    )
    config = DeviceConfig.model_validate(document)
    device = config.device
    add_device(database_url, config.site, device)  # registered: its data is not held
    with running_agent(config) as agent:
        wait_for(lambda: agent.publisher.resends >= 2, timeout=30)
        assert agent.publisher.confirmed_items == 0
        assert agent.outbox.stats().unconfirmed > 0
    produced = outbox_counters(outbox)["next_seq"]
    assert outbox_counters(outbox)["depth"] == produced  # nothing forgotten without a receipt
    assert ingester.metrics.value("txng_ingest_receipts_dropped_total") > 0

    ingester.receipts.start()  # receipts flow again: a reader-less agent drains the outbox
    drain = config.model_copy(update={"readers": []})
    with running_agent(drain) as agent:
        wait_for(lambda: agent.publisher.confirmed_items >= produced, timeout=60)
    assert agent.publisher.confirmed_items == produced
    assert outbox_counters(outbox)["depth"] == 0
    assert _stored(database_url, device) == (produced, produced)
    assert ingester.metrics.value("txng_ingest_items_duplicate_total", kind="reading") > 0
