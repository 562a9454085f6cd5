"""The simulator as an ASGI app: portal and EPCIS routes behind the fault gate, plus admin."""

import asyncio
import logging
from typing import Any

from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from cloud.portal_sim.epcis_routes import EpcisRoutes
from cloud.portal_sim.faults import Faults
from cloud.portal_sim.limiter import retry_after_header
from cloud.portal_sim.portal_routes import Endpoint, Invalid, PortalRoutes, portal_error
from cloud.portal_sim.state import SimState

log = logging.getLogger(__name__)


def _gated(state: SimState, endpoint: Endpoint, needs_token: bool) -> Endpoint:
    """Latency, outage, rate limit, random errors and auth before; lost answers after."""

    async def run(request: Request) -> Response:
        response = await _run(request)
        state.statuses[str(response.status_code)] += 1
        return response

    async def _run(request: Request) -> Response:
        if state.faults.latency_s:
            state.delayed += 1
            await asyncio.sleep(state.faults.latency_s)
        gate = state.gate()
        if gate.status == 429:
            limited = portal_error(429, gate.error, "too many requests")
            limited.headers["retry-after"] = retry_after_header(gate.retry_after_s or 1.0)
            return limited
        if gate.status is not None:
            return portal_error(gate.status, gate.error, "service unavailable")
        if needs_token and not state.authorised(request.headers.get("authorization")):
            return portal_error(401, "ERR_UNAUTHORIZED", "token missing, invalid or expired")
        try:
            response = await endpoint(request)
        except Invalid as err:
            return JSONResponse(err.body, status_code=400)
        except ClientDisconnect:
            return Response(status_code=499)  # the client went away (e.g. it was killed)
        after = state.after()
        if after == "lost":
            return portal_error(502, "ERR_BAD_GATEWAY", "upstream answer lost")
        if after == "timeout":
            await asyncio.sleep(state.faults.hang_s)
        return response

    return run


def _admin_routes(state: SimState) -> list[Route]:
    async def get_state(request: Request) -> Response:
        return JSONResponse(state.snapshot())

    async def set_faults(request: Request) -> Response:
        try:
            state.update_faults(await request.json())
        except (ValueError, ValidationError) as err:
            return JSONResponse({"error": str(err)}, status_code=400)
        return JSONResponse(state.faults.model_dump())

    async def expire_tokens(request: Request) -> Response:
        state.expire_tokens()
        return JSONResponse({"expired": True})

    async def outage(request: Request) -> Response:
        body: dict[str, Any] = await request.json()
        state.start_outage(float(body.get("seconds", 600)))
        return JSONResponse({"outage_until": state.outage_until, "now": state.clock.now()})

    async def advance(request: Request) -> Response:
        body: dict[str, Any] = await request.json()
        state.clock.advance(float(body.get("seconds", 0)))
        return JSONResponse({"now": state.clock.now()})

    async def records(request: Request) -> Response:
        kind = request.path_params["kind"]
        found = state.records.by_kind.get(kind, {})
        return JSONResponse(
            [
                {"id": r.id, "reference": r.reference, "confirmed": r.confirmed, "body": r.body}
                for r in found.values()
            ]
        )

    async def epcis_events(request: Request) -> Response:
        return JSONResponse(list(state.epcis_events.values()))

    return [
        Route("/_admin/state", get_state, methods=["GET"]),
        Route("/_admin/faults", set_faults, methods=["POST"]),
        Route("/_admin/expire-tokens", expire_tokens, methods=["POST"]),
        Route("/_admin/outage", outage, methods=["POST"]),
        Route("/_admin/advance", advance, methods=["POST"]),
        Route("/_admin/records/{kind}", records, methods=["GET"]),
        Route("/_admin/epcis-events", epcis_events, methods=["GET"]),
    ]


def create_app(faults: Faults | None = None) -> Starlette:
    """A fresh simulator (its state is `app.state.sim`)."""
    state = SimState(faults or Faults())
    portal = PortalRoutes(state)
    epcis = EpcisRoutes(state)

    def wrap(endpoint: Endpoint, needs_token: bool) -> Endpoint:
        return _gated(state, endpoint, needs_token)

    routes = _admin_routes(state) + portal.routes(wrap)
    routes += [
        Route("/capture", wrap(epcis.capture, False), methods=["POST"]),
        Route("/capture/{capture_id}", epcis.capture_job, methods=["GET"]),
    ]
    app = Starlette(routes=routes)
    app.state.sim = state
    return app
