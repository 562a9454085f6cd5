"""The shipped hardware configs validate, and every reader type is in the config union."""

from pathlib import Path
from typing import get_args

import pytest

from edge.config import load_config
from edge.readers.registry import READERS, ReaderConfig

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("name", ["packing_line_hardware.yaml", "cold_room_hardware.yaml"])
def test_hardware_configs_load(name: str) -> None:
    config = load_config(ROOT / "firmware_configs" / name)
    assert {reader.type for reader in config.readers} <= set(READERS)  # type: ignore[union-attr]


def test_union_matches_registry() -> None:
    union = get_args(get_args(ReaderConfig)[0])
    assert {get_args(c.model_fields["type"].annotation)[0] for c in union} == set(READERS)
