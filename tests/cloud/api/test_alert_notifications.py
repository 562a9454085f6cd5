"""The alert's notifications (API and page): deliveries, escalation policy, recipients."""

from datetime import time

from cloud.db.pool import Database
from cloud.db.recipients_store import PolicyRow, RecipientRow, replace_site
from tests.cloud.api.conftest import auth
from tests.cloud.api.seed import PASSWORD, SITE_A


def _configure(url: str) -> None:
    people = [
        RecipientRow(
            "Lan", "zalo", "8421000000001", "vi", 0, None, time(22), time(6), "Asia/Ho_Chi_Minh"
        ),
        RecipientRow(
            "Minh", "email", "minh@example.vn", "en", 1, ["excursion_high"], None, None, "UTC"
        ),
    ]
    database = Database(url, max_connections=1)
    try:
        with database.transaction() as conn, conn.cursor() as cur:
            replace_site(cur, SITE_A, PolicyRow(900, 1800, 2, 60), people)
    finally:
        database.close()


def test_an_alerts_notifications_show_deliveries_policy_and_masked_recipients(client, world):
    _configure(world.url)
    headers = auth(world, "op-a")
    ack = client.post(f"/api/alerts/{world.alert_a}/acknowledge", headers=headers, json={})
    assert ack.status_code == 200

    body = client.get(f"/api/alerts/{world.alert_a}/notifications", headers=headers).json()
    (delivery,) = body["deliveries"]  # level 0 only: Minh (level 1) was never escalated to
    assert (delivery["name"], delivery["channel"], delivery["address"]) == ("Lan", "zalo", "…0001")
    assert (delivery["reason"], delivery["to_state"], delivery["state"]) == (
        "transition",
        "active_ack",
        "pending",
    )
    (plan,) = body["sites"]
    assert plan["site_id"] == SITE_A and plan["configured"] is True
    assert (plan["escalate_after_s"], plan["remind_every_s"], plan["max_reminders"]) == (
        900,
        1800,
        2,
    )
    assert [
        (r["name"], r["level"], r["address"], r["quiet_start"], r["quiet_end"])
        for r in plan["recipients"]
    ] == [
        ("Lan", 0, "…0001", "22:00", "06:00"),
        ("Minh", 1, "mi***@example.vn", None, None),
    ]
    other = client.get(f"/api/alerts/{world.alert_a}/notifications", headers=auth(world, "op-b"))
    assert other.status_code == 404

    client.post(
        "/login",
        data={"username": "op-a", "password": PASSWORD},
        headers={"Origin": "http://testserver"},  # a browser's form post (CSRF guard)
    )
    page = client.get(f"/ui/alerts/{world.alert_a}")
    assert page.status_code == 200
    for text in (
        "Chuyển cấp sau",
        "15 min",
        "Lan",
        "…0001",
        "22:00\N{EN DASH}06:00",
        "(+15 min)",
        "Đang chờ",
    ):
        assert text in page.text
    assert "8421000000001" not in page.text and "minh@example.vn" not in page.text
    assert client.get(f"/ui/alerts/{world.alert_b}").status_code == 404
