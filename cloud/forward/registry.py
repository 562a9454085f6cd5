"""Adapter types by name: adding a far side is one entry (a factory from settings)."""

from collections.abc import Callable
from typing import Any

from cloud.db.pool import Database
from cloud.forward.adapter import Adapter
from cloud.settings.forward import ForwardSettings

AdapterFactory = Callable[[Database, ForwardSettings], Adapter]


def _portal(database: Database, settings: ForwardSettings) -> Adapter:
    from cloud.forward.portal.adapter import PortalAdapter
    from cloud.forward.portal.settings import load_mapping

    overrides: dict[str, Any] = {}
    if settings.portal_url:
        overrides["base_url"] = settings.portal_url
    if settings.portal_rate_limit_per_s:
        overrides["rate_limit_per_s"] = settings.portal_rate_limit_per_s
    return PortalAdapter(
        database,
        load_mapping(settings.portal_mapping, **overrides),
        client_id=settings.portal_client_id,
        client_secret=settings.portal_client_secret.get_secret_value(),
        destination=settings.forward_destination,
        stay_recheck_s=settings.portal_stay_recheck_s,
        unplaced_wait_s=settings.portal_unplaced_wait_s,
    )


def _epcis(database: Database, settings: ForwardSettings) -> Adapter:
    from cloud.forward.epcis_adapter import EpcisCaptureAdapter
    from cloud.settings.epcis import load_epcis_settings

    return EpcisCaptureAdapter(
        database, load_epcis_settings(), destination=settings.forward_destination
    )


ADAPTERS: dict[str, AdapterFactory] = {
    "portal": _portal,
    "epcis": _epcis,
}
