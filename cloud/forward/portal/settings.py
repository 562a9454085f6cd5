"""The portal mapping: URLs, field names and catalogue codes (package YAML, overridable)."""

from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from plumbing.settings import ConfigError, describe_validation_error


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TokenSettings(_Frozen):
    """The SSO token endpoint (OAuth2 client credentials)."""

    path: str
    client_id_field: str
    client_secret_field: str
    grant_type: str
    refresh_margin_s: float


class Paths(_Frozen):
    """Where each object is created ({stage}, {path}, {id} are filled in)."""

    product: str
    growing_area: str
    location: str
    order: str
    chain: str
    event: str
    event_bulk: str | None
    confirm: str
    confirm_bulk: str | None
    image: str


class CommonFields(_Frozen):
    """Field names shared by every object and by error bodies."""

    id: str
    client_reference: str
    trace_code: str
    list: str
    results: str
    error: str
    debug_message: str
    error_in_file: str
    product: dict[str, str]
    growing_area: dict[str, str]
    location: dict[str, str]
    order: dict[str, str]
    chain: dict[str, str]
    event: dict[str, str]
    cold_chain: dict[str, str]
    certificate: dict[str, str]
    image: dict[str, str]


class StageRule(_Frozen):
    """Events of these business steps (or at these kinds of location) become `stage`.

    `producer_site`: true, the rule holds only at the batch's producing site; false, only at
    another site (a dealer's warehouse); unset, anywhere. A batch whose producing site is not
    known matches only rules without it.
    """

    stage: str
    biz_steps: list[str] = []
    location_kinds: list[str] = []
    producer_site: bool | None = None

    def matches(self, biz_step: str, location_kind: str | None, at_producer: bool | None) -> bool:
        """Whether an event of this step at this kind of location is this stage."""
        if self.biz_steps and biz_step not in self.biz_steps:
            return False
        if self.producer_site is not None and at_producer is not self.producer_site:
            return False
        return not self.location_kinds or location_kind in self.location_kinds


class PortalMapping(_Frozen):
    """Everything about the portal's interface that is configuration, not code."""

    base_url: str
    timeout_s: float
    rate_limit_per_s: float | None
    token: TokenSettings
    paths: Paths
    max_batch: int
    fields: CommonFields
    stages: list[StageRule]
    cold_chain_stages: list[str]
    product_groups: dict[str, str]
    location_kinds: dict[str, str]
    units: dict[str, str]

    def stage_for(
        self, biz_step: str, location_kind: str | None, at_producer: bool | None = None
    ) -> str | None:
        """The portal stage of an event (at the batch's producing site or not), or None."""
        for rule in self.stages:
            if rule.matches(biz_step, location_kind, at_producer):
                return rule.stage
        return None


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def load_mapping(path: str | Path | None = None, **overrides: Any) -> PortalMapping:
    """The packaged mapping, overridden by a YAML file and keyword values; errors name fields."""
    text = resources.files("cloud.forward.portal").joinpath("mapping.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    if path is not None:
        try:
            extra = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as err:
            raise ConfigError(f"portal mapping {path}: {err}") from err
        data = _merge(data, extra)
    data = _merge(data, overrides)
    try:
        return PortalMapping.model_validate(data)
    except ValidationError as err:
        raise ConfigError(describe_validation_error(err, "portal mapping")) from err
