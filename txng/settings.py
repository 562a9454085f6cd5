"""Shared pieces of typed configuration and the one way to report a bad setting."""

from pydantic import ValidationError


class ConfigError(Exception):
    """Configuration that cannot be used; the message names the source, field and reason."""


def describe_validation_error(err: ValidationError, source: str) -> str:
    """Turn a pydantic error into lines of `source: field: reason`."""
    lines = []
    for problem in err.errors(include_url=False):
        field = ".".join(str(part) for part in problem["loc"]) or "(root)"
        lines.append(f"{source}: {field}: {problem['msg']}")
    return "\n".join(lines)
