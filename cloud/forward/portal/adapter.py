"""The national portal adapter (glue): our queued events → the portal's objects, in its order.

Per batch: the product (by GTIN) and the growing area (VUNG_TRONG, by its code) are
registered, a production order and a chain are created (the chain's id is the trace code), and
the certificates the batch was made under become certification events (CHUNG_NHAN). Each stage
event goes after its location (DIA_DIEM) and carries the order id and the trace code; the
photos of its step (ANH_MINH_CHUNG) follow it. Every create is confirmed (PUT), and every id
is stored before its confirmation (objects.py says why: exactly once without the portal's
help). Storage and transport events wait for the end of their stay (readiness.py).
"""

import logging
from collections.abc import Sequence
from functools import partial
from typing import Any

import httpx
from psycopg2.extensions import cursor as Cursor

from cloud.db.errors import DatabaseError
from cloud.db.forward_context import (
    certificates_of,
    event_contexts,
    growing_areas,
    photos_of,
)
from cloud.db.forward_store import remote_objects
from cloud.db.pool import Database
from cloud.db.rows.forward import OutboxItem
from cloud.forward.adapter import Journal, Outcome, Result
from cloud.forward.errors import ForwardError, MissingData, RateLimited
from cloud.forward.portal import build
from cloud.forward.portal.client import PortalClient
from cloud.forward.portal.events import EVENT, StageEvents
from cloud.forward.portal.objects import FarSide
from cloud.forward.portal.plan import Unit, check_stays, plan_item, unplaced_results
from cloud.forward.portal.settings import PortalMapping
from cloud.forward.portal.token import TokenSource
from cloud.forward.throttle import Throttle

log = logging.getLogger(__name__)
_RANK = {Outcome.RATE_LIMITED: 3, Outcome.TRANSIENT: 2, Outcome.PERMANENT: 1}


