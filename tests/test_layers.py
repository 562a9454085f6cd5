"""Every package of the cloud has its place in the import-linter layers (pyproject.toml)."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _cloud_layers() -> list[set[str]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contracts = config["tool"]["importlinter"]["contracts"]
    (cloud,) = [c for c in contracts if c.get("containers") == ["cloud"]]
    return [
        {name.strip() for name in layer.replace("|", ":").split(":")} for layer in cloud["layers"]
    ]


def test_every_cloud_package_and_module_is_in_a_layer_once() -> None:
    placed = [name for layer in _cloud_layers() for name in layer]
    present = {
        p.stem if p.suffix == ".py" else p.name
        for p in (ROOT / "cloud").iterdir()
        if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").exists()
    }
    assert sorted(placed) == sorted(set(placed)), "a name is in two layers"
    assert present == set(placed), f"not in a layer: {present - set(placed)}"


def test_storage_and_settings_are_the_bottom_and_the_api_the_top() -> None:
    layers = _cloud_layers()
    assert layers[0] == {"api"}
    assert layers[-1] == {"db", "settings"}
