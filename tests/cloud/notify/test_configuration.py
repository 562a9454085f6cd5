"""The recipients file (`txng notify import`) and the channels' settings, secrets kept."""

from pathlib import Path

import pytest

from cloud.settings.notify import load_people_settings
from plumbing.settings import ConfigError
from tests.support.sql import query
from txng.cli import main

EXAMPLE = Path(__file__).parents[3] / "examples" / "notify.yaml"


def test_the_example_file_imports_and_a_reimport_deactivates_who_is_gone(
    database_url: str, tmp_path: Path
) -> None:
    assert main(["notify", "import", str(EXAMPLE), "--database-url", database_url]) == 0
    assert query(
        database_url,
        "SELECT escalate_after_s, remind_every_s, max_reminders, group_window_s "
        "FROM notify_policies",
    ) == [(900, 1800, 3, 60)]
    rows = query(
        database_url,
        "SELECT channel, language, level, quiet_start::text, quiet_end::text, active "
        "FROM recipients ORDER BY level, channel",
    )
    assert rows == [
        ("telegram", "vi", 0, None, None, True),
        ("zalo", "vi", 0, None, None, True),
        ("email", "vi", 1, "22:00:00", "06:00:00", True),
        ("email", "en", 2, "21:00:00", "07:00:00", True),
    ]
    shorter = tmp_path / "notify.yaml"
    shorter.write_text(
        "sites:\n  hy-longan:\n    escalate_after_min: null\n    recipients:\n"
        "      - {name: Lan, channel: zalo, address: '8421000000001'}\n"
    )
    assert main(["notify", "import", str(shorter), "--database-url", database_url]) == 0
    assert query(
        database_url, "SELECT count(*) FILTER (WHERE active), count(*) FROM recipients"
    ) == [(1, 4)]
    assert query(database_url, "SELECT escalate_after_s FROM notify_policies") == [(None,)]


def test_a_bad_file_names_site_recipient_and_field_and_writes_nothing(
    database_url: str, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "notify.yaml"
    bad.write_text(
        "sites:\n  hy-longan:\n    recipients:\n"
        "      - {name: Lan, channel: zalo, address: '8421000000001'}\n"
        "      - {name: Minh, channel: email, address: not-an-address}\n"
        "      - {name: An, channel: telegram, address: '555', quiet_hours: '22-6'}\n"
        "      - {name: Bao, channel: zalo, address: '84210001', time_zone: Mars/Olympus}\n"
    )
    assert main(["notify", "import", str(bad), "--database-url", database_url]) == 1
    errors = capfd.readouterr().err
    for line in [
        f"{bad}: sites.hy-longan.recipients.1: Value error, address is not a email address",
        f"{bad}: sites.hy-longan.recipients.2.quiet_hours: Value error, quiet_hours must "
        "read HH:MM-HH:MM (e.g. 22:00-06:00)",
        f"{bad}: sites.hy-longan.recipients.3.time_zone: Value error, unknown time zone "
        "'Mars/Olympus'",
    ]:
        assert line in errors
    assert errors.count(str(bad)) == 3
    assert query(database_url, "SELECT count(*) FROM recipients") == [(0,)]


def test_secrets_never_show_in_settings_or_their_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    token = "987654321:AAF-secret-bot-token-never-shown-xyz"
    monkeypatch.setenv("TXNG_NOTIFY_TELEGRAM_BOT_TOKEN", token)
    monkeypatch.setenv("TXNG_NOTIFY_ZALO_ACCESS_TOKEN", "zalo-secret-token")
    monkeypatch.setenv("TXNG_NOTIFY_SMTP_HOST", "smtp.example.vn")
    monkeypatch.setenv("TXNG_NOTIFY_SMTP_FROM", "alerts@example.vn")
    monkeypatch.setenv("TXNG_NOTIFY_SMTP_USERNAME", "alerts")
    monkeypatch.setenv("TXNG_NOTIFY_SMTP_PASSWORD", "smtp-secret-password")
    settings = load_people_settings()
    assert settings.configured_channels() == ["email", "telegram", "zalo"]
    shown = repr(settings) + str(settings) + settings.model_dump_json()
    for secret in (token, "zalo-secret-token", "smtp-secret-password"):
        assert secret not in shown

    monkeypatch.setenv("TXNG_NOTIFY_TELEGRAM_BOT_TOKEN", "not-a-token-secret-value")
    with pytest.raises(ConfigError) as bad_token:
        load_people_settings()
    assert "telegram_bot_token" in str(bad_token.value)
    assert "not-a-token-secret-value" not in str(bad_token.value)
    monkeypatch.delenv("TXNG_NOTIFY_TELEGRAM_BOT_TOKEN")
    monkeypatch.delenv("TXNG_NOTIFY_SMTP_FROM")
    with pytest.raises(ConfigError, match="smtp_from is required when smtp_host is set"):
        load_people_settings()
