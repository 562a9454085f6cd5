"""Escalation, reminders and quiet hours on a simulated clock."""

from datetime import UTC, datetime, time

from cloud.db.pool import Database
from tests.cloud.notify.people_support import (
    SimClock,
    Sims,
    act,
    configure,
    escalator,
    notifier,
    person,
    raise_alert,
    texts,
)
from tests.support.sql import query, scalar


def _raised_at(database_url: str, alert: int) -> datetime:
    value: datetime = scalar(database_url, "SELECT raised_at FROM alerts WHERE id = %s", (alert,))
    return value


def test_unacknowledged_alerts_escalate_level_by_level_and_remind_until_acknowledged(
    db: Database, sims: Sims, database_url: str
) -> None:
    configure(
        db,
        [
            person("telegram", "555001", language="en"),  # level 0: at once
            person("zalo", "8421000000002", language="en", level=1),  # after 15 min
            person("email", "giam-doc@example.vn", language="en", level=2),  # after 30 min
        ],
        escalate_after_s=900,
        remind_every_s=600,
        max_reminders=2,
        group_window_s=0,
    )
    settings = sims.settings()
    alert = raise_alert(db, "excursion:1:room:t0")
    clock = SimClock(_raised_at(database_url, alert))
    sender, sweeper = notifier(db, settings, clock), escalator(db, settings, clock)

    def tick(minutes: int) -> dict[str, int]:
        clock.advance(minutes=minutes)
        counts = sweeper.run_once()
        while sender.run_once():
            pass
        return counts

    clock.catch_up()
    assert sender.run_once() == 1  # level 0 hears of it at once
    assert tick(9) == {"escalation": 0, "reminder": 0}
    assert tick(1) == {"escalation": 0, "reminder": 1}  # 10 min: reminder 1 to level 0
    assert tick(5) == {"escalation": 1, "reminder": 0}  # 15 min: level 1
    assert tick(5) == {"escalation": 0, "reminder": 2}  # 20 min: reminder 2 to levels 0 and 1
    assert tick(10) == {"escalation": 1, "reminder": 0}  # 30 min: level 2; no 3rd reminder
    assert tick(10) == {"escalation": 0, "reminder": 0}  # the sweep is idempotent
    act(db, alert, "acknowledge", "lan", "đã kiểm tra")
    assert tick(1) == {"escalation": 0, "reminder": 0}
    assert tick(60) == {"escalation": 0, "reminder": 0}  # acknowledged: nothing more

    sent = texts(sims)
    firsts = {channel: [t.split("\n")[0] for t in sent[channel]] for channel in sent}
    assert firsts["telegram"] == [
        "CRITICAL · New: Batch above its range · hy-longan/cold-room-1",
        "CRITICAL · Reminder: still unacknowledged: Batch above its range · hy-longan/cold-room-1",
        "CRITICAL · Reminder: still unacknowledged: Batch above its range · hy-longan/cold-room-1",
        "CRITICAL · Acknowledged: Batch above its range · hy-longan/cold-room-1",
    ]
    assert firsts["zalo"] == [
        "CRITICAL · Escalated: nobody acknowledged: Batch above its range · hy-longan/cold-room-1",
        "CRITICAL · Reminder: still unacknowledged: Batch above its range · hy-longan/cold-room-1",
        "CRITICAL · Acknowledged: Batch above its range · hy-longan/cold-room-1",
    ]
    assert [m.subject for m in sims.smtp.mails] == [
        "CRITICAL · Escalated: nobody acknowledged: Batch above its range · hy-longan/cold-room-1",
        "CRITICAL · Acknowledged: Batch above its range · hy-longan/cold-room-1",
    ]
    assert "Acknowledged by lan: đã kiểm tra" in sims.smtp.mails[1].text


def test_a_reminder_queued_before_the_acknowledgement_is_not_sent(
    db: Database, sims: Sims, database_url: str
) -> None:
    configure(db, [person("telegram", "555001")], remind_every_s=600, group_window_s=0)
    settings = sims.settings()
    alert = raise_alert(db, "excursion:1:room:t0")
    clock = SimClock(_raised_at(database_url, alert))
    sender, sweeper = notifier(db, settings, clock), escalator(db, settings, clock)
    clock.catch_up()
    assert sender.run_once() == 1
    clock.advance(minutes=10)
    assert sweeper.run_once()["reminder"] == 1
    act(db, alert, "acknowledge", "lan", None)  # before the notifier's turn
    assert sender.run_once() == 1
    assert [t.split("\n")[0].split(":")[0] for t in texts(sims)["telegram"]] == [
        "NGHIÊM TRỌNG · Mới",
        "NGHIÊM TRỌNG · Đã xác nhận",
    ]
    assert query(database_url, "SELECT reason, state FROM deliveries ORDER BY id") == [
        ("transition", "sent"),
        ("reminder", "cancelled"),
        ("transition", "sent"),
    ]


def test_quiet_hours_hold_warnings_until_morning_but_not_critical_alerts(
    db: Database, sims: Sims, database_url: str
) -> None:
    configure(
        db,
        [person("zalo", "8421000000003", quiet=(time(22, 0), time(6, 0)))],
        group_window_s=0,
    )
    night = datetime(2026, 5, 14, 16, 30, tzinfo=UTC)  # 23:30 in Hanoi (UTC+7)
    clock = SimClock(night)
    sender = notifier(db, sims.settings(), clock)
    raise_alert(db, "probe_silent:1", kind="probe_silent", severity="warning", details={})
    clock.now = datetime.now(UTC).replace(hour=16, minute=30, second=0, microsecond=0)
    clock.advance(days=1)  # tomorrow 23:30 local: after the database stamped the delivery
    assert sender.run_once() == 1  # served: the warning is held, not sent
    assert texts(sims)["zalo"] == []
    held = scalar(database_url, "SELECT due_at FROM deliveries")
    assert held == clock.now.replace(hour=23, minute=0)  # 06:00 local next morning

    raise_alert(db, "excursion:1:room:t0")  # critical: it goes at night
    assert sender.run_once() == 1
    (critical,) = texts(sims)["zalo"]
    assert critical.startswith("NGHIÊM TRỌNG · Mới")

    clock.now = held
    assert sender.run_once() == 1
    assert texts(sims)["zalo"][1].startswith("Mới: Đầu đo không gửi dữ liệu")
