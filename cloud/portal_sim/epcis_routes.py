"""The simulator's EPCIS 2.0 capture endpoint: schema-validated, events deduped by eventID."""

import hashlib
import json
import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from cloud.epcis.schema import schema_problems
from cloud.portal_sim.state import SimState


def _problem(status: int, kind: str, detail: str, extra: Any = None) -> JSONResponse:
    body: dict[str, Any] = {"type": f"epcisException:{kind}", "title": detail, "status": status}
    if extra is not None:
        body["problems"] = extra
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


class EpcisRoutes:
    """POST /capture and GET /capture/{id} (EPCIS 2.0 REST binding, synchronous here)."""

    def __init__(self, state: SimState):
        self.state = state

    async def capture(self, request: Request) -> Response:
        """Validate a document against the official schema and keep its events."""
        try:
            document = await request.json()
        except ValueError as err:
            return _problem(400, "ValidationException", f"body is not JSON: {err}")
        problems = schema_problems(document)
        if problems:
            listed = [{"path": p.path, "reason": p.reason} for p in problems[:20]]
            return _problem(400, "ValidationException", problems[0].reason, listed)
        events = (document.get("epcisBody") or {}).get("eventList") or []
        new = 0
        for event in events:
            key = (
                event.get("eventID")
                or hashlib.sha256(json.dumps(event, sort_keys=True).encode()).hexdigest()
            )
            if key not in self.state.epcis_events:
                self.state.epcis_events[key] = event
                new += 1
        capture_id = secrets.token_hex(8)
        self.state.captures[capture_id] = {
            "captureID": capture_id,
            "running": False,
            "success": True,
            "captureErrorBehaviour": "rollback",
            "events": len(events),
            "new": new,
        }
        return Response(
            status_code=202,
            headers={"location": f"/capture/{capture_id}", "gs1-epcis-capture-id": capture_id},
        )

    async def capture_job(self, request: Request) -> Response:
        """The state of one capture job."""
        job = self.state.captures.get(request.path_params["capture_id"])
        if job is None:
            return _problem(404, "NoSuchResourceException", "no such capture job")
        return JSONResponse(job)
