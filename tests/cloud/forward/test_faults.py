"""The forwarder against a faulty simulator: 20 % failures, a token expiry, a 10-minute outage."""

import httpx

from cloud.db.pool import Database
from cloud.forward.backoff import Backoff
from cloud.forward.forwarder import Forwarder
from cloud.portal_sim.server import SimServer
from tests.cloud.forward import helpers as h
from tests.support.sql import scalar
from tests.support.waiting import wait_for


def test_thousand_events_through_failures_expiry_and_outage(
    seeded_url: str, sim: SimServer
) -> None:
    good = [e for n in range(50) for e in h.lot_events(h.GOOD, f"B{n:02d}", 20, start_seq=n * 20)]
    bad = h.lot_events(h.NO_IMAGE, "N1", 5) + h.lot_events(h.UNKNOWN_GROUP, "U1", 5)
    h.queue(seeded_url, good + bad)
    httpx.post(
        f"{sim.url}/_admin/faults",
        json={
            "error_rate": 0.14,  # 503 before processing
            "lost_answer_rate": 0.04,  # processed, then 502: the resend must not double it
            "timeout_rate": 0.02,  # processed, then an answer later than our timeout
            "hang_s": 1.5,
            "clock_speed": 200.0,  # a simulated 10 minutes pass in 3 s
            "token_ttl_s": 6000.0,
        },
    )
    database = Database(seeded_url, max_connections=12)
    adapter = h.adapter(database, sim.url, timeout_s=1.0, max_batch=25)
    forwarder = Forwarder(database, adapter, backoff=Backoff(0.05, 0.5), senders=4)
    forwarder.start()
    try:
        wait_for(lambda: h.states(seeded_url).get("sent", 0) >= 300, timeout=30, interval=0.1)
        outage = httpx.post(f"{sim.url}/_admin/outage", json={"seconds": 600}).json()
        httpx.post(f"{sim.url}/_admin/expire-tokens")
        wait_for(lambda: "pending" not in h.states(seeded_url), timeout=60, interval=0.2)
    finally:
        forwarder.stop()
        adapter.close()
        database.close()

    assert h.states(seeded_url) == {"sent": 1000, "parked": 10}
    events = sim.state.records.by_kind["event"]
    assert {r.reference for r in events.values()} == {str(e.id) for e in good}
    summary = sim.state.records.summary()["event"]
    assert summary["records"] == summary["created"] == summary["confirmed"] == 1000
    statuses = sim.state.statuses
    assert statuses["503"] > 20 and statuses["502"] > 0 and statuses["401"] >= 1
    assert sim.state.clock.now() > outage["outage_until"]  # the outage was lived through
    parked = h.parked(seeded_url)
    assert {parked[str(e.id)][0] for e in bad[:5]} == {"image_url"}
    assert all("ERR_DANH_MUC" in (parked[str(e.id)][1] or "") for e in bad[5:])
    # each attempt was recorded; failures were retried, parked items were not
    assert scalar(seeded_url, "SELECT count(*) FROM forward_submissions WHERE status = 503") > 20
