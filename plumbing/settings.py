"""Shared pieces of typed configuration and the one way to report a bad setting."""

from typing import Any, TypeVar

from pydantic import ValidationError
from pydantic_settings import BaseSettings

SettingsT = TypeVar("SettingsT", bound=BaseSettings)


class ConfigError(Exception):
    """Configuration that cannot be used; the message names the source, field and reason."""


def describe_validation_error(err: ValidationError, source: str) -> str:
    """Turn a pydantic error into lines of `source: field: reason`."""
    lines = []
    for problem in err.errors(include_url=False):
        field = ".".join(str(part) for part in problem["loc"]) or "(root)"
        lines.append(f"{source}: {field}: {problem['msg']}")
    return "\n".join(lines)


def load_settings(cls: type[SettingsT], overrides: dict[str, Any]) -> SettingsT:
    """Read `cls` from the environment (and `overrides`); raise ConfigError naming the field."""
    try:
        return cls(**overrides)
    except ValidationError as err:
        prefix = cls.model_config.get("env_prefix", "")
        raise ConfigError(describe_validation_error(err, f"environment ({prefix}*)")) from err