class PortalAdapter:
    """Sends queued events to the national portal."""

    def __init__(
        self,
        database: Database,
        mapping: PortalMapping,
        *,
        client_id: str,
        client_secret: str,
        destination: str = "national-portal",
        http: httpx.Client | None = None,
        stay_recheck_s: float = 60.0,
        unplaced_wait_s: float = 3600.0,
    ):
        self.destination = destination
        self.stay_recheck_s = stay_recheck_s
        self.unplaced_wait_s = unplaced_wait_s
        self.max_batch = mapping.max_batch
        self.mapping = mapping
        self._database = database
        self._http = http or httpx.Client(timeout=mapping.timeout_s)
        self.tokens = TokenSource(
            self._http,
            mapping,
            client_id=client_id,
            client_secret=client_secret,
            destination=destination,
        )
        throttle = Throttle(mapping.rate_limit_per_s, burst=1.0)
        self._client = PortalClient(
            self._http, mapping, self.tokens, throttle, destination=destination
        )
        self._far_side = FarSide(database, self._client, destination=destination)
        self._events = StageEvents(mapping, self._client, self._far_side)
        self._plots: dict[str, dict[str, Any]] = {}
        self._certificates: dict[tuple[str, str], list[dict[str, Any]]] = {}

    def close(self) -> None:
        """Close the HTTP connections."""
        self._http.close()

    def send(self, items: Sequence[OutboxItem], journal: Journal) -> list[Result]:
        """Deliver queued events; one result per item."""
        try:
            with self._database.snapshot() as conn, conn.cursor() as cur:
                results, units = self._load(cur, items)
        except DatabaseError as err:
            return [Result(item.id, Outcome.TRANSIENT, f"database: {err}") for item in items]
        ready = [u for u in units if not u.waiting]
        self._prepare([u for u in ready if u.remote_id is None], journal)
        self._events.create([u for u in ready if u.error is None and u.remote_id is None], journal)
        self._events.confirm(
            [u for u in ready if u.error is None and u.remote_id and not u.confirmed], journal
        )
        self._events.attach_images(ready, journal)
        return results + self._results(units)

    def _load(self, cur: Cursor, items: Sequence[OutboxItem]) -> tuple[list[Result], list[Unit]]:
        """Plan the items' stage events with what the database knows at one moment."""
        results: list[Result] = []
        units: list[Unit] = []
        unplaced = []
        for item, context in zip(
            items, event_contexts(cur, [item.payload for item in items]), strict=True
        ):
            planned = plan_item(self.mapping, item, context)
            if isinstance(planned, Result):
                results.append(planned)
            elif planned is None:
                unplaced.append((item, context))
            else:
                units.extend(planned)
        results += unplaced_results(
            cur, unplaced, recheck_s=self.stay_recheck_s, wait_s=self.unplaced_wait_s
        )
        stored = remote_objects(
            cur, destination=self.destination, kind=EVENT, keys=[u.ref for u in units]
        )
        for unit in units:  # ids a crashed or failed earlier attempt stored before confirming
            if unit.remote_id is None and unit.ref in stored:
                unit.remote_id = str(stored[unit.ref]["id"])
                unit.confirmed = bool(stored[unit.ref].get("confirmed"))
        check_stays(cur, self.mapping, units)
        self._load_batches(cur, units)
        photos = photos_of(cur, [_photo_key(u) for u in units])
        for unit in units:
            unit.photos = photos.get(_photo_key(unit), [])
        return results, units

    def _load_batches(self, cur: Cursor, units: Sequence[Unit]) -> None:
        """Growing areas and certificates of the units' batches (kept for this process)."""
        batches = {u.batch_key: u.batch.batch for u in units if u.remote_id is None}
        codes = {str(b["origin_code"]) for b in batches.values() if b.get("origin_code")}
        self._plots.update(growing_areas(cur, sorted(codes - set(self._plots))))
        wanted = [b for b in batches.values() if (b["gtin"], b["lot"]) not in self._certificates]
        found = certificates_of(cur, wanted)
        for batch in wanted:
            self._certificates[(batch["gtin"], batch["lot"])] = found.get(
                (batch["gtin"], batch["lot"]), []
            )

    def _prepare(self, units: Sequence[Unit], journal: Journal) -> None:
        """Ensure each unit's batch objects and location; build the event bodies to create."""
        done: dict[str, tuple[str, str] | ForwardError] = {}
        for unit in units:
            if unit.batch_key not in done:
                try:
                    done[unit.batch_key] = self._batch_objects(unit, journal)
                except ForwardError as err:
                    done[unit.batch_key] = err
            prepared = done[unit.batch_key]
            if isinstance(prepared, ForwardError):
                unit.error = prepared
                continue
            order_id, trace_code = prepared
            try:
                self._location(unit, journal)
                unit.body = build.event_body(
                    self.mapping,
                    unit.context.event,
                    unit.context.location,
                    unit.batch.batch,
                    stage=unit.stage,
                    order_id=order_id,
                    trace_code=trace_code,
                    reference=unit.ref,
                    summary=unit.summary,
                )
            except ForwardError as err:
                unit.error = err

    def _batch_objects(self, unit: Unit, journal: Journal) -> tuple[str, str]:
        """(order id, trace code) of the unit's batch, creating what the portal lacks."""
        batch, product, key = unit.batch.batch, unit.batch.product, unit.batch_key
        paths, mapping, ids = self.mapping.paths, self.mapping, (unit.item.id,)
        product_body = build.product_body(mapping, product, str(batch["gtin"]))
        ensure = self._far_side.ensure
        gtin = str(batch["gtin"])
        product_id = ensure(
            "product", gtin, paths.product, lambda: product_body, journal, item_ids=ids
        )
        code = batch.get("origin_code")
        if code:
            ensure(
                "growing_area",
                str(code),
                paths.growing_area,
                lambda: build.growing_area_body(mapping, str(code), self._plots.get(code), product),
                journal,
                item_ids=ids,
            )
        order_id = ensure(
            "order",
            key,
            paths.order,
            lambda: build.order_body(mapping, batch, product_id=product_id, reference=key),
            journal,
            item_ids=ids,
        )
        trace_code = ensure(
            "chain",
            key,
            paths.chain,
            lambda: build.chain_body(
                mapping, batch, order_id=order_id, product_id=product_id, reference=key
            ),
            journal,
            item_ids=ids,
        )
        for certificate in self._certificates.get((batch["gtin"], batch["lot"]), []):
            reference = f"{key}|{certificate['id']}"
            ensure(
                "certification",
                reference,
                paths.event.format(stage="CHUNG_NHAN"),
                partial(
                    build.certification_body,
                    mapping,
                    certificate,
                    batch,
                    order_id=order_id,
                    trace_code=trace_code,
                    reference=reference,
                ),
                journal,
                item_ids=ids,
            )
        return order_id, trace_code

    def _location(self, unit: Unit, journal: Journal) -> None:
        """The unit's location on the portal (DIA_DIEM), before any event at it."""
        event, location = unit.context.event, unit.context.location
        self._far_side.ensure(
            "location",
            build.location_trace_code(event, location),
            self.mapping.paths.location,
            lambda: build.location_body(self.mapping, event, location),
            journal,
            item_ids=(unit.item.id,),
        )

    def _results(self, units: Sequence[Unit]) -> list[Result]:
        """One result per item from its units (the worst outcome wins; ids always kept)."""
        by_item: dict[int, list[Unit]] = {}
        for unit in units:
            by_item.setdefault(unit.item.id, []).append(unit)
        results = []
        for item_id, group in by_item.items():
            remote: dict[str, Any] = {}
            for unit in group:
                if unit.remote_id is not None:
                    remote[f"id:{unit.ref}"] = unit.remote_id
                if unit.confirmed:
                    remote[f"ok:{unit.ref}"] = True
            errors = [u.error for u in group if u.error is not None]
            pending = [u for u in group if u.error is None and not u.confirmed]
            if not errors and not pending:
                results.append(Result(item_id, Outcome.ACCEPTED, remote=remote))
                continue
            waiting = [u.waiting for u in pending if u.waiting]
            if not errors and len(waiting) == len(pending):
                results.append(
                    Result(
                        item_id,
                        Outcome.DEFERRED,
                        waiting[0],
                        remote=remote,
                        retry_after_s=self.stay_recheck_s,
                    )
                )
                continue
            worst = max(errors or [ForwardError("not confirmed")], key=lambda e: _RANK[e.outcome])
            results.append(
                Result(
                    item_id,
                    worst.outcome,
                    worst.detail,
                    remote=remote,
                    retry_after_s=worst.retry_after_s if isinstance(worst, RateLimited) else None,
                    missing_field=worst.field if isinstance(worst, MissingData) else None,
                )
            )
        return results


def _photo_key(unit: Unit) -> tuple[str, str, str, str, str]:
    event = unit.context.event
    return (
        str(unit.batch.batch["gtin"]),
        str(unit.batch.batch["lot"]),
        str(event["site"]),
        str(event["location"]),
        str(event["biz_step"]),
    )
