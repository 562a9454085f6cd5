"""Edge to database: an agent SIGKILLed at random instants, every item stored once, receipted."""

import random
import time
from pathlib import Path

from tests.edge.helpers import (
    Agents,
    Collector,
    device_config,
    outbox_counters,
    probe,
    scanner,
    stop_agent,
    write_config,
)
from tests.support.seed import add_device
from tests.support.sql import query
from tests.support.waiting import wait_for

CYCLES = 20


def _stored(url: str, site: str, device: str) -> tuple[int, int, int]:
    rows = query(
        url,
        "SELECT count(*), count(DISTINCT seq), count(DISTINCT id) FROM ("
        " SELECT seq, id FROM readings WHERE site_id = %(s)s AND device_id = %(d)s"
        " UNION ALL SELECT seq, id FROM events WHERE site_id = %(s)s AND device_id = %(d)s) x",
        {"s": site, "d": device},
    )
    return rows[0]


def test_agent_killed_20_times_every_item_lands_once(
    start_ingester, database_url: str, mqtt_url: str, tmp_path: Path, edge_agents: Agents
) -> None:
    start_ingester()
    outbox = tmp_path / "outbox.sqlite"
    document = device_config(
        mqtt_url=mqtt_url,
        outbox=outbox,
        readers=[scanner(rate=100), probe("probe-a", interval=0.01)],
        batching={"max_items": 50, "max_age_ms": 5},
    )
    site, device = document["site"], document["device"]
    add_device(database_url, site, device)  # registered: its data is not held
    config = write_config(tmp_path / "device.yaml", document)
    log = tmp_path / "agent.log"
    rng = random.Random(7)
    with Collector(mqtt_url, site, device) as collector:
        for _ in range(CYCLES):
            agent = edge_agents.start_online(config, log, collector)
            time.sleep(rng.uniform(0.0, 0.6))
            stop_agent(agent, kill=True)
        produced = outbox_counters(outbox)["next_seq"]
        assert produced > 10 * CYCLES, "the agent hardly ran; the test proves nothing"
        drain = write_config(tmp_path / "drain.yaml", {**document, "readers": []})
        agent = edge_agents.start_online(drain, log, collector)
        try:
            wait_for(lambda: _stored(database_url, site, device)[0] >= produced, timeout=60)
            # every item's receipt comes back: the outbox forgets them all
            wait_for(lambda: outbox_counters(outbox)["depth"] == 0, timeout=60)
        finally:
            assert stop_agent(agent) == 0, log.read_text()[-2000:]
    count, distinct_seq, distinct_id = _stored(database_url, site, device)
    assert (count, distinct_seq, distinct_id) == (produced, produced, produced)
    seqs = {
        row[0]
        for row in query(database_url, "SELECT seq FROM readings UNION SELECT seq FROM events")
    }
    assert seqs == set(range(produced))
