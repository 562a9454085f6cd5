"""The agent as a real process: SIGKILL at random instants loses and duplicates nothing.

No ingester runs here, so these agents forget items on the broker's PUBACK (`puback`); the
receipt path is tested with ingesters in tests/test_pipeline.py and tests/test_chaos.py.
"""

import random
import time
from pathlib import Path

from tests.edge.helpers import (
    Agents,
    Collector,
    check_exactly_once,
    check_in_order_per_source,
    device_config,
    outbox_counters,
    probe,
    scanner,
    stop_agent,
    write_config,
)

CYCLES = int(__import__("os").environ.get("EDGE_KILL_CYCLES", "20"))


def test_sigkill_at_random_instants_loses_nothing(
    mqtt_url: str, tmp_path: Path, edge_agents: Agents
) -> None:
    outbox = tmp_path / "outbox.sqlite"
    document = device_config(
        mqtt_url=mqtt_url,
        outbox=outbox,
        readers=[scanner(rate=200), probe("probe-a", interval=0.005), probe("probe-b")],
        batching={"max_items": 50, "max_age_ms": 5},
        delivery={"confirm": "puback"},
    )
    config = write_config(tmp_path / "device.yaml", document)
    log = tmp_path / "agent.log"
    rng = random.Random(20240711)
    with Collector(mqtt_url, document["site"], document["device"]) as collector:
        for _ in range(CYCLES):
            # Kill anywhere from just after connecting to well into publishing (or while
            # still starting, when the online status is slow to come).
            agent = edge_agents.start_online(config, log, collector)
            time.sleep(rng.uniform(0.0, 0.8))
            stop_agent(agent, kill=True)
        produced = outbox_counters(outbox)["next_seq"]
        assert produced > 20 * CYCLES, "the agent hardly ran; the test proves nothing"

        # Drain what is left with a reader-less agent on the same outbox.
        drain = write_config(tmp_path / "drain.yaml", {**document, "readers": []})
        agent = edge_agents.start_online(drain, log, collector)
        try:
            collector.wait_for_seqs(produced, timeout=60)
        finally:
            assert stop_agent(agent) == 0, log.read_text()[-2000:]
        arrivals = collector.snapshot()

    check_exactly_once(arrivals, produced)
    assert outbox_counters(outbox)["depth"] == 0
    assert not collector.rejected


def test_broker_outage_accumulates_then_delivers_in_order(
    broker: "object", tmp_path: Path, edge_agents: Agents
) -> None:
    from tests.support.broker import MosquittoBroker

    assert isinstance(broker, MosquittoBroker)
    outbox = tmp_path / "outbox.sqlite"
    document = device_config(
        mqtt_url=broker.url,
        outbox=outbox,
        readers=[scanner(rate=100), probe("probe-a", interval=0.01)],
        delivery={"confirm": "puback"},
    )
    config = write_config(tmp_path / "device.yaml", document)
    log = tmp_path / "agent.log"
    with Collector(broker.url, document["site"], document["device"]) as collector:
        agent = edge_agents.start(config, log)
        try:
            collector.wait_until(lambda c: len(c.seqs()) > 50)
            broker.stop()
            time.sleep(2.0)  # readers keep taking; the outbox holds it all
            during_outage = len(collector.seqs())
            broker.start()
            collector.wait_until(lambda c: len(c.seqs()) > during_outage + 300)
        finally:
            assert stop_agent(agent) == 0, log.read_text()[-2000:]
        produced = outbox_counters(outbox)["next_seq"]
        drain = write_config(tmp_path / "drain.yaml", {**document, "readers": []})
        agent = edge_agents.start_online(drain, log, collector)
        try:
            collector.wait_for_seqs(produced)
        finally:
            stop_agent(agent)
        arrivals = collector.snapshot()

    check_exactly_once(arrivals, produced)
    check_in_order_per_source(arrivals)
