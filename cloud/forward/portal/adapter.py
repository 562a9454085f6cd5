"""The national portal adapter (glue): our queued events → product, order, chain, stage events.

Per batch: the product is registered (by GTIN), a production order created, and a chain
created with the batch's first forwarded event (its id is the trace code); each stage event
then carries the order id and the trace code. Every create is confirmed (PUT). Shared objects'
ids are kept in the database; each event's id is kept on its outbox row, so a resend only
does what is left, and every create carries our client reference for the portal to dedupe on.
"""

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from psycopg2.extensions import cursor as Cursor

from cloud.db.errors import DatabaseError
from cloud.db.forward_context import (
    BatchContext,
    EventContext,
    event_contexts,
    pending_work,
    stay_at,
    stay_summaries_of,
)
from cloud.db.forward_store import remote_object, save_remote_object
from cloud.db.pool import Database
from cloud.db.readings_query import StaySummary
from cloud.forward.adapter import Journal, OutboxItem, Outcome, Result
from cloud.forward.errors import ForwardError, MissingData, RateLimited, Refused
from cloud.forward.portal import build, readiness
from cloud.forward.portal.client import PortalClient
from cloud.forward.portal.settings import PortalMapping
from cloud.forward.portal.token import TokenSource
from cloud.forward.throttle import Throttle

log = logging.getLogger(__name__)
_RANK = {Outcome.RATE_LIMITED: 3, Outcome.TRANSIENT: 2, Outcome.PERMANENT: 1}


