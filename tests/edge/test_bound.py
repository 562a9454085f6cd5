"""The outbox bound reached while offline: scans kept, readings thinned, drops in the status."""

import asyncio
import threading
from pathlib import Path

from edge.agent import Agent
from edge.config import DeviceConfig
from tests.edge.helpers import (
    Collector,
    device_config,
    is_reading,
    is_scan,
    outbox_counters,
    probe,
    scanner,
)
from tests.support.broker import MosquittoBroker


def test_full_outbox_keeps_scans_thins_readings_and_reports_drops(
    broker: MosquittoBroker, tmp_path: Path
) -> None:
    outbox = tmp_path / "outbox.sqlite"
    document = device_config(
        mqtt_url=broker.url, outbox=outbox,
        readers=[scanner(rate=50, seed=7), probe("probe-a", interval=0.005)],
    )
    document["outbox"]["capacity"] = 150
    config = DeviceConfig.model_validate(document)
    broker.stop()
    agent = Agent(config)
    thread = threading.Thread(target=asyncio.run, args=(agent.run(),))
    thread.start()
    try:
        while agent.outbox.stats().drops < 200:
            threading.Event().wait(0.05)
        assert agent.outbox.stats().alarm
        agent.stop()
    finally:
        agent.stop()
        thread.join(timeout=20)
    counters = outbox_counters(outbox)
    produced = counters["next_seq"]

    broker.start()
    with Collector(broker.url, config.site, config.device) as collector:
        drain = Agent(config.model_copy(update={"readers": []}))
        thread = threading.Thread(target=asyncio.run, args=(drain.run(),))
        thread.start()
        try:
            collector.wait_until(lambda c: len(c.seqs()) >= counters["depth"])
        finally:
            drain.stop()
            thread.join(timeout=20)
        arrivals = collector.snapshot()
        final = collector.statuses[-1]

    scans = sorted({a.item.gs1.serial for a in arrivals if is_scan(a.item)}, key=int)
    assert [int(s) for s in scans] == list(range(int(scans[0]), int(scans[0]) + len(scans)))
    readings = {a.id for a in arrivals if is_reading(a.item)}
    assert final.state == "offline" and final.outbox_drops == counters["drops"] > 0
    # Every item taken either arrived or was a counted reading drop.
    assert len(scans) + len(readings) + final.outbox_drops == produced
    assert len(set(a.id for a in arrivals)) == counters["depth"]
