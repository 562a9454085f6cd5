from datetime import UTC, datetime

import psycopg2
import pytest

from cloud.db.alerts_store import (
    AlertSpec,
    AlertStateError,
    acknowledge,
    clear,
    end_condition,
    raise_alert,
)

T0 = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)


@pytest.fixture
def cur(database_url):
    conn = psycopg2.connect(database_url)
    with conn.cursor() as cursor:
        cursor.execute(
            "INSERT INTO webhooks (id, url, kinds) VALUES ('ops', 'http://127.0.0.1:9/x', NULL)"
        )
        cursor.execute(
            "INSERT INTO webhooks (id, url, kinds) "
            "VALUES ('qa', 'http://127.0.0.1:9/y', '{silent_probe}')"
        )
        yield cursor
    conn.rollback()
    conn.close()


def spec(**changes):
    fields = {
        "key": "excursion:batch:1:t0",
        "kind": "excursion_high",
        "severity": "critical",
        "started_at": T0,
        "batch_ids": [1],
    }
    return AlertSpec(**{**fields, **changes})


def _transitions(cur, alert_id):
    cur.execute(
        "SELECT from_state, to_state, actor FROM alert_transitions WHERE alert_id = %s ORDER BY id",
        (alert_id,),
    )
    return cur.fetchall()


def _channels(cur):
    cur.execute(
        "SELECT t.to_state, n.channel FROM notifications n "
        "JOIN alert_transitions t ON t.id = n.transition_id ORDER BY n.id"
    )
    return cur.fetchall()


def test_the_same_key_is_one_alert(cur):
    alert_id = raise_alert(cur, spec())
    assert alert_id is not None
    assert raise_alert(cur, spec(batch_ids=[2])) is None
    cur.execute("SELECT count(*), max(batch_ids) FROM alerts")
    assert cur.fetchone() == (1, [1, 2])
    assert _transitions(cur, alert_id) == [(None, "active_unack", "system")]
    assert _channels(cur) == [("active_unack", "mqtt"), ("active_unack", "webhook:ops")]


def test_life_cycle_ack_then_clear(cur):
    alert_id = raise_alert(cur, spec())
    acknowledge(cur, alert_id, actor="lan", comment="door closed")
    with pytest.raises(AlertStateError):
        acknowledge(cur, alert_id, actor="lan", comment=None)
    assert end_condition(cur, "excursion:batch:1:t0", T0) is True
    assert end_condition(cur, "excursion:batch:1:t0", T0) is False
    with pytest.raises(AlertStateError):
        clear(cur, alert_id, actor="lan", comment=None)
    cur.execute(
        "SELECT state, acknowledged_by, ack_comment, ended_at FROM alerts WHERE id = %s",
        (alert_id,),
    )
    assert cur.fetchone() == ("cleared", "lan", "door closed", T0)
    assert [t[:2] for t in _transitions(cur, alert_id)] == [
        (None, "active_unack"),
        ("active_unack", "active_ack"),
        ("active_ack", "cleared"),
    ]
    assert len(_channels(cur)) == 6


def test_cleared_before_anyone_acknowledged(cur):
    alert_id = raise_alert(cur, spec())
    clear(cur, alert_id, actor="minh", comment="probe moved")
    assert [t[:2] for t in _transitions(cur, alert_id)] == [
        (None, "active_unack"),
        ("active_unack", "cleared"),
    ]


def test_unknown_alert_and_bad_severity(cur):
    with pytest.raises(LookupError):
        acknowledge(cur, 999, actor="x", comment=None)
    with pytest.raises(ValueError):
        raise_alert(cur, spec(severity="apocalyptic"))
