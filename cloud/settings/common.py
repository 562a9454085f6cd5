"""What several cloud sections share: the database URL, with its one default."""

from plumbing.settings import ConfigError, ProcessSection, load_settings

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/txng"


class DatabaseSection(ProcessSection):
    """A process that uses the database (TXNG_DATABASE_URL) and logs (TXNG_LOG_LEVEL)."""

    database_url: str = DEFAULT_DATABASE_URL


def required_database_url(given: str | None, *, hint: str = "pass --database-url") -> str:
    """The given URL, else TXNG_DATABASE_URL; a command never falls back on the default."""
    if given:
        return given
    section = load_settings(DatabaseSection, {})
    if "database_url" not in section.model_fields_set:
        raise ConfigError(f"TXNG_DATABASE_URL: not set (or {hint})")
    return section.database_url
