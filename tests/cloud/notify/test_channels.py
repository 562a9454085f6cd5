"""Each channel against its simulator: content, language, retries, exactly one per transition."""

from cloud.db.pool import Database
from tests.cloud.notify.people_support import (
    BOT_TOKEN,
    LINK,
    SITE,
    ZALO_TOKEN,
    SimClock,
    Sims,
    act,
    configure,
    notifier,
    person,
    raise_alert,
    texts,
)
from tests.support.sql import query

RECIPIENTS = [
    person("email", "kho-lanh@example.vn", language="en"),
    person("telegram", "555001"),
    person("zalo", "8421000000001"),
]


def test_each_transition_reaches_each_recipient_once_in_their_language(
    db: Database, sims: Sims, database_url: str
) -> None:
    configure(db, RECIPIENTS)
    clock = SimClock()
    worker = notifier(db, sims.settings(), clock)
    alert = raise_alert(db, "excursion:1:room:t0")
    clock.catch_up()

    assert worker.run_once() == 3
    assert worker.run_once() == 0  # nothing more is due: no second message
    (mail,) = sims.smtp.mails
    assert mail.recipients == ("kho-lanh@example.vn",)
    assert mail.subject == f"CRITICAL · New: Batch above its range · {SITE}/cold-room-1"
    assert "Peak: 9.2 · Range: 2.0\N{EN DASH}8.0" in mail.text
    assert "Since: 15/05/2026 02:13 (UTC+07:00)" in mail.text
    assert f"Open and acknowledge: {LINK}/ui/alerts/{alert}" in mail.text
    (tg,) = sims.telegram.messages
    (zl,) = sims.zalo.messages
    assert (tg.chat_id, zl.user_id) == ("555001", "8421000000001")
    for text in (tg.text, zl.text):
        assert text.startswith("NGHIÊM TRỌNG · Mới: Nhiệt độ lô hàng vượt ngưỡng trên")
        assert "Cực trị: 9,2 · Giới hạn: 2,0\N{EN DASH}8,0" in text
        assert "Từ: 15/05/2026 02:13 (UTC+07:00)" in text
        assert f"Xem và xác nhận: {LINK}/ui/alerts/{alert}" in text

    act(db, alert, "acknowledge", "lan", "cửa kho đã đóng")
    assert worker.run_once() == 0  # within the grouping window
    clock.advance(seconds=60)
    assert worker.run_once() == 3
    clock.advance(seconds=60)
    act(db, alert, "clear", "lan", None)
    assert worker.run_once() == 3
    assert worker.run_once() == 0

    sent = texts(sims)
    assert [len(sent[c]) for c in ("email", "telegram", "zalo")] == [3, 3, 3]
    assert "Acknowledged by lan: cửa kho đã đóng" in sent["email"][1]
    assert "Đã xác nhận bởi lan: cửa kho đã đóng" in sent["zalo"][1]
    assert sent["telegram"][2].startswith("NGHIÊM TRỌNG · Đã kết thúc")
    rows = query(
        database_url,
        "SELECT count(*), count(DISTINCT (transition_id, recipient_id)), "
        "count(*) FILTER (WHERE state = 'sent' AND message_id IS NOT NULL) FROM deliveries",
    )
    assert rows == [(9, 9, 9)]
    # Queuing a transition again (another process, a retry) adds nothing.
    with db.transaction() as conn, conn.cursor() as cur:
        from cloud.db.deliveries_store import queue_transition

        cur.execute("SELECT id FROM alert_transitions WHERE alert_id = %s", (alert,))
        for (transition,) in cur.fetchall():
            assert queue_transition(cur, alert, transition) == 0


def test_failed_sends_are_retried_after_a_backoff_and_then_delivered_once(
    db: Database, sims: Sims, database_url: str
) -> None:
    configure(db, RECIPIENTS)
    clock = SimClock()
    worker = notifier(db, sims.settings(), clock)
    sims.smtp.faults.inject("temporary")
    sims.telegram.faults.inject("rate_limit")
    sims.telegram.retry_after_s = 42
    sims.zalo.faults.inject("token_expired")
    raise_alert(db, "excursion:1:room:t0")
    clock.catch_up()

    assert worker.run_once() == 3
    assert texts(sims) == {"email": [], "telegram": [], "zalo": []}
    errors = dict(
        query(
            database_url,
            "SELECT r.channel, d.attempts || ' ' || d.state || ' ' || d.last_error "
            "FROM deliveries d JOIN recipients r ON r.id = d.recipient_id",
        )
    )
    assert errors == {
        "email": "1 pending email: SMTP 451: 4.3.0 try again later",
        "telegram": "1 pending telegram: 429: Too Many Requests: retry after 42",
        "zalo": "1 pending zalo: HTTP 200, error -216: Access token is invalid",
    }
    assert not any(BOT_TOKEN in e or ZALO_TOKEN in e for e in errors.values())
    requests = (sims.telegram.requests, sims.zalo.requests)
    assert worker.run_once() == 0  # backing off: nobody is tried again yet
    assert (sims.telegram.requests, sims.zalo.requests) == requests

    clock.advance(seconds=5)  # the base backoff: e-mail and Zalo retry, Telegram asked for 42 s
    assert worker.run_once() == 2
    clock.advance(seconds=37)
    assert worker.run_once() == 1
    assert worker.run_once() == 0
    assert {k: len(v) for k, v in texts(sims).items()} == {"email": 1, "telegram": 1, "zalo": 1}
    assert (
        query(database_url, "SELECT attempts, state, last_error FROM deliveries ORDER BY id")
        == [(2, "sent", None)] * 3
    )


def test_a_storm_of_alerts_becomes_one_digest_per_window(
    db: Database, sims: Sims, database_url: str
) -> None:
    configure(db, [person("telegram", "555001", language="en")])
    clock = SimClock()
    worker = notifier(db, sims.settings(group_limit=20), clock)
    for n in range(30):
        raise_alert(db, f"probe_silent:{n}", kind="probe_silent", severity="warning", details={})
    clock.catch_up()
    assert worker.run_once() == 1
    for n in range(30, 35):
        raise_alert(db, f"probe_silent:{n}", kind="probe_silent", severity="warning", details={})
    assert worker.run_once() == 0
    clock.advance(seconds=60)
    clock.catch_up()
    assert worker.run_once() == 1

    first, second = (m.text for m in sims.telegram.messages)
    assert first.startswith(f"30 alerts · {SITE}\n• New: Probe silent: no data")
    assert first.count("\n• ") == 20 and "… and 10 more" in first
    assert first.endswith(f"All alerts: {LINK}/ui/alerts")
    assert second.startswith(f"5 alerts · {SITE}") and second.count("\n• ") == 5
    assert query(
        database_url,
        "SELECT count(DISTINCT message_id), count(*) FROM deliveries WHERE state = 'sent'",
    ) == [(2, 35)]
