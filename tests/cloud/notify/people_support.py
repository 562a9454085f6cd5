"""Simulators, a simulated clock, recipients and alerts for the people's notifier tests."""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest

from cloud.db import alerts_store
from cloud.db.pool import Database
from cloud.db.recipients_store import PolicyRow, RecipientRow, replace_site
from cloud.notify.escalation import Escalator
from cloud.notify.people import PeopleNotifier
from cloud.notify_sim.smtp import SmtpSim
from cloud.notify_sim.telegram import TelegramSim
from cloud.notify_sim.zalo import ZaloSim
from cloud.settings.notify import PeopleSettings, load_people_settings

SITE = "hy-longan"
BOT_TOKEN = "123456789:AAH-test-token-not-real-0123456789"
ZALO_TOKEN = "zalo-oa-access-token-not-real"
LINK = "https://txng.example.vn"


class SimClock:
    """Time that moves only when the test says so."""

    def __init__(self, start: datetime | None = None):
        self.now = start or datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)

    def __call__(self) -> datetime:
        return self.now

    def catch_up(self) -> datetime:
        """At least the real time (rows the database stamped `now()` are due by then)."""
        self.now = max(self.now, datetime.now(UTC) + timedelta(seconds=1))
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclass
class Sims:
    smtp: SmtpSim
    telegram: TelegramSim
    zalo: ZaloSim

    def settings(self, **overrides: Any) -> PeopleSettings:
        values: dict[str, Any] = {
            "link_base_url": LINK,
            "smtp_host": "127.0.0.1",
            "smtp_port": self.smtp.port,
            "smtp_security": "none",
            "smtp_from": "canh-bao@txng.example.vn",
            "telegram_api_url": self.telegram.url,
            "telegram_bot_token": BOT_TOKEN,
            "zalo_api_url": self.zalo.url,
            "zalo_access_token": ZALO_TOKEN,
            "timeout_s": 5,
            "backoff_base_s": 5,
            "backoff_max_s": 600,
            "escalate_after_s": None,
            "remind_every_s": None,
            "group_window_s": 60,
            **overrides,
        }
        return load_people_settings(**values)


@pytest.fixture
def sims() -> Iterator[Sims]:
    running = Sims(SmtpSim().start(), TelegramSim(BOT_TOKEN).start(), ZaloSim(ZALO_TOKEN).start())
    yield running
    running.smtp.stop()
    running.telegram.stop()
    running.zalo.stop()


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url, max_connections=2)
    yield database
    database.close()


def person(
    channel: str,
    address: str,
    *,
    language: str = "vi",
    level: int = 0,
    kinds: Sequence[str] | None = None,
    quiet: tuple[time, time] | None = None,
) -> RecipientRow:
    return RecipientRow(
        name=f"{channel}-{address}",
        channel=channel,
        address=address,
        language=language,
        level=level,
        kinds=kinds,
        quiet_start=quiet[0] if quiet else None,
        quiet_end=quiet[1] if quiet else None,
        time_zone="Asia/Ho_Chi_Minh",
    )


def configure(
    db: Database,
    recipients: Sequence[RecipientRow],
    *,
    escalate_after_s: int | None = None,
    remind_every_s: int | None = None,
    max_reminders: int = 3,
    group_window_s: int = 60,
    site: str = SITE,
) -> None:
    policy = PolicyRow(escalate_after_s, remind_every_s, max_reminders, group_window_s)
    with db.transaction() as conn, conn.cursor() as cur:
        replace_site(cur, site, policy, recipients)


def raise_alert(
    db: Database,
    key: str,
    *,
    kind: str = "excursion_high",
    severity: str = "critical",
    site: str = SITE,
    details: dict[str, Any] | None = None,
) -> int:
    spec = alerts_store.AlertSpec(
        key=key,
        kind=kind,
        severity=severity,
        started_at=datetime(2026, 5, 14, 19, 13, tzinfo=UTC),
        site_id=site,
        location="cold-room-1",
        sensor="probe-1",
        details=details or {"peak": 9.2, "min_value": 2.0, "max_value": 8.0},
    )
    with db.transaction() as conn, conn.cursor() as cur:
        alert_id = alerts_store.raise_alert(cur, spec)
    assert alert_id is not None
    return alert_id


def act(db: Database, alert_id: int, change: str, actor: str, comment: str | None) -> None:
    with db.transaction() as conn, conn.cursor() as cur:
        getattr(alerts_store, change)(cur, alert_id, actor=actor, comment=comment)


def notifier(db: Database, settings: PeopleSettings, clock: SimClock) -> PeopleNotifier:
    return PeopleNotifier(db, settings, clock=clock)


def escalator(db: Database, settings: PeopleSettings, clock: SimClock) -> Escalator:
    return Escalator(db, settings, clock=clock)


def texts(sims: Sims) -> dict[str, list[str]]:
    """Every message each channel carried so far."""
    return {
        "email": [m.text for m in sims.smtp.mails],
        "telegram": [m.text for m in sims.telegram.messages],
        "zalo": [m.text for m in sims.zalo.messages],
    }
