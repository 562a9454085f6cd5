"""Device config: the examples load; errors name the file, the field and the reason."""

from pathlib import Path

import pytest

from edge.config import load_config
from plumbing.settings import ConfigError
from tests.edge.helpers import ROOT, device_config, probe, scanner, write_config
from txng.cli import main


@pytest.mark.parametrize("name", ["packing_line.yaml", "cold_room.yaml"])
def test_example_configs_load(name: str) -> None:
    config = load_config(ROOT / "firmware_configs" / name)
    assert config.readers


def _error(tmp_path: Path, document: dict[str, object]) -> str:
    path = write_config(tmp_path / "bad.yaml", document)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert str(path) in message
    return message


def test_unknown_reader_type_names_file_and_field(tmp_path: Path) -> None:
    document = device_config(mqtt_url="mqtt://h:1", outbox=tmp_path / "o",
                             readers=[{"type": "toaster", "name": "t", "location": "line"}])
    message = _error(tmp_path, document)
    assert "readers.0" in message and "toaster" in message


def test_bad_reader_field_names_the_field(tmp_path: Path) -> None:
    document = device_config(mqtt_url="mqtt://h:1", outbox=tmp_path / "o",
                             readers=[scanner(rate=-2)])
    assert "readers.0.simulated_scanner.rate_per_s" in _error(tmp_path, document)


def test_bad_gtin_and_unknown_field(tmp_path: Path) -> None:
    bad = scanner(batches=[{"gtin": "09506000134353", "lot": "L"}], colour="red")
    document = device_config(mqtt_url="mqtt://h:1", outbox=tmp_path / "o", readers=[bad])
    message = _error(tmp_path, document)
    assert "batches.0.gtin" in message and "check digit" in message
    assert "colour" in message


def test_reader_at_unknown_location(tmp_path: Path) -> None:
    document = device_config(mqtt_url="mqtt://h:1", outbox=tmp_path / "o",
                             readers=[probe(location="attic")])
    assert "attic" in _error(tmp_path, document)


def test_inline_credentials_are_refused(tmp_path: Path) -> None:
    document = device_config(mqtt_url="mqtt://user:secret@h:1", outbox=tmp_path / "o", readers=[])
    message = _error(tmp_path, document)
    assert "mqtt.url" in message and "secret" not in message


def test_password_must_be_a_reference(tmp_path: Path) -> None:
    document = device_config(mqtt_url="mqtt://h:1", outbox=tmp_path / "o", readers=[])
    document["mqtt"]["password"] = "hunter2"  # type: ignore[index]
    assert "mqtt.password" in _error(tmp_path, document)


def test_relative_paths_are_anchored_at_the_file(tmp_path: Path) -> None:
    document = device_config(mqtt_url="mqtt://h:1", outbox=Path("state/o.sqlite"), readers=[])
    config = load_config(write_config(tmp_path / "ok.yaml", document))
    assert config.outbox_path() == tmp_path / "state" / "o.sqlite"


def test_not_yaml_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("site: [unclosed")
    with pytest.raises(ConfigError, match=r"broken\.yaml: not valid YAML"):
        load_config(path)
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "absent.yaml")


def test_edge_run_reports_config_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    document = device_config(mqtt_url="mqtt://h:1", outbox=tmp_path / "o",
                             readers=[scanner(rate=0)])
    path = write_config(tmp_path / "bad.yaml", document)
    assert main(["edge", "run", str(path)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "rate_per_s" in err
