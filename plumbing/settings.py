"""Typed configuration's shared pieces: the section base, the log level, and bad-setting errors."""

from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

SettingsT = TypeVar("SettingsT", bound=BaseSettings)

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class ConfigError(Exception):
    """Configuration that cannot be used; the message names the source, field and reason."""


def _known_level(value: str) -> str:
    level = value.strip().upper()
    if level not in LEVELS:
        raise ValueError(f"{value!r} is not a log level ({', '.join(LEVELS)})")
    return level


LogLevel = Annotated[str, AfterValidator(_known_level)]


class Section(BaseSettings):
    """A section of the settings tree: each field read from TXNG_<FIELD>, frozen once read."""

    model_config = SettingsConfigDict(env_prefix="TXNG_", extra="ignore", frozen=True)


class ProcessSection(Section):
    """What every txng process reads: its log level (TXNG_LOG_LEVEL)."""

    log_level: LogLevel = "INFO"


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


def log_level(default: str = "INFO") -> str:
    """TXNG_LOG_LEVEL when set (ConfigError if it is no level), else `default`."""
    section = load_settings(ProcessSection, {})
    return section.log_level if "log_level" in section.model_fields_set else default


def configured(section: BaseSettings, field: str) -> bool:
    """Whether `field` of `section` was given (environment or override), not defaulted."""
    return field in section.model_fields_set

