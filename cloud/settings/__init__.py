"""The settings tree of the cloud processes: one section a process, from TXNG_* variables.

Each section is a module here with its defaults (the database URL's once, in common.py);
`load_tree()` reads and checks every section at once, so that a process refuses to start on
any bad setting and names each one.
"""

from pydantic import BaseModel, ConfigDict
from pydantic_settings import BaseSettings

from cloud.settings.api import ApiSettings
from cloud.settings.broker import BrokerAdminSettings
from cloud.settings.epcis import EpcisSettings
from cloud.settings.forward import ForwardSettings
from cloud.settings.ingest import IngestSettings
from cloud.settings.integrity import IntegritySettings
from cloud.settings.notify import PeopleSettings
from cloud.settings.reports import ReportSettings
from plumbing.settings import ConfigError, load_settings


class Settings(BaseModel):
    """Every section of the cloud's configuration, validated together."""

    model_config = ConfigDict(frozen=True)

    api: ApiSettings
    ingest: IngestSettings
    forward: ForwardSettings
    epcis: EpcisSettings
    broker: BrokerAdminSettings
    integrity: IntegritySettings
    notify: PeopleSettings
    reports: ReportSettings


def section_classes() -> dict[str, type[BaseSettings]]:
    """The tree's sections by name."""
    sections: dict[str, type[BaseSettings]] = {}
    for name, field in Settings.model_fields.items():
        assert isinstance(field.annotation, type) and issubclass(field.annotation, BaseSettings)
        sections[name] = field.annotation
    return sections


def load_tree(**overrides: dict[str, object]) -> Settings:
    """Read every section (with `overrides` per section); one ConfigError naming every bad field."""
    sections: dict[str, BaseSettings] = {}
    problems: dict[str, None] = {}  # each bad variable once, though sections share it
    for name, cls in section_classes().items():
        try:
            sections[name] = load_settings(cls, overrides.get(name, {}))
        except ConfigError as err:
            problems.update(dict.fromkeys(str(err).splitlines()))
    if problems:
        raise ConfigError("\n".join(problems))
    return Settings.model_validate(sections)
