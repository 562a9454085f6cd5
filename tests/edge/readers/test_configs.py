"""The shipped hardware configs validate; every reader is declared once and configurable."""

import importlib
import inspect
import pkgutil
from pathlib import Path
from typing import Any, get_args

import pytest

import edge.readers
from edge.config import load_config
from edge.readers.base import Reader, ReaderKind
from edge.readers.registry import KINDS, READERS, ReaderConfig

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("name", ["packing_line_hardware.yaml", "cold_room_hardware.yaml"])
def test_hardware_configs_load(name: str) -> None:
    config = load_config(ROOT / "firmware_configs" / name)
    assert {reader.type for reader in config.readers} <= set(READERS)  # type: ignore[union-attr]


def test_every_reader_class_is_declared_by_a_kind() -> None:
    classes = set()
    for module in pkgutil.iter_modules(edge.readers.__path__):
        loaded = importlib.import_module(f"edge.readers.{module.name}")
        classes |= {
            value
            for value in vars(loaded).values()
            if inspect.isclass(value)
            and issubclass(value, Reader)
            and not inspect.isabstract(value)
            and value.__module__ == loaded.__name__
        }
    assert classes == {kind.reader for kind in KINDS}


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.name)
def test_each_kind_is_in_the_configuration_union(kind: ReaderKind[Any]) -> None:
    union = get_args(get_args(ReaderConfig)[0])
    assert kind.config in union
    assert get_args(kind.config.model_fields["type"].annotation) == (kind.name,)
