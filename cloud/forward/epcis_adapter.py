"""The EPCIS 2.0 adapter (glue): queued scan events → one EPCISDocument per batch → POST /capture.

Each scan becomes an ObjectEvent (an AggregationEvent when it packed a unit) whose eventID is
`urn:uuid:<our event id>`, so a resend carries the same ids for the repository to dedupe on.
An event at a place where a batch stayed carries that stay's temperature summary
(sensorElementList). Every document is validated against the official schema before it goes.
"""

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import httpx

from cloud.db import epcis_source
from cloud.db.errors import DatabaseError
from cloud.db.forward_context import event_contexts, stay_summary_at
from cloud.db.pool import Database
from cloud.db.rows.forward import OutboxItem
from cloud.epcis.document import epcis_document
from cloud.epcis.errors import EpcisInvalid
from cloud.epcis.events import sensor_element
from cloud.epcis.identifiers import IdentifierError
from cloud.epcis.naming import Naming
from cloud.epcis.service import render_ours
from cloud.epcis.validate import validate
from cloud.forward.adapter import Journal, Outcome, Result
from cloud.forward.http import exchange
from cloud.settings.epcis import EpcisSettings

log = logging.getLogger(__name__)


class EpcisCaptureAdapter:
    """Posts queued events to an EPCIS 2.0 capture endpoint."""

    def __init__(
        self,
        database: Database,
        settings: EpcisSettings,
        *,
        destination: str = "epcis",
        http: httpx.Client | None = None,
    ):
        self.destination = destination
        self.max_batch = settings.epcis_capture_batch
        self._database = database
        self._naming = Naming(settings)
        self._url = settings.epcis_capture_url
        self._headers = {"GS1-EPCIS-Version": "2.0", "GS1-CBV-Version": "2.0"}
        if settings.epcis_capture_token is not None:
            token = settings.epcis_capture_token.get_secret_value()
            self._headers["authorization"] = f"Bearer {token}"
        self._http = http or httpx.Client(timeout=settings.epcis_capture_timeout_s)

    def close(self) -> None:
        """Close the HTTP connections."""
        self._http.close()

    def _events(self, items: Sequence[OutboxItem]) -> dict[int, dict[str, Any] | Result]:
        """Each item's EPCIS event, or the result that says why it has none."""
        ids = [str(item.payload.get("event_id")) for item in items]
        with self._database.transaction() as conn, conn.cursor() as cur:
            rendered = render_ours(epcis_source.scans_and_packings(cur, ids), self._naming)
            contexts = event_contexts(cur, [item.payload for item in items])
            found: dict[int, dict[str, Any] | Result] = {}
            for item, event_id, context in zip(items, ids, contexts, strict=True):
                event = rendered.get(event_id)
                if event is None:
                    found[item.id] = Result(item.id, Outcome.SKIPPED, "nothing EPCIS can name")
                    continue
                at = datetime.fromisoformat(event["eventTime"].replace("Z", "+00:00"))
                elements = []
                for batch in context.batches:
                    if batch.batch.get("id") is None:
                        continue
                    summary = stay_summary_at(
                        cur,
                        batch_id=int(batch.batch["id"]),
                        site=str(item.payload.get("site")),
                        location=str(item.payload.get("location")),
                        at=at,
                    )
                    if summary is not None and summary.count:
                        end = summary.stay.end or min(at, datetime.now(UTC))
                        elements.append(
                            sensor_element(
                                summary.stay.start,
                                max(end, summary.stay.start),
                                low=summary.min,
                                high=summary.max,
                                mean=summary.mean,
                            )
                        )
                if elements:
                    event["sensorElementList"] = elements
                found[item.id] = event
        return found

    def send(self, items: Sequence[OutboxItem], journal: Journal) -> list[Result]:
        """Deliver queued events in one capture document; one result per item."""
        results: list[Result] = []
        wanted = [i for i in items if i.kind == "event"]
        results += [
            Result(i.id, Outcome.SKIPPED, f"no EPCIS event for {i.kind!r}")
            for i in items
            if i.kind != "event"
        ]
        try:
            events = self._events(wanted)
        except DatabaseError as err:
            return results + [Result(i.id, Outcome.TRANSIENT, f"database: {err}") for i in wanted]
        except IdentifierError as err:
            return results + [Result(i.id, Outcome.PERMANENT, str(err)) for i in wanted]
        sending: list[tuple[OutboxItem, dict[str, Any]]] = []
        for item in wanted:
            made = events[item.id]
            if isinstance(made, Result):
                results.append(made)
                continue
            try:
                validate(epcis_document([made]))
            except EpcisInvalid as err:
                log.error("our EPCIS event for outbox item %s is invalid: %s", item.id, err)
                results.append(Result(item.id, Outcome.PERMANENT, f"invalid EPCIS: {err}"))
                continue
            sending.append((item, made))
        if sending:
            results += self._post(sending, journal)
        return results

    def _post(
        self, sending: list[tuple[OutboxItem, dict[str, Any]]], journal: Journal
    ) -> list[Result]:
        document = epcis_document([event for _, event in sending])
        answer = exchange(
            self._http,
            journal,
            destination=self.destination,
            method="POST",
            url=self._url,
            body=document,
            headers=self._headers,
            item_ids=tuple(item.id for item, _ in sending),
        )
        outcome = answer.outcome
        detail = answer.error or f"HTTP {answer.status}: {answer.text[:500]}"
        remote = (
            {"capture": answer.headers.get("location", "")} if outcome == Outcome.ACCEPTED else {}
        )
        return [
            Result(
                item.id,
                outcome,
                detail,
                remote={**remote, "eventID": event["eventID"]} if remote else {},
                retry_after_s=answer.retry_after_s,
            )
            for item, event in sending
        ]
