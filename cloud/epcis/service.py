"""EPCIS use cases over the database: capture a document, answer a query, export a batch."""

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from psycopg2.extensions import cursor as Cursor

from cloud.db import epcis_query, epcis_source
from cloud.db.epcis_store import CaptureReport, store_capture
from cloud.db.rows.epcis import Packing
from cloud.db.rows.epcis_query import EventQuery, PageMark
from cloud.epcis import ownership
from cloud.epcis.captured import describe
from cloud.epcis.document import epcis_document, query_document
from cloud.epcis.errors import EpcisInvalid, Problem
from cloud.epcis.events import (
    aggregation_event,
    conditions_event,
    event_time,
    object_event,
    transformation_event,
)
from cloud.epcis.naming import Naming
from cloud.epcis.schema import STANDARD_CONTEXTS
from cloud.epcis.semantics import event_lists
from cloud.epcis.validate import validate
from plumbing.bounded_json import JsonRejected, parse_json

log = logging.getLogger(__name__)

# Arrays and objects inside one another. The GS1 examples with every field nest 12 deep;
# extensions may add a few levels. Deeper documents are refused before validation.
MAX_DOCUMENT_DEPTH = 32


def capture(
    cur: Cursor, text: str, *, naming: Naming, site: str, captured_by: str
) -> CaptureReport:
    """Validate a posted document and store its events for `site` (EpcisInvalid, EpcisForbidden)."""
    try:
        document = parse_json(text, max_depth=MAX_DOCUMENT_DEPTH)
    except JsonRejected as err:
        raise EpcisInvalid([Problem("/", f"not JSON we accept: {err}")]) from err
    validate(document)
    if document.get("type") != "EPCISDocument":
        raise EpcisInvalid([Problem("/type", "capture takes an EPCISDocument")])
    events = [
        (f"{path}/{i}", e) for path, found in event_lists(document) for i, e in enumerate(found)
    ]
    described = [(path, describe(e)) for path, e in events]
    asserted = ownership.assertions(cur, naming, site, described)
    report = store_capture(
        cur,
        document_text=text,
        document=document,
        events=[(e, d, a) for (_, e), (_, d), a in zip(events, described, asserted, strict=True)],
        site=site,
        captured_by=captured_by,
    )
    log.info(
        "EPCIS capture %s: %d events stored, %d already known",
        report.capture_id,
        report.stored,
        report.duplicates,
    )
    return report


def _extra_context(context: Any) -> list[Any]:
    items = context if isinstance(context, list) else [context]
    return [c for c in items if not (isinstance(c, str) and c in STANDARD_CONTEXTS)]


# Who asserts a captured event, as an extension field of the events we hand out.
TXNG_CONTEXT = {"txng": "urn:txng:epcis:"}


def render_captured(found: dict[str, Any]) -> dict[str, Any]:
    """A captured event as stored, with recordTime, context, txng:capturedBy and :assertedBy."""
    event = dict(found["event"])
    event["recordTime"] = event_time(found["record_time"])
    event["txng:capturedBy"] = found["site_id"]
    event["txng:assertedBy"] = found["asserted_by"]
    extra = [*_extra_context(found["context"]), TXNG_CONTEXT]
    if extra:  # the document's namespaces, then the event's own (which may override them)
        own = event.pop("@context", [])
        merged = []
        for item in extra + (own if isinstance(own, list) else [own]):
            if item not in merged:
                merged.append(item)
        event = {"@context": merged, **event}
    return event


def render_ours(records: Sequence[Any], naming: Naming) -> dict[str, dict[str, Any]]:
    """Our scans and packings as EPCIS events, by scan id (scans naming nothing left out)."""
    rendered = {}
    for record in records:
        event = (
            aggregation_event(record, naming)
            if isinstance(record, Packing)
            else object_event(record, naming)
        )
        if event is not None:
            rendered[record.id] = event
    return rendered


def _places(cur: Cursor, naming: Naming, q: EventQuery) -> list[tuple[str, str]]:
    return [place for key in q.biz_locations for place in ownership.places(cur, naming, key)]


def run_query(
    cur: Cursor,
    naming: Naming,
    q: EventQuery,
    *,
    per_page: int,
    token: str | None,
    site: str | None = None,
) -> tuple[dict[str, Any], str | None]:
    """One page of events matching `q` (of `site` only, when given) and the next page's token."""
    try:
        after = PageMark.from_token(token) if token else None
    except ValueError as err:
        raise EpcisInvalid([Problem("nextPageToken", str(err))]) from err
    hits = epcis_query.find_events(
        cur, q, places=_places(cur, naming, q), after=after, limit=per_page + 1, site=site
    )
    page, more = hits[:per_page], len(hits) > per_page
    captured = epcis_source.captured_events(cur, [h.ref for h in page if h.source == "c"])
    ours = render_ours(
        epcis_source.scans_and_packings(cur, [h.ref for h in page if h.source == "o"]), naming
    )
    events = []
    for hit in page:
        if hit.source == "c":
            events.append(render_captured(captured[hit.ref]))
        elif hit.ref in ours:
            events.append(ours[hit.ref])
    next_token = PageMark(page[-1].time, page[-1].source, page[-1].ref).token() if more else None
    return query_document(events), next_token


def _sort_key(event: dict[str, Any]) -> tuple[datetime, str]:
    return datetime.fromisoformat(event["eventTime"].replace("z", "Z")), event.get("eventID", "")


def batch_document(
    cur: Cursor, naming: Naming, batch_id: int, *, site: str | None = None
) -> dict[str, Any] | None:
    """A batch's full trace as an EPCISDocument (None: no such batch).

    Its scans and its units' scans, packings, the making of it and of what was made from it,
    its stays' temperature summaries, and captured events naming it. Given `site`: that site's
    scans, stays and captures only (the makings, one step back and forward, stay).
    """
    batch = epcis_source.batch_ref(cur, batch_id)
    if batch is None:
        return None
    records = epcis_source.scans_and_packings(cur, epcis_source.batch_scan_ids(cur, batch_id))
    if site is not None:
        records = [r for r in records if r.place.site == site]
    events = list(render_ours(records, naming).values())
    events += [transformation_event(m, naming) for m in epcis_source.makings(cur, batch_id)]
    now = datetime.now(UTC)
    events += [
        conditions_event(s, naming, now=now)
        for s in epcis_source.batch_conditions(cur, batch_id, batch)
        if site is None or s.place.site == site
    ]
    refs = epcis_source.batch_captured_refs(cur, batch_id, site=site)
    captured = epcis_source.captured_events(cur, refs)
    events += [render_captured(found) for found in captured.values()]
    document = epcis_document(sorted(events, key=_sort_key))
    validate(document)
    return document
