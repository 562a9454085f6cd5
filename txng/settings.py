"""Typed settings of `txng demo` (TXNG_DEMO_*): the story's pace, admin password, PG user."""

from pydantic import Field, SecretStr

from plumbing.settings import Section, load_settings


class DemoSettings(Section):
    """What only the demo reads; every field has a TXNG_<NAME> variable."""

    demo_story_s: float = Field(
        default=20.0, gt=0, description="How long the story takes in real time (seconds)"
    )
    demo_admin_password: SecretStr | None = Field(
        default=None, description="The web UI's admin password (unset: a new one each run)"
    )
    demo_pg_user: str | None = Field(
        default=None, description="Account the embedded PostgreSQL runs as when txng runs as root"
    )


def load_demo_settings(**overrides: object) -> DemoSettings:
    """Read settings from the environment (and `overrides`); raise ConfigError naming the field."""
    return load_settings(DemoSettings, overrides)
