"""Exactly once toward a portal that does not de-duplicate: lost answers, timeouts, SIGKILLs."""

from pathlib import Path

from cloud.portal_sim.faults import Faults
from cloud.portal_sim.server import SimServer
from tests.cloud.forward import helpers as h
from tests.conftest import StartProcess
from tests.support.sql import scalar
from tests.support.waiting import wait_for


def _pending(url: str) -> int:
    return int(scalar(url, "SELECT count(*) FROM forward_outbox WHERE state = 'pending'"))


def test_each_reference_gets_exactly_one_confirmed_record(
    seeded_url: str, tmp_path: Path, txng_process: StartProcess
) -> None:
    faults = Faults(
        seed=11,
        dedupe=False,  # every create makes a new record, whatever its client reference
        product_groups=["fresh-fruit"],
        lost_answer_rate=0.12,  # processed, then answered 502
        timeout_rate=0.05,  # processed, then answered after our timeout
        hang_s=2.0,  # well past our timeout even when a busy machine slows every answer
    )
    events = [e for n in range(10) for e in h.lot_events(h.GOOD, f"X{n}", 12, start_seq=n * 12)]
    h.queue(seeded_url, events)
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("max_batch: 10\ntimeout_s: 1.0\n")
    with SimServer(faults) as sim:
        env = {
            "TXNG_DATABASE_URL": seeded_url,
            "TXNG_PORTAL_URL": sim.url,
            "TXNG_PORTAL_MAPPING": str(mapping),
            "TXNG_FORWARD_SENDERS": "2",
            "TXNG_FORWARD_BACKOFF_BASE_S": "0.05",
            "TXNG_FORWARD_BACKOFF_CAP_S": "0.2",
            "TXNG_FORWARD_IDLE_WAIT_S": "0.05",
            "TXNG_LOG_LEVEL": "WARNING",
        }
        for _ in range(3):  # each dies right after a send, before storing what came of it
            # a safety net: start-up is slow on a busy machine (the fixture kills what is left)
            txng_process(["4"], env, module="tests.support.faulty_forward").wait(120)
        process = txng_process(["cloud", "forward"], env)  # and one finishes the work
        try:
            wait_for(lambda: not _pending(seeded_url), timeout=240)
        finally:
            process.stop()
        records = sim.state.records
        assert h.states(seeded_url) == {"sent": len(events)}
        for kind in ("product", "order", "chain", "event"):
            assert set(records.confirmed_by_reference(kind).values()) == {1}, kind
        assert set(records.confirmed_by_reference("event")) == {str(e.id) for e in events}
        summary = records.summary()
        # the faults struck after the portal had processed creates: it holds drafts we never
        # learnt the ids of (the known interface cannot look them up), none of them confirmed
        assert sim.state.statuses["502"] > 0
        assert sum(counts["unconfirmed"] for counts in summary.values()) > 0, summary
        assert all(counts["confirmed_twice"] == 0 for counts in summary.values()), summary
