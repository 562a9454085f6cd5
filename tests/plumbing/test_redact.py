"""Passwords never reach logs, errors or crash output."""

import json
import logging
import os
import subprocess
import sys

import pytest

from plumbing.logs import JsonFormatter, TextFormatter
from plumbing.mqtt_url import MqttEndpoint
from plumbing.redact import redact
from plumbing.settings import ConfigError

SECRET = "s3cret-Pa55"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("postgresql://txng:s3cret-Pa55@db:5432/txng", "postgresql://txng:***@db:5432/txng"),
        ("mqtts://farm-1/pi:s3cret-Pa55@broker:8883", "mqtts://farm-1/pi:***@broker:8883"),
        ('URI: "postgresql://u:s3cret-Pa55@[bad/db"', 'URI: "postgresql://u:***@[bad/db"'),
        (
            "a https://h:s3cret-Pa55@x/y and mqtt://u:s3cret-Pa55@z",
            "a https://h:***@x/y and mqtt://u:***@z",
        ),
        ("host=db password=s3cret-Pa55 user=u", "host=db password=*** user=u"),
        ("password = 's3cret-Pa55 x'", "password = ***"),
        ("mqtt://user@host:1883 and https://example.org/a@b", None),  # nothing secret: unchanged
    ],
)
def test_passwords_in_urls_and_connection_strings_are_masked(text, expected):
    assert redact(text) == (text if expected is None else expected)
    assert SECRET not in redact(text)


def _record(message: str, *args: object, exc: BaseException | None = None) -> logging.LogRecord:
    exc_info = (type(exc), exc, exc.__traceback__) if exc else None
    return logging.LogRecord("t", logging.ERROR, __file__, 1, message, args, exc_info)


def test_log_lines_json_and_text_carry_no_password():
    url = f"postgresql://txng:{SECRET}@db/txng"
    try:
        raise RuntimeError(f"cannot connect to {url}")
    except RuntimeError as err:
        error = err
    for formatter in (JsonFormatter(), TextFormatter()):
        line = formatter.format(_record("database %s is down", url, exc=error))
        assert SECRET not in line and "txng:***@db" in line
    entry = json.loads(JsonFormatter().format(_record("at %s", url)))
    assert entry["message"] == "at postgresql://txng:***@db/txng"


def test_broker_endpoints_hide_their_password():
    endpoint = MqttEndpoint.parse(f"mqtt://txng-ingest:{SECRET}@mosquitto:1883")
    assert endpoint.password == SECRET and SECRET not in repr(endpoint)
    with pytest.raises(ConfigError) as refused:
        MqttEndpoint.parse(f"mqtt://txng-ingest:{SECRET}@mosquitto:port")
    assert SECRET not in str(refused.value)


def test_a_process_that_crashes_on_a_bad_database_url_does_not_print_the_password(tmp_path):
    env = {
        **os.environ,
        "TXNG_DATABASE_URL": f"postgresql://txng:{SECRET}@[broken/txng",
        "TXNG_MQTT_URL": f"mqtt://txng-ingest:{SECRET}@127.0.0.1:1",
    }
    result = subprocess.run(
        [sys.executable, "-m", "txng.cli", "db", "migrate"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert SECRET not in output
    assert "***" in output, output  # the error still says which URL was wrong
