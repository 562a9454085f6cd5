"""The timeline's JSON written without models is Timeline.model_dump_json's, byte for byte."""

from typing import Any
from unittest.mock import patch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cloud.db import timeline_store as store
from cloud.db.forward_store import EVENT, enqueue
from cloud.trace import conditions
from cloud.trace.timeline import Timeline, _assemble, timeline_json
from cloud.trace.timeline_json import timeline_bytes
from tests.cloud.trace.story_world import DISTRIBUTOR, FARM, SHOP
from tests.cloud.trace.timeline_strategies import FACTS, FORWARDING, SITES, STAYS

SERIES = '[{"first_time":"2026-07-20T16:30:00Z","count":1}]'


def model_bytes(cur: Any, facts: store.TimelineFacts, summaries: list, series: str, site):
    """The timeline as the models write it (the series spliced in last, as the route has it)."""
    model = _assemble(cur, facts, summaries, [], site)
    rest = model.model_dump_json(exclude={"series"}).encode()
    return b"".join((rest[:-1], b',"series":', series.encode(), b"}"))


@settings(max_examples=400, deadline=None)
@given(
    facts=FACTS,
    stays=STAYS,
    site=st.sampled_from((None, *SITES, "elsewhere")),
    own_forwarding=FORWARDING,
)
def test_written_as_the_models_write_it(facts, stays, site, own_forwarding):
    asked: list[list[str]] = []

    def forwarding_of(cur, event_ids):
        asked.append(list(event_ids))
        return own_forwarding

    with patch.object(store, "forwarding_of", forwarding_of):
        expected = model_bytes(None, facts, stays, SERIES, site)
        written = timeline_bytes(None, facts, stays, SERIES, site)
    assert written == expected
    assert len(asked) in (0, 2) and asked[:1] == asked[1:]


@pytest.fixture(scope="module")
def forwarded(world):
    """The story with its events queued for two destinations, in every state."""
    from cloud.db.pool import Database

    database = Database(world.url, max_connections=1)
    with database.transaction() as conn, conn.cursor() as cur:
        cur.execute("INSERT INTO forward_destinations (name, adapter) VALUES ('portal', 'portal')")
        cur.execute("INSERT INTO forward_destinations (name, adapter) VALUES ('kho', 'portal')")
        cur.execute("SELECT id::text FROM events ORDER BY time, id")
        events = [row[0] for row in cur.fetchall()]
        enqueue(cur, kind=EVENT, items=[(event_id, {}) for event_id in events])
        cur.execute(
            "UPDATE forward_outbox SET state = 'sent', sent_at = '2026-08-09 10:11:12.5+00' "
            "WHERE key = ANY(%s) AND destination = 'portal'",
            (events[::3],),
        )
        cur.execute(
            "UPDATE forward_outbox SET state = 'parked', missing_field = 'producer_tax_code' "
            "WHERE key = ANY(%s)",
            (events[1::3],),
        )
        cur.execute("UPDATE forward_outbox SET state = 'skipped' WHERE key = %s", (events[-1],))
    database.close()
    return world


@pytest.mark.parametrize("site", [None, FARM, DISTRIBUTOR, SHOP, "elsewhere"])
def test_written_as_the_models_write_it_from_the_database(forwarded, cur, site):
    for batch_id in (forwarded.fresh, forwarded.dried):
        facts = store.timeline_facts(cur, batch_id)
        assert facts is not None
        summaries, series = conditions.summaries_and_series_json(cur, batch_id, 500, site)
        written = timeline_json(cur, batch_id, site=site)
        assert written == model_bytes(cur, facts, summaries, series, site)


def test_the_database_rows_are_not_vacuous(forwarded, cur):
    """The story's timelines have stays with conditions, alerts, units and forwarding."""
    written = Timeline.model_validate_json(timeline_json(cur, forwarded.dried) or b"")
    kinds = {e.kind for e in written.entries}
    assert kinds == {"origin", "event", "stay", "alert"}
    assert any(e.conditions and e.conditions.mkt for e in written.entries)
    assert written.units and written.inputs and written.series
    assert written.forwarding.status == "parked"
    assert {d.destination for d in written.forwarding.destinations} == {"portal", "kho"}
