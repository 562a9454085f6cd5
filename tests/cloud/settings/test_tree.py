"""The settings tree: every section read at once, shared defaults once, bad values all named."""

import pytest

from cloud.settings import Settings, load_tree, section_classes
from cloud.settings.common import DEFAULT_DATABASE_URL, DatabaseSection, required_database_url
from plumbing.settings import ConfigError, ProcessSection


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TXNG_DATABASE_URL", "TXNG_LOG_LEVEL", "TXNG_API_PORT", "TXNG_INGEST_QUEUE_SIZE"):
        monkeypatch.delenv(name, raising=False)


def test_the_tree_has_a_section_per_process_with_shared_defaults_from_one_place() -> None:
    tree = load_tree()
    assert set(section_classes()) == {
        "api", "ingest", "forward", "epcis", "broker", "integrity", "notify", "reports"
    }
    processes = [tree.api, tree.ingest, tree.forward]
    assert all(isinstance(section, DatabaseSection) for section in processes)
    assert {section.database_url for section in processes} == {DEFAULT_DATABASE_URL}
    assert all("database_url" not in vars(type(s)).get("__annotations__", {}) for s in processes)
    assert isinstance(tree, Settings)


def test_one_variable_reaches_every_section_that_reads_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TXNG_DATABASE_URL", "postgresql://db.example/txng")
    monkeypatch.setenv("TXNG_LOG_LEVEL", "warning")
    tree = load_tree()
    assert {s.database_url for s in (tree.api, tree.ingest, tree.forward)} == {
        "postgresql://db.example/txng"
    }
    assert {s.log_level for s in (tree.api, tree.ingest, tree.forward)} == {"WARNING"}


def test_every_bad_setting_is_named_once_at_start_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TXNG_LOG_LEVEL", "loud")
    monkeypatch.setenv("TXNG_API_PORT", "eighty")
    monkeypatch.setenv("TXNG_INGEST_QUEUE_SIZE", "0")
    with pytest.raises(ConfigError) as bad:
        load_tree()
    lines = str(bad.value).splitlines()
    assert sum("log_level" in line and "'loud' is not a log level" in line for line in lines) == 1
    assert any(line.endswith("api_port: Input should be a valid integer, unable to parse "
                             "string as an integer") for line in lines)
    assert any("ingest_queue_size" in line for line in lines)


def test_no_section_carries_a_test_only_fault_switch() -> None:
    fields = {name for cls in section_classes().values() for name in cls.model_fields}
    assert not [name for name in fields if "fault" in name or "kill" in name]


def test_commands_need_a_database_url_given_not_the_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(ConfigError, match="TXNG_DATABASE_URL: not set"):
        required_database_url(None)
    assert required_database_url("postgresql://given/x") == "postgresql://given/x"
    monkeypatch.setenv("TXNG_DATABASE_URL", "postgresql://env/x")
    assert required_database_url(None) == "postgresql://env/x"


def test_process_section_knows_only_real_log_levels() -> None:
    assert ProcessSection(log_level="debug").log_level == "DEBUG"
    with pytest.raises(ValueError, match="not a log level"):
        ProcessSection(log_level="verbose")