@dataclass
class _Unit:
    """One stage event to send: an outbox item for one of its batches."""

    item: OutboxItem
    ref: str
    context: EventContext
    batch: BatchContext
    stage: str
    remote_id: str | None = None
    confirmed: bool = False
    error: ForwardError | None = None
    waiting: str | None = None  # why it cannot go yet (a storage or transport stay not over)
    summary: StaySummary | None = None
    body: dict[str, Any] = field(default_factory=dict)


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
        self._objects: dict[tuple[str, str], dict[str, Any]] = {}

    def close(self) -> None:
        """Close the HTTP connections."""
        self._http.close()

    def send(self, items: Sequence[OutboxItem], journal: Journal) -> list[Result]:
        """Deliver queued events; one result per item."""
        results: list[Result] = []
        units: list[_Unit] = []
        try:
            with self._database.transaction() as conn, conn.cursor() as cur:
                contexts = event_contexts(cur, [item.payload for item in items])
                unplaced = []
                for item, context in zip(items, contexts, strict=True):
                    planned = self._plan(item, context)
                    if isinstance(planned, Result):
                        results.append(planned)
                    elif planned is None:
                        unplaced.append((item, context))
                    else:
                        units.extend(planned)
                results += self._unplaced(cur, unplaced)
                self._check_stays(cur, units)
        except DatabaseError as err:
            return [Result(item.id, Outcome.TRANSIENT, f"database: {err}") for item in items]
        self._prepare(units, journal)
        self._create_events(
            [u for u in units if u.error is None and u.remote_id is None and not u.waiting],
            journal,
        )
        self._confirm_events(
            [u for u in units if u.error is None and u.remote_id and not u.confirmed], journal
        )
        return results + self._results(units)

    def _plan(self, item: OutboxItem, context: EventContext) -> list[_Unit] | Result | None:
        """The item's stage events, one per batch; a result if it has none; None: no batch."""
        event = context.event
        if item.kind != "event":
            return Result(
                item.id, Outcome.PERMANENT, f"the portal adapter cannot send {item.kind!r}"
            )
        kind = (context.location or {}).get("kind")
        step = str(event.get("biz_step"))
        if all(self.mapping.stage_for(step, kind, at) is None for at in (True, False, None)):
            return Result(item.id, Outcome.SKIPPED, f"no portal stage for {event.get('biz_step')}")
        batches = context.batches
        if not batches and event.get("gtin") and event.get("lot"):
            batches = [BatchContext({"id": None, "gtin": event["gtin"], "lot": event["lot"]}, None)]
        if not batches:
            return None
        units = []
        for batch in batches:
            producer = batch.batch.get("site_id")
            stage = self.mapping.stage_for(
                step, kind, None if producer is None else producer == event.get("site")
            )
            if stage is None:
                continue
            ref = (
                item.key
                if len(batches) == 1
                else f"{item.key}|{batch.batch['gtin']}|{batch.batch['lot']}"
            )
            units.append(
                _Unit(
                    item=item,
                    ref=ref,
                    context=context,
                    batch=batch,
                    stage=stage,
                    remote_id=item.remote.get(f"id:{ref}"),
                    confirmed=bool(item.remote.get(f"ok:{ref}")),
                )
            )
        if not units:
            return Result(item.id, Outcome.SKIPPED, f"no portal stage for {event.get('biz_step')}")
        return units

    def _unplaced(
        self, cur: Cursor, unplaced: Sequence[tuple[OutboxItem, EventContext]]
    ) -> list[Result]:
        """Events that name no known batch yet: wait a while, then park them.

        A unit's contents come from packing scans, which may arrive after the unit's storage
        scan (another device); they are waited for `unplaced_wait_s` after queuing.
        """
        pending = pending_work(
            cur, [k for _, c in unplaced for k in readiness.presence_work(c.event, None)]
        )
        now = datetime.now(UTC)
        results = []
        for item, context in unplaced:
            keys = readiness.presence_work(context.event, None)
            queued = item.queued_at or now
            if any((kind, key) in pending for kind, key, _ in keys) or (
                (now - queued).total_seconds() < self.unplaced_wait_s
            ):
                results.append(
                    Result(
                        item.id,
                        Outcome.DEFERRED,
                        "no batch known for it yet (its contents may still arrive)",
                        retry_after_s=self.stay_recheck_s,
                    )
                )
                continue
            field_name = "lot" if context.event.get("gtin") else "batch"
            results.append(
                Result(
                    item.id,
                    Outcome.PERMANENT,
                    f"missing or invalid: {field_name} (no batch known for this event)",
                    missing_field=field_name,
                )
            )
        return results

    def _check_stays(self, cur: Cursor, units: Sequence[_Unit]) -> None:
        """Storage and transport events: their stay's summary, or why they must wait for it."""
        cold = [
            u for u in units if u.stage in self.mapping.cold_chain_stages and u.remote_id is None
        ]
        summaries = stay_summaries_of(
            cur, [int(u.batch.batch["id"]) for u in cold if u.batch.batch.get("id") is not None]
        )
        wanted = []
        for unit in cold:
            unit.summary = self._summary(unit, summaries)
            wanted += readiness.presence_work(unit.context.event, unit.batch.batch.get("id"))
            if unit.summary is not None and unit.summary.stay.end is not None:
                wanted += readiness.stay_work(unit.summary)
        pending = pending_work(cur, wanted)
        for unit in cold:
            unit.waiting = readiness.wait_reason(
                unit.context.event, unit.summary, pending, unit.batch.batch.get("id")
            )

    def _prepare(self, units: Sequence[_Unit], journal: Journal) -> None:
        """Ensure each unit's product, order and chain; build the event bodies still to create."""
        done: dict[str, tuple[str, str] | ForwardError] = {}
        for unit in units:
            if unit.remote_id is not None or unit.waiting:
                continue
            batch = unit.batch.batch
            key = f"{batch['gtin']}|{batch['lot']}"
            if key not in done:
                try:
                    done[key] = self._batch_objects(unit, key, journal)
                except ForwardError as err:
                    done[key] = err
            prepared = done[key]
            if isinstance(prepared, ForwardError):
                unit.error = prepared
                continue
            order_id, trace_code = prepared
            try:
                unit.body = build.event_body(
                    self.mapping,
                    unit.context.event,
                    unit.context.location,
                    batch,
                    stage=unit.stage,
                    order_id=order_id,
                    trace_code=trace_code,
                    reference=unit.ref,
                    summary=unit.summary,
                )
            except ForwardError as err:
                unit.error = err

    def _batch_objects(self, unit: _Unit, key: str, journal: Journal) -> tuple[str, str]:
        """(order id, trace code) of the unit's batch, creating what the portal lacks."""
        batch, product, ids = unit.batch.batch, unit.batch.product, (unit.item.id,)
        paths = self.mapping.paths
        body = build.product_body(self.mapping, product, str(batch["gtin"]))
        product_id = self._shared(
            "product",
            str(batch["gtin"]),
            lambda: self._client.create(paths.product, body, journal, item_ids=ids),
        )
        order_id = self._shared(
            "order",
            key,
            lambda: self._client.create(
                paths.order,
                build.order_body(self.mapping, batch, product_id=product_id, reference=key),
                journal,
                item_ids=ids,
            ),
        )
        trace_code = self._shared(
            "chain",
            key,
            lambda: self._client.create(
                paths.chain,
                build.chain_body(
                    self.mapping, batch, order_id=order_id, product_id=product_id, reference=key
                ),
                journal,
                item_ids=ids,
            ),
        )
        return order_id, trace_code

    def _shared(self, kind: str, key: str, make: Callable[[], str]) -> str:
        """The portal id of a shared object: remembered, stored, or created now and stored."""
        cached = self._objects.get((kind, key))
        if cached is None:
            with self._database.transaction() as conn, conn.cursor() as cur:
                cached = remote_object(cur, destination=self.destination, kind=kind, key=key)
        if cached is None:
            cached = {"id": make()}
            with self._database.transaction() as conn, conn.cursor() as cur:
                save_remote_object(
                    cur, destination=self.destination, kind=kind, key=key, remote=cached
                )
        self._objects[(kind, key)] = cached
        return str(cached["id"])

    def _summary(self, unit: _Unit, summaries: dict[int, list[StaySummary]]) -> StaySummary | None:
        batch_id = unit.batch.batch.get("id")
        if batch_id is None or int(batch_id) not in summaries:
            return None
        event = unit.context.event
        return stay_at(
            summaries[int(batch_id)],
            site=str(event["site"]),
            location=str(event["location"]),
            at=datetime.fromisoformat(str(event["time"])),
        )

    def _create_events(self, units: Sequence[_Unit], journal: Journal) -> None:
        """Create stage events: in bulk requests where configured, else one by one."""
        paths = self.mapping.paths
        for stage, group in _by_stage(units).items():
            if paths.event_bulk is None:
                for unit in group:
                    self._guard(
                        [unit], self._create_one, [unit], paths.event.format(stage=stage), journal
                    )
            else:
                self._guard(
                    group, self._bulk_create, group, paths.event_bulk.format(stage=stage), journal
                )

    def _create_one(self, units: Sequence[_Unit], path: str, journal: Journal) -> None:
        unit = units[0]
        answer = self._client.call("POST", path, unit.body, journal, item_ids=(unit.item.id,))
        unit.remote_id = self._client.id_of(answer)

    def _bulk_create(self, group: Sequence[_Unit], path: str, journal: Journal) -> None:
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

    def _confirm_events(self, units: Sequence[_Unit], journal: Journal) -> None:
        """Confirm created stage events (PUT): in bulk where configured, else one by one."""
        paths = self.mapping.paths
        for stage, group in _by_stage(units).items():
            if paths.confirm_bulk is None:
                for unit in group:
                    self._guard([unit], self._confirm_one, [unit], journal)
            else:
                path = paths.confirm_bulk.format(stage=stage)
                self._guard(group, self._bulk_confirm, group, path, journal)

    def _confirm_one(self, units: Sequence[_Unit], journal: Journal) -> None:
        unit = units[0]
        path = self.mapping.paths.event.format(stage=unit.stage)
        self._client.confirm(path, str(unit.remote_id), journal, item_ids=(unit.item.id,))
        unit.confirmed = True

    def _bulk_confirm(self, group: Sequence[_Unit], path: str, journal: Journal) -> None:
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

    @staticmethod
    def _guard(units: Sequence[_Unit], action: Callable[..., None], *args: Any) -> None:
        """Run a request; its error becomes the error of each unit it concerned."""
        try:
            action(*args)
        except ForwardError as err:
            for unit in units:
                unit.error = unit.error or err

    def _results(self, units: Sequence[_Unit]) -> list[Result]:
        """One result per item from its units (the worst outcome wins; ids always kept)."""
        by_item: dict[int, list[_Unit]] = {}
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
            if not errors:
                errors = [ForwardError("not confirmed")]
            worst = max(errors, key=lambda e: _RANK[e.outcome])
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


def _by_stage(units: Sequence[_Unit]) -> dict[str, list[_Unit]]:
    groups: dict[str, list[_Unit]] = {}
    for unit in units:
        groups.setdefault(unit.stage, []).append(unit)
    return groups


def _by(answer: Any, list_key: str, key: str) -> dict[str, Mapping[str, Any]]:
    """The entries of a bulk answer's result list, by one of their fields."""
    entries = answer.get(list_key) if isinstance(answer, dict) else None
    if not isinstance(entries, list):
        raise Refused(f"the portal's bulk answer has no {list_key!r} list")
    return {str(e.get(key)): e for e in entries if isinstance(e, dict)}
