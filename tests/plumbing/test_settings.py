"""TXNG_LOG_LEVEL, read in one place: the default when unset, a clear error when wrong."""

import pytest

from plumbing.settings import ConfigError, log_level


def test_log_level_default_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TXNG_LOG_LEVEL", raising=False)
    assert log_level() == "INFO"
    assert log_level(default="WARNING") == "WARNING"
    monkeypatch.setenv("TXNG_LOG_LEVEL", "error")
    assert log_level(default="WARNING") == "ERROR"


def test_a_bad_log_level_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TXNG_LOG_LEVEL", "chatty")
    with pytest.raises(ConfigError, match=r"environment \(TXNG_\*\): log_level: .*'chatty'"):
        log_level()
