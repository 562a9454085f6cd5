"""Nothing lost or doubled across forwarder SIGKILLs; two forwarders at once send nothing twice."""

import random
import signal
import time
from pathlib import Path

import httpx

from cloud.db.pool import Database
from cloud.forward.backoff import Backoff
from cloud.forward.forwarder import Forwarder
from cloud.portal_sim.server import SimServer
from tests.cloud.forward import helpers as h
from tests.conftest import StartProcess
from tests.support.sql import scalar
from tests.support.waiting import wait_for


def pending(url: str) -> int:
    return int(scalar(url, "SELECT count(*) FROM forward_outbox WHERE state = 'pending'"))


def test_sigkill_loses_and_doubles_nothing(
    seeded_url: str, sim: SimServer, tmp_path: Path, txng_process: StartProcess
) -> None:
    events = [e for n in range(10) for e in h.lot_events(h.GOOD, f"K{n}", 30, start_seq=n * 30)]
    h.queue(seeded_url, events)
    httpx.post(f"{sim.url}/_admin/faults", json={"lost_answer_rate": 0.05, "latency_s": 0.02})
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("max_batch: 10\n")
    env = {
        "TXNG_DATABASE_URL": seeded_url,
        "TXNG_PORTAL_URL": sim.url,
        "TXNG_PORTAL_MAPPING": str(mapping),
        "TXNG_FORWARD_SENDERS": "2",
        "TXNG_FORWARD_BACKOFF_BASE_S": "0.05",
        "TXNG_FORWARD_BACKOFF_CAP_S": "0.2",
        "TXNG_FORWARD_IDLE_WAIT_S": "0.1",
        "TXNG_LOG_LEVEL": "WARNING",
    }
    rng = random.Random(3)
    kills = 0
    while kills < 6 and pending(seeded_url):
        try:
            if kills % 2 == 0:  # dies by itself right after a send, before storing its outcome
                process = txng_process(["6"], env, module="tests.support.faulty_forward")
                process.wait(120)  # a safety net only: on a busy machine start-up is slow
            else:  # killed from outside at a random moment
                process = txng_process(["cloud", "forward"], env)
                time.sleep(rng.uniform(1.2, 2.0))
                process.process.send_signal(signal.SIGKILL)
                process.wait(30)
        finally:
            if process.process.poll() is None:  # never leave a forwarder running
                process.process.kill()
                process.wait(30)
        assert process.process.returncode == -signal.SIGKILL
        kills += 1
    assert kills >= 4
    process = txng_process(["cloud", "forward"], env)  # finish what the kills left
    try:
        wait_for(lambda: not pending(seeded_url), timeout=120)
    finally:
        process.stop()
    assert h.states(seeded_url) == {"sent": 300}
    summary = sim.state.records.summary()["event"]
    assert summary["records"] == summary["created"] == summary["confirmed"] == 300
    assert summary["deduped"] > 0  # resends after kills happened, and were not doubled
    references = {r.reference for r in sim.state.records.by_kind["event"].values()}
    assert references == {str(e.id) for e in events}


def test_two_forwarders_at_once_send_nothing_twice(seeded_url: str, sim: SimServer) -> None:
    events = [e for n in range(20) for e in h.lot_events(h.GOOD, f"C{n}", 25, start_seq=n * 25)]
    h.queue(seeded_url, events)
    httpx.post(f"{sim.url}/_admin/faults", json={"latency_s": 0.01})
    databases = [Database(seeded_url, max_connections=8) for _ in range(2)]
    adapters = [h.adapter(db, sim.url, max_batch=10) for db in databases]
    forwarders = [
        Forwarder(db, adapter, backoff=Backoff(0.05, 0.2), senders=3, idle_wait_s=0.05)
        for db, adapter in zip(databases, adapters, strict=True)
    ]
    for forwarder in forwarders:
        forwarder.start()
    try:
        wait_for(lambda: not pending(seeded_url), timeout=30, interval=0.1)
    finally:
        for forwarder, adapter, db in zip(forwarders, adapters, databases, strict=True):
            forwarder.stop()
            adapter.close()
            db.close()
    assert h.states(seeded_url) == {"sent": 500}
    summary = sim.state.records.summary()["event"]
    assert summary == {
        "records": 500,
        "confirmed": 500,
        "created": 500,
        "deduped": 0,
        "references": 500,
        "unconfirmed": 0,
        "confirmed_twice": 0,
    }
    assert all(f.counts["accepted"] > 50 for f in forwarders)  # both did a share of the work
    # each event went out in exactly one successful create request
    sends = scalar(
        seeded_url,
        "SELECT count(*) FROM (SELECT unnest(item_ids) AS id FROM forward_submissions "
        "WHERE method = 'POST' AND url LIKE '%%/danh-sach' AND status = 200) s",
    )
    assert sends == 500
