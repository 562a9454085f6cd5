"""Stage events on the portal: created (in bulk where it can), ids stored, confirmed, images.

Each created event's id is committed (forward_remote_objects, kind "event") before it is
confirmed, as objects.py explains: a resend confirms the stored id again instead of creating
a second event.
"""

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

from cloud.forward.adapter import Journal
from cloud.forward.errors import ForwardError, Refused
from cloud.forward.portal import build
from cloud.forward.portal.client import PortalClient
from cloud.forward.portal.objects import FarSide
from cloud.forward.portal.plan import Unit
from cloud.forward.portal.settings import PortalMapping

EVENT = "event"
IMAGE = "image"


def by_stage(units: Sequence[Unit]) -> dict[str, list[Unit]]:
    """Units grouped by their stage (one bulk request per stage)."""
    groups: dict[str, list[Unit]] = {}
    for unit in units:
        groups.setdefault(unit.stage, []).append(unit)
    return groups


def guard(units: Sequence[Unit], action: Callable[..., None], *args: Any) -> None:
    """Run a request; its error becomes the error of each unit it concerned."""
    try:
        action(*args)
    except ForwardError as err:
        for unit in units:
            unit.error = unit.error or err


def _by(answer: Any, list_key: str, key: str) -> dict[str, Mapping[str, Any]]:
    """The entries of a bulk answer's result list, by one of their fields."""
    entries = answer.get(list_key) if isinstance(answer, dict) else None
    if not isinstance(entries, list):
        raise Refused(f"the portal's bulk answer has no {list_key!r} list")
    return {str(e.get(key)): e for e in entries if isinstance(e, dict)}


class StageEvents:
    """Creates and confirms stage events, and uploads their evidence images."""

    def __init__(self, mapping: PortalMapping, client: PortalClient, far_side: FarSide):
        self.mapping = mapping
        self._client = client
        self._far_side = far_side

    def create(self, units: Sequence[Unit], journal: Journal) -> None:
        """Create stage events: in bulk requests where configured, else one by one."""
        paths = self.mapping.paths
        for stage, group in by_stage(units).items():
            if paths.event_bulk is None:
                for unit in group:
                    guard([unit], self._create_one, unit, paths.event.format(stage=stage), journal)
            else:
                path = paths.event_bulk.format(stage=stage)
                guard(group, self._bulk_create, group, path, journal)

    def _create_one(self, unit: Unit, path: str, journal: Journal) -> None:
        answer = self._client.call("POST", path, unit.body, journal, item_ids=(unit.item.id,))
        unit.remote_id = self._client.id_of(answer)
        self._keep([unit])

    def _bulk_create(self, group: Sequence[Unit], path: str, journal: Journal) -> None:
        fields = self.mapping.fields
        answer = self._client.call(
            "POST",
            path,
            {fields.list: [u.body for u in group]},
            journal,
            item_ids=tuple(u.item.id for u in group),
        )
        answers = _by(answer, fields.results, fields.client_reference)
        for unit in group:
            one = answers.get(unit.ref)
            if one is None:
                unit.error = Refused(f"the portal's bulk answer does not mention {unit.ref}")
            elif one.get(fields.error):
                unit.error = Refused(
                    f"{one.get(fields.error)}: {one.get(fields.debug_message) or ''}".strip()
                )
            else:
                unit.remote_id = self._client.id_of(one)
        self._keep([u for u in group if u.remote_id is not None])

    def _keep(self, units: Sequence[Unit], *, confirmed: bool = False) -> None:
        """Commit the units' event ids (and whether they are confirmed) before going on."""
        self._far_side.store(
            EVENT, {u.ref: {"id": u.remote_id, "confirmed": confirmed} for u in units}
        )

    def confirm(self, units: Sequence[Unit], journal: Journal) -> None:
        """Confirm created stage events (PUT): in bulk where configured, else one by one."""
        paths = self.mapping.paths
        for stage, group in by_stage(units).items():
            if paths.confirm_bulk is None:
                for unit in group:
                    guard([unit], self._confirm_one, unit, journal)
            else:
                path = paths.confirm_bulk.format(stage=stage)
                guard(group, self._bulk_confirm, group, path, journal)
        self._keep([u for u in units if u.confirmed], confirmed=True)

    def _confirm_one(self, unit: Unit, journal: Journal) -> None:
        path = self.mapping.paths.event.format(stage=unit.stage)
        self._client.confirm(path, str(unit.remote_id), journal, item_ids=(unit.item.id,))
        unit.confirmed = True

    def _bulk_confirm(self, group: Sequence[Unit], path: str, journal: Journal) -> None:
        fields = self.mapping.fields
        answer = self._client.call(
            "PUT",
            path,
            {fields.list: [u.remote_id for u in group]},
            journal,
            item_ids=tuple(u.item.id for u in group),
        )
        answers = _by(answer, fields.results, fields.id)
        for unit in group:
            one = answers.get(str(unit.remote_id), {})
            if one.get(fields.error):
                unit.error = Refused(
                    f"confirm: {one.get(fields.error)}: {one.get(fields.debug_message) or ''}"
                )
            else:
                unit.confirmed = True

    def attach_images(self, units: Sequence[Unit], journal: Journal) -> None:
        """Upload each confirmed event's step photos, once per photo (ANH_MINH_CHUNG)."""
        for unit in units:
            if unit.confirmed and unit.photos and unit.error is None:
                guard([unit], self._images, unit, journal)

    def _images(self, unit: Unit, journal: Journal) -> None:
        for photo in unit.photos:
            key = f"{unit.batch_key}|{photo['id']}"
            self._far_side.ensure(
                IMAGE,
                key,
                self.mapping.paths.image,
                partial(
                    build.image_body,
                    self.mapping,
                    photo,
                    event_id=str(unit.remote_id),
                    stage=unit.stage,
                    reference=key,
                ),
                journal,
                item_ids=(unit.item.id,),
            )
