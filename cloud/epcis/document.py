"""EPCIS 2.0 documents around events: a capture EPCISDocument and a query EPCISQueryDocument."""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from cloud.epcis.events import event_time
from cloud.epcis.schema import CONTEXT_URL


def epcis_document(
    events: Sequence[dict[str, Any]],
    *,
    created: datetime | None = None,
    sender: str | None = None,
) -> dict[str, Any]:
    """An EPCISDocument carrying `events` (as for `POST /capture`)."""
    document: dict[str, Any] = {
        "@context": [CONTEXT_URL],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": event_time(created or datetime.now(UTC)),
        "id": f"urn:uuid:{uuid.uuid4()}",
    }
    if sender:
        document["sender"] = sender
    document["epcisBody"] = {"eventList": list(events)}
    return document


def query_document(
    events: Sequence[dict[str, Any]],
    *,
    query_name: str = "SimpleEventQuery",
    created: datetime | None = None,
) -> dict[str, Any]:
    """An EPCISQueryDocument with the events a query found."""
    return {
        "@context": [CONTEXT_URL],
        "type": "EPCISQueryDocument",
        "schemaVersion": "2.0",
        "creationDate": event_time(created or datetime.now(UTC)),
        "epcisBody": {
            "queryResults": {"queryName": query_name, "resultsBody": {"eventList": list(events)}}
        },
    }
